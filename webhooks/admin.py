"""Webhooks in the admin: endpoints (secret shown once; disabled ones stand out and can be re-enabled), and the
delivery log with every attempt's status code, latency and error."""

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from webhooks import delivery
from webhooks.events import EVENT_TYPES
from webhooks.models import Delivery, DeliveryAttempt, Endpoint, new_secret


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("Event types"), choices=[(name, name) for name in EVENT_TYPES], required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Tick none to receive every event."),
    )

    class Meta:
        model = Endpoint
        fields = ["name", "url", "event_types", "is_active"]


def show_secret_once(request, endpoint, secret, verb):
    messages.warning(
        request,
        format_html(
            "The signing secret of “{}” {} <code>{}</code>. Copy it to the receiver now: it is not shown again "
            "(rotate it to get a new one).",
            endpoint.name, verb, secret,
        ),
    )


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["name", "url", "state", "events", "waiting", "disabled_reason"]
    list_filter = ["is_active", ("failing_since", admin.EmptyFieldListFilter)]
    search_fields = ["name", "url"]
    readonly_fields = ["secret_hint", "state", "failing_since", "disabled_at", "disabled_reason", "created",
                       "created_by"]
    actions = ["enable_endpoints", "disable_endpoints", "rotate_secrets"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "url", "event_types"]
        return ["name", "url", "event_types", "is_active", "state", "secret_hint", "failing_since",
                "disabled_at", "disabled_reason", "created", "created_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            pending=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.PENDING))
        )

    @admin.display(description=_("state"), ordering="is_active")
    def state(self, endpoint):
        if not endpoint.is_active:
            colour, text = "#c2362f", _("disabled")
        elif endpoint.failing_since:
            colour, text = "#8a5a00", _("failing")
        else:
            colour, text = "#1d7a4f", _("active")
        return format_html('<strong style="color:{}">{}</strong>', colour, text)

    @admin.display(description=_("events"))
    def events(self, endpoint):
        return ", ".join(endpoint.event_types) if endpoint.event_types else _("all")

    @admin.display(description=_("waiting"), ordering="pending")
    def waiting(self, endpoint):
        return endpoint.pending

    @admin.display(description=_("secret"))
    def secret_hint(self, endpoint):
        return endpoint.secret_hint

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.secret = new_secret()
        if change and "is_active" in form.changed_data:
            # Through the same functions as the actions: re-enabling makes its waiting deliveries due at once.
            super().save_model(request, obj, form, change)
            (delivery.enable if obj.is_active else delivery.disable)(obj)
            return
        super().save_model(request, obj, form, change)
        if not change:
            show_secret_once(request, obj, obj.secret, "is")

    @admin.action(description=_("Enable the selected endpoints (their waiting deliveries are sent at once)"))
    def enable_endpoints(self, request, queryset):
        endpoints = list(queryset)
        for endpoint in endpoints:
            delivery.enable(endpoint)
        self.message_user(request, ngettext("Enabled %d endpoint.", "Enabled %d endpoints.", len(endpoints))
                          % len(endpoints), messages.SUCCESS)

    @admin.action(description=_("Disable the selected endpoints"))
    def disable_endpoints(self, request, queryset):
        endpoints = list(queryset.filter(is_active=True))
        for endpoint in endpoints:
            delivery.disable(endpoint, f"Disabled by {request.user.username}.")
        self.message_user(request, ngettext("Disabled %d endpoint.", "Disabled %d endpoints.", len(endpoints))
                          % len(endpoints), messages.SUCCESS)

    @admin.action(description=_("Rotate the signing secret of the selected endpoints"))
    def rotate_secrets(self, request, queryset):
        for endpoint in queryset:
            endpoint.secret = new_secret()
            endpoint.save(update_fields=["secret"])
            show_secret_once(request, endpoint, endpoint.secret, "is now")


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ["attempted_at", "succeeded", "status_code", "latency_ms", "error", "worker"]
    verbose_name_plural = _("Attempts (newest first)")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_id", "event_type", "room", "endpoint", "status", "attempts", "last_status_code",
                    "last_error", "next_attempt_at", "created"]
    list_filter = ["status", "event__type", "endpoint"]
    search_fields = ["event__event_id", "event__room_slug", "endpoint__name"]
    list_select_related = ["event", "endpoint"]
    date_hierarchy = "created"
    fields = readonly_fields = ["event_id", "event_type", "room", "endpoint", "status", "attempts", "next_attempt_at",
                                "last_status_code", "last_error", "delivered_at", "created", "payload"]
    inlines = [AttemptInline]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("event id"), ordering="event__event_id")
    def event_id(self, item):
        return item.event.event_id

    @admin.display(description=_("type"), ordering="event__type")
    def event_type(self, item):
        return item.event.type

    @admin.display(description=_("room"), ordering="event__room_slug")
    def room(self, item):
        return item.event.room_slug

    @admin.display(description=_("body"))
    def payload(self, item):
        return format_html("<pre>{}</pre>", json.dumps(json.loads(item.event.payload), indent=2))

    @admin.action(description=_("Send the selected deliveries again now"))
    def retry_now(self, request, queryset):
        from django.utils import timezone

        count = queryset.update(status=Delivery.Status.PENDING, next_attempt_at=timezone.now())
        self.message_user(request, ngettext("%d delivery will be sent again.", "%d deliveries will be sent again.",
                                            count) % count, messages.SUCCESS)
