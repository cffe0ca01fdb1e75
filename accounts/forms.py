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
        user.display_name = self.cleaned_data.get("display_name", "").strip()
        user.save(update_fields=["display_name"])


class ProfileForm(forms.Form):
    """What a signed-in person may change about themselves."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=64,
        required=False,
        help_text=_("What others see in a meeting. Leave it empty to use your username."),
    )
