#!/usr/bin/env bash
# Load benchmark: gunicorn + PostgreSQL, locust headless at 20 and 100 concurrent clients.
#
#   benchmarks/load/run.sh                    # seed, then 60 s at 20 clients and 60 s at 100 clients
#   DURATION=30 USERS="20 100" benchmarks/load/run.sh
#   SKIP_SEED=1 benchmarks/load/run.sh        # reuse the seeded database and accounts.json
#   BENCH_THINK_SECONDS=5 USERS=100 SKIP_SEED=1 benchmarks/load/run.sh   # users who pause 0-10 s
#
# Needs PostgreSQL at BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_load;
# the database is dropped and recreated) and locust in .venv (pip install locust==2.47.0).
# No Docker, no Redis. Results: benchmarks/load/results/ (u<clients>.json with exact
# percentiles, locust's CSVs, summary.md; "-think<n>" is added to the names with think time).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="${PY:-$ROOT/.venv/bin/python}"
LOCUST="${LOCUST:-$ROOT/.venv/bin/locust}"
GUNICORN="${GUNICORN:-$ROOT/.venv/bin/gunicorn}"
PORT="${PORT:-8765}"
WORKERS="${WORKERS:-4}"
DURATION="${DURATION:-60}"
USERS="${USERS:-20 100}"
RESULTS="${RESULTS:-$HERE/results}"
SCRATCH="$(mktemp -d -t bench-load-XXXXXX)"
SUFFIX="${BENCH_THINK_SECONDS:+-think$BENCH_THINK_SECONDS}"

[ -x "$LOCUST" ] || { echo "locust is not installed: $PY -m pip install locust==2.47.0" >&2; exit 1; }
mkdir -p "$RESULTS"

# Production settings (DEBUG off, manifest static files, encrypted fields) with throwaway
# secrets; plain HTTP on the loopback, so the HTTPS-only switches are turned off.
export DEBUG=0
export SECRET_KEY="benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
export SITE_URL="http://127.0.0.1:$PORT"
export FIELD_ENCRYPTION_KEYS="dGVzdC1zdWl0ZS1vbmx5LWtleS1uZXZlci1pbi11c2U="
export ALLOWED_HOSTS="127.0.0.1"
export SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0
export BENCH_DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bench_load}"
export DATABASE_URL="$BENCH_DATABASE_URL"
export VAR_DIR="$SCRATCH/var" STATIC_ROOT="$SCRATCH/static" BENCH_SCRATCH="$SCRATCH/var"
export EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
export LOG_LEVEL=WARNING
unset REDIS_URL CELERY_BROKER_URL
export BENCH_ACCOUNTS="$RESULTS/accounts.json"

GUNICORN_PID=""
cleanup() {
    if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill -TERM "$GUNICORN_PID" 2>/dev/null || true
        wait "$GUNICORN_PID" 2>/dev/null || true
    fi
    rm -rf "$SCRATCH"
}
trap cleanup EXIT INT TERM

cd "$ROOT"
if [ "${SKIP_SEED:-0}" != "1" ]; then
    "$PY" "$HERE/seed.py"
fi
[ -f "$BENCH_ACCOUNTS" ] || { echo "no $BENCH_ACCOUNTS: run without SKIP_SEED=1 first" >&2; exit 1; }
"$PY" manage.py collectstatic --noinput --verbosity 0

"$GUNICORN" mentorship.wsgi:application --workers "$WORKERS" --bind "127.0.0.1:$PORT" \
    --access-logfile /dev/null --error-logfile "$RESULTS/gunicorn.log" &
GUNICORN_PID=$!
for _ in $(seq 1 60); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null

{
    echo "# Load run $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "gunicorn $WORKERS sync workers on 127.0.0.1:$PORT; PostgreSQL $(psql "$DATABASE_URL" -Atc 'SHOW server_version' 2>/dev/null || echo '?'); $(nproc) CPUs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
} >"$RESULTS/summary$SUFFIX.md"

for users in $USERS; do
    echo "== $users clients, $DURATION s measured after every client has signed in"
    # Each client signs in once (allauth form + CSRF) from its own loopback address; the
    # statistics are reset when the last one is in, and the run stops $DURATION s later.
    BENCH_MEASURE_SECONDS="$DURATION" BENCH_RESULT="$RESULTS/u$users$SUFFIX.json" BENCH_GUNICORN_PID="$GUNICORN_PID" \
        BENCH_DATABASE_NAME="${BENCH_DATABASE_URL##*/}" "$LOCUST" -f "$HERE/locustfile.py" --headless \
        --host "http://127.0.0.1:$PORT" --users "$users" --spawn-rate "$users" \
        --run-time "$((DURATION + 240))s" --stop-timeout 10 \
        --csv "$RESULTS/u$users$SUFFIX" --only-summary --loglevel WARNING
    "$PY" "$HERE/report.py" "$RESULTS/u$users$SUFFIX.json" | tee -a "$RESULTS/summary$SUFFIX.md"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS/summary$SUFFIX.md"
