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


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "owner", "access", "is_locked", "live_count", "created"]
    list_filter = ["access", "is_locked", "created"]
    search_fields = ["name", "slug", "owner__username"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    readonly_fields = ["slug", "created"]
    fields = ["name", "slug", "owner", "created", "access", "max_participants", "is_locked", "media_route"]
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
        if not change:
            actions.save_new_room(obj)
            return
        rules = {name: form.cleaned_data[name] for name in form.changed_data if name in actions.ROOM_RULES}
        others = [name for name in form.changed_data if name not in actions.ROOM_RULES]
        if others:
            Room.objects.filter(pk=obj.pk).update(**{name: getattr(obj, name) for name in others})
        act(self, request, actions.update_room, obj, **rules)

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
