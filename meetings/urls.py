from django.urls import path

from meetings import views

urlpatterns = [
    path("", views.home, name="home"),
    path("join/", views.join_room, name="join_room"),
    path("rooms/", views.my_rooms, name="my_rooms"),
    path("rooms/new/", views.create_room, name="create_room"),
    path("r/<slug:slug>/", views.room, name="room"),
    path("r/<slug:slug>/settings/", views.room_settings, name="room_settings"),
    path("r/<slug:slug>/settings/lock/", views.room_lock, name="room_lock"),
    path("r/<slug:slug>/settings/members/", views.room_add_member, name="room_add_member"),
    path("r/<slug:slug>/settings/invites/", views.room_invite_create, name="room_invite_create"),
    path("r/<slug:slug>/settings/invites/<int:invite_id>/revoke/", views.room_invite_revoke, name="room_invite_revoke"),
    path("r/<slug:slug>/settings/members/<int:member_id>/remove/", views.room_remove_member, name="room_remove_member"),
    path("r/<slug:slug>/delete/", views.room_delete, name="room_delete"),
]
