from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=64,
        required=False,
        help_text=_("What others see in a meeting. Defaults to your username."),
    )

    def signup(self, request, user):
        name = self.cleaned_data.get("display_name", "").strip()
        # A sign-up through single sign-on already has a name from the provider's claims: keep it unless one is typed.
        if name or not user.display_name:
            user.display_name = name
        user.save(update_fields=["display_name"])


class ProfileForm(forms.Form):
    """What a signed-in person may change about themselves."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=64,
        required=False,
        help_text=_("What others see in a meeting. Leave it empty to use your username."),
    )
