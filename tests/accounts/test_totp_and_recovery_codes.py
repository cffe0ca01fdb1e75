"""Alice turns on an authenticator app: from then on signing in needs its code, or a recovery code, once each."""

import re
import time

import pytest
from django.urls import reverse

from tests.accounts.totp import totp

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def one_step_of_clock_drift(settings):
    # An app's clock may be a step ahead; allauth refuses a code used twice, so sign-in uses the next step's.
    settings.MFA_TOTP_TOLERANCE = 1


def sign_in(client, password="alice-password-1"):
    return client.post(reverse("account_login"), {"login": "alice", "password": password})


def turn_on_totp(client):
    """Open the activation page, read the secret as a person would copy it, confirm with a code; return the secret."""
    page = client.get(reverse("mfa_activate_totp"))
    # Changing how one signs in asks for the password again first, as it does in a browser.
    assert page.status_code == 302 and page["Location"].startswith(reverse("account_reauthenticate"))
    client.post(page["Location"], {"password": "alice-password-1"})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+=*)"', page.content.decode()).group(1)
    response = client.post(reverse("mfa_activate_totp"), {"code": totp(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


def test_after_turning_on_totp_signing_in_asks_for_the_code(client, alice):
    sign_in(client)
    secret = turn_on_totp(client)
    client.post(reverse("account_logout"))

    response = sign_in(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not client.get(reverse("home")).context["user"].is_authenticated

    refused = client.post(reverse("mfa_authenticate"), {"code": "000000" if totp(secret) != "000000" else "111111"})
    assert refused.status_code == 200
    assert not client.get(reverse("home")).context["user"].is_authenticated
    sign_in(client)

    client.post(reverse("mfa_authenticate"), {"code": totp(secret, at=time.time() + 30)})
    assert client.get(reverse("home")).context["user"] == alice


def test_a_recovery_code_signs_in_once(client, alice):
    sign_in(client)
    turn_on_totp(client)
    codes_page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    codes = re.findall(r"\b[0-9a-f]{8}\b", codes_page)
    assert len(set(codes)) >= 10
    code = codes[0]
    client.post(reverse("account_logout"))

    sign_in(client)
    client.post(reverse("mfa_authenticate"), {"code": code})
    assert client.get(reverse("home")).context["user"] == alice
    client.post(reverse("account_logout"))

    sign_in(client)
    again = client.post(reverse("mfa_authenticate"), {"code": code})
    assert again.status_code == 200
    assert "errorlist" in again.content.decode()
    assert not client.get(reverse("home")).context["user"].is_authenticated
