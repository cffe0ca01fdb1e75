from django.conf import settings


def site(request):
    """Give every template the site's name."""
    return {"SITE_NAME": settings.SITE_NAME}
