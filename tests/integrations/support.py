"""A real webhook receiver for the tests: an http.server on a loopback port, in a thread, that
checks every delivery's signature and timestamp as README.md tells a receiver to."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from integrations import signing


class Receiver:
    def __init__(self, secret: str = "", statuses: list[int] | None = None, body: str = "thanks"):
        self.secret = secret
        self.statuses = list(statuses or [])  # answered in turn; then 200
        self.body = body
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {key.lower(): value for key, value in self.headers.items()}
                valid = signing.verify(
                    receiver.secret,
                    headers.get("x-mentorship-timestamp"),
                    headers.get("x-mentorship-signature"),
                    raw,
                )
                receiver.requests.append({"headers": headers, "body": json.loads(raw), "raw": raw, "valid": valid})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if not valid:
                    status = 401
                answer = receiver.body.encode() if status < 300 else f"error {status}: {receiver.body}".encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def world_ids(organization, coordinator, marker: str) -> dict:
    """The isolation matrix's and the bad-input world's objects of one organization: a webhook
    with one delivery, and the coordinator's calendar link (its token)."""
    from django_scopes import scopes_disabled

    from integrations.models import Webhook, WebhookDelivery
    from integrations.services.calendar import feed_create

    with scopes_disabled():
        webhook = Webhook.objects.create(
            organization=organization,
            url=f"https://hooks.example.org/{marker}HOOK",
            events=["relationship.started"],
            secret=signing.new_secret(),
            created_by=coordinator,
        )
        delivery = WebhookDelivery.objects.create(
            organization=organization,
            webhook=webhook,
            event="ping",
            payload={"event": "ping"},
            response_body=f"{marker}ANSWER",
        )
    _feed, token = feed_create(user=coordinator.user)
    return {"webhook": webhook.pk, "webhook_delivery": delivery.pk, "calendar_token": token}
