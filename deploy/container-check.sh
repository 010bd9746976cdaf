#!/usr/bin/env bash
# Builds the Dockerfile and runs docker-compose.yml with podman, on a machine that reaches no
# container registry (only Debian's packages and PyPI): every image is built here.
#
#   sudo bash deploy/container-check.sh        # exits non-zero, naming the step, on any failure
#
# 1. podman, debootstrap and runc from Debian's packages (installed when missing).
# 2. A Debian bookworm base image made by debootstrap and imported as localhost/debian:bookworm
#    (kept between runs; CHECK_REBUILD_BASE=1 makes it anew).
# 3. The app image from the Dockerfile on that base (--build-arg BASE_IMAGE), and PostgreSQL,
#    Redis and nginx images from Debian's packages (deploy/local-images/).
# 4. The stack with podman-compose (in its own virtualenv), docker-compose.yml plus
#    deploy/compose.local-images.yml (and deploy/compose.local-nginx.yml when the compose file
#    has nginx), in a copy of the work tree with a generated .env and generated secrets.
# 5. Checks: /healthz inside web and through the published entrance, a page and one of its
#    static files, the worker answering a ping and running a task, beat started, no restarts.
# 6. The stack and its volumes removed (CHECK_KEEP=1 leaves it running).
#
# Settings (environment): CHECK_DIR (work folder, default /var/tmp/mentorship-container-check),
# CHECK_PROJECT (compose project name, default mentorshipcheck), CHECK_KEEP, CHECK_REBUILD_BASE,
# DEBIAN_MIRROR and DEBIAN_SECURITY_MIRROR (default: the host's apt mirrors),
# PODMAN_COMPOSE_VERSION.
#
# What this sandbox needed (see the report in deploy/CONTAINERS.md): runc instead of crun (crun
# 1.8 refuses a hybrid cgroup v1/v2 host), ulimits no higher than the host allows (podman's
# defaults need CAP_SYS_RESOURCE), the host's CA bundle in the base image for pip (TLS passes
# an intercepting proxy here), and healthchecks run by this script (podman 4.3 runs them from
# systemd timers, and there is no systemd; podman-compose then ignores depends_on's
# condition: service_healthy, so the services are started in the compose file's order here).
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CHECK_DIR=${CHECK_DIR:-/var/tmp/mentorship-container-check}
CHECK_PROJECT=${CHECK_PROJECT:-mentorshipcheck}
CHECK_KEEP=${CHECK_KEEP:-0}
CHECK_REBUILD_BASE=${CHECK_REBUILD_BASE:-0}
PODMAN_COMPOSE_VERSION=${PODMAN_COMPOSE_VERSION:-1.6.0}
BASE_IMAGE=localhost/debian:bookworm
APP_IMAGE=localhost/mentorship:local
LOGS=$CHECK_DIR/logs
STAGE=$CHECK_DIR/project

STARTED=$(date +%s)
SUMMARY=()
CURRENT_STEP=""
STACK_UP=0

say() { printf '%s\n' "== $*"; }
fail() {
    printf 'FAILED: %s\n' "$*" >&2
    exit 1
}

# step NAME FUNCTION: runs the function with its output in $LOGS/NAME.log, records its time.
step() {
    local name=$1 start rc
    shift
    CURRENT_STEP=$name
    start=$(date +%s)
    say "$name ..."
    set +e
    (
        set -e
        "$@"
    ) >"$LOGS/$name.log" 2>&1
    rc=$?
    set -e
    SUMMARY+=("$(printf '%-22s %5ss  %s' "$name" "$(($(date +%s) - start))" "$([ $rc = 0 ] && echo ok || echo "FAILED (exit $rc)")")")
    if [ $rc != 0 ]; then
        echo "---- last lines of $LOGS/$name.log" >&2
        tail -n 40 "$LOGS/$name.log" >&2
        fail "step '$name' (log: $LOGS/$name.log)"
    fi
    CURRENT_STEP=""
}

