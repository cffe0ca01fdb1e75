"""What Confer needs from a media server that forwards media (an SFU), whichever one it is.

Confer stays in charge: browsers never talk to the media server. A participant's socket (signalling/media.py) holds
one MediaSession on the media server instance its meeting is placed on, and passes the browser's descriptions and
candidates through it. sfu/janus.py implements this for Janus's VideoRoom; another engine (LiveKit, say) would
implement the same two classes.

Events a session reports to its owner (`on_event(event)`, a dict, called on the event loop):
- {"type": "feeds", "feeds": [{"peer_id", "streams": [{"mid", "type", "description"?}]}]}: who publishes what now
  (a shared screen is a video stream whose description is "screen");
- {"type": "talking", "peer_id", "talking": bool}: the server's audio levels say someone started or stopped talking;
- {"type": "offer", "subscription", "description", "streams": [{"mid", "feed", "feed_mid", "type", "screen"}]}: a
  subscription changed on the server's side (a feed went away) and needs an answer;
- {"type": "kicked"}: the server removed this participant's media;
- {"type": "lost", "instance"}: the instance stopped answering; everything on it is gone.
"""

from dataclasses import dataclass


class MediaError(Exception):
    """The media server refused or failed a request; `code` is its own number where it gave one."""

    def __init__(self, message, code=None):
        super().__init__(message)
        self.code = code


class InstanceLost(MediaError):
    """The instance went away before it answered."""


@dataclass(frozen=True)
class SubscribedStream:
    """What a subscription asks for of one publisher (`feed`, its peer id): its stream `mid`, or every stream of a
    kind ("audio", "video" for its camera, "screen" for the screen it shares), whatever it publishes now or later."""

    feed: str
    mid: str


class MediaSession:
    """One participant on one media server instance: its published media and its subscriptions."""

    async def join(self):
        """Enter the meeting's room on the instance (creating it if needed), as someone who may publish later."""
        raise NotImplementedError

    async def publish(self, offer_sdp, screen_mid=None):
        """Publish (or renegotiate) this participant's media, the section at `screen_mid` (if any) being a shared
        screen; return the server's answer SDP."""
        raise NotImplementedError

    async def unpublish(self):
        raise NotImplementedError

    async def subscribe(self, name, streams):
        """Make subscription `name` carry exactly `streams` (SubscribedStream), and keep it so as publishers come
        and go (reporting each new offer as an event); return its new offer event or None when nothing changed."""
        raise NotImplementedError

    async def unsubscribe(self, name):
        """Let subscription `name` go: its media server handle is freed, and the name may be used again afresh."""
        raise NotImplementedError

    async def answer(self, name, answer_sdp):
        """Take the browser's answer to subscription `name`'s last offer."""
        raise NotImplementedError

    async def configure(self, name, mid, substream):
        """Ask for simulcast layer `substream` (0 lowest .. 2 highest) of the stream at `mid` of subscription `name`."""
        raise NotImplementedError

    async def trickle(self, target, candidate):
        """Pass a browser ICE candidate (or None: the end of them) on to the publisher or a subscription."""
        raise NotImplementedError

    async def mute(self, kind, muted):
        """Stop (or resume) forwarding this participant's `kind` ("audio", "video", "screen") to everyone."""
        raise NotImplementedError

    async def kick(self):
        """Cut this participant's media off at the server, whatever its browser does."""
        raise NotImplementedError

    def current_feeds(self):
        """Return a "feeds" event of who publishes what now (for a page that resumed and missed some)."""
        raise NotImplementedError

    def pending_offers(self):
        """Return the offer events still waiting for the browser's answer (a page that resumed may have missed
        them, or its answer may have been lost with its old socket)."""
        raise NotImplementedError

    async def close(self, destroy_room=True):
        """Leave the room and free everything this session holds on the server; the last one out destroys the
        room unless `destroy_room` is false (someone else holds this participant's place there now)."""
        raise NotImplementedError


class MediaBackend:
    """The media server instances this worker can reach."""

    instances = ()

    async def healthy_instances(self):
        """Return the instances that answer now, trying the ones not yet connected."""
        raise NotImplementedError

    def session(self, instance, room, peer_id, display, on_event):
        """Return a MediaSession for this participant in meeting room `room` on `instance`."""
        raise NotImplementedError


class NoMediaServer(MediaBackend):
    """The stand-in when no media server is configured: every meeting stays browser to browser."""

    instances = ()

    async def healthy_instances(self):
        return []

    def session(self, instance, room, peer_id, display, on_event):
        raise MediaError("No media server is configured (JANUS_URLS is empty).")


_backend = None


def get_backend():
    """Return this process's media backend: Janus when JANUS_URLS names instances, else NoMediaServer."""
    global _backend
    from django.conf import settings

    if _backend is None or _backend.instances != tuple(settings.JANUS_URLS):
        if settings.JANUS_URLS:
            from sfu.janus import JanusBackend

            _backend = JanusBackend(tuple(settings.JANUS_URLS), settings.JANUS_TOKEN_SECRET, settings.JANUS_ADMIN_KEY)
        else:
            _backend = NoMediaServer()
    return _backend


def available():
    """Return whether this deployment can carry media through the server at all."""
    from django.conf import settings

    return bool(settings.JANUS_URLS)
