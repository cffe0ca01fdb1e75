"""Nobody without a valid Confer token can create, join or subscribe to anything in Janus: not over Janus's
WebSocket, not over HTTP, not through Confer's socket."""

import asyncio
import json
import urllib.error
import urllib.request

import pytest
from websockets.asyncio.client import connect

from sfu.janus import signed_token
from tests.sfu.conftest import make_room
from tests.sfu.participant import SfuParticipant
from tests.signalling_client import room_token

pytestmark = pytest.mark.slow


async def janus_ws(janus, *messages):
    """Send each message over Janus's own WebSocket; return the replies."""
    replies = []
    async with connect(janus.url, subprotocols=["janus-protocol"], open_timeout=5) as socket:
        for number, message in enumerate(messages):
            await socket.send(json.dumps({**message, "transaction": f"t{number}"}))
            replies.append(json.loads(await asyncio.wait_for(socket.recv(), 5)))
    return replies


def janus_http(janus, path, body):
    request = urllib.request.Request(f"http://127.0.0.1:{janus.http_port}{path}", data=json.dumps(body).encode(),
                                     method="POST")
    with urllib.request.urlopen(request, timeout=5) as reply:
        return json.loads(reply.read())


def refused(reply):
    return reply["janus"] == "error" and reply["error"]["code"] == 403


async def test_janus_websocket_refuses_every_request_without_confers_token(janus):
    expired = signed_token(janus.token_secret, lifetime=-60)
    forged = signed_token("not-confers-secret")
    replies = await janus_ws(janus, {"janus": "create"}, {"janus": "create", "token": forged},
                             {"janus": "create", "token": expired},
                             {"janus": "create", "token": signed_token(janus.token_secret)[:-4] + "AAA="})
    assert all(refused(reply) for reply in replies), replies


async def test_janus_over_http_refuses_too(janus):
    reply = await asyncio.to_thread(janus_http, janus, "/janus", {"janus": "create", "transaction": "h1"})
    assert refused(reply), reply
    reply = await asyncio.to_thread(janus_http, janus, "/janus", {"janus": "create", "transaction": "h2",
                                                                 "token": signed_token("guessed")})
    assert refused(reply), reply


async def test_the_admin_api_refuses_without_its_secret(janus):
    body = {"janus": "list_sessions", "transaction": "a1"}
    request = urllib.request.Request(f"http://127.0.0.1:{janus.admin_port}/admin", data=json.dumps(body).encode(),
                                     method="POST")
    reply = json.loads(await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=5).read()))
    assert reply["janus"] == "error", reply
    assert janus.admin("list_sessions")["janus"] == "success"


async def test_without_the_admin_key_and_the_room_secret_even_a_token_holder_cannot_create_or_subscribe(
        sfu_deployment, sfu_worker, janus):
    """Defence in depth: rooms need the VideoRoom admin key, and moderation the per-room secret."""
    slug = make_room(sfu_deployment, "Board meeting")
    person = SfuParticipant(sfu_worker.ws_url, slug, "ext:test:member", "Member")
    await person.join()
    await person.start_media()
    await asyncio.wait_for(person.published.wait(), 15)
    room = f"confer-{await asyncio.to_thread(live_meeting_id, sfu_deployment, slug)}"
    token = signed_token(janus.token_secret)
    async with connect(janus.url, subprotocols=["janus-protocol"], open_timeout=5) as socket:
        async def ask(message):
            await socket.send(json.dumps({**message, "transaction": str(id(message)), "token": token}))
            return json.loads(await asyncio.wait_for(socket.recv(), 5))

        session = (await ask({"janus": "create"}))["data"]["id"]
        handle = (await ask({"janus": "attach", "session_id": session, "plugin": "janus.plugin.videoroom"}))["data"]["id"]
        message = {"janus": "message", "session_id": session, "handle_id": handle}
        replies = [await ask({**message, "body": body}) for body in (
            {"request": "create", "room": "intruders"},
            {"request": "kick", "room": room, "id": person.peer_id, "secret": "guess"},
            {"request": "moderate", "room": room, "id": person.peer_id, "mid": "1", "mute": True, "secret": "guess"},
            {"request": "list"},
        )]
    errors = [reply["plugindata"]["data"].get("error_code") for reply in replies[:3]]
    assert errors == [429, 433, 433], replies
    assert all(listed.get("room") != room for listed in replies[3]["plugindata"]["data"]["list"]), \
        "meeting rooms are private: not listed"
    await person.leave()


def live_meeting_id(deployment, slug):
    return deployment.run_python(
        "import json\nfrom signalling.models import Meeting\n"
        f"print(json.dumps(Meeting.objects.get(room__slug={slug!r}, ended_at__isnull=True).pk))")


async def test_confers_socket_refuses_media_requests_without_a_valid_room_token(sfu_deployment, sfu_worker):
    slug = make_room(sfu_deployment, "Closed")
    # A message before joining closes the socket (protocol-error).
    async with connect(f"{sfu_worker.ws_url}/ws/rooms/{slug}/") as socket:
        await socket.send(json.dumps({"type": "sfu-subscribe", "subscription": "main", "streams": []}))
        reply = json.loads(await socket.recv())
        assert reply["code"] == "protocol-error" and reply["fatal"]
        await socket.wait_closed()
        assert socket.close_code == 4000
    # A token for another room, or signed with another secret, never gets a seat.
    for token, close in ((room_token("other-room", "ext:test:x", "X"), 4106),
                         (room_token(slug, "ext:test:x", "X", secret="another-secret-0123456789abcdef0123"), 4103)):
        async with connect(f"{sfu_worker.ws_url}/ws/rooms/{slug}/") as socket:
            await socket.send(json.dumps({"type": "join", "token": token, "versions": [1]}))
            assert json.loads(await socket.recv())["fatal"]
            await socket.wait_closed()
            assert socket.close_code == close
