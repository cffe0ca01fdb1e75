from django.apps import AppConfig


class SignallingConfig(AppConfig):
    name = "signalling"
