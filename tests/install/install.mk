# SPDX-License-Identifier: Apache-2.0
# tests/install/install.mk: the "install" stage of make check (test_install.sh): make install into a
# temporary DESTDIR, a client built from what was installed run against build/attachd-sim, and make
# uninstall leaving nothing behind. Included by the top-level Makefile.

EXTRA_STAGES += install
EXTRA_STAGE_install := tests/install/test_install.sh tests/install/test_initramfs.sh
