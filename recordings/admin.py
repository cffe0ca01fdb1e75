from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from meetings import actions
from meetings.admin import RoomAdmin, act
from recordings import composer, service
from recordings.models import Composition, RecorderProcess, Recording, RecordingFile


def download_url(recording_file):
    recording = recording_file.recording
    return reverse("api-room-recording-file", args=[recording.room.slug, recording.pk, recording_file.pk])


class RecordingFileInline(admin.TabularInline):
    model = RecordingFile
    extra = 0
    can_delete = False
    fields = readonly_fields = ["download", "participant_name", "label", "duration", "size", "started_at", "ended_at",
                                "dropped_video_frames", "max_lag"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def download(self, recording_file):
        name = recording_file.file.name.rsplit("/", 1)[-1]
        return format_html('<a href="{}" download>{}</a>', download_url(recording_file), name)


def composed_url(recording):
    return reverse("api-room-recording-composed", args=[recording.room.slug, recording.pk])


@admin.register(Recording)
class RecordingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "room", "status", "stop_reason", "fell_behind", "composed", "started_by",
                    "requested_at", "ended_at", "downloads"]
    list_filter = ["status", "stop_reason", "fell_behind", "composition__status", "requested_at"]
    search_fields = ["room__name", "room__slug", "started_by"]
    list_select_related = ["room", "composition"]
    date_hierarchy = "requested_at"
    readonly_fields = ["room", "status", "stop_reason", "error", "fell_behind", "composed", "composition_error",
                       "started_by", "started_by_user", "stopped_by", "requested_at", "started_at", "ended_at",
                       "recorder", "recorder_channel"]
    fields = readonly_fields
    inlines = [RecordingFileInline]
    actions = ["stop_recordings", "compose_again"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("files")

    def has_add_permission(self, request):
        return False  # start one from the room's admin page (an action on rooms) or the room page

    @admin.display(description=_("files"))
    def downloads(self, recording):
        files = list(recording.files.all())
        for recording_file in files:
            recording_file.recording = recording
        return format_html_join(
            " ", '<a href="{}" download>{}</a>',
            ((download_url(f), f.file.name.rsplit("/", 1)[-1]) for f in files),
        ) or "—"

    @admin.display(description=_("composed file"), ordering="composition__status")
    def composed(self, recording):
        composition = getattr(recording, "composition", None)  # None when there is none (no row)
        if composition is None:
            return "—"
        if composition.status == Composition.Status.DONE and composition.file:
            return format_html('<a href="{}" download>{}</a> ({})', composed_url(recording),
                               composition.file.name.rsplit("/", 1)[-1], composition.get_status_display())
        if composition.status == Composition.Status.RUNNING:
            return format_html("{} {}%", composition.get_status_display(), round(composition.progress))
        return composition.get_status_display()

    @admin.display(description=_("composition error"))
    def composition_error(self, recording):
        composition = getattr(recording, "composition", None)  # None when there is none (no row)
        return (composition.error if composition else "") or "—"

    @admin.action(description=_("Compose the selected recordings again"))
    def compose_again(self, request, queryset):
        for recording in queryset:
            try:
                composer.retry(recording)
                self.message_user(request, _("%(recording)s will be composed again.") % {"recording": recording})
            except composer.CannotRetry as error:
                self.message_user(request, f"{recording}: {error}", messages.WARNING)

    @admin.action(description=_("Stop the selected recordings"))
    def stop_recordings(self, request, queryset):
        for recording in queryset.filter(status__in=Recording.ACTIVE).select_related("room"):
            act(self, request, actions.stop_recording, recording.room)


@admin.register(RecorderProcess)
class RecorderProcessAdmin(admin.ModelAdmin):
    list_display = ["__str__", "hostname", "pid", "started_at", "last_seen", "alive"]
    readonly_fields = ["channel_name", "hostname", "pid", "started_at", "last_seen"]

    def has_add_permission(self, request):
        return False

    @admin.display(boolean=True, description=_("alive"))
    def alive(self, process):
        return process.last_seen >= service.stale_before()


# Hosts' start and stop in the rooms' admin too: actions added to the rooms' admin from here, so the rooms' admin
# need not know this app.
@admin.action(description=_("Start recording the selected rooms' meetings"))
def start_recording(modeladmin, request, queryset):
    for room in queryset:
        if act(modeladmin, request, actions.start_recording, room):
            modeladmin.message_user(request, _("Recording %(room)s.") % {"room": room})


@admin.action(description=_("Stop recording the selected rooms' meetings"))
def stop_recording(modeladmin, request, queryset):
    for room in queryset:
        if act(modeladmin, request, actions.stop_recording, room) is not None:
            modeladmin.message_user(request, _("Stopping the recording of %(room)s.") % {"room": room})


def add_room_actions():
    RoomAdmin.actions = [*RoomAdmin.actions, start_recording, stop_recording]


add_room_actions()
