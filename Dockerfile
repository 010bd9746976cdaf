# Production image: gunicorn serves the app; the same image runs the Celery worker and beat.
# BASE_IMAGE: the official Python image by default. Any Debian bookworm image works too
# (deploy/container-check.sh builds on a plain one made by debootstrap): then Debian's
# Python 3.11 is installed here. Either way the app lives in the virtualenv /opt/venv.
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's libraries (PDFs) and a font; pg_dump/pg_restore for manage.py backup/restore;
# Debian's Python only where the base has none.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
       postgresql-client \
    && if ! command -v python3 >/dev/null 2>&1; then \
         apt-get install -y --no-install-recommends python3 python3-venv; \
       fi \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or later is needed")' \
    && python3 -m venv /opt/venv
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

WORKDIR /app
COPY pyproject.toml README.md ./
# Every package pyproject.toml lists and settings.INSTALLED_APPS loads.
COPY mentorship ./mentorship
COPY programs ./programs
COPY relationships ./relationships
COPY matching ./matching
COPY agreements ./agreements
COPY surveys ./surveys
COPY demo ./demo
RUN pip install -e .
COPY manage.py ./
COPY templates ./templates
COPY static ./static

# collectstatic needs production settings; these build-only values are never used at run
# time (compose supplies the real secrets and mounts the seal key into every container).
# /app/.gunicorn: gunicorn's control socket ($HOME/.gunicorn/gunicorn.ctl; HOME is /app).
RUN DEBUG=0 SECRET_KEY=collectstatic-only SITE_URL=http://build.invalid FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1rZXktZm9yLWNvbGxlY3RzdGF0aWM= \
    AGREEMENT_SIGNING_KEY="-----BEGIN build-only-----" AGREEMENT_SIGNING_CERT="-----BEGIN build-only-----" \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 1000 --home /app app \
    && mkdir -p /app/var/media /app/.gunicorn \
    && chown -R app /app/var /app/.gunicorn

USER app
EXPOSE 8000
# No gunicorn access log: the app writes one JSON line per request (README, "Observability").
CMD ["gunicorn", "mentorship.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
