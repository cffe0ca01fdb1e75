from django.urls import re_path

from signalling.consumers import RoomConsumer

websocket_urlpatterns = [
    re_path(r"^ws/rooms/(?P<slug>[a-z0-9-]{1,32})/$", RoomConsumer.as_asgi()),
]
