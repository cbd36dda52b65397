#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# sd_launch.py: start a program the way systemd's socket activation does (sd_listen_fds(3)), for the
# integration tests: the listening socket(s) at fd 3 on, LISTEN_FDS, LISTEN_PID (the program's pid, which
# exec keeps: this process's), LISTEN_FDNAMES, then exec. Options make it pass what systemd never would.
#
# usage: sd_launch.py [--kind K] [--fds N] [--pid ours|parent|none] [--fds-value S] PATH -- PROGRAM ARGS...
#   --kind listen (default): an AF_UNIX stream socket bound to PATH, listening; unlistened: bound only;
#          dgram: a datagram socket bound to PATH; file: PATH opened as a regular file
#   --fds N: N such sockets (PATH, PATH.2, ...) at fd 3 to 2 + N (default 1)
#   --pid: LISTEN_PID is ours (default), our parent's (a wrong one), or unset
#   --fds-value S: LISTEN_FDS=S whatever was passed
#   --mode M: the socket file's mode (octal), as SocketMode= sets it
# Writes "<inode of PATH>" to PATH.ino once it is there, so a test can tell it from a socket made later.
import argparse
import os
import socket
import sys


def make(kind, path, mode):
    if kind == "file":
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM if kind == "dgram" else socket.SOCK_STREAM)
    s.bind(path)
    if mode is not None:
        os.chmod(path, int(mode, 8))
    if kind == "listen":
        s.listen(64)
    return s.detach()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kind", default="listen", choices=["listen", "unlistened", "dgram", "file"])
    ap.add_argument("--fds", type=int, default=1)
    ap.add_argument("--pid", default="ours", choices=["ours", "parent", "none"])
    ap.add_argument("--fds-value")
    ap.add_argument("--mode")
    ap.add_argument("path")
    ap.add_argument("program", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    prog = a.program[1:] if a.program[:1] == ["--"] else a.program
    if not prog:
        ap.error("no program")
    paths = [a.path] + ["%s.%d" % (a.path, i + 1) for i in range(1, a.fds)]
    # out of the way first (fds 3.. may be taken by what we make), then into place
    high = [os.dup(fd) for fd in [make(a.kind, p, a.mode) for p in paths]]
    for i, fd in enumerate(high):
        os.dup2(fd, 3 + i, inheritable=True)
        os.close(fd)
    with open(a.path + ".ino", "w") as f:
        f.write("%d\n" % os.stat(a.path).st_ino)
    env = dict(os.environ)
    env["LISTEN_FDS"] = a.fds_value if a.fds_value is not None else str(a.fds)
    env["LISTEN_FDNAMES"] = ":".join(["attachd.socket"] * a.fds)
    if a.pid == "ours":
        env["LISTEN_PID"] = str(os.getpid())
    elif a.pid == "parent":
        env["LISTEN_PID"] = str(os.getppid())
    else:
        env.pop("LISTEN_PID", None)
    sys.stdout.flush()
    os.execvpe(prog[0], prog, env)


main()
