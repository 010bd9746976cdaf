#!/usr/bin/env bash
# Load benchmark, before and after in one run: gunicorn + PostgreSQL, locust headless.
#
#   benchmarks/load/run.sh                      # ~8-10 min: seed both databases, then each scenario before and after
#   DURATION=10 THINK_USERS= benchmarks/load/run.sh          # a quick check: 20 clients, no pauses, 10 s
#   USERS="20 100" benchmarks/load/run.sh       # adds 100 clients without pauses
#   SKIP_SEED=1 benchmarks/load/run.sh          # reuse both seeded databases and accounts files
#   BEFORE_REF=<commit> benchmarks/load/run.sh  # compare the working tree with another commit
#
# "before" is BEFORE_REF (default c3519a2, the commit before issue 17's work), checked out
# in a temporary git worktree; "after" is this working tree, uncommitted changes included.
# Both run with this tree's .venv. Each side gets its own database, seeded by its own
# seed.py and migrations with the same fixed seed (bench_load_before, bench_load_after: both
# dropped and recreated), and its own accounts file. Then for each scenario, before and
# after run back to back with the same gunicorn settings, the same locustfile (this tree's)
# and the same number of clients:
#
#   c<n>  n clients (USERS, default 20) without pauses, DURATION s (default 60) each:
#         throughput and server CPU per request;
#   t<n>  n clients (THINK_USERS, default 20; empty to skip) who pause THINK (default 1-5,
#         uniform seconds) after every request, THINK_DURATION s (default 2 x DURATION):
#         latency percentiles.
#
# Other options: WORKERS=4 (gunicorn sync workers), PORT=8765, BENCH_PG_URL (the server,
# default postgres://postgres@127.0.0.1:5432), RESULTS (default benchmarks/load/results).
# Needs PostgreSQL, locust and gunicorn in .venv. No Docker, no Redis. Results: RESULTS/summary.md
# (report.py's tables), <scenario>-<side>.json (exact percentiles, CPU), run.json, locust's CSVs.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="${PY:-$ROOT/.venv/bin/python}"
LOCUST="${LOCUST:-$ROOT/.venv/bin/locust}"
GUNICORN="${GUNICORN:-$ROOT/.venv/bin/gunicorn}"
BEFORE_REF="${BEFORE_REF:-c3519a2}"
PORT="${PORT:-8765}"
WORKERS="${WORKERS:-4}"
DURATION="${DURATION:-60}"
USERS="${USERS-20}"
THINK_USERS="${THINK_USERS-20}"
THINK="${THINK:-1-5}"
THINK_DURATION="${THINK_DURATION:-$((2 * DURATION))}"
RESULTS="${RESULTS:-$HERE/results}"
PG_URL="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}"

[ -x "$LOCUST" ] || { echo "locust is not installed: $PY -m pip install locust==2.47.0" >&2; exit 1; }
[ -x "$GUNICORN" ] || { echo "gunicorn is not installed in $ROOT/.venv" >&2; exit 1; }
BEFORE_SHA="$(git -C "$ROOT" rev-parse --verify --quiet "$BEFORE_REF^{commit}")" ||
    { echo "BEFORE_REF=$BEFORE_REF is not a commit of this repository" >&2; exit 1; }
mkdir -p "$RESULTS"
SCRATCH="$(mktemp -d -t bench-load-XXXXXX)"
BEFORE_DIR="$SCRATCH/before"

# Production settings (DEBUG off, manifest static files, encrypted fields, a seal key)
# with throwaway secrets; plain HTTP on the loopback, so the HTTPS-only switches are off.
export DEBUG=0
export SECRET_KEY="benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
export SITE_URL="http://127.0.0.1:$PORT"
export FIELD_ENCRYPTION_KEYS="dGVzdC1zdWl0ZS1vbmx5LWtleS1uZXZlci1pbi11c2U="
export ALLOWED_HOSTS="127.0.0.1"
export SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0
export EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"
# Production's log level: the after side writes its JSON line per request (to the gunicorn log).
export LOG_LEVEL=INFO
unset REDIS_URL CELERY_BROKER_URL DATABASE_URL BENCH_DATABASE_URL PYTHONPATH
# Redis as in production (cache and sessions); empty for the per-worker memory cache.
BENCH_REDIS_URL="${BENCH_REDIS_URL-redis://127.0.0.1:6379/14}"

