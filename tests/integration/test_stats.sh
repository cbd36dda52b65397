#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_stats.sh: attachctl stats on a real attachd (linked with the configfs simulator): the text for
# people, --json for programs, and --prometheus checked by `promtool check metrics` (Debian's prometheus
# package) and read back: counters that move by exactly the calls made (some failing), histograms whose
# buckets are cumulative and whose count is the calls', the sessions of a login made with the simulator,
# and the option rules. TAP on stdout.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

INI=iqn.2004-10.org.example:compute-a
world_new
trap 'world_free' EXIT

check "agent starts" agent_start
PROM=$W/a.prom
if command -v promtool >/dev/null; then
	ctl stats --prometheus >"$PROM"
	out=$(promtool check metrics <"$PROM" 2>&1)
	if [ $? = 0 ] && [ -z "$out" ]; then ok "promtool check metrics: no problem on a fresh agent"; else
		not_ok "promtool check metrics on a fresh agent"; diag <<<"$out"; fi
else
	not_ok "promtool is missing (tests/deps.sh installs Debian's prometheus package)"
fi

# a Prometheus file read back: "name{labels} value" -> value, one sample a line
sample() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

VOL=$(ctl volume-create --device "$W/disk0")
ctl stats --prometheus >"$W/0.prom"
# 4 calls to count: reserve ok, reserve again (already), volume-show of no volume (not-found), unreserve
ctl reserve "$VOL" >/dev/null
ctl reserve "$VOL" >/dev/null 2>&1
ctl volume-show 0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b >/dev/null 2>&1
ctl unreserve "$VOL"
ctl stats --prometheus >"$W/1.prom"
# a series not there yet (a status not answered so far) counts 0
delta() { local a b; a=$(sample "$1" "$W/0.prom"); b=$(sample "$1" "$W/1.prom"); echo $(( ${b:-0} - ${a:-0} )); }
check "reserve ok moved by 1" [ "$(delta 'attachd_calls_total{call="reserve",status="ok"}')" = 1 ]
check "reserve already moved by 1" [ "$(delta 'attachd_calls_total{call="reserve",status="already"}')" = 1 ]
check "volume-show not-found moved by 1" \
	[ "$(delta 'attachd_calls_total{call="volume-show",status="not-found"}')" = 1 ]
check "unreserve ok moved by 1" [ "$(delta 'attachd_calls_total{call="unreserve",status="ok"}')" = 1 ]
# every attachctl connects: 5 hellos, and the first stats call
check "hello moved by 5 (one per attachctl)" [ "$(delta 'attachd_calls_total{call="hello",status="ok"}')" = 5 ]
check "stats moved by 1 (the first stats call)" [ "$(delta 'attachd_calls_total{call="stats",status="ok"}')" = 1 ]
check "reserve's histogram counted both calls" \
	[ "$(delta 'attachd_call_duration_seconds_count{call="reserve"}')" = 2 ]
check "volume-create moved by nothing" [ "$(delta 'attachd_calls_total{call="volume-create",status="ok"}')" = 0 ]

out=$(python3 - "$W/1.prom" <<'PYEOF' 2>&1
import re, sys
calls, buckets, counts = {}, {}, {}
for line in open(sys.argv[1]):
    if line.startswith("#"):
        continue
    m = re.match(r'(\w+)\{(.*)\} (\S+)$', line.strip())
    if not m:
        continue
    name, labels, value = m.group(1), dict(re.findall(r'(\w+)="([^"]*)"', m.group(2))), float(m.group(3))
    if name == "attachd_calls_total":
        calls[labels["call"]] = calls.get(labels["call"], 0) + value
    elif name == "attachd_call_duration_seconds_bucket":
        le = float("inf") if labels["le"] == "+Inf" else float(labels["le"])
        buckets.setdefault(labels["call"], []).append((le, value))
    elif name == "attachd_call_duration_seconds_count":
        counts[labels["call"]] = value
assert calls and set(calls) == set(buckets) == set(counts), "the same calls everywhere"
for call, bs in buckets.items():
    les = [b[0] for b in bs]
    assert les == sorted(les) and les[-1] == float("inf"), "%s: bounds rise to +Inf" % call
    vals = [b[1] for b in bs]
    assert vals == sorted(vals), "%s: buckets are cumulative" % call
    assert vals[-1] == counts[call] == calls[call], "%s: +Inf bucket, count and calls agree" % call
print("histograms ok")
PYEOF
)
if [ "$out" = "histograms ok" ]; then ok "histograms: cumulative, +Inf = _count = the calls of every status"; else
	not_ok "histograms: cumulative, +Inf = _count = the calls of every status"; diag <<<"$out"; fi

