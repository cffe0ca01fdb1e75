"""The settings page's rules for joining: the lobby, a room password and the ICE transport policy."""

import pytest
from django.urls import reverse

from meetings.models import Room

pytestmark = pytest.mark.django_db

BASICS = {"name": "Design review", "access": "link", "max_participants": "8"}


def post_settings(client, room, **changes):
    return client.post(reverse("room_settings", args=[room.slug]), {**BASICS, **changes})


def test_the_settings_page_offers_the_lobby_the_password_and_the_network_route(client, alice, alices_room):
    client.force_login(alice)
    html = client.get(reverse("room_settings", args=[alices_room.slug])).content.decode()
    assert 'name="requires_approval"' in html
    assert 'name="password"' in html and 'type="password"' in html
    assert 'name="ice_transport_policy"' in html
    assert 'name="clear_password"' not in html  # nothing to remove yet


def test_alice_turns_the_lobby_on_and_off(client, alice, alices_room):
    client.force_login(alice)
    assert post_settings(client, alices_room, requires_approval="on").status_code == 302
    alices_room.refresh_from_db()
    assert alices_room.requires_approval

    post_settings(client, alices_room)
    alices_room.refresh_from_db()
    assert not alices_room.requires_approval


def test_alice_sets_a_room_password_and_only_its_hash_is_kept(client, alice, alices_room):
    client.force_login(alice)
    post_settings(client, alices_room, password="open sesame")
    alices_room.refresh_from_db()
    assert alices_room.has_password
    assert "open sesame" not in alices_room.password_hash
    assert alices_room.check_password("open sesame")
    assert not alices_room.check_password("wrong")


def test_saving_other_settings_keeps_the_password(client, alice, alices_room):
    alices_room.set_password("open sesame")
    alices_room.save()
    client.force_login(alice)
    post_settings(client, alices_room, name="Design crit")
    alices_room.refresh_from_db()
    assert alices_room.name == "Design crit"
    assert alices_room.check_password("open sesame")


def test_alice_removes_the_password(client, alice, alices_room):
    alices_room.set_password("open sesame")
    alices_room.save()
    client.force_login(alice)
    html = client.get(reverse("room_settings", args=[alices_room.slug])).content.decode()
    assert 'name="clear_password"' in html
    post_settings(client, alices_room, clear_password="on")
    alices_room.refresh_from_db()
    assert not alices_room.has_password


def test_a_new_password_and_removing_it_at_once_is_refused(client, alice, alices_room):
    alices_room.set_password("open sesame")
    alices_room.save()
    client.force_login(alice)
    response = post_settings(client, alices_room, password="new one", clear_password="on")
    assert response.status_code == 200
    assert "password" in response.context["room_form"].errors
    alices_room.refresh_from_db()
    assert alices_room.check_password("open sesame")


def test_alice_chooses_any_route(client, alice, alices_room):
    client.force_login(alice)
    post_settings(client, alices_room, ice_transport_policy="all")
    alices_room.refresh_from_db()
    assert alices_room.ice_transport_policy == "all"


def test_relay_only_is_refused_when_the_server_has_no_turn_relay(client, alice, alices_room, settings):
    settings.TURN_URLS = []
    client.force_login(alice)
    response = post_settings(client, alices_room, ice_transport_policy="relay")
    assert response.status_code == 200
    assert "TURN_URLS is not set" in response.content.decode()
    alices_room.refresh_from_db()
    assert alices_room.ice_transport_policy == ""


def test_relay_only_is_accepted_when_the_server_has_a_turn_relay(client, alice, alices_room, settings):
    settings.TURN_URLS = ["turn:turn.example.org:3478"]
    client.force_login(alice)
    post_settings(client, alices_room, ice_transport_policy="relay")
    alices_room.refresh_from_db()
    assert alices_room.ice_transport_policy == "relay"


def test_the_room_page_form_for_new_rooms_keeps_to_name_access_and_size(client, alice):
    client.force_login(alice)
    html = client.get(reverse("create_room")).content.decode()
    assert 'name="requires_approval"' not in html
    assert 'name="password"' not in html
    assert Room.objects.count() == 0


