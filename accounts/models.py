from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person with an account; `display_name` is what others see in a meeting."""

    display_name = models.CharField(_("display name"), max_length=64, blank=True)

    @property
    def name(self):
        """Return what other participants should see for this person."""
        return self.display_name or self.get_full_name() or self.username

    def __str__(self):
        return self.username
