"""The site in Simplified Chinese: chosen from the browser's language or with the switcher, the sign-in pages
(allauth's own) included, and the room page's script strings from the JavaScript catalog."""

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.5"}


def test_a_chinese_browser_gets_the_home_page_in_chinese(client):
    html = client.get(reverse("home"), **CHINESE).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "在浏览器里面对面开会。" in html
    assert "免费注册" in html
    assert "Meet face to face" not in html


def test_an_english_browser_gets_english(client):
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert "Meet face to face, from your browser." in html


def test_the_sign_in_page_is_chinese_too(client):
    html = client.get(reverse("account_login"), **CHINESE).content.decode()
    assert "登录" in html  # allauth's own translation of "Sign In"
    assert "密码" in html
    assert "跳到正文" in html  # ours, in the page frame


def test_the_language_switcher_sets_chinese_for_the_session(client):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    html = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "在浏览器里面对面开会。" in html
    assert '<option value="zh-hans" selected>简体中文</option>' in html

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Meet face to face" in client.get(reverse("home")).content.decode()


def test_alice_sees_her_home_and_room_settings_in_chinese(client, alice):
    from meetings import actions

    room = actions.create_room(alice, "设计评审")
    client.force_login(alice)
    assert "你好，Alice" in client.get(reverse("home"), **CHINESE).content.decode()
    html = client.get(reverse("room_settings", args=[room.slug]), **CHINESE).content.decode()
    assert "等候室：新来的人需等主持人或协管员允许后才能进入" in html
    assert "保存更改" in html


def test_the_room_page_is_chinese_and_loads_the_javascript_catalog(client, alice):
    from meetings import actions

    room = actions.create_room(alice, "设计评审")
    client.force_login(alice)
    html = client.get(room.get_absolute_url(), **CHINESE).content.decode()
    assert "立即加入" in html
    assert f'<script src="{reverse("javascript-catalog")}"></script>' in html


def test_the_javascript_catalog_holds_the_room_scripts_strings_in_chinese(client):
    script = client.get(reverse("javascript-catalog"), **CHINESE).content.decode()
    for text in ("只有你在这里", "连接已断开，正在重新连接…", "%(name)s 说：%(text)s"):
        assert json.dumps(text)[1:-1] in script  # the catalog is JSON, non-ASCII escaped


def test_every_string_of_the_site_and_the_room_script_has_a_chinese_translation():
    import subprocess
    from pathlib import Path

    locale = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"
    for catalog in ("django.po", "djangojs.po"):
        result = subprocess.run(["msgfmt", "--statistics", "-o", "/dev/null", str(locale / catalog)],
                                capture_output=True, text=True, check=True)
        assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, (catalog, result.stderr)
