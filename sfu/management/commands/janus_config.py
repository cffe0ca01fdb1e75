"""Write Janus's configuration from Confer's settings (docs/sfu.md, "Production set-up")."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from sfu.janus_config import write_janus_config, ws_address


class Command(BaseCommand):
    help = "Write a Janus configuration directory that only this Confer deployment can use."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="where to write the .jcfg files (e.g. /etc/janus)")
        parser.add_argument("--instance", type=int, default=0,
                            help="which JANUS_URLS entry this Janus serves (0 for the first)")
        parser.add_argument("--rtp-ports", default="20000-40000", help="the UDP range for media")
        parser.add_argument("--public-ip", default="", help="the address browsers reach this machine at, behind NAT")
        parser.add_argument("--allow-from", default="127.",
                            help="address prefixes of Confer's workers, comma-separated (on a private network)")
        parser.add_argument("--admin-port", type=int, default=7088, help="admin API on 127.0.0.1; 0 turns it off")

    def handle(self, directory, instance, rtp_ports, public_ip, admin_port, allow_from, **options):
        if not settings.JANUS_URLS:
            raise CommandError("JANUS_URLS is empty: set it (and JANUS_TOKEN_SECRET, JANUS_ADMIN_KEY) first.")
        try:
            host, port = ws_address(settings.JANUS_URLS[instance])
        except IndexError:
            raise CommandError(f"JANUS_URLS has no entry {instance}.") from None
        paths = write_janus_config(
            directory, token_secret=settings.JANUS_TOKEN_SECRET, admin_key=settings.JANUS_ADMIN_KEY, ws_ip=host,
            ws_port=port, admin_port=admin_port, rtp_ports=rtp_ports, stun_urls=settings.STUN_URLS,
            public_ip=public_ip, allow_from=allow_from,
        )
        for path in paths:
            self.stdout.write(str(path))
