"""Single sign-on: read OIDC_PROVIDERS (JSON) into allauth's openid_connect apps. Pure: no Django state.

A provider is an object: {"id", "name", "server_url", "client_id", "secret"?, "signup"?, "name_claim"?,
"scopes"?, "pkce"?, "token_auth_method"?, "email_authentication"?}. docs/configuration.md explains each key.
"""

import json
import re

PROVIDER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")
REQUIRED = ("id", "name", "server_url", "client_id")
OPTIONAL = {
    "secret": str,
    "signup": bool,
    "name_claim": str,
    "scopes": list,
    "pkce": bool,
    "token_auth_method": str,
    "email_authentication": bool,
}
TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")


class ProviderConfigError(ValueError):
    """OIDC_PROVIDERS cannot be used; the message says what to fix."""


def parse_providers(text):
    """Return OIDC_PROVIDERS as a list of provider dicts with their defaults filled in; raise ProviderConfigError."""
    if not text.strip():
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProviderConfigError(f"OIDC_PROVIDERS is not valid JSON: {error}") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise ProviderConfigError("OIDC_PROVIDERS must be a JSON list of providers (objects)")
    providers, seen = [], set()
    for index, item in enumerate(value):
        provider = check_provider(item, f"OIDC_PROVIDERS[{index}]")
        if provider["id"] in seen:
            raise ProviderConfigError(f"OIDC_PROVIDERS: the id {provider['id']!r} is used twice")
        seen.add(provider["id"])
        providers.append(provider)
    return providers


def check_provider(item, where):
    if not isinstance(item, dict):
        raise ProviderConfigError(f"{where} must be an object")
    unknown = set(item) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        raise ProviderConfigError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
    for key in REQUIRED:
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise ProviderConfigError(f"{where} needs {key!r} (a non-empty string)")
    for key, kind in OPTIONAL.items():
        if key in item and not isinstance(item[key], kind):
            raise ProviderConfigError(f"{where}: {key!r} must be a {kind.__name__}")
    if not PROVIDER_ID.match(item["id"]):
        raise ProviderConfigError(f"{where}: id {item['id']!r} must be 1-30 of a-z, 0-9 and -, starting with a letter or digit")
    if not item["server_url"].startswith(("https://", "http://")):
        raise ProviderConfigError(f"{where}: server_url must be an http(s) URL (the issuer)")
    if item.get("token_auth_method", TOKEN_AUTH_METHODS[0]) not in TOKEN_AUTH_METHODS:
        raise ProviderConfigError(f"{where}: token_auth_method must be one of {', '.join(TOKEN_AUTH_METHODS)}")
    scopes = item.get("scopes", ["openid", "profile", "email"])
    if "openid" not in scopes or not all(isinstance(scope, str) for scope in scopes):
        raise ProviderConfigError(f"{where}: scopes must be a list of strings including 'openid'")
    return {
        "id": item["id"],
        "name": item["name"].strip(),
        "server_url": item["server_url"].rstrip("/"),
        "client_id": item["client_id"],
        "secret": item.get("secret", ""),
        "signup": item.get("signup", True),
        "name_claim": item.get("name_claim", "name"),
        "scopes": scopes,
        "pkce": item.get("pkce", True),
        "token_auth_method": item.get("token_auth_method", ""),
        "email_authentication": item.get("email_authentication", False),
    }


def allauth_apps(providers):
    """Return the APPS list of allauth's openid_connect provider for these providers."""
    apps = []
    for provider in providers:
        app_settings = {
            "server_url": provider["server_url"],
            "scope": provider["scopes"],
            "oauth_pkce_enabled": provider["pkce"],
            "email_authentication": provider["email_authentication"],
        }
        if provider["token_auth_method"]:
            app_settings["token_auth_method"] = provider["token_auth_method"]
        apps.append({
            "provider_id": provider["id"],
            "name": provider["name"],
            "client_id": provider["client_id"],
            "secret": provider["secret"],
            "settings": app_settings,
        })
    return apps


def display_name_from_claims(claims, name_claim="name"):
    """Return the name Confer shows for a person, from their OpenID claims: the configured claim, else given and
    family names, else the preferred username; at most 64 characters."""
    name = claims.get(name_claim)
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    if not name:
        name = claims.get("preferred_username") if isinstance(claims.get("preferred_username"), str) else ""
    return " ".join(name.split())[:64]
