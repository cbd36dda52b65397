#!/bin/bash
# run.sh [--scenarios LIST] [SUITE...]: the real-kernel stage of `make check`.
#
# SUITE: bookworm (Debian 12's 6.1) and/or bookworm-backports (Debian's 6.12); default: both, or the
# space-separated list in ATTACHD_VM_SUITES. For each suite: fetch (cached), build the
# initramfs, boot once running the scenarios, and turn the console into one TAP stream on stdout:
# the guest's "ok N - <kernel> <scenario>: <check>" lines renumbered across suites, plus a "not ok"
# for every scenario that produced no result (guest crashed, hung or never ran it), for a scenario
# that exited abnormally or ran no check, and for any stage (fetch, image, boot) that failed.
# The plan line comes last. Exit status: 0 when every line is ok, 1 otherwise, 2 on a usage error.
#
# Two-boot scenarios (a line "# vm-boots: 2" in the file, e.g. the reboot test) end their boot with a
# power cut, so each gets a pair of boots of its own, with a fresh ext4 image as the guest's /dev/vda:
# the first one runs last in the ordinary boot, every other one alone in a boot of its own; a second
# boot of the same kernel with the same image then runs it again with $VM_BOOT = 2. Their lines read
# "<scenario> (boot 2): ..."; a first boot that never reached its power cut is a "not ok".
#
# A two-boot scenario with the line "# vm-boot2: mkinitramfs" (23-initramfs) gets its pair of boots after
# all others, with its own disks: vda the root file system of boot 2 (the image's content without the
# python layer, build-initramfs.sh ATTACHD_VM_ROOTDIR), vdb the database's file system (ext4
# "attachd-db"), vdc and vdd with serials (attachd-vol1, attachd-vol2), and a NIC. Before them
# tests/vm/initramfs-images.sh builds the image of boot 2 with Debian's mkinitramfs and attachd's hook
# (and one with dracut, for the first kernel only) and its TAP lines join the stream; boot 2 boots
# that image with root=LABEL=attachd-vm rw init=/init and ip= for eth0 (10.0.2.15).
#
# After the boots, the configfs capture of scenario 10 is compared with the simulator
# (tests/integration/test_golden.sh <6.1|6.12> <capture>): its TAP line joins the stream, so a Debian
# kernel that changes configfs shows up as a failure.
#
# LIST: scenario numbers or names, comma or space separated ("00,02", "01-smoke"); default: all of
# tests/vm/scenarios/ (or $ATTACHD_VM_SCENARIO_DIR). Also settable as ATTACHD_VM_SCENARIOS.
#
# Per suite, in build/vm/<suite>/ (ATTACHD_VM_OUT to move it): console.log (the whole console),
# console-boot2.log (the second boot of the first two-boot scenario; console-<scenario>.log and
# console-<scenario>-boot2.log for each other one), initrd.img, disk.img (the persistent disk;
# disk-<scenario>.img for the others), fetch.log,
# build.log, configfs-capture.txt (from scenario 10) and bench.txt (scenario 16: the bench tables and
# the export timings).
# Other knobs: see fetch.sh, build-initramfs.sh, run-vm.sh (ATTACHD_VM_ACCEL=tcg forces TCG).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTROOT=${ATTACHD_VM_OUT:-$REPO/build/vm}
CACHE=${ATTACHD_VM_CACHE:-${HOME:-/root}/.cache/attachd-vm}
LIST=${ATTACHD_VM_SCENARIOS:-}
# another scenario directory (tests/vm/selftest.sh uses one); build-initramfs.sh reads the same variable
export ATTACHD_VM_SCENARIO_DIR=${ATTACHD_VM_SCENARIO_DIR:-$HERE/scenarios}
SDIR=$ATTACHD_VM_SCENARIO_DIR
SUITES=()
while [ $# -gt 0 ]; do
	case $1 in
	--scenarios) LIST=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) SUITES+=("$1"); shift ;;
	esac
