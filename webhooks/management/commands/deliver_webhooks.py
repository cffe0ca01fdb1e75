import signal

from django.core.management.base import BaseCommand

from webhooks.worker import Worker


class Command(BaseCommand):
    help = "Send webhook deliveries as they come due, retrying failures (docs/operations.md). Runs until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=4, help="deliveries sent at once (default 4)")
        parser.add_argument("--poll", type=float, default=1.0, help="seconds between looks for due work (default 1)")
        parser.add_argument("--once", action="store_true", help="send what is due now, then exit")

    def handle(self, *args, threads, poll, once, **options):
        worker = Worker(threads=max(1, threads), poll_seconds=max(0.05, poll))
        signal.signal(signal.SIGTERM, worker.stop)
        signal.signal(signal.SIGINT, worker.stop)
        worker.run(once=once)
