"""python manage.py recorder: record meetings when hosts ask (docs/recording.md)."""

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recordings.worker import RecorderWorker


class Command(BaseCommand):
    help = (
        "Run a recorder: it takes start and stop requests from the channel layer and joins rooms as a hidden peer "
        "through RECORDER_SIGNALLING_URL. Run several, on several machines, against the same Redis to share the work. "
        "SIGTERM finishes every file before exiting."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-recordings", type=int, default=None,
            help="Recordings this process runs at once (default RECORDER_MAX_RECORDINGS).",
        )

    def handle(self, *args, max_recordings=None, **options):
        if not settings.REDIS_URL:
            raise CommandError(
                "The recorder needs REDIS_URL: it hears start and stop requests from the signalling workers "
                "through the Redis channel layer."
            )
        asyncio.run(RecorderWorker(max_recordings=max_recordings).run())
