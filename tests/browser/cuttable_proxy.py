"""A TCP proxy in front of daphne whose open connections a test can cut, as a network drop would."""

import socket
import threading

from tests.servers import LOOPBACK


class CuttableProxy:
    """Forward 127.0.0.1:<port> to a server; cut() drops every open connection, new ones still get through."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.connections = set()
        self.upstreams = set()  # the server's ends, left open (unread, silent) by a cut the server must not notice
        self.quietly = False
        self.lock = threading.Lock()
        self.closed = False
        self.let_through = threading.Event()  # cleared while held: new connections wait before reaching the server
        self.let_through.set()
        threading.Thread(target=self.accept, daemon=True).start()

    @property
    def base_url(self):
        return f"http://{LOOPBACK}:{self.port}"

    def accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.let_through.wait()
            if self.closed:
                client.close()
                return
            try:
                upstream = socket.create_connection((LOOPBACK, self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections.update({client, upstream})
                self.upstreams.add(upstream)
            threading.Thread(target=self.pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self.pipe, args=(upstream, client), daemon=True).start()

    def pipe(self, source, destination):
        try:
            while data := source.recv(65536):
                destination.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, destination):
                if not (self.quietly and sock in self.upstreams):
                    self.drop(sock)

    def drop(self, sock):
        with self.lock:
            self.connections.discard(sock)
        # No WebSocket close frame: the browser sees the connection die (close code 1006), the server a drop.
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked reading it
        except OSError:
            pass
        sock.close()

    def cut(self, server_notices=True):
        """Drop every open connection at once. With `server_notices` false only the browser's ends are dropped:
        the server's stay open and silent, as when a network goes away without a word (it finds out later)."""
        self.quietly = not server_notices
        with self.lock:
            connections = [sock for sock in self.connections if server_notices or sock not in self.upstreams]
        for sock in connections:
            self.drop(sock)

    def hold(self):
        """Keep new connections waiting (the browser's reconnection hangs) until release()."""
        self.let_through.clear()

    def release(self):
        self.let_through.set()

    def close(self):
        self.closed = True
        self.quietly = False
        self.let_through.set()
        self.listener.close()
        self.cut()
