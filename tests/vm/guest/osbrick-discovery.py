"""os-brick's SendTargets discovery with attachd's discovery CHAP credentials (scenario 20).

usage: osbrick-discovery.py CONNECTION_INFO.json
CONNECTION_INFO.json is `attachctl --json initialize-connection` output from an agent with
--discovery-chap. os-brick discovers only when the connection info has no target_portals/target_iqns
(its _get_ips_iqns_luns, used by multipath connects); with discovery_auth_method set it runs
`iscsiadm -m discoverydb ... --op update` with discovery_auth_username/password, then `--discover`.
This drives exactly that path: first without the discovery_auth_* keys (the target refuses the
discovery), then with them (it lists the volume's target and nothing else). No login happens here.
Prints "PASS <what>" / "FAIL <what>: <detail>" lines, as osbrick.py does.
"""
import json
import subprocess
import sys
import time


def check(what, cond, detail=""):
    print(("PASS %s" % what) if cond else ("FAIL %s: %s" % (what, detail)), flush=True)
    return cond


def forget_discovery(portal):
    subprocess.run(["iscsiadm", "-m", "discoverydb", "-t", "sendtargets", "-p", portal, "-o", "delete"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["iscsiadm", "-m", "node", "-o", "delete"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main():
    with open(sys.argv[1]) as f:
        data = json.load(f)["data"]
    if not check("the connection info carries discovery_auth_method/username/password",
                 data.get("discovery_auth_method") == "CHAP" and data.get("discovery_auth_username")
                 and data.get("discovery_auth_password"), sorted(data)):
        return
    t0 = time.time()
    from oslo_config import cfg
    from oslo_concurrency import lockutils  # noqa: F401 (registers [oslo_concurrency] lock_path)
    cfg.CONF([], project="attachd-vm")
    cfg.CONF.set_override("lock_path", "/run/vm/work/locks", group="oslo_concurrency")
    import os_brick
    from os_brick import privileged
    from os_brick.initiator import connector
    os_brick.setup(cfg.CONF)
    privileged.default.set_client_mode(False)
    print("os-brick import %.2f s" % (time.time() - t0), flush=True)
    conn = connector.InitiatorConnector.factory("ISCSI", None, use_multipath=True, device_scan_attempts=1)

    # what makes os-brick discover: no target_portals / target_iqns / target_luns
    props = {k: v for k, v in data.items() if k not in ("target_portals", "target_iqns", "target_luns")}
    portal = props["target_portal"]
    bare = {k: v for k, v in props.items() if not k.startswith("discovery_auth_")}
    forget_discovery(portal)
    try:
        got = conn._get_ips_iqns_luns(bare)
        check("os-brick's discovery without discovery_auth_* is refused", False, repr(got))
    except Exception as e:
        check("os-brick's discovery without discovery_auth_* is refused (%s)" % type(e).__name__, True)
    forget_discovery(portal)
    try:
        got = conn._get_ips_iqns_luns(props)
    except Exception as e:
        check("os-brick's discovery with discovery_auth_*", False, repr(e))
        return
    want = [(portal, data["target_iqn"], data["target_lun"])]
    check("os-brick's discovery with discovery_auth_* finds exactly the volume's target: %s" % got,
          [tuple(x) for x in got] == want, "wanted %s" % want)
    forget_discovery(portal)


main()
