# SPDX-License-Identifier: Apache-2.0
"""The attachd wire protocol, version 1 (docs/PROTOCOL.md; the numbers are proto/attach_proto.h's).

A message is a netlink header (struct nlmsghdr, host byte order) and netlink attributes, each padded to
4 bytes. This module builds requests and decodes replies strictly: a reply is checked against what the
protocol says the call's reply holds, attribute by attribute, and anything else raises ProtocolError.
Attribute numbers above the ones this module knows are skipped, as the protocol asks of clients (a
newer agent may add attributes).
"""

import enum
import struct

from .errors import ProtocolError

VERSION = 1
REQUEST_MAX = 65536
REPLY_MAX = 16 << 20

HEADER = struct.Struct("=IHHII")  # nlmsg_len, nlmsg_type, nlmsg_flags, nlmsg_seq, nlmsg_pid
NLA = struct.Struct("=HH")  # nla_len, nla_type
NLM_F_REQUEST = 0x1
NLA_F_NESTED = 0x8000
NLA_F_NET_BYTEORDER = 0x4000
NLA_TYPE_MASK = 0x3FFF
NLA_PAYLOAD_MAX = 0xFFFF - NLA.size

UUID_LEN = 36
IQN_MAX = 223
PATH_MAX = 1023
NAME_MAX = 255
HOST_MAX = 255
IP_MAX = 63
PORTAL_MAX = 70
MESSAGE_MAX = 1023
CHAP_MAX = 255


class Msg(enum.IntEnum):
    """nlmsg_type: the calls, and the agent's unsolicited refusal."""

    REFUSED = 0x0F
    HELLO = 0x10
    VOLUME_CREATE = 0x11
    VOLUME_DELETE = 0x12
    VOLUME_LIST = 0x13
    VOLUME_SHOW = 0x14
    RESERVE = 0x15
    UNRESERVE = 0x16
    INITIALIZE_CONNECTION = 0x17
    ATTACH = 0x18
    BEGIN_DETACHING = 0x19
    ROLL_DETACHING = 0x1A
    TERMINATE_CONNECTION = 0x1B
    DETACH = 0x1C
    VOLUME_EXTEND = 0x1D
    RECONCILE = 0x1E
    STATS = 0x1F


class Attr(enum.IntEnum):
    """nla_type: one attribute namespace for every call."""

    STATUS = 1
    MESSAGE = 2
    VERSION = 3
    VERSION_MIN = 4
    VOLUME_ID = 5
    DEVICE = 6
    NAME = 7
    MULTIATTACH = 8
    INITIATOR = 9
    HOST = 10
    IP = 11
    MULTIPATH = 12
    INSTANCE = 13
    MOUNTPOINT = 14
    MODE = 15
    ATTACHMENT_ID = 16
    FORCE = 17
    STATE = 18
    VOLUME = 19
    ATTACHMENT = 20
    EXPORT = 21
    ACL = 22
    TARGET_IQN = 23
    PORTAL = 24
    PORTALS = 25
    LUN = 26
    AUTH_METHOD = 27
    AUTH_USERNAME = 28
    AUTH_PASSWORD = 29
    DRIVER_TYPE = 30
    SIZE = 31
    REFS = 32
    CREATED = 33
    SHOW_SECRETS = 34
    DRY_RUN = 35
    PLAN = 36
    STEP = 37
    CONNECTED = 38
    IDENTITY = 39
    DEVICE_NODE = 40
    DOWN = 41
    PURGE_UNOWNED = 42
    MUTUAL_CHAP = 43
    AUTH_USERNAME_IN = 44
    AUTH_PASSWORD_IN = 45
    DISCOVERY_AUTH_METHOD = 46
    DISCOVERY_USERNAME = 47
    DISCOVERY_PASSWORD = 48
    TIME = 49
    CALL_STATS = 50
    TALLY = 51
    COUNT = 52
    BUCKET = 53
    LE_US = 54
    SUM_US = 55
    RECORDS = 56
    RECONCILE_RUN = 57
    EXPORT_STATS = 58
    SESSIONS = 59
    LOGGED_IN = 60
    TRANSPORT = 61
    NQN = 62
    DHCHAP = 63


ATTR_MAX = max(Attr)

