# SPDX-License-Identifier: Apache-2.0
"""The connection: replies that break the protocol (a fake agent sends them), a dead socket, the
timeout, and a real agent that closes idle connections, dies and comes back."""

import os
import socket
import struct
import tempfile
import threading
import time
import unittest

import fake
import world

import attachd
from attachd.protocol import Msg

VOL = "aaaaaaaa-0000-4000-8000-000000000001"
NEWER = attachd.protocol.ATTR_MAX + 1  # an attribute number of a newer agent


def vol_nest(*inner):
    return fake.nest(19, *inner)


class BrokenReplies(unittest.TestCase):
    """Each misbehaviour raises ProtocolError (or ConnectionFailed for a plain hang-up), names what is
    wrong, closes the connection, and the next call connects again and works."""

    def broken(self, send, pattern, cls=attachd.ProtocolError, call=lambda c: c.volume_list()):
        def behaviour(conn, msg_type, seq, body):
            if behaviour.first:
                behaviour.first = False
                send(conn, msg_type, seq)
                return False
            conn.sendall(fake.ok(msg_type, seq, text=""))  # then a good reply
            return True

        behaviour.first = True
        with fake.FakeAgent(behaviour) as agent:
            c = attachd.Client(agent.path, timeout=5)
            with self.assertRaisesRegex(cls, pattern):
                call(c)
            self.assertFalse(c.connected)
            self.assertEqual(c.volume_list(), [])
            self.assertEqual(agent.connections, 2)
            c.close()

    def test_the_agent_hangs_up_before_replying(self):
        self.broken(lambda conn, t, s: None, "the agent closed the connection", attachd.ConnectionFailed)

    def test_a_header_cut_short(self):
        self.broken(lambda conn, t, s: conn.sendall(fake.ok(t, s)[:10]),
                    "cut short: the stream ended after 10 of the 16 bytes of its header")

    def test_a_body_cut_short(self):
        self.broken(lambda conn, t, s: conn.sendall(fake.ok(t, s, text="x" * 40)[:30]),
                    r"cut short: the stream ended after 14 of the \d+ bytes of its \d+-byte reply")

    def test_a_length_below_the_header(self):
        self.broken(lambda conn, t, s: conn.sendall(fake.message(t, s, b"", length=8)),
                    "a reply of 8 bytes, shorter than its 16-byte header")

    def test_an_oversized_reply_is_not_read(self):
        # only the header is sent: the client must refuse it without waiting for 16 MiB
        self.broken(lambda conn, t, s: conn.sendall(fake.message(t, s, b"", length=(16 << 20) + 4)),
                    "a reply of 16777220 bytes, over the protocol's maximum of 16777216")

    def test_a_reply_out_of_step(self):
        self.broken(lambda conn, t, s: conn.sendall(fake.ok(t, s + 1)), r"reply type 0x13 seq 3 does not answer request 0x13 seq 2")
        self.broken(lambda conn, t, s: conn.sendall(fake.ok(Msg.VOLUME_SHOW, s)), "reply type 0x14 seq 2 does not answer")

    def test_reply_flags(self):
        self.broken(lambda conn, t, s: conn.sendall(fake.message(t, s, fake.u32(1, 0), flags=2)), "flags 0x2")

    def test_unexpected_and_malformed_attributes(self):
        for body, pattern in (
            (fake.u32(1, 0) + fake.attr(31, b"\0" * 8), "volume-list reply: unexpected attribute size"),
            (fake.u32(1, 0) + fake.attr(2, b"no nul"), "string message does not end with a NUL"),
            (fake.attr(1, b"\0\0"), "status is a u32 but holds 2 byte"),
            (fake.string(2, "no status"), "carries no status"),
            (fake.u32(1, 0) + vol_nest(fake.string(5, VOL), fake.attr(15, b"\0")), "in volume: unexpected attribute mode"),
            (fake.u32(1, 0) + vol_nest(fake.string(5, VOL)), "volume lacks state"),
            (fake.u32(1, 0) + fake.attr(19, fake.string(5, VOL) + fake.u8(18, 1)), "nest volume lacks NLA_F_NESTED"),
            (fake.u32(1, 0) + b"\1\0", "2 stray byte"),
        ):
            with self.subTest(pattern=pattern):
                self.broken(lambda conn, t, s, body=body: conn.sendall(fake.message(t, s, body)), pattern)

    def test_connection_info_os_brick_could_not_use(self):
        def conninfo(*drop, extra=b""):
            attrs = {30: fake.string(30, "iscsi"), 5: fake.string(5, VOL), 23: fake.string(23, "iqn.2026-11.x:y"),
                     25: fake.nest(25, fake.string(24, "127.0.0.1:3260")), 26: fake.u32(26, 0),
                     27: fake.string(27, "CHAP"), 28: fake.string(28, "u" * 16), 29: fake.string(29, "p" * 16)}
            return fake.u32(1, 0) + b"".join(v for k, v in attrs.items() if k not in drop) + extra

        init = lambda c: c.initialize_connection(VOL, "iqn.2004-10.org.example:x")
        for body, pattern, call in (
            (conninfo(29), "connection info lacks auth_password", init),
            (conninfo(26), "connection info lacks lun", init),
            (conninfo(25, extra=fake.nest(25)), "connection info has no portal", init),
            (conninfo(extra=fake.string(46, "CHAP")), "some of the discovery CHAP attributes", init),
            (conninfo(), r"mutual CHAP was asked for\) lacks auth_username_in",
             lambda c: c.initialize_connection(VOL, "iqn.2004-10.org.example:x", mutual_chap=True)),
            (fake.u32(1, 0) + fake.string(5, VOL), "volume-show reply lacks state", lambda c: c.volume_show(VOL)),
            (fake.u32(1, 0), "reserve reply lacks attachment_id", lambda c: c.reserve(VOL)),
            (fake.u32(1, 0) + fake.string(16, VOL), "unexpected attribute attachment_id",
             lambda c: c.volume_extend(VOL)),
        ):
            with self.subTest(pattern=pattern):
                self.broken(lambda conn, t, s, body=body: conn.sendall(fake.message(t, s, body)), pattern, call=call)

    def test_attributes_of_a_newer_agent_are_skipped(self):
        def newer(conn, msg_type, seq, body):
            conn.sendall(fake.message(msg_type, seq, fake.u32(1, 0) + fake.attr(NEWER, b"new") + fake.string(2, "m")
                                      + vol_nest(fake.string(5, VOL), fake.u8(18, 2), fake.attr(NEWER + 1, b"x"))))

        with fake.FakeAgent(newer) as agent:
            with attachd.Client(agent.path, timeout=5) as c:
                vols = c.volume_list()
        self.assertEqual([(v["volume_id"], v["state"]) for v in vols], [(VOL, "attaching")])


