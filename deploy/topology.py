"""Run docker-compose.yml's production topology as local processes (no container images).

CI cannot pull images, so this reads ``docker-compose.yml`` and starts each service's own
``command`` with the service's own environment, mapped to this machine:

- ``env_file: .env`` comes from ``.env.example`` with every ``change-me`` replaced by a
  freshly generated secret (a throwaway .env), the host names set to 127.0.0.1 and email
  kept on the console;
- the compose ``secrets`` (the agreement seal key and certificate) are generated into a
  temporary folder and ``/run/secrets/<name>`` points there;
- ``DATABASE_URL`` and ``REDIS_URL`` name the compose services ``postgres`` and ``redis``:
  they are pointed at the PostgreSQL on 127.0.0.1:5432 (a fresh database) and the Redis on
  127.0.0.1:6379 (a spare database number) that CI already runs;
- the ``/app/var`` folder of the image (the ``media`` volume) is a temporary folder
  (``VAR_DIR``), and the image's ``collectstatic`` step runs once into ``STATIC_ROOT``;
- web's ``--bind 0.0.0.0:8000`` becomes a free loopback port; web starts first (it runs the
  migrations) and must pass its compose healthcheck before realtime (uvicorn: the live updates'
  websockets; its ``--host``/``--port`` likewise), the worker, beat and nginx start;
- nginx runs ``deploy/nginx/mentorship.conf`` (the file compose mounts) with only the lines
  marked ``# topology:`` rewritten (ports, node addresses, a throwaway TLS certificate);
- with ``s3=True`` the ``minio`` service is played by ``moto_server`` on loopback and the
  bucket is created, as the ``minio-bucket`` service does.

Exactly one worker and one beat, as in compose. With ``nodes=2`` web runs twice, each node
with its own ``VAR_DIR`` (two machines share nothing but PostgreSQL, Redis and the object
store), nginx takes them in turn and names the node that answered in ``X-Upstream``.

    python deploy/topology.py [--nodes 2] [--s3]    # prints the https:// address; Ctrl-C stops

Needs nginx, a PostgreSQL and a Redis on loopback, and the project's virtualenv.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
HOST = "127.0.0.1"
APP_PORT = "0.0.0.0:8000"  # what web binds to inside its container
INSIDE_PORTS = {"web": 8000, "realtime": 8001}  # what each healthcheck asks inside its container
SECRETS_MOUNT = "/run/secrets/"
IMAGE_VAR_DIR = "/app/var"  # the image's var folder; the media volume is mounted under it
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class TopologyError(RuntimeError):
    """The topology could not start (the message says which service and why)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def load_compose(path: Path = COMPOSE_FILE) -> dict:
    return yaml.safe_load(path.read_text())


def read_env_example(path: Path) -> dict[str, str]:
    values = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


# --- Throwaway secrets ------------------------------------------------------------------------


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


# A generated value for every secret .env.example leaves as a placeholder; a new placeholder
# there without a generator here stops the topology (a guessed format would fail later).
SECRET_GENERATORS = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(64),
    "FIELD_ENCRYPTION_KEYS": _fernet_key,
    "EMAIL_HOST_PASSWORD": lambda: secrets.token_urlsafe(24),
}


def throwaway_env(example: dict[str, str], *, https_url: str, extra: dict[str, str]) -> dict[str, str]:
    """.env.example with real secrets and this machine's addresses: the .env of the run."""
    env = {}
    for name, value in example.items():
        if "change-me" in value.lower():  # what startup refuses (mentorship.settings.is_placeholder)
            if name not in SECRET_GENERATORS:
                raise TopologyError(f".env.example's {name} is a placeholder and deploy/topology.py has no generator")
            value = SECRET_GENERATORS[name]()
        env[name] = value
    env.update(
        {
            "ALLOWED_HOSTS": f"{HOST},localhost",
            "SITE_URL": https_url,
            # No SMTP server here: sent email goes to the worker's and web's logs.
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            # Redis pub/sub ignores the database number: this run's live events are its own.
            "CHANNEL_LAYER_PREFIX": f"topology-{secrets.token_hex(4)}",
        }
    )
    env.update(extra)
    return env


