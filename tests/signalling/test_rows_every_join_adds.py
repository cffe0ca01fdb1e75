"""The rows every join adds are INSERTed as plain SQL (signalling.store.insert), made by the model all the same:
what the ORM reads back is what the model said, defaults included, and a model someone listens to the saving of is
still saved the usual way."""

import pytest
from django.db.models.signals import post_save

from signalling import store
from signalling.models import Meeting

pytestmark = pytest.mark.django_db


def test_a_meeting_inserted_as_plain_sql_reads_back_as_the_model_made_it(alices_room):
    meeting = store.insert(Meeting(room=alices_room))

    assert meeting.pk is not None and not meeting._state.adding
    stored = Meeting.objects.get(pk=meeting.pk)
    assert (stored.room_id, stored.started_at, stored.ended_at, stored.seq, stored.media_route, stored.recording) == (
        alices_room.pk, meeting.started_at, None, 0, "mesh", False)


def test_a_model_someone_listens_to_is_saved_the_usual_way_so_the_receiver_still_hears_it(alices_room):
    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append((instance.pk, created))

    post_save.connect(receiver, sender=Meeting)
    try:
        meeting = store.insert(Meeting(room=alices_room))
    finally:
        post_save.disconnect(receiver, sender=Meeting)

    assert heard == [(meeting.pk, True)]