class Timeouts(unittest.TestCase):
    def test_an_agent_that_does_not_answer(self):
        done = threading.Event()
        with fake.FakeAgent(lambda conn, t, s, b: done.wait(5) and False) as agent:
            self.addCleanup(done.set)
            c = attachd.Client(agent.path, timeout=0.3)
            start = time.monotonic()
            with self.assertRaisesRegex(attachd.Timeout, r"volume-list: no whole reply from the agent within 0.3s") as cm:
                c.volume_list()
            self.assertLess(time.monotonic() - start, 2)
            self.assertIsInstance(cm.exception, TimeoutError)
            self.assertIsInstance(cm.exception, attachd.ConnectionFailed)
            self.assertFalse(c.connected)
            done.set()

    def test_the_timeout_covers_the_whole_reply(self):
        def trickle(conn, msg_type, seq, body):
            for byte in fake.ok(msg_type, seq, text="slow" * 10):
                conn.sendall(bytes([byte]))
                time.sleep(0.01)

        with fake.FakeAgent(trickle) as agent:
            c = attachd.Client(agent.path, timeout=5)
            self.assertEqual(c.volume_list(), [])  # ~0.7 s of bytes within 5 s
            c.close()
            c = attachd.Client(agent.path, timeout=0.4)
            with self.assertRaises(attachd.Timeout):
                c.volume_list()  # each byte comes in time, the whole reply does not
            c.close()

    def test_no_timeout_waits(self):
        def late(conn, msg_type, seq, body):
            time.sleep(0.5)
            conn.sendall(fake.ok(msg_type, seq))

        with fake.FakeAgent(late) as agent:
            with attachd.Client(agent.path, timeout=None) as c:
                self.assertEqual(c.volume_list(), [])


