from django.apps import AppConfig
from django.core import checks


class SignallingConfig(AppConfig):
    name = "signalling"

    def ready(self):
        checks.register(patches_fit)


def patches_fit(app_configs=None, **kwargs):
    """`manage.py check`: say which of Confer's patches no longer fit the installed packages (config/patches.py)."""
    from config import patches

    return [checks.Error(problem, id="confer.E001") for problem in patches.problems()]
