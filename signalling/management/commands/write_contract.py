"""Write static/js/contract.js from signalling/contract.py, so browsers and server read one contract."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from signalling import contract

TARGET = Path(settings.BASE_DIR) / "static" / "js" / "contract.js"


class Command(BaseCommand):
    help = "Write static/js/contract.js from signalling/contract.py."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only say whether the file is up to date (exit 1 if not).")

    def handle(self, *args, check=False, **options):
        wanted = contract.as_javascript()
        current = TARGET.read_text() if TARGET.exists() else ""
        if check:
            if current != wanted:
                self.stderr.write(f"{TARGET} is out of date: run `python manage.py write_contract`.")
                raise SystemExit(1)
            self.stdout.write(f"{TARGET} is up to date.")
            return
        TARGET.write_text(wanted)
        self.stdout.write(f"Wrote {TARGET}.")
