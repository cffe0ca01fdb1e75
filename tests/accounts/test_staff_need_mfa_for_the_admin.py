"""MFA_REQUIRED_FOR_STAFF: the admin sends staff without a second factor to set one up; with one, it lets them in."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def olivia(django_user_model):
    """Olivia operates the deployment: she is staff."""
    return django_user_model.objects.create_user("olivia", "olivia@example.org", "olivia-password-1", is_staff=True,
                                                 is_superuser=True)


def give_totp(user):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())


def test_olivia_without_mfa_is_sent_to_set_it_up(client, olivia, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(olivia)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")
    page = client.get(response["Location"]).content.decode()
    assert "The admin needs two-factor authentication" in page
    assert client.get(reverse("admin:webhooks_endpoint_changelist")).status_code == 302


def test_olivia_with_an_authenticator_app_gets_in(client, olivia, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    give_totp(olivia)
    assert Authenticator.objects.filter(user=olivia).exists()
    client.force_login(olivia)
    assert client.get(reverse("admin:index")).status_code == 200


def test_without_the_setting_olivia_gets_in_without_mfa(client, olivia, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(olivia)
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_rest_of_the_site_does_not_ask_olivia_for_it(client, olivia, settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    client.force_login(olivia)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("my_rooms")).status_code == 200


def test_the_admins_sign_in_goes_through_allauth_so_mfa_is_asked_there_too(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
