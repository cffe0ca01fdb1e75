from django.db import models
from django.db.models import Q
from django.utils import timezone


class Meeting(models.Model):
    """One session of a room: from the first join until it is ended or has stood empty for a while.

    Its `seq` numbers the room events of this meeting; bans and chat belong to it.
    """

    room = models.ForeignKey("meetings.Room", on_delete=models.CASCADE, related_name="meetings")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=32, blank=True)
    seq = models.PositiveBigIntegerField(default=0)
    emptied_at = models.DateTimeField(null=True, blank=True, help_text="When its last participant left.")
    recording = models.BooleanField(default=False, help_text="Everyone is told while this is on.")
    media_route = models.CharField(
        max_length=8, default="mesh", help_text="How media flows now: mesh (browser to browser) or sfu (the server)."
    )
    media_instance = models.CharField(
        max_length=200, blank=True, help_text="The media server instance (a JANUS_URLS entry) that holds this meeting."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room"], condition=Q(ended_at__isnull=True), name="one_live_meeting_per_room")
        ]

    def __str__(self):
        return f"Meeting {self.pk} of room {self.room_id}"


class Participant(models.Model):
    """One person in a meeting: the roster every signalling worker shares through the database."""

    class Status(models.TextChoices):
        LOBBY = "lobby"
        JOINED = "joined"
        AWAY = "away"  # the socket dropped; the seat is kept for the resume grace window

    room = models.ForeignKey("meetings.Room", on_delete=models.CASCADE, related_name="participants")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    peer_id = models.CharField(max_length=32, unique=True)
    identity = models.CharField(max_length=150, help_text="The token's `sub`: a stable identity.")
    display_name = models.CharField(max_length=64)
    role = models.CharField(max_length=16)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.JOINED)
    channel_name = models.CharField(max_length=200)
    resume_hash = models.CharField(max_length=64)
    joined_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    audio = models.BooleanField(default=False)
    video = models.BooleanField(default=False)
    screen = models.BooleanField(default=False)
    hand = models.BooleanField(default=False)
    hand_raised_at = models.DateTimeField(null=True, blank=True, help_text="When the hand went up: the queue's order.")
    # What a removal holds against besides the identity (docs/security.md): the browser, the address, the invite.
    device = models.CharField(max_length=64, blank=True)
    address = models.CharField(max_length=64, blank=True)
    invite = models.CharField(max_length=64, blank=True)
    like_removed = models.BooleanField(default=False, help_text="Came from where someone removed came from.")

    class Meta:
        indexes = [models.Index(fields=["room", "status"]), models.Index(fields=["last_seen"])]

    def __str__(self):
        return f"{self.display_name} ({self.peer_id}) in room {self.room_id}"


class Removal(models.Model):
    """Someone removed from a meeting by a moderator, for the rest of it: their identity and browser are refused,
    and newcomers from their address or through their invite wait in the lobby."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="removals")
    identity = models.CharField(max_length=150)
    device = models.CharField(max_length=64, blank=True)
    address = models.CharField(max_length=64, blank=True)
    invite = models.CharField(max_length=64, blank=True)
    removed_at = models.DateTimeField(default=timezone.now)
    removed_by = models.CharField(max_length=150)

    class Meta:
        indexes = [models.Index(fields=["meeting", "identity"])]


class ChatMessage(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="chat_messages")
    seq = models.PositiveBigIntegerField(null=True, blank=True, help_text="The room event's seq; null when private.")
    sender_peer_id = models.CharField(max_length=32)
    sender_identity = models.CharField(max_length=150)
    sender_name = models.CharField(max_length=64)
    recipient_peer_id = models.CharField(max_length=32, blank=True)
    recipient_identity = models.CharField(max_length=150, blank=True)
    text = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["meeting", "sent_at"])]
        ordering = ["sent_at", "pk"]
