from django.conf import settings
from django.core.management.base import BaseCommand

from retention import policy


class Command(BaseCommand):
    help = ("Delete chat, ended meetings, recordings (with their files) and webhook events older than their "
            "*_RETENTION_DAYS (0 keeps for ever). Run it daily, e.g. from cron.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count what would go; delete nothing")

    def handle(self, *args, dry_run, **options):
        kept = [name for name in ("CHAT_RETENTION_DAYS", "MEETING_RETENTION_DAYS", "RECORDING_RETENTION_DAYS",
                                  "WEBHOOK_RETENTION_DAYS") if not getattr(settings, name)]
        report = policy.apply(dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        for line in report.lines():
            self.stdout.write(f"{verb} {line}")
        for name in report.missing_files:
            self.stderr.write(f"Recording file already missing from storage: {name}")
        if kept:
            self.stdout.write(f"Kept for ever (0 days): {', '.join(kept)}")
