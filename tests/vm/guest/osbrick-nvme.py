"""Drive os-brick's NVMe-oF connector (what Nova uses for "nvmeof") with attachd's connection info, unchanged.

usage: osbrick-nvme.py CONNECTION_INFO.json [EXTEND_COMMAND...]
CONNECTION_INFO.json is the output of `attachctl --json initialize-connection --nqn ...`; its "data" dict
goes to connect_volume/extend_volume/disconnect_volume as it is. Prints "PASS <what>" / "FAIL <what>:
<detail>" lines. With EXTEND_COMMAND (e.g. attachctl volume-extend VOL --size N): after the round trip the
command runs, then os-brick's extend_volume must return the new size (the host learns it from the
namespace's revalidation: nvme id-ns, then the block device's size in sysfs).

os-brick is run in-process as root, its privsep context switched to direct calls, as osbrick.py does.
The host is set up as Debian's nvme-cli package sets one up (/etc/nvme/hostnqn, /etc/nvme/hostid; the
scenario writes them), and the nqn of os-brick's NVMe-oF connector properties, what Nova sends with
initialize_connection, must be the host NQN the export was made for. The connector is the one Nova makes: NVMEOF, no multipath,
with one upstream fix applied in process (fix_lp2035811, below): without it, Debian 12's os-brick finds
no NVMe/TCP device on these kernels, from any target. It connects with `nvme connect -q host_nqn`
(from the connection info), finds the namespace under the new controller by its uuid (vol_uuid) in
sysfs, and disconnect_volume flushes the device and disconnects the controller once it has no other
namespace.
"""
import glob
import json
import logging
import mmap
import os
import subprocess
import sys
import time

results = []


def check(what, cond, detail=""):
    line = ("PASS %s" % what) if cond else ("FAIL %s: %s" % (what, detail))
    results.append(line)
    print(line, flush=True)
    return cond


def controllers(nqn):
    """The /sys/class/nvme controllers of subsystem @nqn, with their host NQN and state."""
    out = []
    for c in sorted(glob.glob("/sys/class/nvme/nvme*")):
        try:
            with open(c + "/subsysnqn") as f:
                if f.read().strip() != nqn:
                    continue
            with open(c + "/hostnqn") as f:
                host = f.read().strip()
            with open(c + "/state") as f:
                state = f.read().strip()
        except OSError:
            continue
        out.append((os.path.basename(c), host, state))
    return out


def fix_lp2035811(nvmeof):
    """Debian 12's os-brick 6.1.0 matches a controller by its whole sysfs "address", which these kernels'
    nvme-tcp extend with the connection's source ("traddr=127.0.0.1,trsvcid=4420,src_addr=127.0.0.1"):
    it never finds the controller it has just connected, whatever the target (os-brick bug #2035811,
    fixed upstream in 6.2.3, 6.4.1 and 6.5.0 by comparing traddr and trsvcid only). The same fix, in this
    process: the module's sysfs reader gives it the address without the keys it does not compare."""
    read = nvmeof.sysfs_property

    def sysfs_property(prop_name, path_or_name):
        value = read(prop_name, path_or_name)
        if prop_name == "address" and value:
            kv = dict(x.split("=", 1) for x in value.split(",") if "=" in x)
            if "traddr" in kv and "trsvcid" in kv:
                return "traddr=%s,trsvcid=%s" % (kv["traddr"], kv["trsvcid"])
        return value

    nvmeof.sysfs_property = sysfs_property


def sysfs_controllers():
    """Every NVMe controller's sysfs view, as os-brick matches it (a failure's diagnostics)."""
    for c in sorted(glob.glob("/sys/class/nvme/nvme*")):
        vals = []
        for a in ("subsysnqn", "hostnqn", "transport", "address", "state"):
            try:
                with open("%s/%s" % (c, a)) as f:
                    vals.append("%s=%s" % (a, f.read().strip()))
            except OSError as e:
                vals.append("%s: %s" % (a, e.strerror))
        print("controller %s: %s" % (os.path.basename(c), "; ".join(vals)), flush=True)


