"""python manage.py revoke_api_key cfk_AbCdEfGh: refuse a key from now on."""

from django.core.management.base import BaseCommand, CommandError

from meetings import invites
from meetings.models import ApiKey


class Command(BaseCommand):
    help = "Revoke an API key, named by its prefix (cfk_ and 8 characters, as the admin shows it) or its id."

    def add_arguments(self, parser):
        parser.add_argument("key", help="The key's prefix (e.g. cfk_AbCdEfGh), the whole key, or its id.")

    def handle(self, *args, key, **options):
        key = key.strip().rstrip("…")
        if key.isdigit():
            matches = ApiKey.objects.filter(pk=int(key))
        else:
            matches = ApiKey.objects.filter(prefix=key[:12])
        matches = list(matches[:2])
        if not matches:
            raise CommandError(f"No API key matches {key!r}.")
        if len(matches) > 1:
            raise CommandError(f"More than one API key starts with {key!r}; give its id instead.")
        api_key = matches[0]
        if not api_key.is_active:
            self.stdout.write(f"API key {api_key.name!r} ({api_key.prefix}…) was already revoked.")
            return
        invites.revoke_api_key(api_key)
        self.stdout.write(f"Revoked API key {api_key.name!r} ({api_key.prefix}…).")
