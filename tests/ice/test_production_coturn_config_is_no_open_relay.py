"""deploy/coturn/turnserver.conf, run for real: it relays for participants, but never into its own network.

Asking coturn for a permission or a channel sends nothing to the peer; the only data this module relays goes to a
UDP socket of its own on 127.0.0.1, so no packet leaves the machine whatever coturn decides.
"""

import asyncio
import pytest

from signalling.ice import turn_credentials
from signalling.turn_probe import TurnProbe, TurnRefused
from tests.ice.conftest import TURN_TEST_SECRET
from tests.servers import LOOPBACK
from tests.turn_server import PRODUCTION_CONFIG, config_key

pytestmark = pytest.mark.slow

FORBIDDEN_PEERS = [
    "127.0.0.1",        # the TURN host itself
    "127.0.0.53",       # its local resolver
    "0.0.0.1",          # "this network": reaches the host on Linux
    "10.0.0.1",         # private
    "172.16.5.4",       # private
    "192.168.1.1",      # private
    "100.64.0.1",       # carrier-grade NAT
    "100.100.100.200",  # Alibaba Cloud metadata
    "169.254.169.254",  # AWS, GCP and Azure metadata
    "224.0.0.251",      # multicast
]
# A public address the production config must still allow (a permission only: nothing is ever sent to it).
PUBLIC_PEER = "8.8.8.8"


def product_credentials():
    username, credential, _ = turn_credentials("user:1", TURN_TEST_SECRET, 600)
    return username, credential


class LoopbackListener(asyncio.DatagramProtocol):
    """A UDP socket on 127.0.0.1 that records what reaches it."""

    def __init__(self):
        self.received = []

    def datagram_received(self, data, addr):
        self.received.append(data)


async def loopback_listener():
    loop = asyncio.get_running_loop()
    transport, listener = await loop.create_datagram_endpoint(LoopbackListener, local_addr=(LOOPBACK, 0))
    return transport, listener


def test_the_production_config_never_allows_loopback_peers_and_denies_the_private_ranges():
    keys = [config_key(line) for line in PRODUCTION_CONFIG.read_text().splitlines()]
    assert "allow-loopback-peers" not in keys
    for required in ("use-auth-secret", "no-multicast-peers", "no-tcp-relay", "user-quota", "total-quota", "realm"):
        assert required in keys, required
    text = PRODUCTION_CONFIG.read_text()
    for denied in ("127.0.0.0-127.255.255.255", "10.0.0.0-10.255.255.255", "172.16.0.0-172.31.255.255",
                   "192.168.0.0-192.168.255.255", "169.254.0.0-169.254.255.255", "::ffff:0.0.0.0-::ffff:255.255.255.255",
                   "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"):
        assert f"denied-peer-ip={denied}" in text, denied


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_participants_get_a_relay_and_may_reach_a_public_address(production_coturn, transport):
    async def scenario():
        async with TurnProbe(production_coturn.url(transport), *product_credentials()) as probe:
            await probe.create_permission(PUBLIC_PEER)
            return probe.relayed_address

    assert asyncio.run(scenario())[0] == LOOPBACK


@pytest.mark.parametrize("peer", FORBIDDEN_PEERS)
def test_a_permission_for_a_loopback_private_or_metadata_address_is_refused(production_coturn, peer):
    async def scenario():
        async with TurnProbe(production_coturn.url(), *product_credentials()) as probe:
            with pytest.raises(TurnRefused) as refused:
                await probe.create_permission(peer)
            return refused.value.code

    assert asyncio.run(scenario()) == 403


@pytest.mark.parametrize("peer", ["127.0.0.1", "10.0.0.1", "192.168.1.1"])
def test_a_channel_to_a_loopback_or_private_address_is_refused(production_coturn, peer):
    async def scenario():
        async with TurnProbe(production_coturn.url("tcp"), *product_credentials()) as probe:
            with pytest.raises(TurnRefused) as refused:
                await probe.channel_bind((peer, 9))
            return refused.value.code

    assert asyncio.run(scenario()) == 403


def test_data_sent_to_a_service_on_the_turn_hosts_loopback_never_arrives(production_coturn):
    async def scenario():
        transport, listener = await loopback_listener()
        try:
            async with TurnProbe(production_coturn.url(), *product_credentials()) as probe:
                with pytest.raises(TurnRefused) as refused:
                    await probe.send_to(transport.get_extra_info("sockname"), b"hello, metadata service")
                await asyncio.sleep(0.5)
                return refused.value.code, listener.received
        finally:
            transport.close()

    assert asyncio.run(scenario()) == (403, [])


def test_the_test_coturn_does_relay_to_loopback_so_the_refusal_above_means_something(test_coturn):
    async def scenario():
        transport, listener = await loopback_listener()
        try:
            async with TurnProbe(test_coturn.url(), *product_credentials()) as probe:
                await probe.send_to(transport.get_extra_info("sockname"), b"hello through the relay")
                for _ in range(50):
                    if listener.received:
                        break
                    await asyncio.sleep(0.05)
                return listener.received
        finally:
            transport.close()

    assert asyncio.run(scenario()) == [b"hello through the relay"]


def test_the_running_config_keeps_every_rule_of_the_real_file_and_listens_on_loopback_only(production_coturn):
    running = production_coturn.config_path.read_text().splitlines()
    for line in PRODUCTION_CONFIG.read_text().splitlines():
        if config_key(line) in {"denied-peer-ip", "no-multicast-peers", "no-tcp-relay", "use-auth-secret"}:
            assert line.strip() in running, line
    assert [line for line in running if config_key(line) in {"listening-ip", "relay-ip"}] == [
        f"listening-ip={LOOPBACK}", f"relay-ip={LOOPBACK}"
    ]
