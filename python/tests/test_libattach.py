# SPDX-License-Identifier: Apache-2.0
"""The Python client and libattach (through attachctl --json) on the same agent give the same results:
json.dumps() of this package's result is, byte for byte, the line attachctl prints for the same call,
and an error carries the message attachctl prints. Also: the connection info has the keys and types
os-brick's ISCSIConnector reads."""

import json
import unittest

import world

import attachd

INI = "iqn.2004-10.org.example:same"
INST = "6f1c9d7e-1111-4222-8333-944455556666"


class Same(unittest.TestCase):
    options = ()
    portals = ("127.0.0.1:3260", "[::1]:3260")
    first_minor = 120

    @classmethod
    def setUpClass(cls):
        cls.w = world.World(disks=6, first_minor=cls.first_minor)
        cls.next = 0
        try:
            cls.w.start(*cls.options, portals=cls.portals)
        except Exception:
            cls.w.free()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.w.free()

    def setUp(self):
        self.c = attachd.Client(self.w.sock, timeout=10)
        self.addCleanup(self.c.close)

    def volume(self, **kw):
        i = type(self).next
        type(self).next += 1
        return self.c.volume_create(self.w.disks[i], **kw)

    def same(self, python_result, *ctl_args):
        line, _ = self.w.ctl_json(*ctl_args)
        self.assertEqual(json.dumps(python_result), line)
        return python_result


