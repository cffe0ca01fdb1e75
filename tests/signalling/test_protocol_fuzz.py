"""Whatever a client sends, the parser answers with a message or a documented error, never anything else."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from signalling import protocol
from signalling.protocol import ProtocolError, UserError

LIMIT = 4096
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
known_fields = st.sampled_from(
    ["to", "token", "versions", "description", "candidate", "text", "peer_id", "kind", "role", "resume", "state",
     "password", "audio", "sdp", "type", "from"]
)
messages = st.builds(
    lambda kind, fields: {"type": kind, **fields},
    st.sampled_from(sorted(protocol.CLIENT_MESSAGES) + ["nope", ""]),
    st.dictionaries(known_fields, json_values, max_size=5),
)


def parse(text, joined):
    try:
        data = protocol.decode_frame(text, LIMIT)
        return protocol.parse_client_message(data, joined=joined)
    except (ProtocolError, UserError) as error:
        assert error.code in protocol.CLOSE_CODES or isinstance(error, UserError)
        if isinstance(error, ProtocolError):
            assert error.close_code >= 1000
        return error


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=300), joined=st.booleans())
def test_any_text_is_a_message_or_a_documented_error(text, joined):
    parse(text, joined)


@settings(max_examples=600, deadline=None)
@given(message=messages, joined=st.booleans())
def test_any_message_shaped_object_is_a_message_or_a_documented_error(message, joined):
    result = parse(json.dumps(message), joined)
    if isinstance(result, protocol.Message):
        assert result.type == message["type"]
        if result.type in protocol.RELAYED_TYPES:
            relayed = protocol.relayed(result, "p_server")
            assert relayed["from"] == "p_server" and "to" not in relayed


@settings(max_examples=300, deadline=None)
@given(value=json_values, joined=st.booleans())
def test_any_json_value_is_a_message_or_a_documented_error(value, joined):
    parse(json.dumps(value), joined)


@settings(max_examples=200, deadline=None)
@given(sdp=st.text(max_size=500))
def test_the_sdp_check_never_fails_on_any_text(sdp):
    assert protocol.sdp_sends_media(sdp) in (True, False)