finish() {
    local rc=$?
    if [ "$STACK_UP" = 1 ]; then
        if [ $rc != 0 ]; then
            echo "---- container states and last log lines" >&2
            podman ps -a --filter "label=com.docker.compose.project=$CHECK_PROJECT" \
                --format '{{.Names}} {{.Status}} restarts={{.Restarts}}' >&2 || true
            for name in $(podman ps -a --filter "label=com.docker.compose.project=$CHECK_PROJECT" --format '{{.Names}}'); do
                echo "-- $name" >&2
                podman logs --tail 15 "$name" >&2 || true
            done
        fi
        if [ "$CHECK_KEEP" = 1 ]; then
            say "the stack is left running (CHECK_KEEP=1): cd $STAGE && CONTAINERS_CONF=$CONTAINERS_CONF $(compose_cmd) down -v"
        else
            compose down -v >"$LOGS/down.log" 2>&1 || echo "compose down failed: $LOGS/down.log" >&2
        fi
    fi
    echo
    say "timings"
    printf '%s\n' "${SUMMARY[@]}"
    printf '%-22s %5ss\n' total "$(($(date +%s) - STARTED))"
    if [ $rc = 0 ]; then say "container check passed"; else say "container check FAILED${CURRENT_STEP:+ in $CURRENT_STEP}"; fi
    exit $rc
}

# ---------------------------------------------------------------------------------------------
# 1. Tools

install_tools() {
    local missing=()
    command -v podman >/dev/null || missing+=(podman)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v runc >/dev/null || missing+=(runc)
    # podman's usual companions (Debian recommends them; an install without recommends lacks them).
    for pkg in uidmap fuse-overlayfs slirp4netns; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing ${missing[*]}"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    fi
    podman --version
    runc --version | head -n 1
    debootstrap --version
}

# Podman's settings for this run only (CONTAINERS_CONF replaces the host's containers.conf).
write_containers_conf() {
    local nofile nproc
    # Podman asks for 1048576 open files and 4194304 processes by default; without
    # CAP_SYS_RESOURCE the OCI runtime may not raise a limit above the host's hard limit, and
    # the process limit it can set stays at or below 32768 here.
    nofile=$(ulimit -Hn)
    nproc=$(ulimit -Hu)
    if [ "$nofile" = unlimited ] || [ "$nofile" -gt 1048576 ]; then nofile=1048576; fi
    if [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
    cat >"$CHECK_DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
# crun 1.8 (Debian bookworm) refuses hosts with cgroup v1 and v2 controllers side by side.
runtime = "runc"
EOF
    cat "$CHECK_DIR/containers.conf"
    CONTAINERS_CONF=$CHECK_DIR/containers.conf podman info --format 'storage driver {{.Store.GraphDriverName}}, cgroups {{.Host.CgroupsVersion}}, runtime {{.Host.OCIRuntime.Name}}'
}

podman_compose_venv() {
    local venv=$CHECK_DIR/podman-compose-venv
    if ! "$venv/bin/podman-compose" --version 2>/dev/null | grep -q "podman-compose version $PODMAN_COMPOSE_VERSION"; then
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q "podman-compose==$PODMAN_COMPOSE_VERSION"
    fi
    "$venv/bin/podman-compose" --version
}

# ---------------------------------------------------------------------------------------------
# 2. The base image

# The host's own apt mirror for PATTERN (Debian's main archive or its security archive).
host_apt_uri() {
    {
        cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i}'
        cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" {print ($2 ~ /^\[/ ? $3 : $2)}'
    } | grep -E "$1" | head -n 1 || true
}

debian_mirror() {
    local uri=${DEBIAN_MIRROR:-$(host_apt_uri '/debian/?$')}
    [ -n "$uri" ] || fail "no Debian mirror in /etc/apt/sources.list*: set DEBIAN_MIRROR"
    echo "${uri%/}"
}

debian_security_mirror() {
    local uri=${DEBIAN_SECURITY_MIRROR:-$(host_apt_uri '/debian-security/?$')}
    [ -n "$uri" ] || uri="${1%/debian}/debian-security"
    echo "${uri%/}"
}

