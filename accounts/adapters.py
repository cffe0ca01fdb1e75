"""allauth adapters: what Confer decides about sign-up and new accounts from single sign-on."""

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings

from accounts.sso import display_name_from_claims


def provider_config(provider_id):
    for provider in settings.OIDC_PROVIDER_LIST:
        if provider["id"] == provider_id:
            return provider
    return None


def claims_of(sociallogin):
    data = sociallogin.account.extra_data or {}
    # allauth keeps the userinfo answer and the ID token's claims; userinfo usually has more.
    return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})} or data


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        provider = provider_config(sociallogin.account.provider)
        return bool(provider and provider["signup"])

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        provider = provider_config(sociallogin.account.provider) or {"name_claim": "name"}
        user.display_name = display_name_from_claims(claims_of(sociallogin), provider["name_claim"])
        return user
