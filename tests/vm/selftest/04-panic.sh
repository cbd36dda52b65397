# rig self-test: the guest dies (kernel panic) in the middle of a scenario
ok "before the panic"
echo c >/proc/sysrq-trigger