done
[ ${#SUITES[@]} -gt 0 ] || read -r -a SUITES <<<"${ATTACHD_VM_SUITES:-bookworm bookworm-backports}"
[ ${#SUITES[@]} -gt 0 ] || { echo "usage: $0 [--scenarios LIST] [bookworm|bookworm-backports...]" >&2; exit 2; }

# Resolve the list to file names now: the host must know what results to expect.
SCEN=()
if [ -z "$LIST" ]; then
	for f in "$SDIR"/[0-9][0-9]-*.sh; do SCEN+=("$(basename "$f" .sh)"); done
else
	for w in ${LIST//,/ }; do
		m=("$SDIR/$w".sh)
		[ -f "${m[0]}" ] || m=("$SDIR/$w"-*.sh)
		[ -f "${m[0]}" ] || { echo "run.sh: no scenario '$w'" >&2; exit 2; }
		SCEN+=("$(basename "${m[0]}" .sh)")
	done
fi
# The first boot runs the first two-boot scenario last: its power cut ends that boot. Every other
# two-boot scenario gets a first boot of its own (one power cut per boot, one disk per scenario).
ONE=() TWO=() MKI=()
for s in "${SCEN[@]}"; do
	if grep -qx '# vm-boot2: mkinitramfs' "$SDIR/$s.sh"; then MKI+=("$s")
	elif grep -qx '# vm-boots: 2' "$SDIR/$s.sh"; then TWO+=("$s"); else ONE+=("$s"); fi
done
FIRST=("${ONE[@]}" "${TWO[@]:0:1}")
SCEN_CSV=$(IFS=,; echo "${SCEN[*]}")
FIRST_CSV=$(IFS=,; echo "${FIRST[*]}")

N=0 FAILED=0
tap() { # ok|"not ok" DESC
	N=$((N + 1))
	[ "$1" = ok ] || FAILED=$((FAILED + 1))
	echo "$1 $N - $2"
}
diag() { sed 's/^/# /'; }

# boot NAME SUFFIX TAG SCENARIOS [run-vm options]: one boot of $SUITE with these scenarios; its
# console in $OUT/NAME.log (and .txt without CRs) becomes TAP lines. SUFFIX: what run.sh adds to a
# scenario's name in its own lines, as the guest does in a second boot (" (boot 2)"); TAG: what it
# adds to "guest reported its result", so that each boot's line is its own. Sets BOOT_SECONDS,
# BOOT_ACCEL, BOOT_GUEST (guest clock).
boot() {
	local name=$1 suffix=$2 tag=$3 scen=$4
	shift 4
	local t0 t1 vmrc
	local try
	for try in 1 2; do
		t0=$(date +%s.%N)
		"$HERE/run-vm.sh" --suite "$SUITE" --initrd "$OUT/initrd.img" --scenarios "$scen" \
			--log "$OUT/$name.log" "$@" >/dev/null 2>"$OUT/$name.err"
		vmrc=$?
		t1=$(date +%s.%N)
		tr -d '\r' <"$OUT/$name.log" >"$OUT/$name.txt" 2>/dev/null || : >"$OUT/$name.txt"
		# A kernel that panicked before any user-space program ran (no line of the rig's init nor
		# of initramfs-tools' "Loading"): under TCG, the kernel's own code patching at boot
		# (text_poke, int3) now and then oopses (docs/KERNEL.md, 'Rig pitfalls'). Nothing of the
		# test ran and no disk was written: boot once more, and say so.
		if [ $try = 1 ] && [ $vmrc -ne 0 ] && [ $vmrc -ne 1 ] && grep -q '^\[ *[0-9.]*\] Kernel panic' "$OUT/$name.txt" &&
			! grep -q '^# kernel: \|^Loading, please wait' "$OUT/$name.txt"; then
			mv "$OUT/$name.txt" "$OUT/$name-panic.txt"
			echo "# $LABEL$suffix: the kernel panicked before user space (console: $OUT/$name-panic.txt); booting again"
			grep -m 3 'Oops\|Kernel panic\|RIP:' "$OUT/$name-panic.txt" | diag
			continue
		fi
		break
	done

	# The console, scenario by scenario. awk prints the guest's lines (status, description) and a
	# line per expected scenario that never ended; numbering is done here in the shell.
	while IFS=$'\t' read -r kind a b; do
		case $kind in
		tap) tap "$a" "$b" ;;
		diag) echo "$a" ;;
		esac
	done < <(awk -v want="$scen" -v label="$LABEL" -v sfx="$suffix" -v tag="$tag" '
		BEGIN { n = split(want, w, ","); for (i = 1; i <= n; i++) expect[w[i]] = 1 }
		/^ATTACHD-VM begin / { cur = $3; begun[cur] = 1; next }
		/^ATTACHD-VM end / {
			s = $3; ended[s] = 1; cur = ""
			split($4, r, "="); split($5, c, "="); split($6, f, "=")
			if (r[2] != 0) printf "tap\tnot ok\t%s %s%s: scenario exited with status %s%s\n", label, s, sfx, r[2],
				(r[2] == 143 || r[2] == 124 ? " (time limit)" : "")
			else if (c[2] == 0) printf "tap\tnot ok\t%s %s%s: scenario ran no check\n", label, s, sfx
			next
		}
		/^ATTACHD-VM done / { done = 1; next }
		/^(not )?ok [0-9]+ - / {
			st = ($1 == "not") ? "not ok" : "ok"
			d = $0; sub(/^(not )?ok [0-9]+ - /, "", d)
			printf "tap\t%s\t%s\n", st, d; next
		}
		/^# / { printf "diag\t%s\n", $0; next }
		/^Kernel panic/ { printf "diag\t# guest: %s\n", $0 }
		END {
			for (i = 1; i <= n; i++) if (!ended[w[i]])
				printf "tap\tnot ok\t%s %s%s: no result (%s)\n", label, w[i], sfx,
					begun[w[i]] ? "the guest stopped inside it" : "never started"
			printf "tap\t%s\t%s guest reported its result%s\n", done ? "ok" : "not ok", label, tag
		}' "$OUT/$name.txt")

	# captures: "ATTACHD-VM capture-begin NAME" ... "ATTACHD-VM capture-end NAME" -> NAME-capture.txt,
	# or NAME itself when it ends in .txt (bench.txt); a name captured again in the same boot appends
	awk -v dir="$OUT" '
		/^ATTACHD-VM capture-begin / {
			f = dir "/" ($3 ~ /^[A-Za-z0-9_-]+\.txt$/ ? $3 : $3 "-capture.txt")
			if (!(f in seen)) printf "" > f
			seen[f] = 1; next
		}
		/^ATTACHD-VM capture-end / { close(f); f = ""; next }
		f != "" { print >> f }' "$OUT/$name.txt"

	if [ $vmrc -ne 0 ] && [ $vmrc -ne 1 ]; then
		echo "# $LABEL$suffix: run-vm exit $vmrc (3 = qemu failed, 99 = no result from the guest, 124 = time limit); console: $OUT/$name.log"
		diag <"$OUT/$name.err"
		tail -n 20 "$OUT/$name.txt" | awk 1 | diag
	fi
	BOOT_SECONDS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	BOOT_ACCEL=$(sed -n 's/^# kernel: .*accel: \([a-z]*\);.*/\1/p' "$OUT/$name.txt" | head -n 1)
	BOOT_GUEST=$(awk '/^TIME /{t = $3} END {print t}' "$OUT/$name.txt")
}

# make_disk FILE: a fresh persistent disk for a pair of boots (sparse, ext4 made here: the guest has
# no mkfs); DISK = the run-vm options that attach it, or none when it cannot be made
make_disk() {
	DISK=()
	rm -f "$1"
	if truncate -s 256M "$1" &&
		PATH=$PATH:/usr/sbin:/sbin mkfs.ext4 -q -F -L attachd-vm -E lazy_itable_init=0,lazy_journal_init=0 "$1" >"$OUT/mkfs.log" 2>&1; then
		DISK=(--disk "$1")
	else
		tap "not ok" "$LABEL persistent disk (mkfs.ext4 of a 256 MiB image)"
		diag <"$OUT/mkfs.log"
	fi
}

# mki_pair SCENARIO: the pair of boots of a "vm-boot2: mkinitramfs" scenario (see the top); adds to $times
mki_pair() {
	local s=$1 line img=$OUT/initrd-mkinitramfs.img dracut=0 d
	[ "$SUITE" = "${SUITES[0]}" ] && dracut=1
	rm -f "$img"
	while IFS= read -r line; do
		case $line in
		"ok - "*) tap ok "${line#ok - }" ;;
		"not ok - "*) tap "not ok" "${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done < <(ATTACHD_VM_DRACUT=$dracut "$HERE/initramfs-images.sh" "$SUITE" "$OUT" 2>"$OUT/initramfs-images.err")
	[ -s "$img" ] || { tap "not ok" "$LABEL $s: no mkinitramfs image to boot"; diag <"$OUT/initramfs-images.err"; return; }
	if ! ATTACHD_VM_PYTHON=0 ATTACHD_VM_ROOTDIR="$OUT/rootfs" "$HERE/build-initramfs.sh" "$SUITE" "$OUT/initrd-root.img" \
		>"$OUT/rootfs.log" 2>&1; then
		tap "not ok" "$LABEL $s: the root file system of boot 2"
		tail -n 5 "$OUT/rootfs.log" | diag
		return
	fi
	d=$OUT/disk-$s
	rm -f "$d"-*.img
	if ! { truncate -s 192M "$d-root.img" && truncate -s 32M "$d-db.img" &&
		truncate -s 64M "$d-vol1.img" && truncate -s 64M "$d-vol2.img" &&
		PATH=$PATH:/usr/sbin:/sbin mkfs.ext4 -q -F -L attachd-vm -E lazy_itable_init=0,lazy_journal_init=0 -d "$OUT/rootfs" "$d-root.img" &&
		PATH=$PATH:/usr/sbin:/sbin mkfs.ext4 -q -F -L attachd-db -E lazy_itable_init=0,lazy_journal_init=0 "$d-db.img"; } >"$OUT/mkfs.log" 2>&1; then
		tap "not ok" "$LABEL $s: its disks (mkfs.ext4 -d of the root, the database's)"
		diag <"$OUT/mkfs.log"
		return
	fi
	rm -rf "$OUT/rootfs"
	local disks=(--disk "$d-root.img" --disk "$d-db.img" --disk "$d-vol1.img,serial=attachd-vol1"
		--disk "$d-vol2.img,serial=attachd-vol2" --net)
	boot "console-$s" "" " ($s, boot 1)" "$s" "${disks[@]}"
	times+=", $s: boot 1 $BOOT_SECONDS s"
	if grep -qx "ATTACHD-VM power-cut $s" "$OUT/console-$s.txt"; then
		tap ok "$LABEL $s: the first boot ends in a power cut"
	else
		tap "not ok" "$LABEL $s: the first boot ends in a power cut (it never got there: see its lines above)"
	fi
	# One vCPU and init_on_alloc=0 for the boot that switches roots, and a limit that fits it (~40 s):
	# under TCG, that boot stalled with two vCPUs (docs/KERNEL.md, 'Rig pitfalls').
	ATTACHD_VM_SMP=${ATTACHD_VM_SMP_BOOT2:-1} ATTACHD_VM_TIMEOUT=${ATTACHD_VM_TIMEOUT_BOOT2:-300} \
	ATTACHD_VM_APPEND="${ATTACHD_VM_APPEND:-} vm.boot=2 root=LABEL=attachd-vm rw init=/init init_on_alloc=0 net.ifnames=0 ip=10.0.2.15::10.0.2.2:255.255.255.0:guest:eth0:off" \
		boot "console-$s-boot2" " (boot 2)" " ($s, boot 2)" "$s" "${disks[@]}" --initrd "$img"
	times+=", $s: boot 2 $BOOT_SECONDS s (guest clock ${BOOT_GUEST:-?} s)"
}

# compare_sim: scenario 10's capture against the simulator of the same kernel series
compare_sim() {
	local cap=$OUT/configfs-capture.txt kser line
	kser=$(echo "$LABEL" | cut -d. -f1,2)
	if [ ! -s "$cap" ]; then
		tap "not ok" "$LABEL simulator comparison: no configfs capture from scenario 10"
		return
	fi
	local t=$OUT/golden.out
	(cd "$REPO" && tests/integration/test_golden.sh "$kser" "$cap") >"$t" 2>&1
	local rc=$? n=0
	while IFS= read -r line; do
		case $line in
		"ok "* | "not ok "*)
			n=$((n + 1))
			local st=ok
			[ "${line%%ok *}" = "not " ] && st="not ok"
			tap "$st" "$LABEL simulator: $(echo "$line" | sed -E 's/^(not )?ok [0-9]+ - //')" ;;
		"#"*) echo "$line" ;;
		esac
	done <"$t"
	if [ $n = 0 ] || { [ $rc != 0 ] && ! grep -q '^not ok' "$t"; }; then
		tap "not ok" "$LABEL simulator comparison ran (tests/integration/test_golden.sh $kser: exit $rc)"
		tail -n 10 "$t" | diag
	fi
}

