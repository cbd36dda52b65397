# SPDX-License-Identifier: Apache-2.0
"""A real attachd for the tests: build/attachd-sim (the agent linked with the configfs simulator) on a
temporary world of its own (simulated configfs tree, block device nodes, database, socket), as
tests/integration/lib.sh makes one for the shell tests. Also attachctl on the same socket, for the
comparisons with libattach. Needs root (mknod) and the build: `make all build/attachd-sim
build/tests/sim-setup`, which `make check` does first.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))  # the attachd source tree
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
AGENT_BIN = os.path.join(BUILD, "attachd-sim")
CTL_BIN = os.path.join(BUILD, "attachctl")
SIMSETUP = os.path.join(BUILD, "tests", "sim-setup")

sys.path.insert(0, os.path.dirname(HERE))  # the package from the tree, not an installed copy


def missing():
    """Why the tests cannot run here, or None."""
    for path in (AGENT_BIN, CTL_BIN, SIMSETUP):
        if not os.access(path, os.X_OK):
            return "%s is missing: run make all %s %s first" % (path, AGENT_BIN, SIMSETUP)
    if os.geteuid() != 0:
        return "the simulator's block device nodes need root (mknod)"
    return None


class World:
    """A temporary directory with a simulated configfs tree, disks disk0..disk{n-1} (block nodes 7:minor),
    and an agent started on it with start()."""

    def __init__(self, disks=4, first_minor=230, kernel="6.1"):
        why = missing()
        if why:
            raise RuntimeError(why)
        base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        self.dir = tempfile.mkdtemp(prefix="attachd-py-", dir=os.environ.get("ATTACHD_TEST_TMP", base))
        os.chmod(self.dir, 0o755)  # an unprivileged caller must reach the socket
        self.cfs = os.path.join(self.dir, "cfs")
        os.mkdir(self.cfs)
        subprocess.run([SIMSETUP, self.cfs, kernel], check=True, stdout=subprocess.DEVNULL)
        self.disks = []
        for i in range(disks):
            path = os.path.join(self.dir, "disk%d" % i)
            os.mknod(path, 0o600 | 0o060000, os.makedev(7, first_minor + i))
            self.disks.append(path)
        self.minors = [first_minor + i for i in range(disks)]
        self.dm = os.path.join(self.dir, "dm")
        self.sock = os.path.join(self.dir, "attachd.sock")
        self.db = os.path.join(self.dir, "db")
        self.log = os.path.join(self.dir, "agent.log")
        self.proc = None

    def start(self, *options, portals=("127.0.0.1:3260",), env=None):
        """Start the agent and wait for its socket (a new inode: a killed agent's file does not count)."""
        assert self.proc is None, "the agent runs already"
        try:
            stale = os.stat(self.sock).st_ino
        except FileNotFoundError:
            stale = None
        args = [AGENT_BIN, "--socket", self.sock, "--db", self.db, "--configfs-root", self.cfs, "--no-kmod",
                "--foreground", "--log-level", "debug"]
        for portal in portals:
            args += ["--portal", portal]
        environ = dict(os.environ, ATTACHD_SIM_DM_DIR=self.dm)
        environ.update(env or {})
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(args + list(options), stdout=log, stderr=log, env=environ)
        for _ in range(200):
            try:
                if os.stat(self.sock).st_ino != stale:
                    return
            except FileNotFoundError:
                pass
            if self.proc.poll() is not None:
                self.proc = None
                raise RuntimeError("the agent did not start:\n" + self.log_text()[-2000:])
            time.sleep(0.025)
        raise RuntimeError("the agent's socket did not appear in 5 s")

    def stop(self):
        """SIGTERM and wait: the agent's exit status."""
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=10)
        self.proc = None
        return rc

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def free(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def sim_file(self, name, content):
        """A simulator state file of the dm directory (tests/sim/sim_dm.c): size-M:m, ident-M:m, busy-M:m."""
        os.makedirs(self.dm, exist_ok=True)
        with open(os.path.join(self.dm, name), "w") as f:
            f.write(content)

    def ctl(self, *args, check=True):
        """attachctl on this agent's socket: (exit status, stdout, stderr)."""
        r = subprocess.run([CTL_BIN, "-s", self.sock] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        if check and r.returncode != 0:
            raise AssertionError("attachctl %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr.strip()))
        return r.returncode, r.stdout, r.stderr

    def ctl_json(self, *args):
        """attachctl --json's output line, as text (for byte comparisons) and parsed."""
        _, out, _ = self.ctl("--json", *args)
        line = out.rstrip("\n")
        return line, json.loads(line)