CALL_NAMES = {
    Msg.HELLO: "hello",
    Msg.VOLUME_CREATE: "volume-create",
    Msg.VOLUME_DELETE: "volume-delete",
    Msg.VOLUME_LIST: "volume-list",
    Msg.VOLUME_SHOW: "volume-show",
    Msg.RESERVE: "reserve",
    Msg.UNRESERVE: "unreserve",
    Msg.INITIALIZE_CONNECTION: "initialize-connection",
    Msg.ATTACH: "attach",
    Msg.BEGIN_DETACHING: "begin-detaching",
    Msg.ROLL_DETACHING: "roll-detaching",
    Msg.TERMINATE_CONNECTION: "terminate-connection",
    Msg.DETACH: "detach",
    Msg.VOLUME_EXTEND: "volume-extend",
    Msg.RECONCILE: "reconcile",
    Msg.STATS: "stats",
}

VOLUME_STATES = {1: "available", 2: "attaching", 3: "in-use", 4: "detaching"}
ATTACHMENT_STATES = {1: "reserved", 2: "attached"}
MODES = {0: "rw", 1: "ro"}
TRANSPORTS = {0: "iscsi", 1: "nvme-tcp"}
DHGROUP_MAX = 15

# --- attribute types: kind, and for strings the longest value in bytes (the payload adds a NUL)
U8, U32, U64, FLAG, STR, NEST = "u8", "u32", "u64", "flag", "string", "nested"
_INT_SIZES = {U8: 1, U32: 4, U64: 8}
_INT_FORMATS = {U8: "=B", U32: "=I", U64: "=Q"}

ATTR_TYPES = {
    Attr.STATUS: (U32, None),
    Attr.MESSAGE: (STR, MESSAGE_MAX),
    Attr.VERSION: (U32, None),
    Attr.VERSION_MIN: (U32, None),
    Attr.VOLUME_ID: (STR, UUID_LEN),
    Attr.DEVICE: (STR, PATH_MAX),
    Attr.NAME: (STR, NAME_MAX),
    Attr.MULTIATTACH: (FLAG, None),
    Attr.INITIATOR: (STR, IQN_MAX),
    Attr.HOST: (STR, HOST_MAX),
    Attr.IP: (STR, IP_MAX),
    Attr.MULTIPATH: (FLAG, None),
    Attr.INSTANCE: (STR, UUID_LEN),
    Attr.MOUNTPOINT: (STR, PATH_MAX),
    Attr.MODE: (U8, None),
    Attr.ATTACHMENT_ID: (STR, UUID_LEN),
    Attr.FORCE: (FLAG, None),
    Attr.STATE: (U8, None),
    Attr.VOLUME: (NEST, None),
    Attr.ATTACHMENT: (NEST, None),
    Attr.EXPORT: (NEST, None),
    Attr.ACL: (NEST, None),
    Attr.TARGET_IQN: (STR, IQN_MAX),
    Attr.PORTAL: (STR, PORTAL_MAX),
    Attr.PORTALS: (NEST, None),
    Attr.LUN: (U32, None),
    Attr.AUTH_METHOD: (STR, CHAP_MAX),
    Attr.AUTH_USERNAME: (STR, CHAP_MAX),
    Attr.AUTH_PASSWORD: (STR, CHAP_MAX),
    Attr.DRIVER_TYPE: (STR, NAME_MAX),
    Attr.SIZE: (U64, None),
    Attr.REFS: (U32, None),
    Attr.CREATED: (U64, None),
    Attr.SHOW_SECRETS: (FLAG, None),
    Attr.DRY_RUN: (FLAG, None),
    Attr.PLAN: (NEST, None),
    Attr.STEP: (STR, None),  # RECONCILE's lines are not cut (docs/PROTOCOL.md, section 8.15)
    Attr.CONNECTED: (FLAG, None),
    Attr.IDENTITY: (STR, NAME_MAX),
    Attr.DEVICE_NODE: (STR, PATH_MAX),
    Attr.DOWN: (STR, MESSAGE_MAX),
    Attr.PURGE_UNOWNED: (FLAG, None),
    Attr.MUTUAL_CHAP: (FLAG, None),
    Attr.AUTH_USERNAME_IN: (STR, CHAP_MAX),
    Attr.AUTH_PASSWORD_IN: (STR, CHAP_MAX),
    Attr.DISCOVERY_AUTH_METHOD: (STR, CHAP_MAX),
    Attr.DISCOVERY_USERNAME: (STR, CHAP_MAX),
    Attr.DISCOVERY_PASSWORD: (STR, CHAP_MAX),
    Attr.TIME: (U64, None),
    Attr.CALL_STATS: (NEST, None),
    Attr.TALLY: (NEST, None),
    Attr.COUNT: (U64, None),
    Attr.BUCKET: (NEST, None),
    Attr.LE_US: (U64, None),
    Attr.SUM_US: (U64, None),
    Attr.RECORDS: (NEST, None),
    Attr.RECONCILE_RUN: (NEST, None),
    Attr.EXPORT_STATS: (NEST, None),
    Attr.SESSIONS: (U32, None),
    Attr.LOGGED_IN: (FLAG, None),
    Attr.TRANSPORT: (U8, None),
    Attr.NQN: (STR, IQN_MAX),
    Attr.DHCHAP: (STR, DHGROUP_MAX),
}


