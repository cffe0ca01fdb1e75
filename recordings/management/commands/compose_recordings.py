"""python manage.py compose_recordings: compose finished recordings into one file each (docs/recording.md)."""

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recordings.composer import Composer


class Command(BaseCommand):
    help = (
        "Compose finished recordings into one MP4 each, with ffmpeg: waits for work until stopped (SIGTERM hands the "
        "composition at hand back), or with --once composes what is waiting and exits. Every `manage.py recorder` "
        "composes too unless RECORDER_COMPOSES=0; run this on other machines for more capacity."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Compose what is waiting now, then exit.")

    def handle(self, *args, once=False, **options):
        if not settings.RECORDING_COMPOSE:
            raise CommandError("Composing is switched off (RECORDING_COMPOSE=0).")
        composer = Composer()
        if once:
            count = composer.run_until_done()
            self.stdout.write(f"Composed {count} recording(s).")
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: composer.stop())
        self.stdout.write("Composing recordings as they finish; stop with Ctrl-C.")
        composer.run_forever()
