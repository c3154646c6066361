"""A Django Channels project in one module, served by daphne in the responder fixtures.

Run: ``DJANGO_SETTINGS_MODULE=channels_app daphne -b 127.0.0.1 -p PORT channels_app:application``
with this folder on sys.path. SECRET_KEY is a placeholder.
"""

from __future__ import annotations

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="dummy-secret-key-not-a-secret-0123456789",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=["django.contrib.sessions", "channels"],
        # Sessions kept in a signed cookie: no database needed.
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        MIDDLEWARE=["django.contrib.sessions.middleware.SessionMiddleware"],
        DATABASES={},
    )
    django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator, OriginValidator  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def login(request: HttpRequest) -> HttpResponse:
    """Log in as a demo user: the session (a signed cookie) remembers it."""
    request.session["user"] = "demo"
    return HttpResponse("logged in\n", content_type="text/plain")


urlpatterns = [path("login/", login)]


class Echo(AsyncWebsocketConsumer):
    """Accept, say hello, echo."""

    async def connect(self) -> None:
        await self.accept()
        await self.send(text_data='{"type": "hello"}')

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send(text_data=text_data, bytes_data=bytes_data)


class SessionRequired(Echo):
    """Refuse before accept unless the session says who is logged in."""

    async def connect(self) -> None:
        if not self.scope["session"].get("user"):
            await self.close()  # before accept(): daphne answers 403
            return
        await super().connect()


class CloseAfterAccept(Echo):
    """Accept, then close with an application code (the check runs after accept)."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=4003)


websocket_routes = URLRouter([
    path("ws/open/", Echo.as_asgi()),
    path("ws/origin/", OriginValidator(Echo.as_asgi(), ["https://app.example"])),
    path("ws/hosts/", AllowedHostsOriginValidator(Echo.as_asgi())),
    path("ws/session/", SessionMiddlewareStack(SessionRequired.as_asgi())),
    path("ws/late/", CloseAfterAccept.as_asgi()),
])

application = ProtocolTypeRouter({
    "http": get_asgi_application(),
    "websocket": websocket_routes,
})
