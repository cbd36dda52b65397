# SPDX-License-Identifier: Apache-2.0
"""Every call of the protocol, with every option, against a real agent (build/attachd-sim): results,
the agent's state after each call (volume-show and the simulated configfs tree), and dry runs that
change nothing."""

import json
import os
import subprocess
import unittest

import world

import attachd

INI_A = "iqn.2004-10.org.example:py-a"
INI_B = "iqn.2004-10.org.example:py-b"
NQN_A = "nqn.2014-08.org.example:py-a"
INST = "6f1c9d7e-1111-4222-8333-944455556666"
INST2 = "7f1c9d7e-1111-4222-8333-944455556666"
PREFIX = "iqn.2026-11.org.attachd"


class AgentTest(unittest.TestCase):
    """A class of tests sharing one agent; each test takes disks of its own."""

    disks = 20
    options = ()
    env = None

    @classmethod
    def setUpClass(cls):
        cls.w = world.World(disks=cls.disks, first_minor=cls.first_minor)
        try:
            cls.w.start(*cls.options, portals=("127.0.0.1:3260", "[::1]:3260"), env=cls.env)
        except Exception:
            cls.w.free()
            raise
        cls.next_disk = 0

    @classmethod
    def tearDownClass(cls):
        rc = cls.w.stop()
        log = cls.w.log_text()
        cls.w.free()
        if rc != 0:
            raise AssertionError("the agent exited with status %d:\n%s" % (rc, log[-2000:]))

    def setUp(self):
        self.c = attachd.Client(self.w.sock, timeout=10)
        self.addCleanup(self.c.close)

    def disk(self):
        cls = type(self)
        i = cls.next_disk
        cls.next_disk += 1
        return self.w.disks[i], self.w.minors[i]

    def volume(self, **kw):
        path, _ = self.disk()
        return self.c.volume_create(path, **kw)

    def cfs(self, *parts):
        return os.path.join(self.w.cfs, *parts)

    def read_cfs(self, *parts):
        """A simulated configfs attribute, as `cat` shows it (the simulator ends reads with a newline)."""
        with open(os.path.join(*parts)) as f:
            return f.read().rstrip("\n")

    def acl_dir(self, vol, initiator):
        return self.cfs("target", "iscsi", "%s:%s" % (PREFIX, vol), "tpgt_1", "acls", initiator)

    def tree(self):
        """The whole simulated tree and the dm directory as one comparable value."""
        out = []
        for base in (self.w.cfs, self.w.dm):
            for root, dirs, files in os.walk(base):
                dirs.sort()
                for name in sorted(dirs + files):
                    path = os.path.join(root, name)
                    if os.path.isfile(path) and not os.path.islink(path):
                        with open(path, "rb") as f:
                            out.append((path, f.read()))
                    else:
                        out.append((path, os.path.islink(path) and os.readlink(path)))
        return out


