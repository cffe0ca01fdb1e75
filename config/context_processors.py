from django.conf import settings


def site(request):
    """Give every template the site's name, and which ways in this deployment has (OIDC_ONLY has no passwords)."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "PASSWORDS_ENABLED": not settings.OIDC_ONLY,
        "MFA_AVAILABLE": "allauth.mfa" in settings.INSTALLED_APPS,
        "SSO_PROVIDERS": bool(settings.OIDC_PROVIDER_LIST),
    }
