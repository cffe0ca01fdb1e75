"""The floor: a bare relay on the websockets library, speaking the subset of docs/protocol.md the load uses.

No authentication, no database, no channel layer: what Python itself costs for the same traffic, so that the
product's figures read as a ratio to it.  python bench/floor_relay.py PORT
"""

import asyncio
import itertools
import json
import sys

from websockets.asyncio.server import serve

rooms = {}  # room -> {peer_id: websocket}
ids = itertools.count(1)


async def handle(websocket):
    room = websocket.request.path.strip("/").split("/")[-1]
    join = json.loads(await websocket.recv())
    peer_id = f"p_{next(ids)}"
    peers = rooms.setdefault(room, {})
    roster = [{"peer_id": other} for other in peers]
    joined = json.dumps({"type": "peer-joined", "peer": {"peer_id": peer_id}})
    for other in list(peers.values()):  # those already in the room learn of the newcomer, as from Confer
        await other.send(joined)
    peers[peer_id] = websocket
    await websocket.send(json.dumps({"type": "welcome", "version": 1, "peer_id": peer_id, "roster": roster,
                                     "state": {"seq": 0}, "token_length": len(join.get("token", ""))}))
    try:
        async for frame in websocket:
            message = json.loads(frame)
            kind = message.get("type")
            if kind == "ping":
                await websocket.send('{"type":"pong"}')
            elif kind == "chat":
                out = json.dumps({"type": "chat", "message": {"from": peer_id, "text": message["text"]}})
                for other in list(peers.values()):
                    await other.send(out)
            elif kind in ("offer", "answer", "candidate"):
                target = peers.get(message.pop("to", None))
                if target is not None:
                    message["from"] = peer_id
                    await target.send(json.dumps(message))
    finally:
        peers.pop(peer_id, None)


async def main(port):
    async with serve(handle, "127.0.0.1", port, max_size=2**16):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