class DeadSocket(unittest.TestCase):
    def test_nothing_at_the_path(self):
        c = attachd.Client("/nonexistent/attachd.sock", timeout=1)
        with self.assertRaisesRegex(attachd.ConnectionFailed,
                                    "cannot connect to attachd at /nonexistent/attachd.sock: No such file or directory"):
            c.volume_list()
        self.assertFalse(c.connected)

    def test_a_socket_nobody_listens_on(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "stale.sock")
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(path)
            s.close()  # the file stays, as a killed agent's would
            with self.assertRaisesRegex(attachd.ConnectionFailed, "Connection refused"):
                attachd.Client(path, timeout=1).connect()

    def test_the_default_path_comes_from_the_environment(self):
        old = os.environ.get("ATTACHD_SOCKET")
        try:
            os.environ["ATTACHD_SOCKET"] = "/nonexistent/from-env.sock"
            self.assertEqual(attachd.Client().path, "/nonexistent/from-env.sock")
            del os.environ["ATTACHD_SOCKET"]
            self.assertEqual(attachd.Client().path, "/run/attachd.sock")
        finally:
            if old is not None:
                os.environ["ATTACHD_SOCKET"] = old


class RealAgentConnection(unittest.TestCase):
    def setUp(self):
        self.w = world.World(disks=1, first_minor=100)
        self.addCleanup(self.w.free)

    def test_an_idle_connection_closed_by_the_agent_is_made_again(self):
        self.w.start("--idle-timeout", "200")
        c = attachd.Client(self.w.sock, timeout=5)
        self.addCleanup(c.close)
        c.volume_list()
        for _ in range(250):  # the agent's close, as its log tells it
            if "idle for" in self.w.log_text():
                break
            time.sleep(0.02)
        self.assertIn("idle for", self.w.log_text())
        self.assertEqual(c.volume_list(), [])  # the agent's goodbye was waiting: connected again, once

    def test_a_dead_agent_then_a_restarted_one(self):
        self.w.start()
        c = attachd.Client(self.w.sock, timeout=5)
        self.addCleanup(c.close)
        vol = c.volume_create(self.w.disks[0])
        self.w.kill()
        with self.assertRaises(attachd.ConnectionFailed):
            c.volume_show(vol)
        self.assertFalse(c.connected)
        self.w.start()
        self.assertEqual(c.volume_show(vol)["volume_id"], vol)

    def test_a_request_over_the_protocols_limit_is_not_sent(self):
        self.w.start()
        c = attachd.Client(self.w.sock, timeout=5)
        self.addCleanup(c.close)
        c.volume_list()
        with self.assertRaisesRegex(attachd.ArgumentError, "over the protocol's maximum of 65536"):
            c._call(Msg.VOLUME_CREATE, b"".join(fake.string(7, "n" * 60000) for _ in range(2)))
        self.assertEqual(c.volume_list(), [])
        # sent anyway, the agent refuses it and closes: the client reports a refusal or a hang-up
        raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        raw.connect(self.w.sock)
        raw.sendall(struct.pack("=IHHII", 70000, Msg.VOLUME_LIST, 1, 1, 0))
        reply = raw.recv(4096)
        raw.close()
        self.assertIn(b"exceeds the maximum of 65536", reply)


if __name__ == "__main__":
    unittest.main()
