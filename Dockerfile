# Production image: gunicorn serves the app; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's libraries (PDFs) and a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY mentorship ./mentorship
COPY programs ./programs
COPY matching ./matching
COPY agreements ./agreements
COPY surveys ./surveys
RUN pip install -e .
COPY manage.py ./
COPY templates ./templates
COPY static ./static

# collectstatic needs production settings; these build-only values are never used at run
# time (compose supplies the real secrets and mounts the seal key into every container).
RUN DEBUG=0 SECRET_KEY=collectstatic-only SITE_URL=http://build.invalid FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1rZXktZm9yLWNvbGxlY3RzdGF0aWM= \
    AGREEMENT_SIGNING_KEY="-----BEGIN build-only-----" AGREEMENT_SIGNING_CERT="-----BEGIN build-only-----" \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home /app app \
    && mkdir -p /app/var/media \
    && chown -R app /app/var

USER app
EXPOSE 8000
CMD ["gunicorn", "mentorship.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