# The CA bundle this host trusts, for pip inside the builds (where TLS to PyPI passes through
# an intercepting proxy, only the host's bundle knows its authority).
host_ca_bundle() {
    local f
    for f in "${PIP_CERT:-}" "${SSL_CERT_FILE:-}" /etc/ssl/certs/ca-certificates.crt; do
        if [ -n "$f" ] && [ -f "$f" ]; then
            echo "$f"
            return
        fi
    done
}

build_base_image() {
    if [ "$CHECK_REBUILD_BASE" != 1 ] && podman image exists "$BASE_IMAGE"; then
        echo "$BASE_IMAGE exists (CHECK_REBUILD_BASE=1 makes it anew)"
        return
    fi
    local mirror security rootfs=$CHECK_DIR/rootfs ca
    mirror=$(debian_mirror)
    security=$(debian_security_mirror "$mirror")
    rm -rf "$rootfs"
    echo "debootstrap --variant=minbase bookworm from $mirror"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror"
    cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    local changes=(--change 'CMD ["/bin/bash"]')
    ca=$(host_ca_bundle)
    if [ -n "$ca" ]; then
        mkdir -p "$rootfs/usr/local/share/host-ca"
        cp "$ca" "$rootfs/usr/local/share/host-ca/ca-bundle.crt"
        changes+=(--change 'ENV PIP_CERT=/usr/local/share/host-ca/ca-bundle.crt')
    fi
    podman rmi -f "$BASE_IMAGE" >/dev/null 2>&1 || true
    tar --numeric-owner -C "$rootfs" -c . | podman import "${changes[@]}" - "$BASE_IMAGE"
    rm -rf "$rootfs"
    podman run --rm "$BASE_IMAGE" cat /etc/debian_version
}

# ---------------------------------------------------------------------------------------------
# 3. Images

# The work tree as it is (tracked and untracked files, not the ignored ones), so a check never
# writes .env or secrets/ into the developer's own tree.
stage_project() {
    rm -rf "$STAGE"
    mkdir -p "$STAGE"
    if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard) |
            (cd "$ROOT" && tar --null --ignore-failed-read -T - -c) | tar -C "$STAGE" -x
    else
        tar -C "$ROOT" --exclude=.git --exclude=.venv --exclude=.env --exclude=secrets -c . | tar -C "$STAGE" -x
    fi
    ls "$STAGE"
}

build_app_image() {
    podman build --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$APP_IMAGE" "$STAGE"
}

build_service_images() {
    local name
    for name in postgres redis nginx; do
        podman build --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "localhost/mentorship-$name:local" "$STAGE/deploy/local-images/$name"
    done
    podman run --rm --entrypoint postgres localhost/mentorship-postgres:local --version
    podman run --rm --entrypoint redis-server localhost/mentorship-redis:local --version
    podman run --rm localhost/mentorship-nginx:local nginx -v
}

# ---------------------------------------------------------------------------------------------
# 4. The stack

HAS_NGINX=0
COMPOSE_FILES=(-f docker-compose.yml -f deploy/compose.local-images.yml)

compose_cmd() { echo "$CHECK_DIR/podman-compose-venv/bin/podman-compose -p $CHECK_PROJECT ${COMPOSE_FILES[*]}"; }
compose() { (cd "$STAGE" && "$CHECK_DIR/podman-compose-venv/bin/podman-compose" -p "$CHECK_PROJECT" "${COMPOSE_FILES[@]}" "$@"); }

container_of() {
    podman ps -a --filter "label=com.docker.compose.project=$CHECK_PROJECT" \
        --filter "label=com.docker.compose.service=$1" --format '{{.Names}}' | head -n 1
}

port_free() { ! ss -Hltn "sport = :$1" | grep -q .; }

