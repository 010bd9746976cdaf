"""The whole ASGI application (mentorship/asgi.py: pages and websockets) served by uvicorn in a
thread on a free loopback port, on the test database: the ``asgi_live_server`` fixture
(tests/conftest.py), as pytest-django's ``live_server`` serves the WSGI pages.

- It needs committed data (the server's threads have their own database connections), so the
  fixture asks for ``transactional_db``, as ``live_server`` does. SQLite works because the test
  database is a file (tests/settings.py), never Django's shared in-memory database.
- Pages are served through Django's ASGI handler (so ``data-live-websocket`` is on), static
  files by WhiteNoise (WHITENOISE_USE_FINDERS in tests/settings.py).
- ``server.publish(membership_ids, event)`` sends an event from the test as
  ``mentorship.realtime.send_now`` does, on the server's own event loop: the in-memory channel
  layer (tests without REDIS_URL) belongs to one event loop, so an event sent from the test's
  thread would not wake the server's loop. With Redis, ``send_now`` from the test works too.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time

from django.db import connections

HOST = "127.0.0.1"
# The largest message a browser may send (docker-compose.yml's realtime service: --ws-max-size).
WS_MAX_SIZE = 65536


class AsgiLiveServer:
    def __init__(self, host: str = HOST):
        import uvicorn

        from mentorship.asgi import application

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.host, self.port = self.sock.getsockname()[:2]
        self.url = f"http://{host}:{self.port}"
        self.ws_url = f"ws://{host}:{self.port}"
        config = uvicorn.Config(
            application,
            lifespan="off",
            loop="asyncio",
            ws="websockets-sansio",
            ws_max_size=WS_MAX_SIZE,
            log_level="warning",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def __str__(self) -> str:
        return self.url

    def _serve(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.server.serve(sockets=[self.sock]))
        except BaseException as error:  # noqa: BLE001 — reported by start()
            self.error = error
        finally:
            self.loop.close()
            connections.close_all()

    def start(self, timeout: float = 15) -> AsgiLiveServer:
        # Each request and socket of the server opens its own database connection in a thread
        # of its own: none is kept (CONN_MAX_AGE), so none outlives the test database.
        self.saved_max_age = {alias: connections.settings[alias].get("CONN_MAX_AGE") for alias in connections}
        for alias in connections:
            connections.settings[alias]["CONN_MAX_AGE"] = 0
        self.thread = threading.Thread(target=self._serve, name="asgi-live-server", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if self.error is not None or not self.thread.is_alive():
                raise RuntimeError(f"uvicorn did not start: {self.error!r}")
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start in time")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(15)
        for alias, value in self.saved_max_age.items():
            connections.settings[alias]["CONN_MAX_AGE"] = value

    def publish(self, membership_ids, event: dict, timeout: float = 10) -> None:
        """``mentorship.realtime.send_now(membership_ids, event)``, on the server's event loop."""
        from channels.layers import get_channel_layer

        from mentorship.realtime import check_event, member_group, send_to_groups

        check_event(event)
        groups = [member_group(pk) for pk in sorted(set(membership_ids))]
        message = {"type": "live.event", "event": event}
        future = asyncio.run_coroutine_threadsafe(send_to_groups(get_channel_layer(), groups, message), self.loop)
        future.result(timeout)
