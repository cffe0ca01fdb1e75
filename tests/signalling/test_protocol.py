"""The pure core: every frame is either a valid message, a user error or a protocol error, as documented."""

import json

import pytest

from signalling import protocol
from signalling.protocol import ProtocolError, UserError

LIMIT = 65536
OFFER = {"type": "offer", "sdp": "v=0\r\n"}
CANDIDATE = {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", "sdp_mid": "0", "sdp_mline_index": 0}

# One well-formed example of every client message, as docs/protocol.md shows it: (message, joined).
VALID = [
    ({"type": "join", "token": "a.b.c", "versions": [1]}, False),
    ({"type": "join", "token": "a.b.c", "versions": [1], "password": "hunter2", "state": {"audio": True},
      "resume": {"peer_id": "p_1", "secret": "s"}}, False),
    ({"type": "ping"}, False),
    ({"type": "ping"}, True),
    ({"type": "offer", "to": "p_1", "description": OFFER}, True),
    ({"type": "answer", "to": "p_1", "description": {"type": "answer", "sdp": "v=0\r\n"}}, True),
    ({"type": "candidate", "to": "p_1", "candidate": CANDIDATE}, True),
    ({"type": "candidate", "to": "p_1", "candidate": None}, True),
    ({"type": "candidate", "to": "p_1", "candidate": {"candidate": ""}}, True),
    ({"type": "restart-ice", "to": "p_1"}, True),
    ({"type": "offer", "to": "p_1", "link": "data", "description": OFFER}, True),
    ({"type": "candidate", "to": "p_1", "link": "data", "candidate": None}, True),
    ({"type": "restart-ice", "to": "p_1", "link": "data"}, True),
    ({"type": "leave"}, True),
    ({"type": "ice-servers"}, True),
    ({"type": "resync"}, True),
    ({"type": "state", "audio": False, "hand": True}, True),
    ({"type": "chat", "text": "Can everyone see my screen?"}, True),
    ({"type": "chat", "text": "Your mic is on", "to": "p_1"}, True),
    ({"type": "remove", "peer_id": "p_1"}, True),
    ({"type": "mute", "peer_id": "p_1", "kind": "audio"}, True),
    ({"type": "ask-unmute", "peer_id": "p_1", "kind": "video"}, True),
    ({"type": "lock"}, True),
    ({"type": "unlock"}, True),
    ({"type": "end-meeting"}, True),
    ({"type": "set-role", "peer_id": "p_1", "role": "moderator"}, True),
    ({"type": "admit", "peer_id": "p_1"}, True),
    ({"type": "deny", "peer_id": "p_1"}, True),
    ({"type": "start-recording"}, True),
    ({"type": "stop-recording"}, True),
    ({"type": "mute-everyone"}, True),
    ({"type": "reaction", "emoji": "👍"}, True),
    ({"type": "offer", "to": "p_1", "description": OFFER, "extra": "ignored"}, True),
    ({"type": "sfu-publish", "description": OFFER}, True),
    ({"type": "sfu-publish", "description": OFFER, "screen": "2"}, True),
    ({"type": "sfu-subscribe", "subscription": "main", "streams": [{"feed": "p_1", "kind": "screen"}]}, True),
    ({"type": "sfu-unpublish"}, True),
    ({"type": "sfu-unsubscribe", "subscription": "p_1:screen"}, True),
    ({"type": "sfu-subscribe", "subscription": "main", "streams": [{"feed": "p_1", "mid": "0"}, {"feed": "p_1", "mid": "1"}]},
     True),
    ({"type": "sfu-subscribe", "subscription": "main", "streams": []}, True),
    ({"type": "sfu-subscribe", "subscription": "main", "streams": [{"feed": "p_1", "kind": "audio"},
                                                                   {"feed": "p_2", "kind": "video"}]}, True),
    ({"type": "sfu-answer", "subscription": "main", "description": {"type": "answer", "sdp": "v=0\r\n"}}, True),
    ({"type": "sfu-candidate", "target": "publish", "candidate": CANDIDATE}, True),
    ({"type": "sfu-candidate", "target": "main", "candidate": None}, True),
    ({"type": "sfu-quality", "subscription": "main", "mid": "1", "substream": 0}, True),
]


def test_there_is_an_example_of_every_client_message():
    assert {data["type"] for data, _ in VALID} == set(protocol.CLIENT_MESSAGES)


@pytest.mark.parametrize("data, joined", VALID, ids=[f"{data['type']}-{n}" for n, (data, _) in enumerate(VALID)])
def test_it_accepts_each_documented_message_with_its_fields(data, joined):
    message = protocol.parse_client_message(protocol.decode_frame(json.dumps(data), LIMIT), joined=joined)
    assert message.type == data["type"]
    assert "extra" not in message.fields
    for name, value in data.items():
        if name not in ("type", "extra"):
            assert given(message[name]) == value, name


def given(value):
    """A cleaned field without the optional parts the client left out (the parser fills them with None)."""
    if isinstance(value, dict):
        return {key: given(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [given(item) for item in value]
    return value


PROTOCOL_ERRORS = [
    ("not json", "protocol-error"),
    ("[1, 2]", "protocol-error"),
    ('"join"', "protocol-error"),
    ("{}", "protocol-error"),
    ('{"type": 7}', "protocol-error"),
    ('{"type": "ping", "type": "join"}', "protocol-error"),
    ("[" * 100000 + "]" * 100000, "message-too-large"),
    ('{"type": "ping", "pad": "' + "x" * LIMIT + '"}', "message-too-large"),
    ('{"type": "ping", "pad": "' + "€" * (LIMIT // 3) + '"}', "message-too-large"),
    ('{"a":' * 5000 + "1" + "}" * 5000, "protocol-error"),
]


@pytest.mark.parametrize("text, code", PROTOCOL_ERRORS)
def test_it_refuses_frames_that_are_not_one_json_object_with_a_type(text, code):
    with pytest.raises(ProtocolError) as caught:
        protocol.decode_frame(text, LIMIT)
    assert caught.value.code == code
    assert caught.value.close_code == {"protocol-error": 4000, "message-too-large": 4008}[code]


def test_it_refuses_a_binary_frame():
    with pytest.raises(ProtocolError):
        protocol.decode_frame(b'{"type": "ping"}', LIMIT)


BEFORE_JOIN = [
    {"type": "offer", "to": "p_1", "description": OFFER},
    {"type": "leave"},
    {"type": "chat", "text": "hi"},
    {"type": "join", "token": 5, "versions": [1]},
    {"type": "join", "token": "a.b.c"},
    {"type": "join", "token": "a.b.c", "versions": []},
    {"type": "join", "token": "a.b.c", "versions": [True]},
    {"type": "join", "token": "a.b.c", "versions": "1"},
]


@pytest.mark.parametrize("data", BEFORE_JOIN)
def test_before_joining_only_a_well_formed_join_is_allowed(data):
    with pytest.raises(ProtocolError) as caught:
        protocol.parse_client_message(data, joined=False)
    assert caught.value.code == "protocol-error"


USER_ERRORS = [
    ({"type": "dance"}, "unknown-type"),
    ({"type": "join", "token": "a.b.c", "versions": [1]}, "already-joined"),
    ({"type": "offer", "description": OFFER}, "bad-message"),
    ({"type": "offer", "to": 5, "description": OFFER}, "bad-message"),
    ({"type": "offer", "to": "p_" + "x" * 40, "description": OFFER}, "bad-message"),
    ({"type": "offer", "to": "p_1", "description": {"type": "answer", "sdp": "v=0"}}, "bad-message"),
    ({"type": "offer", "to": "p_1", "description": {"type": "offer"}}, "bad-message"),
    ({"type": "offer", "to": "p_1", "description": "v=0"}, "bad-message"),
    ({"type": "answer", "to": "p_1", "description": OFFER}, "bad-message"),
    ({"type": "candidate", "to": "p_1"}, "bad-message"),
    ({"type": "candidate", "to": "p_1", "candidate": "candidate:1"}, "bad-message"),
    ({"type": "candidate", "to": "p_1", "candidate": {"candidate": 1}}, "bad-message"),
    ({"type": "candidate", "to": "p_1", "candidate": {"candidate": "", "sdp_mline_index": -1}}, "bad-message"),
    ({"type": "candidate", "to": "p_1", "candidate": {"candidate": "", "sdp_mline_index": True}}, "bad-message"),
    ({"type": "candidate", "to": "p_1", "candidate": {"candidate": "", "sdp_mid": 0}}, "bad-message"),
    ({"type": "sfu-publish", "description": {"type": "answer", "sdp": "v=0"}}, "bad-message"),
    ({"type": "sfu-subscribe", "subscription": "main", "streams": [{"feed": "p_1"}]}, "bad-message"),
    ({"type": "sfu-subscribe", "subscription": "main", "streams": [{"feed": "p_1", "mid": "0", "kind": "audio"}]},
     "bad-message"),
    ({"type": "sfu-subscribe", "subscription": "main", "streams": [{"feed": "p_1", "kind": "window"}]}, "bad-message"),
    ({"type": "sfu-publish", "description": OFFER, "screen": 2}, "bad-message"),
    ({"type": "offer", "to": "p_1", "link": "media", "description": OFFER}, "bad-message"),
    ({"type": "sfu-subscribe", "subscription": "main", "streams": {"feed": "p_1", "mid": "0"}}, "bad-message"),
    ({"type": "sfu-subscribe", "subscription": "main", "streams": [{"feed": "p_1", "mid": "0"}] * 301}, "bad-message"),
    ({"type": "sfu-subscribe", "subscription": "x" * 33, "streams": []}, "bad-message"),
    ({"type": "sfu-answer", "subscription": "main", "description": OFFER}, "bad-message"),
    ({"type": "sfu-unsubscribe"}, "bad-message"),
    ({"type": "sfu-quality", "subscription": "main", "mid": "1", "substream": 3}, "bad-message"),
    ({"type": "sfu-quality", "subscription": "main", "mid": "1", "substream": True}, "bad-message"),
]


@pytest.mark.parametrize("data, code", USER_ERRORS)
def test_after_joining_a_bad_message_is_a_user_error_that_keeps_the_socket(data, code):
    with pytest.raises(UserError) as caught:
        protocol.parse_client_message(data, joined=True)
    assert caught.value.code == code


def test_the_relayed_message_names_the_server_chosen_sender_and_drops_the_address():
    message = protocol.parse_client_message(
        {"type": "offer", "to": "p_bob", "from": "p_mallory", "description": OFFER}, joined=True
    )
    assert protocol.relayed(message, "p_alice") == {"type": "offer", "from": "p_alice", "description": OFFER}


def test_a_message_for_the_data_link_says_so_to_its_addressee():
    message = protocol.parse_client_message({"type": "offer", "to": "p_bob", "link": "data", "description": OFFER},
                                            joined=True)
    assert protocol.relayed(message, "p_alice") == {"type": "offer", "from": "p_alice", "link": "data",
                                                    "description": OFFER}


def sdp(*sections):
    """A session description with these (kind, mid) media sections."""
    lines = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0"]
    for kind, mid in sections:
        lines += [f"m={kind} 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", f"a=mid:{mid}", "a=sendonly"]
    return "\r\n".join(lines) + "\r\n"


PUBLISHED_SHAPES = [
    (sdp(("audio", "0"), ("video", "1")), None, True),
    (sdp(("audio", "0"), ("video", "1"), ("video", "2")), "2", True),
    (sdp(("video", "0")), "0", True),  # a screen alone: no camera, no microphone
    (sdp(("audio", "0"), ("video", "1"), ("video", "2")), None, False),  # a second camera
    (sdp(("audio", "0"), ("video", "1"), ("video", "2"), ("video", "3")), "3", False),
    (sdp(("audio", "0"), ("audio", "1"), ("video", "2")), None, False),
    (sdp(("audio", "0"), ("video", "1")), "0", False),  # a screen that is audio
    (sdp(("audio", "0"), ("video", "1")), "7", False),  # a screen that is not there
    (sdp(("audio", "0"), ("video", "1"), ("application", "2")), None, False),
]


@pytest.mark.parametrize("offer, screen, allowed", PUBLISHED_SHAPES)
def test_an_offer_to_publish_is_a_camera_a_microphone_and_at_most_one_named_screen(offer, screen, allowed):
    if allowed:
        protocol.check_published_shape(offer, screen)
    else:
        with pytest.raises(ValueError):
            protocol.check_published_shape(offer, screen)


@pytest.mark.parametrize(
    "offered, chosen", [([1], 1), ([1, 2, 9], 1), ([9, 1], 1)]
)
def test_it_picks_the_highest_common_version(offered, chosen):
    assert protocol.choose_version(offered) == chosen


def test_it_refuses_when_no_version_is_common():
    with pytest.raises(ProtocolError) as caught:
        protocol.choose_version([2, 3])
    assert caught.value.close_code == 4007
