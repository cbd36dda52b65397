"""Drive os-brick's iSCSI connector (what Nova uses) with attachd's connection info, unchanged.

usage: osbrick.py CONNECTION_INFO.json
CONNECTION_INFO.json is the output of `attachctl --json initialize-connection`; its "data" dict goes
to connect_volume/disconnect_volume as it is. Prints "PASS <what>" / "FAIL <what>: <detail>" lines.

os-brick is run in-process as root: the privsep context is switched to direct calls (client mode
off) instead of spawning privsep-helper through sudo/rootwrap. The guest has no udevd, so a small
thread stands in for udev's persistent-storage rule and makes /dev/disk/by-id/scsi-<wwid> links, from
which os-brick reads the WWN (without them it waits 10 s and returns no scsi_wwn).
"""
import glob
import json
import mmap
import os
import sys
import threading
import time

results = []


def check(what, cond, detail=""):
    line = ("PASS %s" % what) if cond else ("FAIL %s: %s" % (what, detail))
    results.append(line)
    print(line, flush=True)
    return cond


def udev_stand_in(stop):
    """scsi_id's page 0x83 id for each sd disk: sysfs wwid with its type prefix as a number."""
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


def main():
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
    threading.Thread(target=udev_stand_in, args=(stop,), daemon=True).start()
    conn = connector.InitiatorConnector.factory("ISCSI", None, use_multipath=False, device_scan_attempts=3)
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

    try:
        conn.disconnect_volume(data, dev)
        check("disconnect_volume", True)
    except Exception as e:
        check("disconnect_volume", False, repr(e))
    stop.set()
    left = sessions(data["target_iqn"])
    check("no session left for %s" % data["target_iqn"], not left, left)
    check("the disk is gone", not os.path.exists("/sys/block/" + os.path.basename(path)), path)


main()
