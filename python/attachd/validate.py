# SPDX-License-Identifier: Apache-2.0
"""Client-side checks of call arguments: the rules of the agent's request decoder that need no state
(docs/PROTOCOL.md section 4: string limits, control characters, UUIDs, iSCSI names, addresses, paths),
so a bad argument fails here with ArgumentError, naming the argument, and nothing is sent. The agent
checks everything again; these rules are never stricter than its own (tests/test_validate.py sends each
refused value to a real agent and sees it refused there too).
"""

import re
import socket

from . import protocol as p
from .errors import ArgumentError

_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\Z")
_ISCSI_CHARS = re.compile(r"[A-Za-z0-9.:-]*\Z")
_HEX = re.compile(r"[0-9A-Fa-f]*\Z")


def fail(arg, why):
    raise ArgumentError("%s: %s" % (arg, why))


def text(arg, value, maximum):
    """A string the agent accepts: non-empty, at most @maximum bytes in UTF-8, no NUL and no control
    character (bytes below 0x20 and 0x7f)."""
    if not isinstance(value, str):
        fail(arg, "expected a string, got %s" % type(value).__name__)
    if not value:
        fail(arg, "must not be empty")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        fail(arg, "is not valid Unicode text")
    if size > maximum:
        fail(arg, "%d bytes long, over the maximum of %d" % (size, maximum))
    for ch in value:
        if ord(ch) < 0x20 or ord(ch) == 0x7F:
            fail(arg, "holds the control character %r" % ch)
    return value


def optional_text(arg, value, maximum):
    return None if value is None else text(arg, value, maximum)


def uuid(arg, value):
    """A UUID as libuuid's uuid_parse takes it: 36 characters, hyphens at 8, 13, 18 and 23, hex elsewhere
    (either case; the agent lower-cases it)."""
    text(arg, value, p.UUID_LEN)
    if not _UUID.match(value):
        fail(arg, "%r is not a UUID (36 characters: 8-4-4-4-12 hex digits)" % value)
    return value


def optional_uuid(arg, value):
    return None if value is None else uuid(arg, value)


def _iqn(value):
    """The part after "iqn.": YYYY-MM, ".", a naming authority, optionally ":" and more."""
    if not re.match(r"[0-9]{4}-[0-9]{2}", value):
        return 'iqn. names need a date YYYY-MM after "iqn."'
    if not 1 <= int(value[5:7]) <= 12:
        return "the month in the iqn. date must be 01 to 12"
    if value[7:8] != ".":
        return 'iqn. names need "." and a naming authority after the date'
    authority, colon, suffix = value[8:].partition(":")
    labels = authority.split(".")
    if any(not re.match(r"[A-Za-z0-9-]+\Z", label) for label in labels[:-1]):
        return "empty label in the naming authority, or a character other than letters, digits and '-'"
    if not re.match(r"[A-Za-z0-9-]+\Z", labels[-1]):
        return "the naming authority is empty or ends with '.'"
    if colon and not suffix:
        return "nothing after ':'"
    return None


def initiator(arg, value):
    """An iSCSI name (RFC 3720 3.2.6.3, as proto/proto_iscsi_name.c checks it): iqn.YYYY-MM.authority[:x],
    eui. and 16 hex digits, or naa. and 16 or 32 hex digits; ASCII letters, digits, '-', '.', ':'."""
    text(arg, value, p.IQN_MAX)
    if not _ISCSI_CHARS.match(value):
        fail(arg, "%r: an iSCSI name holds only letters, digits, '-', '.' and ':'" % value)
    prefix, rest = value[:4].lower(), value[4:]
    if prefix == "iqn.":
        why = _iqn(rest)
    elif prefix == "eui.":
        why = None if len(rest) == 16 and _HEX.match(rest) else "eui. names need exactly 16 hex digits"
    elif prefix == "naa.":
        why = None if len(rest) in (16, 32) and _HEX.match(rest) else "naa. names need 16 or 32 hex digits"
    else:
        why = "not an iSCSI name: must start with iqn., eui. or naa."
    if why:
        fail(arg, "%r: %s" % (value, why))
    return value


def optional_initiator(arg, value):
    return None if value is None else initiator(arg, value)


_NQN_DATE = re.compile(r"^nqn\.[0-9]{4}-(0[1-9]|1[0-2])\.[^:]+:.+$")
_UUID_NQN = "nqn.2014-08.org.nvmexpress:uuid:"


def nqn(arg, value):
    """An NVMe Qualified Name, as proto/proto_nvme_name.c checks it (the agent says more): at most 223
    bytes of printable ASCII, nqn.YYYY-MM.<domain>:<anything>, or nqn.2014-08.org.nvmexpress:uuid:<UUID>."""
    text(arg, value, p.IQN_MAX)
    if any(ord(c) < 0x21 or ord(c) > 0x7e for c in value):
        fail(arg, "%r: an NQN holds printable ASCII without blanks" % value)
    if value.startswith(_UUID_NQN):
        uuid(arg, value[len(_UUID_NQN):])
    elif not _NQN_DATE.match(value):
        fail(arg, "%r: not an NQN (nqn.YYYY-MM.<reverse domain>:<name>)" % value)
    return value


def optional_nqn(arg, value):
    return None if value is None else nqn(arg, value)


DHGROUPS = ("null", "ffdhe2048", "ffdhe3072", "ffdhe4096", "ffdhe6144", "ffdhe8192")


def dhgroup(arg, value):
    """A DH group of DH-HMAC-CHAP, as nvmet names it."""
    if value not in DHGROUPS:
        fail(arg, "expected one of %s, got %r" % (", ".join(DHGROUPS), value))
    return value


def transport(arg, value):
    """None (the agent's default, iscsi), "iscsi" or "nvme-tcp": the wire's 0 or 1."""
    if value is None:
        return None
    for number, name in p.TRANSPORTS.items():
        if value == name:
            return number
    fail(arg, "expected 'iscsi' or 'nvme-tcp', got %r" % (value,))
    return None


def ip(arg, value):
    """An IPv4 or IPv6 address as inet_pton reads it (no zone id, no port, no brackets)."""
    text(arg, value, p.IP_MAX)
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, value)
            return value
        except (OSError, ValueError):
            continue
    fail(arg, "%r is not an IPv4 or IPv6 address" % value)
    return None


def optional_ip(arg, value):
    return None if value is None else ip(arg, value)


def device(arg, value):
    """An absolute path without empty, "." or ".." components."""
    text(arg, value, p.PATH_MAX)
    if not value.startswith("/"):
        fail(arg, "%r is not an absolute path" % value)
    if any(part in ("", ".", "..") for part in value[1:].split("/")):
        fail(arg, '%r: give an absolute path without empty, "." or ".." components' % value)
    return value


def flag(arg, value):
    if not isinstance(value, bool):
        fail(arg, "expected True or False, got %r" % (value,))
    return value


def mode(arg, value):
    """None (the agent's default, or the reservation's), "rw" or "ro": the wire's 0 or 1."""
    if value is None:
        return None
    if value == "rw":
        return 0
    if value == "ro":
        return 1
    fail(arg, "expected 'rw' or 'ro', got %r" % (value,))
    return None
