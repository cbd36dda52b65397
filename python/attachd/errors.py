# SPDX-License-Identifier: Apache-2.0
"""The exceptions of the attachd client, one class per failure a caller may want to tell apart.

AttachdError
 +-- ArgumentError        refused here, before anything was sent (also a ValueError)
 +-- ConnectionFailed     no agent at the socket, or the connection broke (also a ConnectionError)
 |    +-- Timeout         no whole reply within the client's timeout (also a TimeoutError)
 +-- ProtocolError        the agent's reply breaks docs/PROTOCOL.md (short or cut frame, bad length,
 |                        oversize, unexpected or malformed attribute, reply out of step)
 +-- AgentError           the agent answered with a status other than 0: .status, .status_name,
      |                   .message (the agent's), .call, .refused, .errno (libattach's errno)
      +-- InvalidError (1), ProtoError (2), VersionError (3), UnknownCallError (4),
          PermissionDenied (5), NotFound (6), Exists (7), StateError (8), Busy (9), NotBlock (10),
          TooBig (11), LimitReached (12), NoSpace (13), KernelError (14), InternalError (15),
          AgentTimeout (16), WrongDevice (17), Already (18)

A status this client does not know (a newer agent's) raises AgentError itself, with its number.
After a ConnectionFailed or a ProtocolError the connection is closed; the next call connects again.
"""

import errno as _errno


class AttachdError(Exception):
    """Base class of every error this package raises."""


class ArgumentError(AttachdError, ValueError):
    """A call's argument would be refused by the agent: nothing was sent."""


class ConnectionFailed(AttachdError, ConnectionError):
    """The agent could not be reached, or the connection broke before a whole reply arrived."""


class Timeout(ConnectionFailed, TimeoutError):
    """The agent did not answer (connect, or a whole reply) within the client's timeout."""


class ProtocolError(AttachdError):
    """The agent's reply does not follow the protocol; the connection was closed."""


class AgentError(AttachdError):
    """The agent refused the call: its status code and its message.

    status       the protocol's status number (docs/PROTOCOL.md, section 10)
    status_name  its short name ("not-found", "state", ...), "unknown" for a number this client lacks
    message      the agent's message, for humans (do not parse it)
    call         the call's name ("reserve"), or None for a refusal at accept
    refused      True when the agent sent its unsolicited REFUSED message and closed the connection
    errno        the errno libattach returns for this status (EBADFD for "state", ...)
    plan         the steps a RECONCILE reply carries with its error ([] otherwise)
    """

    status = None  # set on each subclass; AgentError itself serves unknown numbers

    def __init__(self, status, message, call=None, refused=False, plan=None):
        self.status = status
        self.status_name = STATUS_NAMES.get(status, "unknown")
        self.message = message
        self.call = call
        self.refused = refused
        self.errno = _ERRNOS.get(status, _errno.EREMOTEIO)
        self.plan = list(plan or [])
        where = "%s: " % call if call else ""
        super().__init__("%s%s (status %d, %s)" % (where, message or "no message", status, self.status_name))


class InvalidError(AgentError):
    """Status 1, invalid: a request attribute has a bad value."""


class ProtoError(AgentError):
    """Status 2, protocol: the agent found the request malformed (or sent before hello)."""


class VersionError(AgentError):
    """Status 3, version: the agent does not speak this protocol version.

    version, version_min: the range the agent speaks (None if its reply lacked them).
    """

    version = None
    version_min = None


class UnknownCallError(AgentError):
    """Status 4, unknown-call: the message type is not a call."""


class PermissionDenied(AgentError):
    """Status 5, permission: the caller may not make this call (or connect at all, when refused)."""


class NotFound(AgentError):
    """Status 6, not-found: no such volume, attachment, initiator access or device."""


class Exists(AgentError):
    """Status 7, exists: a volume with this id exists."""


class StateError(AgentError):
    """Status 8, state: the volume is not in a state the call accepts."""


class Busy(AgentError):
    """Status 9, busy: the object is in use (exported, attached, device taken)."""


class NotBlock(AgentError):
    """Status 10, not-block: the path is not a block device."""


class TooBig(AgentError):
    """Status 11, too-big: a message or value over its limit."""


class LimitReached(AgentError):
    """Status 12, limit: a configured limit (clients, volumes, exports) is reached."""


class NoSpace(AgentError):
    """Status 13, no-space: the agent's record store is full."""


class KernelError(AgentError):
    """Status 14, kernel: the kernel refused a configfs or device-mapper step (rolled back)."""


class InternalError(AgentError):
    """Status 15, internal: anything else; the agent's log has details."""


class AgentTimeout(AgentError):
    """Status 16, timeout: the agent closed an idle or silent connection."""


class WrongDevice(AgentError):
    """Status 17, wrong-device: the volume's path leads to another disk, or its export is down."""


class Unsupported(AgentError):
    """Status 19, unsupported: the kernel lacks what the request asks for (DH-HMAC-CHAP without
    CONFIG_NVME_TARGET_AUTH), or the agent is not configured for it (nvme-tcp without --nvme-port)."""


class Already(AgentError):
    """Status 18, already: the call already took effect in another form.

    attachment_id: the attachment the agent names (reserve, attach, detach), or None.
    """

    attachment_id = None


# status number -> (short name, class, libattach's errno); docs/PROTOCOL.md section 10
_TABLE = {
    1: ("invalid", InvalidError, _errno.EINVAL),
    2: ("protocol", ProtoError, _errno.EPROTO),
    3: ("version", VersionError, _errno.EPROTONOSUPPORT),
    4: ("unknown-call", UnknownCallError, _errno.EOPNOTSUPP),
    5: ("permission", PermissionDenied, _errno.EPERM),
    6: ("not-found", NotFound, _errno.ENOENT),
    7: ("exists", Exists, _errno.EEXIST),
    8: ("state", StateError, _errno.EBADFD),
    9: ("busy", Busy, _errno.EBUSY),
    10: ("not-block", NotBlock, _errno.ENOTBLK),
    11: ("too-big", TooBig, _errno.EMSGSIZE),
    12: ("limit", LimitReached, _errno.EUSERS),
    13: ("no-space", NoSpace, _errno.ENOSPC),
    14: ("kernel", KernelError, _errno.EIO),
    15: ("internal", InternalError, _errno.EREMOTEIO),
    16: ("timeout", AgentTimeout, _errno.ETIMEDOUT),
    17: ("wrong-device", WrongDevice, _errno.EMEDIUMTYPE),
    18: ("already", Already, _errno.EALREADY),
    19: ("unsupported", Unsupported, _errno.ENOPROTOOPT),
}

STATUS_NAMES = {0: "ok"}
STATUS_NAMES.update({s: row[0] for s, row in _TABLE.items()})
STATUS_ERRORS = {s: row[1] for s, row in _TABLE.items()}
_ERRNOS = {s: row[2] for s, row in _TABLE.items()}
for _status, _cls in STATUS_ERRORS.items():
    _cls.status = _status


def agent_error(status, message, call=None, refused=False, plan=None):
    """The exception for a non-zero status: its class, or AgentError for a number this client lacks."""
    cls = STATUS_ERRORS.get(status, AgentError)
    return cls(status, message, call=call, refused=refused, plan=plan)
