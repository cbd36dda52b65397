"""rtslib-fb's side of make bench (tests/bench/bench_scale.c, --rtslib): with attachd's K exports live,
build and remove N times, in one python process, the export rtslib-export.py builds (a block storage
object on DEV, target, TPG 1 with a portal, LUN 0, a node ACL with CHAP and its mapped LUN,
authentication on, no generated ACLs, enabled), timing each build and each teardown. Removes only its
own objects.

usage: rtslib-scale.py DEV TARGET_IQN INITIATOR_IQN PORTAL_IP PORT N
Prints "RTSLIB build_p50=.. build_p99=.. teardown_p50=.. teardown_p99=.. n=N import_ms=.." (ms; the
p99 of fewer than 100 samples is their largest), or the exception (exit 1).
"""
import sys
import time

t0 = time.monotonic()
from rtslib_fb import (RTSRoot, BlockStorageObject, FabricModule, Target, TPG,  # noqa: E402
                       NetworkPortal, LUN, NodeACL, MappedLUN)
import_ms = (time.monotonic() - t0) * 1000.0


def export(dev, iqn, ini, ip, port):
    so = BlockStorageObject("rtsbench", dev=dev)
    tgt = Target(FabricModule("iscsi"), iqn)
    tpg = TPG(tgt, 1)
    NetworkPortal(tpg, ip, port)
    lun = LUN(tpg, 0, so)
    acl = NodeACL(tpg, ini)
    acl.chap_userid = "rtsbenchuser"
    acl.chap_password = "rtsbenchpass12"
    MappedLUN(acl, 0, lun)
    tpg.set_attribute("authentication", "1")
    tpg.set_attribute("generate_node_acls", "0")
    tpg.enable = True
    return so, tgt


def pct(v, p):
    v = sorted(v)
    return v[len(v) * p // 100]


def main():
    dev, iqn, ini, ip, port, n = sys.argv[1:7]
    RTSRoot()
    build, teardown = [], []
    for _ in range(int(n)):
        a = time.monotonic()
        so, tgt = export(dev, iqn, ini, ip, int(port))
        b = time.monotonic()
        tgt.delete()
        so.delete()
        c = time.monotonic()
        build.append((b - a) * 1000.0)
        teardown.append((c - b) * 1000.0)
    print("RTSLIB build_p50=%.1f build_p99=%.1f teardown_p50=%.1f teardown_p99=%.1f n=%d import_ms=%.0f"
          % (pct(build, 50), pct(build, 99), pct(teardown, 50), pct(teardown, 99), len(build), import_ms))


main()
