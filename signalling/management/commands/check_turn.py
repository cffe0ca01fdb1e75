"""python manage.py check_turn: allocate a relay on every configured TURN URL, as a participant would."""

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from signalling.ice import turn_credentials
from signalling.turn_probe import TurnProbe, TurnRefused, parse_turn_url

# Peers a TURN server beside a web application must refuse (docs/turn.md, "No open relay"). Asking for a permission
# sends nothing to the peer: the server only answers whether it would relay there.
FORBIDDEN_PEERS = (
    ("127.0.0.1", "its own loopback"),
    ("10.0.0.1", "a private network"),
    ("192.168.1.1", "a private network"),
    ("169.254.169.254", "the cloud metadata service"),
)
REFUSAL_HINTS = {
    401: "the credentials were refused: TURN_SECRET differs from coturn's static-auth-secret, "
         "or the two machines' clocks disagree by more than the credential lifetime",
    437: "an allocation already exists for this connection (retry)",
    486: "the allocation quota is used up (user-quota / total-quota)",
    508: "the server has no relay ports left (min-port / max-port)",
}


class Command(BaseCommand):
    help = "Check each TURN URL from this server: allocate a relay with Confer's own credentials, and check that the " \
           "TURN server refuses to relay to loopback, private and metadata addresses."

    def add_arguments(self, parser):
        parser.add_argument("--url", action="append", dest="urls",
                            help="A turn: or turns: URL to check instead of TURN_URLS (repeatable).")
        parser.add_argument("--timeout", type=float, default=5.0, help="Seconds to wait for each answer (default 5).")
        parser.add_argument("--skip-peer-check", action="store_true",
                            help="Only allocate; do not check which peers the server refuses (development servers).")

    def handle(self, *args, urls=None, timeout=5.0, skip_peer_check=False, **options):
        urls = urls or list(settings.TURN_URLS)
        if not urls:
            raise CommandError("TURN_URLS is not set: there is no TURN server to check (docs/turn.md).")
        if not settings.TURN_SECRET:
            raise CommandError("TURN_SECRET is not set: Confer cannot make TURN credentials.")
        for url in urls:
            try:
                parse_turn_url(url)
            except ValueError as error:
                raise CommandError(str(error)) from None
        failures = asyncio.run(self.check_all(urls, timeout, not skip_peer_check))
        if failures:
            raise CommandError(f"{failures} of {len(urls)} TURN URLs failed the check.")
        self.stdout.write(self.style.SUCCESS(f"All {len(urls)} TURN URLs work."))

    async def check_all(self, urls, timeout, check_peers):
        failures = 0
        for url in urls:
            ok = await self.check_one(url, timeout, check_peers)
            failures += 0 if ok else 1
        return failures

    async def check_one(self, url, timeout, check_peers):
        username, credential, _ = turn_credentials(
            "check_turn", settings.TURN_SECRET, settings.TURN_CREDENTIAL_LIFETIME
        )
        try:
            async with TurnProbe(url, username, credential, timeout=timeout) as probe:
                host, port = probe.relayed_address
                self.stdout.write(f"{url}: allocated a relay at {host}:{port}")
                if not check_peers:
                    return True
                return await self.check_refused_peers(url, probe)
        except TurnRefused as refusal:
            hint = REFUSAL_HINTS.get(refusal.code, "the server refused the allocation")
            self.stdout.write(self.style.ERROR(f"{url}: FAILED: {refusal.code} {refusal.reason}: {hint}"))
        except TimeoutError:
            self.stdout.write(self.style.ERROR(
                f"{url}: FAILED: no answer within {timeout:g}s: is coturn running, and is the port open to this host?"
            ))
        except OSError as error:
            self.stdout.write(self.style.ERROR(f"{url}: FAILED: cannot connect: {error.strerror or error}"))
        return False

    async def check_refused_peers(self, url, probe):
        ok = True
        for address, what in FORBIDDEN_PEERS:
            try:
                await probe.create_permission(address)
            except TurnRefused as refusal:
                if refusal.code != 403:
                    self.stdout.write(f"{url}: relaying to {address} refused with {refusal.code} {refusal.reason}")
                continue
            ok = False
            self.stdout.write(self.style.ERROR(
                f"{url}: FAILED: the server would relay to {address} ({what}): it is an open relay into its own "
                "network. Add the denied-peer-ip lines of deploy/coturn/turnserver.conf."
            ))
        if ok:
            self.stdout.write(f"{url}: refuses to relay to loopback, private and metadata addresses")
        return ok
