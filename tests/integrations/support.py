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
