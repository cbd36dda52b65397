# SPDX-License-Identifier: Apache-2.0
"""A fake agent for the transport tests: a UNIX socket served by a thread that answers HELLO as attachd
does, then hands each later request to the test's behaviour, which may answer anything (a cut reply, a
bad length, a wrong attribute) or nothing. What it received is kept for the test to look at."""

import os
import socket
import struct
import tempfile
import threading

NLA = struct.Struct("=HH")
HEADER = struct.Struct("=IHHII")


def attr(number, payload=b"", raw_type=None):
    length = NLA.size + len(payload)
    return NLA.pack(length, number if raw_type is None else raw_type) + payload + b"\0" * (-length % 4)


def u32(number, value):
    return attr(number, struct.pack("=I", value))


def u8(number, value):
    return attr(number, struct.pack("=B", value))


def string(number, value):
    return attr(number, value.encode() + b"\0")


def nest(number, *inner):
    return attr(number, b"".join(inner), raw_type=number | 0x8000)


def message(msg_type, seq, body, flags=0, length=None):
    return HEADER.pack(HEADER.size + len(body) if length is None else length, msg_type, flags, seq, 0) + body


def ok(msg_type, seq, *results, status=0, text="ok"):
    """A reply as the agent builds it: STATUS, MESSAGE, then @results (encoded attributes)."""
    return message(msg_type, seq, u32(1, status) + string(2, text) + b"".join(results))


def read_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def read_request(conn):
    """(type, seq, attribute bytes) of the next request, or None at the end of the stream."""
    head = read_exact(conn, HEADER.size)
    if head is None:
        return None
    length, msg_type, _flags, seq, _pid = HEADER.unpack(head)
    body = read_exact(conn, length - HEADER.size)
    return None if body is None else (msg_type, seq, body)


class FakeAgent:
    """behaviour(conn, msg_type, seq, body) serves each request after HELLO; it returns False to close
    the connection. greet=False hands HELLO to the behaviour too."""

    def __init__(self, behaviour, greet=True):
        self.behaviour = behaviour
        self.greet = greet
        self.requests = []  # (type, seq, body) of every request received, HELLO included
        self.connections = 0
        self.dir = tempfile.mkdtemp(prefix="attachd-py-fake-")
        self.path = os.path.join(self.dir, "fake.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(8)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                try:
                    self._session(conn)
                except OSError:
                    pass

    def _session(self, conn):
        while True:
            req = read_request(conn)
            if req is None:
                return
            self.requests.append(req)
            msg_type, seq, body = req
            if self.greet and msg_type == 0x10:
                conn.sendall(ok(0x10, seq, u32(3, 1), u32(4, 1), text="protocol version 1"))
                continue
            if self.behaviour(conn, msg_type, seq, body) is False:
                return

    def close(self):
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread's accept()
        except OSError:
            pass
        self.listener.close()
        self.thread.join(2)
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        os.rmdir(self.dir)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
