import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs the app registry)
from django.conf import settings  # noqa: E402

from config.proxies import TrustedProxyHeaders  # noqa: E402
from observability.asgi import WebSocketContext  # noqa: E402
from signalling.routing import websocket_urlpatterns  # noqa: E402

application = TrustedProxyHeaders(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            # The socket trusts only the room token in its first message, never a cookie, so a page on another
            # origin gains nothing from opening it: no Origin check, and services may embed meetings in their sites.
            "websocket": WebSocketContext(URLRouter(websocket_urlpatterns)),
        }
    ),
    settings.TRUSTED_PROXIES,
)
