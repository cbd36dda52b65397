# SPDX-License-Identifier: Apache-2.0
"""Client: one connection to attachd's UNIX socket, one method per call of the protocol.

A call sends one request and reads its reply (docs/PROTOCOL.md sections 2 and 5). The connection is
made at the first call (or connect(), or entering a with block) and starts with the version exchange.
Like libattach, the client connects again by itself before a request, once, when the agent has closed
the connection in the meantime (its idle timeout): nothing had been sent, so nothing runs twice. A
request that was sent is never sent again: when its reply is lost (the connection broke, the timeout
passed, the reply broke the protocol), the call raises and the connection is closed; the next call
connects again. Calls on one client are serialised by a lock; a client may be shared by threads.
"""

import os
import select
import socket
import threading
import time

from . import protocol as p
from . import results
from . import validate as v
from .errors import (Already, ArgumentError, ConnectionFailed, ProtocolError, Timeout, VersionError,
                     agent_error)
from .protocol import Attr, Msg

SOCKET_ENV = "ATTACHD_SOCKET"
SOCKET_DEFAULT = "/run/attachd.sock"
DEFAULT_TIMEOUT = 60.0
_SUN_PATH_MAX = 107  # sizeof(sun_path) - 1


class _Reply:
    """A decoded reply: the agent's message, its top-level attributes and the PLAN steps (or None)."""

    def __init__(self, message, attrs, steps):
        self.message = message
        self.attrs = attrs
        self.steps = steps


