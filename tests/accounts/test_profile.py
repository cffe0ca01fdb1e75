import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_profile_page_sends_anonymous_people_to_sign_in(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_alice_changes_her_display_name(client, alice):
    client.force_login(alice)
    page = client.get(reverse("profile")).content.decode()
    assert 'value="Alice"' in page
    response = client.post(reverse("profile"), {"display_name": "  Alice Liddell "}, follow=True)
    alice.refresh_from_db()
    assert alice.display_name == "Alice Liddell"
    assert "Your profile was saved." in response.content.decode()
    assert "Alice Liddell" in response.content.decode()
