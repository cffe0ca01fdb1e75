"""The load generator: a separate process that drives a signalling server and measures it.

    python bench/loadgen.py '<json config>'   -> prints one JSON object with the figures

Latencies are measured inside this process (sender and receiver share one clock). The config names the scenario
and the servers' WebSocket base URLs; tokens are minted here with the deployment's room-token secret.
"""

import asyncio
import itertools
import json
import random
import resource
import statistics
import sys
import time
import zlib

import jwt
from websockets.asyncio.client import connect

clock = time.perf_counter


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(latencies_ms):
    return {
        "count": len(latencies_ms),
        "p50_ms": round(percentile(latencies_ms, 0.50), 3) if latencies_ms else None,
        "p99_ms": round(percentile(latencies_ms, 0.99), 3) if latencies_ms else None,
        "mean_ms": round(statistics.fmean(latencies_ms), 3) if latencies_ms else None,
    }


class Minter:
    def __init__(self, config):
        self.secret = config["secret"]
        self.counter = itertools.count(1)

    def token(self, room):
        now = int(time.time())
        number = next(self.counter)
        claims = {"iss": "confer", "aud": "confer-signalling", "sub": f"bench:{number}", "name": f"Load {number}",
                  "room": room, "role": "participant", "iat": now, "nbf": now, "exp": now + 3600,
                  "jti": f"bench-{number}-{random.random()}"}
        return jwt.encode(claims, self.secret, algorithm="HS256")


class Peer:
    """One load client: joins a room, answers pings, hands received messages to a callback."""

    def __init__(self, url, room, minter, on_message=None):
        self.url, self.room, self.minter = url, room, minter
        self.on_message = on_message
        self.peer_id = None
        self.socket = None
        self.others = []
        self.reader = None
        self.closed = False

    async def open(self):
        self.socket = await connect(f"{self.url}/ws/rooms/{self.room}/", max_size=2**20, open_timeout=60,
                                    ping_interval=None, compression=None)

    async def join(self):
        await self.socket.send(json.dumps({"type": "join", "token": self.minter.token(self.room), "versions": [1]}))
        welcome = json.loads(await self.socket.recv())
        if welcome.get("type") != "welcome":
            raise RuntimeError(f"join refused: {welcome}")
        self.peer_id = welcome["peer_id"]
        self.others = [peer["peer_id"] for peer in welcome.get("roster", [])]
        return welcome

    def start_reading(self):
        self.reader = asyncio.create_task(self.read())

    async def read(self):
        try:
            async for frame in self.socket:
                message = json.loads(frame)
                kind = message.get("type")
                if kind == "peer-joined":
                    self.others.append(message["peer"]["peer_id"])
                elif kind == "peer-left":
                    if message["peer_id"] in self.others:
                        self.others.remove(message["peer_id"])
                if self.on_message:
                    self.on_message(self, message)
        except Exception as error:
            self.close_reason = repr(error)[:80]
        finally:
            self.closed = True
            if getattr(self.socket, "close_code", None) is not None:
                self.close_reason = f"closed {self.socket.close_code} {self.socket.close_reason!r}"[:80]

    async def send(self, payload):
        await self.socket.send(json.dumps(payload))

    async def close(self):
        if self.reader:
            self.reader.cancel()
        try:
            await self.socket.close()
        except Exception:
            pass


async def gather_limited(coroutines, limit):
    semaphore = asyncio.Semaphore(limit)

    async def run(coroutine):
        async with semaphore:
            return await coroutine

    return await asyncio.gather(*(run(c) for c in coroutines))


async def open_and_join(url, room, minter, on_message=None):
    peer = Peer(url, room, minter, on_message)
    for attempt in range(5):
        try:
            await peer.open()
            await peer.join()
            peer.start_reading()
            return peer
        except Exception:
            await asyncio.sleep(0.2 * (attempt + 1))
    raise RuntimeError(f"could not join {room}")


