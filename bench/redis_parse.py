"""What one pub/sub message costs redis-py in CPU, published and read back: `python bench/redis_parse.py`.

Starts its own redis-server on a free loopback port (stopped by PID at the end), publishes 20,000 messages of 300
bytes in pipelines of 100 while one subscriber reads them, and prints the CPU microseconds per message of this
process, and whether redis-py parsed with hiredis (requirements.txt has it; `pip uninstall hiredis` to compare).
Every relay between two workers pays this: published by one, read by the other (docs/performance.md).
"""

import asyncio
import json
import os
import platform
import sys
import time
from pathlib import Path

import redis.asyncio as aioredis
import redis.utils

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.servers import RedisServer  # noqa: E402

MESSAGES = 20_000


async def measure(url):
    publisher, subscriber = aioredis.from_url(url), aioredis.from_url(url)
    pubsub = subscriber.pubsub()
    await pubsub.subscribe("bench")
    await pubsub.get_message(timeout=1)
    payload = b"x" * 300

    async def publish():
        for _ in range(0, MESSAGES, 100):
            pipeline = publisher.pipeline(transaction=False)
            for _ in range(100):
                pipeline.publish("bench", payload)
            await pipeline.execute()

    sending = asyncio.create_task(publish())
    started, received = time.process_time(), 0
    while received < MESSAGES:
        message = await pubsub.get_message(timeout=5)
        if message and message["type"] == "message":
            received += 1
    await sending
    cpu = time.process_time() - started
    await publisher.aclose()
    await subscriber.aclose()
    return cpu / MESSAGES * 1e6


def main():
    import tempfile

    with tempfile.TemporaryDirectory(prefix="confer-bench-redis-") as workdir:
        server = RedisServer(Path(workdir)).start()
        try:
            micros = asyncio.run(measure(server.url))
        finally:
            server.stop()
    print(json.dumps({"hiredis": redis.utils.HIREDIS_AVAILABLE, "cpu_us_per_message": round(micros, 1),
                      "messages": MESSAGES, "machine": platform.processor() or platform.machine(),
                      "cores": os.cpu_count(), "load_average": os.getloadavg()}))


if __name__ == "__main__":
    main()