GUNICORN_PID=""
SEED_PIDS=""
stop_gunicorn() {
    if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill -TERM "$GUNICORN_PID" 2>/dev/null || true
        wait "$GUNICORN_PID" 2>/dev/null || true
    fi
    GUNICORN_PID=""
}
cleanup() {
    for pid in $SEED_PIDS; do kill -TERM "$pid" 2>/dev/null || true; done
    stop_gunicorn
    if [ -d "$BEFORE_DIR" ]; then
        git -C "$ROOT" worktree remove --force "$BEFORE_DIR" 2>/dev/null || true
    fi
    rm -rf "$SCRATCH"
    git -C "$ROOT" worktree prune 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started_at=$(date +%s)
describe() { git -C "$ROOT" log -1 --format='%h (%cs) %s' "$1" | awk '{ print (length > 100) ? substr($0, 1, 99) "…" : $0 }'; }
BEFORE_DESC="$(describe "$BEFORE_SHA")"
echo "== before: $BEFORE_REF, $BEFORE_DESC"
git -C "$ROOT" worktree add --detach --quiet "$BEFORE_DIR" "$BEFORE_SHA"
ln -s "$(readlink -f "$ROOT/.venv")" "$BEFORE_DIR/.venv"
AFTER_DESC="$(describe HEAD)"
# Changes to the harness itself (benchmarks/) do not change what is measured.
[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=all -- . ':!benchmarks' ':!.venv')" ] ||
    AFTER_DESC="$AFTER_DESC, with uncommitted changes"
echo "== after: this working tree, $AFTER_DESC"

# One seal key pair for both sides (production refuses to start without one).
DEBUG=1 VAR_DIR="$SCRATCH/var-keygen" "$PY" "$ROOT/manage.py" generate_seal_key --out-dir "$SCRATCH/seal" >/dev/null
export AGREEMENT_SIGNING_KEY="$SCRATCH/seal/agreement-seal.key.pem"
export AGREEMENT_SIGNING_CERT="$SCRATCH/seal/agreement-seal.cert.pem"

side_dir() { if [ "$1" = before ]; then echo "$BEFORE_DIR"; else echo "$ROOT"; fi; }

# One side's code, database, accounts file and scratch directories, in the current shell:
# call it in a subshell.
side_env() {
    local dir
    dir="$(side_dir "$1")"
    cd "$dir"
    export PYTHONPATH="$dir"
    export BENCH_DATABASE_URL="$PG_URL/bench_load_$1" DATABASE_URL="$PG_URL/bench_load_$1"
    export BENCH_DATABASE_NAME="bench_load_$1"
    export BENCH_ACCOUNTS="$RESULTS/accounts-$1.json"
    export VAR_DIR="$SCRATCH/var-$1" BENCH_SCRATCH="$SCRATCH/var-$1" STATIC_ROOT="$SCRATCH/static-$1"
}
with_side() { (side_env "$1" && shift && exec "$@"); }
server_up() { curl -fsS --max-time 2 "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; }

seed_started=$(date +%s)
if [ "${SKIP_SEED:-0}" = "1" ]; then
    for side in before after; do
        [ -f "$RESULTS/accounts-$side.json" ] || { echo "no $RESULTS/accounts-$side.json: run without SKIP_SEED=1 first" >&2; exit 1; }
        with_side "$side" "$PY" manage.py migrate --check >/dev/null ||
            { echo "bench_load_$side lacks migrations of the $side code: run without SKIP_SEED=1" >&2; exit 1; }
    done
    [ "$(cat "$RESULTS/seeded-before.txt" 2>/dev/null)" = "$BEFORE_SHA" ] ||
        { echo "bench_load_before was not seeded from $BEFORE_REF ($BEFORE_SHA): run without SKIP_SEED=1" >&2; exit 1; }
else
    # Both at once (each is mostly one Python process); each side with its own seed.py and migrations.
    echo "== seeding bench_load_before and bench_load_after, each with its own code"
    rm -f "$RESULTS/seeded-before.txt"
    for side in before after; do
        (side_env "$side" && exec "$PY" "$(side_dir "$side")/benchmarks/load/seed.py") >"$RESULTS/seed-$side.log" 2>&1 &
        SEED_PIDS="$SEED_PIDS $!"
    done
    failed=0
    for pid in $SEED_PIDS; do wait "$pid" || failed=1; done
    SEED_PIDS=""
    for side in before after; do tail -3 "$RESULTS/seed-$side.log"; done
    [ "$failed" = 0 ] || { echo "seeding failed: see $RESULTS/seed-before.log and seed-after.log" >&2; exit 1; }
    echo "$BEFORE_SHA" >"$RESULTS/seeded-before.txt"
fi
for side in before after; do
    with_side "$side" "$PY" manage.py collectstatic --noinput --verbosity 0
done
seed_seconds=$(($(date +%s) - seed_started))

# Scenario list: name, clients, pause range, measured seconds.
SCENARIOS=()
for users in $USERS; do SCENARIOS+=("c$users $users 0 $DURATION"); done
for users in $THINK_USERS; do SCENARIOS+=("t$users $users $THINK $THINK_DURATION"); done
[ "${#SCENARIOS[@]}" -gt 0 ] || { echo "no scenario: set USERS and/or THINK_USERS" >&2; exit 1; }
rm -f "$RESULTS"/[ct][0-9]*-before* "$RESULTS"/[ct][0-9]*-after* "$RESULTS"/gunicorn-*.log "$RESULTS/summary.md"

env RUN_STARTED="$started_at" RUN_BEFORE_REF="$BEFORE_REF" RUN_BEFORE_SHA="$BEFORE_SHA" \
    RUN_BEFORE_DESC="$BEFORE_DESC" RUN_AFTER_DESC="$AFTER_DESC" RUN_WORKERS="$WORKERS" \
    RUN_SEED_SECONDS="$seed_seconds" RUN_SKIP_SEED="${SKIP_SEED:-0}" RUN_PG_URL="$PG_URL" \
    "$PY" - "$RESULTS/run.json" <<'EOF'
import json, os, subprocess, sys, time

e = os.environ
version = subprocess.run(["psql", e["RUN_PG_URL"] + "/postgres", "-Atc", "SHOW server_version"], capture_output=True, text=True)
memory_kb = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal:"))
run = {
    "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(e["RUN_STARTED"]))),
    "before": {"ref": e["RUN_BEFORE_REF"], "commit": e["RUN_BEFORE_SHA"], "describe": e["RUN_BEFORE_DESC"]},
    "after": {"describe": e["RUN_AFTER_DESC"]},
    "workers": int(e["RUN_WORKERS"]),
    "nproc": len(os.sched_getaffinity(0)),
    "memory_gb": round(memory_kb / 1024 / 1024, 1),
    "postgresql": version.stdout.strip() or "?",
    "seed_seconds": int(e["RUN_SEED_SECONDS"]),
    "skip_seed": e["RUN_SKIP_SEED"] == "1",
    "load_average": {"start": open("/proc/loadavg").read().split()[:3]},
    "scenarios": [],
}
json.dump(run, open(sys.argv[1], "w"), indent=1)
EOF

run_side() { # side scenario clients think seconds
    local side="$1" name="$2" clients="$3" think="$4" seconds="$5" dir
    dir="$(side_dir "$side")"
    server_up && { echo "port $PORT is in use (a server answers /healthz): set PORT" >&2; exit 1; }
    # The subshell becomes gunicorn's master (exec), so $! is the master and its children the workers.
    # As docker-compose.yml runs web: Redis for the cache and the sessions (emptied first, so
    # neither side finds the other's entries), and the workers' metrics in a fresh folder.
    if [ -n "$BENCH_REDIS_URL" ]; then
        redis-cli -u "$BENCH_REDIS_URL" FLUSHDB >/dev/null ||
            { echo "Redis at $BENCH_REDIS_URL does not answer (BENCH_REDIS_URL= runs without)" >&2; exit 1; }
    fi
    rm -rf "$SCRATCH/prometheus-$side" && mkdir -p "$SCRATCH/prometheus-$side"
    (side_env "$side" && export REDIS_URL="$BENCH_REDIS_URL" PROMETHEUS_MULTIPROC_DIR="$SCRATCH/prometheus-$side" &&
        exec "$GUNICORN" --chdir "$dir" mentorship.wsgi:application --workers "$WORKERS" \
        --bind "127.0.0.1:$PORT" --error-logfile "$RESULTS/gunicorn-$side.log" \
        >>"$RESULTS/gunicorn-$side.log" 2>&1) &
    GUNICORN_PID=$!
    for _ in $(seq 1 120); do
        server_up && break
        kill -0 "$GUNICORN_PID" 2>/dev/null || break
        sleep 0.5
    done
    server_up && kill -0 "$GUNICORN_PID" 2>/dev/null ||
        { echo "gunicorn ($side) did not start: see $RESULTS/gunicorn-$side.log" >&2; exit 1; }
    echo "-- $name $side: $clients clients, pauses ${think} s, $seconds s measured after every client has signed in"
    # Each client signs in once (allauth form + CSRF) from its own loopback address; the
    # statistics are reset when the last one is in, and the run stops $seconds s later.
    with_side "$side" env BENCH_MEASURE_SECONDS="$seconds" BENCH_THINK="$think" \
        BENCH_RESULT="$RESULTS/$name-$side.json" BENCH_GUNICORN_PID="$GUNICORN_PID" \
        "$LOCUST" -f "$HERE/locustfile.py" --headless --host "http://127.0.0.1:$PORT" \
        --users "$clients" --spawn-rate "$clients" --run-time "$((seconds + 240))s" --stop-timeout 10 \
        --csv "$RESULTS/$name-$side" --only-summary --loglevel WARNING >"$RESULTS/$name-$side.locust.txt" 2>&1 ||
        { echo "locust failed ($name $side):" >&2; tail -20 "$RESULTS/$name-$side.locust.txt" >&2; exit 1; }
    [ -f "$RESULTS/$name-$side.json" ] ||
        { echo "locust wrote no results ($name $side):" >&2; tail -20 "$RESULTS/$name-$side.locust.txt" >&2; exit 1; }
    stop_gunicorn
    for _ in $(seq 1 60); do server_up || break; sleep 0.5; done
}

names=()
for scenario in "${SCENARIOS[@]}"; do
    read -r name clients think seconds <<<"$scenario"
    names+=("$name")
    for side in before after; do
        run_side "$side" "$name" "$clients" "$think" "$seconds"
    done
done

"$PY" - "$RESULTS/run.json" "$(($(date +%s) - started_at))" "${names[@]}" <<'EOF'
import json, sys
path, seconds, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
run = json.load(open(path))
run["scenarios"] = names
run["load_average"]["end"] = open("/proc/loadavg").read().split()[:3]
run["total_seconds"] = seconds
json.dump(run, open(path, "w"), indent=1)
EOF
"$PY" "$HERE/report.py" "$RESULTS"
echo "(written to $RESULTS/summary.md; the whole run took $(($(date +%s) - started_at)) s)"