def roundtrip(path, offset):
    size = 4 << 20
    buf = mmap.mmap(-1, size)  # page aligned, as O_DIRECT wants
    pattern = os.urandom(size)
    buf.write(pattern)
    try:
        fd = os.open(path, os.O_RDWR | os.O_DIRECT)
        os.pwritev(fd, [buf], offset)
        back = mmap.mmap(-1, size)
        os.preadv(fd, [back], offset)
        os.close(fd)
        return check("4 MiB O_DIRECT round trip through %s at %d MiB" % (path, offset >> 20), back[:] == pattern)
    except OSError as e:
        return check("4 MiB O_DIRECT round trip through %s at %d MiB" % (path, offset >> 20), False, repr(e))


def dev_bytes(path):
    with open(path, "rb") as f:
        return f.seek(0, os.SEEK_END)


def main():
    with open(sys.argv[1]) as f:
        info = json.load(f)
    extend = sys.argv[2:]
    logging.basicConfig(level=logging.WARNING, stream=sys.stdout, format="os-brick %(levelname)s %(message)s")
    data = info["data"]
    check("driver_volume_type is nvmeof", info.get("driver_volume_type") == "nvmeof", info.get("driver_volume_type"))

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

    # the "nqn" of the NVMe-oF connector's properties (the rest of them needs dmidecode and findmnt)
    from os_brick import utils
    nqn = utils.get_host_nqn()
    check("os-brick's host NQN, the nqn Nova sends, is the one the export is for (%s)" % nqn, nqn == data["host_nqn"])
    from os_brick.initiator.connectors import nvmeof
    fix_lp2035811(nvmeof)
    conn = connector.InitiatorConnector.factory("NVMEOF", None, use_multipath=False, device_scan_attempts=3)
    t0 = time.time()
    try:
        dev = conn.connect_volume(data)
    except Exception as e:
        check("connect_volume", False, repr(e))
        sysfs_controllers()
        r = subprocess.run(["dmesg"], capture_output=True, text=True)
        print("\n".join([line for line in r.stdout.splitlines() if "nvme" in line.lower()][-10:]), flush=True)
        return
    path = dev.get("path", "")
    name = os.path.basename(path)
    data["device_path"] = path  # as Nova's LibvirtNVMEVolumeDriver does after connect_volume
    check("connect_volume returned a block device (%s) in %.1f s" % (path, time.time() - t0),
          path.startswith("/dev/nvme") and os.path.exists(path), repr(dev))
    try:
        with open("/sys/block/%s/uuid" % name) as f:
            uuid = f.read().strip()
    except OSError as e:
        uuid = repr(e)
    check("its namespace's uuid is vol_uuid (%s)" % uuid, uuid == data["vol_uuid"], uuid)
    with open("/sys/class/nvme/%s/address" % name.rsplit("n", 1)[0]) as f:
        print("the controller's sysfs address: %s (os-brick 6.1.0 as shipped compares it whole)" % f.read().strip())
    ctrls = controllers(data["target_nqn"])
    check("one live controller of %s, for host_nqn" % data["target_nqn"],
          [(h, s) for _, h, s in ctrls] == [(data["host_nqn"], "live")], ctrls)
    roundtrip(path, 0)

    if extend:
        before = dev_bytes(path)
        r = subprocess.run(extend, capture_output=True, text=True)
        check("the volume grows (%s)" % extend[-1], r.returncode == 0, (r.stdout + r.stderr).strip())
        t0 = time.time()
        try:
            size = conn.extend_volume(data)
        except Exception as e:
            size = repr(e)
        after = dev_bytes(path)
        check("extend_volume returns the new size (%s bytes, was %d) in %.1f s" % (size, before, time.time() - t0),
              isinstance(size, int) and size > before and size == after, "device %d bytes" % after)
        roundtrip(path, after - (4 << 20))

    try:
        conn.disconnect_volume(data, dev)
        check("disconnect_volume", True)
    except Exception as e:
        check("disconnect_volume", False, repr(e))
    left = controllers(data["target_nqn"])
    check("no controller left for %s" % data["target_nqn"], not left, left)
    check("the namespace device is gone", not os.path.exists("/sys/block/" + name), name)


main()
