"""A JanusSession's subscription against a stand-in for Janus's connection that answers as Janus 1.1 does: the orders
a republish under the same peer id (a reloaded page, a seat resumed on another worker) brings, each made certain.
The browser tests (test_a_reloaded_page_is_seen_again_through_the_server.py) meet them by chance with a real Janus."""

import asyncio
from types import SimpleNamespace

from sfu.backend import SubscribedStream
from sfu.janus import JanusSession

BOB_STREAMS = [{"type": "audio", "mindex": 0, "mid": "0", "codec": "opus"},
               {"type": "video", "mindex": 1, "mid": "1", "codec": "vp8", "simulcast": True}]


class JanusStandIn:
    """What the session sends on each handle, and Janus's replies: an offer for a join or an update."""

    url = "ws://janus.invalid"

    def __init__(self):
        self.requests = []  # (handle, body)
        self.listeners = {}
        self.subscribed = {}  # handle -> [(feed, mid)]

    async def attach(self, listener):
        handle = 100 + len(self.listeners)
        self.listeners[handle] = listener
        return handle

    async def detach(self, handle):
        self.listeners.pop(handle, None)

    async def message(self, handle, body, jsep=None, wants_event=False):
        self.requests.append((handle, body))
        request = body["request"]
        if request in ("join", "update") and body.get("ptype") != "publisher":
            added = [(s["feed"], s["mid"]) for s in body.get("streams", body.get("subscribe", []))]
            self.subscribed[handle] = self.subscribed.get(handle, []) + added
            return {"videoroom": "attached" if request == "join" else "updated",
                    "streams": streams_of(self.subscribed[handle])}, {"type": "offer", "sdp": "v=0 offer"}
        return {"videoroom": "event", "started": "ok"} if request == "start" else {}, None

    def unpublish(self, feed, publisher_handle):
        """A publisher's connection closed: its streams leave every subscription (their sections are reused later),
        each subscriber gets an offer without them, and the publishers hear "unpublished"."""
        for handle, pairs in self.subscribed.items():
            if any(f == feed for f, _ in pairs):
                self.subscribed[handle] = [pair for pair in pairs if pair[0] != feed]
                self.send(handle, {"videoroom": "updated", "room": "confer-1",
                                   "streams": streams_of(self.subscribed[handle]) + streams_of(pairs, active=False)},
                          jsep={"type": "offer", "sdp": "v=0 without " + feed})
        self.send(publisher_handle, {"videoroom": "event", "room": "confer-1", "unpublished": feed})

    def leave(self, feed, publisher_handle):
        """A publisher left the room before its connection closed: its streams leave every subscription without an
        offer (Janus 1.1 sent none in this order), and the publishers hear "leaving"."""
        for handle, pairs in self.subscribed.items():
            self.subscribed[handle] = [pair for pair in pairs if pair[0] != feed]
        self.send(publisher_handle, {"videoroom": "event", "room": "confer-1", "leaving": feed})

    def send(self, handle, data, jsep=None):
        """Janus sends an event on a handle, unasked."""
        message = {"janus": "event", "sender": handle, "plugindata": {"data": data}}
        if jsep is not None:
            message["jsep"] = jsep
        self.listeners[handle](message)


def streams_of(pairs, active=True):
    streams = []
    for index, (feed, mid) in enumerate(pairs):
        stream = {"type": "audio" if mid == "0" else "video", "mindex": index, "mid": str(index), "active": active}
        if active:
            stream.update({"feed_id": feed, "feed_mid": mid})
        streams.append(stream)
    return streams


def publishers(peer_id):
    return {"videoroom": "event", "room": "confer-1",
            "publishers": [{"id": peer_id, "display": "Bob", "streams": BOB_STREAMS}]}


