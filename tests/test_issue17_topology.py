"""Issue 17: what deploy/topology.py (``make test-deploy``) starts is docker-compose.yml, and
nginx's configuration fits the app. Quick checks in the default run; the topology itself runs
in tests/deploy (``-m deploy``)."""

import re
from pathlib import Path

import yaml
from django.conf import settings

from deploy.topology import ROOT, nginx_site, read_env_example, throwaway_env

CONF = ROOT / "deploy" / "nginx" / "mentorship.conf"


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_nginx_accepts_the_bodies_the_app_accepts():
    size = re.search(r"client_max_body_size (\d+)m;", CONF.read_text())
    assert size and int(size.group(1)) * 1024 * 1024 == settings.MAX_REQUEST_BODY_BYTES


def test_nginx_passes_the_headers_the_app_trusts_behind_the_proxy():
    conf = CONF.read_text()
    for line in (
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header Host $http_host;",
        "return 301 https://$host$request_uri;",
    ):
        assert line in conf
    directives = "\n".join(line.split("#")[0] for line in conf.splitlines())
    assert "ip_hash" not in directives and "sticky" not in directives and "hash " not in directives  # round-robin
    assert read_env_example(ROOT / ".env.example")["BEHIND_TLS_PROXY"] == "1"
    nginx = _compose()["services"]["nginx"]
    assert "./deploy/nginx/mentorship.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]
    assert nginx["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_topology_rewrites_only_addresses_ports_and_certificates(tmp_path):
    site = nginx_site(
        CONF.read_text(),
        nodes=[8001, 8002],
        realtime=[8003],
        http_port=8080,
        https_port=8443,
        tls=tmp_path,
        upstream_header=False,
    )
    assert "server 127.0.0.1:8001;" in site and "server 127.0.0.1:8002;" in site
    assert "server 127.0.0.1:8003;" in site  # realtime
    assert "listen 127.0.0.1:8443 ssl;" in site and "return 301 https://$host:8443$request_uri;" in site
    assert f"ssl_certificate {tmp_path / 'fullchain.pem'};" in site
    assert "X-Upstream" not in site
    changed = {line for line in CONF.read_text().splitlines() if "# topology:" in line}
    unchanged = [line for line in CONF.read_text().splitlines() if line not in changed]
    assert all(line in site.splitlines() for line in unchanged)


def test_the_topology_runs_compose_with_one_worker_one_beat_and_no_placeholder_secret():
    services = _compose()["services"]
    assert (services["beat"].get("deploy") or {}).get("replicas", 1) == 1
    assert (services["worker"].get("deploy") or {}).get("replicas", 1) == 1
    assert "0.0.0.0:8000" in services["web"]["command"][-1]
    env = throwaway_env(read_env_example(ROOT / ".env.example"), https_url="https://127.0.0.1:8443", extra={})
    assert not [name for name, value in env.items() if "change-me" in value.lower()]
    assert env["SITE_URL"] == "https://127.0.0.1:8443" and env["BEHIND_TLS_PROXY"] == "1"


def test_make_test_deploy_is_a_ci_step_and_nginx_is_installed():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test-deploy" in ci and re.search(r"packages=\([^)]*\bnginx\b", ci)
    assert Path(ROOT / "Makefile").read_text().count("-m deploy tests/deploy") == 1


def test_the_readme_names_the_commands_compose_runs():
    """README "Production" describes what CI runs: compose's own commands, word for word."""
    readme = (ROOT / "README.md").read_text()
    production = readme[readme.index("## Production") : readme.index("## Configuration")]
    services = _compose()["services"]
    assert f"`{services['web']['command'][-1]}`" in production
    for name in ("realtime", "worker", "beat"):
        assert f"`{' '.join(services[name]['command'])}`" in production
    assert "`nginx -g 'daemon off;'`" in production and "deploy/nginx/mentorship.conf" in production
