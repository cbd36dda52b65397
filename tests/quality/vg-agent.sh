#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# vg-agent.sh: stands in for build/attachd-sim under make valgrind (as build-vg/attachd-sim and through
# AGENT_BIN): runs the real agent ($VG_REAL) under memcheck, one log per process in $VG_LOGS. The exec
# keeps the pid, so the tests' SIGTERM and /proc checks reach the agent itself.
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes --num-callers=30 \
	--log-file="$VG_LOGS/agent.%p.log" "$VG_REAL" "$@"