write_env_and_secrets() {
    local secret_key fernet_key
    secret_key=$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')
    fernet_key=$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')
    mkdir -p "$STAGE/secrets/tls"
    openssl req -x509 -newkey rsa:3072 -sha256 -days 7 -nodes -subj "/CN=Container check seal" \
        -addext "basicConstraints=critical,CA:FALSE" -addext "keyUsage=critical,digitalSignature,nonRepudiation" \
        -keyout "$STAGE/secrets/agreement-seal.key.pem" -out "$STAGE/secrets/agreement-seal.cert.pem" 2>/dev/null
    chmod 600 "$STAGE/secrets/agreement-seal.key.pem"
    chown 1000 "$STAGE/secrets/agreement-seal.key.pem"
    openssl req -x509 -newkey rsa:2048 -sha256 -days 7 -nodes -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$STAGE/secrets/tls/privkey.pem" -out "$STAGE/secrets/tls/fullchain.pem" 2>/dev/null
    {
        echo "SECRET_KEY=$secret_key"
        echo "FIELD_ENCRYPTION_KEYS=$fernet_key"
        echo "ALLOWED_HOSTS=localhost,127.0.0.1"
        echo "EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend"
        echo "DEFAULT_FROM_EMAIL=Mentorship <check@localhost>"
        if [ "$HAS_NGINX" = 1 ]; then
            # nginx terminates TLS: the production settings as they are.
            echo "SITE_URL=https://localhost"
            echo "BEHIND_TLS_PROXY=1"
        else
            # web published on http://127.0.0.1:8000 (.env.example's plain-HTTP trial).
            echo "SITE_URL=http://localhost:8000"
            echo "BEHIND_TLS_PROXY=0"
            echo "SECURE_SSL_REDIRECT=0"
            echo "SESSION_COOKIE_SECURE=0"
            echo "CSRF_COOKIE_SECURE=0"
            echo "SECURE_HSTS_SECONDS=0"
        fi
    } >"$STAGE/.env"
    sed 's/=.*/=…/' "$STAGE/.env"
}

prepare_stack() {
    local services
    touch "$STAGE/.env" # env_file must exist for `config`; written below
    services=$(cd "$STAGE" && "$CHECK_DIR/podman-compose-venv/bin/podman-compose" -f docker-compose.yml config --services)
    echo "services: $(tr '\n' ' ' <<<"$services")"
    if grep -qx nginx <<<"$services"; then
        HAS_NGINX=1
        COMPOSE_FILES+=(-f deploy/compose.local-nginx.yml)
    fi
    write_env_and_secrets
    local port ports=(8000)
    [ "$HAS_NGINX" = 1 ] && ports=(80 443)
    for port in "${ports[@]}"; do
        port_free "$port" || fail "port $port is taken on this machine: the compose file publishes it"
    done
    compose config >"$LOGS/compose-config.yml"
    echo "compose files: ${COMPOSE_FILES[*]}"
}

# Runs a service's healthcheck until it passes (no systemd here to run it on its interval).
wait_healthy() {
    local service=$1 timeout=$2 name deadline
    name=$(container_of "$service")
    [ -n "$name" ] || fail "no container for $service"
    deadline=$(($(date +%s) + timeout))
    until podman healthcheck run "$name" >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
            podman logs --tail 30 "$name" || true
            fail "$service not healthy after ${timeout}s"
        fi
        sleep 2
    done
    echo "$service healthy: $(podman inspect --format '{{.State.Health.Status}}' "$name")"
}

start_data_services() {
    compose up -d postgres redis
    wait_healthy postgres 120
    wait_healthy redis 60
}

start_web() {
    compose up -d web
    wait_healthy web 300
}

start_rest() {
    compose up -d
    podman ps -a --filter "label=com.docker.compose.project=$CHECK_PROJECT" --format '{{.Names}} {{.Image}} {{.Status}}'
}

# ---------------------------------------------------------------------------------------------
# 5. Checks

