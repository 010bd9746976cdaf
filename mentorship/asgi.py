"""The ASGI application: Django's pages over HTTP, and the live updates' websockets (issue 18).

`make run` serves both from one uvicorn process (Procfile.dev); in production gunicorn serves
the pages (mentorship/wsgi.py) and the "realtime" service (uvicorn) the websockets, which
nginx sends it under /ws/ (docker-compose.yml, deploy/nginx/mentorship.conf).

The websocket routes are each project app's ``routing.websocket_urlpatterns``, found by name
(``mentorship.realtime.websocket_urlpatterns``): the kernel imports no app. A websocket is
opened only from one of the site's own pages (its Origin is in ALLOWED_HOSTS), and carries
the person's session (the same cookie as the pages).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")

# First: sets Django up, so that the routes' consumers (and their models) can be imported.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier  # noqa: E402
from django.urls import re_path  # noqa: E402

from mentorship.realtime import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                # A path that is no route is refused like a stranger (HTTP 403), not an error.
                URLRouter([*websocket_urlpatterns(), re_path(r"", WebsocketDenier.as_asgi())])
            )
        ),
    }
)
