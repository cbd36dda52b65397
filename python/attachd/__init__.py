# SPDX-License-Identifier: Apache-2.0
"""attachd: a client of attachd, the volume attach agent, over its UNIX socket (standard library only).

    import attachd
    with attachd.Client("/run/attachd.sock", timeout=30) as agent:
        vol = agent.volume_create("/dev/vg0/vol1")
        agent.reserve(vol)
        info = agent.initialize_connection(vol, "iqn.1993-08.org.debian:01:compute1", ip="192.0.2.7")
        # info is os-brick's connection info: {"driver_volume_type": "iscsi", "data": {...}}

The wire protocol is docs/PROTOCOL.md of the attachd source tree; errors are listed in attachd.errors.
"""

from .client import DEFAULT_TIMEOUT, SOCKET_DEFAULT, SOCKET_ENV, Client
from .errors import (AgentError, AgentTimeout, Already, ArgumentError, AttachdError, Busy, ConnectionFailed,
                     Exists, InternalError, InvalidError, KernelError, LimitReached, NoSpace, NotBlock, NotFound,
                     PermissionDenied, ProtocolError, ProtoError, StateError, STATUS_ERRORS, STATUS_NAMES,
                     Timeout, TooBig, UnknownCallError, Unsupported, VersionError, WrongDevice)
from .protocol import VERSION as PROTOCOL_VERSION
from .results import Plan, Report

__version__ = "0.1.0"

__all__ = [
    "Client", "DEFAULT_TIMEOUT", "SOCKET_DEFAULT", "SOCKET_ENV", "PROTOCOL_VERSION", "Plan", "Report",
    "AttachdError", "ArgumentError", "ConnectionFailed", "Timeout", "ProtocolError", "AgentError",
    "InvalidError", "ProtoError", "VersionError", "UnknownCallError", "PermissionDenied", "NotFound", "Exists",
    "StateError", "Busy", "NotBlock", "TooBig", "LimitReached", "NoSpace", "KernelError", "InternalError",
    "AgentTimeout", "WrongDevice", "Already", "Unsupported", "STATUS_ERRORS", "STATUS_NAMES",
]
