"""API keys: made by a management command or in the admin, shown once, stored hashed, revocable."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from meetings.models import ApiKey, hash_api_key
from tests.api.helpers import token_url

pytestmark = pytest.mark.django_db

DANA = {"identity": "customer-42", "name": "Dana"}


def create_api_key(*args):
    out, err = StringIO(), StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_create_api_key_prints_the_key_once_and_it_works_for_the_rooms_granted_to_it(link_room):
    raw_key, explanation = create_api_key("My service", "--room", link_room.slug)

    api_key = ApiKey.objects.get()
    assert api_key.name == "My service"
    assert api_key.created_by is None
    assert raw_key.startswith(api_key.prefix)
    assert raw_key not in explanation
    assert "will not be shown again" in explanation
    assert api_key.hashed_key == hash_api_key(raw_key) != raw_key
    response = APIClient(HTTP_AUTHORIZATION=f"Api-Key {raw_key}").post(token_url(link_room), DANA, format="json")
    assert response.status_code == 201


def test_create_api_key_for_a_user_lets_the_key_manage_their_rooms(alice, link_room):
    raw_key, _ = create_api_key("Booking site", "--user", "alice")

    assert ApiKey.objects.get().created_by == alice
    rooms = APIClient(HTTP_AUTHORIZATION=f"Api-Key {raw_key}").get("/api/v1/rooms/").json()
    assert [room["slug"] for room in rooms] == [link_room.slug]


def test_create_api_key_refuses_an_unknown_user():
    with pytest.raises(CommandError):
        create_api_key("Booking site", "--user", "nobody")


def test_revoke_api_key_by_prefix_refuses_the_key_from_then_on(link_room):
    raw_key, _ = create_api_key("My service")
    out = StringIO()

    call_command("revoke_api_key", raw_key[:12], stdout=out)

    assert "Revoked" in out.getvalue()
    assert ApiKey.objects.get().revoked_at is not None
    response = APIClient(HTTP_AUTHORIZATION=f"Api-Key {raw_key}").post(token_url(link_room), DANA, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "api-key-revoked"


def test_revoke_api_key_refuses_a_prefix_that_matches_nothing():
    with pytest.raises(CommandError):
        call_command("revoke_api_key", "cfk_nothing0", stdout=StringIO())


@pytest.fixture
def admin_client_for(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "root-password-1")
    client.force_login(admin)
    return client


def test_the_admin_shows_a_new_key_once_and_never_its_hash(admin_client_for):
    response = admin_client_for.post("/admin/meetings/apikey/add/", {"name": "Partner"}, follow=True)

    api_key = ApiKey.objects.get()
    page = response.content.decode()
    shown = [m.message for m in response.context["messages"]]
    raw_key = next(word for m in shown for word in str(m).replace("<", " ").replace(">", " ").split() if "cfk_" in word)
    assert hash_api_key(raw_key) == api_key.hashed_key
    assert api_key.created_by.username == "root"
    assert api_key.hashed_key not in page

    change_page = admin_client_for.get(f"/admin/meetings/apikey/{api_key.pk}/change/").content.decode()
    assert raw_key not in change_page
    assert api_key.hashed_key not in change_page
    assert api_key.prefix in change_page


def test_the_admin_revokes_keys(admin_client_for):
    api_key, _ = ApiKey.create_key("Partner")

    admin_client_for.post(
        "/admin/meetings/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]}, follow=True
    )

    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


def test_the_admin_makes_and_revokes_invites(admin_client_for, members_room):
    from meetings.models import Invite

    admin_client_for.post(
        "/admin/meetings/invite/add/", {"room": members_room.pk, "expires_at_0": "", "expires_at_1": ""}
    )
    invite = Invite.objects.get()
    assert invite.created_by.username == "root"
    assert admin_client_for.get(f"/admin/meetings/invite/{invite.pk}/change/").status_code == 200

    admin_client_for.post("/admin/meetings/invite/", {"action": "revoke", "_selected_action": [invite.pk]})

    invite.refresh_from_db()
    assert invite.revoked_at is not None
