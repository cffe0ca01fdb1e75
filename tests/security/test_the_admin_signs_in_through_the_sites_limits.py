"""Finding 5: the admin's own sign-in counted nothing: eleven wrong passwords, then the right one, got in. It now
sends people to the site's sign-in, with its limits, and authenticates nothing itself."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("erin", "erin@example.org", "erin-password-1", is_staff=True,
                                                 is_superuser=True)


def test_the_admins_form_authenticates_nothing_even_with_the_right_password(client, staff):
    answer = client.post(reverse("admin:login"), {"username": "erin", "password": "erin-password-1"})
    assert answer.status_code == 302 and answer.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_someone_signed_out_is_sent_to_the_sites_sign_in_and_back(client):
    answer = client.get(reverse("admin:index"), follow=True)
    assert answer.redirect_chain[-1][0].startswith(f"{reverse('account_login')}?next=%2Fadmin%2F")


def test_eleven_wrong_passwords_then_the_right_one_does_not_get_in(client, staff):
    login = reverse("account_login")
    for _ in range(11):
        client.post(f"{login}?next=/admin/", {"login": "erin", "password": "wrong"})
    client.post(f"{login}?next=/admin/", {"login": "erin", "password": "erin-password-1"})
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_signed_in_person_without_staff_rights_is_refused_not_sent_round_in_circles(client, alice):
    client.force_login(alice)
    answer = client.get(reverse("admin:index"), follow=True)
    assert answer.status_code == 403


def test_staff_who_signed_in_on_the_site_reach_the_admin(client, staff):
    client.post(reverse("account_login"), {"login": "erin", "password": "erin-password-1"})
    assert client.get(reverse("admin:index")).status_code == 200
