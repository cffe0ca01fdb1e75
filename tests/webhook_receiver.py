"""A webhook receiver for tests, run as its own process: `python tests/webhook_receiver.py PORT LOG`.

It checks every request's signature with the standardwebhooks library and the secret in $WEBHOOK_SECRET, and
writes one JSON line per request to LOG *as soon as it has read it* (before answering): webhook id, headers,
raw body, whether the signature verified and why not. It answers 204 when it verified, 400 when not.
$RESPONSE_DELAY (seconds) holds each answer back; $RESPONSE_STATUS makes it answer that status to everything.
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRET = os.environ["WEBHOOK_SECRET"]
DELAY = float(os.environ.get("RESPONSE_DELAY", "0"))
FORCED_STATUS = int(os.environ.get("RESPONSE_STATUS", "0"))
write_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            Webhook(SECRET).verify(body, headers)
            verified, error = True, ""
        except WebhookVerificationError as failure:
            verified, error = False, str(failure)
        entry = {"received_at": time.time(), "path": self.path, "webhook_id": headers.get("webhook-id"),
                 "headers": headers, "body": body.decode("utf-8", "replace"), "verified": verified, "error": error}
        with write_lock, open(LOG, "a") as log:
            log.write(json.dumps(entry) + "\n")
            log.flush()
        if DELAY:
            time.sleep(DELAY)
        status = FORCED_STATUS or (204 if verified else 400)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port, LOG = int(sys.argv[1]), sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()
