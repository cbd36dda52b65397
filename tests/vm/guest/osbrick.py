"""Drive os-brick's iSCSI connector (what Nova uses) with attachd's connection info, unchanged.

usage: osbrick.py CONNECTION_INFO.json [--multipath]
CONNECTION_INFO.json is the output of `attachctl --json initialize-connection`; its "data" dict goes
to connect_volume/disconnect_volume as it is. Prints "PASS <what>" / "FAIL <what>: <detail>" lines.
--multipath: the connector is made with use_multipath=True (multipathd must run): it logs in over
every portal of target_portals and returns the multipath device; checked: one session per portal,
a dm device over one disk per session, data through it, nothing left after disconnect_volume.

os-brick is run in-process as root: the privsep context is switched to direct calls (client mode
off) instead of spawning privsep-helper through sudo/rootwrap. The guest has no udevd, so a small
thread stands in for udevd: it makes /dev/disk/by-id/scsi-<wwid> links (persistent-storage), from
which os-brick reads the WWN (without them it waits 10 s and returns no scsi_wwn), and the udev
database entries multipath reads (/run/udev/data/b<maj>:<min>: initialized, ID_SERIAL, ID_WWN); with
--multipath it also passes on the uevent of each new disk as `multipathd add path` (multipathd learns
of paths from udev's events, and os-brick itself adds only the first one).
"""
import glob
import json
import mmap
import os
import subprocess
import sys
import threading
import time

results = []


def check(what, cond, detail=""):
    line = ("PASS %s" % what) if cond else ("FAIL %s: %s" % (what, detail))
    results.append(line)
    print(line, flush=True)
    return cond


def udev_db(dev, serial):
    """udevd's database entry for @dev: initialized (multipathd's discovery lists only initialized
    devices), ID_SERIAL (multipath's uid_attribute) and ID_WWN (multipath blacklists a disk with no
    property matching "(SCSI_IDENT_|ID_WWN)"). True when it was written now (a new disk)."""
    with open("/sys/block/%s/dev" % dev) as f:
        path = "/run/udev/data/b" + f.read().strip()
    try:
        with open(path) as f:
            if "E:ID_SERIAL=%s\n" % serial in f.read():
                return False
    except OSError:
        os.makedirs("/run/udev/data", exist_ok=True)
    with open(path, "w") as f:
        f.write("I:%d\nE:ID_SERIAL=%s\nE:ID_WWN=0x%s\nE:ID_WWN_WITH_EXTENSION=0x%s\n"
                % (time.monotonic() * 1000000, serial, serial[1:17], serial[1:]))
    return True


def udev_stand_in(stop, multipath):
    """scsi_id's page 0x83 id for each sd disk (sysfs wwid with its type prefix as a number): the
    /dev/disk/by-id/scsi-<id> link and the udev database entry."""
    types = {"t10.": "1", "eui.": "2", "naa.": "3"}
    os.makedirs("/dev/disk/by-id", exist_ok=True)
    while not stop.is_set():
        for w in glob.glob("/sys/block/sd*/device/wwid"):
            dev = w.split("/")[3]
            try:
                with open(w) as f:
                    wwid = f.read().strip()
            except OSError:
                continue
            link = "/dev/disk/by-id/scsi-" + types.get(wwid[:4], "8") + wwid[4:]
            if udev_db(dev, types.get(wwid[:4], "8") + wwid[4:]) and multipath:
                # the uevent udevd would pass on: multipathd adds every new disk as a path
                r = subprocess.run(["multipathd", "add", "path", "/dev/" + dev], capture_output=True, timeout=10)
                print("udev stand-in: multipathd add path /dev/%s: %s" % (dev, r.stdout.decode().strip()), flush=True)
            if not os.path.islink(link):
                try:
                    os.symlink("../../" + dev, link)
                except OSError:
                    pass
        for link in glob.glob("/dev/disk/by-id/scsi-*"):  # drop links whose disk went away
            if not os.path.exists(link):
                os.unlink(link)
        time.sleep(0.1)


def sessions(iqn):
    out = []
    for s in glob.glob("/sys/class/iscsi_session/session*/targetname"):
        with open(s) as f:
            if f.read().strip() == iqn:
                out.append(s)
    return out


