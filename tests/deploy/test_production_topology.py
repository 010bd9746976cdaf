"""Issue 17: docker-compose.yml's production topology, run here as processes (deploy/topology.py):
nginx terminating TLS in front of gunicorn (DEBUG off), one Celery worker, one beat, PostgreSQL
and Redis. A browser goes through https:// only: a coordinator signs in with a second factor, a
pair signs an agreement, the worker seals its PDF, and the web node's /verify/ says it is genuine.

Issue 18: the realtime service (uvicorn) behind nginx's /ws/: a signed-in page opens its live
socket over wss:// and hears an event that another process publishes through Redis.
"""

import json
import re
import time
from http.cookies import SimpleCookie

import pytest
from playwright.sync_api import expect

from deploy.topology import Topology
from tests.deploy.conftest import (
    open_agreement,
    sealed_pdf_href,
    seed_pair,
    sign_agreement,
    sign_in,
    wait_for_pdf,
    write_draft,
)

pytestmark = [pytest.mark.deploy, pytest.mark.pdf]


@pytest.fixture(scope="module")
def topology(static_root):
    with Topology(nodes=1, static_root=static_root) as started:
        print(f"started in {started.timings}")
        yield started


@pytest.fixture(autouse=True)
def _logs_on_failure(topology):
    yield
    print(topology.report())  # pytest shows it only when the test fails


def test_the_topology_is_the_compose_file_with_debug_off(topology):
    names = [service.name for service in topology.services]
    assert names == ["web", "realtime", "worker", "beat", "nginx"]  # one worker, one beat
    web, realtime, worker, beat, _nginx = topology.services
    assert web.argv[:2] == ["sh", "-c"] and "exec gunicorn mentorship.wsgi:application" in web.argv[2]
    assert realtime.argv[:2] == ["uvicorn", "mentorship.asgi:application"]
    assert worker.argv == ["celery", "-A", "mentorship", "worker", "--loglevel=info"]
    assert beat.argv == ["celery", "-A", "mentorship", "beat", "--loglevel=info"]
    for service in (web, realtime, worker, beat):
        assert service.env["DEBUG"] == "0"
        assert service.env["BEHIND_TLS_PROXY"] == "1"
        assert service.env["DATABASE_URL"].startswith("postgres://")
        assert service.env["REDIS_URL"].startswith("redis://")
        assert "change-me" not in " ".join(service.env.values())


def test_http_redirects_to_https_and_https_answers_with_hsts_and_secure_cookies(topology):
    status, headers = topology.get("/accounts/login/?next=/verify/", https=False)
    assert status == 301
    assert headers["Location"] == f"{topology.url}/accounts/login/?next=/verify/"

    status, headers = topology.get("/accounts/login/")
    assert status == 200
    hsts = headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    cookies = SimpleCookie()
    for value in headers.get_all("Set-Cookie"):
        cookies.load(value)
    assert cookies["csrftoken"]["secure"] is True
    # The app believes the request was https only because nginx said so.
    assert headers["Content-Security-Policy"]


def test_sign_in_with_a_second_factor_seal_by_the_worker_verify_on_the_web(topology, journey, tmp_path):
    seed = seed_pair(topology)

    mentee = journey.person()
    sign_in(mentee, seed["mentee"])
    open_agreement(mentee, seed)
    write_draft(mentee)

    mentor = journey.person()
    sign_in(mentor, seed["mentor"])
    open_agreement(mentor, seed)
    sign_agreement(mentor, "Dana Whitfield")
    expect(mentor.get_by_role("alert")).to_contain_text("You signed")

    mentee.reload()
    sign_agreement(mentee, "Nia Mensah")
    expect(mentee.get_by_role("alert")).to_contain_text("Signed by both of you")

    # The coordinator: password, then the authenticator app's code.
    office = journey.person()
    sign_in(office, seed["coordinator"], totp_secret=seed["totp_secret"])
    assert office.url.startswith(topology.url)
    session = next(cookie for cookie in office.context.cookies() if cookie["name"] == "sessionid")
    assert session["secure"] and session["httpOnly"]

    href = sealed_pdf_href(office, seed)
    sealed = wait_for_pdf(office, href)  # the worker renders and seals it
    with office.expect_download() as download_info:
        office.get_by_role("link", name=re.compile("^PDF")).click()
    path = tmp_path / "agreement.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes() == sealed and sealed.startswith(b"%PDF-")
    worker_log = next(s for s in topology.services if s.name == "worker").log.read_text()
    assert re.search(r"Task agreements\.render_pdf\[[^\]]+\] succeeded", worker_log), worker_log[-2000:]

    # Anyone (signed out) checks the file on the web node's public page.
    visitor = journey.person()
    visitor.goto("/verify/")
    visitor.get_by_label("Or a PDF of the agreement").set_input_files(path)
    visitor.get_by_role("button", name="Check").click()
    result = visitor.locator("#verify-result")
    expect(result).to_contain_text("Match: this file is an exact copy of a sealed agreement PDF issued by this site.")
    expect(result).to_contain_text("Electronic seal: valid.")


def test_a_signed_in_page_hears_its_events_over_wss_through_nginx(topology, journey):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    out = topology.manage("shell", "-c", "from tests.deploy.seed import seed_reader; seed_reader()")
    seed = json.loads(out.strip().splitlines()[-1])
    mentee = journey.person()
    sign_in(mentee, seed["email"])
    mentee.goto(f"/o/{seed['organization']}/")
    expect(mentee.locator("html")).to_have_attribute("data-live", "websocket")  # wss:// through nginx
    nav = mentee.locator("nav[data-badges-url]")
    expect(nav).to_have_attribute("data-badges", "rendered")

    def publish(event: dict) -> None:
        # Another process (web's environment, as `docker compose exec web` would), through Redis.
        code = f"from mentorship.realtime import send_now; send_now([{seed['membership']}], {event!r})"
        topology.manage("shell", "-c", code)

    publish({"event": "notifications"})
    expect(nav).to_have_attribute("data-badges-loads", "1", timeout=20_000)  # the nav asked again

    # The same socket from a plain client: the session's cookie, the site's origin, TLS. (The
    # synchronous client: Playwright's own event loop runs in this thread.)
    cookie = next(c for c in mentee.context.cookies() if c["name"] == "sessionid")["value"]
    address = topology.url.replace("https://", "wss://") + f"/ws/o/{seed['organization']}/live/"
    with connect(
        address,
        ssl=topology.ssl_context(),
        origin=topology.url,
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=20,
    ) as socket:
        time.sleep(0.5)  # subscribed in Redis
        publish({"event": "conversation", "conversation": 7})
        assert json.loads(socket.recv(timeout=20)) == {"event": "conversation", "conversation": 7}

    with (
        pytest.raises(InvalidStatus) as refused,  # no session
        connect(address, ssl=topology.ssl_context(), origin=topology.url, open_timeout=20),
    ):
        pass
    assert refused.value.response.status_code == 403