class Calls(AgentTest):
    first_minor = 20

    def test_hello_gives_the_agents_versions(self):
        self.assertEqual(self.c.hello(), (1, 1))
        self.c.connect()
        self.assertEqual((self.c.agent_version, self.c.agent_version_min), (1, 1))
        self.assertEqual(self.c.last_message, "protocol version 1")

    def test_volume_create_with_every_option(self):
        path, minor = self.disk()
        given = "ABCDEF01-0000-4000-8000-0000000000A1"
        vol = self.c.volume_create(path, name="vol one", volume_id=given, multiattach=True)
        self.assertEqual(vol, given.lower())  # the agent stores ids in lower case
        self.assertIn("created on %s" % path, self.c.last_message)
        listed = [v for v in self.c.volume_list() if v["volume_id"] == vol]
        self.assertEqual(listed, [{
            "volume_id": vol, "name": "vol one", "device": path, "device_node": path,
            "identity": "serial:sim-7-%d" % minor, "state": "available", "multiattach": True,
            "transport": "iscsi", "size": 1 << 30, "created": listed[0]["created"],
        }])
        self.assertGreater(listed[0]["created"], 1600000000)
        plain = self.volume()
        shown = self.c.volume_show(plain)
        self.assertEqual((shown["name"], shown["multiattach"], shown["attachments"], shown["export"], shown["acls"]),
                         (None, False, [], None, []))

    def test_volume_create_dry_run_creates_nothing(self):
        path, _ = self.disk()
        before = self.c.volume_list()
        plan = self.c.volume_create(path, name="dry", dry_run=True)
        self.assertIsInstance(plan, attachd.Plan)
        self.assertRegex(plan.result, r"^[0-9a-f-]{36}$")
        self.assertTrue(any("record: volume %s" % plan.result in s for s in plan.steps), plan.steps)
        self.assertRegex(plan.message, r"^dry run: \d+ step\(s\), 0 of them in the kernel; nothing changed$")
        self.assertEqual(self.c.volume_list(), before)
        with self.assertRaises(attachd.NotFound):
            self.c.volume_show(plan.result)

    def test_the_whole_attach_and_detach_cycle(self):
        vol = self.volume(name="cycle")
        att = self.c.reserve(vol)
        self.assertEqual(self.c.volume_show(vol)["state"], "attaching")
        info = self.c.initialize_connection(vol, INI_A, host="compute-a", ip="192.0.2.5")
        self.assertEqual(info["driver_volume_type"], "iscsi")
        data = info["data"]
        self.assertEqual(data["target_iqn"], "%s:%s" % (PREFIX, vol))
        self.assertEqual(data["target_portals"], ["127.0.0.1:3260", "[::1]:3260"])
        self.assertEqual(self.read_cfs(self.acl_dir(vol, INI_A), "auth", "password"), data["auth_password"])
        self.assertEqual(self.c.attach(vol, INST, "compute-a", "/dev/vdb"), att)
        shown = self.c.volume_show(vol)
        self.assertEqual(shown["state"], "in-use")
        self.assertEqual(shown["attachments"], [{
            "attachment_id": att, "state": "attached", "instance": INST, "host": "compute-a",
            "mountpoint": "/dev/vdb", "mode": "rw", "initiator": INI_A, "connected": True,
            "created": shown["attachments"][0]["created"],
        }])
        self.assertEqual(shown["export"], {"target_iqn": data["target_iqn"], "portals": data["target_portals"],
                                           "lun": 0, "down": None})
        self.assertEqual(shown["acls"], [{"initiator": INI_A, "refs": 1, "auth_username": data["auth_username"],
                                          "auth_username_in": None, "auth_password_in": None, "mode": "rw"}])
        self.assertIsNone(self.c.begin_detaching(vol))
        self.assertEqual(self.c.volume_show(vol)["state"], "detaching")
        self.assertIsNone(self.c.roll_detaching(vol))
        self.assertIn("back in-use", self.c.last_message)
        self.c.begin_detaching(vol)
        self.assertIsNone(self.c.terminate_connection(vol, INI_A))
        self.assertIn("export removed", self.c.last_message)
        self.assertFalse(os.path.exists(self.cfs("target", "iscsi", data["target_iqn"])))
        self.assertIsNone(self.c.detach(vol))
        self.assertIn("volume available", self.c.last_message)
        self.assertEqual(self.c.volume_show(vol)["attachments"], [])
        self.assertIsNone(self.c.volume_delete(vol))
        with self.assertRaisesRegex(attachd.NotFound, "no volume %s" % vol):
            self.c.volume_show(vol)

    def test_secrets_only_when_asked(self):
        vol = self.volume()
        self.c.reserve(vol)
        info = self.c.initialize_connection(vol, INI_A)
        acl = self.c.volume_show(vol)["acls"][0]
        self.assertNotIn("auth_password", acl)
        acl = self.c.volume_show(vol, secrets=True)["acls"][0]
        self.assertEqual(acl["auth_password"], info["data"]["auth_password"])
        self.assertEqual(self.c.initialize_connection(vol, INI_A), info)  # a retry: the same credentials
        self.assertIn("(retry)", self.c.last_message)

    def test_read_only_reserve_and_attach(self):
        vol = self.volume()
        att = self.c.reserve(vol, mode="ro")
        info = self.c.initialize_connection(vol, INI_A)
        self.assertEqual(info["data"]["access_mode"], "ro")
        self.assertEqual(self.read_cfs(self.acl_dir(vol, INI_A), "lun_0", "write_protect"), "1")
        with self.assertRaisesRegex(attachd.InvalidError, "was reserved ro: attach as rw conflicts") as cm:
            self.c.attach(vol, INST, "h", "/dev/vdb", mode="rw")
        self.assertEqual(cm.exception.call, "attach")
        self.assertEqual(self.c.attach(vol, INST, "h", "/dev/vdb", mode="ro"), att)
        shown = self.c.volume_show(vol)
        self.assertEqual((shown["attachments"][0]["mode"], shown["acls"][0]["mode"]), ("ro", "ro"))
        # a read-write reserve is the default and can be said
        vol2 = self.volume()
        self.c.reserve(vol2, mode="rw")
        self.assertEqual(self.c.initialize_connection(vol2, INI_A)["data"]["access_mode"], "rw")
        self.assertEqual(self.c.attach(vol2, INST, "h", "/dev/vdc", mode=None), self.c.volume_show(vol2)["attachments"][0]["attachment_id"])

    def test_mutual_chap(self):
        vol = self.volume()
        self.c.reserve(vol)
        plain = self.c.initialize_connection(vol, INI_A)
        self.assertNotIn("auth_username_in", plain["data"])
        mutual = self.c.initialize_connection(vol, INI_A, mutual_chap=True)
        d = mutual["data"]
        self.assertEqual((len(d["auth_username_in"]), len(d["auth_password_in"])), (16, 16))
        self.assertNotEqual(d["auth_username_in"], d["auth_username"])
        self.assertEqual(self.c.initialize_connection(vol, INI_A, mutual_chap=True), mutual)
        self.assertEqual(self.read_cfs(self.acl_dir(vol, INI_A), "auth", "userid_mutual"), d["auth_username_in"])
        acl = self.c.volume_show(vol, secrets=True)["acls"][0]
        self.assertEqual((acl["auth_username_in"], acl["auth_password_in"]), (d["auth_username_in"], d["auth_password_in"]))
        acl = self.c.volume_show(vol)["acls"][0]
        self.assertEqual((acl["auth_username_in"], acl["auth_password_in"]), (d["auth_username_in"], None))

    def test_multipath_host_and_ip(self):
        vol = self.volume()
        self.c.reserve(vol)
        info = self.c.initialize_connection(vol, INI_B, host="compute-b", ip="::1", multipath=True)
        d = info["data"]
        self.assertEqual((d["target_portal"], d["target_portals"]), ("127.0.0.1:3260", ["127.0.0.1:3260", "[::1]:3260"]))
        self.assertEqual((d["target_iqns"], d["target_luns"]), ([d["target_iqn"]] * 2, [0, 0]))
        acl = self.c.volume_show(vol)["acls"][0]
        self.assertEqual(acl["initiator"], INI_B)
        self.assertEqual(acl["refs"], 1)

    def test_initialize_connection_dry_run(self):
        vol = self.volume()
        self.c.reserve(vol)
        before = self.tree()
        plan = self.c.initialize_connection(vol, INI_A, dry_run=True)
        self.assertIsNone(plan.result)
        self.assertTrue(any(s.startswith("create target %s:%s" % (PREFIX, vol)) for s in plan.steps), plan.steps)
        self.assertEqual(self.tree(), before)
        self.assertIsNone(self.c.volume_show(vol)["export"])

    def test_unreserve_releases_the_connection(self):
        vol = self.volume()
        self.c.reserve(vol)
        self.c.initialize_connection(vol, INI_A)
        plan = self.c.unreserve(vol, dry_run=True)
        self.assertTrue(any("remove" in s for s in plan.steps), plan.steps)
        self.assertEqual(self.c.volume_show(vol)["state"], "attaching")
        self.assertIsNone(self.c.unreserve(vol))
        shown = self.c.volume_show(vol)
        self.assertEqual((shown["state"], shown["export"], shown["attachments"]), ("available", None, []))

    def test_reserve_and_attach_dry_runs(self):
        vol = self.volume()
        plan = self.c.reserve(vol, mode="ro", dry_run=True)
        self.assertRegex(plan.result, "^[0-9a-f-]{36}$")
        self.assertIn("record: volume %s: available -> attaching" % vol, plan.steps)
        self.assertEqual(self.c.volume_show(vol)["state"], "available")
        att = self.c.reserve(vol)
        plan = self.c.attach(vol, INST, "h", "/dev/vdb", attachment_id=att, dry_run=True)
        self.assertEqual(plan.result, att)
        self.assertEqual(self.c.volume_show(vol)["state"], "attaching")
        self.assertEqual(self.c.attach(vol, INST, "h", "/dev/vdb", attachment_id=att), att)
        # the same attach again is a retry; another instance on that attachment is Already
        self.assertEqual(self.c.attach(vol, INST, "h", "/dev/vdb", attachment_id=att), att)
        self.assertIn("(retry)", self.c.last_message)
        with self.assertRaises(attachd.Already) as cm:
            self.c.attach(vol, INST2, "h", "/dev/vdb", attachment_id=att)
        self.assertEqual(cm.exception.attachment_id, att)
        self.assertIn("record: volume %s: in-use -> detaching" % vol, self.c.begin_detaching(vol, dry_run=True).steps)
        self.assertEqual(self.c.volume_show(vol)["state"], "in-use")
        self.c.begin_detaching(vol)
        self.assertIn("record: volume %s: detaching -> in-use" % vol, self.c.roll_detaching(vol, dry_run=True).steps)
        self.assertEqual(self.c.volume_show(vol)["state"], "detaching")

    def test_terminate_by_attachment_and_retries(self):
        vol = self.volume(multiattach=True)
        att1 = self.c.reserve(vol)
        self.c.initialize_connection(vol, INI_A)
        self.c.attach(vol, INST, "h", "/dev/vdb")
        att2 = self.c.reserve(vol)
        self.c.initialize_connection(vol, INI_A)
        self.assertIn("connected again", self.c.last_message)
        self.c.attach(vol, INST2, "h", "/dev/vdc")
        self.assertEqual(self.c.volume_show(vol)["acls"][0]["refs"], 2)
        self.c.begin_detaching(vol)
        plan = self.c.terminate_connection(vol, INI_A, attachment_id=att2, dry_run=True)
        self.assertIsInstance(plan, attachd.Plan)
        self.assertEqual(self.c.volume_show(vol)["acls"][0]["refs"], 2)
        self.c.terminate_connection(vol, INI_A, attachment_id=att2)
        self.assertIn("keeps access (1 connection(s) left)", self.c.last_message)
        shown = self.c.volume_show(vol)
        self.assertEqual({a["attachment_id"]: a["connected"] for a in shown["attachments"]}, {att1: True, att2: False})
        self.c.terminate_connection(vol, INI_A, attachment_id=att2)
        self.assertIn("already terminated (retry)", self.c.last_message)
        # detach: two attached, so the id is needed
        with self.assertRaisesRegex(attachd.InvalidError, "name one"):
            self.c.detach(vol)
        self.assertIsInstance(self.c.detach(vol, attachment_id=att2, dry_run=True), attachd.Plan)
        self.assertEqual(len(self.c.volume_show(vol)["attachments"]), 2)
        self.c.detach(vol, attachment_id=att2)
        self.assertEqual([a["attachment_id"] for a in self.c.volume_show(vol)["attachments"]], [att1])
        self.c.detach(vol, attachment_id=att2)
        self.assertIn("already detached (retry)", self.c.last_message)

    def test_force_terminate(self):
        vol = self.volume(multiattach=True)
        self.c.reserve(vol)
        info = self.c.initialize_connection(vol, INI_A)
        self.c.attach(vol, INST, "h", "/dev/vdb")
        self.c.initialize_connection(vol, INI_B)  # a second initiator, on the in-use volume
        target = self.cfs("target", "iscsi", info["data"]["target_iqn"])
        before = self.tree()
        plan = self.c.terminate_connection(vol, force=True, dry_run=True)
        self.assertTrue(any(s.startswith("fence dm device attachd-%s" % vol) for s in plan.steps), plan.steps)
        self.assertEqual(self.tree(), before)
        self.assertIsNone(self.c.terminate_connection(vol, INI_A, force=True))  # the initiator is then ignored
        self.assertIn("forced teardown", self.c.last_message)
        self.assertIn("2 initiator(s) removed", self.c.last_message)
        self.assertFalse(os.path.exists(target))
        shown = self.c.volume_show(vol)
        self.assertEqual((shown["export"], shown["acls"], shown["attachments"][0]["connected"]), (None, [], False))
        with self.assertRaisesRegex(attachd.NotFound, "not exported"):
            self.c.terminate_connection(vol, force=True)

    def test_volume_extend(self):
        path, minor = self.disk()
        vol = self.c.volume_create(path)
        self.assertEqual(self.c.volume_extend(vol), 1 << 30)
        self.w.sim_file("size-7:%d" % minor, str(3 << 30))
        plan = self.c.volume_extend(vol, dry_run=True)
        self.assertEqual(plan.result, 3 << 30)
        self.assertEqual(self.c.volume_show(vol)["size"], 1 << 30)
        self.assertEqual(self.c.volume_extend(vol), 3 << 30)
        self.assertEqual(self.c.volume_show(vol)["size"], 3 << 30)
        self.w.sim_file("size-7:%d" % minor, str(2 << 30))
        with self.assertRaisesRegex(attachd.InvalidError, "shrank"):
            self.c.volume_extend(vol)

    def test_volume_delete_dry_run_keeps_the_volume(self):
        vol = self.volume()
        plan = self.c.volume_delete(vol, dry_run=True)
        self.assertTrue(any(vol in s for s in plan.steps), plan.steps)
        self.assertEqual(self.c.volume_show(vol)["state"], "available")

    def test_reconcile_when_nothing_differs(self):
        report = self.c.reconcile()
        self.assertEqual(report, attachd.Report([], "nothing to do: the kernel matches the records"))
        self.assertEqual(self.c.reconcile(dry_run=True).steps, [])
        self.assertEqual(self.c.reconcile(purge_unowned=True, dry_run=True).steps, [])