# --- sessions, as the kernel shows them
ctl reserve "$VOL" >/dev/null && ctl initialize-connection "$VOL" --initiator "$INI" >/dev/null
IQN=iqn.2026-11.org.attachd:$VOL
"$SIMSETUP" --login "$W/cfs" "$IQN" "$INI" 192.0.2.7
ctl stats --prometheus >"$PROM"
check "attachd_iscsi_sessions of the volume: 1" [ "$(sample "attachd_iscsi_sessions{volume=\"$VOL\"}" "$PROM")" = 1 ]
check "the initiator is logged in" \
	[ "$(sample "attachd_iscsi_initiator_logged_in{volume=\"$VOL\",initiator=\"$INI\"}" "$PROM")" = 1 ]
check "record gauges: 1 volume, 1 export, 1 ACL, 1 attachment, no intent" \
	[ "$(sample attachd_volumes "$PROM") $(sample attachd_exports "$PROM") $(sample attachd_acls "$PROM") $(sample attachd_attachments "$PROM") $(sample attachd_intents_pending "$PROM")" = "1 1 1 1 0" ]
check "the start time is the agent's" [ "$(sample attachd_start_time_seconds "$PROM")" -le "$(date +%s)" ]
check "the reconcile at start succeeded" [ "$(sample 'attachd_reconcile_success{run="start"}' "$PROM")" = 1 ]
out=$(promtool check metrics <"$PROM" 2>&1)
if [ $? = 0 ] && [ -z "$out" ]; then ok "promtool check metrics: no problem with an export and a session"; else
	not_ok "promtool check metrics with an export and a session"; diag <<<"$out"; fi
TXT=$(ctl stats)
check "text: the records line" grep -q '^records: 1 volume(s), 1 export(s), 1 acl(s), 1 attachment(s), 0 intent(s) pending$' <<<"$TXT"
check "text: reserve's line counts its error" grep -qE '^reserve +3 +1 .* ok=2 already=1$' <<<"$TXT"
check "text: the export's session" grep -q "^export $VOL: $IQN, 1 session(s)$" <<<"$TXT"
check "text: the initiator logged in" grep -q "^  $INI: logged in$" <<<"$TXT"
J=$(ctl --json stats)
check "--json: the session and the records" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
x = d["exports"][0]
assert x["volume_id"] == sys.argv[2] and x["sessions"] == 1 and x["initiators"] == [{"initiator": sys.argv[3], "logged_in": True}]
assert d["records"] == {"volumes": 1, "exports": 1, "acls": 1, "attachments": 1, "intents": 0}
assert d["reconcile"]["start"]["status"] == "ok" and d["reconcile"]["call"] is None
c = {k["call"]: k for k in d["calls"]}
assert c["reserve"]["statuses"] == {"ok": 2, "already": 1} and c["reserve"]["count"] == 3
assert c["reserve"]["buckets"][-1] == {"le_us": 10000000, "count": 3}
' "$J" "$VOL" "$INI"
"$SIMSETUP" --logout "$W/cfs" "$IQN" "$INI"
check "logged out: 0 sessions" [ "$(ctl --json stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["exports"][0]["sessions"])')" = 0 ]

# --- the option rules
expect_fail 2 "--json and --prometheus do not go together" "do not go together" "$CTL" -s "$SOCK" --json stats --prometheus
expect_fail 2 "--prometheus belongs to stats" "unknown option --prometheus" ctl volume-list --prometheus
expect_fail 2 "stats takes no volume" "unexpected argument" ctl stats "$VOL"
echo "1..$T_NUM"
[ "$T_FAIL" = 0 ]
