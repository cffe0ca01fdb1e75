import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_anonymous_people_are_sent_to_sign_in_before_entering_a_room(client, alices_room):
    response = client.get(reverse("room", args=[alices_room.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


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