class Unowned(AgentTest):
    """reconcile's purge_unowned: exports an empty database did not make are left alone, listed, and
    removed on request."""

    first_minor = 40
    disks = 2

    def test_purge_unowned(self):
        vol = self.volume()
        self.c.reserve(vol)
        iqn = self.c.initialize_connection(vol, INI_A)["data"]["target_iqn"]
        self.c.close()
        self.assertEqual(self.w.stop(), 0)
        self.w.db = os.path.join(self.w.dir, "db-empty")  # a database that never made that export
        self.w.start(portals=("127.0.0.1:3260",))
        target = self.cfs("target", "iscsi", iqn)
        report = self.c.reconcile(dry_run=True)
        self.assertIn("did not make it: left alone", "\n".join(report.steps))
        self.assertTrue(os.path.isdir(target))
        plan = self.c.reconcile(purge_unowned=True, dry_run=True)
        self.assertIn("  would remove unrecorded target %s and everything in it" % iqn, plan.steps)
        self.assertTrue(os.path.isdir(target))
        report = self.c.reconcile(purge_unowned=True)
        self.assertIn("  remove unrecorded target %s and everything in it" % iqn, report.steps)
        self.assertRegex(report.summary, r"^\d+ difference\(s\), \d+ fixed, 0 failed$")
        self.assertFalse(os.path.exists(target))