def write_seal_secrets(compose: dict, folder: Path) -> dict[str, Path]:
    """Each compose secret (the seal key and its certificate) as a file: {name: path}."""
    sys.path.insert(0, str(ROOT))
    from agreements.sealkey import CERT_FILENAME, KEY_FILENAME, generate_seal_key_pair, write_private

    key_pem, cert_pem = generate_seal_key_pair(common_name="Mentorship agreements seal", organization="CI topology")
    contents = {KEY_FILENAME: key_pem, CERT_FILENAME: cert_pem}
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, spec in compose.get("secrets", {}).items():
        filename = Path(spec["file"]).name
        if filename not in contents:
            raise TopologyError(f"compose secret {name} ({spec['file']}): deploy/topology.py cannot make it")
        paths[name] = folder / name
        write_private(paths[name], contents[filename])
    return paths


def write_tls_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost signed by it:
    (ca.pem, fullchain.pem, privkey.pem). Clients trust ca.pem (or ignore the error)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)

    def build(subject, issuer, public_key, signing_key, *, ca: bool):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]),
                critical=False,
            ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = build("Throwaway topology CA", "Throwaway topology CA", ca_key.public_key(), ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build(HOST, "Throwaway topology CA", key.public_key(), ca_key, ca=False)
    folder.mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    ca_path, chain_path, key_path = folder / "ca.pem", folder / "fullchain.pem", folder / "privkey.pem"
    ca_path.write_bytes(ca.public_bytes(pem))
    chain_path.write_bytes(cert.public_bytes(pem) + ca.public_bytes(pem))
    key_path.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    key_path.chmod(0o600)
    return ca_path, chain_path, key_path


# --- nginx ----------------------------------------------------------------------------------


def nginx_site(
    template: str,
    *,
    nodes: list[int],
    realtime: list[int],
    http_port: int,
    https_port: int,
    tls: Path,
    upstream_header: bool,
):
    """deploy/nginx/mentorship.conf with its ``# topology:`` lines pointed at this machine."""
    rewrites = {
        "web nodes": lambda indent, line: "\n".join(f"{indent}server {HOST}:{port};" for port in nodes),
        "realtime nodes": lambda indent, line: "\n".join(f"{indent}server {HOST}:{port};" for port in realtime),
        "http port": lambda indent, line: f"{indent}listen {HOST}:{http_port};",
        "https port": lambda indent, line: f"{indent}listen {HOST}:{https_port} ssl;",
        "https redirect": lambda indent, line: f"{indent}return 301 https://$host:{https_port}$request_uri;",
        "certificate": lambda indent, line: f"{indent}ssl_certificate {tls / 'fullchain.pem'};",
        "certificate key": lambda indent, line: f"{indent}ssl_certificate_key {tls / 'privkey.pem'};",
    }
    seen, out = set(), []
    for line in template.splitlines():
        code, marker, tag = line.partition("# topology:")
        if marker:
            tag = tag.strip()
            if tag not in rewrites:
                raise TopologyError(f"deploy/nginx/mentorship.conf: unknown '# topology: {tag}'")
            seen.add(tag)
            indent = code[: len(code) - len(code.lstrip())]
            line = rewrites[tag](indent, code)
        out.append(line)
        if upstream_header and line.strip() == "proxy_pass http://web;":
            # Which node answered: the two-node test checks that both take turns.
            out.append(line[: len(line) - len(line.lstrip())] + "add_header X-Upstream $upstream_addr always;")
    missing = set(rewrites) - seen
    if missing:
        raise TopologyError(f"deploy/nginx/mentorship.conf lost its '# topology:' lines: {sorted(missing)}")
    return "\n".join(out) + "\n"


def nginx_main(prefix: Path, site: Path) -> str:
    """What the nginx image's /etc/nginx/nginx.conf does (include conf.d), in a private prefix."""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # its workers must read the private prefix
    return f"""{user}worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix / "access.log"};
    sendfile on;
    keepalive_timeout 65;
{temp}
    include {site};
}}
"""


# --- Processes ------------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        handle = open(self.log, "ab")  # noqa: SIM115 — the child keeps writing to it
        try:
            self.process = subprocess.Popen(  # noqa: S603 — compose's own commands
                self.argv, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            handle.close()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, grace: float = 10) -> None:
        if not self.running():
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # its own group: gunicorn's and celery's children too
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Topology:
    """docker-compose.yml's services as processes: ``with Topology(nodes=2, s3=True) as t``."""

    nodes: int = 1
    s3: bool = False
    database: str = os.environ.get("TOPOLOGY_DATABASE", "mentorship_topology")
    redis_db: int = int(os.environ.get("TOPOLOGY_REDIS_DB", "11"))
    pg_url: str = os.environ.get("TOPOLOGY_POSTGRES", f"postgres://postgres@{HOST}:5432")
    keep: bool = False
    # The image's collectstatic output; one folder can serve several runs of the same checkout
    # (the tests share one: the step is the image build's, not the topology's).
    static_root: Path | None = None
    services: list[Service] = field(default_factory=list)

    def __post_init__(self):
        self.compose = load_compose()
        self.workdir = Path(tempfile.mkdtemp(prefix="topology-"))
        self.logs = self.workdir / "logs"
        self.logs.mkdir()
        self.http_port, self.https_port = free_port(), free_port()
        self.node_ports = [free_port() for _ in range(self.nodes)]
        self.realtime_port = free_port()
        self.url = f"https://{HOST}:{self.https_port}"
        self.timings: dict[str, float] = {}  # seconds each start-up phase took
        self.s3_endpoint: str | None = None
        self.static_root = Path(self.static_root or self.workdir / "static")
        self.http_url = f"http://{HOST}:{self.http_port}"

    # -- the environment of an app service (web, worker, beat) --

    def _local_url(self, url: str) -> str:
        """A compose URL naming a service (postgres, redis) pointed at this machine's server."""
        parts = urlsplit(url)
        if parts.hostname == "postgres":
            return f"{self.pg_url}/{self.database}"
        if parts.hostname == "redis":
            return urlunsplit((parts.scheme, f"{HOST}:6379", f"/{self.redis_db}", "", ""))
        if parts.hostname == "minio":
            return self.s3_endpoint
        return url

    def app_env(self, service: str, var_dir: Path) -> dict[str, str]:
        spec = self.compose["services"][service]
        env = {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.workdir),
            "LANG": "C.UTF-8",
            # The image's ENV (Dockerfile) and its installed checkout (pip install -e /app).
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": str(ROOT),
        }
        env_files = spec.get("env_file") or []
        for name in [env_files] if isinstance(env_files, str) else env_files:
            if name != ".env":
                raise TopologyError(f"{service}: env_file {name}: only .env is generated")
            env.update(self.dotenv)
        for name, value in (spec.get("environment") or {}).items():
            value = str(value)
            if value.startswith(SECRETS_MOUNT):
                secret = value.removeprefix(SECRETS_MOUNT)
                if secret not in spec.get("secrets", []):
                    raise TopologyError(f"{service}: {name} reads secret {secret}, which is not mounted")
                value = str(self.secret_files[secret])
            elif "://" in value:
                value = self._local_url(value)
            elif value.startswith(IMAGE_VAR_DIR + "/"):
                # A folder of the image's var/ (a tmpfs in compose): the service's own, empty.
                value = str(var_dir / value.removeprefix(IMAGE_VAR_DIR + "/"))
                Path(value).mkdir(parents=True, exist_ok=True)
            env[name] = value
        for volume in spec.get("volumes") or []:
            target = volume.split(":")[1]
            if not target.startswith(IMAGE_VAR_DIR + "/"):
                raise TopologyError(f"{service}: volume {volume}: deploy/topology.py maps only {IMAGE_VAR_DIR}/")
        env["VAR_DIR"] = str(var_dir)
        env["STATIC_ROOT"] = str(self.static_root)  # the image's collectstatic output
        return env

    def realtime_command(self, port: int) -> list[str]:
        """realtime's uvicorn command with its ``--host``/``--port`` on this machine's loopback."""
        argv = self.command("realtime")
        for option, value in (("--host", HOST), ("--port", str(port))):
            if option not in argv:
                raise TopologyError(f"realtime's command no longer has {option}: {shlex.join(argv)}")
            argv[argv.index(option) + 1] = value
        return argv

    def command(self, service: str, **replace: str) -> list[str]:
        argv = [str(part) for part in self.compose["services"][service]["command"]]
        for old, new in replace.items():
            if not any(old in part for part in argv):
                raise TopologyError(f"{service}'s command no longer contains {old!r}: {shlex.join(argv)}")
            argv = [part.replace(old, new) for part in argv]
        return argv

    # -- starting --

    def start(self) -> Topology:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _phase(self, name: str) -> None:
        now = time.monotonic()
        self.timings[name] = round(now - getattr(self, "_phase_started", now), 1)
        self._phase_started = now

    def _start(self) -> None:
        self._phase_started = time.monotonic()
        self.secret_files = write_seal_secrets(self.compose, self.workdir / "secrets")
        self.ca, _, _ = write_tls_certificate(self.workdir / "tls")
        extra = {}
        if self.s3:
            extra = self._start_s3()
        self.dotenv = throwaway_env(read_env_example(ROOT / ".env.example"), https_url=self.url, extra=extra)
        (self.workdir / ".env").write_text("".join(f"{k}={v}\n" for k, v in self.dotenv.items()))
        self._fresh_stores()
        self._phase("secrets, certificates, fresh database")
        shared_var = self.workdir / "var"

        # The image build's collectstatic (Dockerfile), with the run's settings.
        build = self.app_env("web", shared_var)
        if not (self.static_root / "staticfiles.json").exists():
            self._run(["python", "manage.py", "collectstatic", "--noinput"], build, "collectstatic")
        self._phase("collectstatic")

        for index, port in enumerate(self.node_ports, start=1):
            # One node: web, worker and beat share the media volume, as in compose. Two
            # nodes: each is its own machine with its own var folder.
            var_dir = shared_var if self.nodes == 1 else self.workdir / f"var-web{index}"
            name = "web" if self.nodes == 1 else f"web{index}"
            web = self._spawn(name, self.command("web", **{APP_PORT: f"{HOST}:{port}"}), self.app_env("web", var_dir))
            self._wait_healthy(web, port)  # the first node migrates before the next starts
            self._phase(f"{name}: migrate, gunicorn, healthy")
        # The live updates' websockets (one process, as compose runs one replica).
        var_dir = shared_var if self.nodes == 1 else self.workdir / "var-realtime"
        realtime = self._spawn("realtime", self.realtime_command(self.realtime_port), self.app_env("realtime", var_dir))
        self._wait_healthy(realtime, self.realtime_port, service="realtime")
        self._phase("realtime: uvicorn, healthy")
        for service in ("worker", "beat"):
            replicas = (self.compose["services"][service].get("deploy") or {}).get("replicas", 1)
            if replicas != 1:
                raise TopologyError(f"{service}: {replicas} replicas in compose; the topology runs exactly one")
            var_dir = shared_var if self.nodes == 1 else self.workdir / f"var-{service}"
            self._spawn(service, self.command(service), self.app_env(service, var_dir))
        self._start_nginx()
        time.sleep(1)
        self._check_running()
        self._phase("worker, beat, nginx")

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Service:
        service = Service(name, argv, env, self.logs / f"{name}.log")
        service.start()
        self.services.append(service)
        return service

    def _run(self, argv: list[str], env: dict[str, str], what: str, timeout: float = 300):
        result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
        if result.returncode != 0:
            raise TopologyError(f"{what} failed ({result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
        return result

    def _fresh_stores(self) -> None:
        import psycopg2
        import redis

        connection = psycopg2.connect(f"{self.pg_url}/postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{self.database}"')
        connection.close()
        redis.Redis(host=HOST, port=6379, db=self.redis_db).flushdb()

    def _start_s3(self) -> dict[str, str]:
        """The minio service, played by moto_server on loopback, and its bucket."""
        import boto3

        port = free_port()
        self.s3_endpoint = f"http://{HOST}:{port}"
        moto = shutil.which("moto_server", path=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
        self._spawn("minio", [moto, "-H", HOST, "-p", str(port)], {"PATH": os.environ.get("PATH", "")})
        settings = {
            "S3_BUCKET": "mentorship-topology",
            "S3_ENDPOINT_URL": self.s3_endpoint,
            "S3_ACCESS_KEY_ID": secrets.token_hex(10),
            "S3_SECRET_ACCESS_KEY": secrets.token_urlsafe(30),
            "S3_REGION": "us-east-1",
        }
        client = boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            aws_access_key_id=settings["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=settings["S3_SECRET_ACCESS_KEY"],
            region_name=settings["S3_REGION"],
        )
        deadline = time.monotonic() + 30
        while True:  # the minio-bucket service's job
            try:
                client.create_bucket(Bucket=settings["S3_BUCKET"])
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise TopologyError("moto_server did not start:\n" + self.services[-1].tail()) from None
                time.sleep(0.3)
        return settings

    def _wait_healthy(self, web: Service, port: int, timeout: float = 90, service: str = "web") -> None:
        """The service's compose healthcheck (web's, realtime's), on the node's port."""
        test = [str(part) for part in self.compose["services"][service]["healthcheck"]["test"]]
        inside = f"127.0.0.1:{INSIDE_PORTS[service]}"
        if test[0] != "CMD" or inside not in " ".join(test):
            raise TopologyError(f"{service}'s healthcheck changed shape: {test}")
        argv = [part.replace(inside, f"{HOST}:{port}") for part in test[1:]]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not web.running():
                raise TopologyError(f"{web.name} exited:\n{web.tail()}")
            if subprocess.run(argv, env=web.env, capture_output=True).returncode == 0:  # noqa: S603
                return
            time.sleep(0.5)
        raise TopologyError(f"{web.name} not healthy after {timeout:.0f} s:\n{web.tail()}")

    def _start_nginx(self) -> None:
        spec = self.compose["services"]["nginx"]
        site_source = tls_target = None
        for volume in spec["volumes"]:
            source, target = volume.split(":")[:2]
            if target.endswith(".conf"):
                site_source = ROOT / source
            else:
                tls_target = target
        if site_source is None or tls_target != "/etc/nginx/tls":
            raise TopologyError(f"nginx's volumes changed shape: {spec['volumes']}")
        prefix = self.workdir / "nginx"
        prefix.mkdir()
        site = prefix / "mentorship.conf"
        site.write_text(
            nginx_site(
                site_source.read_text(),
                nodes=self.node_ports,
                realtime=[self.realtime_port],
                http_port=self.http_port,
                https_port=self.https_port,
                tls=self.workdir / "tls",
                upstream_header=self.nodes > 1,
            )
        )
        main = prefix / "nginx.conf"
        main.write_text(nginx_main(prefix, site))
        argv = [str(part) for part in spec["command"]]
        if argv[0] != "nginx":
            raise TopologyError(f"nginx's command changed shape: {argv}")
        argv = [NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(main), *argv[1:]]
        self._run([*argv[:-2], "-t"], {"PATH": "/usr/sbin:/usr/bin:/bin"}, "nginx -t")
        nginx = self._spawn("nginx", argv, {"PATH": "/usr/sbin:/usr/bin:/bin"})
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.https_port), timeout=1):
                    return
            except OSError:
                if not nginx.running():
                    break
                time.sleep(0.2)
        raise TopologyError(f"nginx did not start:\n{nginx.tail()}\n{(prefix / 'error.log').read_text()}")

    def _check_running(self) -> None:
        dead = [service for service in self.services if not service.running()]
        if dead:
            raise TopologyError("\n".join(f"{s.name} exited:\n{s.tail()}" for s in dead))

    # -- using it --

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))

    def get(self, path: str, *, https: bool = True):
        """One request through nginx, redirects not followed: (status, headers)."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=self.ssl_context()))
        url = (self.url if https else self.http_url) + path
        try:
            with opener.open(url, timeout=30) as response:  # noqa: S310 — our own loopback address
                return response.status, response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.headers

    def manage(self, *args: str, input: str | None = None) -> str:
        """``python manage.py ...`` as ``docker compose exec web`` runs it: web's environment."""
        env = self.app_env("web", self.workdir / "var")
        argv = ["python", "manage.py", *args]  # python from web's PATH, as in its container
        result = subprocess.run(argv, cwd=ROOT, env=env, input=input, capture_output=True, text=True, timeout=120)  # noqa: S603
        if result.returncode != 0:
            raise TopologyError(f"manage.py {' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
        return result.stdout

    def report(self) -> str:
        """Every process's last log lines (for a failing test)."""
        nginx_errors = self.workdir / "nginx" / "error.log"
        parts = [f"start-up, seconds per phase: {self.timings}"]
        parts += [f"--- {s.name} ({' '.join(s.argv)})\n{s.tail()}" for s in self.services]
        if nginx_errors.exists():
            parts.append(f"--- nginx error.log\n{nginx_errors.read_text()[-3000:]}")
        return "\n".join(parts)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)
            try:
                import psycopg2

                connection = psycopg2.connect(f"{self.pg_url}/postgres")
                connection.autocommit = True
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
                connection.close()
            except Exception as error:  # noqa: BLE001 — a leftover database is only untidy
                print(f"topology: could not drop {self.database}: {error}", file=sys.stderr)

    def __enter__(self) -> Topology:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=1, help="web nodes behind nginx (default 1)")
    parser.add_argument("--s3", action="store_true", help="files in an S3 server (moto_server) on loopback")
    args = parser.parse_args(argv)
    topology = Topology(nodes=args.nodes, s3=args.s3)
    with topology:
        print(f"{topology.url}  (http: {topology.http_url}; CA {topology.ca}; logs {topology.logs})", flush=True)
        print(f"start-up, seconds per phase: {topology.timings}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
