# SPDX-License-Identifier: Apache-2.0
"""Bad arguments are refused by the client with ArgumentError naming the argument, before anything is
sent (a fake agent sees no connection). Each refused value that can be put on the wire is then sent
as it is to a real agent, which refuses it too: the client's rules are never stricter than the
agent's. Values at the edges of the rules pass both."""

import unittest

import fake
import world

import attachd
from attachd import protocol as p
from attachd.protocol import Attr, Msg

VOL = "aaaaaaaa-0000-4000-8000-000000000001"  # valid, and no such volume
INST = "6f1c9d7e-1111-4222-8333-944455556666"
INI = "iqn.2004-10.org.example:v"


def reqs(call, **over):
    """The request attributes of @call with its required arguments valid, @over replacing some."""
    base = {
        "volume_create": {"device": "/dev/sim/none"},
        "volume_show": {"volume_id": VOL},
        "reserve": {"volume_id": VOL},
        "initialize_connection": {"volume_id": VOL, "initiator": INI},
        "attach": {"volume_id": VOL, "instance": INST, "host": "h", "mountpoint": "/dev/vdb"},
        "terminate_connection": {"volume_id": VOL, "initiator": INI},
        "detach": {"volume_id": VOL},
    }[call]
    return dict(base, **over)


# (call, arguments, the argument named, message pattern, what the agent answers the same value with)
INVALID, TOO_BIG = attachd.InvalidError, attachd.TooBig
CASES = [
    ("volume_show", {"volume_id": "0000000g-0000-4000-8000-000000000000"}, "volume_id", "not a UUID", INVALID),
    ("volume_show", {"volume_id": VOL[:35]}, "volume_id", "not a UUID", INVALID),
    ("volume_show", {"volume_id": VOL + "0"}, "volume_id", "37 bytes long, over the maximum of 36", TOO_BIG),
    ("volume_show", {"volume_id": "aaaaaaaa00000-4000-8000-000000000001"}, "volume_id", "not a UUID", INVALID),
    ("volume_show", {"volume_id": ""}, "volume_id", "must not be empty", INVALID),
    ("volume_show", {"volume_id": None}, "volume_id", "expected a string", INVALID),
    ("volume_show", {"volume_id": 5}, "volume_id", "expected a string", None),
    ("volume_create", {"device": "dev/sdb"}, "device", "not an absolute path", INVALID),
    ("volume_create", {"device": "/dev//sdb"}, "device", "without empty", INVALID),
    ("volume_create", {"device": "/dev/./sdb"}, "device", "without empty", INVALID),
    ("volume_create", {"device": "/dev/../dev/sdb"}, "device", "without empty", INVALID),
    ("volume_create", {"device": "/dev/sdb/"}, "device", "without empty", INVALID),
    ("volume_create", {"device": "/"}, "device", "without empty", INVALID),
    ("volume_create", {"device": "/" + "d" * 1023}, "device", "1024 bytes long", TOO_BIG),
    ("volume_create", {"name": "n" * 256}, "name", "256 bytes long, over the maximum of 255", TOO_BIG),
    ("volume_create", {"name": "\u00e9" * 128}, "name", "256 bytes long", TOO_BIG),
    ("volume_create", {"name": "line\nbreak"}, "name", "control character", INVALID),
    ("volume_create", {"name": "del\x7f"}, "name", "control character", INVALID),
    ("volume_create", {"name": "nul\0"}, "name", "control character", None),
    ("volume_create", {"name": "\ud800"}, "name", "not valid Unicode", None),
    ("volume_create", {"volume_id": "x"}, "volume_id", "not a UUID", INVALID),
    ("volume_create", {"multiattach": "yes"}, "multiattach", "expected True or False", None),
    ("volume_create", {"dry_run": 1}, "dry_run", "expected True or False", None),
    ("volume_show", {"secrets": None}, "secrets", "expected True or False", None),
    ("reserve", {"mode": "rx"}, "mode", "expected 'rw' or 'ro'", INVALID),
    ("reserve", {"mode": 1}, "mode", "expected 'rw' or 'ro'", None),
    ("initialize_connection", {"initiator": "iqn.bad name"}, "initiator", "only letters, digits", INVALID),
    ("initialize_connection", {"initiator": "iqn.2004-13.org.example:x"}, "initiator", "month", INVALID),
    ("initialize_connection", {"initiator": "iqn.2004-1.org.example"}, "initiator", "date YYYY-MM", INVALID),
    ("initialize_connection", {"initiator": "iqn.2004-10org.example"}, "initiator", "naming authority", INVALID),
    ("initialize_connection", {"initiator": "iqn.2004-10.org..example"}, "initiator", "empty label", INVALID),
    ("initialize_connection", {"initiator": "iqn.2004-10.org.example.:x"}, "initiator", "ends with", INVALID),
    ("initialize_connection", {"initiator": "iqn.2004-10.:x"}, "initiator", "empty", INVALID),
    ("initialize_connection", {"initiator": "iqn.2004-10.org.example:"}, "initiator", "nothing after ':'", INVALID),
    ("initialize_connection", {"initiator": "eui.0123456789abcde"}, "initiator", "16 hex digits", INVALID),
    ("initialize_connection", {"initiator": "naa.0123456789abcdef0"}, "initiator", "16 or 32 hex", INVALID),
    ("initialize_connection", {"initiator": "naa.0123456789abcdeg"}, "initiator", "16 or 32 hex", INVALID),
    ("initialize_connection", {"initiator": "com.example:x"}, "initiator", "must start with iqn., eui. or naa.", INVALID),
    ("initialize_connection", {"initiator": "iqn.2004-10.org.example:" + "x" * 200}, "initiator", "over the maximum of 223", TOO_BIG),
    ("initialize_connection", {"host": ""}, "host", "must not be empty", INVALID),
    ("initialize_connection", {"host": "h" * 256}, "host", "over the maximum of 255", TOO_BIG),
    ("initialize_connection", {"ip": "192.0.2"}, "ip", "not an IPv4 or IPv6 address", INVALID),
    ("initialize_connection", {"ip": "192.0.2.010"}, "ip", "not an IPv4 or IPv6 address", INVALID),
    ("initialize_connection", {"ip": "fe80::1%eth0"}, "ip", "not an IPv4 or IPv6 address", INVALID),
    ("initialize_connection", {"ip": "[::1]"}, "ip", "not an IPv4 or IPv6 address", INVALID),
    ("initialize_connection", {"ip": "192.0.2.1:3260"}, "ip", "not an IPv4 or IPv6 address", INVALID),
    ("initialize_connection", {"ip": "1" * 64}, "ip", "over the maximum of 63", TOO_BIG),
    ("initialize_connection", {"mutual_chap": "no"}, "mutual_chap", "expected True or False", None),
    ("initialize_connection", {"multipath": 0}, "multipath", "expected True or False", None),
    ("attach", {"instance": "instance-1"}, "instance", "not a UUID", INVALID),
    ("attach", {"host": None}, "host", "expected a string", INVALID),
    ("attach", {"mountpoint": ""}, "mountpoint", "must not be empty", INVALID),
    ("attach", {"mountpoint": "m" * 1024}, "mountpoint", "over the maximum of 1023", TOO_BIG),
    ("attach", {"mode": "RW"}, "mode", "expected 'rw' or 'ro'", INVALID),
    ("attach", {"attachment_id": "a"}, "attachment_id", "not a UUID", INVALID),
    ("terminate_connection", {"initiator": None}, "initiator", "required unless force", INVALID),
    ("terminate_connection", {"force": True, "attachment_id": VOL}, "attachment_id",
     "does not go together with force", INVALID),
    ("terminate_connection", {"force": "yes"}, "force", "expected True or False", None),
    ("detach", {"attachment_id": VOL.upper() + "X"}, "attachment_id", "37 bytes", TOO_BIG),
]

