"""Janus's VideoRoom behind sfu.backend's interface: an asyncio client of Janus's WebSocket API.

One connection and one Janus session per instance per worker; each participant's MediaSession holds its own handles
in it (a publisher handle, and one handle per subscription). Every request carries a signed token (Janus's
token_auth): only Confer has the secret, so nobody else can create, join or subscribe to anything. Rooms are made
with the VideoRoom admin_key and a per-room secret derived from the same secret, which never leaves the server.

Janus traps handled here (../shared/RECIPES.md): a plugin error comes as a `success` or `event` whose data holds
`error_code`; asynchronous requests answer `ack` first and an `event` with the same transaction later; a session
without a keepalive for session_timeout is gone.
"""

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import secrets
import time

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from sfu.backend import InstanceLost, MediaBackend, MediaError, MediaSession

log = logging.getLogger(__name__)

PLUGIN = "janus.plugin.videoroom"
KEEPALIVE_SECONDS = 25
REQUEST_TIMEOUT = 10
TOKEN_LIFETIME = 24 * 3600
RECONNECT_DELAYS = (0.2, 0.5, 1, 2, 5)
# VideoRoom error codes (plugins/janus_videoroom.c).
NO_SUCH_ROOM = 426
ROOM_EXISTS = 427
NO_SUCH_FEED = 428
ID_EXISTS = 436
# The description Confer gives a published stream that carries a shared screen.
SCREEN = "screen"


def signed_token(secret, lifetime=TOKEN_LIFETIME, now=None, plugins=(PLUGIN,)):
    """Return a Janus signed token: "<expiry>,janus,<plugins>:<base64 HMAC-SHA1 of that>"."""
    expiry = int(now if now is not None else time.time()) + lifetime
    data = ",".join([str(expiry), "janus", *plugins])
    signature = base64.b64encode(hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest()).decode()
    return f"{data}:{signature}"


def room_secret(secret, room):
    """Return the secret that guards a Janus room: derived from Confer's, kept by nobody else."""
    return hmac.new(secret.encode(), f"videoroom:{room}".encode(), hashlib.sha256).hexdigest()[:32]


def plugin_data(message):
    """Return the VideoRoom data of a reply or event, raising MediaError for a plugin error hidden inside it."""
    if message.get("janus") == "error":
        error = message.get("error", {})
        raise MediaError(error.get("reason", "Janus refused the request"), error.get("code"))
    data = message.get("plugindata", {}).get("data", {})
    if "error_code" in data:
        raise MediaError(data.get("error", "the VideoRoom refused the request"), data["error_code"])
    return data


