"""The invite link page, /i/<token>/: a person without an account gives a name and becomes a guest of that room."""

from django import forms
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from meetings import guests


class GuestNameForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=guests.GUEST_NAME_MAX_LENGTH,
        help_text=_("What the others in the meeting will see."),
        widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}),
    )


@never_cache
def invite(request, token):
    invite = guests.usable_invite(token)
    if invite is None:
        # Unknown, expired and revoked links look the same: a revoked link should not say it ever existed.
        return render(request, "meetings/invite.html", {"invite": None}, status=404)
    initial = {"name": request.user.name} if request.user.is_authenticated else {}
    form = GuestNameForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        guests.admit_guest(request, invite, form.cleaned_data["name"])
        return redirect(invite.room)
    context = {"invite": invite, "room": invite.room, "form": form, "action": invite.get_absolute_url()}
    return render(request, "meetings/invite.html", context)