# compare_nvmet_sim: scenario 22's nvmet tree and errno probes against the simulator of the same kernel
# series: tests/unit/test_nvmet_golden.c run on the fresh captures instead of tests/sim/golden/
compare_nvmet_sim() {
	local kser d=$OUT/nvmet-golden line n=0 bin=$REPO/${BUILD:-build}/tests/test_nvmet_golden
	kser=$(echo "$LABEL" | cut -d. -f1,2)
	if [ ! -s "$OUT/nvmet-capture.txt" ] || [ ! -s "$OUT/nvmet-errno-capture.txt" ] || [ ! -x "$bin" ]; then
		tap "not ok" "$LABEL nvmet simulator comparison: no captures from scenario 22, or no $bin"
		return
	fi
	rm -rf "$d" && mkdir -p "$d/tests/sim/golden"
	cp "$OUT/nvmet-capture.txt" "$d/tests/sim/golden/nvmet-$kser.txt"
	cp "$OUT/nvmet-errno-capture.txt" "$d/tests/sim/golden/nvmet-errno-$kser.txt"
	(cd "$d" && NVMET_GOLDEN_KERNEL=$kser CMOCKA_MESSAGE_OUTPUT=TAP "$bin") >"$OUT/nvmet-golden.out" 2>&1
	while IFS= read -r line; do
		case $line in
		*"# SKIP"*) ;; # the other kernel's tests
		"ok "*) n=$((n + 1)); tap ok "$LABEL nvmet simulator: ${line#ok * - }" ;;
		"not ok "*) n=$((n + 1)); tap "not ok" "$LABEL nvmet simulator: ${line#not ok * - }" ;;
		esac
	done <"$OUT/nvmet-golden.out"
	if [ $n = 0 ] || grep '^not ok' "$OUT/nvmet-golden.out" | grep -qv '# SKIP'; then
		[ $n = 0 ] && tap "not ok" "$LABEL nvmet simulator comparison ran"
		grep -v -e '^ok' -e '# SKIP' "$OUT/nvmet-golden.out" | tail -n 20 | diag
	fi
}

