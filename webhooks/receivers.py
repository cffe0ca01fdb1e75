"""Turn meetings.signals into webhook events. Connected once, in WebhooksConfig.ready().

Each receiver only writes rows (webhooks.outbox): the signals are sent inside the change's transaction, and
a receiver that sent HTTP there would hold the room's lock for as long as a stranger's server takes to answer.
"""

from meetings import signals
from webhooks import events
from webhooks.outbox import record


def room_slug_of(meeting):
    return meeting.room.slug


def room_created(sender, room, **kwargs):
    record(events.ROOM_CREATED, room.slug, events.room_data(room))


def room_deleted(sender, room, **kwargs):
    record(events.ROOM_DELETED, room.slug, events.room_data(room))


def meeting_started(sender, meeting, **kwargs):
    record(events.MEETING_STARTED, room_slug_of(meeting), events.meeting_data(meeting))


def meeting_ended(sender, meeting, reason, **kwargs):
    record(events.MEETING_ENDED, room_slug_of(meeting), events.ended_meeting_data(meeting, reason))


def participant_joined(sender, meeting, participant, **kwargs):
    record(events.PARTICIPANT_JOINED, room_slug_of(meeting), events.participant_data(meeting, participant))


def participant_left(sender, meeting, participant, reason, **kwargs):
    data = {**events.participant_data(meeting, participant), "reason": reason}
    record(events.PARTICIPANT_LEFT, room_slug_of(meeting), data)


def lobby_knocked(sender, meeting, participant, **kwargs):
    record(events.LOBBY_KNOCKED, room_slug_of(meeting), events.participant_data(meeting, participant))


def recording_started(sender, recording, **kwargs):
    record(events.RECORDING_STARTED, recording.room.slug, events.recording_data(recording))


def recording_finished(sender, recording, **kwargs):
    data = events.finished_recording_data(recording, recording.files.all())
    record(events.RECORDING_FINISHED, recording.room.slug, data)


def recording_failed(sender, recording, **kwargs):
    record(events.RECORDING_FAILED, recording.room.slug, events.failed_recording_data(recording))


RECEIVERS = {
    signals.room_created: room_created,
    signals.room_deleted: room_deleted,
    signals.meeting_started: meeting_started,
    signals.meeting_ended: meeting_ended,
    signals.participant_joined: participant_joined,
    signals.participant_left: participant_left,
    signals.lobby_knocked: lobby_knocked,
    signals.recording_started: recording_started,
    signals.recording_finished: recording_finished,
    signals.recording_failed: recording_failed,
}


def connect():
    for signal, receiver in RECEIVERS.items():
        signal.connect(receiver, dispatch_uid=f"webhooks.{receiver.__name__}")
