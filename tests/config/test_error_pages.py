"""A wrong address, a refusal and a failure get pages in the site's look and the person's language."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}


def test_a_wrong_room_address_gets_a_styled_page_that_says_there_is_no_room(client):
    response = client.get("/r/zzzz-zzzz-zzzz/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "/static/css/site.css" in html
    assert 'class="site-header"' in html
    assert "There is no room at this address" in html
    assert 'href="/"' in html


def test_any_other_wrong_address_says_there_is_nothing_there(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.content.decode()


def test_the_404_page_is_in_chinese_for_a_chinese_browser(client):
    html = client.get("/r/zzzz-zzzz-zzzz/", **CHINESE).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "这个地址没有会议室" in html
    assert "There is no room" not in html


def test_a_refusal_gets_a_styled_403_that_offers_to_sign_in(client):
    request = RequestFactory().get("/somewhere/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with translation.override("en"):
        response = defaults.permission_denied(request, PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403
    assert "/static/css/site.css" in html
    assert "You may not open this page" in html
    assert "/accounts/login/?next=/somewhere/" in html


def test_a_failure_gets_a_styled_500_even_without_a_request_context(client):
    with translation.override("en"):
        response = defaults.server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "/static/css/site.css" in html
    assert "Something went wrong on our side" in html


def test_the_pages_name_an_icon_and_favicon_ico_leads_to_it(client):
    assert 'rel="icon" href="/static/img/favicon.svg"' in client.get("/").content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/img/favicon.svg"
    assert client.get("/static/img/favicon.svg").status_code == 200


def test_the_500_page_speaks_the_language_of_the_request_that_failed():
    with translation.override("zh-hans"):
        html = defaults.server_error(RequestFactory().get("/")).content.decode()
    assert "我们这边出了点问题" in html