class Stats(AgentTest):
    """stats(): counters that move by exactly the calls made, cumulative histograms, the store's counts,
    the sessions the kernel shows, the reconciles (an unowned export purged), and attachctl's document."""

    first_minor = 50
    disks = 2

    def delta(self, before, after):
        """{(call, status): count} of what moved between two stats() results."""
        out = {}
        for a, b in zip(before["calls"], after["calls"]):
            self.assertEqual(a["call"], b["call"])
            for status, n in b["statuses"].items():
                if n != a["statuses"].get(status, 0):
                    out[(b["call"], status)] = n - a["statuses"].get(status, 0)
        return out

    def test_counters_records_sessions(self):
        s0 = self.c.stats()
        vol = self.volume()
        self.c.volume_list()
        self.c.volume_list()
        with self.assertRaises(attachd.NotFound):
            self.c.reserve("0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b")
        self.c.reserve(vol)
        with self.assertRaises(attachd.Already):
            self.c.reserve(vol)
        s1 = self.c.stats()
        self.assertEqual(self.delta(s0, s1), {("stats", "ok"): 1, ("volume-create", "ok"): 1,
                                              ("volume-list", "ok"): 2, ("reserve", "not-found"): 1,
                                              ("reserve", "ok"): 1, ("reserve", "already"): 1})
        for c in s1["calls"]:
            counts = [b["count"] for b in c["buckets"]]
            self.assertEqual(counts, sorted(counts), c["call"])
            self.assertEqual(sum(c["statuses"].values()), c["count"], c["call"])
            self.assertEqual(counts[-1], c["count"], c["call"])  # nothing here takes 10 s
        self.assertEqual(s1["start_time"], s0["start_time"])
        self.c.initialize_connection(vol, INI_A)
        iqn = "%s:%s" % (PREFIX, vol)
        subprocess.run([world.SIMSETUP, "--login", self.w.cfs, iqn, INI_A], check=True)
        s = self.c.stats()
        self.assertEqual(s["records"], {"volumes": 1, "exports": 1, "acls": 1, "attachments": 1, "intents": 0})
        self.assertEqual(s["exports"], [{"volume_id": vol, "target_iqn": iqn, "down": None, "sessions": 1,
                                         "initiators": [{"initiator": INI_A, "logged_in": True}]}])
        self.assertEqual(s["reconcile"]["start"]["status"], "ok")
        self.assertIsNone(s["reconcile"]["call"])
        # attachctl's document: the same keys in the same order; the same values but the counters, which
        # its own connection and this call move
        line, ctl = self.w.ctl_json("stats")
        mine = self.c.stats()
        self.assertEqual([c["call"] for c in ctl["calls"]], [c["call"] for c in mine["calls"]])
        for d in (ctl, mine):
            d["calls"] = [sorted(c) for c in d["calls"]]
        self.assertEqual(json.dumps(mine), json.dumps(ctl))
        self.assertTrue(line.startswith('{"start_time": '))

    def test_reconcile_purges_unowned(self):
        vol = self.volume()
        self.c.reserve(vol)
        self.c.initialize_connection(vol, INI_B)
        n = 3 * self.c.stats()["records"]["exports"]  # each: a target, a storage object, a dm device
        self.c.close()
        self.assertEqual(self.w.stop(), 0)
        db = self.w.db
        self.w.db = os.path.join(self.w.dir, "db-stats-empty")  # a database that never made that export
        try:
            self.w.start(portals=("127.0.0.1:3260", "[::1]:3260"))
            start = self.c.stats()["reconcile"]["start"]
            self.assertEqual((start["unowned"], start["removed"]), (n, 0))
            self.c.reconcile(purge_unowned=True)
            call = self.c.stats()["reconcile"]["call"]
            self.assertEqual((call["status"], call["removed"], call["failed"]), ("ok", n, 0))
            self.assertEqual(call["differences"], call["fixed"])
        finally:
            self.c.close()
            self.w.stop()
            self.w.db = db
            self.w.start(portals=("127.0.0.1:3260", "[::1]:3260"))


