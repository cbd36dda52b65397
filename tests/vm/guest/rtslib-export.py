"""Time one iSCSI export built with python3-rtslib-fb, the way the reference baseline was measured
(docs/KERNEL.md, 'Reference timings'; one process: import, RTSRoot(), the export, the teardown), for
scenario 16's comparison with attachd. Builds what attachd builds for one initiator: a block storage
object on DEV, target, TPG 1 with a portal, LUN 0, a node ACL with CHAP and its mapped LUN,
authentication on, no generated ACLs, enabled; then removes only its own objects (not clear_existing:
attachd's exports may be there).

usage: rtslib-export.py DEV TARGET_IQN INITIATOR_IQN PORTAL_IP PORT
Prints one line: "RTSLIB import_ms=.. rtsroot_ms=.. build_ms=.. teardown_ms=.. total_ms=.." (exit 0),
or the exception (exit 1).
"""
import sys
import time

t0 = time.monotonic()
from rtslib_fb import (RTSRoot, BlockStorageObject, FabricModule, Target, TPG,  # noqa: E402
                       NetworkPortal, LUN, NodeACL, MappedLUN)
t1 = time.monotonic()


def main():
    dev, iqn, ini, ip, port = sys.argv[1:6]
    RTSRoot()
    t2 = time.monotonic()
    so = BlockStorageObject("rtsbench", dev=dev)
    tgt = Target(FabricModule("iscsi"), iqn)
    tpg = TPG(tgt, 1)
    NetworkPortal(tpg, ip, int(port))
    lun = LUN(tpg, 0, so)
    acl = NodeACL(tpg, ini)
    acl.chap_userid = "rtsbenchuser"
    acl.chap_password = "rtsbenchpass12"
    MappedLUN(acl, 0, lun)
    tpg.set_attribute("authentication", "1")
    tpg.set_attribute("generate_node_acls", "0")
    tpg.enable = True
    t3 = time.monotonic()
    tgt.delete()
    so.delete()
    t4 = time.monotonic()
    ms = lambda a, b: (b - a) * 1000.0  # noqa: E731
    print("RTSLIB import_ms=%.0f rtsroot_ms=%.0f build_ms=%.0f teardown_ms=%.0f total_ms=%.0f"
          % (ms(t0, t1), ms(t1, t2), ms(t2, t3), ms(t3, t4), ms(t0, t4)))


main()
