"""What happens to rooms, meetings and recordings, told to whoever listens (webhooks, metrics).

Each signal is sent from inside the transaction that makes the change, so a receiver that writes to the database
(a webhook outbox) commits or rolls back with it. Receivers must be quick and must not publish anything
themselves: the change's own caller publishes after commit.

| signal | sent with |
| --- | --- |
| room_created | room |
| room_deleted | room (its row is about to go; read what you need now) |
| meeting_started | meeting (meeting.room is loaded) |
| meeting_ended | meeting, reason ("ended", "empty", "deleted") |
| participant_joined | meeting, participant (seated and visible, not a lobby guest nor a recorder) |
| participant_left | meeting, participant, reason (as in the `peer-left` event) |
| lobby_knocked | meeting, participant (now waiting in the lobby) |
| recording_started | recording (the recorder has joined and records) |
| recording_finished | recording (status done) |
| recording_failed | recording (status failed; recording.error says why) |
"""

from django.dispatch import Signal

room_created = Signal()
room_deleted = Signal()
meeting_started = Signal()
meeting_ended = Signal()
participant_joined = Signal()
participant_left = Signal()
lobby_knocked = Signal()
recording_started = Signal()
recording_finished = Signal()
recording_failed = Signal()
