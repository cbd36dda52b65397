# 01 smoke: the binaries run; attachd loads the LIO and dm modules itself and mounts configfs.
check "attachd --version" attachd --version
check "attachd --help" attachd --help
check "attachctl --help lists the subcommands" sh -c 'attachctl --help 2>&1 | grep -q initialize-connection'
check_fails "attachctl with no subcommand is a usage error" attachctl -s $ATTACHD_SOCK
attachctl -s $ATTACHD_SOCK >/dev/null 2>&1; check_eq "usage error exits 2" 2 $?

# What attachd must do by itself: only meaningful if nothing did it before (00-rig undoes its own).
pristine=1
grep -q " $CFG configfs" /proc/mounts && pristine=0
grep -q '^target_core_mod ' /proc/modules && pristine=0
attachd_start || bail "attachd did not start"
ok "attachd starts and its socket appears"
for m in target_core_mod target_core_iblock iscsi_target_mod dm_mod; do
	check "module $m loaded" grep -q "^$m " /proc/modules
done
check "configfs mounted at $CFG" grep -q " $CFG configfs" /proc/mounts
check "target/iscsi exists" test -d $CFG/target/iscsi
[ $pristine = 1 ] && ok "... and attachd did it (configfs was not mounted, target_core_mod not loaded)" ||
	skip "attachd loaded the modules itself" "an earlier scenario had loaded them"
check "volume-list on an empty agent" actl volume-list
check_fails "volume-show of an unknown volume fails" actl volume-show 99999999-9999-9999-9999-999999999999
actl volume-show 99999999-9999-9999-9999-999999999999 >/dev/null 2>&1; check_eq "... with exit 1 (agent error)" 1 $?
check "attachd exits 0 on SIGTERM" attachd_stop
