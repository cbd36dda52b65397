#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# test_initramfs.sh: initramfs/attachd-initramfs config, what the initramfs-tools hook and the dracut
# module learn from attachd.conf and fstab: the database's own file system (the longest fstab mount
# point above db, never /), its mount options for the initramfs, whether a portal needs a network
# interface or lo; and every refusal, with its reason. (Its start and stop run in the VM: scenario 23.)
# TAP on stdout.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
H=initramfs/attachd-initramfs
T=$(mktemp -d "${TMPDIR:-/tmp}/attachd-initramfs-XXXXXX")
trap 'rm -rf "$T"' EXIT

# cfg CONF FSTAB: run config on these two files (contents); output and status in $OUT, $RC
cfg() {
	printf '%s\n' "$1" >"$T/conf"
	printf '%s\n' "$2" >"$T/fstab"
	OUT=$(ATTACHD_CONF=$T/conf ATTACHD_FSTAB=$T/fstab ATTACHD_BIN=/usr/sbin/attachd sh "$H" config 2>&1)
	RC=$?
}
# refused DESC MESSAGE-PART: the last cfg failed with exit 1 and said so
refused() {
	if [ $RC = 1 ] && grep -qF -- "$2" <<<"$OUT"; then ok "$1"; else not_ok "$1"; diag <<<"rc $RC: $OUT"; fi
}
# gives DESC LINE...: the last cfg succeeded and printed every LINE
gives() {
	local d=$1 l miss=
	shift
	for l; do grep -qxF -- "$l" <<<"$OUT" || miss="$miss$l;"; done
	if [ $RC = 0 ] && [ -z "$miss" ]; then ok "$d"; else not_ok "$d"; diag <<<"rc $RC, missing: $miss
$OUT"; fi
}
ROOT='UUID=1234 / ext4 errors=remount-ro 0 1'
DBFS='LABEL=attachd-db /var/lib/attachd ext4 noatime 0 2'
CONF='socket = /run/attachd.sock
db = /var/lib/attachd/db
portal = 192.0.2.10:3260'

cfg "$CONF" "$ROOT
$DBFS"
gives "a database below an fstab mount point: its device, mount point, type, options read-write" \
	"ATTACHD_DB='/var/lib/attachd/db'" "ATTACHD_DB_DEVICE='LABEL=attachd-db'" "ATTACHD_DB_MOUNT='/var/lib/attachd'" \
	"ATTACHD_DB_FSTYPE='ext4'" "ATTACHD_DB_OPTIONS='rw,noatime'" "ATTACHD_BIN='/usr/sbin/attachd'" \
	"ATTACHD_CONF='$T/conf'" "ATTACHD_NETWORK=yes" "ATTACHD_LOOPBACK=no"
check "the output is shell assignments the scripts can source" sh -c '. /dev/stdin && [ "$ATTACHD_DB_MOUNT" = /var/lib/attachd ]' <<<"$OUT"
cfg "# comment
  db   =   /var/lib/attachd/db/   
portal = 127.0.0.1:3260
portal = [::]:3260" "$ROOT
/dev/sdb1 /var ext4 defaults 0 2
/dev/sdc1 /var/lib/attachd xfs ro,noauto,nofail,x-systemd.device-timeout=5,_netdev,user,noatime,inode64 0 2"
gives "blanks and a trailing slash; the longest mount point wins; ro, noauto, nofail, x-*, _netdev, user dropped" \
	"ATTACHD_DB='/var/lib/attachd/db'" "ATTACHD_DB_DEVICE='/dev/sdc1'" "ATTACHD_DB_FSTYPE='xfs'" \
	"ATTACHD_DB_OPTIONS='rw,noatime,inode64'" "ATTACHD_NETWORK=no" "ATTACHD_LOOPBACK=yes"
cfg "db = /srv/attachd
portal = [::1]:3260
portal = [2001:db8::1]:3260" "/dev/vdb /srv/attachd ext4 defaults 0 2"
gives "the database at the mount point itself; an IPv6 loopback and an IPv6 address" \
	"ATTACHD_DB_MOUNT='/srv/attachd'" "ATTACHD_DB_OPTIONS='rw'" "ATTACHD_NETWORK=yes" "ATTACHD_LOOPBACK=yes"
cfg "db = /var/lib/attachdx/db
portal = 0.0.0.0:3260" "$ROOT
$DBFS"
refused "/var/lib/attachd does not hold /var/lib/attachdx: the database is on the root file system" \
	"the database /var/lib/attachdx/db is on the root file system"
cfg "$CONF" "$ROOT"
refused "only / above the database: refused, the root is mounted after attachd starts" \
	"is on the root file system: in the initramfs it must be on a file system of its own"
cfg "$CONF" "tmpfs /var/lib/attachd tmpfs defaults 0 0"
refused "a tmpfs: refused" "would not survive a reboot"
cfg "$CONF" "srv:/export /var/lib nfs defaults 0 0"
refused "an NFS mount: refused" "network file system (nfs at /var/lib"
cfg "$CONF" "/dev/sdb1 /var/lib/attachd auto defaults 0 0"
refused "type auto: refused" "must name the file system's type, not 'auto'"
cfg "$CONF" "/srv/db /var/lib/attachd none bind 0 0"
refused "type none (a bind mount): refused" "must name the file system's type, not 'none'"
cfg "$CONF" "/srv/db /var/lib/attachd ext4 bind 0 0"
refused "a bind mount: refused" "is a bind mount"
cfg "socket = /run/attachd.sock
portal = 192.0.2.10:3260" "$DBFS"
refused "no db: refused" "sets no db"
cfg "db = var/lib/attachd
portal = 192.0.2.10:3260" "$DBFS"
refused "a relative db: refused" "db = var/lib/attachd is not an absolute path"
cfg "db = /var/lib/attachd/a
db = /var/lib/attachd/b
portal = 192.0.2.10:3260" "$DBFS"
refused "db twice: refused" "sets db more than once"
cfg "db = /var/lib/attachd/db" "$DBFS"
refused "no portal: refused" "sets no portal"
cfg "db = /var/lib/attachd/it's
portal = 192.0.2.10:3260" "$DBFS"
refused "a quote in a value: refused" "a value with a quote or a line break cannot be passed on"
OUT=$(ATTACHD_CONF=$T/none sh "$H" config 2>&1); RC=$?
refused "no configuration file: refused" "no $T/none: attachd in the initramfs takes its socket"
printf 'db = /var/lib/attachd/db\nportal = 192.0.2.10:3260\n' >"$T/conf"
OUT=$(ATTACHD_CONF=$T/conf ATTACHD_FSTAB=$T/nofstab sh "$H" config 2>&1); RC=$?
refused "no fstab: refused" "no $T/nofstab: the database's file system must be named there"
OUT=$(sh "$H" 2>&1); RC=$?
check "no command: usage, exit 2" test "$RC" = 2 -a "$OUT" = "usage: attachd-initramfs config|start|stop"
OUT=$(ATTACHD_ENV=$T/none sh "$H" start 2>&1); RC=$?
refused "start without the image's environment file: refused" "no $T/none: the image was built without attachd's configuration"
echo "1..$T_NUM"
[ "$T_FAIL" = 0 ]
