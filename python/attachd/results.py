# SPDX-License-Identifier: Apache-2.0
"""Decoded replies as the dicts this package returns. They have the keys, value types and key order of
attachctl's --json output (tools/attachctl_print.c; libattach decodes the same attributes), so
json.dumps() of a result is the line attachctl prints for the same reply. The connection info is
os-brick's (docs/PROTOCOL.md section 14).
"""

from typing import List, NamedTuple, Optional

from . import protocol as p
from .errors import STATUS_NAMES, ProtocolError
from .protocol import Attr


class Plan(NamedTuple):
    """What a dry run returns: the steps the agent would take, its message, and the call's result as the
    dry run computed it (a volume or attachment id, a size; None where the call returns nothing, and for
    initialize_connection, whose credentials would never exist)."""

    steps: List[str]
    message: str
    result: object = None


class Report(NamedTuple):
    """What reconcile returns: the differences it found and the steps it took (or would take), one line
    each, and its summary. attachctl --json prints {"steps": [...], "summary": "..."}: report._asdict()."""

    steps: List[str]
    summary: str


def _opt(attrs, a):
    """An optional string: None when absent or empty (attachctl prints null)."""
    value = attrs.get(a)
    return value if value else None


def _need(attrs, where, *names):
    for a in names:
        if a not in attrs:
            raise ProtocolError("%s lacks %s" % (where, p.attr_name(a)))


def volume(attrs, where="the agent's volume"):
    """A volume's own fields (a VOLUME nest of volume-list, or the top level of volume-show)."""
    _need(attrs, where, Attr.VOLUME_ID, Attr.STATE)
    return {
        "volume_id": attrs[Attr.VOLUME_ID],
        "name": _opt(attrs, Attr.NAME),
        "device": attrs.get(Attr.DEVICE, ""),
        "device_node": _opt(attrs, Attr.DEVICE_NODE),
        "identity": _opt(attrs, Attr.IDENTITY),
        "state": p.VOLUME_STATES.get(attrs[Attr.STATE], "unknown"),
        "multiattach": Attr.MULTIATTACH in attrs,
        "transport": p.TRANSPORTS.get(attrs.get(Attr.TRANSPORT, 0), "unknown"),
        "size": attrs.get(Attr.SIZE, 0),
        "created": attrs.get(Attr.CREATED, 0),
    }


def _attachment(attrs):
    _need(attrs, "an attachment in the agent's reply", Attr.ATTACHMENT_ID)
    return {
        "attachment_id": attrs[Attr.ATTACHMENT_ID],
        "state": p.ATTACHMENT_STATES.get(attrs.get(Attr.STATE, 0), "unknown"),
        "instance": _opt(attrs, Attr.INSTANCE),
        "host": _opt(attrs, Attr.HOST),
        "mountpoint": _opt(attrs, Attr.MOUNTPOINT),
        "mode": p.MODES.get(attrs.get(Attr.MODE, 0), "unknown"),
        "initiator": _opt(attrs, Attr.INITIATOR),
        "connected": Attr.CONNECTED in attrs,
        "created": attrs.get(Attr.CREATED, 0),
    }


def _export(attrs, nvme=False):
    _need(attrs, "the export in the agent's reply", Attr.TARGET_IQN)
    return {
        "target_nqn" if nvme else "target_iqn": attrs[Attr.TARGET_IQN],
        "portals": list(attrs.get(Attr.PORTALS, {}).get(Attr.PORTAL, [])),
        "ns_id" if nvme else "lun": attrs.get(Attr.LUN, 0),
        "down": _opt(attrs, Attr.DOWN),
    }


def _nvme_acl(attrs):
    """An NVMe host's access: its NQN, refs, DH-HMAC-CHAP (secrets only when asked for)."""
    _need(attrs, "a host's access in the agent's reply", Attr.NQN)
    out = {"host_nqn": attrs[Attr.NQN], "refs": attrs.get(Attr.REFS, 0),
           "dhchap_dhgroup": _opt(attrs, Attr.DHCHAP), "dhchap_bidirectional": Attr.MUTUAL_CHAP in attrs}
    if Attr.AUTH_PASSWORD in attrs:
        out["dhchap_secret"] = attrs[Attr.AUTH_PASSWORD]
    if Attr.AUTH_PASSWORD_IN in attrs:
        out["dhchap_ctrl_secret"] = attrs[Attr.AUTH_PASSWORD_IN]
    out["mode"] = p.MODES.get(attrs.get(Attr.MODE, 0), "unknown")
    return out


def _acl(attrs):
    _need(attrs, "an initiator's access in the agent's reply", Attr.INITIATOR)
    out = {
        "initiator": attrs[Attr.INITIATOR],
        "refs": attrs.get(Attr.REFS, 0),
        "auth_username": _opt(attrs, Attr.AUTH_USERNAME),
    }
    if Attr.AUTH_PASSWORD in attrs:  # only when secrets were asked for
        out["auth_password"] = attrs[Attr.AUTH_PASSWORD]
    out["auth_username_in"] = _opt(attrs, Attr.AUTH_USERNAME_IN)
    out["auth_password_in"] = _opt(attrs, Attr.AUTH_PASSWORD_IN)
    out["mode"] = p.MODES.get(attrs.get(Attr.MODE, 0), "unknown")
    return out


