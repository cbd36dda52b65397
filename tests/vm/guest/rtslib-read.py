"""Read a live export built by attachd back through rtslib-fb (what targetcli and Cinder's LIO
driver use), and compare it with what attachctl reported. One line per check on stdout:
"PASS <what>" or "FAIL <what>: <detail>" (lib.sh turns them into TAP lines).

usage: rtslib-read.py TARGET_IQN VOLUME_ID INITIATOR_IQN CHAP_USERID PORTAL(ip:port)
"""
import os
import sys


def main():
    iqn, vol, ini, userid, portal = sys.argv[1:6]
    ip, port = portal.rsplit(":", 1)
    results = []

    def check(what, cond, detail=""):
        results.append(("PASS %s" % what) if cond else ("FAIL %s: %s" % (what, detail)))
        return cond

    try:
        from rtslib_fb import RTSRoot
        root = RTSRoot()
    except Exception as e:  # the import or the tree walk itself failed
        print("FAIL rtslib_fb opens the configfs tree: %r" % (e,))
        return
    check("rtslib_fb opens the configfs tree", True)
    tgts = [t for t in root.targets if t.wwn == iqn]
    if not check("target %s is there (iscsi fabric)" % iqn,
                 len(tgts) == 1 and tgts[0].fabric_module.name == "iscsi",
                 "targets: %s" % [t.wwn for t in root.targets]):
        print("\n".join(results))
        return
    tpgs = list(tgts[0].tpgs)
    check("exactly one TPG, tag 1, enabled", [t.tag for t in tpgs] == [1] and tpgs[0].enable,
          "tpgs: %s" % [(t.tag, t.enable) for t in tpgs])
    tpg = [t for t in tpgs if t.tag == 1][0] if tpgs else None
    if tpg is None:
        print("\n".join(results))
        return
    for attr, want in (("authentication", "1"), ("generate_node_acls", "0"), ("demo_mode_discovery", "0")):
        got = tpg.get_attribute(attr)
        check("tpg attribute %s=%s" % (attr, want), got == want, "got %r" % got)

    luns = {lun.lun: lun for lun in tpg.luns}
    if check("LUN 0 (and only it)", sorted(luns) == [0], "luns: %s" % sorted(luns)):
        so = luns[0].storage_object
        check("LUN 0 sits on a block storage object named %s" % vol,
              so.plugin == "block" and so.name == vol, "%s/%s" % (so.plugin, so.name))
        want = "/dev/mapper/attachd-%s" % vol
        check("its udev_path is the dm device %s" % want, so.udev_path == want, "got %r" % so.udev_path)
        # libdevmapper without udev makes /dev/mapper/NAME a device node, not a link to dm-N:
        # go through the device number
        try:
            rdev = os.stat(so.udev_path).st_rdev
            with open("/sys/dev/block/%d:%d/dm/name" % (os.major(rdev), os.minor(rdev))) as f:
                name = f.read().strip()
        except OSError as e:
            name = repr(e)
        check("which is really a dm device called attachd-%s" % vol, name == "attachd-" + vol, name)

    acls = {a.node_wwn: a for a in tpg.node_acls}
    if check("one node ACL, for %s" % ini, list(acls) == [ini], "acls: %s" % list(acls)):
        acl = acls[ini]
        mapped = [(m.mapped_lun, m.tpg_lun.lun) for m in acl.mapped_luns]
        check("the ACL maps LUN 0 to TPG LUN 0", mapped == [(0, 0)], "mapped: %s" % mapped)
        check("the ACL's CHAP userid is attachctl's auth_username", acl.chap_userid == userid,
              "%r != %r" % (acl.chap_userid, userid))
    nps = [(n.ip_address, n.port) for n in tpg.network_portals]
    check("the portal %s" % portal, nps == [(ip, int(port))], "portals: %s" % nps)
    print("\n".join(results))


main()
