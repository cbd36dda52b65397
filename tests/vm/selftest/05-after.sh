ok "never runs: the guest panicked in 04"