async def keep_alive(peers, every=10.0):
    """Ping as the room page does, so the server's liveness check does not drop idle sockets.

    Each page pings on its own clock, so the pings are spread over the interval: a thousand sent at once would
    be a burst no meeting produces, and would show up as a stall in the latencies every `every` seconds.
    """
    while True:
        started = clock()
        batch = [peer for peer in list(peers) if not peer.closed]
        for index, peer in enumerate(batch):
            try:
                await peer.send({"type": "ping"})
            except Exception:
                pass
            await asyncio.sleep(max(0, started + every * (index + 1) / len(batch) - clock()))
        await asyncio.sleep(max(0, started + every - clock()))


def spread(urls, index, room=None, affinity=False):
    """The worker a peer connects to: in turn, so a room's peers spread over the workers; or, with `affinity`, by
    the room, as a proxy hashing the room's path does (docs/deployment.md, room affinity)."""
    if affinity and room is not None:
        return urls[zlib.crc32(room.encode()) % len(urls)]
    return urls[index % len(urls)]


async def fill_rooms(config, minter, rooms, per_room, on_message=None):
    """Join per_room peers to every room; each is pinged from the moment it joins, as the room page does.

    Return (peers, the keep-alive task): a fill of thousands takes longer than the server's silence timeout.
    """
    joined = []

    async def join_one(index, room):
        peer = await open_and_join(spread(config["urls"], index, room, config.get("affinity")), room, minter,
                                   on_message)
        joined.append(peer)
        return peer

    pinger = asyncio.create_task(keep_alive(joined))
    coroutines = [join_one(i, room) for i, room in enumerate(room for room in rooms for _ in range(per_room))]
    return await gather_limited(coroutines, config.get("concurrency", 50)), pinger


# Scenarios.
async def scenario_join(config, minter):
    """Join latency: WebSocket open to `welcome`, with `idle` other sockets connected."""
    idle, pinger = await fill_rooms(config, minter, config["idle_rooms"], config["per_room"])
    await asyncio.sleep(1)
    latencies = []
    for i in range(config["joins"]):
        peer = Peer(spread(config["urls"], i), config["join_rooms"][i % len(config["join_rooms"])], minter)
        await peer.open()
        started = clock()
        await peer.join()
        latencies.append((clock() - started) * 1000)
        await peer.send({"type": "leave"})
        await peer.close()
    pinger.cancel()
    await gather_limited([p.close() for p in idle], 200)
    return {"idle_sockets": len(idle), "join": summary(latencies)}


def stamp_payload(kind, to, message_id):
    sent = f"{clock():.9f}"
    if kind == "offer":
        return {"type": "offer", "to": to, "description": {"type": "offer", "sdp": f"v=0\r\na=bench:{message_id}:{sent}\r\n"}}
    if kind == "candidate":
        return {"type": "candidate", "to": to, "candidate": {
            "candidate": f"candidate:{message_id} 1 udp 2122260223 127.0.0.1 {sent} typ host", "sdp_mid": "0",
            "sdp_mline_index": 0}}
    return {"type": "chat", "text": f"bench:{message_id}:{sent}"}


def read_stamp(message):
    kind = message.get("type")
    try:
        if kind == "offer":
            marker = message["description"]["sdp"].split("a=bench:")[1].split("\r\n")[0]
            message_id, sent = marker.split(":")
            return kind, message_id, float(sent)
        if kind == "candidate":
            parts = message["candidate"]["candidate"].split()
            return kind, parts[0].split(":")[1], float(parts[5])
        if kind == "chat":
            _, message_id, sent = message["message"]["text"].split(":")
            return kind, message_id, float(sent)
    except (KeyError, IndexError, ValueError, AttributeError):
        return None
    return None