class WithLibattach(Same):
    def test_connection_info(self):
        vol = self.volume()
        self.c.reserve(vol, mode="ro")
        info = self.c.initialize_connection(vol, INI, host="h", ip="127.0.0.1", multipath=True, mutual_chap=True)
        # a retry of the same call through libattach returns the same credentials
        self.same(info, "initialize-connection", vol, "--initiator", INI, "--host", "h", "--ip", "127.0.0.1",
                  "--multipath", "--mutual-chap")
        self.assertEqual(info["data"]["access_mode"], "ro")
        plain = self.c.initialize_connection(vol, INI)
        self.same(plain, "initialize-connection", vol, "--initiator", INI)
        self.assertNotIn("auth_username_in", plain["data"])

    def test_volume_show_and_list(self):
        vol = self.volume(name="same", multiattach=True)
        self.c.reserve(vol)
        self.c.initialize_connection(vol, INI, mutual_chap=True, ip="::1")
        self.c.attach(vol, INST, "h", "/dev/vdb")
        self.c.reserve(vol)
        self.same(self.c.volume_show(vol), "volume-show", vol)
        self.same(self.c.volume_show(vol, secrets=True), "volume-show", vol, "--secrets")
        self.same({"volumes": self.c.volume_list()}, "volume-list")

    def test_ids_sizes_plans_and_reports(self):
        vol = self.volume()
        line, parsed = self.w.ctl_json("volume-create", "--device", self.w.disks[type(self).next])
        type(self).next += 1
        self.assertEqual(json.dumps({"volume_id": parsed["volume_id"]}), line)
        self.assertEqual(self.c.volume_show(parsed["volume_id"])["state"], "available")
        self.same({"size": self.c.volume_extend(vol)}, "volume-extend", vol)
        self.same({"plan": self.c.volume_delete(vol, dry_run=True).steps}, "--dry-run", "volume-delete", vol)
        att = self.c.reserve(vol)
        self.same({"plan": self.c.attach(vol, INST, "h", "/dev/vdb", dry_run=True).steps}, "--dry-run", "attach", vol,
                  "--instance", INST, "--host", "h", "--mountpoint", "/dev/vdb")
        self.same({"attachment_id": self.c.attach(vol, INST, "h", "/dev/vdb")}, "attach", vol, "--instance", INST,
                  "--host", "h", "--mountpoint", "/dev/vdb")  # libattach's is the retry
        self.assertEqual(att, self.c.volume_show(vol)["attachments"][0]["attachment_id"])
        self.same(self.c.reconcile()._asdict(), "reconcile")
        self.same(self.c.reconcile(dry_run=True, purge_unowned=True)._asdict(), "reconcile", "--dry-run",
                  "--purge-unowned")

    def test_the_same_refusal(self):
        vol = self.volume()
        self.c.reserve(vol)
        with self.assertRaises(attachd.Already) as cm:
            self.c.reserve(vol)
        rc, _, err = self.w.ctl("reserve", vol, check=False)
        self.assertEqual((rc, err), (1, "attachctl: reserve: %s\n" % cm.exception.message))
        with self.assertRaises(attachd.StateError) as cm:
            self.c.begin_detaching(vol)
        rc, _, err = self.w.ctl("begin-detaching", vol, check=False)
        self.assertEqual((rc, err), (1, "attachctl: begin-detaching: %s\n" % cm.exception.message))

    def test_connection_info_is_what_os_brick_reads(self):
        vol = self.volume()
        self.c.reserve(vol)
        info = self.c.initialize_connection(vol, INI)
        self.assertEqual(info["driver_volume_type"], "iscsi")
        d = info["data"]
        # ISCSIConnector: one target per (portal, iqn, lun) of the three lists, or target_portal/iqn/lun
        self.assertIsInstance(d["target_lun"], int)
        self.assertNotIsInstance(d["target_lun"], bool)
        self.assertTrue(all(type(lun) is int for lun in d["target_luns"]))
        self.assertEqual(len(d["target_portals"]), len(d["target_iqns"]))
        self.assertEqual(len(d["target_portals"]), len(d["target_luns"]))
        self.assertEqual(d["target_portal"], d["target_portals"][0])
        for portal in d["target_portals"]:
            self.assertRegex(portal, r"^(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):\d+$")  # with its port
        self.assertEqual(d["auth_method"], "CHAP")  # exactly: "chap" makes iscsiadm fail
        self.assertRegex(d["auth_username"], "^[A-Za-z0-9]{16}$")
        self.assertRegex(d["auth_password"], "^[A-Za-z0-9]{16}$")
        self.assertIs(d["target_discovered"], False)
        self.assertIs(d["encrypted"], False)
        self.assertEqual((d["volume_id"], d["access_mode"]), (vol, "rw"))
        self.assertFalse([k for k in d if k.startswith("discovery_")])  # the agent has no discovery CHAP
        self.assertEqual(list(d), ["target_discovered", "target_iqn", "target_portal", "target_lun", "target_iqns",
                                   "target_portals", "target_luns", "volume_id", "auth_method", "auth_username",
                                   "auth_password", "access_mode", "encrypted"])


class DiscoveryChapAndWildcard(Same):
    """An agent enforcing discovery CHAP, with a wildcard portal: os-brick's discovery_auth_* keys, and the
    address advertised toward the connector's ip."""

    options = ("--discovery-chap",)
    portals = ("0.0.0.0:3260",)
    first_minor = 130

    def test_discovery_credentials(self):
        vol = self.volume()
        self.c.reserve(vol)
        info = self.c.initialize_connection(vol, INI, ip="127.0.0.1")
        self.same(info, "initialize-connection", vol, "--initiator", INI, "--ip", "127.0.0.1")
        d = info["data"]
        self.assertEqual(d["target_portals"], ["127.0.0.1:3260"])
        self.assertEqual(d["discovery_auth_method"], "CHAP")
        self.assertRegex(d["discovery_auth_username"], "^[A-Za-z0-9]{16}$")
        self.assertRegex(d["discovery_auth_password"], "^[A-Za-z0-9]{16}$")
        self.assertEqual(list(d)[-3:], ["discovery_auth_method", "discovery_auth_username", "discovery_auth_password"])
        with self.assertRaisesRegex(attachd.InvalidError, "needs the connector's ip"):
            self.c.initialize_connection(vol, INI)


if __name__ == "__main__":
    unittest.main()