def volume_show(attrs):
    """volume-show: the volume, its attachments, its export (None when not exported) and its ACLs."""
    out = volume(attrs, "the agent's volume-show reply")
    nvme = attrs.get(Attr.TRANSPORT) == 1
    out["attachments"] = [_attachment(a) for a in attrs.get(Attr.ATTACHMENT, [])]
    out["export"] = _export(attrs[Attr.EXPORT], nvme) if Attr.EXPORT in attrs else None
    out["acls"] = [_nvme_acl(a) if nvme else _acl(a) for a in attrs.get(Attr.ACL, [])]
    return out


def _portal_triple(portal):
    """"ip:port" / "[ip6]:port" as os-brick's [address, port, "tcp"]."""
    addr, _, port = portal.rpartition(":")
    if addr.startswith("[") and addr.endswith("]"):
        addr = addr[1:-1]
    return [addr, port, "tcp"]


def nvme_conninfo(attrs, dhchap, bidirectional):
    """os-brick's nvmeof connection info ("new" form) from an nvme-tcp volume's initialize-connection
    reply: what libattach's attach_conninfo_json() writes, with its checks."""
    where = "the agent's nvmeof connection info"
    _need(attrs, where, Attr.TARGET_IQN, Attr.PORTALS, Attr.LUN, Attr.NQN, Attr.VOLUME_ID, Attr.DRIVER_TYPE)
    if dhchap:
        _need(attrs, where + " (DH-HMAC-CHAP was asked for)", Attr.AUTH_PASSWORD)
    if bidirectional:
        _need(attrs, where + " (bidirectional DH-HMAC-CHAP was asked for)", Attr.AUTH_PASSWORD_IN)
    portals = list(attrs[Attr.PORTALS].get(Attr.PORTAL, []))
    if not portals:
        raise ProtocolError("%s has no NVMe port" % where)
    data = {
        "target_nqn": attrs[Attr.TARGET_IQN],
        "vol_uuid": attrs[Attr.VOLUME_ID],
        "portals": [_portal_triple(x) for x in portals],
        "ns_id": attrs[Attr.LUN],
        "host_nqn": attrs[Attr.NQN],
        "access_mode": p.MODES.get(attrs.get(Attr.MODE, 0), "unknown"),
        "encrypted": False,
    }
    if attrs.get(Attr.AUTH_PASSWORD):
        data["dhchap_secret"] = attrs[Attr.AUTH_PASSWORD]
        if attrs.get(Attr.AUTH_PASSWORD_IN):
            data["dhchap_ctrl_secret"] = attrs[Attr.AUTH_PASSWORD_IN]
        data["dhchap_dhgroup"] = attrs.get(Attr.DHCHAP, "null")
    return {"driver_volume_type": attrs[Attr.DRIVER_TYPE], "data": data}


def conninfo(attrs, mutual_chap):
    """os-brick's iSCSI connection info from an initialize-connection reply: what libattach's
    attach_conninfo_json() writes, with the checks libattach makes (a field os-brick needs is missing,
    no portal, mutual CHAP asked and not given, discovery CHAP incomplete: ProtocolError)."""
    where = "the agent's connection info"
    _need(attrs, where, Attr.TARGET_IQN, Attr.PORTALS, Attr.LUN, Attr.DRIVER_TYPE, Attr.AUTH_METHOD,
          Attr.AUTH_USERNAME, Attr.AUTH_PASSWORD)
    if mutual_chap:
        _need(attrs, where + " (mutual CHAP was asked for)", Attr.AUTH_USERNAME_IN, Attr.AUTH_PASSWORD_IN)
    portals = list(attrs[Attr.PORTALS].get(Attr.PORTAL, []))
    if not portals:
        raise ProtocolError("%s has no portal" % where)
    discovery = [a for a in (Attr.DISCOVERY_AUTH_METHOD, Attr.DISCOVERY_USERNAME, Attr.DISCOVERY_PASSWORD)
                 if a in attrs]
    if discovery and len(discovery) != 3:
        raise ProtocolError("%s has some of the discovery CHAP attributes, not all three" % where)
    iqn, lun = attrs[Attr.TARGET_IQN], attrs[Attr.LUN]
    data = {
        "target_discovered": False,
        "target_iqn": iqn,
        "target_portal": portals[0],
        "target_lun": lun,
        "target_iqns": [iqn] * len(portals),
        "target_portals": portals,
        "target_luns": [lun] * len(portals),
        "volume_id": attrs.get(Attr.VOLUME_ID, ""),
        "auth_method": attrs[Attr.AUTH_METHOD],
        "auth_username": attrs[Attr.AUTH_USERNAME],
        "auth_password": attrs[Attr.AUTH_PASSWORD],
    }
    if attrs.get(Attr.AUTH_USERNAME_IN):  # open-iscsi's node.session.auth.username_in / password_in
        data["auth_username_in"] = attrs[Attr.AUTH_USERNAME_IN]
        data["auth_password_in"] = attrs.get(Attr.AUTH_PASSWORD_IN, "")
    data["access_mode"] = p.MODES.get(attrs.get(Attr.MODE, 0), "unknown")
    data["encrypted"] = False
    if discovery and attrs[Attr.DISCOVERY_AUTH_METHOD]:  # os-brick's keys for a SendTargets discovery
        data["discovery_auth_method"] = attrs[Attr.DISCOVERY_AUTH_METHOD]
        data["discovery_auth_username"] = attrs[Attr.DISCOVERY_USERNAME]
        data["discovery_auth_password"] = attrs[Attr.DISCOVERY_PASSWORD]
    return {"driver_volume_type": attrs[Attr.DRIVER_TYPE], "data": data}


