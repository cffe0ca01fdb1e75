"""One event of each type, caused by the real flows, reaches a real receiver, signed, with its documented body."""

from datetime import datetime

import pytest

from tests.servers import LOOPBACK, free_port
from tests.signalling_client import SignallingClient, room_token
from tests.webhooks.conftest import add_endpoint, bodies, remove_endpoints
from webhooks.events import EVENT_TYPES

pytestmark = pytest.mark.slow


def test_every_event_type_arrives_once_verified_with_its_room_and_details(deployment, receivers):
    port = free_port()
    _, secret = add_endpoint(deployment, f"http://{LOOPBACK}:{port}/hooks")
    receiver = receivers(secret, port=port)
    deployment.start_command("deliver_webhooks", "--poll", "0.1")
    worker = deployment.start_worker()
    try:
        # room.created, with a lobby so that Carol knocks.
        slug = deployment.run_python(
            "import json\nfrom accounts.models import User\nfrom meetings import actions\n"
            "room = actions.create_room(User.objects.get(username='alice'), 'Quarterly review')\n"
            "actions.update_room(room, requires_approval=True)\nprint(json.dumps(room.slug))"
        )
        ids = dict(deployment.sql("SELECT username, id FROM accounts_user"))

        # meeting.started, participant.joined (Alice), lobby.knocked and participant.joined (Carol),
        # participant.left (Carol), meeting.ended: all through the real signalling server.
        alice = SignallingClient(worker.ws_url, slug)
        carol = SignallingClient(worker.ws_url, slug)
        try:
            assert alice.join(room_token(slug, f"user:{ids['alice']}", "Alice", role="host"))["type"] == "welcome"
            assert carol.join(room_token(slug, f"user:{ids['carol']}", "Carol"))["type"] == "lobby"
            alice.receive_type("lobby-updated")
            alice.send({"type": "admit", "peer_id": carol.peer_id})
            carol.receive_type("welcome")
            carol_peer_id = carol.peer_id
            carol.send({"type": "leave"})
            alice.receive_type("peer-left")
            alice.send({"type": "end-meeting"})
            alice.wait_closed()
        finally:
            alice.close()
            carol.close()

        # recording.started, recording.finished, recording.failed: through the recording actions the recorder calls.
        deployment.run_python(
            "import json\nfrom meetings import actions\nfrom meetings.models import Room\n"
            "from recordings.models import Recording\n"
            f"room = Room.objects.get(slug={slug!r})\n"
            "done = Recording.objects.create(room=room, started_by='user:1')\n"
            "actions.recording_started(done.pk)\n"
            "actions.finish_recording(done.pk, Recording.Status.DONE, 'requested')\n"
            "lost = Recording.objects.create(room=room, started_by='user:1')\n"
            "actions.recording_started(lost.pk)\n"
            "actions.finish_recording(lost.pk, Recording.Status.FAILED, 'recorder-lost', 'The recorder process stopped.')\n"
            "print(json.dumps(True))"
        )
        # room.deleted
        deployment.run_python(
            "import json\nfrom meetings import actions\nfrom meetings.models import Room\n"
            f"actions.delete_room(Room.objects.get(slug={slug!r}))\nprint(json.dumps(True))"
        )

        received = receiver.wait_for(
            lambda got: {body["type"] for body in bodies(got)} >= set(EVENT_TYPES) and
            sum(body["type"] == "participant.left" for body in bodies(got)) >= 2,
            what="one event of each type",
        )
    finally:
        remove_endpoints(deployment)

    assert all(entry["verified"] for entry in received), [entry["error"] for entry in received]
    events = bodies(received)
    for entry, body in zip(received, events):
        assert body["id"] == entry["webhook_id"]
        assert body["room"] == slug
        assert datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
    by_type = {}
    # Deliveries run in parallel, so they may arrive out of order; the timestamp says when each thing happened.
    for body in sorted(events, key=lambda body: body["timestamp"]):
        by_type.setdefault(body["type"], []).append(body["data"])
    assert sorted(by_type) == sorted(EVENT_TYPES)
    assert by_type["room.created"] == [{"name": "Quarterly review", "owner": "alice", "access": "link"}]
    assert [data["name"] for data in by_type["participant.joined"]] == ["Alice", "Carol"]
    assert by_type["lobby.knocked"][0]["peer_id"] == carol_peer_id
    assert by_type["lobby.knocked"][0]["identity"] == f"user:{ids['carol']}"
    assert [(data["name"], data["reason"]) for data in by_type["participant.left"]] == [
        ("Carol", "left"), ("Alice", "meeting-ended")]
    assert by_type["meeting.ended"][0]["reason"] == "ended"
    assert by_type["meeting.ended"][0]["meeting_id"] == by_type["meeting.started"][0]["meeting_id"]
    assert by_type["recording.finished"][0]["reason"] == "requested"
    assert by_type["recording.failed"][0]["error"] == "The recorder process stopped."
    assert by_type["recording.started"][0]["recording_id"] == by_type["recording.finished"][0]["recording_id"]
    # Each event exactly once here: nothing failed, so nothing was sent twice.
    assert len({body["id"] for body in events}) == len(events)
