# SPDX-License-Identifier: Apache-2.0
"""The agent's refusals become the exception of their status, carrying the status, its name, the
agent's message, the call and libattach's errno: from a real agent for every status it can be made to
send here, and from a fake agent for every status number, REFUSED messages included."""

import errno
import os
import shutil
import subprocess
import sys
import time
import unittest

import fake
import world

import attachd
from attachd import protocol as p
from attachd.protocol import Attr, Msg

INI = "iqn.2004-10.org.example:errors"
INST = "6f1c9d7e-1111-4222-8333-944455556666"


class RealAgent(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = world.World(disks=10, first_minor=80)
        cls.next = 0
        try:
            # one ACL mkdir of the initiator "...:kernelfail" fails in the simulated kernel
            cls.w.start("--read-uid", "65534",
                        env={"ATTACHD_SIM_FAIL": "mkdir:kernelfail:EIO"})
        except Exception:
            cls.w.free()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.w.free()

    def setUp(self):
        self.c = attachd.Client(self.w.sock, timeout=10)
        self.addCleanup(self.c.close)

    def disk(self):
        i = type(self).next
        type(self).next += 1
        return self.w.disks[i], self.w.minors[i]

    def refused(self, cls, pattern, fn, *args, **kw):
        with self.assertRaises(cls) as cm:
            fn(*args, **kw)
        e = cm.exception
        self.assertIs(type(e), cls)
        self.assertRegex(e.message, pattern)
        self.assertEqual(e.status_name, attachd.STATUS_NAMES[e.status])
        self.assertIn("(status %d, %s)" % (e.status, e.status_name), str(e))
        return e

    def test_not_found_exists_state(self):
        e = self.refused(attachd.NotFound, "no volume 00000000-0000-4000-8000-000000000009",
                         self.c.volume_show, "00000000-0000-4000-8000-000000000009")
        self.assertEqual((e.status, e.errno, e.call, e.refused), (6, errno.ENOENT, "volume-show", False))
        path, _ = self.disk()
        vol = self.c.volume_create(path)
        e = self.refused(attachd.Exists, "volume %s already exists" % vol, self.c.volume_create, self.disk()[0],
                         volume_id=vol)
        self.assertEqual((e.status, e.errno, e.call), (7, errno.EEXIST, "volume-create"))
        e = self.refused(attachd.StateError, "is available; detach expects detaching", self.c.detach, vol)
        self.assertEqual((e.status, e.errno), (8, errno.EBADFD))
        # the connection stays usable after an agent's refusal
        self.assertEqual(self.c.volume_show(vol)["state"], "available")

    def test_busy_not_block(self):
        path, minor = self.disk()
        self.w.sim_file("busy-7:%d" % minor, "")
        e = self.refused(attachd.Busy, "is in use", self.c.volume_create, path)
        self.assertEqual((e.status, e.errno), (9, errno.EBUSY))
        os.unlink(os.path.join(self.w.dm, "busy-7:%d" % minor))
        vol = self.c.volume_create(path)
        self.refused(attachd.Busy, "already volume %s" % vol, self.c.volume_create, path)
        e = self.refused(attachd.NotBlock, "is not a block device", self.c.volume_create, self.w.log)
        self.assertEqual((e.status, e.errno), (10, errno.ENOTBLK))

    def test_already_carries_the_attachment_id(self):
        vol = self.c.volume_create(self.disk()[0])
        att = self.c.reserve(vol)
        e = self.refused(attachd.Already, "already reserved", self.c.reserve, vol)
        self.assertEqual((e.status, e.errno, e.attachment_id), (18, errno.EALREADY, att))

    def test_kernel_error_is_rolled_back(self):
        vol = self.c.volume_create(self.disk()[0])
        self.c.reserve(vol)
        e = self.refused(attachd.KernelError, r"earlier steps rolled back", self.c.initialize_connection, vol,
                         "iqn.2004-10.org.example:kernelfail")
        self.assertEqual((e.status, e.errno, e.plan), (14, errno.EIO, []))
        self.assertIsNone(self.c.volume_show(vol)["export"])
        # the fault was one-shot: the same call now succeeds
        self.c.initialize_connection(vol, "iqn.2004-10.org.example:kernelfail")

    def test_wrong_device_and_reconcile_failure_with_its_plan(self):
        path, minor = self.disk()
        vol = self.c.volume_create(path)
        self.c.reserve(vol)
        self.c.initialize_connection(vol, INI)
        self.c.attach(vol, INST, "h", "/dev/vdb")
        # the path now leads to another disk: the next reconcile fences and keeps the export down
        self.w.sim_file("ident-7:%d" % minor, "serial:another-disk")
        e = self.refused(attachd.KernelError, r"difference\(s\), \d+ fixed, [1-9]\d* failed", self.c.reconcile)
        self.assertTrue(any("volume %s: export stays down" % vol in s for s in e.plan), e.plan)
        self.assertEqual(e.call, "reconcile")
        e = self.refused(attachd.WrongDevice, "export is down", self.c.initialize_connection, vol,
                         "iqn.2004-10.org.example:other")
        self.assertEqual((e.status, e.errno), (17, errno.EMEDIUMTYPE))
        self.refused(attachd.WrongDevice, "is serial:another-disk, not the registered disk serial:sim-7-%d" % minor,
                     self.c.volume_extend, vol)
        self.assertIn("serial:another-disk", self.c.volume_show(vol)["export"]["down"])
        os.unlink(os.path.join(self.w.dm, "ident-7:%d" % minor))
        report = self.c.reconcile()
        self.assertIn("volume %s: its disk is back: the export comes up" % vol, report.steps)
        self.assertIsNone(self.c.volume_show(vol)["export"]["down"])

    def test_version_refused_then_connected_again(self):
        e = self.refused(attachd.VersionError, "protocol version 2 is not supported: this attachd speaks versions 1 to 1",
                         self.c.hello, 2)
        self.assertEqual((e.status, e.errno, e.version, e.version_min), (3, errno.EPROTONOSUPPORT, 1, 1))
        self.assertFalse(self.c.connected)
        self.assertIsInstance(self.c.volume_list(), list)

    def test_malformed_request_and_unknown_call(self):
        e = self.refused(attachd.ProtoError, "dry_run is not accepted by volume-list", self.c._call, Msg.VOLUME_LIST,
                         p.put_flag(Attr.DRY_RUN))
        self.assertEqual((e.status, e.errno), (2, errno.EPROTO))
        e = self.refused(attachd.UnknownCallError, "unknown message type 0x30", self.c._call, 0x30)
        self.assertEqual((e.status, e.errno, e.call), (4, errno.EOPNOTSUPP, None))
        e = self.refused(attachd.TooBig, "name: longer than 255 bytes", self.c._call, Msg.VOLUME_CREATE,
                         p.put_str(Attr.DEVICE, "/dev/x") + p.put_str(Attr.NAME, "n" * 300))
        self.assertEqual((e.status, e.errno), (11, errno.EMSGSIZE))
        self.assertIsInstance(self.c.volume_list(), list)

    def as_user(self, uid, code):
        """Run @code as @uid (group 0, which may open the socket) with the package copied where that
        uid can read it; its stdout."""
        pkg = os.path.join(self.w.dir, "pkg")
        if not os.path.isdir(pkg):
            shutil.copytree(os.path.join(world.ROOT, "python", "attachd"), os.path.join(pkg, "attachd"))
        script = "import sys, attachd\nc = attachd.Client(sys.argv[1], timeout=10)\n" + code
        # the system's interpreter: one under root's home (pyenv) is not the uid's to run
        python = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
        r = subprocess.run([python, "-c", script, self.w.sock], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, user=uid, group=0, extra_groups=[],
                           env={"PYTHONPATH": pkg, "PYTHONDONTWRITEBYTECODE": "1", "PATH": os.environ["PATH"]})
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_permission_refused_by_privilege_and_by_peer_credentials(self):
        vol = self.c.volume_create(self.disk()[0])
        out = self.as_user(65534, """
print(len(c.volume_list()) > 0, c.volume_show(%r)["state"])
for call in (lambda: c.reserve(%r), lambda: c.volume_show(%r, secrets=True)):
    try:
        call()
    except attachd.PermissionDenied as e:
        print(e.status, e.errno, e.refused, e.call, e.message)
""" % (vol, vol, vol))
        lines = out.splitlines()
        self.assertEqual(lines[0], "True available")
        self.assertEqual(lines[1], "5 %d False reserve uid 65534 may make read-only calls only (--read-uid): not reserve"
                         % errno.EPERM)
        self.assertRegex(lines[2], r"^5 \d+ False volume-show uid 65534 may make read-only calls only .*with secrets")
        out = self.as_user(65533, """
try:
    c.volume_list()
except attachd.PermissionDenied as e:
    print(e.status, e.refused, e.call, c.connected, e.message)
""")
        self.assertEqual(out.strip(), "5 True None False uid 65533 is not allowed to use attachd (root, --allow-uid, "
                                      "--allow-gid)")


class TooManyClients(unittest.TestCase):
    """A refusal at accept, on an agent of its own: no other test's connection is still being closed."""

    def test_too_many_clients_is_a_refusal_at_accept(self):
        w = world.World(disks=0, first_minor=90)
        self.addCleanup(w.free)
        w.start("--max-clients", "3")
        clients = [attachd.Client(w.sock, timeout=10) for _ in range(4)]
        for c in clients:
            self.addCleanup(c.close)
        for c in clients[:3]:
            c.volume_list()
        with self.assertRaisesRegex(attachd.LimitReached, r"too many clients \(limit 3\)") as cm:
            clients[3].volume_list()
        e = cm.exception
        self.assertEqual((e.status, e.errno, e.refused, e.call), (12, errno.EUSERS, True, None))
        self.assertFalse(clients[3].connected)
        clients[0].close()
        # a slot is free once the agent has seen that close (it may serve the new connection first)
        for _ in range(100):
            try:
                self.assertIsInstance(clients[3].volume_list(), list)
                break
            except attachd.LimitReached:
                time.sleep(0.02)
        else:
            self.fail("no slot came free after a client closed")


class FakeStatuses(unittest.TestCase):
    """Every status number, as the reply to a call and as a REFUSED message."""

    def test_every_status_maps_to_its_exception(self):
        def answer(conn, msg_type, seq, body):
            status = int(body[-1:].hex(), 16)  # the test puts the status to answer in the request
            conn.sendall(fake.ok(msg_type, seq, status=status, text="agent says %d" % status))

        with fake.FakeAgent(answer) as agent:
            c = attachd.Client(agent.path, timeout=5)
            for status in list(range(1, 19)) + [19, 255]:
                with self.subTest(status=status):
                    cls = attachd.STATUS_ERRORS.get(status, attachd.AgentError)
                    with self.assertRaises(attachd.AgentError) as cm:
                        c._call(Msg.VOLUME_LIST, b"\0\0\0" + bytes([status]))
                    e = cm.exception
                    self.assertIs(type(e), cls)
                    self.assertEqual((e.status, e.message, e.call, e.refused), (status, "agent says %d" % status,
                                                                                "volume-list", False))
                    self.assertEqual(e.status_name, attachd.STATUS_NAMES.get(status, "unknown"))
            self.assertTrue(c.connected)
            self.assertEqual(agent.connections, 1)
            c.close()

    def test_refused_messages(self):
        def refuse(conn, msg_type, seq, body):
            status = body[-1]
            conn.sendall(fake.message(0x0F, 0, fake.u32(1, status) + fake.string(2, "refused %d" % status)))
            return False

        with fake.FakeAgent(refuse) as agent:
            c = attachd.Client(agent.path, timeout=5)
            for status, cls in ((16, attachd.AgentTimeout), (12, attachd.LimitReached), (0, attachd.InternalError)):
                with self.subTest(status=status):
                    with self.assertRaises(cls) as cm:
                        c._call(Msg.VOLUME_LIST, b"\0\0\0" + bytes([status]))
                    self.assertTrue(cm.exception.refused)
                    self.assertEqual(cm.exception.message, "refused %d" % status)
                    self.assertIsNone(cm.exception.call)
                    self.assertFalse(c.connected)
            self.assertEqual(agent.connections, 3)

    def test_version_already_and_no_space_bodies(self):
        def answer(conn, msg_type, seq, body):
            if msg_type == Msg.RESERVE:
                conn.sendall(fake.ok(msg_type, seq, fake.string(16, "b10a4920-5b4d-48ee-9592-bc578ffb6721"),
                                     status=18, text="already reserved"))
            else:
                conn.sendall(fake.ok(msg_type, seq, status=13, text="the records could not be saved"))

        with fake.FakeAgent(answer) as agent:
            c = attachd.Client(agent.path, timeout=5)
            with self.assertRaises(attachd.Already) as cm:
                c.reserve("aaaaaaaa-0000-4000-8000-000000000001")
            self.assertEqual(cm.exception.attachment_id, "b10a4920-5b4d-48ee-9592-bc578ffb6721")
            with self.assertRaises(attachd.NoSpace) as cm:
                c.volume_create("/dev/x")
            self.assertEqual((cm.exception.errno, cm.exception.call), (errno.ENOSPC, "volume-create"))
            c.close()

        def old_agent(conn, msg_type, seq, body):
            conn.sendall(fake.ok(msg_type, seq, fake.u32(3, 0), fake.u32(4, 0), status=3,
                                 text="protocol version 1 is not supported: this attachd speaks versions 0 to 0"))

        with fake.FakeAgent(old_agent, greet=False) as agent:
            c = attachd.Client(agent.path, timeout=5)
            with self.assertRaises(attachd.VersionError) as cm:
                c.connect()
            self.assertEqual((cm.exception.version, cm.exception.version_min, cm.exception.call), (0, 0, "hello"))
            self.assertFalse(c.connected)


if __name__ == "__main__":
    unittest.main()
