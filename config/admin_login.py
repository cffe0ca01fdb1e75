"""The admin's sign-in page, replaced: it sends people to the site's sign-in, where allauth limits wrong guesses."""

from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def admin_login(request, extra_context=None):
    """Send whoever is not signed in to the site's sign-in, coming back to the admin; tell a signed-in person
    without staff rights that the admin is not for them. Nobody signs in here: a POST authenticates nothing."""
    target = request.GET.get("next") or request.POST.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect(target)
        return render(request, "admin/not_staff.html", status=403)
    return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