def session_addresses(iqn):
    """The portal address of each session to @iqn (its connection's persistent_address), sorted."""
    out = []
    for s in sessions(iqn):
        for a in glob.glob(os.path.dirname(s) + "/device/connection*/iscsi_connection/connection*/persistent_address"):
            with open(a) as f:
                out.append(f.read().strip())
    return sorted(out)


def check_multipath(data, dev):
    """What use_multipath=True must have made: a dm device over one disk per portal's session."""
    path = dev.get("path", "")
    dm = os.path.basename(os.path.realpath(path))
    want = sorted(p.rsplit(":", 1)[0].strip("[]") for p in data["target_portals"])
    got = session_addresses(data["target_iqn"])
    check("one session per portal of target_portals (%s)" % ", ".join(got), got == want, "want %s" % want)
    check("connect_volume returned the multipath device (%s, multipath_id %s)" % (path, dev.get("multipath_id")),
          dm.startswith("dm-") and bool(dev.get("multipath_id")), repr(dev))
    slaves = []
    for _ in range(100):  # connect_volume returns once the map exists: the second path may follow
        slaves = sorted(os.listdir("/sys/block/%s/slaves" % dm)) if dm.startswith("dm-") else []
        if len(slaves) >= len(want):
            break
        time.sleep(0.1)
    check("the multipath device sits on %d disks (%s)" % (len(slaves), " ".join(slaves)), len(slaves) == len(want),
          slaves)
    return dm


def roundtrip(path):
    size = 4 << 20
    buf = mmap.mmap(-1, size)  # page aligned, as O_DIRECT wants
    pattern = os.urandom(size)
    buf.write(pattern)
    try:
        fd = os.open(path, os.O_RDWR | os.O_DIRECT)
        os.pwritev(fd, [buf], 0)
        back = mmap.mmap(-1, size)
        os.preadv(fd, [back], 0)
        os.close(fd)
        check("4 MiB O_DIRECT round trip through %s" % path, back[:] == pattern)
    except OSError as e:
        check("4 MiB O_DIRECT round trip through %s" % path, False, repr(e))


def main():
    multipath = sys.argv[2:] == ["--multipath"]
    with open(sys.argv[1]) as f:
        info = json.load(f)
    data = info["data"]
    check("driver_volume_type is iscsi", info.get("driver_volume_type") == "iscsi", info.get("driver_volume_type"))

    t0 = time.time()
    from oslo_config import cfg
    from oslo_concurrency import lockutils  # registers [oslo_concurrency] lock_path
    cfg.CONF([], project="attachd-vm")
    cfg.CONF.set_override("lock_path", "/run/vm/work/locks", group="oslo_concurrency")
    import os_brick
    from os_brick import privileged
    from os_brick.initiator import connector
    os_brick.setup(cfg.CONF)
    privileged.default.set_client_mode(False)
    print("os-brick import %.2f s" % (time.time() - t0), flush=True)

    stop = threading.Event()
    threading.Thread(target=udev_stand_in, args=(stop, multipath), daemon=True).start()
    conn = connector.InitiatorConnector.factory("ISCSI", None, use_multipath=multipath, device_scan_attempts=3)
    t0 = time.time()
    try:
        dev = conn.connect_volume(data)
    except Exception as e:
        check("connect_volume", False, repr(e))
        return
    path = dev.get("path", "")
    check("connect_volume returned a block device (%s, wwn %s) in %.1f s"
          % (path, dev.get("scsi_wwn"), time.time() - t0),
          path.startswith("/dev/") and os.path.exists(path), repr(dev))
    check("connect_volume found the WWN", bool(dev.get("scsi_wwn")), repr(dev))
    dm = check_multipath(data, dev) if multipath else None
    roundtrip(path)

    try:
        conn.disconnect_volume(data, dev)
        check("disconnect_volume", True)
    except Exception as e:
        check("disconnect_volume", False, repr(e))
    stop.set()
    left = sessions(data["target_iqn"])
    check("no session left for %s" % data["target_iqn"], not left, left)
    check("the disk is gone", not os.path.exists("/sys/block/" + os.path.basename(os.path.realpath(path))), path)
    if dm:
        check("the multipath device %s is gone" % dm, not os.path.exists("/sys/block/" + dm), dm)


main()