def attr_name(number):
    """The protocol's name of an attribute number ("volume_id"), or "attribute N"."""
    try:
        return Attr(number).name.lower()
    except ValueError:
        return "attribute %d" % number


# --- what each reply may hold (docs/PROTOCOL.md sections 5, 8 and 9). A name in REPEATED may come more
# than once, in order; every other attribute at most once.
_VOLUME_FIELDS = frozenset({Attr.VOLUME_ID, Attr.NAME, Attr.DEVICE, Attr.DEVICE_NODE, Attr.IDENTITY,
                            Attr.STATE, Attr.MULTIATTACH, Attr.SIZE, Attr.CREATED, Attr.TRANSPORT})
NESTS = {
    Attr.VOLUME: _VOLUME_FIELDS,
    Attr.ATTACHMENT: frozenset({Attr.ATTACHMENT_ID, Attr.STATE, Attr.INSTANCE, Attr.HOST, Attr.MOUNTPOINT,
                                Attr.MODE, Attr.INITIATOR, Attr.CONNECTED, Attr.CREATED}),
    Attr.EXPORT: frozenset({Attr.TARGET_IQN, Attr.PORTALS, Attr.LUN, Attr.DOWN, Attr.TRANSPORT}),
    # (in EXPORT_STATS, an ACL nest is an initiator and LOGGED_IN: section 8.17; an nvme-tcp volume's ACL
    # names its host by NQN, with its DH group and MUTUAL_CHAP for bidirectional DH-HMAC-CHAP)
    Attr.ACL: frozenset({Attr.INITIATOR, Attr.REFS, Attr.AUTH_USERNAME, Attr.AUTH_PASSWORD,
                         Attr.AUTH_USERNAME_IN, Attr.AUTH_PASSWORD_IN, Attr.MODE, Attr.HOST, Attr.IP,
                         Attr.LOGGED_IN, Attr.NQN, Attr.DHCHAP, Attr.MUTUAL_CHAP}),
    Attr.PORTALS: frozenset({Attr.PORTAL}),
    Attr.PLAN: frozenset({Attr.STEP}),
    Attr.CALL_STATS: frozenset({Attr.NAME, Attr.COUNT, Attr.SUM_US, Attr.TALLY, Attr.BUCKET}),
    Attr.TALLY: frozenset({Attr.NAME, Attr.STATUS, Attr.COUNT}),
    Attr.BUCKET: frozenset({Attr.LE_US, Attr.COUNT}),
    Attr.RECORDS: frozenset({Attr.TALLY}),
    Attr.RECONCILE_RUN: frozenset({Attr.NAME, Attr.TIME, Attr.SUM_US, Attr.STATUS, Attr.TALLY}),
    Attr.EXPORT_STATS: frozenset({Attr.VOLUME_ID, Attr.TARGET_IQN, Attr.DOWN, Attr.SESSIONS, Attr.ACL,
                                  Attr.TRANSPORT}),
}
REPEATED = frozenset({Attr.VOLUME, Attr.ATTACHMENT, Attr.ACL, Attr.PORTAL, Attr.STEP, Attr.CALL_STATS,
                      Attr.TALLY, Attr.BUCKET, Attr.RECONCILE_RUN, Attr.EXPORT_STATS})

