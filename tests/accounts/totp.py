"""RFC 6238 TOTP, computed by the tests themselves as an authenticator app would (not with allauth's code)."""

import base64
import hashlib
import hmac
import struct
import time


def totp(secret, at=None, period=30, digits=6):
    counter = int((time.time() if at is None else at) // period)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)
