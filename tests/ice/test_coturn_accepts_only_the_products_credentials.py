"""A real coturn (test config) allocates relays for the product's credentials and refuses everything else with 401."""

import asyncio
import time

import pytest

from signalling.ice import turn_credential, turn_credentials
from signalling.turn_probe import TurnProbe, TurnRefused
from tests.ice.conftest import TURN_TEST_SECRET
from tests.servers import LOOPBACK

pytestmark = pytest.mark.slow


async def allocate(url, username, credential):
    async with TurnProbe(url, username, credential, timeout=5) as probe:
        return probe.relayed_address


def refusal_code(url, username, credential):
    with pytest.raises(TurnRefused) as refused:
        asyncio.run(allocate(url, username, credential))
    return refused.value.code


@pytest.mark.parametrize("transport", ["udp", "tcp"])
def test_the_products_credentials_get_a_relay_over_udp_and_tcp(test_coturn, transport):
    username, credential, _ = turn_credentials("user:1", TURN_TEST_SECRET, 600)
    host, port = asyncio.run(allocate(test_coturn.url(transport), username, credential))
    assert host == LOOPBACK
    assert test_coturn.min_port <= port <= test_coturn.max_port


def test_expired_credentials_are_refused(test_coturn):
    username, credential, expires_at = turn_credentials("user:1", TURN_TEST_SECRET, 300, now=time.time() - 3600)
    assert expires_at < time.time()
    assert refusal_code(test_coturn.url(), username, credential) == 401


def test_a_credential_made_with_another_secret_is_refused(test_coturn):
    username, credential, _ = turn_credentials("user:1", "not-the-turn-secret", 600)
    assert refusal_code(test_coturn.url(), username, credential) == 401


def test_another_participants_credential_is_refused(test_coturn):
    alice_username, _, _ = turn_credentials("user:1", TURN_TEST_SECRET, 600)
    _, bob_credential, _ = turn_credentials("user:2", TURN_TEST_SECRET, 600)
    assert refusal_code(test_coturn.url(), alice_username, bob_credential) == 401


def test_a_username_with_a_later_expiry_written_in_is_refused(test_coturn):
    username, credential, expires_at = turn_credentials("user:1", TURN_TEST_SECRET, 600)
    tampered = username.replace(str(expires_at), str(expires_at + 86400), 1)
    assert refusal_code(test_coturn.url(), tampered, credential) == 401


def test_a_flipped_character_in_the_credential_is_refused(test_coturn):
    username, credential, _ = turn_credentials("user:1", TURN_TEST_SECRET, 600)
    tampered = ("B" if credential[0] == "A" else "A") + credential[1:]
    assert refusal_code(test_coturn.url("tcp"), username, tampered) == 401
    assert turn_credential(TURN_TEST_SECRET, username) == credential
