"""Limits that follow a person, not a socket (docs/security.md): message rates by identity, and room-password
guesses by identity, room and address.

- Message rates are kept per worker process, by the token's identity: a socket that reconnects, or a second
  socket of the same identity, draws on the same bucket. (Across N workers an identity can reach N times the rate;
  a load balancer with room affinity, docs/deployment.md, keeps a room's sockets on one.)
- Password guesses are counted where every worker sees them: in Redis when REDIS_URL is set, else in this
  process. Past a limit, guessing waits: 30 s, then twice as long after each further wrong guess, up to 15 minutes.
  The limits are ROOM_PASSWORD_GUESSES_PER_IDENTITY (5), ..._PER_ADDRESS (20) and ..._PER_ROOM (100) wrong guesses
  within ROOM_PASSWORD_GUESS_WINDOW seconds (900); a right password clears the identity's count.
"""

import asyncio
import hashlib
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth.hashers import check_password

from signalling.socket import TokenBucket

FIRST_WAIT = 30
LONGEST_WAIT = 15 * 60


class IdentityRates:
    """This worker's message buckets, one per identity, shared by its sockets and its reconnections."""

    def __init__(self):
        self.buckets = {}  # identity -> TokenBucket
        self.swept_at = time.monotonic()

    def bucket_for(self, identity):
        bucket = self.buckets.get(identity)
        if bucket is None:
            bucket = self.buckets[identity] = TokenBucket(settings.SIGNALLING_RATE, settings.SIGNALLING_BURST)
        self.sweep()
        return bucket

    def sweep(self):
        """Forget buckets that have been full again for a while: a fresh bucket is the same thing."""
        now = time.monotonic()
        refill = settings.SIGNALLING_BURST / settings.SIGNALLING_RATE
        if now - self.swept_at < max(refill, 10):
            return
        self.swept_at = now
        for identity, bucket in list(self.buckets.items()):
            if now - bucket.updated > 2 * refill + 10:
                del self.buckets[identity]


rates = IdentityRates()


def wait_after(failures, limit):
    """Return how long to wait after `failures` wrong guesses against a limit of `limit`."""
    if failures < limit:
        return 0
    return min(LONGEST_WAIT, FIRST_WAIT * 2 ** (failures - limit))


def keys(identity, room, address):
    """The counters a guess counts against: hashed, so that no identity or address is written to Redis as such."""
    digest = lambda value: hashlib.sha256(str(value).encode()).hexdigest()[:24]  # noqa: E731
    return {
        "identity": f"confer:guess:id:{digest(room)}:{digest(identity)}",
        "address": f"confer:guess:ip:{digest(address)}",
        "room": f"confer:guess:room:{digest(room)}",
    }


def limits():
    return {
        "identity": settings.ROOM_PASSWORD_GUESSES_PER_IDENTITY,
        "address": settings.ROOM_PASSWORD_GUESSES_PER_ADDRESS,
        "room": settings.ROOM_PASSWORD_GUESSES_PER_ROOM,
    }


class MemoryGuessStore:
    """Counts in this process: for one worker (the in-process channel layer)."""

    def __init__(self):
        self.counts = {}  # key -> [wrong guesses, when the window ends, when the last one came]

    async def failures(self, names):
        now = time.monotonic()
        found = []
        for name in names:
            entry = self.counts.get(name)
            if entry is None or entry[1] < now:
                self.counts.pop(name, None)
                found.append((0, 0))
            else:
                found.append((entry[0], entry[2]))
        return found

    async def fail(self, names, window):
        now = time.monotonic()
        for name in names:
            entry = self.counts.get(name)
            if entry is None or entry[1] < now:
                entry = self.counts[name] = [0, now + window, 0]
            entry[0] += 1
            entry[2] = now  # the last wrong guess: waits run from it

    async def clear(self, name):
        self.counts.pop(name, None)


class RedisGuessStore:
    """Counts in Redis, so that every worker applies the same limits."""

    def __init__(self, url):
        from redis.asyncio import Redis

        self.redis = Redis.from_url(url)

    async def failures(self, names):
        pipeline = self.redis.pipeline(transaction=False)
        for name in names:
            pipeline.hmget(name, "failures", "last")
        found = []
        for failures, last in await pipeline.execute():
            found.append((int(failures or 0), float(last or 0)))
        return found

    async def fail(self, names, window):
        pipeline = self.redis.pipeline(transaction=True)
        now = time.time()
        for name in names:
            pipeline.hincrby(name, "failures", 1)
            pipeline.hset(name, "last", now)
            pipeline.expire(name, window, nx=True)
        await pipeline.execute()

    async def clear(self, name):
        await self.redis.delete(name)


class PasswordGuesses:
    """Room-password guesses: whether one may be tried now, and what a wrong or right one does."""

    def __init__(self, store, clock):
        self.store = store
        self.clock = clock  # the store's: monotonic in memory, wall time in Redis

    async def retry_after(self, identity, room, address):
        """Return 0 when a guess may be tried now, else the seconds to wait."""
        named = keys(identity, room, address)
        counts = await self.store.failures(list(named.values()))
        now = self.clock()
        waits = []
        for (kind, _), (failures, last) in zip(named.items(), counts):
            wait = wait_after(failures, limits()[kind])
            if wait:
                waits.append(last + wait - now)
        return max([0, *waits])

    async def wrong(self, identity, room, address):
        await self.store.fail(list(keys(identity, room, address).values()), settings.ROOM_PASSWORD_GUESS_WINDOW)

    async def right(self, identity, room, address):
        await self.store.clear(keys(identity, room, address)["identity"])


_guesses = None


def guesses():
    """This process's PasswordGuesses, on Redis when the deployment has it."""
    global _guesses
    if _guesses is None:
        if settings.REDIS_URL:
            _guesses = PasswordGuesses(RedisGuessStore(settings.REDIS_URL), time.time)
        else:
            _guesses = PasswordGuesses(MemoryGuessStore(), time.monotonic)
    return _guesses


# Password hashes are made to be slow (PBKDF2, a million rounds): never on the event loop, never on the database
# thread every socket shares, never under a lock. A thread of their own, one check at a time per worker; hashlib
# lets go of the GIL while it hashes, so the worker's sockets carry on meanwhile.
_hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="password-check")


async def password_matches(raw_password, encoded):
    return await asyncio.get_running_loop().run_in_executor(_hashing, check_password, raw_password, encoded)