_CALLS = {
    "volume_create": Msg.VOLUME_CREATE, "volume_show": Msg.VOLUME_SHOW, "reserve": Msg.RESERVE,
    "initialize_connection": Msg.INITIALIZE_CONNECTION, "attach": Msg.ATTACH,
    "terminate_connection": Msg.TERMINATE_CONNECTION, "detach": Msg.DETACH,
}
_ATTRS = {
    "device": Attr.DEVICE, "name": Attr.NAME, "volume_id": Attr.VOLUME_ID, "initiator": Attr.INITIATOR,
    "host": Attr.HOST, "ip": Attr.IP, "instance": Attr.INSTANCE, "mountpoint": Attr.MOUNTPOINT,
    "attachment_id": Attr.ATTACHMENT_ID, "mode": Attr.MODE, "force": Attr.FORCE,
}


def raw_attrs(args):
    """The arguments encoded as they are, without the client's checks (None: left out)."""
    out = b""
    for key, value in args.items():
        if value is None:
            continue
        if key == "mode":
            out += p.put_u8(Attr.MODE, {"rw": 0, "ro": 1}.get(value, 2))
        elif key == "force":
            out += p.put_flag(Attr.FORCE) if value else b""
        else:
            out += p.put_str(_ATTRS[key], value)
    return out


