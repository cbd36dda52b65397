# rig self-test: a failing check, then an abnormal exit status
ok "a passing check"
not_ok "a failing check" "detail line"
exit 3
