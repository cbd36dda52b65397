# SPDX-License-Identifier: Apache-2.0
"""The wire format without an agent: the package's numbers against the C contract (proto/attach_proto.h,
the status and reply tables of proto/), the bytes of docs/PROTOCOL.md's worked example, and the strict
reply decoder's refusals."""

import errno
import os
import re
import struct
import unittest

import world  # noqa: F401  (puts the package of the tree on sys.path)

import attachd
from attachd import errors
from attachd import protocol as p
from attachd.protocol import Attr, Msg

PROTO = os.path.join(world.ROOT, "proto")


def read(name):
    with open(os.path.join(PROTO, name)) as f:
        return f.read()


def c_enum(text, prefix):
    """{NAME: value} of the enum constants ATTACH_<prefix>NAME = value in @text."""
    return {m.group(1): int(m.group(2), 0) for m in re.finditer(r"\bATTACH_%s(\w+) = (0x[0-9a-fA-F]+|\d+)," % prefix, text)}


class Contract(unittest.TestCase):
    """Every number of this package is the one the C header and tables define."""

    header = read("attach_proto.h")

    def test_message_types_match_attach_proto_h(self):
        c = c_enum(self.header, "MSG_")
        self.assertEqual(len(c), 17)
        self.assertEqual(c, {m.name: int(m) for m in Msg})

    def test_attributes_match_attach_proto_h(self):
        c = c_enum(self.header, "A_")
        c.pop("UNSPEC")
        self.assertEqual(c, {a.name: int(a) for a in Attr})
        self.assertEqual(p.ATTR_MAX, max(c.values()))

    def test_statuses_names_and_errnos_match_proto_status_c(self):
        c = c_enum(self.header, "E_")
        status_c = read("proto_status.c")
        names = dict(re.findall(r"\[ATTACH_(?:E_)?(\w+)\] = \"([a-z-]+)\"", status_c))
        errnos = dict(re.findall(r"case ATTACH_E_(\w+):\n\t\treturn (E\w+);", status_c))
        self.assertEqual(len(c), 19)
        self.assertEqual(set(errors.STATUS_ERRORS), set(c.values()))
        for name, number in c.items():
            cls = errors.STATUS_ERRORS[number]
            with self.subTest(status=name):
                self.assertEqual(cls.status, number)
                self.assertEqual(errors.STATUS_NAMES[number], names[name])
                err = errors.agent_error(number, "m")
                self.assertIs(type(err), cls)
                self.assertEqual(err.errno, getattr(errno, errnos[name]))
        self.assertEqual(errors.STATUS_NAMES[0], names["OK"])
        unknown = errors.agent_error(20, "newer")
        self.assertIs(type(unknown), attachd.AgentError)
        self.assertEqual((unknown.status, unknown.status_name, unknown.errno), (20, "unknown", errno.EREMOTEIO))

    def test_limits_states_and_modes_match_attach_proto_h(self):
        defines = dict(re.findall(r"#define ATTACH_(\w+_(?:MAX|LEN)) (\d+)\b", self.header))
        for name in ("UUID_LEN", "IQN_MAX", "PATH_MAX", "NAME_MAX", "HOST_MAX", "IP_MAX", "PORTAL_MAX",
                     "MESSAGE_MAX", "CHAP_MAX", "DHGROUP_MAX"):
            self.assertEqual(getattr(p, name), int(defines[name]), name)
        self.assertIn("#define ATTACH_REQUEST_MAX %du" % p.REQUEST_MAX, self.header)
        self.assertIn("#define ATTACH_REPLY_MAX (%du << 20)" % (p.REPLY_MAX >> 20), self.header)
        self.assertIn("#define ATTACH_PROTO_VERSION %d " % p.VERSION, self.header)
        states = c_enum(self.header, "STATE_")
        self.assertEqual({v: k.lower().replace("_", "-") for k, v in states.items()}, p.VOLUME_STATES)
        self.assertEqual({v: k.lower() for k, v in c_enum(self.header, "ATT_").items()}, p.ATTACHMENT_STATES)
        self.assertEqual({v: k.lower() for k, v in c_enum(self.header, "MODE_").items()}, p.MODES)
        self.assertEqual({v: k.lower().replace("_", "-") for k, v in c_enum(self.header, "TRANSPORT_").items()},
                         p.TRANSPORTS)

    def test_reply_types_match_proto_reply_policy(self):
        calls = read("proto_calls.c")
        policy = calls[calls.index("proto_reply_policy[N]"):]
        policy = policy[:policy.index("};")]
        rows = dict(re.findall(r"\[ATTACH_A_(\w+)\] = (POL_\w+(?:\(ATTACH_\w+\))?)", policy))
        self.assertEqual(set(rows), {a.name for a in Attr})
        kinds = {"POL_U8": p.U8, "POL_U32": p.U32, "POL_U64": p.U64, "POL_FLAG": p.FLAG, "POL_NEST": p.NEST,
                 "POL_UUID": p.STR}
        for a in Attr:
            kind, maximum = p.ATTR_TYPES[a]
            pol = rows[a.name]
            with self.subTest(attribute=a.name):
                if pol.startswith("POL_STR("):
                    self.assertEqual(kind, p.STR)
                    limit = getattr(p, pol[len("POL_STR(ATTACH_"):-1])
                    # a STEP of RECONCILE is not cut (libattach reads PLAN's steps without the policy)
                    self.assertEqual(maximum, None if a == Attr.STEP else limit)
                else:
                    self.assertEqual(kind, kinds[pol])
                    self.assertEqual(maximum, p.UUID_LEN if pol == "POL_UUID" else None)


