import pytest
from django.urls import reverse

from meetings.models import Room, RoomMember

pytestmark = pytest.mark.django_db


def settings_url(room, name="room_settings", *args):
    return reverse(name, args=[room.slug, *args])


def test_alice_sees_the_settings_of_her_room(client, alice, alices_members_room):
    client.force_login(alice)
    response = client.get(settings_url(alices_members_room))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Settings of Board meeting" in html
    assert f'value="http://testserver/r/{alices_members_room.slug}/"' in html
    assert '<span class="member__text">bob</span>' in html
    assert 'aria-label="Remove bob"' in html
    assert ">Lock room</button>" in html


def test_it_refuses_carol_the_settings_of_alices_room(client, carol, alices_room):
    client.force_login(carol)
    response = client.get(settings_url(alices_room))
    html = response.content.decode()
    assert response.status_code == 403
    assert "Only the room's owner can change it" in html
    assert "belongs to Alice" in html


@pytest.mark.parametrize(
    ("name", "extra", "data"),
    [
        ("room_settings", [], {"name": "Mine now", "access": "link", "max_participants": "8"}),
        ("room_lock", [], {"locked": "1"}),
        ("room_add_member", [], {"who": "carol"}),
        ("room_delete", [], {}),
    ],
)
def test_it_refuses_carols_changes_to_alices_room(client, carol, alices_room, name, extra, data):
    client.force_login(carol)
    response = client.post(settings_url(alices_room, name, *extra), data)
    assert response.status_code == 403
    alices_room.refresh_from_db()
    assert alices_room.name == "Design review"
    assert not alices_room.is_locked
    assert not alices_room.memberships.exists()


def test_it_refuses_bob_the_removal_of_members(client, bob, alices_members_room):
    client.force_login(bob)
    membership = RoomMember.objects.get(room=alices_members_room, user=bob)
    response = client.post(settings_url(alices_members_room, "room_remove_member", membership.pk))
    assert response.status_code == 403
    assert alices_members_room.memberships.filter(user=bob).exists()


def test_staff_may_manage_any_room(client, admin_user, alices_room):
    client.force_login(admin_user)
    assert client.get(settings_url(alices_room)).status_code == 200


def test_alice_renames_her_room_and_makes_it_members_only(client, alice, alices_room):
    client.force_login(alice)
    response = client.post(
        settings_url(alices_room), {"name": "Design crit", "access": "members", "max_participants": "4"}, follow=True
    )
    alices_room.refresh_from_db()
    assert (alices_room.name, alices_room.access, alices_room.max_participants) == ("Design crit", "members", 4)
    assert "The room&#x27;s settings were saved." in response.content.decode()


def test_a_rejected_change_keeps_the_room_and_shows_the_error(client, alice, alices_room):
    client.force_login(alice)
    response = client.post(settings_url(alices_room), {"name": "", "access": "link", "max_participants": "1"})
    assert response.status_code == 200
    assert "Settings of Design review" in response.content.decode()
    assert set(response.context["room_form"].errors) == {"name", "max_participants"}
    alices_room.refresh_from_db()
    assert alices_room.name == "Design review"


def test_alice_locks_and_unlocks_her_room(client, alice, alices_room):
    client.force_login(alice)
    client.post(settings_url(alices_room, "room_lock"), {"locked": "1"})
    alices_room.refresh_from_db()
    assert alices_room.is_locked
    page = client.get(settings_url(alices_room)).content.decode()
    assert ">Unlock room</button>" in page
    client.post(settings_url(alices_room, "room_lock"), {"locked": "0"})
    alices_room.refresh_from_db()
    assert not alices_room.is_locked


def test_alice_adds_carol_by_username_and_bob_by_email(client, alice, bob, carol, alices_room):
    client.force_login(alice)
    client.post(settings_url(alices_room, "room_add_member"), {"who": "Carol"})
    client.post(settings_url(alices_room, "room_add_member"), {"who": "BOB@example.org"})
    assert set(alices_room.memberships.values_list("user__username", flat=True)) == {"bob", "carol"}


def test_adding_someone_unknown_answers_exactly_as_adding_someone_known(client, alice, bob, alices_room):
    """Finding 13: the form answered 200 for an unknown account and 302 for a known one."""
    client.force_login(alice)
    answers = []
    for who in ("zed", "bob"):
        response = client.post(settings_url(alices_room, "room_add_member"), {"who": who}, follow=True)
        page = response.content.decode()
        answers.append((response.redirect_chain, page.count("is on the members list"), f"member__text\">{who}<" in page))
    assert answers[0][0] == answers[1][0] == [(settings_url(alices_room), 302)]
    assert answers[0][1:] == answers[1][1:] == (1, True)
    # Only Bob can come in: "zed" named nobody, and nobody is let in by it.
    assert list(alices_room.memberships.exclude(user=None).values_list("user__username", flat=True)) == ["bob"]


def test_alice_removes_bob_and_then_he_is_refused_the_room(client, alice, bob, alices_members_room):
    client.force_login(alice)
    membership = RoomMember.objects.get(room=alices_members_room, user=bob)
    client.post(settings_url(alices_members_room, "room_remove_member", membership.pk))
    assert not RoomMember.objects.filter(room=alices_members_room, user=bob).exists()
    client.force_login(bob)
    assert client.get(reverse("room", args=[alices_members_room.slug])).status_code == 403


def test_deleting_asks_first_then_deletes(client, alice, alices_members_room):
    client.force_login(alice)
    confirm = client.get(settings_url(alices_members_room, "room_delete"))
    assert confirm.status_code == 200
    assert "Yes, delete the room" in confirm.content.decode()
    assert Room.objects.filter(pk=alices_members_room.pk).exists()
    response = client.post(settings_url(alices_members_room, "room_delete"))
    assert response["Location"] == reverse("my_rooms")
    assert not Room.objects.filter(pk=alices_members_room.pk).exists()
    assert not RoomMember.objects.exists()
