#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# sd_notify_recv.py: stands in for systemd's notification socket (sd_notify(3)), for the integration
# tests: a datagram socket bound to ADDRESS (a path, or "@name" for an abstract one); every datagram is
# appended to OUT as one line, its "VAR=value" lines joined by "|", flushed at once. OUT appears (empty)
# once the socket is bound. Runs until killed.
# usage: sd_notify_recv.py ADDRESS OUT
import socket
import sys

addr, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
with open(out, "a", buffering=1) as f:
    while True:
        data = s.recv(4096)
        f.write(data.decode("utf-8", "replace").replace("\n", "|") + "\n")
