from django.urls import path

from signalling import views

urlpatterns = [
    path("", views.check, name="connectivity_check"),
]
