"""What the recorder asks the server for as a participant's feed changes through the server
(recordings.through_server): the camera's subscription stays as it is, a shared screen has one of its own for as
long as it is shared. tests/sfu/test_a_screen_shared_through_the_server_is_recorded.py has the real thing."""

from recordings.through_server import FeedRecording

CAMERA = [{"mid": "0", "type": "audio"}, {"mid": "1", "type": "video"}]
SCREEN = {"mid": "2", "type": "video", "description": "screen"}


class Recorder:
    """Only what a FeedRecording uses of RoomRecorder while nothing connects: it keeps what would be sent."""

    def __init__(self):
        self.sent = []

    async def send(self, message):
        self.sent.append(message)


def subscribe(name, *mids):
    return {"type": "sfu-subscribe", "subscription": name, "streams": [{"feed": "p_ann", "mid": m} for m in mids]}


def unsubscribe(name):
    return {"type": "sfu-unsubscribe", "subscription": name}


async def test_a_screen_has_a_subscription_of_its_own_while_it_is_shared_and_the_cameras_is_left_alone():
    recorder = Recorder()
    ann = FeedRecording(recorder, {"peer_id": "p_ann", "name": "Ann"})
    for streams in (CAMERA, CAMERA + [SCREEN], CAMERA + [SCREEN], CAMERA, CAMERA + [SCREEN]):
        await ann.follow(streams)
    assert recorder.sent == [
        subscribe("p_ann", "0", "1"),
        subscribe("p_ann:screen", "2"),
        unsubscribe("p_ann:screen"),
        subscribe("p_ann:screen", "2"),
    ]


async def test_an_offer_for_a_screen_let_go_makes_no_connection():
    recorder = Recorder()
    ann = FeedRecording(recorder, {"peer_id": "p_ann", "name": "Ann"})
    await ann.follow(CAMERA + [SCREEN])
    await ann.follow(CAMERA)
    # Janus's offer that drops the stream, sent before the server heard we let the subscription go.
    await ann.screen.on_offer({"type": "sfu-offer", "subscription": "p_ann:screen", "streams": [],
                               "description": {"type": "offer", "sdp": "v=0\r\n"}})
    assert ann.screen.pc is None and ann.sinks == []


async def test_a_participant_who_leaves_has_its_subscriptions_let_go():
    recorder = Recorder()
    ann = FeedRecording(recorder, {"peer_id": "p_ann", "name": "Ann"})
    await ann.follow(CAMERA + [SCREEN])
    recorder.sent.clear()
    await ann.close()
    assert recorder.sent == [unsubscribe("p_ann"), unsubscribe("p_ann:screen")]
