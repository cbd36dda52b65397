# SPDX-License-Identifier: Apache-2.0
# python/python.mk: the Python client's stage of `make check`, included by the top-level Makefile. Its
# tests (python/tests) drive build/attachd-sim on simulated worlds, compare with build/attachctl, and
# install the package offline into a venv.
EXTRA_STAGES += python
EXTRA_STAGE_python := python/tests/check.sh
check: $(B)/attachd-sim $(B)/tests/sim-setup $(B)/attachctl
