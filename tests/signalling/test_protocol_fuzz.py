"""Whatever a client sends, the parser answers with a message or a documented error, never anything else."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from signalling import protocol
from signalling.contract import CLOSE_CODE_BY_NAME
from signalling.protocol import ProtocolError, UserError
from tests.signalling.test_contract import table_after

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


DOCUMENTED_USER_ERRORS = {row[0] for row in table_after("### User errors")}
# What the parser alone may refuse a frame with; the rest (tokens, rooms, rates) are the server's to decide.
PARSER_CLOSES = {"protocol-error", "message-too-large"}


def parse(text, joined):
    """Parse as the server does; check that a refusal is one docs/protocol.md documents for the parser."""
    try:
        data = protocol.decode_frame(text, LIMIT)
        return protocol.parse_client_message(data, joined=joined)
    except UserError as error:
        assert joined, f"a user error before joining: {error.code}; it must close the socket instead"
        assert error.code in DOCUMENTED_USER_ERRORS, error.code
        assert error.in_reply_to is not None, "a user error says which message it answers"
        return error
    except ProtocolError as error:
        assert error.code in PARSER_CLOSES, error.code
        assert error.close_code == CLOSE_CODE_BY_NAME[error.code]
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
    protocol.sdp_sends_media(sdp)  # no exception, whatever the text


sections = st.lists(
    st.tuples(
        st.sampled_from(["audio", "video", "application", "text"]),
        st.sampled_from([9, 0, 50000]),
        st.sampled_from([None, "sendrecv", "sendonly", "recvonly", "inactive"]),
        st.booleans(),  # bundle-only
    ),
    max_size=4,
)


@settings(max_examples=400, deadline=None)
@given(session_direction=st.sampled_from([None, "sendrecv", "sendonly", "recvonly", "inactive"]), sections=sections,
       line_end=st.sampled_from(["\r\n", "\n"]))
def test_an_sdp_sends_media_exactly_when_a_live_audio_or_video_section_sends_as_a_browser_reads_it(
    session_direction, sections, line_end
):
    lines = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0"]
    if session_direction:
        lines.append(f"a={session_direction}")
    for kind, port, direction, bundle_only in sections:
        lines.append(f"m={kind} {port} UDP/TLS/RTP/SAVPF 96")
        lines.append("c=IN IP4 0.0.0.0")
        if bundle_only:
            lines.append("a=bundle-only")
        if direction:
            lines.append(f"a={direction}")
    expected = any(
        kind in ("audio", "video") and (port != 0 or bundle_only)
        and (direction or session_direction or "sendrecv") in ("sendrecv", "sendonly")
        for kind, port, direction, bundle_only in sections
    )
    assert protocol.sdp_sends_media(line_end.join(lines) + line_end) is expected
