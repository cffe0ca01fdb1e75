from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self):
        from meetings import receivers  # noqa: F401  (joins remembered for "Your recent rooms")

        post_migrate.connect(name_the_site, sender=self)


def name_the_site(using="default", **kwargs):
    """Give django.contrib.sites' Site the product's name, so emails do not come from "example.com".

    The name follows SITE_NAME on every migrate (scripts/run migrates at each start); the domain is set once, from
    the first real ALLOWED_HOSTS entry, and left alone after that, so an operator may change it in the admin.
    """
    from django.conf import settings
    from django.contrib.sites.models import Site

    site, _ = Site.objects.using(using).get_or_create(
        pk=settings.SITE_ID, defaults={"domain": "example.com", "name": "example.com"}
    )
    changed = []
    if site.name != settings.SITE_NAME:
        site.name = settings.SITE_NAME
        changed.append("name")
    if site.domain == "example.com":
        hosts = [host.lstrip(".") for host in settings.ALLOWED_HOSTS if host not in ("*", "")]
        site.domain = hosts[0] if hosts else "localhost"
        changed.append("domain")
    if changed:
        site.save(using=using, update_fields=changed)
