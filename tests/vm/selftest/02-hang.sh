# rig self-test: a scenario that never ends (the background sleep must not keep the runner waiting)
ok "before the hang"
sleep 1000 &
sleep 1000
