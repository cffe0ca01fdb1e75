"""Mallory, with one account, does her worst to one worker for `seconds`: from one socket in each of her rooms she
sends frames as fast as the worker reads them, relays to nobody and chats, and reconnects the moment she is closed.
Run as its own process: `python flood_attacker.py CONFIG_JSON`.

Frames that are not JSON, or over the size limit, close her socket at once by design (docs/protocol.md; tested in
tests/security/test_bad_frames_get_a_documented_close.py): sending them only makes her reconnect, which is a flood
of connections, a thing for the proxy in front (docs/security.md) rather than for one account.

It prints one JSON line: what it sent and how often it was closed."""

import asyncio
import json
import sys
import time

import websockets


async def attack(url, token, until, counts):
    relay = json.dumps({"type": "candidate", "to": "p_nobody", "candidate": {"candidate": "x" * 200}})
    chat = json.dumps({"type": "chat", "text": "spam " * 40})
    while time.monotonic() < until:
        socket = None
        try:
            socket = await websockets.connect(url, max_size=2**22, open_timeout=10)
            counts["connects"] += 1
            await socket.send(json.dumps({"type": "join", "token": token, "versions": [1]}))
            reader = asyncio.ensure_future(drain(socket))
            n = 0
            while time.monotonic() < until:
                # Stop at the deadline even while the worker holds her frames back and a send is waiting for room.
                await asyncio.wait_for(socket.send(chat if n % 7 == 0 else relay), max(0.01, until - time.monotonic()))
                counts["frames"] += 1
                n += 1
                if n % 64 == 0:
                    await asyncio.sleep(0)
            reader.cancel()
        except (websockets.ConnectionClosed, OSError, asyncio.TimeoutError):
            counts["closed"] += time.monotonic() < until
            await asyncio.sleep(0.01)
        finally:
            if socket is not None:
                socket.transport.abort()  # no closing handshake behind megabytes the worker has not read


async def drain(socket):
    try:
        async for _ in socket:
            pass
    except websockets.ConnectionClosed:
        pass


async def main(config):
    counts = {"frames": 0, "connects": 0, "closed": 0}
    until = time.monotonic() + config["seconds"]
    await asyncio.gather(*(attack(config["url"] + f"/ws/rooms/{slug}/", token, until, counts)
                           for slug, token in config["rooms"]))
    counts["cpu_seconds"] = round(time.process_time(), 2)
    print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