def plan_steps(attrs) -> Optional[List[str]]:
    """The PLAN nest's steps, or None when the reply has none."""
    if Attr.PLAN not in attrs:
        return None
    return list(attrs[Attr.PLAN].get(Attr.STEP, []))


# --- stats (docs/PROTOCOL.md section 8.17): attachctl --json stats's document
_RECORD_KINDS = ("volumes", "exports", "acls", "attachments", "intents")
_RECONCILE_COUNTS = ("differences", "fixed", "failed", "down", "unowned", "removed")


def _tallies(nests, where):
    """TALLY nests as {name: count}; one without its count or name is a protocol error."""
    out = {}
    for t in nests:
        _need(t, where, Attr.COUNT, Attr.NAME)
        out[t[Attr.NAME]] = t[Attr.COUNT]
    return out


def _reconcile_run(attrs):
    _need(attrs, "the agent's reconcile statistics", Attr.NAME, Attr.STATUS)
    counts = _tallies(attrs.get(Attr.TALLY, []), "a reconcile's tally")
    run = {"time": attrs.get(Attr.TIME, 0), "duration_us": attrs.get(Attr.SUM_US, 0),
           "status": STATUS_NAMES.get(attrs[Attr.STATUS], "unknown")}
    run.update((k, counts.get(k, 0)) for k in _RECONCILE_COUNTS)
    return run


def _call_stats(attrs):
    _need(attrs, "the agent's call statistics", Attr.NAME, Attr.COUNT)
    statuses = {}
    for t in attrs.get(Attr.TALLY, []):
        _need(t, "a call's tally", Attr.STATUS, Attr.COUNT)
        statuses[STATUS_NAMES.get(t[Attr.STATUS], "unknown")] = t[Attr.COUNT]
    buckets = []
    for b in attrs.get(Attr.BUCKET, []):
        _need(b, "a histogram bucket", Attr.LE_US, Attr.COUNT)
        buckets.append({"le_us": b[Attr.LE_US], "count": b[Attr.COUNT]})
    return {"call": attrs[Attr.NAME], "count": attrs[Attr.COUNT], "sum_us": attrs.get(Attr.SUM_US, 0),
            "statuses": statuses, "buckets": buckets}


def _export_stats(attrs):
    """One export's sessions; an nvme-tcp export has none that the kernel shows (no sessions, no
    initiators)."""
    _need(attrs, "the agent's export statistics", Attr.VOLUME_ID, Attr.TARGET_IQN)
    initiators = []
    for acl in attrs.get(Attr.ACL, []):
        _need(acl, "an export's initiator", Attr.INITIATOR)
        initiators.append({"initiator": acl[Attr.INITIATOR], "logged_in": Attr.LOGGED_IN in acl})
    return {"volume_id": attrs[Attr.VOLUME_ID], "target_iqn": attrs[Attr.TARGET_IQN],
            "down": _opt(attrs, Attr.DOWN), "sessions": attrs.get(Attr.SESSIONS), "initiators": initiators}


def stats(attrs):
    """The stats reply: counters of the agent's process, the store's counts, the reconciles, sessions."""
    records = {}
    if Attr.RECORDS in attrs:
        records = _tallies(attrs[Attr.RECORDS].get(Attr.TALLY, []), "a record count")
    runs = {}
    for run in attrs.get(Attr.RECONCILE_RUN, []):
        if run.get(Attr.NAME) in ("start", "call"):
            runs[run[Attr.NAME]] = _reconcile_run(run)
    return {
        "start_time": attrs.get(Attr.TIME, 0),
        "records": {k: records.get(k, 0) for k in _RECORD_KINDS},
        "reconcile": {"start": runs.get("start"), "call": runs.get("call")},
        "calls": [_call_stats(c) for c in attrs.get(Attr.CALL_STATS, [])],
        "exports": [_export_stats(x) for x in attrs.get(Attr.EXPORT_STATS, [])],
    }