if __name__ == "__main__":
    unittest.main()


class Nvme(AgentTest):
    """NVMe/TCP volumes: os-brick's nvmeof info, host NQNs, DH-HMAC-CHAP where the kernel (a 6.12 tree)
    has it, and the refusals across transports."""

    first_minor = 120
    disks = 4
    options = ("--nvme-port", "127.0.0.1:4420")

    @classmethod
    def setUpClass(cls):
        cls.w = world.World(disks=cls.disks, first_minor=cls.first_minor, kernel="6.12")
        try:
            cls.w.start(*cls.options, env=cls.env)
        except Exception:
            cls.w.free()
            raise
        cls.next_disk = 0

    def test_cycle(self):
        vol = self.volume(transport="nvme-tcp")
        self.assertEqual(self.c.volume_show(vol)["transport"], "nvme-tcp")
        self.c.reserve(vol)
        info = self.c.initialize_connection(vol, nqn=NQN_A, dhchap_bidirectional=True, dhchap_dhgroup="ffdhe3072")
        self.assertEqual(info["driver_volume_type"], "nvmeof")
        data = info["data"]
        self.assertEqual(data["target_nqn"], "nqn.2026-11.org.attachd:" + vol)
        self.assertEqual((data["vol_uuid"], data["ns_id"], data["host_nqn"]), (vol, 1, NQN_A))
        self.assertEqual(data["portals"], [["127.0.0.1", "4420", "tcp"]])
        self.assertTrue(data["dhchap_secret"].startswith("DHHC-1:00:"))
        self.assertTrue(data["dhchap_ctrl_secret"].startswith("DHHC-1:00:"))
        self.assertEqual(data["dhchap_dhgroup"], "ffdhe3072")
        again = self.c.initialize_connection(vol, nqn=NQN_A, dhchap_bidirectional=True, dhchap_dhgroup="ffdhe3072")
        self.assertEqual(again, info)  # a retry: the same keys
        shown = self.c.volume_show(vol)
        self.assertEqual(shown["acls"][0]["host_nqn"], NQN_A)
        self.assertNotIn("dhchap_secret", shown["acls"][0])
        self.assertEqual(self.c.volume_show(vol, secrets=True)["acls"][0]["dhchap_secret"], data["dhchap_secret"])
        self.c.attach(vol, INST, "compute", "/dev/vdb")
        self.c.begin_detaching(vol)
        self.c.terminate_connection(vol, NQN_A)
        self.assertIsNone(self.c.volume_show(vol)["export"])

    def test_refusals(self):
        vol = self.volume(transport="nvme-tcp")
        self.c.reserve(vol)
        with self.assertRaises(attachd.InvalidError):
            self.c.initialize_connection(vol, initiator=INI_A)
        with self.assertRaises(attachd.ArgumentError):
            self.c.initialize_connection(vol, nqn="nqn.not-a-date:x")
        with self.assertRaises(attachd.ArgumentError):
            self.c.initialize_connection(vol, nqn=NQN_A, dhchap_dhgroup="ffdhe1024")
        with self.assertRaises(attachd.ArgumentError):
            self.c.initialize_connection(vol, initiator=INI_A, nqn=NQN_A)
        with self.assertRaises(attachd.ArgumentError):
            self.c.volume_create(self.disk()[0], transport="fc")
