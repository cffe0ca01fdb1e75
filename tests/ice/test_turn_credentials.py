"""TURN credentials in coturn's use-auth-secret scheme: "<expiry>:<user>" and base64(HMAC-SHA1(secret, username))."""

import base64
import hashlib
import hmac

from signalling.ice import refresh_time, turn_credential, turn_credentials, turn_user_part

NOW = 1_764_000_000


def test_the_username_is_the_expiry_then_the_participant():
    username, _, expires_at = turn_credentials("user:42", "s3cret", 14400, now=NOW)
    expiry, user_part = username.split(":")
    assert int(expiry) == expires_at == NOW + 14400
    assert user_part == turn_user_part("user:42")


def test_the_credential_is_the_base64_hmac_sha1_of_the_username_under_the_secret():
    username, credential, _ = turn_credentials("user:42", "s3cret", 600, now=NOW)
    expected = base64.b64encode(hmac.new(b"s3cret", username.encode(), hashlib.sha1).digest()).decode()
    assert credential == expected
    assert len(base64.b64decode(credential)) == 20


def test_the_user_part_has_no_colon_and_does_not_reveal_the_identity():
    for identity in ("user:42", "guest:Zx9_-abc", "api:ops@example.org:7", "名前"):
        part = turn_user_part(identity)
        assert ":" not in part
        assert part.isalnum() and part.isascii()
        assert identity not in part and "example.org" not in part


def test_two_identities_get_different_usernames_and_one_identity_keeps_its_own():
    assert turn_user_part("user:1") != turn_user_part("user:2")
    assert turn_user_part("user:1") == turn_user_part("user:1")


def test_another_secret_gives_another_credential():
    username, credential, _ = turn_credentials("user:42", "s3cret", 600, now=NOW)
    assert turn_credential("other-secret", username) != credential


def test_clients_are_told_to_refresh_before_the_credentials_expire():
    assert refresh_time(NOW, NOW + 14400) == NOW + 14400 - 15 * 60
    assert refresh_time(NOW, NOW + 600) == NOW + 600 - 150
    assert NOW < refresh_time(NOW, NOW + 300) < NOW + 300