class Bytes(unittest.TestCase):
    """docs/PROTOCOL.md section 16, byte for byte."""

    HELLO = bytes.fromhex("18000000 1000 0100 01000000 00000000 0800 0300 01000000")
    REPLY = bytes.fromhex("40000000 1000 0000 01000000 00000000 08000100 00000000 17000200"
                          + b"protocol version 1".hex() + "00 00 08000300 01000000 08000400 01000000")

    def test_hello_request_is_the_documented_24_bytes(self):
        self.assertEqual(p.request(Msg.HELLO, 1, p.put_u32(Attr.VERSION, 1)), self.HELLO)

    def test_documented_hello_reply_decodes(self):
        length, rtype, flags, seq, pid = p.HEADER.unpack_from(self.REPLY)
        self.assertEqual((length, rtype, flags, seq, pid), (64, Msg.HELLO, 0, 1, 0))
        body = self.REPLY[p.HEADER.size:]
        self.assertEqual(p.reply_status(body), 0)
        attrs = p.decode(body, p.reply_allowed(Msg.HELLO, 0, False))
        self.assertEqual(attrs, {Attr.STATUS: 0, Attr.MESSAGE: "protocol version 1", Attr.VERSION: 1,
                                 Attr.VERSION_MIN: 1})

    def test_flag_and_string_encodings(self):
        self.assertEqual(p.put_flag(Attr.DRY_RUN), bytes.fromhex("04002300"))
        vol = p.put_str(Attr.VOLUME_ID, "a" * 36)
        self.assertEqual(len(vol), 44)
        self.assertEqual(vol[:4], bytes.fromhex("29000500"))
        self.assertEqual(vol[4:], b"a" * 36 + b"\0" * 4)
        self.assertEqual(p.put_u8(Attr.MODE, 1), bytes.fromhex("05000f00 01000000"))

    def test_an_attribute_over_16_bits_is_refused_not_wrapped(self):
        with self.assertRaisesRegex(attachd.ProtocolError, "do not fit in nla_len"):
            p.put_str(Attr.NAME, "x" * 65532)


def A(number, payload=b"", flags=0):
    length = 4 + len(payload)
    return struct.pack("=HH", length, number | flags) + payload + b"\0" * (-length % 4)


STATUS0 = A(Attr.STATUS, struct.pack("=I", 0))


