"""MFA_REQUIRED_FOR_STAFF: the admin refuses staff who have not set up a second factor, and sends them to do so."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


def has_second_factor(user):
    from allauth.mfa.utils import is_mfa_enabled

    return is_mfa_enabled(user)


class StaffNeedMfaForAdmin:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.MFA_REQUIRED_FOR_STAFF and self.refused(request):
            messages.warning(
                request,
                _("The admin needs two-factor authentication. Set up an authenticator app or a security key first."),
            )
            return redirect("mfa_index")
        return self.get_response(request)

    @staticmethod
    def refused(request):
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return False
        admin_root = reverse("admin:index")
        if not request.path.startswith(admin_root) or request.path.startswith(reverse("admin:logout")):
            return False
        return not has_second_factor(user)
