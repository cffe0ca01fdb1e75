from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from meetings import actions
from meetings.models import Room, RoomMember
from signalling.contract import HIDDEN_ROLES
from signalling.models import Participant
from signalling.publish import publish
from signalling.seats import stale_before
from signalling.wire import SEATED


def act(modeladmin, request, change, *args, **kwargs):
    """Make a change through meetings.actions as this staff member and publish it; say so if it is refused.

    Return the Outbox, or None when the change was refused.
    """
    try:
        return publish(change(*args, by=actions.Actor.user(request.user), **kwargs))
    except actions.Refused as refusal:
        publish(refusal.outbox)
        modeladmin.message_user(request, refusal.message, messages.WARNING)
        return None


class RoomMemberInline(admin.TabularInline):
    model = RoomMember
    extra = 0
    autocomplete_fields = ["user"]
    readonly_fields = ["added"]


class ParticipantInline(admin.TabularInline):
    """Who the roster says is in the room; the signalling server owns these rows, so they are read-only here.
    Remove or mute someone from the participants' own page (Signalling › Participants)."""

    model = Participant
    extra = 0
    can_delete = False
    fields = readonly_fields = ["peer_id", "display_name", "role", "status", "joined_at", "last_seen"]
    verbose_name_plural = _("Participants on the roster (stale ones stay until the signalling server sweeps them)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RoomAdminForm(forms.ModelForm):
    """The room's fields, and its password: set or cleared through update_room, which keeps only a hash."""

    password = forms.CharField(
        label=_("New room password"), required=False, max_length=128, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("People who are not hosts or moderators must give it to join. Leave it empty to keep things as they are."),
    )
    clear_password = forms.BooleanField(label=_("Remove the room password"), required=False)

    class Meta:
        model = Room
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.has_password:
            self.fields["password"].help_text = _(
                "This room has a password. Type a new one to change it, or tick the box below to remove it."
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("clear_password"):
            self.add_error("password", _("Either type a new password or remove it, not both."))
        return cleaned

    def new_password(self):
        """Return the password to set ("" clears it), or None to leave it as it is."""
        if self.cleaned_data.get("password"):
            return self.cleaned_data["password"]
        return "" if self.cleaned_data.get("clear_password") else None


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    form = RoomAdminForm
    list_display = ["name", "slug", "owner", "access", "is_locked", "live_count", "created"]
    list_filter = ["access", "is_locked", "created"]
    search_fields = ["name", "slug", "owner__username"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    readonly_fields = ["slug", "created"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "owner", "created"]}),
        (_("Who may come in"), {"fields": ["access", "max_participants", "is_locked", "requires_approval",
                                           "password", "clear_password"]}),
        (_("Network"), {"fields": ["ice_transport_policy", "media_route"]}),
    ]
    date_hierarchy = "created"
    inlines = [RoomMemberInline, ParticipantInline]
    actions = ["lock_rooms", "unlock_rooms", "end_meetings"]

    def get_queryset(self, request):
        # One query for the whole page: count the live participants in SQL, (seated, not stale, no hidden roles).
        live = (
            Q(participants__status__in=SEATED, participants__last_seen__gte=stale_before())
            & ~Q(participants__role__in=HIDDEN_ROLES)
        )
        return super().get_queryset(request).annotate(live_participants=Count("participants", filter=live))

    @admin.display(description=_("live"), ordering="live_participants")
    def live_count(self, room):
        return room.live_participants

    def save_model(self, request, obj, form, change):
        # Through the actions, so that a live meeting hears of new rules and a new room is announced.
        password = form.new_password()
        if not change:
            actions.save_new_room(obj)
            if password:
                act(self, request, actions.update_room, obj, password=password)
            return
        rules = {name: form.cleaned_data[name] for name in form.changed_data if name in actions.ROOM_RULES}
        others = [name for name in form.changed_data
                  if name not in actions.ROOM_RULES and name not in ("password", "clear_password")]
        if others:
            Room.objects.filter(pk=obj.pk).update(**{name: getattr(obj, name) for name in others})
        act(self, request, actions.update_room, obj, password=password, **rules)

    def delete_model(self, request, obj):
        act(self, request, actions.delete_room, obj)

    def delete_queryset(self, request, queryset):
        for room in queryset:
            act(self, request, actions.delete_room, room)

    @admin.action(description=_("Lock selected rooms"))
    def lock_rooms(self, request, queryset):
        self.set_locked(request, queryset, True)

    @admin.action(description=_("Unlock selected rooms"))
    def unlock_rooms(self, request, queryset):
        self.set_locked(request, queryset, False)

    def set_locked(self, request, queryset, locked):
        rooms = [room for room in queryset if act(self, request, actions.set_locked, room, locked) is not None]
        if locked:
            message = ngettext("Locked %(count)d room.", "Locked %(count)d rooms.", len(rooms))
        else:
            message = ngettext("Unlocked %(count)d room.", "Unlocked %(count)d rooms.", len(rooms))
        self.message_user(request, message % {"count": len(rooms)})

    @admin.action(description=_("End the selected rooms' meetings for everyone"))
    def end_meetings(self, request, queryset):
        ended = [room for room in queryset if act(self, request, actions.end_meeting, room)]
        message = ngettext("Ended %(count)d meeting.", "Ended %(count)d meetings.", len(ended))
        self.message_user(request, message % {"count": len(ended)})


from meetings import admin_api  # noqa: E402,F401  (API keys and invites)
