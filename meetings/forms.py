import re
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
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
            "access": _(
                "Members-only rooms let in you and the people you add in the room's settings. In any room, people "
                "without an account can come in with a guest invite link from its settings."
            ),
        }


class RoomSettingsForm(RoomForm):
    """The settings page's form: a room's name, access and size, and its rules for joining."""

    password = forms.CharField(
        label=_("New room password"),
        required=False,
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("People who are not hosts or moderators must give it to join. Leave it empty to keep things as they are."),
    )
    clear_password = forms.BooleanField(label=_("Remove the room password"), required=False)

    class Meta(RoomForm.Meta):
        fields = ["name", "access", "max_participants", "requires_approval", "ice_transport_policy", "media_route"]
        widgets = {**RoomForm.Meta.widgets, "media_route": forms.RadioSelect}
        labels = {
            "requires_approval": _("Lobby: newcomers wait until a host or moderator lets them in"),
            "ice_transport_policy": _("Network route"),
        }
        help_texts = {
            **RoomForm.Meta.help_texts,
            "requires_approval": _("Hosts and moderators always come straight in."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.has_password:
            self.fields["password"].help_text = _(
                "This room has a password. Type a new one to change it, or tick the box below to remove it."
            )
        else:
            del self.fields["clear_password"]
        # Forms that predate the choice (and scripts posting them) keep the room's route.
        self.fields["media_route"].required = False
        if not settings.JANUS_URLS:
            self.fields["media_route"].help_text = _(
                "This server has no media server (JANUS_URLS is not set): every meeting goes browser to browser, "
                "whatever you choose here."
            )

    def clean_ice_transport_policy(self):
        policy = self.cleaned_data["ice_transport_policy"]
        if policy == "relay" and not settings.TURN_URLS:
            raise forms.ValidationError(
                _("This server has no TURN relay (TURN_URLS is not set), so with “Relay only” no call could connect.")
            )
        return policy

    def clean_media_route(self):
        return self.cleaned_data.get("media_route") or self.instance.media_route

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("clear_password"):
            self.add_error("password", _("Either type a new password or remove it, not both."))
        return cleaned


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
        """Return (what was typed, the one account it names or None). Whether it names one is never told."""
        who = self.cleaned_data["who"].strip()
        if not who:
            raise forms.ValidationError(_("Type a username or an email."))
        matches = list(get_user_model().objects.filter(Q(username__iexact=who) | Q(email__iexact=who))[:2])
        user = matches[0] if len(matches) == 1 else None
        if user is not None and user.pk == self.room.owner_id:
            user = None  # the owner always comes in; an entry for them changes nothing
        return who, user


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
