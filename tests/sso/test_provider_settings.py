"""OIDC_PROVIDERS is read into allauth's apps, refused loudly when wrong; claims make the display name; a
provider's `signup` says whether new people may come in through it."""

import json

import pytest

from accounts.sso import ProviderConfigError, allauth_apps, display_name_from_claims, parse_providers
from tests.config.test_settings import settings_with

ACME = {"id": "acme", "name": "Acme SSO", "server_url": "https://sso.acme.example/realms/acme/",
        "client_id": "confer", "secret": "s3cret"}


def test_a_provider_becomes_an_allauth_openid_connect_app_with_pkce_and_its_defaults():
    [provider] = parse_providers(json.dumps([ACME]))
    assert provider["signup"] is True
    assert allauth_apps([provider]) == [{
        "provider_id": "acme", "name": "Acme SSO", "client_id": "confer", "secret": "s3cret",
        "settings": {"server_url": "https://sso.acme.example/realms/acme", "scope": ["openid", "profile", "email"],
                     "oauth_pkce_enabled": True, "email_authentication": False},
    }]


def test_one_object_alone_is_one_provider_and_nothing_is_none():
    assert [p["id"] for p in parse_providers(json.dumps(ACME))] == ["acme"]
    assert parse_providers("") == []


@pytest.mark.parametrize("value, says", [
    ("{not json", "not valid JSON"),
    ("42", "must be a JSON list"),
    (json.dumps([{**ACME, "client_id": ""}]), "needs 'client_id'"),
    (json.dumps([{**ACME, "id": "Acme Corp"}]), "id 'Acme Corp' must be"),
    (json.dumps([{**ACME, "sever_url": "x"}]), "unknown keys: sever_url"),
    (json.dumps([{**ACME, "signup": "no"}]), "'signup' must be a bool"),
    (json.dumps([{**ACME, "server_url": "sso.acme.example"}]), "server_url must be an http(s) URL"),
    (json.dumps([{**ACME, "scopes": ["profile"]}]), "including 'openid'"),
    (json.dumps([{**ACME, "token_auth_method": "private_key_jwt"}]), "token_auth_method must be one of"),
    (json.dumps([ACME, ACME]), "the id 'acme' is used twice"),
])
def test_a_wrong_provider_is_refused_saying_what_to_fix(value, says):
    with pytest.raises(ProviderConfigError, match=says.replace("(", r"\(").replace(")", r"\)")):
        parse_providers(value)


@pytest.mark.parametrize("env, says", [
    ({"OIDC_PROVIDERS": "[{"}, "OIDC_PROVIDERS is not valid JSON"),
    ({"OIDC_ONLY": "1"}, "OIDC_ONLY is on but OIDC_PROVIDERS names no provider"),
    ({"OIDC_ONLY": "1", "OIDC_PROVIDERS": json.dumps(ACME), "MFA_REQUIRED_FOR_STAFF": "1"},
     "MFA_REQUIRED_FOR_STAFF does not apply with OIDC_ONLY"),
    ({"OIDC_ONLY": "1", "OIDC_PROVIDERS": json.dumps(ACME), "ACCOUNT_EMAIL_VERIFICATION": "mandatory"},
     "OIDC_ONLY needs ACCOUNT_EMAIL_VERIFICATION=none"),
])
def test_the_server_will_not_start_with_an_unusable_sign_in_setup(env, says):
    base = {"SECRET_KEY": "s" * 50, "ROOM_TOKEN_SECRET": "r" * 40, "CONFER_VAR_DIR": "/tmp/confer-settings-test"}
    code, errors = settings_with({**base, **env})
    assert code != 0
    assert says in errors


@pytest.mark.parametrize("claims, name", [
    ({"name": "Alice Liddell", "given_name": "A", "preferred_username": "al"}, "Alice Liddell"),
    ({"given_name": "Alice", "family_name": "Liddell"}, "Alice Liddell"),
    ({"name": "  ", "preferred_username": "aliddell"}, "aliddell"),
    ({"name": "A" * 80}, "A" * 64),
    ({}, ""),
])
def test_the_display_name_comes_from_the_claims(claims, name):
    assert display_name_from_claims(claims) == name


def test_a_configured_claim_wins():
    assert display_name_from_claims({"name": "Alice Liddell", "nickname": "Al"}, name_claim="nickname") == "Al"


@pytest.mark.django_db
def test_signup_through_a_provider_is_open_or_closed_as_configured(settings, rf):
    from allauth.socialaccount.models import SocialAccount, SocialLogin

    from accounts.adapters import SocialAccountAdapter

    settings.OIDC_PROVIDER_LIST = parse_providers(json.dumps([ACME, {**ACME, "id": "partners", "signup": False}]))
    adapter = SocialAccountAdapter()
    for provider_id, open_ in (("acme", True), ("partners", False), ("unknown", False)):
        login = SocialLogin(account=SocialAccount(provider=provider_id, uid="1"))
        assert adapter.is_open_for_signup(rf.get("/"), login) is open_
