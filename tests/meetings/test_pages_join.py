import pytest
from django.urls import reverse

from meetings.forms import slug_from_link_or_code

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "slug"),
    [
        ("k7dq-m3xa-p9wn", "k7dq-m3xa-p9wn"),
        ("  K7DQ-M3XA-P9WN ", "k7dq-m3xa-p9wn"),
        ("k7dqm3xap9wn", "k7dq-m3xa-p9wn"),
        ("https://meet.example.org/r/k7dq-m3xa-p9wn/", "k7dq-m3xa-p9wn"),
        ("meet.example.org/r/k7dq-m3xa-p9wn", "k7dq-m3xa-p9wn"),
        ("http://localhost:8000/r/k7dq-m3xa-p9wn/?x=1#top", "k7dq-m3xa-p9wn"),
        ("hello there", None),
        ("https://example.org/rooms/", None),
    ],
)
def test_it_finds_the_slug_in_what_people_paste_or_type(typed, slug):
    assert slug_from_link_or_code(typed) == slug


def test_a_code_takes_alice_to_the_room(client, alice, alices_room):
    client.force_login(alice)
    response = client.get(reverse("join_room"), {"code": alices_room.slug.upper()})
    assert response.status_code == 302
    assert response["Location"] == reverse("room", args=[alices_room.slug])


def test_a_full_link_takes_bob_to_the_room(client, bob, alices_room):
    client.force_login(bob)
    response = client.get(reverse("join_room"), {"code": f"http://testserver/r/{alices_room.slug}/"})
    assert response["Location"] == f"/r/{alices_room.slug}/"


def test_an_unknown_code_is_answered_on_the_home_page(client, bob):
    client.force_login(bob)
    response = client.get(reverse("join_room"), {"code": "aaaa-bbbb-cccc"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is no room with that link or code." in html
    assert 'aria-invalid="true"' in html


def test_nonsense_is_answered_with_what_a_code_looks_like(client, bob):
    client.force_login(bob)
    response = client.get(reverse("join_room"), {"code": "let me in"})
    assert "That is not a room link or code." in response.content.decode()
