"""python manage.py create_api_key "My service" [--user alice]: print a new API key, once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from meetings import invites


class Command(BaseCommand):
    help = (
        "Create an API key for a service and print it. Only its hash is stored: this is the one time it is shown. "
        "The key goes on stdout alone, the explanation on stderr, so KEY=$(manage.py create_api_key ...) works."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="What the key is for, e.g. the service's name.")
        parser.add_argument(
            "--user",
            help="Username whose rooms the key may list, create and manage. Without it the key can only issue tokens.",
        )

    def handle(self, *args, name, user=None, **options):
        name = name.strip()
        if not name:
            raise CommandError("Give the key a name.")
        owner = None
        if user is not None:
            owner = get_user_model().objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"There is no user {user!r}.")
        api_key, raw_key = invites.create_api_key(name[:100], created_by=owner)
        self.stderr.write(
            f"Created API key {api_key.name!r} ({api_key.prefix}…)"
            + (f" for {owner.username}" if owner else "")
            + ". Copy it now: it is not stored and will not be shown again. "
            "Send it as `Authorization: Api-Key <key>`."
        )
        self.stdout.write(raw_key)
