from django.db import models
from django.utils import timezone


class Participant(models.Model):
    """One live connection in a room: the roster every signalling worker shares through the database."""

    room = models.ForeignKey("meetings.Room", on_delete=models.CASCADE, related_name="participants")
    peer_id = models.CharField(max_length=32, unique=True)
    identity = models.CharField(max_length=150, help_text="The token's `sub`: a stable identity.")
    display_name = models.CharField(max_length=64)
    role = models.CharField(max_length=16)
    channel_name = models.CharField(max_length=200)
    joined_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["room", "last_seen"])]

    def __str__(self):
        return f"{self.display_name} ({self.peer_id}) in room {self.room_id}"
