"""Issue 15's flood test: whatever Mallory does with one account (relays as fast as the socket takes them, chat spam,
reconnecting the moment she is closed, from a socket in each of her rooms), the people in other rooms keep their
speed: the p99 of their relays stays within twice what it is on a calm worker.

Before the worker read a flooding socket more slowly (signalling/load.py, ReadingValve), three quarters of its loop
went to parsing Mallory's frames only to drop them, and the victims' p99 went from 2-4 ms to 60-100 ms.

Mallory runs in a process of her own (tests/security/flood_attacker.py); the victims' relays are timed in this one,
where sender and receiver share a clock."""

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import websockets

from tests.servers import Deployment
from tests.signalling_client import room_token

pytestmark = pytest.mark.slow

ATTACKER = Path(__file__).with_name("flood_attacker.py")
PAIRS = [("alice", "bob"), ("carol", "dave"), ("erin", "frank")]
RATE = 20  # candidates a second from each victim, within the default limit of 50
PHASE_SECONDS = 6


def p99(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


class Victims:
    """Three rooms of two; each person sends the other a candidate stamped with the time it was sent."""

    def __init__(self, ws_url, slugs):
        self.ws_url, self.slugs = ws_url, slugs
        self.latencies, self.recording = [], False

    async def open(self):
        self.sockets = []
        for slug, (first, second) in zip(self.slugs, PAIRS):
            pair = []
            for name in (first, second):
                socket = await websockets.connect(f"{self.ws_url}/ws/rooms/{slug}/")
                await socket.send(json.dumps({"type": "join", "versions": [1],
                                              "token": room_token(slug, f"ext:1:{name}", name.title())}))
                welcome = json.loads(await socket.recv())
                assert welcome["type"] == "welcome", welcome
                pair.append((socket, welcome["peer_id"]))
            self.sockets.append(pair)
        self.readers = [asyncio.ensure_future(self.read(socket)) for pair in self.sockets for socket, _ in pair]

    async def read(self, socket):
        async for frame in socket:
            message = json.loads(frame)
            if message["type"] == "candidate" and self.recording:
                self.latencies.append(time.perf_counter() - float(message["candidate"]["candidate"]))

    async def talk(self, seconds):
        """Send for `seconds`; return the relays' latencies (seconds) of that time."""
        self.latencies, self.recording = [], True
        until = time.perf_counter() + seconds

        async def one(socket, to, offset):
            await asyncio.sleep(offset)
            next_at = time.perf_counter()
            while next_at < until:
                await socket.send(json.dumps({"type": "candidate", "to": to,
                                              "candidate": {"candidate": repr(time.perf_counter())}}))
                next_at += 1 / RATE
                await asyncio.sleep(max(0, next_at - time.perf_counter()))

        senders = []
        for n, ((a, a_id), (b, b_id)) in enumerate(self.sockets):
            senders += [one(a, b_id, n * 0.013), one(b, a_id, n * 0.013 + 0.025)]
        await asyncio.gather(*senders)
        await asyncio.sleep(0.5)
        self.recording = False
        return list(self.latencies)

    async def close(self):
        for reader in self.readers:
            reader.cancel()
        for pair in self.sockets:
            for socket, _ in pair:
                await socket.close()


@pytest.fixture
def deployment(tmp_path):
    deployment = Deployment(tmp_path).setup()
    for name in ["alice", "mallory"]:
        deployment.create_user(name, f"{name}-password-1", name.title())
    yield deployment
    deployment.stop()


def test_mallory_flooding_from_one_account_leaves_the_others_relays_within_twice_their_calm_p99(deployment):
    victim_rooms = [deployment.create_room("alice", f"Room {n}") for n in range(len(PAIRS))]
    mallory_id = deployment.run_python("import json\nfrom accounts.models import User\n"
                                       "print(json.dumps(User.objects.get(username='mallory').pk))")
    mallory_rooms = [deployment.create_room("mallory", f"Mallory's {n}") for n in range(4)]
    worker = deployment.start_worker()

    async def scenario():
        victims = Victims(worker.ws_url, victim_rooms)
        await victims.open()
        await victims.talk(1)  # warm up
        calm = await victims.talk(PHASE_SECONDS)
        config = {"url": worker.ws_url, "seconds": PHASE_SECONDS + 3,
                  "rooms": [(slug, room_token(slug, f"user:{mallory_id}", "Mallory", role="host"))
                            for slug in mallory_rooms]}
        attacker = await asyncio.create_subprocess_exec(sys.executable, str(ATTACKER), json.dumps(config),
                                                        stdout=subprocess.PIPE)
        try:
            await asyncio.sleep(1.5)  # let her get going
            attacked = await victims.talk(PHASE_SECONDS)
            report = json.loads((await asyncio.wait_for(attacker.communicate(), 60))[0])
        finally:
            if attacker.returncode is None:
                attacker.kill()
                await attacker.wait()
        await victims.close()
        return calm, attacked, report

    calm, attacked, mallory = asyncio.run(scenario())
    sent = len(PAIRS) * 2 * RATE * PHASE_SECONDS
    print(f"calm p99 {p99(calm) * 1000:.2f} ms, attacked p99 {p99(attacked) * 1000:.2f} ms; Mallory: {mallory}")
    assert mallory["frames"] > 20 * sent, "Mallory did not flood: the test proved nothing"
    assert len(calm) >= 0.99 * sent and len(attacked) >= 0.99 * sent  # nothing of theirs was lost either
    # Twice the calm p99; below a millisecond, a millisecond more (what a scheduler's hiccup is worth on a busy
    # machine, where the calm p99 itself is a few samples).
    assert p99(attacked) <= max(2 * p99(calm), p99(calm) + 0.001), (p99(calm), p99(attacked))
