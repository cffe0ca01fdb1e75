import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_people_at_a_signed_in_room_are_told_what_to_do_not_shown_a_bare_sign_in_form(client, alices_room):
    response = client.get(reverse("room", args=[alices_room.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Join “Design review”" in html
    assert "Alice's room is for people with a Confer account" in html
    assert f'href="{reverse("account_login")}?next=/r/{alices_room.slug}/"' in html
    assert f'href="{reverse("account_signup")}?next=/r/{alices_room.slug}/"' in html
    assert "guest invite link" in html
    assert 'name="password"' not in html


def test_anonymous_people_at_a_members_only_room_are_told_it_is_for_members(client, alices_members_room):
    html = client.get(reverse("room", args=[alices_members_room.slug])).content.decode()
    assert "This is Alice's room for its members" in html


def test_anyone_with_the_link_of_an_open_room_gives_a_name_and_comes_in_as_a_guest(client, alice):
    from meetings import actions
    from meetings.models import Room

    room = actions.create_room(alice, "Open house", Room.Access.ANYONE)
    url = reverse("room", args=[room.slug])
    landing = client.get(url)
    assert landing.status_code == 200
    html = landing.content.decode()
    assert 'name="name"' in html and "Join as a guest" in html
    assert f'href="{reverse("account_login")}?next=/r/{room.slug}/"' in html  # or sign in instead

    assert client.post(url, {"name": "  "}).status_code == 200  # a name is needed
    response = client.post(url, {"name": "Gus"})
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url)
    assert [t.name for t in page.templates][0] == "meetings/room.html"
    assert page.context["guest"].name == "Gus"
    assert page.context["can_manage"] is False
    token = client.post(reverse("api-room-tokens", args=[room.slug]), "{}", content_type="application/json",
                         HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert token.status_code == 201, token.content
    assert token.json()["identity"].startswith("guest:") and token.json()["role"] == "participant"


def test_a_link_guest_is_told_when_the_room_stops_letting_in_guests(client, alice):
    from meetings import actions
    from meetings.models import Room

    room = actions.create_room(alice, "Open house", Room.Access.ANYONE)
    url = reverse("room", args=[room.slug])
    client.post(url, {"name": "Gus"})
    actions.update_room(room, access=Room.Access.LINK)
    response = client.get(url)
    assert response.status_code == 403
    assert "This room no longer lets in guests" in response.content.decode()
    token = client.post(reverse("api-room-tokens", args=[room.slug]), "{}", content_type="application/json",
                         HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert token.status_code in (401, 403)


def test_a_guest_whose_invite_was_revoked_is_told_so_not_sent_to_sign_in(client, alice, alices_members_room):
    from meetings import invites

    invite = invites.create_invite(alices_members_room, created_by=alice)
    client.post(invite.get_absolute_url(), {"name": "Gus"})
    url = reverse("room", args=[alices_members_room.slug])
    assert client.get(url).status_code == 200
    invites.revoke_invite(invite)
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 403
    assert "Your invite to this meeting was withdrawn" in html
    assert 'name="login"' not in html


def test_anyone_signed_in_enters_a_link_room(client, carol, alices_room):
    client.force_login(carol)
    response = client.get(reverse("room", args=[alices_room.slug]))
    assert response.status_code == 200
    assert response.context["room"] == alices_room
    assert response.context["can_manage"] is False
    assert [t.name for t in response.templates][0] == "meetings/room.html"


def test_it_refuses_carol_a_members_only_room_and_names_its_owner(client, carol, alices_members_room):
    client.force_login(carol)
    response = client.get(reverse("room", args=[alices_members_room.slug]))
    html = response.content.decode()
    assert response.status_code == 403
    assert "This room is for members only" in html
    assert "belongs to Alice" in html
    assert f'href="{reverse("home")}"' in html


def test_bob_as_a_member_enters_the_members_only_room(client, bob, alices_members_room):
    client.force_login(bob)
    response = client.get(reverse("room", args=[alices_members_room.slug]))
    assert response.status_code == 200
    assert response.context["room"] == alices_members_room


def test_alice_enters_her_room_and_may_manage_it(client, alice, alices_members_room):
    client.force_login(alice)
    response = client.get(reverse("room", args=[alices_members_room.slug]))
    assert response.status_code == 200
    assert response.context["can_manage"] is True


def test_an_unknown_room_is_not_found(client, alice):
    client.force_login(alice)
    assert client.get(reverse("room", args=["aaaa-bbbb-cccc"])).status_code == 404
