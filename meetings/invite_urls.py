from django.urls import path

from meetings import invite_views

urlpatterns = [
    path("i/<str:token>/", invite_views.invite, name="invite"),
]