async def alice_receives_bob():
    """Alice's session, subscribed to Bob's audio and camera, the offer answered; return (janus, session, events)."""
    janus, events = JanusStandIn(), []
    session = JanusSession(SimpleNamespace(token_secret="secret"), janus, "confer-1", "alice", "Alice", events.append)
    session.publisher = await janus.attach(session.listen_publisher)
    janus.send(session.publisher, publishers("bob"))
    offer = await session.subscribe("main", [SubscribedStream("bob", "audio"), SubscribedStream("bob", "video")])
    assert [s["feed"] for s in offer["streams"]] == ["bob", "bob"]
    assert await session.answer("main", "v=0 answer") is None
    handle = session.subscriptions["main"].handle
    janus.listeners[handle]({"janus": "webrtcup", "sender": handle})
    await session.configure("main", "1", 2)  # the page asks for its tile's layer of his camera
    janus.requests.clear()
    events.clear()
    return janus, session, events


async def settle():
    for _ in range(5):
        await asyncio.sleep(0)


async def test_an_offer_janus_makes_on_its_own_reaches_the_page_and_the_republish_follows_its_answer():
    janus, session, events = await alice_receives_bob()
    handle = session.subscriptions["main"].handle

    # Bob's connections close first: Janus unpublishes him and offers Alice's subscription without his streams.
    janus.unpublish("bob", session.publisher)
    offers = [event for event in events if event["type"] == "offer"]
    assert offers == [{"type": "offer", "subscription": "main", "description": {"type": "offer", "sdp": "v=0 without bob"},
                       "streams": []}]

    # His page publishes again under the same id and mids before Alice's page has answered: nothing is asked of
    # Janus while its offer waits, and the answer brings him back.
    janus.send(session.publisher, publishers("bob"))
    await settle()
    assert janus.requests == []
    offer = await session.answer("main", "v=0 answer")
    assert janus.requests[0] == (handle, {"request": "start"})
    assert janus.requests[1][1]["request"] == "update"
    assert [(s["feed"], s["mid"]) for s in janus.requests[1][1]["subscribe"]] == [("bob", "0"), ("bob", "1")]
    assert offer is not None and [s["feed"] for s in offer["streams"]] == ["bob", "bob"]
    assert len(janus.requests) == 2, "the page saw his mids go: it asks for their layers again itself"


async def test_a_kicked_publisher_leaves_the_feeds_and_is_subscribed_afresh_when_he_publishes_again():
    janus, session, events = await alice_receives_bob()
    handle = session.subscriptions["main"].handle

    # Bob's seat is resumed on another worker before his earlier session left the Janus room: that worker kicks it.
    janus.send(session.publisher, {"videoroom": "event", "room": "confer-1", "kicked": "bob"})
    assert "bob" not in session.feeds
    assert {"type": "feeds", "feeds": []} in events
    janus.send(session.publisher, publishers("bob"))
    await settle()
    assert [body["request"] for _, body in janus.requests] == ["update"]
    assert janus.requests[0][0] == handle
    assert [(s["feed"], s["mid"]) for s in janus.requests[0][1]["subscribe"]] == [("bob", "0"), ("bob", "1")]
    assert [event["type"] for event in events][-1] == "offer"


async def test_a_publisher_who_left_and_published_again_gets_the_layer_the_page_asked_for_before():
    janus, session, events = await alice_receives_bob()
    handle = session.subscriptions["main"].handle

    # Bob's old session leaves the room first: Janus sends Alice's subscription no offer, so her page still has
    # his streams at the same mids when he comes back under the same id, and keeps the layer it asked for.
    janus.leave("bob", session.publisher)
    janus.send(session.publisher, publishers("bob"))
    await settle()
    assert [body["request"] for _, body in janus.requests] == ["update"]
    offer = [event for event in events if event["type"] == "offer"][-1]
    assert [(s["mid"], s["feed"]) for s in offer["streams"]] == [("0", "bob"), ("1", "bob")]

    # He is subscribed afresh, at the smallest layer: after her answer the server asks for hers again.
    assert await session.answer("main", "v=0 answer") is None
    assert janus.requests[1:] == [(handle, {"request": "start"}),
                                  (handle, {"request": "configure", "streams": [{"mid": "1", "substream": 2}]})]
