"""What a participant is told about ICE: servers, credentials, policy, and when to ask again."""

import json
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from meetings.tokens import RoomClaims
from signalling.ice import ice_configuration, ice_servers_for, ice_transport_policy_for, rtc_configuration

ALICE = RoomClaims(identity="user:1", name="Alice", room="k7dq-m3xa-p9wn", role="host", issued_at=0, expires_at=0,
                   token_id="t")
TURN_URLS = ["turn:turn.example.org:3478?transport=udp", "turn:turn.example.org:3478?transport=tcp",
             "turns:turn.example.org:5349?transport=tcp"]


def room(policy=""):
    return SimpleNamespace(ice_transport_policy=policy)


def test_with_nothing_configured_there_are_no_servers_and_nothing_expires(turn_settings):
    turn_settings()
    assert ice_configuration(ALICE, room()) == {
        "ice_servers": [], "ice_transport_policy": "all", "ice_servers_expire_at": None,
    }


def test_with_nothing_configured_aiortc_gets_an_empty_list_not_its_default_google_stun(turn_settings):
    turn_settings()
    configuration = rtc_configuration(ice_servers_for(ALICE))
    assert configuration.iceServers == []
    assert "google" not in repr(configuration)


def test_aiortc_gets_the_same_servers_and_credentials_as_the_browsers(turn_settings):
    turn_settings(turn_urls=TURN_URLS, stun_urls=["stun:stun.example.org:3478"])
    servers = ice_servers_for(ALICE)
    configuration = rtc_configuration(servers, "relay")
    assert [server.urls for server in configuration.iceServers] == [["stun:stun.example.org:3478"], TURN_URLS]
    assert configuration.iceServers[1].username == servers[1]["username"]
    assert configuration.iceServers[1].credential == servers[1]["credential"]
    assert configuration.iceTransportPolicy.value == "relay"


def test_turn_servers_come_with_this_participants_credentials_and_never_the_secret(turn_settings):
    turn_settings(turn_urls=TURN_URLS, stun_urls=["stun:stun.example.org:3478"], secret="very-secret-value")
    configuration = ice_configuration(ALICE, room())
    stun, turn = configuration["ice_servers"]
    assert stun == {"urls": ["stun:stun.example.org:3478"]}
    assert turn["urls"] == TURN_URLS
    assert set(turn) == {"urls", "username", "credential"}
    assert "very-secret-value" not in json.dumps(configuration)


def test_clients_are_told_to_ask_again_a_quarter_hour_before_four_hour_credentials_expire(turn_settings):
    turn_settings(turn_urls=TURN_URLS, lifetime=4 * 3600)
    configuration = ice_configuration(ALICE, room())
    expiry = int(configuration["ice_servers"][0]["username"].split(":")[0])
    refresh_at = datetime.strptime(configuration["ice_servers_expire_at"], "%Y-%m-%dT%H:%M:%SZ")
    refresh_at = refresh_at.replace(tzinfo=timezone.utc).timestamp()
    assert refresh_at == expiry - 15 * 60


@pytest.mark.parametrize(
    "deployment, room_policy, expected",
    [("all", "", "all"), ("relay", "", "relay"), ("all", "relay", "relay"), ("relay", "all", "all")],
)
def test_a_rooms_own_policy_overrides_the_deployments(turn_settings, deployment, room_policy, expected):
    turn_settings(turn_urls=TURN_URLS, policy=deployment)
    assert ice_transport_policy_for(room(room_policy)) == expected
    assert ice_configuration(ALICE, room(room_policy))["ice_transport_policy"] == expected


def test_rtc_configuration_refuses_an_unknown_policy():
    with pytest.raises(ValueError):
        rtc_configuration([], "public")
