import re
from urllib.parse import urlsplit

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from meetings.models import Room

SLUG_IN_PATH = re.compile(r"/r/([a-z0-9-]+)/?")
BARE_CODE = re.compile(r"^([a-z0-9]{4})-?([a-z0-9]{4})-?([a-z0-9]{4})$")


class RoomForm(forms.ModelForm):
    """A room's name, access rule and size: for creating a room and for its settings."""

    class Meta:
        model = Room
        fields = ["name", "access", "max_participants"]
        widgets = {
            "name": forms.TextInput(attrs={"placeholder": _("e.g. Weekly design review"), "autocomplete": "off"}),
            "access": forms.RadioSelect,
        }
        help_texts = {
            "access": _("Members-only rooms let in you and the people you add in the room's settings."),
        }


class AddMemberForm(forms.Form):
    """Find an account by username or email to add to a room."""

    who = forms.CharField(
        label=_("Username or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def __init__(self, *args, room, **kwargs):
        super().__init__(*args, **kwargs)
        self.room = room

    def clean_who(self):
        who = self.cleaned_data["who"].strip()
        matches = list(get_user_model().objects.filter(Q(username__iexact=who) | Q(email__iexact=who))[:2])
        if not matches:
            raise forms.ValidationError(_("There is no account with that username or email."))
        if len(matches) > 1:
            raise forms.ValidationError(_("More than one account uses that email; give the username instead."))
        user = matches[0]
        if user.pk == self.room.owner_id:
            raise forms.ValidationError(_("That is the room's owner, who can always come in."))
        return user


def slug_from_link_or_code(text):
    """Return the room slug in a pasted room link or typed code, or None if there is none."""
    text = text.strip().lower()
    if "/" in text:
        match = SLUG_IN_PATH.search(urlsplit(text).path or text)
        return match.group(1) if match else None
    match = BARE_CODE.match(re.sub(r"\s+", "", text))
    return "-".join(match.groups()) if match else None


class JoinForm(forms.Form):
    """A room link or code, as someone pastes or types it."""

    code = forms.CharField(
        label=_("Room link or code"),
        max_length=300,
        help_text=_("Paste the link someone sent you, or type the room's code."),
        widget=forms.TextInput(
            attrs={
                "placeholder": "k7dq-m3xa-p9wn",
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )

    def clean_code(self):
        slug = slug_from_link_or_code(self.cleaned_data["code"])
        if slug is None:
            raise forms.ValidationError(_("That is not a room link or code. A code looks like k7dq-m3xa-p9wn."))
        if not Room.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("There is no room with that link or code."))
        return slug
