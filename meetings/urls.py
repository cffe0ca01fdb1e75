from django.urls import path

from meetings import views

urlpatterns = [
    path("", views.home, name="home"),
    path("rooms/", views.my_rooms, name="my_rooms"),
    path("rooms/new/", views.create_room, name="create_room"),
    path("r/<slug:slug>/", views.room, name="room"),
]
