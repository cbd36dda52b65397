# SPDX-License-Identifier: Apache-2.0
# tests/man/man.mk: the "man" stage of make check (test_man.py): the man pages of man/ pass
# `mandoc -T lint` (Debian's mandoc) and list what the programs' --help, the shared library's exported
# symbols and attach.h say. Included by the top-level Makefile.

EXTRA_STAGES += man
EXTRA_STAGE_man := tests/man/test_man.py