_COMMON = frozenset({Attr.STATUS, Attr.MESSAGE})
_CONNINFO = frozenset({Attr.DRIVER_TYPE, Attr.VOLUME_ID, Attr.TARGET_IQN, Attr.PORTALS, Attr.LUN,
                       Attr.AUTH_METHOD, Attr.AUTH_USERNAME, Attr.AUTH_PASSWORD, Attr.AUTH_USERNAME_IN,
                       Attr.AUTH_PASSWORD_IN, Attr.MODE, Attr.DISCOVERY_AUTH_METHOD, Attr.DISCOVERY_USERNAME,
                       Attr.DISCOVERY_PASSWORD, Attr.NQN, Attr.DHCHAP, Attr.MUTUAL_CHAP, Attr.TRANSPORT})
# results of a successful call (a dry run adds PLAN to the mutating ones)
REPLY_RESULTS = {
    Msg.HELLO: frozenset({Attr.VERSION, Attr.VERSION_MIN}),
    Msg.VOLUME_CREATE: frozenset({Attr.VOLUME_ID}),
    Msg.VOLUME_DELETE: frozenset(),
    Msg.VOLUME_LIST: frozenset({Attr.VOLUME}),
    Msg.VOLUME_SHOW: _VOLUME_FIELDS | {Attr.ATTACHMENT, Attr.EXPORT, Attr.ACL},
    Msg.RESERVE: frozenset({Attr.ATTACHMENT_ID}),
    Msg.UNRESERVE: frozenset(),
    Msg.INITIALIZE_CONNECTION: _CONNINFO,
    Msg.ATTACH: frozenset({Attr.ATTACHMENT_ID}),
    Msg.BEGIN_DETACHING: frozenset(),
    Msg.ROLL_DETACHING: frozenset(),
    Msg.TERMINATE_CONNECTION: frozenset(),
    Msg.DETACH: frozenset(),
    Msg.VOLUME_EXTEND: frozenset({Attr.SIZE}),
    Msg.RECONCILE: frozenset(),
    Msg.STATS: frozenset({Attr.TIME, Attr.CALL_STATS, Attr.RECORDS, Attr.RECONCILE_RUN, Attr.EXPORT_STATS}),
}
# what an error reply may carry besides STATUS and MESSAGE (section 5: body_on_error, HELLO's versions)
ERROR_RESULTS = {
    Msg.HELLO: frozenset({Attr.VERSION, Attr.VERSION_MIN}),
    Msg.RESERVE: frozenset({Attr.ATTACHMENT_ID}),
    Msg.ATTACH: frozenset({Attr.ATTACHMENT_ID}),
    Msg.DETACH: frozenset({Attr.ATTACHMENT_ID}),
    Msg.RECONCILE: frozenset({Attr.PLAN}),
}
# calls whose request accepts DRY_RUN: their successful replies may carry PLAN
MUTATING = frozenset({Msg.VOLUME_CREATE, Msg.VOLUME_DELETE, Msg.RESERVE, Msg.UNRESERVE,
                      Msg.INITIALIZE_CONNECTION, Msg.ATTACH, Msg.BEGIN_DETACHING, Msg.ROLL_DETACHING,
                      Msg.TERMINATE_CONNECTION, Msg.DETACH, Msg.VOLUME_EXTEND, Msg.RECONCILE})


# --- requests
def _attr(number, payload=b""):
    length = NLA.size + len(payload)
    if length > 0xFFFF:
        raise ProtocolError("attribute %s: %d bytes do not fit in nla_len" % (attr_name(number), length))
    return NLA.pack(length, number) + payload + b"\0" * (-length % 4)


def put_u8(number, value):
    return _attr(number, struct.pack("=B", value))


def put_u32(number, value):
    return _attr(number, struct.pack("=I", value))


def put_flag(number):
    return _attr(number)


def put_str(number, value):
    """A string attribute: the UTF-8 bytes and a NUL (bytes are sent as they are)."""
    data = value if isinstance(value, bytes) else value.encode("utf-8")
    return _attr(number, data + b"\0")


def request(msg_type, seq, attrs=b""):
    """A whole request: header (NLM_F_REQUEST exactly) and the encoded attributes."""
    return HEADER.pack(HEADER.size + len(attrs), msg_type, NLM_F_REQUEST, seq, 0) + attrs


