"""A server that answers 200 with a body it never finishes: it stalls (past any read timeout) or
cuts the connection after the first bytes. What a flaky proxy or an overloaded host does."""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class StallingServer:
    def __init__(self, mode: str = "stall", stall_seconds: float = 3.0) -> None:
        assert mode in ("stall", "cut")
        self.mode, self.stall_seconds = mode, stall_seconds
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        self.url = f"http://{self.address}"
        self.requests = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.requests += 1
            # A client that gave up first (its timeout, on a busy machine) is no error of the server's:
            # an exception here would surface as an unhandled thread exception in whichever test runs.
            with conn, contextlib.suppress(OSError):
                conn.recv(65536)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\n"
                conn.sendall(head + b"x" * 10)
                if self.mode == "stall":
                    time.sleep(self.stall_seconds)

    def stop(self) -> None:
        self.sock.close()
