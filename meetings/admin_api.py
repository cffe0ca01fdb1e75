"""Admin for the ways in without an account: API keys (shown once, stored hashed, revocable) and invite links."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from meetings import invites
from meetings.models import ApiKey, Invite


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "created_by", "created", "last_used", "status")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix")
    list_select_related = ("created_by",)
    actions = ["revoke"]
    # The hash is never shown: it is useless to a person and the only thing an attacker could try keys against.
    readonly_fields = ("key_prefix", "created_by", "created", "last_used", "revoked_at")

    filter_horizontal = ("rooms",)

    def get_fields(self, request, obj=None):
        # A key may issue tokens for its owner's rooms; `rooms` grants it others (a key without an owner has only those).
        if obj is None:
            return ("name", "rooms")
        return ("name", "rooms", "key_prefix", "created_by", "created", "last_used", "revoked_at")

    @admin.display(description=_("key"), ordering="prefix")
    def key_prefix(self, api_key):
        return f"{api_key.prefix}…"

    @admin.display(description=_("status"), ordering="revoked_at")
    def status(self, api_key):
        return _("active") if api_key.is_active else _("revoked")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        raw_key = obj.assign_new_key()
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            format_html(
                "The key for “{}” is <code>{}</code>. Copy it now: it is shown only this once and is not stored.",
                obj.name,
                raw_key,
            ),
        )

    @admin.action(description=_("Revoke the selected API keys"))
    def revoke(self, request, queryset):
        keys = list(queryset.filter(revoked_at__isnull=True))
        for api_key in keys:
            invites.revoke_api_key(api_key)
        self.message_user(
            request, ngettext("Revoked %d API key.", "Revoked %d API keys.", len(keys)) % len(keys), messages.SUCCESS
        )


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ("room", "short_token", "created_by", "created", "expires_at", "revoked_at", "usable")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("room__name", "room__slug", "created_by__username")
    list_select_related = ("room", "created_by")
    raw_id_fields = ("room",)
    actions = ["revoke"]
    readonly_fields = ("link", "created_by", "created", "revoked_at")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("room", "expires_at")
        return ("room", "link", "created_by", "created", "expires_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        # An invite's room is fixed once made: moving it would hand its guests another room.
        return (*self.readonly_fields, "room") if obj is not None else self.readonly_fields

    @admin.display(description=_("token"))
    def short_token(self, invite):
        return f"{invite.token[:6]}…"

    @admin.display(description=_("link"))
    def link(self, invite):
        return format_html('<a href="{0}">{0}</a>', invite.get_absolute_url())

    @admin.display(description=_("usable"), boolean=True)
    def usable(self, invite):
        return invite.is_usable()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if obj.expires_at is not None and obj.expires_at <= timezone.now() and not change:
            messages.warning(request, _("This invite expires in the past, so it cannot be used."))
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Revoke the selected invites"))
    def revoke(self, request, queryset):
        rows = list(queryset.filter(revoked_at__isnull=True))
        for invite in rows:
            invites.revoke_invite(invite)
        self.message_user(
            request, ngettext("Revoked %d invite.", "Revoked %d invites.", len(rows)) % len(rows), messages.SUCCESS
        )
