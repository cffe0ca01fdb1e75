"""The live roster in the admin: who is in which meeting, and removing or muting them as a moderator would."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from meetings import actions
from meetings.admin import act
from signalling.contract import HIDDEN_ROLES
from signalling.models import Participant


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["display_name", "room", "role", "status", "audio", "video", "joined_at", "last_seen"]
    list_filter = ["status", "role"]
    search_fields = ["display_name", "peer_id", "room__name", "room__slug"]
    list_select_related = ["room"]
    fields = readonly_fields = ["display_name", "peer_id", "room", "meeting", "role", "status", "identity",
                                "joined_at", "last_seen", "disconnected_at", "audio", "video", "screen", "hand"]
    actions = ["remove_from_meeting", "mute_microphones", "mute_cameras"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(role__in=HIDDEN_ROLES)

    def has_add_permission(self, request):
        return False  # people join through the room page or a token

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deleting the row would leave its socket open: remove them from the meeting instead

    @admin.action(description=_("Remove from the meeting (they cannot come back to it)"))
    def remove_from_meeting(self, request, queryset):
        self.each(request, queryset, actions.remove_participant,
                  lambda count: ngettext("Removed %(count)d person.", "Removed %(count)d people.", count))

    @admin.action(description=_("Turn their microphone off"))
    def mute_microphones(self, request, queryset):
        self.each(request, queryset, actions.mute,
                  lambda count: ngettext("Muted %(count)d microphone.", "Muted %(count)d microphones.", count),
                  kind="audio")

    @admin.action(description=_("Turn their camera off"))
    def mute_cameras(self, request, queryset):
        self.each(request, queryset, actions.mute,
                  lambda count: ngettext("Turned %(count)d camera off.", "Turned %(count)d cameras off.", count),
                  kind="video")

    def each(self, request, queryset, change, say, **kwargs):
        done = [p for p in queryset.select_related("room") if act(self, request, change, p.room, p.peer_id, **kwargs)]
        self.message_user(request, say(len(done)) % {"count": len(done)})