class JanusConnection:
    """One WebSocket to one Janus instance, with one Janus session in it, kept alive and reconnected."""

    def __init__(self, url, token_secret):
        self.url = url
        self.token_secret = token_secret
        self.socket = None
        self.session_id = None
        self.pending = {}  # transaction -> (future, wants the event after an ack)
        self.listeners = {}  # handle id -> callable(message)
        self.up = asyncio.Event()
        self.tasks = []
        self.connecting = None
        self.failed_at = None
        self.token = None
        self.token_made = 0

    def current_token(self):
        if self.token is None or time.time() - self.token_made > TOKEN_LIFETIME / 2:
            self.token = signed_token(self.token_secret)
            self.token_made = time.time()
        return self.token

    async def ensure(self, timeout=3):
        """Connect if not connected; raise InstanceLost if the instance does not answer in time."""
        if self.up.is_set():
            return
        if self.connecting is None or self.connecting.done():
            self.connecting = asyncio.ensure_future(self.open())
        try:
            await asyncio.wait_for(asyncio.shield(self.connecting), timeout)
        except Exception as error:
            self.failed_at = time.monotonic()
            raise InstanceLost(f"Janus at {self.url} does not answer: {error}") from None

    async def open(self):
        self.socket = await connect(self.url, subprotocols=["janus-protocol"], open_timeout=3, max_size=2**22,
                                    ping_interval=None)
        reader = asyncio.ensure_future(self.read(self.socket))
        try:
            reply = await self.request({"janus": "create"}, check_up=False)
        except Exception:
            reader.cancel()
            await self.socket.close()
            raise
        self.session_id = reply["data"]["id"]
        self.tasks = [reader, asyncio.ensure_future(self.keep_alive())]
        self.up.set()
        log.info("connected to Janus at %s (session %s)", self.url, self.session_id)

    async def keep_alive(self):
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS)
            with contextlib.suppress(Exception):
                await self.request({"janus": "keepalive", "session_id": self.session_id})

    async def read(self, socket):
        try:
            async for text in socket:
                try:
                    self.take(json.loads(text))
                except Exception:
                    log.exception("could not handle a message from Janus at %s", self.url)
        except ConnectionClosed:
            pass
        finally:
            if socket is self.socket:
                self.lost()

    def take(self, message):
        kind = message.get("janus")
        transaction = message.get("transaction")
        waiting = self.pending.get(transaction)
        if waiting is not None:
            future, wants_event = waiting
            if kind == "ack" and wants_event:
                return
            self.pending.pop(transaction, None)
            if not future.done():
                future.set_result(message)
            return
        if kind == "timeout":
            log.warning("Janus at %s dropped our session", self.url)
            self.lost()
            return
        handle = message.get("sender")
        listener = self.listeners.get(handle)
        if listener is not None:
            listener(message)

    def lost(self):
        """The connection or the session is gone: fail what waits, tell every handle, reconnect on next use."""
        if not self.up.is_set() and self.socket is None:
            return
        self.up.clear()
        socket, self.socket = self.socket, None
        self.failed_at = time.monotonic()
        for task in self.tasks:
            if task is not asyncio.current_task():
                task.cancel()
        self.tasks = []
        for future, _ in self.pending.values():
            if not future.done():
                future.set_exception(InstanceLost(f"Janus at {self.url} went away"))
        self.pending = {}
        listeners, self.listeners = self.listeners, {}
        for listener in listeners.values():
            with contextlib.suppress(Exception):
                listener({"janus": "lost"})
        if socket is not None:
            asyncio.ensure_future(socket.close())

    async def request(self, body, wants_event=False, timeout=REQUEST_TIMEOUT, check_up=True):
        """Send a request and return Janus's reply (the event after the ack, when `wants_event`)."""
        if check_up and not self.up.is_set():
            raise InstanceLost(f"Janus at {self.url} is not connected")
        transaction = secrets.token_hex(8)
        message = {**body, "transaction": transaction, "token": self.current_token()}
        future = asyncio.get_running_loop().create_future()
        self.pending[transaction] = (future, wants_event)
        try:
            await self.socket.send(json.dumps(message))
        except Exception as error:
            self.pending.pop(transaction, None)
            raise InstanceLost(f"Janus at {self.url} went away: {error}") from None
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            self.pending.pop(transaction, None)
            raise MediaError(f"Janus at {self.url} did not answer {body.get('janus')} in {timeout} s") from None

    async def attach(self, listener):
        reply = await self.request({"janus": "attach", "session_id": self.session_id, "plugin": PLUGIN})
        plugin_data(reply)
        handle = reply["data"]["id"]
        self.listeners[handle] = listener
        return handle

    async def detach(self, handle):
        self.listeners.pop(handle, None)
        if self.up.is_set():
            with contextlib.suppress(MediaError):
                await self.request({"janus": "detach", "session_id": self.session_id, "handle_id": handle}, timeout=3)

    async def message(self, handle, body, jsep=None, wants_event=False):
        """Send a VideoRoom request on a handle; return (data, jsep) of the reply or event."""
        request = {"janus": "message", "session_id": self.session_id, "handle_id": handle, "body": body}
        if jsep is not None:
            request["jsep"] = jsep
        reply = await self.request(request, wants_event=wants_event)
        return plugin_data(reply), reply.get("jsep")

    async def trickle(self, handle, candidate):
        request = {"janus": "trickle", "session_id": self.session_id, "handle_id": handle, "candidate": candidate}
        plugin_data(await self.request(request))

    async def close(self):
        self.up.clear()
        for task in self.tasks:
            task.cancel()
        if self.socket is not None:
            socket, self.socket = self.socket, None
            await socket.close()


