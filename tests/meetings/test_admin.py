from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Room
from signalling.models import Meeting, Participant

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:meetings_room_changelist")


def join(room, peer_id, role="participant", seconds_ago=0, status=Participant.Status.JOINED):
    seen = timezone.now() - timedelta(seconds=seconds_ago)
    meeting, _ = Meeting.objects.get_or_create(room=room, ended_at=None)
    return Participant.objects.create(
        room=room, meeting=meeting, peer_id=peer_id, identity=f"user:{peer_id}", display_name=peer_id, role=role,
        status=status, channel_name=f"chan-{peer_id}", joined_at=seen, last_seen=seen,
    )


def test_the_room_list_shows_the_live_count_without_stale_or_hidden_participants(admin_client, alices_room):
    join(alices_room, "p_live1")
    join(alices_room, "p_live2")
    join(alices_room, "p_stale", seconds_ago=3600)
    join(alices_room, "p_rec", role="recorder")
    join(alices_room, "p_lobby", status=Participant.Status.LOBBY)
    response = admin_client.get(CHANGELIST)
    html = response.content.decode()
    assert response.status_code == 200
    assert "column-live_count" in html
    assert '<td class="field-live_count">2</td>' in html
    assert "Lock selected rooms" in html and "Unlock selected rooms" in html


def test_the_room_list_counts_in_one_query_however_many_rooms(admin_client, alice, django_assert_max_num_queries):
    for number in range(3):
        join(Room.objects.create(owner=alice, name=f"room {number}"), f"p_{number}")
    admin_client.get(CHANGELIST)  # warm up the session and content types
    with django_assert_max_num_queries(8):
        admin_client.get(CHANGELIST)
    for number in range(7):
        Room.objects.create(owner=alice, name=f"more {number}")
    with django_assert_max_num_queries(8):
        admin_client.get(CHANGELIST)


def test_the_room_list_searches_by_owner_username(admin_client, alice, bob, alices_room):
    Room.objects.create(owner=bob, name="Bob's corner")
    html = admin_client.get(CHANGELIST, {"q": "alice"}).content.decode()
    assert "Design review" in html
    assert "Bob&#x27;s corner" not in html


def test_the_lock_and_unlock_actions_change_the_selected_rooms(admin_client, alice, alices_room, alices_members_room):
    other = Room.objects.create(owner=alice, name="Untouched")
    response = admin_client.post(
        CHANGELIST,
        {"action": "lock_rooms", "_selected_action": [alices_room.pk, alices_members_room.pk]},
        follow=True,
    )
    assert "Locked 2 rooms." in response.content.decode()
    assert set(Room.objects.filter(is_locked=True)) == {alices_room, alices_members_room}
    admin_client.post(CHANGELIST, {"action": "unlock_rooms", "_selected_action": [alices_room.pk]})
    assert set(Room.objects.filter(is_locked=True)) == {alices_members_room}
    other.refresh_from_db()
    assert not other.is_locked


def test_the_room_page_shows_members_and_the_roster_read_only(admin_client, alices_members_room):
    join(alices_members_room, "p_someone")
    response = admin_client.get(reverse("admin:meetings_room_change", args=[alices_members_room.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "memberships-TOTAL_FORMS" in html
    assert "p_someone" in html
    assert 'name="participants-0-peer_id"' not in html


def test_people_without_staff_rights_cannot_see_the_room_admin(client, carol):
    client.force_login(carol)
    response = client.get(CHANGELIST)
    assert response.status_code == 302


def room_form_data(room, **changes):
    data = {
        "name": room.name, "owner": room.owner_id, "access": room.access, "max_participants": room.max_participants,
        "ice_transport_policy": room.ice_transport_policy, "media_route": room.media_route, "password": "",
        "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0,
        "participants-TOTAL_FORMS": 0, "participants-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def test_the_room_page_has_the_lobby_the_network_route_and_a_password_field(admin_client, alices_room):
    html = admin_client.get(reverse("admin:meetings_room_change", args=[alices_room.pk])).content.decode()
    for name in ("requires_approval", "ice_transport_policy", "password", "clear_password", "is_locked"):
        assert f'name="{name}"' in html, name


def test_a_password_set_in_the_admin_is_kept_as_a_hash_and_can_be_removed(admin_client, alices_room):
    url = reverse("admin:meetings_room_change", args=[alices_room.pk])
    response = admin_client.post(url, room_form_data(alices_room, password="open sesame", requires_approval="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    alices_room.refresh_from_db()
    assert alices_room.requires_approval
    assert alices_room.check_password("open sesame") and "open sesame" not in alices_room.password_hash

    admin_client.post(url, room_form_data(alices_room, clear_password="on", requires_approval="on"))
    alices_room.refresh_from_db()
    assert not alices_room.has_password
    assert alices_room.requires_approval


def test_the_admin_says_recorder_processes(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "Recorder processes" in html
    assert "processs" not in html