class Decoder(unittest.TestCase):
    """The reply decoder refuses what the protocol does not allow, naming the attribute."""

    def refused(self, body, pattern, msg_type=Msg.VOLUME_CREATE, status=0):
        with self.assertRaisesRegex(attachd.ProtocolError, pattern):
            p.decode(body, p.reply_allowed(msg_type, status, False))

    def test_walk_refuses_broken_layouts(self):
        self.refused(STATUS0 + b"\0\0", "2 stray byte")
        self.refused(STATUS0 + struct.pack("=HH", 2, 5), "nla_len 2 is below")
        self.refused(STATUS0 + struct.pack("=HH", 40, 5) + b"abcd", "claims 40 bytes, 8 remain")
        self.refused(STATUS0 + struct.pack("=HH", 6, 5) + b"a\0", "volume_id lacks its padding")

    def test_unexpected_and_repeated_attributes(self):
        self.refused(STATUS0 + A(Attr.SIZE, b"\0" * 8), "unexpected attribute size")
        self.refused(STATUS0 + A(Attr.VOLUME_ID, b"a\0") + A(Attr.VOLUME_ID, b"b\0"), "volume_id given twice")
        # an error reply carries no results (RESERVE's ATTACHMENT_ID is its documented exception)
        self.refused(STATUS0 + A(Attr.VOLUME_ID, b"a\0"), "unexpected attribute volume_id", status=6)
        self.assertEqual(p.decode(STATUS0 + A(Attr.ATTACHMENT_ID, b"a\0"), p.reply_allowed(Msg.RESERVE, 18, False)),
                         {Attr.STATUS: 0, Attr.ATTACHMENT_ID: "a"})
        # a REFUSED message holds STATUS and MESSAGE only
        with self.assertRaisesRegex(attachd.ProtocolError, "unexpected attribute plan"):
            p.decode(STATUS0 + A(Attr.PLAN, flags=p.NLA_F_NESTED), p.reply_allowed(Msg.RECONCILE, 2, True))

    def test_unknown_attribute_numbers_are_skipped(self):
        body = STATUS0 + A(p.ATTR_MAX + 1, b"newer") + A(0x3FFF, b"", flags=p.NLA_F_NESTED) + A(Attr.VOLUME_ID, b"v\0")
        self.assertEqual(p.decode(body, p.reply_allowed(Msg.VOLUME_CREATE, 0, False)),
                         {Attr.STATUS: 0, Attr.VOLUME_ID: "v"})

    def test_values_that_do_not_fit_their_type(self):
        self.refused(A(Attr.STATUS, b"\0\0"), "status is a u32 but holds 2 byte")
        self.refused(STATUS0 + A(Attr.MULTIATTACH, b"\1"), "unexpected attribute multiattach")
        self.refused(STATUS0 + A(Attr.VOLUME_ID, b"abc"), "volume_id does not end with a NUL")
        self.refused(STATUS0 + A(Attr.VOLUME_ID, b""), "volume_id does not end with a NUL")
        self.refused(STATUS0 + A(Attr.VOLUME_ID, b"a\0b\0"), "volume_id has a NUL before its end")
        self.refused(STATUS0 + A(Attr.VOLUME_ID, b"a" * 37 + b"\0"), "volume_id is 37 bytes long, over its maximum of 36")
        self.refused(STATUS0 + A(Attr.VOLUME_ID, b"v\0", flags=p.NLA_F_NET_BYTEORDER), "NLA_F_NET_BYTEORDER")
        self.refused(STATUS0 + A(Attr.VOLUME_ID, b"v\0", flags=p.NLA_F_NESTED), "flag bits 0x8000")
        self.refused(STATUS0 + A(Attr.VOLUME, A(Attr.VOLUME_ID, b"v\0")), "nest volume lacks NLA_F_NESTED",
                     msg_type=Msg.VOLUME_LIST)
        self.refused(STATUS0 + A(Attr.PLAN, A(Attr.STEP, b"s\0") + A(Attr.SIZE, b"\0" * 8), flags=p.NLA_F_NESTED),
                     "in plan: unexpected attribute size", msg_type=Msg.RESERVE)
        self.refused(STATUS0 + A(Attr.MULTIATTACH, b"x"), "flag multiattach carries 1 byte", msg_type=Msg.VOLUME_SHOW)

    def test_nests_and_repeats_decode_in_order(self):
        vol = lambda i: A(Attr.VOLUME, A(Attr.VOLUME_ID, i + b"\0") + A(Attr.STATE, b"\1"), flags=p.NLA_F_NESTED)
        attrs = p.decode(STATUS0 + vol(b"x") + vol(b"y"), p.reply_allowed(Msg.VOLUME_LIST, 0, False))
        self.assertEqual(attrs[Attr.VOLUME], [{Attr.VOLUME_ID: "x", Attr.STATE: 1}, {Attr.VOLUME_ID: "y", Attr.STATE: 1}])
        # a long RECONCILE line is kept whole
        line = b"l" * 3000
        attrs = p.decode(STATUS0 + A(Attr.PLAN, A(Attr.STEP, line + b"\0"), flags=p.NLA_F_NESTED),
                         p.reply_allowed(Msg.RECONCILE, 14, False))
        self.assertEqual(attrs[Attr.PLAN], {Attr.STEP: [line.decode()]})

    def test_a_reply_without_status_is_refused(self):
        with self.assertRaisesRegex(attachd.ProtocolError, "carries no status"):
            p.reply_status(A(Attr.MESSAGE, b"m\0"))


if __name__ == "__main__":
    unittest.main()