class JanusBackend(MediaBackend):
    """Every Janus instance of the deployment, one connection each per worker and event loop."""

    def __init__(self, instances, token_secret, admin_key):
        self.instances = tuple(instances)
        self.token_secret = token_secret
        self.admin_key = admin_key
        self.connections = {}  # (event loop, url) -> JanusConnection

    def connection(self, instance):
        key = (asyncio.get_running_loop(), instance)
        if key not in self.connections:
            self.connections[key] = JanusConnection(instance, self.token_secret)
        return self.connections[key]

    async def healthy_instances(self):
        async def answers(instance):
            connection = self.connection(instance)
            # An instance that just failed is not tried again for a second: a dead one must not slow every join.
            if not connection.up.is_set() and connection.failed_at and time.monotonic() - connection.failed_at < 1:
                return False
            try:
                await connection.ensure()
                return True
            except InstanceLost:
                return False

        results = await asyncio.gather(*(answers(instance) for instance in self.instances))
        return [instance for instance, ok in zip(self.instances, results) if ok]

    def session(self, instance, room, peer_id, display, on_event):
        return JanusSession(self, self.connection(instance), room, peer_id, display, on_event)


class Subscription:
    """One subscriber handle: the streams it carries, and the offer waiting for the browser's answer."""

    def __init__(self, name):
        self.name = name
        self.handle = None
        self.streams = []  # [{"mid", "feed", "feed_mid", "type"}] as Janus last described them
        self.selectors = set()  # (feed, mid or "audio"/"video") the browser asked for; expanded as feeds change
        self.wanted = set()  # (feed, mid) pairs: the selectors, expanded over the feeds there are now
        self.awaiting_answer = False
        self.dirty = False  # asked for something else while an answer was awaited
        self.lock = asyncio.Lock()
        self.up = False  # Janus said webrtcup: the connection carries media
        self.held_layers = {}  # mid -> substream asked for before that (see JanusSession.configure)
        self.layers = {}  # mid -> (feed, substream): the layer the browser last asked for, and whose stream it was
        self.layers_to_restore = {}  # mid -> substream: asked again after the browser's next answer (take_offer)
        self.released = False  # let go (unsubscribe): a refresh still on its way must not touch its handle
        self.last_offer = None  # the offer event last made: sent again to a page that resumed without answering it


