import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SLUG_ALPHABET = "abcdefghijkmnopqrstuvwxyz23456789"  # no l, 0, 1: easy to read aloud and type


def make_room_slug():
    """Return an unguessable, readable room slug like `k7dq-m3xa-p9wn` (about 60 bits)."""
    groups = ("".join(secrets.choice(SLUG_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


def default_max_participants():
    return settings.ROOM_DEFAULT_MAX_PARTICIPANTS


def default_media_route():
    return settings.ROOM_DEFAULT_MEDIA_ROUTE


class Room(models.Model):
    class Access(models.TextChoices):
        MEMBERS = "members", _("Members only")
        LINK = "link", _("Anyone signed in with the link")
        ANYONE = "anyone", _("Anyone with the link: people without an account join as guests")

    GUEST_ACCESS = (Access.ANYONE,)  # rules under which the room's own link lets in people without an account

    slug = models.SlugField(max_length=32, unique=True, default=make_room_slug, editable=False)
    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_rooms")
    created = models.DateTimeField(default=timezone.now, editable=False)
    access = models.CharField(_("access"), max_length=16, choices=Access.choices, default=Access.LINK)
    max_participants = models.PositiveSmallIntegerField(
        _("max participants"),
        default=default_max_participants,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text=_("Past a few people, choose “Through the server” or “Automatic” for the media route."),
    )
    is_locked = models.BooleanField(_("locked"), default=False, help_text=_("Nobody new can join a locked room."))
    requires_approval = models.BooleanField(
        _("lobby"), default=False, help_text=_("Newcomers wait in a lobby until a host or moderator admits them.")
    )
    password_hash = models.CharField(_("room password"), max_length=128, blank=True, editable=False)
    ice_transport_policy = models.CharField(
        _("ICE transport policy"),
        max_length=8,
        blank=True,
        choices=[("", _("Deployment default")), ("all", _("Any route")), ("relay", _("Relay (TURN) only"))],
        help_text=_("'Relay only' hides participants' addresses from each other and works where only TURN gets through."),
    )
    class MediaRoute(models.TextChoices):
        MESH = "mesh", _("Browser to browser")
        SFU = "sfu", _("Through the server")
        AUTO = "auto", _("Automatic")

    media_route = models.CharField(
        _("media route"),
        max_length=8,
        choices=MediaRoute.choices,
        default=default_media_route,
        help_text=_(
            "Browser to browser: every participant sends to every other, fine for a few people. Through the server: "
            "each sends once and the server forwards, for large meetings. Automatic: browser to browser until the "
            "meeting grows past a few people, then through the server."
        ),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="RoomMember", related_name="member_rooms", blank=True
    )

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"{self.name} ({self.slug})"

    def get_absolute_url(self):
        return reverse("room", args=[self.slug])

    def set_password(self, raw_password):
        """Set or (with an empty value) clear the room password; only its hash is kept."""
        self.password_hash = make_password(raw_password) if raw_password else ""

    def check_password(self, raw_password):
        return not self.password_hash or (
            isinstance(raw_password, str) and check_password(raw_password, self.password_hash)
        )

    @property
    def has_password(self):
        return bool(self.password_hash)

    @property
    def lets_in_guests(self):
        """Whether the room's own link lets in people without an account (invite links always do)."""
        return self.access in self.GUEST_ACCESS


class RoomMember(models.Model):
    """Someone a members-only room lets in: an account, named by what the owner typed (a username or an email).

    The owner sees the entry as typed whether or not it matched an account (`user` is then empty), so the room's
    settings never tell anyone which accounts exist.
    """

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    added_as = models.CharField(max_length=254, blank=True, help_text="What the room's owner typed to add them.")
    added = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="unique_room_member")]

    def __str__(self):
        return f"{self.user or self.added_as} in {self.room}"

    @property
    def label(self):
        """How the room's settings show this member: as typed, so that no answer says whether it matched."""
        return self.added_as or (self.user.username if self.user else "")


class RoomVisit(models.Model):
    """When an account last joined a room's meeting: "Your recent rooms" lists rooms joined, not only owned."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_visits")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="visits")
    last_joined = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "room"], name="one_visit_row_per_user_and_room")]
        indexes = [models.Index(fields=["user", "-last_joined"])]

    def __str__(self):
        return f"{self.user} in {self.room} at {self.last_joined:%Y-%m-%d %H:%M}"


class Invite(models.Model):
    """A link a room's owner hands to people without an account: they join as guests of that room only."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="invites")
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Invite to {self.room} ({self.token[:6]}…)"

    def is_usable(self, now=None):
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def get_absolute_url(self):
        return reverse("invite", args=[self.token])


def hash_api_key(raw_key):
    return hashlib.sha256(raw_key.encode()).hexdigest()


class ApiKey(models.Model):
    """A key a service sends in `Authorization: Api-Key <key>`; only its hash is stored."""

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, editable=False, db_index=True)
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True, editable=False)
    rooms = models.ManyToManyField(
        Room, blank=True, related_name="api_keys",
        help_text="Rooms this key may issue tokens for, besides the rooms its owner owns.",
    )

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def may_issue_tokens_for(self, room):
        """Return whether this key may let people into the room: its owner's rooms, and rooms granted to it."""
        return (self.created_by_id is not None and room.owner_id == self.created_by_id) or self.rooms.filter(
            pk=room.pk
        ).exists()

    @classmethod
    def create_key(cls, name, created_by=None):
        """Create a key and return (ApiKey, raw key); the raw key is never stored and shown only this once."""
        api_key = cls(name=name, created_by=created_by)
        raw_key = api_key.assign_new_key()
        api_key.save()
        return api_key, raw_key

    def assign_new_key(self):
        """Give this unsaved key a fresh secret and return it; only its prefix and hash are kept."""
        raw_key = "cfk_" + secrets.token_urlsafe(32)
        self.prefix = raw_key[:12]
        self.hashed_key = hash_api_key(raw_key)
        return raw_key

    @property
    def is_active(self):
        return self.revoked_at is None
