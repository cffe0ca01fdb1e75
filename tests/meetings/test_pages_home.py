import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_people_get_the_pitch_with_sign_up_and_sign_in(client):
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Meet face to face, from your browser." in html
    assert f'href="{reverse("account_signup")}"' in html
    assert f'href="{reverse("account_login")}"' in html
    assert "Join a meeting" not in html


def test_alice_gets_a_new_room_action_a_join_box_and_her_recent_rooms(client, alice, alices_room):
    client.force_login(alice)
    html = client.get(reverse("home")).content.decode()
    assert f'class="btn btn--primary btn--big" href="{reverse("create_room")}"' in html
    assert '<label for="id_code">' in html
    assert "Design review" in html
    assert alices_room.slug in html


def test_bob_sees_the_members_only_room_he_was_added_to_among_his_recent_rooms(client, bob, alices_members_room):
    client.force_login(bob)
    html = client.get(reverse("home")).content.decode()
    assert "Board meeting" in html
    assert "Owner: Alice" in html


def test_carol_does_not_see_alices_rooms(client, carol, alices_room, alices_members_room):
    client.force_login(carol)
    html = client.get(reverse("home")).content.decode()
    assert "Design review" not in html
    assert "Board meeting" not in html
    assert "You have no rooms yet." in html


def test_the_header_names_the_site_and_the_signed_in_person(client, settings, alice):
    settings.SITE_NAME = "Acme Meet"
    client.force_login(alice)
    html = client.get(reverse("home")).content.decode()
    assert "<title>Acme Meet</title>" in html
    assert 'aria-label="Profile: Alice"' in html
    assert ">Sign out</button>" in html


def test_a_room_carol_joined_is_among_her_recent_rooms_first(client, carol, alice, alices_room):
    from meetings.models import Room
    from meetings.signals import participant_joined
    from signalling.models import Meeting, Participant

    older = Room.objects.create(owner=carol, name="Carols own room")
    meeting = Meeting.objects.create(room=alices_room)
    participant = Participant(room=alices_room, meeting=meeting, peer_id="p_carol", identity=f"user:{carol.pk}",
                              display_name="Carol", role="participant", channel_name="c")
    participant_joined.send(Participant, meeting=meeting, participant=participant)  # as admission sends it

    client.force_login(carol)
    html = client.get(reverse("home")).content.decode()
    assert "Design review" in html and "Owner: Alice" in html
    assert html.index("Design review") < html.index(older.name)


def test_a_joined_members_only_room_goes_once_carol_may_no_longer_enter(client, carol, alices_members_room):
    from meetings.models import RoomVisit

    RoomVisit.objects.create(user=carol, room=alices_members_room)
    client.force_login(carol)
    assert "Board meeting" not in client.get(reverse("home")).content.decode()


def test_the_site_is_named_after_the_product_so_emails_do_not_say_example_com(client, alice, settings):
    from django.contrib.sites.models import Site
    from django.core import mail

    site = Site.objects.get_current()
    assert site.name == settings.SITE_NAME
    assert site.domain != "example.com"
    client.post(reverse("account_reset_password"), {"email": "alice@example.org"})
    assert mail.outbox[0].subject.startswith(f"[{settings.SITE_NAME}]")
    assert "example.com" not in mail.outbox[0].subject + mail.outbox[0].body


def test_the_connectivity_check_is_linked_from_every_pages_footer_and_the_rooms_devices_panel(client, alice, alices_room):
    check = reverse("connectivity_check")
    assert f'href="{check}"' in client.get(reverse("home")).content.decode()
    client.force_login(alice)
    room_page = client.get(reverse("room", args=[alices_room.slug])).content.decode()
    assert f'class="panel-link" href="{check}"' in room_page