class Recorder:
    """Collect latencies of stamped messages as they arrive, after a warm-up."""

    def __init__(self, warmup_until):
        self.warmup_until = warmup_until
        self.latencies = {"offer": [], "candidate": [], "chat": []}
        self.received_ids = set()
        self.errors = []
        self.gaps = 0
        self.seq_seen = {}
        self.types = {}
        self.by_second = {}  # whole seconds since warm-up ended -> relay latencies (ms) that arrived in it

    def __call__(self, peer, message):
        now = clock()
        self.types[message.get("type")] = self.types.get(message.get("type"), 0) + 1
        if message.get("type") == "error":
            self.errors.append(message.get("code"))
            return
        seq = message.get("seq")
        if seq is not None:
            last = self.seq_seen.get(peer)
            if last is not None and seq > last + 1:
                self.gaps += 1
            self.seq_seen[peer] = max(seq, last or 0)
        stamped = read_stamp(message)
        if stamped is None:
            return
        kind, message_id, sent = stamped
        if kind == "chat" and message["message"].get("from") == peer.peer_id:
            return
        self.received_ids.add(message_id)
        if sent >= self.warmup_until:
            self.latencies[kind].append((now - sent) * 1000)
            if kind != "chat":
                self.by_second.setdefault(int(now - self.warmup_until), []).append((now - sent) * 1000)

    def periodic_stalls(self, period=10):
        """Relay p99 second by second, and by the second's place in a `period`-second cycle (the housekeeping
        beat, SIGNALLING_HEARTBEAT_SECONDS): a pass that stalls the worker every beat shows as one phase whose p99
        stands above the others'. Returns the figures with the worst phase's p99 over the median phase's."""
        seconds = sorted(self.by_second)
        per_second = [round(percentile(self.by_second[second], 0.99), 2) for second in seconds]
        phases = {}
        for second in seconds:
            phases.setdefault(second % period, []).extend(self.by_second[second])
        phase_p99 = {phase: percentile(values, 0.99) for phase, values in sorted(phases.items())}
        if not phase_p99:
            return {}
        ordered = sorted(phase_p99.values())
        median = ordered[len(ordered) // 2]
        return {"per_second_p99_ms": per_second,
                "phase_p99_ms": {str(phase): round(value, 2) for phase, value in phase_p99.items()},
                "worst_phase_over_median": round(max(ordered) / median, 2) if median else None,
                "worst_second_over_median": round(max(per_second) / sorted(per_second)[len(per_second) // 2], 2)
                if per_second and sorted(per_second)[len(per_second) // 2] else None}


async def send_loop(peers, rate, until, kinds, counter, sent_log=None, stable=None):
    """Each peer sends `rate` messages a second, cycling through kinds, to a random other peer of its room."""
    interval = 1.0 / rate

    async def one(peer, offset):
        await asyncio.sleep(offset)
        next_at = clock()
        # Each peer starts at its own place in the cycle: started together at the same place, all peers would
        # send offers in one half-second and chat in the next, a burst of one kind no meeting produces.
        start = random.randrange(len(kinds))
        cycle = itertools.cycle(kinds[start:] + kinds[:start])
        while clock() < until and not peer.closed:
            targets = [p for p in peer.others if stable is None or p in stable]
            if targets:
                kind = next(cycle)
                message_id = str(next(counter))
                to = random.choice(targets)
                try:
                    await peer.send(stamp_payload(kind, to, message_id))
                    if sent_log is not None and (stable is None or peer.peer_id in stable):
                        sent_log.append((message_id, kind))
                except Exception:
                    return
            next_at += interval
            await asyncio.sleep(max(0, next_at - clock()))

    await asyncio.gather(*(one(peer, random.random() * interval) for peer in peers))


async def scenario_relay(config, minter):
    """One-way latency of offers, candidates and chat at rooms x peers, `rate` messages a second each."""
    warmup = config.get("warmup", 3)
    recorder = Recorder(warmup_until=float("inf"))
    peers, pinger = await fill_rooms(config, minter, config["rooms"], config["per_room"], recorder)
    await asyncio.sleep(1)
    start = clock()
    recorder.warmup_until = start + warmup
    until = start + warmup + config["duration"]
    await send_loop(peers, config["rate"], until, ["offer", "candidate", "chat"], itertools.count(1))
    await asyncio.sleep(1)
    pinger.cancel()
    closed = [p.close_reason for p in peers if p.closed and getattr(p, "close_reason", None)]
    await gather_limited([p.close() for p in peers], 200)
    return {"sockets": len(peers), "rate_per_peer": config["rate"], "closed_early": len(closed),
            "close_reasons": sorted(set(closed))[:5],
            "offer": summary(recorder.latencies["offer"]), "candidate": summary(recorder.latencies["candidate"]),
            "chat": summary(recorder.latencies["chat"]), "errors": len(recorder.errors),
            "received_by_type": recorder.types,
            "peers_with_no_one_to_talk_to": sum(1 for p in peers if not p.others)}


async def scenario_throughput(config, minter):
    """Raise the offered load step by step; report delivered relays a second while p99 stays under the limit."""
    recorder = Recorder(warmup_until=float("inf"))
    peers, pinger = await fill_rooms(config, minter, config["rooms"], config["per_room"], recorder)
    await asyncio.sleep(1)
    steps, best = [], None
    counter = itertools.count(1)
    for rate in config["rates"]:
        recorder.latencies = {"offer": [], "candidate": [], "chat": []}
        start = clock()
        recorder.warmup_until = start + 1
        await send_loop(peers, rate, start + 1 + config["step_seconds"], ["candidate"], counter)
        await asyncio.sleep(0.5)
        latencies = recorder.latencies["candidate"]
        delivered = len(latencies) / config["step_seconds"]
        p99 = percentile(latencies, 0.99)
        steps.append({"offered_per_s": rate * len(peers), "delivered_per_s": round(delivered),
                      "p99_ms": round(p99, 3) if p99 is not None else None})
        if p99 is not None and p99 <= config["p99_limit_ms"]:
            best = round(delivered)
        else:
            break
    pinger.cancel()
    await gather_limited([p.close() for p in peers], 200)
    return {"sockets": len(peers), "steps": steps, "delivered_per_s_under_limit": best}


async def scenario_idle(config, minter):
    """Hold `count` joined sockets with heartbeats on, then report how many are still open."""
    peers, pinger = await fill_rooms(config, minter, config["rooms"], config["per_room"])
    await asyncio.sleep(config.get("hold", 15))
    alive = sum(1 for p in peers if not p.closed)
    print(json.dumps({"ready": True, "alive": alive}), flush=True)
    await asyncio.sleep(config.get("hold_after_ready", 5))
    alive = sum(1 for p in peers if not p.closed)
    pinger.cancel()
    await gather_limited([p.close() for p in peers], 500)
    return {"sockets_opened": len(peers), "sockets_alive_at_end": alive}


async def scenario_delivery(config, minter):
    """A long run with joins and leaves going on: count relays between staying peers that never arrived."""
    recorder = Recorder(warmup_until=0)
    rooms, per_room = config["rooms"], config["per_room"]
    stayers, pinger = await fill_rooms(config, minter, rooms, per_room, recorder)
    stable = {peer.peer_id for peer in stayers}
    churners = []
    until = clock() + config["duration"]
    sent = []

    async def churn():
        index = 0
        while clock() < until:
            room = rooms[index % len(rooms)]
            try:
                peer = await open_and_join(spread(config["urls"], index), room, minter)
                churners.append(peer)
                if len(churners) > len(rooms):
                    old = churners.pop(0)
                    await old.send({"type": "leave"})
                    await old.close()
            except Exception:
                pass
            index += 1
            await asyncio.sleep(config["churn_interval"])

    await asyncio.gather(send_loop(stayers, config["rate"], until, ["offer", "candidate", "chat"],
                                   itertools.count(1), sent, stable), churn())
    await asyncio.sleep(3)
    pinger.cancel()
    relays = [(message_id, kind) for message_id, kind in sent if kind != "chat"]
    lost = [message_id for message_id, kind in relays if message_id not in recorder.received_ids]
    result = {"duration_s": config["duration"], "staying_sockets": len(stayers), "relays_sent": len(relays),
              "relays_lost": len(lost), "chat_sent": len(sent) - len(relays), "seq_gaps_seen": recorder.gaps,
              "errors": len(recorder.errors), "joins_and_leaves": len(churners)}
    await gather_limited([p.close() for p in stayers + churners], 200)
    return result


def signal_payload(kind, to, message_id, size):
    """A signal message as PeerJS-style apps send them, about `size` bytes on the wire: an offer or a candidate,
    stamped with its id and the time it was sent."""
    sent = f"{clock():.9f}"
    if kind == "offer":
        payload = {"type": "offer", "to": to,
                   "description": {"type": "offer", "sdp": f"v=0\r\na=bench:{message_id}:{sent}\r\na=pad:"}}
        text = json.dumps(payload)
        payload["description"]["sdp"] += "x" * max(0, size - len(text))
    else:
        payload = {"type": "candidate", "to": to, "candidate": {
            "candidate": f"candidate:{message_id} 1 udp 2122260223 127.0.0.1 {sent} typ host ufrag ",
            "sdp_mid": "0", "sdp_mline_index": 0}}
        text = json.dumps(payload)
        payload["candidate"]["candidate"] += "x" * max(0, size - len(text))
    return payload


async def fill_timed(config, minter, rooms, per_room, on_message, concurrency):
    """Join per_room peers to every room, `concurrency` at a time; time each from opening the socket to welcome."""
    joined, latencies, opening = [], [], []

    async def join_one(index, room):
        peer = Peer(spread(config["urls"], index, room, config.get("affinity")), room, minter, on_message)
        started = clock()
        await peer.open()
        opened = clock()
        await peer.join()
        latencies.append((clock() - started) * 1000)
        opening.append((opened - started) * 1000)
        peer.start_reading()
        joined.append(peer)
        return peer

    pinger = asyncio.create_task(keep_alive(joined))
    coroutines = [join_one(i, room) for i, room in enumerate(room for room in rooms for _ in range(per_room))]
    await gather_limited(coroutines, concurrency)
    fill_timed.opening = opening  # the WebSocket handshakes alone, for the storm's split
    return joined, pinger, latencies


async def scenario_signal(config, minter):
    """The outside benchmark's shape: rooms of 4 where each peer sends signal messages of `size` bytes, offers and
    candidates in turn, to a random room mate at `rate` a second. Joins are timed one at a time as the rooms fill
    (socket open to welcome); relays one way, after a warm-up."""
    recorder = Recorder(warmup_until=float("inf"))
    peers, pinger, joins = await fill_timed(config, minter, config["rooms"], config["per_room"], recorder, 1)
    await asyncio.sleep(1)
    start = clock()
    recorder.warmup_until = start + config.get("warmup", 3)
    until = recorder.warmup_until + config["duration"]
    size = config.get("size", 256)
    counter = itertools.count(1)
    await send_signals(peers, config["rate"], until, counter, size)
    await asyncio.sleep(1)
    pinger.cancel()
    closed = [p.close_reason for p in peers if p.closed and getattr(p, "close_reason", None)]
    relays = recorder.latencies["offer"] + recorder.latencies["candidate"]
    await gather_limited([p.close() for p in peers], 200)
    return {"sockets": len(peers), "rate_per_peer": config["rate"], "size": size,
            "offered_per_s": config["rate"] * len(peers), "delivered_per_s": round(len(relays) / config["duration"]),
            "join": summary(joins), "relay": summary(relays), "closed_early": len(closed),
            "close_reasons": sorted(set(closed))[:5], "errors": len(recorder.errors),
            "error_codes": sorted(set(recorder.errors))[:5], "stalls": recorder.periodic_stalls()}


async def send_signals(peers, rate, until, counter, size):
    """Each peer sends `rate` signal messages a second, offers and candidates in turn, to a random room mate."""
    interval = 1.0 / rate

    async def one(peer, offset):
        await asyncio.sleep(offset)
        next_at = clock()
        kinds = itertools.cycle(["offer", "candidate"] if random.random() < 0.5 else ["candidate", "offer"])
        while clock() < until and not peer.closed:
            if peer.others:
                try:
                    await peer.send(signal_payload(next(kinds), random.choice(peer.others), str(next(counter)), size))
                except Exception:
                    return
            next_at += interval
            await asyncio.sleep(max(0, next_at - clock()))

    await asyncio.gather(*(one(peer, random.random() * interval) for peer in peers))


async def scenario_signal_steps(config, minter):
    """Raise every peer's rate step by step, in the signal shape; report what is delivered while p99 stays under
    the limit, and each step's figures."""
    recorder = Recorder(warmup_until=float("inf"))
    peers, pinger, joins = await fill_timed(config, minter, config["rooms"], config["per_room"], recorder,
                                            config.get("concurrency", 50))
    await asyncio.sleep(1)
    steps, best = [], None
    counter = itertools.count(1)
    for rate in config["rates"]:
        recorder.latencies = {"offer": [], "candidate": [], "chat": []}
        start = clock()
        recorder.warmup_until = start + 1
        await send_signals(peers, rate, start + 1 + config["step_seconds"], counter, config.get("size", 256))
        await asyncio.sleep(0.5)
        latencies = recorder.latencies["offer"] + recorder.latencies["candidate"]
        delivered = len(latencies) / config["step_seconds"]
        p99 = percentile(latencies, 0.99)
        steps.append({"offered_per_s": rate * len(peers), "delivered_per_s": round(delivered),
                      "p50_ms": round(percentile(latencies, 0.5), 3) if latencies else None,
                      "p99_ms": round(p99, 3) if p99 is not None else None})
        if p99 is not None and p99 <= config["p99_limit_ms"]:
            best = round(delivered)
        else:
            break
    pinger.cancel()
    closed = [p.close_reason for p in peers if p.closed and getattr(p, "close_reason", None)]
    await gather_limited([p.close() for p in peers], 200)
    return {"sockets": len(peers), "steps": steps, "delivered_per_s_under_limit": best, "closed_early": len(closed),
            "close_reasons": sorted(set(closed))[:5]}


async def scenario_storm(config, minter):
    """A connect storm: `sockets` sockets open and join, `concurrency` at a time; each timed from opening to welcome."""
    rooms = config["rooms"]
    per_room = max(1, config["sockets"] // len(rooms))
    print(json.dumps({"mark": "storm-start"}), flush=True)  # bench/run.py reads the servers' CPU at each mark
    peers, pinger, joins = await fill_timed(config, minter, rooms, per_room, None, config["concurrency"])
    print(json.dumps({"mark": "storm-joined"}), flush=True)
    pinger.cancel()
    await gather_limited([p.close() for p in peers], 200)
    # Where a join's time went: the WebSocket handshake, then the join message to its welcome.
    admitted = [total - opened for total, opened in zip(joins, fill_timed.opening)]
    return {"sockets": len(peers), "concurrency": config["concurrency"], "join": summary(joins),
            "handshake": summary(fill_timed.opening), "join_message": summary(admitted)}


SCENARIOS = {"signal": scenario_signal, "signalsteps": scenario_signal_steps, "storm": scenario_storm, "join": scenario_join, "relay": scenario_relay, "throughput": scenario_throughput,
             "idle": scenario_idle, "delivery": scenario_delivery}


def main():
    config = json.loads(sys.argv[1])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    minter = Minter(config)
    result = asyncio.run(SCENARIOS[config["scenario"]](config, minter))
    print(json.dumps({"result": result}), flush=True)


if __name__ == "__main__":
    main()