for SUITE in "${SUITES[@]}"; do
	OUT=$OUTROOT/$SUITE
	mkdir -p "$OUT"
	rm -f "$OUT"/console*.log "$OUT"/console*.txt "$OUT"/*-capture.txt "$OUT/bench.txt" "$OUT"/disk*.img
	t0=$(date +%s.%N)
	if ! "$HERE/fetch.sh" "$SUITE" >"$OUT/fetch.log" 2>&1; then
		tap "not ok" "$SUITE fetch (kernel + guest packages)"
		tail -n 15 "$OUT/fetch.log" | diag
		continue
	fi
	t1=$(date +%s.%N)
	LABEL=$(sed -n 's/^kver=//p' "$CACHE/$SUITE/fetched")
	if ! "$HERE/build-initramfs.sh" "$SUITE" "$OUT/initrd.img" >"$OUT/build.log" 2>&1; then
		tap "not ok" "$LABEL initramfs"
		tail -n 15 "$OUT/build.log" | diag
		continue
	fi
	grep WARNING "$OUT/build.log" | diag
	t2=$(date +%s.%N)
	DISK=()
	[ ${#TWO[@]} -gt 0 ] && make_disk "$OUT/disk.img"
	times=
	if [ -n "$FIRST_CSV" ]; then
		boot console "" "" "$FIRST_CSV" "${DISK[@]}"
		times="boot to result $BOOT_SECONDS s (${BOOT_ACCEL:-?}; guest clock at the end ${BOOT_GUEST:-?} s)"
	fi
	for s in "${TWO[@]}"; do
		first=console
		if [ "$s" != "${TWO[0]}" ]; then
			first=console-$s
			make_disk "$OUT/disk-$s.img"
			boot "$first" "" " ($s, boot 1)" "$s" "${DISK[@]}"
			times+=", $s: boot 1 $BOOT_SECONDS s"
		fi
		if grep -qx "ATTACHD-VM power-cut $s" "$OUT/$first.txt"; then
			tap ok "$LABEL $s: the first boot ends in a power cut"
		else
			tap "not ok" "$LABEL $s: the first boot ends in a power cut (it never got there: see its lines above)"
		fi
		ATTACHD_VM_APPEND="${ATTACHD_VM_APPEND:-} vm.boot=2" boot "$first-boot2" " (boot 2)" " ($s, boot 2)" "$s" "${DISK[@]}"
		times+=", $s: boot 2 $BOOT_SECONDS s (guest clock ${BOOT_GUEST:-?} s)"
	done
	for s in "${MKI[@]}"; do mki_pair "$s"; done
	case ",$SCEN_CSV," in *,10-capture,*) [ "$SDIR" = "$HERE/scenarios" ] && compare_sim ;; esac
	case ",$SCEN_CSV," in *,22-nvmet,*) [ "$SDIR" = "$HERE/scenarios" ] && compare_nvmet_sim ;; esac
	t3=$(date +%s.%N)
	times=${times#, }
	awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v l="$LABEL" -v t="$times" \
		'BEGIN { printf "# %s: fetch %.1f s, initramfs %.1f s, %s; total %.1f s\n", l, b - a, c - b, t, d - a }'
done
echo "1..$N"
[ $FAILED = 0 ] && [ $N -gt 0 ]