check_web() {
    local web body code page static
    web=$(container_of web)
    body=$(podman exec "$web" python -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8000/healthz').read().decode())")
    echo "inside web: /healthz -> $body"
    local base curl_args=(-sS --max-time 20)
    if [ "$HAS_NGINX" = 1 ]; then
        base=https://localhost
        curl_args+=(--cacert "$STAGE/secrets/tls/fullchain.pem")
        code=$(curl -sS --max-time 20 -o /dev/null -w '%{http_code}' http://localhost/healthz)
        echo "http://localhost/healthz -> $code (redirect to https expected)"
        [ "$code" = 301 ] || fail "nginx did not redirect http to https ($code)"
        curl "${curl_args[@]}" -D - -o /dev/null "$base/" | grep -i '^strict-transport-security:' ||
            fail "no Strict-Transport-Security header through nginx"
    else
        base=http://127.0.0.1:8000
    fi
    body=$(curl "${curl_args[@]}" -f "$base/healthz")
    echo "$base/healthz -> $body"
    page=$CHECK_DIR/page.html
    code=$(curl "${curl_args[@]}" -o "$page" -w '%{http_code}' "$base/accounts/login/")
    echo "$base/accounts/login/ -> $code, $(tr -s ' \n' ' ' <"$page" | grep -o '<title>[^<]*' | head -n 1)"
    if [ "$code" != 200 ] || ! grep -q '<form' "$page"; then fail "the sign-in page did not render"; fi
    code=$(curl "${curl_args[@]}" -o "$CHECK_DIR/home.html" -w '%{http_code}' "$base/")
    echo "$base/ -> $code"
    [ "$code" = 200 ] || fail "the home page answered $code"
    static=$(grep -o 'href="/static/[^"]*\.css"' "$page" | head -n 1 | cut -d'"' -f2)
    [ -n "$static" ] || fail "the sign-in page links no stylesheet"
    code=$(curl "${curl_args[@]}" -o /dev/null -w '%{http_code}' "$base$static")
    echo "$static -> $code"
    [ "$code" = 200 ] || fail "static file $static answered $code"
}

check_worker_and_beat() {
    local worker beat web name deadline
    worker=$(container_of worker)
    beat=$(container_of beat)
    web=$(container_of web)
    deadline=$(($(date +%s) + 120))
    until podman exec "$worker" celery -A mentorship inspect ping --timeout 5; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "the worker does not answer a ping"
        sleep 3
    done
    podman exec "$web" python manage.py shell -c "from mentorship.celery import app; print('task round trip:', app.send_task('celery.accumulate', args=('ok',), ignore_result=False).get(timeout=60))"
    until podman logs "$beat" 2>&1 | grep -q 'beat: Starting'; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "beat did not start"
        sleep 3
    done
    podman logs "$beat" 2>&1 | grep -E 'beat: Starting|Scheduler' | head -n 3
    sleep 5 # a crash right after start would show as a restart below
    local bad=0
    for name in $(podman ps -a --filter "label=com.docker.compose.project=$CHECK_PROJECT" --format '{{.Names}}'); do
        local state restarts
        state=$(podman inspect --format '{{.State.Status}}' "$name")
        restarts=$(podman inspect --format '{{.RestartCount}}' "$name")
        echo "$name: $state, restarts $restarts"
        [ "$state" = running ] && [ "$restarts" = 0 ] || bad=1
    done
    [ "$bad" = 0 ] || fail "a container is not running or has restarted"
}

# ---------------------------------------------------------------------------------------------

main() {
    [ "$(id -u)" = 0 ] || fail "run as root (debootstrap and rootful podman)"
    mkdir -p "$LOGS"
    trap finish EXIT
    unset CONTAINERS_CONF
    step tools install_tools
    step podman-config write_containers_conf
    export CONTAINERS_CONF=$CHECK_DIR/containers.conf
    step podman-compose podman_compose_venv
    step base-image build_base_image
    step stage-project stage_project
    step app-image build_app_image
    step service-images build_service_images
    # These set HAS_NGINX and COMPOSE_FILES: run here, not in a subshell; logged all the same.
    CURRENT_STEP=prepare-stack
    prepare_stack >"$LOGS/prepare-stack.log" 2>&1 || {
        tail -n 40 "$LOGS/prepare-stack.log" >&2
        fail "step 'prepare-stack'"
    }
    cat "$LOGS/prepare-stack.log"
    compose down -v >/dev/null 2>&1 || true # leftovers of an interrupted run
    STACK_UP=1
    step data-services start_data_services
    step web start_web
    step worker-beat-rest start_rest
    step check-web check_web
    step check-worker-beat check_worker_and_beat
    for log in check-web check-worker-beat; do cat "$LOGS/$log.log"; done
}

main "$@"
