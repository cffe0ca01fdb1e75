from django.urls import path

from meetings import api

urlpatterns = [
    path("v1/rooms/<slug:slug>/tokens/", api.RoomTokenView.as_view(), name="api-room-tokens"),
]