class Client:
    """A connection to attachd.

    path     the agent's socket: default $ATTACHD_SOCKET, then /run/attachd.sock
    timeout  seconds allowed to connect and, for each call, to send the request and read the whole
             reply (default 60); None waits for ever. On expiry the call raises Timeout and the
             connection is closed (the agent may still complete the call: its effect is unknown).

    Every method raises ArgumentError for an argument the agent would refuse (nothing is sent),
    ConnectionFailed (Timeout) and ProtocolError for transport failures, and an AgentError subclass
    when the agent refuses the call (errors.py lists them). Mutating calls take dry_run=True: the agent
    then only plans, changes nothing, and the method returns a Plan.
    """

    def __init__(self, path=None, timeout=DEFAULT_TIMEOUT):
        if path is None:
            path = os.environ.get(SOCKET_ENV) or SOCKET_DEFAULT
        path = os.fsdecode(path) if isinstance(path, (bytes, os.PathLike)) else path
        if not isinstance(path, str) or not path:
            raise ArgumentError("path: expected the socket's path, got %r" % (path,))
        if len(os.fsencode(path)) > _SUN_PATH_MAX:
            raise ArgumentError("path: %d bytes long, over the %d a UNIX socket's path may have"
                                % (len(os.fsencode(path)), _SUN_PATH_MAX))
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                    or not timeout > 0):
            raise ArgumentError("timeout: expected a positive number of seconds or None, got %r" % (timeout,))
        self.path = path
        self.timeout = timeout
        self.last_message = ""
        self.agent_version = None
        self.agent_version_min = None
        self._sock = None
        self._seq = 0
        self._lock = threading.RLock()

    # --- the connection
    def connect(self):
        """Connect (again) and exchange protocol versions. VersionError if the agent does not speak
        version 1 (its range is in the exception); ConnectionFailed if nobody answers at the path."""
        with self._lock:
            self._open()
            self.hello()

    def _open(self):
        self.close()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except socket.timeout:
            sock.close()
            raise Timeout("cannot connect to attachd at %s: no answer within %ss" % (self.path, self.timeout))
        except OSError as e:
            sock.close()
            raise ConnectionFailed("cannot connect to attachd at %s: %s" % (self.path, e.strerror or e)) from e
        self._sock = sock

    def close(self):
        """Close the connection (a later call connects again)."""
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None

    @property
    def connected(self):
        return self._sock is not None

    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc):
        self.close()

    def _revive(self):
        """Before a request: connect if there is no connection, or if the agent's goodbye (a REFUSED
        message or the end of the stream) is already waiting on this one."""
        if self._sock is None:
            self.connect()
            return
        try:
            readable, _, _ = select.select([self._sock], [], [], 0)
        except (OSError, ValueError):
            readable = True
        if readable:
            self.connect()

    def _deadline(self):
        return None if self.timeout is None else time.monotonic() + self.timeout

    def _arm(self, deadline):
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout()
            self._sock.settimeout(left)

    def _send(self, data, deadline):
        view = memoryview(data)
        while view:
            self._arm(deadline)
            try:
                n = self._sock.send(view)
            except (BrokenPipeError, ConnectionResetError):
                return  # the agent refused us and closed: its reason may still be readable
            view = view[n:]

    def _recv(self, n, deadline, what):
        """Exactly @n bytes. The end of the stream before the first byte is a ConnectionFailed, after it
        a ProtocolError (a reply cut short)."""
        buf = bytearray()
        while len(buf) < n:
            self._arm(deadline)
            try:
                chunk = self._sock.recv(min(n - len(buf), 1 << 20))
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                if not buf and what == "header":
                    raise ConnectionFailed("the agent closed the connection")
                raise ProtocolError("the agent's reply was cut short: the stream ended after %d of the %d bytes "
                                    "of its %s" % (len(buf), n, what))
            buf += chunk
        return bytes(buf)

    def _transact(self, msg_type, attrs):
        """Send one request, read and check its reply: (header fields, body)."""
        self._seq = (self._seq + 1) & 0xFFFFFFFF
        data = p.request(msg_type, self._seq, attrs)
        if len(data) > p.REQUEST_MAX:
            raise ArgumentError("the request is %d bytes long, over the protocol's maximum of %d"
                                % (len(data), p.REQUEST_MAX))
        deadline = self._deadline()
        try:
            self._send(data, deadline)
            head = self._recv(p.HEADER.size, deadline, "header")
            length, rtype, flags, seq, _pid = p.HEADER.unpack(head)
            if length < p.HEADER.size:
                raise ProtocolError("the agent sent a reply of %d bytes, shorter than its %d-byte header"
                                    % (length, p.HEADER.size))
            if length > p.REPLY_MAX:
                raise ProtocolError("the agent sent a reply of %d bytes, over the protocol's maximum of %d"
                                    % (length, p.REPLY_MAX))
            body = self._recv(length - p.HEADER.size, deadline, "%d-byte reply" % length)
        except socket.timeout:
            self.close()
            raise Timeout("%s: no whole reply from the agent within %ss (the connection is closed; the call "
                          "may or may not have taken effect)" % (p.CALL_NAMES.get(msg_type, msg_type), self.timeout))
        except (ProtocolError, ConnectionFailed):
            self.close()
            raise
        except OSError as e:
            self.close()
            raise ConnectionFailed("talking to the agent: %s" % (e.strerror or e)) from e
        if rtype != Msg.REFUSED and (rtype != msg_type or seq != self._seq):
            self.close()
            raise ProtocolError("reply type 0x%x seq %d does not answer request 0x%x seq %d"
                                % (rtype, seq, msg_type, self._seq))
        if flags != 0:
            self.close()
            raise ProtocolError("the agent's reply has flags 0x%x (the protocol's replies have 0)" % flags)
        return rtype, body

    def _call(self, msg_type, attrs=b"", dry_run=False):
        """One call: the request's attributes (encoded), and DRY_RUN when asked. Returns a _Reply; raises
        the AgentError of a non-zero status."""
        if dry_run:
            attrs += p.put_flag(Attr.DRY_RUN)
        name = p.CALL_NAMES.get(msg_type)
        with self._lock:
            if msg_type != Msg.HELLO:
                self._revive()
            elif self._sock is None:
                self._open()
            rtype, body = self._transact(msg_type, attrs)
            refused = rtype == Msg.REFUSED
            if refused:
                self.close()  # the agent closes after it
            where = "the agent's %s reply" % ("REFUSED" if refused else name or "0x%x" % msg_type)
            try:
                status = p.reply_status(body, where)
                decoded = p.decode(body, p.reply_allowed(msg_type, status, refused), where)
            except ProtocolError:
                self.close()
                raise
            message = decoded.get(Attr.MESSAGE, "")
            self.last_message = message
            steps = results.plan_steps(decoded)
            if refused and status == 0:
                status = 15  # libattach's reading too: a refusal is never a success
            if status:
                err = agent_error(status, message, call=None if refused else name, refused=refused, plan=steps)
                if isinstance(err, VersionError):
                    err.version = decoded.get(Attr.VERSION)
                    err.version_min = decoded.get(Attr.VERSION_MIN)
                if isinstance(err, Already):
                    err.attachment_id = decoded.get(Attr.ATTACHMENT_ID)
                raise err
            return _Reply(message, decoded, steps)

    def _result(self, reply, dry_run, value):
        return results.Plan(reply.steps or [], reply.message, value) if dry_run else value

    def _results(self, convert, *args):
        """A reply's results as this package returns them; ProtocolError (the reply lacks what the call
        returns) closes the connection as every protocol error does."""
        try:
            return convert(*args)
        except ProtocolError:
            self.close()
            raise

    def _need(self, reply, a, name):
        if a not in reply.attrs:
            self.close()
            raise ProtocolError("the agent's %s reply lacks %s" % (name, p.attr_name(a)))
        return reply.attrs[a]

    # --- the calls
    def hello(self, version=p.VERSION):
        """The version exchange (connect() makes it; without a connection, this opens one): the agent's
        (version, version_min). VersionError (the connection is then closed) when the agent does not
        speak @version."""
        if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version <= 0xFFFFFFFF:
            raise ArgumentError("version: expected a protocol version number, got %r" % (version,))
        try:
            reply = self._call(Msg.HELLO, p.put_u32(Attr.VERSION, version))
        except VersionError:
            self.close()  # as libattach: other calls would only get "send hello first"
            raise
        self.agent_version = self._need(reply, Attr.VERSION, "hello")
        self.agent_version_min = self._need(reply, Attr.VERSION_MIN, "hello")
        return self.agent_version, self.agent_version_min

    def volume_create(self, device, name=None, volume_id=None, multiattach=False, dry_run=False, transport=None):
        """Register the block device at @device as a volume: its id (the agent draws one unless
        @volume_id is given). @transport: "iscsi" (None: the default) or "nvme-tcp" (Unsupported when
        the agent has no --nvme-port)."""
        attrs = p.put_str(Attr.DEVICE, v.device("device", device))
        if v.optional_text("name", name, p.NAME_MAX) is not None:
            attrs += p.put_str(Attr.NAME, name)
        if v.optional_uuid("volume_id", volume_id) is not None:
            attrs += p.put_str(Attr.VOLUME_ID, volume_id)
        if v.flag("multiattach", multiattach):
            attrs += p.put_flag(Attr.MULTIATTACH)
        wire_transport = v.transport("transport", transport)
        if wire_transport:
            attrs += p.put_u8(Attr.TRANSPORT, wire_transport)
        reply = self._call(Msg.VOLUME_CREATE, attrs, v.flag("dry_run", dry_run))
        if dry_run:
            return self._result(reply, True, reply.attrs.get(Attr.VOLUME_ID))
        return self._need(reply, Attr.VOLUME_ID, "volume-create")

    def volume_delete(self, volume_id, dry_run=False):
        """Forget an available volume that is not exported."""
        return self._volume_only(Msg.VOLUME_DELETE, volume_id, dry_run)

    def volume_list(self):
        """Every volume, ordered by id: a list of dicts (volume_id, name, device, device_node, identity,
        state, multiattach, size, created)."""
        reply = self._call(Msg.VOLUME_LIST)
        return self._results(lambda vols: [results.volume(nest) for nest in vols], reply.attrs.get(Attr.VOLUME, []))

    def volume_show(self, volume_id, secrets=False):
        """One volume with its attachments, export and initiators' access (CHAP passwords only with
        @secrets): a dict, as attachctl --json volume-show prints it."""
        attrs = p.put_str(Attr.VOLUME_ID, v.uuid("volume_id", volume_id))
        if v.flag("secrets", secrets):
            attrs += p.put_flag(Attr.SHOW_SECRETS)
        return self._results(results.volume_show, self._call(Msg.VOLUME_SHOW, attrs).attrs)

    def volume_extend(self, volume_id, dry_run=False):
        """Take the grown device's new size: the size in bytes."""
        reply = self._call(Msg.VOLUME_EXTEND, p.put_str(Attr.VOLUME_ID, v.uuid("volume_id", volume_id)),
                           v.flag("dry_run", dry_run))
        return self._result(reply, dry_run, self._need(reply, Attr.SIZE, "volume-extend"))

    def reserve(self, volume_id, mode=None, dry_run=False):
        """available (or in-use, multiattach) -> attaching: the new attachment's id. @mode "ro" makes
        the attachment read-only (its initiator's writes fail); None or "rw" read-write. Already (with
        .attachment_id) when the volume is reserved already."""
        attrs = p.put_str(Attr.VOLUME_ID, v.uuid("volume_id", volume_id))
        wire_mode = v.mode("mode", mode)
        if wire_mode is not None:
            attrs += p.put_u8(Attr.MODE, wire_mode)
        reply = self._call(Msg.RESERVE, attrs, v.flag("dry_run", dry_run))
        if dry_run:
            return self._result(reply, True, reply.attrs.get(Attr.ATTACHMENT_ID))
        return self._need(reply, Attr.ATTACHMENT_ID, "reserve")

    def unreserve(self, volume_id, dry_run=False):
        """Drop the reserved attachment (and the connection initialize_connection made for it)."""
        return self._volume_only(Msg.UNRESERVE, volume_id, dry_run)

    def initialize_connection(self, volume_id, initiator=None, host=None, ip=None, multipath=False,
                              mutual_chap=False, dry_run=False, nqn=None, dhchap=False,
                              dhchap_bidirectional=False, dhchap_dhgroup=None):
        """Give @initiator access: os-brick's connection info, {"driver_volume_type": "iscsi", "data":
        {...}}. @ip is the connector's address (needed when the agent's portals are wildcards);
        @mutual_chap adds the target's credentials (auth_username_in, auth_password_in). A dry run's
        Plan has no connection info. An nvme-tcp volume takes the host's @nqn instead of @initiator, and
        answers os-brick's nvmeof form ({"driver_volume_type": "nvmeof", "data": {"target_nqn",
        "vol_uuid", "portals", "ns_id", "host_nqn", ...}}); @dhchap, @dhchap_bidirectional and
        @dhchap_dhgroup ask for DH-HMAC-CHAP (its secrets come back: dhchap_secret, dhchap_ctrl_secret)."""
        attrs = p.put_str(Attr.VOLUME_ID, v.uuid("volume_id", volume_id))
        if (initiator is None) == (nqn is None):
            v.fail("initiator", "give the initiator or the nqn, one of the two")
        if initiator is not None:
            attrs += p.put_str(Attr.INITIATOR, v.initiator("initiator", initiator))
        if nqn is not None:
            attrs += p.put_str(Attr.NQN, v.nqn("nqn", nqn))
        dh = v.flag("dhchap", dhchap) | v.flag("dhchap_bidirectional", dhchap_bidirectional)
        if dh or dhchap_dhgroup is not None:
            attrs += p.put_str(Attr.DHCHAP, v.dhgroup("dhchap_dhgroup", dhchap_dhgroup or "null"))
        if v.optional_text("host", host, p.HOST_MAX) is not None:
            attrs += p.put_str(Attr.HOST, host)
        if v.optional_ip("ip", ip) is not None:
            attrs += p.put_str(Attr.IP, ip)
        if v.flag("multipath", multipath):
            attrs += p.put_flag(Attr.MULTIPATH)
        if v.flag("mutual_chap", mutual_chap) or dhchap_bidirectional:
            attrs += p.put_flag(Attr.MUTUAL_CHAP)
        reply = self._call(Msg.INITIALIZE_CONNECTION, attrs, v.flag("dry_run", dry_run))
        if dry_run:
            return self._result(reply, True, None)
        if reply.attrs.get(Attr.TRANSPORT) == 1:
            return self._results(results.nvme_conninfo, reply.attrs, dh or dhchap_dhgroup is not None,
                                 dhchap_bidirectional)
        return self._results(results.conninfo, reply.attrs, mutual_chap)

    def attach(self, volume_id, instance, host, mountpoint, mode=None, attachment_id=None, dry_run=False):
        """attaching -> in-use: the attachment's id. @mode must be the reservation's (None takes it);
        @attachment_id names the reserved attachment (default: the volume's only one). The same attach
        again succeeds and changes nothing; Already when the attachment is attached otherwise."""
        attrs = p.put_str(Attr.VOLUME_ID, v.uuid("volume_id", volume_id))
        attrs += p.put_str(Attr.INSTANCE, v.uuid("instance", instance))
        attrs += p.put_str(Attr.HOST, v.text("host", host, p.HOST_MAX))
        attrs += p.put_str(Attr.MOUNTPOINT, v.text("mountpoint", mountpoint, p.PATH_MAX))
        wire_mode = v.mode("mode", mode)
        if wire_mode is not None:
            attrs += p.put_u8(Attr.MODE, wire_mode)
        if v.optional_uuid("attachment_id", attachment_id) is not None:
            attrs += p.put_str(Attr.ATTACHMENT_ID, attachment_id)
        reply = self._call(Msg.ATTACH, attrs, v.flag("dry_run", dry_run))
        if dry_run:
            return self._result(reply, True, reply.attrs.get(Attr.ATTACHMENT_ID))
        return self._need(reply, Attr.ATTACHMENT_ID, "attach")

    def begin_detaching(self, volume_id, dry_run=False):
        """in-use -> detaching."""
        return self._volume_only(Msg.BEGIN_DETACHING, volume_id, dry_run)

    def roll_detaching(self, volume_id, dry_run=False):
        """detaching -> in-use (an aborted detach)."""
        return self._volume_only(Msg.ROLL_DETACHING, volume_id, dry_run)

    def terminate_connection(self, volume_id, initiator=None, attachment_id=None, force=False, dry_run=False):
        """Release one connection of @initiator (its access goes with its last one); with @attachment_id,
        exactly that attachment's. @force fences the export and removes every initiator and the export
        (@initiator is then optional; @attachment_id is refused). A repeat with nothing changed in
        between releases nothing more."""
        attrs = p.put_str(Attr.VOLUME_ID, v.uuid("volume_id", volume_id))
        v.flag("force", force)
        if initiator is None and not force:
            v.fail("initiator", "required unless force is set")
        if attachment_id is not None and force:
            v.fail("attachment_id", "does not go together with force")
        # an nvme-tcp volume's host goes by its NQN (a name that begins with "nqn.", as libattach does)
        if initiator is not None and initiator.startswith("nqn."):
            attrs += p.put_str(Attr.NQN, v.nqn("initiator", initiator))
        elif v.optional_initiator("initiator", initiator) is not None:
            attrs += p.put_str(Attr.INITIATOR, initiator)
        if v.optional_uuid("attachment_id", attachment_id) is not None:
            attrs += p.put_str(Attr.ATTACHMENT_ID, attachment_id)
        if force:
            attrs += p.put_flag(Attr.FORCE)
        reply = self._call(Msg.TERMINATE_CONNECTION, attrs, v.flag("dry_run", dry_run))
        return self._result(reply, dry_run, None)

    def detach(self, volume_id, attachment_id=None, dry_run=False):
        """Drop an attachment (default: the volume's only attached one); detaching -> in-use or
        available. The connection stays until terminate_connection."""
        attrs = p.put_str(Attr.VOLUME_ID, v.uuid("volume_id", volume_id))
        if v.optional_uuid("attachment_id", attachment_id) is not None:
            attrs += p.put_str(Attr.ATTACHMENT_ID, attachment_id)
        reply = self._call(Msg.DETACH, attrs, v.flag("dry_run", dry_run))
        return self._result(reply, dry_run, None)

    def reconcile(self, purge_unowned=False, dry_run=False):
        """Make the kernel match the records: a Report (steps, summary). @purge_unowned also removes
        objects of attachd's form that this agent's database did not make. KernelError (its .plan holds
        the steps) when a difference could not be fixed."""
        attrs = p.put_flag(Attr.PURGE_UNOWNED) if v.flag("purge_unowned", purge_unowned) else b""
        reply = self._call(Msg.RECONCILE, attrs, v.flag("dry_run", dry_run))
        return results.Report(reply.steps or [], reply.message)

    def stats(self):
        """The agent's statistics, a dict as attachctl --json stats prints it: start_time; records (the
        store's counts); reconcile (start, call: the reconcile at start and the last reconcile call, or
        None); calls (per call: count, sum_us, statuses by short name, cumulative buckets by le_us); exports
        (per export: volume_id, target_iqn, down, sessions the kernel shows or None, initiators with
        logged_in). The counters are the agent process's: a restart starts them again. A --read-uid
        caller may make this call."""
        return self._results(results.stats, self._call(Msg.STATS).attrs)

    def _volume_only(self, msg_type, volume_id, dry_run):
        reply = self._call(msg_type, p.put_str(Attr.VOLUME_ID, v.uuid("volume_id", volume_id)),
                           v.flag("dry_run", dry_run))
        return self._result(reply, dry_run, None)
