"""What the meetings app does when a meeting says something happened (meetings.signals)."""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone

from meetings import signals
from meetings.access import user_id_of


@receiver(signals.participant_joined)
def remember_the_visit(sender, meeting, participant, **kwargs):
    """Remember that an account joined this room, for "Your recent rooms"; guests and services leave no trace."""
    from meetings.models import RoomVisit

    user_id = user_id_of(participant.identity)
    # SQLite checks foreign keys only at commit: a token for an account deleted meanwhile must not fail the join.
    if user_id is None or not get_user_model().objects.filter(pk=user_id).exists():
        return
    try:
        with transaction.atomic():  # inside the admission: an account deleted meanwhile must not refuse the join
            RoomVisit.objects.update_or_create(
                user_id=user_id, room_id=meeting.room_id, defaults={"last_joined": timezone.now()}
            )
    except IntegrityError:
        pass
