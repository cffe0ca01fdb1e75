"""Run a daphne worker tuned for signalling: `python -m config.serve <daphne arguments>`.

Takes exactly daphne's command line (scripts/run and the tests start workers this way) and, before daphne
creates its event loop, sets up three things (docs/performance.md, item 12):

- Eager socket writes (WORKER_EAGER_WRITES=0 turns them off). Twisted queues every write until the loop reports
  the socket writable: two epoll_ctl calls and a loop turn for each frame sent. When nothing is queued, a
  connection here tries the send at once, as asyncio's transports do, and queues only what the kernel refuses.
  This took the relay p50 at 250 rooms x 4 from 1.2 to 0.6 ms.
- uvloop as the asyncio event loop under Twisted, when it is installed (WORKER_UVLOOP=0 turns it off): in the
  first profile the standard loop's selector and scheduling were about a fifth of the worker's samples.
- A GIL switch interval of 0.5 ms (WORKER_SWITCH_INTERVAL, seconds; Python's default is 0.005), to bound how long
  the event loop waits for the GIL while the database thread computes. Its effect was within the benchmarks'
  noise (0.1 and 2 ms gave the same figures); it is kept as a bound, not as a measured gain.
"""

import os
import sys


def tune():
    sys.setswitchinterval(float(os.environ.get("WORKER_SWITCH_INTERVAL", "0.0005")))
    if os.environ.get("WORKER_UVLOOP", "1") != "0":
        try:
            import uvloop
        except ImportError:
            return
        import asyncio

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def write_eagerly():
    """Make Twisted's TCP connections send at once when nothing is waiting to be sent (see the module's doc)."""
    from twisted.internet import tcp

    queued_write = tcp.Connection.write

    def write(self, data):
        # A registered producer (daphne's HTTP channel stays one after the upgrade) is paused only when the
        # buffer fills, and anything that is not sent at once goes to the buffer: so it is left as it was.
        if (type(data) is not bytes or not data or self.TLS or self.dataBuffer or self._tempDataLen
                or not self.connected or self.disconnecting or self._writeDisconnected or self._writeDisconnecting):
            return queued_write(self, data)
        sent = self.writeSomeData(data)
        if isinstance(sent, Exception) or sent < 0:
            return queued_write(self, data)  # the loop's next write attempt reports the loss as Twisted does
        if sent < len(data):
            queued_write(self, data[sent:])

    tcp.Connection.write = write


def log_access_through_logging():
    """Send daphne's access log through Python logging (logger `daphne.access`, INFO) instead of straight to
    stdout, so LOG_LEVEL, LOG_FORMAT=json and the filter that redacts secrets apply to it: a logged path can carry
    a token, and an OAuth callback's query its authorization code."""
    import logging

    from daphne import access

    logger = logging.getLogger("daphne.access")

    def write_entry(self, host, date, request, status=None, length=None, ident=None, user=None):
        logger.info('%s "%s" %s %s', host, request, status or "-", length or "-")

    access.AccessLogGenerator.write_entry = write_entry


def main():
    tune()
    from daphne.cli import CommandLineInterface  # imports daphne.server, which creates the loop: after tune()

    if os.environ.get("WORKER_EAGER_WRITES", "1") != "0":
        write_eagerly()
    log_access_through_logging()

    sys.argv[0] = "daphne"
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