class JanusSession(MediaSession):
    """One participant in one Janus VideoRoom room."""

    def __init__(self, backend, connection, room, peer_id, display, on_event):
        self.backend = backend
        self.connection = connection
        self.instance = connection.url
        self.room = room
        self.peer_id = peer_id
        self.display = display
        self.on_event = on_event
        self.publisher = None
        self.published = []  # [{"mid", "type", "description"?}] of our own published streams
        self.muted = set()
        self.feeds = {}  # peer id -> [{"mid", "type", "description"?}]
        self.subscriptions = {}
        self.closed = False
        self.lost = False
        self.secret = room_secret(backend.token_secret, room)

    # Janus's events.

    def listen_publisher(self, message):
        kind = message.get("janus")
        if kind == "lost":
            self.report_lost()
            return
        if kind != "event":
            return
        data = message.get("plugindata", {}).get("data", {})
        event = data.get("videoroom")
        changed = False
        if "publishers" in data:
            for publisher in data["publishers"]:
                changed |= self.note_feed(publisher)
        if event == "event":
            # Janus tells the others "kicked" instead of "leaving" when a publisher is kicked: a seat resumed
            # before its earlier session left the room (ID_EXISTS in join), or a participant removed.
            for key in ("unpublished", "leaving", "kicked"):
                gone = data.get(key)
                if gone and gone != "ok" and gone in self.feeds:
                    del self.feeds[gone]
                    # What our subscriptions had of it is dead now, whether or not Janus says so in an offer of its
                    # own: the same peer may publish again at once, under the same id and mids (a reloaded page),
                    # and must then be subscribed to afresh, not taken for what the handle already has.
                    for subscription in self.subscriptions.values():
                        for stream in subscription.streams:
                            if stream["feed"] == gone:
                                stream["active"] = False
                    changed = True
            if data.get("leaving") == "ok" and data.get("reason") == "kicked":
                self.on_event({"type": "kicked"})
        if event in ("talking", "stopped-talking") and data.get("id"):
            self.on_event({"type": "talking", "peer_id": data["id"], "talking": event == "talking"})
        if changed:
            self.report_feeds()
            # Subscriptions follow the feeds themselves: a newcomer's stream is added without a round trip.
            for subscription in self.subscriptions.values():
                if self.expand(subscription) != subscription.wanted:
                    asyncio.ensure_future(self.refresh(subscription))

    def note_feed(self, publisher):
        feed = publisher.get("id")
        if not isinstance(feed, str) or feed == self.peer_id:
            return False
        streams = [
            {key: stream[key] for key in ("mid", "type", "description") if key in stream}
            for stream in publisher.get("streams", []) if not stream.get("disabled")
        ]
        if self.feeds.get(feed) == streams:
            return False
        self.feeds[feed] = streams
        return True

    def current_feeds(self):
        feeds = [{"peer_id": feed, "streams": streams} for feed, streams in sorted(self.feeds.items())]
        return {"type": "feeds", "feeds": feeds}

    def report_feeds(self):
        self.on_event(self.current_feeds())

    def pending_offers(self):
        return [s.last_offer for s in self.subscriptions.values()
                if s.awaiting_answer and s.last_offer is not None and not s.released]

    def listen_subscriber(self, subscription, message):
        kind = message.get("janus")
        if kind == "lost":
            self.report_lost()
            return
        if kind == "webrtcup":
            subscription.up = True
            if subscription.held_layers:
                asyncio.ensure_future(self.send_held_layers(subscription))
            return
        if kind == "hangup":
            subscription.up = False
            return
        if kind != "event" or "jsep" not in message:
            return
        # An offer Janus made on its own: a feed we receive stopped publishing (Janus takes its streams out of every
        # subscription at once), or an update it held back ("updating") until our last answer came. The browser
        # answers it like any other; until then Janus sends no other offer, and we ask for no change.
        data = message.get("plugindata", {}).get("data", {})
        return self.take_offer(subscription, data, message["jsep"])

    def take_offer(self, subscription, data, jsep):
        if "streams" in data:
            before = {s["mid"]: s["feed"] for s in subscription.streams if s["active"]}
            subscription.streams = [
                {"mid": s.get("mid"), "feed": s.get("feed_id"), "feed_mid": s.get("feed_mid"), "type": s.get("type"),
                 "active": s.get("active", True) and s.get("feed_id") is not None}
                for s in data["streams"]
            ]
            self.note_fresh_streams(subscription, before)
        subscription.awaiting_answer = True
        streams = [{**s, "screen": self.is_screen(s["feed"], s["feed_mid"])} for s in subscription.streams if s["active"]]
        event = {"type": "offer", "subscription": subscription.name,
                 "description": {"type": jsep["type"], "sdp": jsep["sdp"]}, "streams": streams}
        subscription.last_offer = event
        return event

    def note_fresh_streams(self, subscription, before):
        """A stream subscribed afresh starts at the smallest layer (stream_request). The browser starts its mid over
        when another feed comes there, or after an offer without it; but when the same feed comes back at the same
        mid after an offer that still had it (its publisher went and published again, and Janus sent no offer of its
        own meanwhile), the browser keeps the layer it asked for and would not ask again: ask for it ourselves."""
        now = {s["mid"]: s["feed"] for s in subscription.streams if s["active"]}
        for mid, (feed, substream) in list(subscription.layers.items()):
            if now.get(mid) != feed:
                del subscription.layers[mid]  # the browser starts this mid over itself
            elif before.get(mid) != feed:
                subscription.layers_to_restore[mid] = substream

    def report_lost(self):
        if not self.lost and not self.closed:
            self.lost = True
            self.on_event({"type": "lost", "instance": self.instance})

    # Requests.

    async def ensure_room(self):
        body = {"request": "create", "room": self.room, "secret": self.secret, "admin_key": self.backend.admin_key,
                "publishers": 100, "videocodec": "vp8", "audiocodec": "opus", "bitrate": _publisher_bitrate(),
                "audiolevel_event": True, "audio_active_packets": 25, "audio_level_average": 60,
                "is_private": True, "permanent": False, "notify_joining": False}
        try:
            await self.connection.message(self.publisher, body)
        except MediaError as error:
            if error.code != ROOM_EXISTS:
                raise

    async def join(self):
        await self.connection.ensure()
        self.publisher = await self.connection.attach(self.listen_publisher)
        await self.ensure_room()
        body = {"request": "join", "ptype": "publisher", "room": self.room, "id": self.peer_id,
                "display": self.display[:64]}
        try:
            data, _ = await self.connection.message(self.publisher, body, wants_event=True)
        except MediaError as error:
            if error.code == NO_SUCH_ROOM:  # destroyed by the last one out a moment ago
                await self.ensure_room()
            elif error.code == ID_EXISTS:  # our own seat's earlier socket, not gone from Janus yet
                await self.kick()
            else:
                raise
            data, _ = await self.connection.message(self.publisher, body, wants_event=True)
        for publisher in data.get("publishers", []):
            self.note_feed(publisher)
        self.report_feeds()

    async def publish(self, offer_sdp, screen_mid=None):
        jsep = {"type": "offer", "sdp": offer_sdp}
        request = "configure" if self.published else "publish"
        body = {"request": request}
        if request == "publish":
            body["display"] = self.display[:64]
        if screen_mid is not None:
            # What tells a screen from a camera at Janus: moderation (mids_of) and subscribers (expand) read it.
            body["descriptions"] = [{"mid": screen_mid, "description": SCREEN}]
        data, answer = await self.connection.message(self.publisher, body, jsep=jsep, wants_event=True)
        if answer is None:
            raise MediaError("Janus gave no answer to the published offer")
        self.published = [
            {key: stream[key] for key in ("mid", "type", "description") if key in stream}
            for stream in data.get("streams", [])
        ]
        for kind in list(self.muted):
            await self.mute(kind, True)
        return answer["sdp"]

    async def unpublish(self):
        if self.published:
            self.published = []
            await self.connection.message(self.publisher, {"request": "unpublish"}, wants_event=True)

    def expand(self, subscription):
        """Return the (feed, mid) pairs a subscription's selectors name among the feeds there are now: a mid, or a
        kind ("audio", "video" for the camera, "screen")."""
        pairs = set()
        for feed, selector in subscription.selectors:
            for stream in self.feeds.get(feed, ()):
                if selector in (stream["mid"], kind_of(stream)):
                    pairs.add((feed, stream["mid"]))
        return pairs

    def is_screen(self, feed, mid):
        return any(s["mid"] == mid and s.get("description") == SCREEN for s in self.feeds.get(feed, ()))

    async def subscribe(self, name, streams):
        subscription = self.subscriptions.get(name)
        if subscription is None:
            subscription = self.subscriptions[name] = Subscription(name)
        subscription.selectors = {(s.feed, s.mid) for s in streams}
        async with subscription.lock:
            subscription.wanted = self.expand(subscription)
            if subscription.awaiting_answer:
                subscription.dirty = True
                return None
            return await self.apply(subscription)

    async def unsubscribe(self, name):
        subscription = self.subscriptions.pop(name, None)
        if subscription is None:
            return
        async with subscription.lock:
            subscription.released = True
            handle, subscription.handle = subscription.handle, None
        if handle is not None:
            await self.connection.detach(handle)

    async def refresh(self, subscription):
        """The feeds changed: bring the subscription in line, and send the browser the offer that makes."""
        try:
            async with subscription.lock:
                if self.closed or self.lost or subscription.released:
                    return
                subscription.wanted = self.expand(subscription)
                if subscription.awaiting_answer:
                    subscription.dirty = True
                    return
                offer = await self.apply(subscription)
        except MediaError as error:
            log.warning("could not update subscription %s of %s: %s", subscription.name, self.peer_id, error)
            return
        if offer is not None:
            self.on_event(offer)

    async def apply(self, subscription):
        """Bring a subscription's handle in line with what is wanted; return an offer event or None."""
        subscription.dirty = False
        have = {(s["feed"], s["feed_mid"]) for s in subscription.streams if s["active"]}
        wanted = subscription.wanted
        if subscription.handle is None:
            if not wanted:
                return None
            subscription.handle = await self.connection.attach(
                lambda message, s=subscription: self.deliver(self.listen_subscriber, s, message))
            body = {"request": "join", "ptype": "subscriber", "room": self.room, "use_msid": False,
                    "streams": [self.stream_request(feed, mid) for feed, mid in sorted(wanted)]}
            data, jsep = await self.connection.message(subscription.handle, body, wants_event=True)
        else:
            add = sorted(wanted - have)
            remove = sorted(have - wanted)
            if not add and not remove:
                return None
            # Janus refuses an empty list in either place.
            body = {"request": "update"}
            if add:
                body["subscribe"] = [self.stream_request(f, m) for f, m in add]
            if remove:
                body["unsubscribe"] = [{"feed": f, "mid": m} for f, m in remove]
            data, jsep = await self.connection.message(subscription.handle, body, wants_event=True)
        if jsep is None:
            return None
        return self.take_offer(subscription, data, jsep)

    def stream_request(self, feed, mid):
        """A stream to subscribe to; video starts on the smallest simulcast layer: its first keyframe is a few KB,
        not the tens a full-size one takes to pace out, so the picture comes sooner. The page asks for the layer
        its tile needs next (configure)."""
        request = {"feed": feed, "mid": mid}
        if any(s["mid"] == mid and kind_of(s) == "video" for s in self.feeds.get(feed, ())):
            request["substream"] = 0
        return request

    def deliver(self, listener, subscription, message):
        event = listener(subscription, message)
        if isinstance(event, dict):
            self.on_event(event)

    async def answer(self, name, answer_sdp):
        subscription = self.subscriptions.get(name)
        if subscription is None or subscription.handle is None:
            raise MediaError(f"There is no subscription {name[:32]!r}.")
        async with subscription.lock:
            subscription.awaiting_answer = False
            await self.connection.message(subscription.handle, {"request": "start"},
                                          jsep={"type": "answer", "sdp": answer_sdp}, wants_event=True)
            await self.restore_layers(subscription)
            if subscription.awaiting_answer:
                # Janus sent an offer of its own right after this answer (one it held back): the browser answers
                # that first, and what is wanted is applied after its answer.
                subscription.dirty = True
                return None
            # Whatever changed meanwhile (the feeds, or Janus's own offer dropping a feed that went away while the
            # same peer published again under its id) is applied now: apply() compares what the handle has with
            # what is wanted, not what was wanted before.
            subscription.wanted = self.expand(subscription)
            return await self.apply(subscription)

    async def configure(self, name, mid, substream):
        subscription = self.subscriptions.get(name)
        if subscription is None or subscription.handle is None:
            raise MediaError(f"There is no subscription {name[:32]!r}.")
        feed = next((s["feed"] for s in subscription.streams if s["mid"] == mid and s["active"]), None)
        subscription.layers[mid] = (feed, substream)
        if not subscription.up:
            # A layer change makes Janus ask the publisher for a keyframe at once. Before the subscriber's
            # connection is up that keyframe is lost, and Chromium ignores keyframe requests for 300 ms after one,
            # so the request Janus makes when the connection comes up would go unanswered and the first picture
            # wait (docs/performance.md, "Why the first frame took 300 ms after DTLS"). Ask once it is up.
            subscription.held_layers[mid] = substream
            return
        # Layers still held (webrtcup came a moment ago) go with this one, which wins for its mid.
        layers, subscription.held_layers = {**subscription.held_layers, mid: substream}, {}
        await self.send_layers(subscription, layers)

    async def restore_layers(self, subscription):
        """Ask again for the layers of streams subscribed afresh that the browser will not ask for (take_offer)."""
        layers, subscription.layers_to_restore = subscription.layers_to_restore, {}
        if not layers:
            return
        if not subscription.up:
            subscription.held_layers = {**layers, **subscription.held_layers}
            return
        try:
            await self.send_layers(subscription, layers)
        except MediaError as error:
            log.warning("could not set the layers of subscription %s of %s again: %s", subscription.name,
                        self.peer_id, error)

    async def send_layers(self, subscription, layers):
        body = {"request": "configure", "streams": [{"mid": mid, "substream": n} for mid, n in layers.items()]}
        await self.connection.message(subscription.handle, body, wants_event=True)

    async def send_held_layers(self, subscription):
        layers, subscription.held_layers = subscription.held_layers, {}
        if not layers:
            return  # a later layer request took them along
        try:
            await self.send_layers(subscription, layers)
        except MediaError as error:
            log.warning("could not set the layers of subscription %s of %s: %s", subscription.name, self.peer_id,
                        error)

    async def trickle(self, target, candidate):
        if target == "publish":
            handle = self.publisher
        else:
            subscription = self.subscriptions.get(target)
            handle = subscription.handle if subscription else None
        if handle is None:
            raise MediaError(f"Nothing to pass a candidate to for {target[:32]!r}.")
        if candidate is None:
            wire = {"completed": True}
        else:
            wire = {"candidate": candidate["candidate"], "sdpMid": candidate.get("sdp_mid"),
                    "sdpMLineIndex": candidate.get("sdp_mline_index")}
        await self.connection.trickle(handle, wire)

    def mids_of(self, kind):
        return [s["mid"] for s in self.published if kind_of(s) == kind]

    async def mute(self, kind, muted):
        (self.muted.add if muted else self.muted.discard)(kind)
        for mid in self.mids_of(kind):
            body = {"request": "moderate", "room": self.room, "secret": self.secret, "id": self.peer_id,
                    "mid": mid, "mute": muted}
            await self.connection.message(self.publisher, body)

    async def kick(self):
        body = {"request": "kick", "room": self.room, "secret": self.secret, "id": self.peer_id}
        with contextlib.suppress(MediaError):
            await self.connection.message(self.publisher, body)

    async def close(self, destroy_room=True):
        if self.closed:
            return
        self.closed = True
        if not self.connection.up.is_set():
            return
        handles = [s.handle for s in self.subscriptions.values() if s.handle is not None]
        if self.publisher is not None:
            with contextlib.suppress(MediaError):
                await self.connection.message(self.publisher, {"request": "leave"})
        for handle in handles:
            await self.connection.detach(handle)
        if self.publisher is not None:
            if destroy_room:
                await self.destroy_room_if_empty()
            await self.connection.detach(self.publisher)

    async def destroy_room_if_empty(self):
        """The last one out destroys the room on this instance; a join racing it makes it again (NO_SUCH_ROOM)."""
        with contextlib.suppress(MediaError):
            data, _ = await self.connection.message(self.publisher, {"request": "listparticipants", "room": self.room})
            if not [p for p in data.get("participants", []) if p.get("id") != self.peer_id]:
                await self.connection.message(self.publisher, {"request": "destroy", "room": self.room,
                                                               "secret": self.secret})


def kind_of(stream):
    """Return what a published stream is to Confer: "audio", "video" (a camera) or "screen"."""
    return SCREEN if stream.get("description") == SCREEN else stream.get("type")


def _publisher_bitrate():
    from django.conf import settings

    return settings.SFU_PUBLISHER_BITRATE