class ClientSide(unittest.TestCase):
    def test_bad_arguments_are_refused_before_anything_is_sent(self):
        with fake.FakeAgent(lambda *a: False) as agent:
            client = attachd.Client(agent.path, timeout=2)
            for call, over, arg, pattern, _ in CASES:
                with self.subTest(call=call, **{k: repr(v)[:40] for k, v in over.items()}):
                    with self.assertRaises(attachd.ArgumentError) as cm:
                        getattr(client, call)(**reqs(call, **over))
                    self.assertTrue(str(cm.exception).startswith(arg + ": "), str(cm.exception))
                    self.assertRegex(str(cm.exception), pattern)
                    self.assertIsInstance(cm.exception, ValueError)
            self.assertFalse(client.connected)
            self.assertEqual((agent.connections, agent.requests), (0, []))

    def test_bad_client_settings(self):
        for kw, pattern in (({"path": "/tmp/" + "s" * 103}, "path: 108 bytes long"), ({"path": ""}, "path: expected"),
                            ({"timeout": 0}, "timeout: expected a positive"), ({"timeout": -1}, "timeout"),
                            ({"timeout": "5"}, "timeout"), ({"timeout": True}, "timeout")):
            with self.subTest(**{k: repr(v) for k, v in kw.items()}):
                with self.assertRaisesRegex(attachd.ArgumentError, pattern):
                    attachd.Client(**kw)
        with self.assertRaisesRegex(attachd.ArgumentError, "version: expected"):
            attachd.Client("/nonexistent").hello(version=-1)


class AgentAgrees(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = world.World(disks=1, first_minor=60)
        try:
            cls.w.start()
        except Exception:
            cls.w.free()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.w.free()

    def setUp(self):
        self.c = attachd.Client(self.w.sock, timeout=10)
        self.addCleanup(self.c.close)

    def test_the_agent_refuses_what_the_client_refuses(self):
        for call, over, arg, _, expected in CASES:
            if expected is None:
                continue  # a value the wire cannot carry (not a string, a NUL inside, not Unicode)
            with self.subTest(call=call, **{k: repr(v)[:40] for k, v in over.items()}):
                with self.assertRaises(attachd.AgentError) as cm:
                    self.c._call(_CALLS[call], raw_attrs(reqs(call, **over)))
                self.assertIs(type(cm.exception), expected, str(cm.exception))
                self.assertIn(arg.split("_id")[0].split("_")[0], cm.exception.message)

    def test_values_at_the_edges_pass_both(self):
        c = self.c
        upper = VOL.upper()
        for call, args in (
            ("volume_show", {"volume_id": upper}),
            ("initialize_connection", {"volume_id": VOL, "initiator": "IQN.2004-10.ORG.Example-1:a:b.c"}),
            ("initialize_connection", {"volume_id": VOL, "initiator": "eui.0123456789ABCDEF", "ip": "::ffff:192.0.2.1",
                                       "host": "\u00e9" * 127}),
            ("initialize_connection", {"volume_id": VOL, "initiator": "naa." + "0f" * 16, "ip": "192.0.2.255"}),
            ("initialize_connection", {"volume_id": VOL, "initiator": "iqn.2004-10.o:" + "x" * 209}),
            ("attach", {"volume_id": VOL, "instance": INST.upper(), "host": "h" * 255, "mountpoint": "m" * 1023,
                        "mode": "ro", "attachment_id": VOL}),
            ("terminate_connection", {"volume_id": VOL, "force": True}),
            ("terminate_connection", {"volume_id": VOL, "initiator": INI, "attachment_id": VOL}),
        ):
            with self.subTest(call=call):
                with self.assertRaisesRegex(attachd.NotFound, "no volume %s" % VOL):
                    getattr(c, call)(**args)
        with self.assertRaisesRegex(attachd.NotFound, "no such device"):
            c.volume_create("/dev/sim/none", name="\u00e9" * 127 + "x", volume_id=upper)


if __name__ == "__main__":
    unittest.main()