# --- replies
def walk(buf, where="the reply"):
    """The attributes of @buf as (number, flags, payload), in wire order. Raises ProtocolError on a
    header shorter than 4 bytes, one that claims more bytes than remain, or stray bytes at the end."""
    out = []
    off = 0
    while off < len(buf):
        if len(buf) - off < NLA.size:
            raise ProtocolError("%s: %d stray byte(s) after the last attribute" % (where, len(buf) - off))
        length, raw_type = NLA.unpack_from(buf, off)
        if length < NLA.size:
            raise ProtocolError("%s: an attribute's nla_len %d is below its 4-byte header" % (where, length))
        if off + length > len(buf):
            raise ProtocolError("%s: attribute %s claims %d bytes, %d remain"
                                % (where, attr_name(raw_type & NLA_TYPE_MASK), length, len(buf) - off))
        out.append((raw_type & NLA_TYPE_MASK, raw_type & ~NLA_TYPE_MASK, bytes(buf[off + NLA.size:off + length])))
        aligned = (length + 3) & ~3
        if off + aligned > len(buf):
            raise ProtocolError("%s: attribute %s lacks its padding" % (where, attr_name(raw_type & NLA_TYPE_MASK)))
        off += aligned
    return out


def _value(number, flags, payload, where):
    kind, maximum = ATTR_TYPES[number]
    name = attr_name(number)
    if flags & NLA_F_NET_BYTEORDER:
        raise ProtocolError("%s: attribute %s has NLA_F_NET_BYTEORDER set" % (where, name))
    if kind == NEST:
        if not flags & NLA_F_NESTED:
            raise ProtocolError("%s: nest %s lacks NLA_F_NESTED" % (where, name))
        return decode(payload, NESTS[number], "%s, in %s" % (where, name))
    if flags:
        raise ProtocolError("%s: attribute %s has flag bits 0x%x" % (where, name, flags))
    if kind == FLAG:
        if payload:
            raise ProtocolError("%s: flag %s carries %d byte(s)" % (where, name, len(payload)))
        return True
    if kind in _INT_SIZES:
        if len(payload) != _INT_SIZES[kind]:
            raise ProtocolError("%s: attribute %s is a %s but holds %d byte(s)" % (where, name, kind, len(payload)))
        return struct.unpack(_INT_FORMATS[kind], payload)[0]
    if not payload or payload[-1] != 0:
        raise ProtocolError("%s: string %s does not end with a NUL" % (where, name))
    if 0 in payload[:-1]:
        raise ProtocolError("%s: string %s has a NUL before its end" % (where, name))
    if maximum is not None and len(payload) - 1 > maximum:
        raise ProtocolError("%s: string %s is %d bytes long, over its maximum of %d"
                            % (where, name, len(payload) - 1, maximum))
    # names and paths may hold any bytes >= 0x80 (the agent does not check UTF-8): keep them all
    return payload[:-1].decode("utf-8", "surrogateescape")


def decode(buf, allowed, where="the reply"):
    """@buf's attributes as {Attr: value}; a repeated attribute's value is a list. Known attributes
    outside @allowed, or given twice, raise ProtocolError; unknown numbers are skipped."""
    out = {}
    for number, flags, payload in walk(buf, where):
        if number > ATTR_MAX:
            continue  # a newer agent's attribute
        if number not in allowed:
            raise ProtocolError("%s: unexpected attribute %s" % (where, attr_name(number)))
        value = _value(Attr(number), flags, payload, where)
        if number in REPEATED:
            out.setdefault(Attr(number), []).append(value)
        elif number in out:
            raise ProtocolError("%s: attribute %s given twice" % (where, attr_name(number)))
        else:
            out[Attr(number)] = value
    return out


def reply_allowed(msg_type, status, refused):
    """The attributes a reply to @msg_type with @status may hold at its top level."""
    if refused:
        return _COMMON
    if status:
        return _COMMON | ERROR_RESULTS.get(msg_type, frozenset())
    allowed = _COMMON | REPLY_RESULTS.get(msg_type, frozenset())
    return allowed | {Attr.PLAN} if msg_type in MUTATING else allowed


def reply_status(body, where="the reply"):
    """The STATUS of a reply body, read before the body is decoded (which depends on it)."""
    for number, flags, payload in walk(body, where):
        if number == Attr.STATUS:
            return _value(Attr.STATUS, flags, payload, where)
    raise ProtocolError("%s carries no status" % where)
