"""Every way a room token can be wrong is refused at join with its own documented close code."""

import base64
import json
import time

import jwt
import pytest

from signalling.models import Participant
from tests.signalling_client import TEST_ROOM_TOKEN_SECRET

pytestmark = pytest.mark.django_db(transaction=True)


def claims_for(target_room, **changes):
    now = int(time.time())
    claims = {
        "iss": "confer", "aud": "confer-signalling", "sub": "user:42", "name": "Mallory",
        "role": "participant", "iat": now, "nbf": now, "exp": now + 600, "jti": "token-1",
    }
    claims["room"] = target_room.slug
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def signed(claims, secret=TEST_ROOM_TOKEN_SECRET, algorithm="HS256", headers=None):
    return jwt.encode(claims, secret, algorithm=algorithm, headers=headers)


def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned(claims):
    """A token with `alg: none`, which must never be accepted."""
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


async def refusal_of(peers, room, token):
    peer = await peers(room.slug)
    await peer.send({"type": "join", "token": token, "versions": [1]})
    error, code = await peer.expect_refusal()
    assert await Participant.objects.acount() == 0
    return error["code"], code


async def test_a_valid_token_is_accepted(peers, alices_room):
    peer = await peers(alices_room.slug)
    welcome = await peer.join(signed(claims_for(alices_room)))
    assert welcome["you"]["name"] == "Mallory"
    await peer.close()


async def test_an_expired_token_is_refused(peers, alices_room):
    now = int(time.time())
    token = signed(claims_for(alices_room, iat=now - 700, nbf=now - 700, exp=now - 60))
    assert await refusal_of(peers, alices_room, token) == ("token-expired", 4101)


async def test_a_token_not_valid_yet_is_refused(peers, alices_room):
    later = int(time.time()) + 120
    token = signed(claims_for(alices_room, iat=later, nbf=later, exp=later + 600))
    assert await refusal_of(peers, alices_room, token) == ("token-not-yet-valid", 4102)


async def test_a_token_signed_with_another_secret_is_refused(peers, alices_room):
    token = signed(claims_for(alices_room), secret="somebody-elses-secret-0123456789abcdef")
    assert await refusal_of(peers, alices_room, token) == ("token-bad-signature", 4103)


async def test_a_token_with_a_tampered_payload_is_refused(peers, alices_room):
    header, _, signature = signed(claims_for(alices_room)).split(".")
    tampered = f"{header}.{b64(claims_for(alices_room, role='host'))}.{signature}"
    assert await refusal_of(peers, alices_room, tampered) == ("token-bad-signature", 4103)


async def test_an_unsigned_alg_none_token_is_refused(peers, alices_room):
    assert await refusal_of(peers, alices_room, unsigned(claims_for(alices_room, role="host"))) == (
        "token-bad-algorithm", 4104,
    )


async def test_a_token_signed_with_another_algorithm_is_refused(peers, alices_room):
    token = signed(claims_for(alices_room), algorithm="HS512")
    assert await refusal_of(peers, alices_room, token) == ("token-bad-algorithm", 4104)


async def test_a_token_for_another_audience_is_refused(peers, alices_room):
    token = signed(claims_for(alices_room, aud="some-other-service"))
    assert await refusal_of(peers, alices_room, token) == ("token-wrong-audience", 4105)


async def test_a_token_from_another_issuer_is_refused(peers, alices_room):
    token = signed(claims_for(alices_room, iss="someone-else"))
    assert await refusal_of(peers, alices_room, token) == ("token-wrong-issuer", 4108)


async def test_a_token_for_another_room_is_refused(peers, alices_room):
    token = signed(claims_for(alices_room, room="abcd-efgh-ijkm"))
    assert await refusal_of(peers, alices_room, token) == ("token-wrong-room", 4106)


@pytest.mark.parametrize("claim", ["iss", "aud", "sub", "name", "room", "role", "iat", "nbf", "exp", "jti"])
async def test_a_token_missing_a_required_claim_is_refused(peers, alices_room, claim):
    token = signed(claims_for(alices_room, **{claim: None}))
    assert await refusal_of(peers, alices_room, token) == ("token-missing-claim", 4107)


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"role": "emperor"}, ("token-missing-claim", 4107)),
        ({"sub": ""}, ("token-missing-claim", 4107)),
        ({"name": 7}, ("token-missing-claim", 4107)),
        ({"name": " ", "jti": None}, ("token-missing-claim", 4107)),
        ({"room": ["x"]}, ("token-missing-claim", 4107)),
        ({"exp": "soon"}, ("token-invalid", 4100)),
    ],
)
async def test_a_token_with_a_malformed_claim_is_refused(peers, alices_room, changes, expected):
    assert await refusal_of(peers, alices_room, signed(claims_for(alices_room, **changes))) == expected


@pytest.mark.parametrize(
    "token", ["", "not-a-jwt", "a.b.c", "a.b", "....", "x" * 8000, "%%%.%%%.%%%"]
)
async def test_a_malformed_token_is_refused(peers, alices_room, token):
    assert await refusal_of(peers, alices_room, token) == ("token-invalid", 4100)


async def test_a_signed_token_whose_payload_is_not_json_is_refused(peers, alices_room):
    token = jwt.api_jws.encode(b"not json", TEST_ROOM_TOKEN_SECRET, algorithm="HS256")
    assert await refusal_of(peers, alices_room, token) == ("token-invalid", 4100)


async def test_a_token_whose_signature_part_is_garbage_is_refused(peers, alices_room):
    header, payload, _ = signed(claims_for(alices_room)).split(".")
    assert await refusal_of(peers, alices_room, f"{header}.{payload}.c2ln") == ("token-bad-signature", 4103)