def test_alice_makes_a_guest_invite_link_for_a_day_sees_it_listed_and_revokes_it(client, alice, alices_room):
    from django.utils import timezone

    from meetings.models import Invite

    client.force_login(alice)
    response = client.post(reverse("room_invite_create", args=[alices_room.slug]), {"lifetime": "day"})
    invite = Invite.objects.get(room=alices_room)
    assert response.status_code == 302 and response["Location"].endswith(f"#invite-{invite.pk}")
    hours = (invite.expires_at - timezone.now()).total_seconds() / 3600
    assert 23.9 < hours <= 24
    html = client.get(reverse("room_settings", args=[alices_room.slug])).content.decode()
    assert f'data-copy="http://testserver/i/{invite.token}/"' in html
    assert "Works until" in html

    client.post(reverse("room_invite_revoke", args=[alices_room.slug, invite.pk]))
    invite.refresh_from_db()
    assert invite.revoked_at is not None
    html = client.get(reverse("room_settings", args=[alices_room.slug])).content.decode()
    assert "Revoked" in html
    assert f'data-copy="http://testserver/i/{invite.token}/"' not in html  # nothing to copy any more


def test_an_invite_link_until_revoked_and_a_bad_lifetime(client, alice, alices_room):
    from meetings.models import Invite

    client.force_login(alice)
    client.post(reverse("room_invite_create", args=[alices_room.slug]), {"lifetime": ""})
    assert Invite.objects.get(room=alices_room).expires_at is None
    response = client.post(reverse("room_invite_create", args=[alices_room.slug]), {"lifetime": "forever"}, follow=True)
    assert "Choose how long the link should work." in response.content.decode()
    assert Invite.objects.filter(room=alices_room).count() == 1


def test_only_the_owner_makes_or_revokes_invites(client, alice, bob, alices_room):
    from meetings import invites

    invite = invites.create_invite(alices_room, created_by=alice)
    client.force_login(bob)
    assert client.post(reverse("room_invite_create", args=[alices_room.slug]), {"lifetime": "day"}).status_code == 403
    assert client.post(reverse("room_invite_revoke", args=[alices_room.slug, invite.pk])).status_code == 403
    invite.refresh_from_db()
    assert invite.revoked_at is None


def test_the_room_link_says_who_it_works_for(client, alice, alices_room, alices_members_room):
    from meetings import actions

    client.force_login(alice)
    assert "works for anyone with an account" in client.get(reverse("room_settings", args=[alices_room.slug])).content.decode()
    members = client.get(reverse("room_settings", args=[alices_members_room.slug])).content.decode()
    assert "works only for you and the room&#x27;s members" in members or "works only for you and the room's members" in members
    actions.update_room(alices_room, access=Room.Access.ANYONE)
    assert "Anyone with this link can join" in client.get(reverse("room_settings", args=[alices_room.slug])).content.decode()


def test_alice_chooses_the_media_route_and_a_form_without_it_keeps_it(client, alice, alices_room, settings):
    settings.JANUS_URLS = ["ws://127.0.0.1:8188"]
    client.force_login(alice)
    html = client.get(reverse("room_settings", args=[alices_room.slug])).content.decode()
    assert 'name="media_route"' in html and 'value="sfu"' in html
    assert post_settings(client, alices_room, media_route="sfu").status_code == 302
    alices_room.refresh_from_db()
    assert alices_room.media_route == "sfu"
    post_settings(client, alices_room)
    alices_room.refresh_from_db()
    assert alices_room.media_route == "sfu"


def test_without_a_media_server_the_page_says_every_meeting_goes_browser_to_browser(client, alice, alices_room,
                                                                                     settings):
    settings.JANUS_URLS = []
    client.force_login(alice)
    html = client.get(reverse("room_settings", args=[alices_room.slug])).content.decode()
    assert "JANUS_URLS is not set" in html
