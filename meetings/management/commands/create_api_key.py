"""python manage.py create_api_key "My service" [--user alice] [--room SLUG ...]: print a new API key, once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from meetings import invites
from meetings.models import Room


class Command(BaseCommand):
    help = (
        "Create an API key for a service and print it. Only its hash is stored: this is the one time it is shown. "
        "The key goes on stdout alone, the explanation on stderr, so KEY=$(manage.py create_api_key ...) works."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="What the key is for, e.g. the service's name.")
        parser.add_argument(
            "--user",
            help="Username whose rooms the key may list, create and manage, and issue tokens for.",
        )
        parser.add_argument(
            "--room", action="append", default=[], metavar="SLUG",
            help="A room the key may issue tokens for besides its owner's (repeat for more).",
        )

    def handle(self, *args, name, user=None, room=(), **options):
        name = name.strip()
        if not name:
            raise CommandError("Give the key a name.")
        owner = None
        if user is not None:
            owner = get_user_model().objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"There is no user {user!r}.")
        rooms = []
        for slug in room:
            found = Room.objects.filter(slug=slug).first()
            if found is None:
                raise CommandError(f"There is no room {slug!r}.")
            rooms.append(found)
        api_key, raw_key = invites.create_api_key(name[:100], created_by=owner)
        api_key.rooms.set(rooms)
        self.stderr.write(
            f"Created API key {api_key.name!r} ({api_key.prefix}…)"
            + (f" for {owner.username}" if owner else "")
            + ". Copy it now: it is not stored and will not be shown again. "
            "Send it as `Authorization: Api-Key <key>`."
        )
        self.stdout.write(raw_key)
