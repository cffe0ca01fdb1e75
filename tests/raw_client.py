"""A WebSocket client over a plain socket, frame by frame: it can send what a well-behaved library would refuse
(text that is not UTF-8, frames of any size) and see exactly how the server closes."""

import json
import socket

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.uri import parse_uri


class RawClient:
    def __init__(self, ws_url, receive_buffer=None):
        uri = parse_uri(ws_url)
        self.protocol = ClientProtocol(uri, max_size=2**24)
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.socket.connect((uri.host, uri.port))
        self.messages = []
        self.close_code = None
        self.dropped = False
        self.protocol.send_request(self.protocol.connect())
        self.flush()
        while self.protocol.state is not State.OPEN:
            assert self.protocol.handshake_exc is None and self.pump(), "the WebSocket handshake failed"

    def flush(self):
        for data in self.protocol.data_to_send():
            if data:
                try:
                    self.socket.sendall(data)
                except OSError:
                    self.dropped = True

    def pump(self, timeout=10):
        """Read once; return False when the connection is gone."""
        self.socket.settimeout(timeout)
        try:
            data = self.socket.recv(1 << 20)
        except ConnectionResetError:
            self.dropped = True
            return False
        if not data:
            self.protocol.receive_eof()
            return False
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            opcode = getattr(event, "opcode", None)
            if opcode is Opcode.TEXT:
                self.messages.append(json.loads(event.data))
            elif opcode is Opcode.CLOSE and self.close_code is None:
                self.close_code = self.protocol.close_rcvd.code if self.protocol.close_rcvd else None
        self.flush()
        return True

    def send_json(self, payload):
        self.protocol.send_text(json.dumps(payload).encode())
        self.flush()

    def send_frame(self, opcode, payload, fin=True):
        """Send a frame as is: the library's checks (UTF-8, size) are not applied."""
        self.protocol.send_frame(Frame(opcode, payload, fin=fin))
        self.flush()

    def until_closed(self, timeout=15):
        """Read until the server closes; return its close code, or None if it dropped the connection instead."""
        while self.pump(timeout):
            if self.close_code is not None:
                return self.close_code
        return self.close_code

    def close(self):
        self.socket.close()
