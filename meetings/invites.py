"""Actions on the ways in without an account: invite links for guests and API keys for services.

Called by the API, the admin and the management commands alike (see meetings/actions.py for rooms).
"""

from django.utils import timezone

from meetings.models import ApiKey, Invite


class InviteExpiryInPast(ValueError):
    """An invite cannot be made already expired."""


def create_invite(room, created_by, expires_at=None):
    """Create an invite link to this room; it lets guests in until it expires or is revoked."""
    if expires_at is not None and expires_at <= timezone.now():
        raise InviteExpiryInPast("An invite must expire in the future.")
    return Invite.objects.create(room=room, created_by=created_by, expires_at=expires_at)


def revoke_invite(invite):
    """Stop an invite from letting anyone else in; the row stays, with the time it was revoked."""
    if invite.revoked_at is None:
        invite.revoked_at = timezone.now()
        Invite.objects.filter(pk=invite.pk, revoked_at__isnull=True).update(revoked_at=invite.revoked_at)
    return invite


def create_api_key(name, created_by=None):
    """Create an API key; return (ApiKey, raw key). The raw key is shown this once and never stored."""
    return ApiKey.create_key(name, created_by=created_by)


def revoke_api_key(api_key):
    """Refuse this key from now on; the row stays, with the time it was revoked."""
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=api_key.revoked_at)
    return api_key
