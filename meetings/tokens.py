"""Room tokens: short-lived JWTs that let one identity into one room with one role.

Signed with ROOM_TOKEN_SECRET (never SECRET_KEY), verified with the algorithm pinned to HS256 and every claim
required. Each refusal is a `TokenError` whose `code` names a close code of docs/protocol.md.
"""

import secrets
import time
from dataclasses import dataclass, field

import jwt

from signalling.contract import ROLE_PERMISSIONS

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("iss", "aud", "sub", "name", "room", "role", "iat", "nbf", "exp", "jti")

ROLES = tuple(ROLE_PERMISSIONS)  # the roles a token may carry (signalling/contract.py)


class TokenError(Exception):
    """A token was refused; `code` is the name of its close code in docs/protocol.md."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class RoomClaims:
    identity: str
    name: str
    room: str
    role: str
    issued_at: int
    expires_at: int
    token_id: str
    permissions: tuple = field(default=())
    device: str = ""  # an opaque hash of the browser's device cookie, when a browser asked for the token
    invite: str = ""  # the invite a guest came through

    def can(self, permission):
        return permission in self.permissions


def issue_room_token(*, secret, issuer, audience, identity, name, room, role, lifetime_seconds, now=None,
                     device="", invite=""):
    """Return (token, claims) for one identity in one room; `device` and `invite` (optional) say which browser
    asked and which invite a guest came through, so that a removal can hold against them (docs/security.md)."""
    if role not in ROLE_PERMISSIONS:
        raise ValueError(f"unknown role {role!r}")
    issued_at = int(now if now is not None else time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": str(identity),
        "name": name,
        "room": room,
        "role": role,
        "permissions": list(ROLE_PERMISSIONS[role]),
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + int(lifetime_seconds),
        "jti": secrets.token_urlsafe(12),
    }
    if device:
        claims["dev"] = str(device)
    if invite:
        claims["inv"] = str(invite)
    return jwt.encode(claims, secret, algorithm=ALGORITHM), claims


def verify_room_token(token, *, secret, issuer, audience, room, leeway=5):
    """Return the RoomClaims of a valid token for this room, or raise TokenError."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise TokenError("token-invalid", "The token is missing or is not a JWT.")
    # The algorithm is pinned: PyJWT refuses any other (InvalidAlgorithmError) before it checks anything else, so
    # the header is not decoded a second time up front (17 of a verification's 64 µs).
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            leeway=leeway,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("token-expired", "The token has expired.") from None
    except jwt.ImmatureSignatureError:
        raise TokenError("token-not-yet-valid", "The token is not valid yet.") from None
    except jwt.InvalidSignatureError:
        raise TokenError("token-bad-signature", "The token's signature does not verify.") from None
    except jwt.InvalidAudienceError:
        raise TokenError("token-wrong-audience", "The token is for another service.") from None
    except jwt.InvalidIssuerError:
        raise TokenError("token-wrong-issuer", "The token was issued by another service.") from None
    except jwt.MissingRequiredClaimError as error:
        raise TokenError("token-missing-claim", f"The token has no {error.claim!r} claim.") from None
    except jwt.DecodeError:
        raise TokenError("token-invalid", "The token cannot be decoded.") from None
    except jwt.InvalidAlgorithmError:
        raise TokenError("token-bad-algorithm", f"Tokens must be signed with {ALGORITHM}.") from None
    except jwt.InvalidTokenError as error:
        # Malformed iat/nbf/exp and the like: a claim is there but unusable.
        raise TokenError("token-missing-claim", f"The token's claims are malformed: {error}") from None

    for claim in ("sub", "name", "room", "role", "jti"):
        if not isinstance(claims[claim], str) or not claims[claim].strip():
            raise TokenError("token-missing-claim", f"The token's {claim!r} claim must be a non-empty string.")
    if claims["role"] not in ROLE_PERMISSIONS:
        raise TokenError("token-missing-claim", f"The token's role {claims['role']!r} is not a known role.")
    if claims["room"] != room:
        raise TokenError("token-wrong-room", "The token is for another room.")
    return RoomClaims(
        identity=claims["sub"],
        name=claims["name"][:64],
        room=claims["room"],
        role=claims["role"],
        issued_at=int(claims["iat"]),
        expires_at=int(claims["exp"]),
        token_id=claims["jti"],
        permissions=ROLE_PERMISSIONS[claims["role"]],
        device=optional_claim(claims, "dev"),
        invite=optional_claim(claims, "inv"),
    )


def optional_claim(claims, name):
    """Return an optional string claim, or "" when it is absent; a malformed one is refused."""
    value = claims.get(name, "")
    if not isinstance(value, str) or len(value) > 64:
        raise TokenError("token-missing-claim", f"The token's {name!r} claim is malformed.")
    return value
