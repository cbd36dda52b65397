/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sim_nvmet.c: the simulator's nvmet (tests/sim/sim_nvmet.c, sim_nvmet_attr.c) by raw configfs calls,
 * rule by rule: what mkdir makes on each kernel, the names taken, the values shown after writes, every
 * errno its contract (sim.h) lists, links and rmdir. test_nvmet_golden.c compares the same rules with the
 * answers the real kernels gave.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "nvmet_fx.h"
#include "unit_main.h"

#define S "nvmet/subsystems/nqn.2024-01.test:s"
#define NS S "/namespaces/1"
#define H "nvmet/hosts/nqn.2024-01.test:h"
#define P "nvmet/ports/1"
#define P2 "nvmet/ports/2"

static void mk_port(struct fx *f, const char *p, const char *fam, const char *addr, const char *svc)
{
	char a[128];
	MK(p);
	snprintf(a, sizeof(a), "%s/addr_trtype", p);
	W(a, "tcp");
	snprintf(a, sizeof(a), "%s/addr_adrfam", p);
	W(a, fam);
	snprintf(a, sizeof(a), "%s/addr_traddr", p);
	W(a, addr);
	snprintf(a, sizeof(a), "%s/addr_trsvcid", p);
	W(a, svc);
}

static void test_setup_kernels(void **state)
{
	struct fx *f = *state;
	bool k612 = exists(f, "nvmet/discovery_nqn") == 1;
	ERR(sim_nvmet_setup(f->root, SIM_KERNEL_6_1), EEXIST);
	MK(S);
	MK(H);
	MK(P);
	/* 6.12 only: passthru/, attr_firmware, attr_ieee_oui; addr_tsas, param_max_queue_size; dhchap_* */
	const char *only612[] = { S "/passthru", S "/attr_firmware", S "/attr_ieee_oui", P "/addr_tsas",
				  P "/param_max_queue_size", H "/dhchap_key", H "/dhchap_ctrl_key", H "/dhchap_hash",
				  H "/dhchap_dhgroup" };
	for (size_t i = 0; i < sizeof(only612) / sizeof(only612[0]); i++)
		assert_int_equal(exists(f, only612[i]), k612);
	if (k612) {
		assert_string_equal(rd(f, "nvmet/discovery_nqn"), "nqn.2014-08.org.nvmexpress.discovery");
		assert_string_equal(rd(f, H "/dhchap_hash"), "hmac(sha256)");
		assert_string_equal(rd(f, H "/dhchap_dhgroup"), "null");
		assert_string_equal(rd(f, H "/dhchap_key"), "");
	}
	/* defaults */
	assert_string_equal(rd(f, S "/attr_allow_any_host"), "0");
	assert_string_equal(rd(f, S "/attr_model"), "Linux");
	assert_string_equal(rd(f, S "/attr_version"), "1.3");
	assert_int_equal(strlen(rd(f, S "/attr_serial")), 20);
	assert_string_equal(rd(f, P "/addr_adrfam"), "");
	assert_string_equal(rd(f, P "/addr_treq"), "not specified");
	assert_string_equal(rd(f, P "/ana_groups/1/ana_state"), "optimized");
	MK(NS);
	assert_string_equal(rd(f, NS "/device_path"), "(null)");
	assert_string_equal(rd(f, NS "/enable"), "0");
	assert_string_equal(rd(f, NS "/device_nguid"), "00000000-0000-0000-0000-000000000000");
	assert_int_equal(strlen(rd(f, NS "/device_uuid")), 36);
	ERR(cfs_read(&f->c, NS "/revalidate_size", rbuf, sizeof(rbuf)), EACCES); /* write-only */
	/* user groups only where the kernel has make_group */
	ERR(cfs_mkdir(&f->c, "nvmet/x"), EPERM);
	ERR(cfs_mkdir(&f->c, S "/allowed_hosts/x"), EPERM);
	ERR(cfs_mkdir(&f->c, P "/subsystems/x"), EPERM);
	ERR(cfs_mkdir(&f->c, P "/referrals/r"), EPERM);
	ERR(cfs_rmdir(&f->c, S "/namespaces"), EPERM);
	ERR(cfs_rmdir(&f->c, "nvmet/ports"), EPERM);
}

static void test_names(void **state)
{
	struct fx *f = *state;
	ERR(cfs_mkdir(&f->c, "nvmet/subsystems/nqn.2014-08.org.nvmexpress.discovery"), EINVAL);
	MK(S);
	ERR(cfs_mkdir(&f->c, S "/namespaces/0"), EINVAL);
	ERR(cfs_mkdir(&f->c, S "/namespaces/4294967295"), EINVAL);
	ERR(cfs_mkdir(&f->c, S "/namespaces/4294967296"), ERANGE); /* kstrtou32's own */
	ERR(cfs_mkdir(&f->c, S "/namespaces/x"), EINVAL);
	MK(S "/namespaces/0x10");
	MK(S "/namespaces/4294967294");
	ERR(cfs_mkdir(&f->c, "nvmet/ports/65536"), EINVAL);
	ERR(cfs_mkdir(&f->c, "nvmet/ports/-1"), EINVAL);
	MK("nvmet/ports/0");
	MK("nvmet/ports/0x20");
	MK("nvmet/hosts/anything at all");
}

static void test_discovery_nqn_612(void **state)
{
	struct fx *f = *state;
	W("nvmet/discovery_nqn", "nqn.2024-01.test:disc");
	ERR(cfs_mkdir(&f->c, "nvmet/subsystems/nqn.2024-01.test:disc"), EINVAL);
}

static void test_subsys_attrs(void **state)
{
	struct fx *f = *state;
	MK(S);
	W(S "/attr_serial", "abc");
	assert_string_equal(rd(f, S "/attr_serial"), "abc                 "); /* padded to 20 */
	W(S "/attr_serial", "12345678901234567890\n");
	assert_string_equal(rd(f, S "/attr_serial"), "12345678901234567890");
	ERR(cfs_write(&f->c, S "/attr_serial", "123456789012345678901"), EINVAL);
	ERR(cfs_write(&f->c, S "/attr_serial", "\n"), EINVAL);
	ERR(cfs_write(&f->c, S "/attr_serial", "a\tb"), EINVAL);
	W(S "/attr_model", "attachd");
	assert_string_equal(rd(f, S "/attr_model"), "attachd");
	ERR(cfs_write(&f->c, S "/attr_model", "12345678901234567890123456789012345678901"), EINVAL);
	ERR(cfs_write(&f->c, S "/attr_model", "\x7f"), EINVAL);
	ERR(cfs_write(&f->c, S "/attr_model", ""), EFAULT); /* zero bytes: configfs's own refusal */
	W(S "/attr_allow_any_host", "y");
	assert_string_equal(rd(f, S "/attr_allow_any_host"), "1");
	ERR(cfs_write(&f->c, S "/attr_allow_any_host", "2"), EINVAL);
}

static void test_ns_rules(void **state)
{
	struct fx *f = *state;
	char missing[PATH_MAX];
	snprintf(missing, sizeof(missing), "%s/missing", f->root);
	MK(S);
	MK(NS);
	ERR(cfs_write(&f->c, NS "/enable", "1"), EINVAL); /* no path */
	ERR(cfs_write(&f->c, NS "/enable", "x"), EINVAL);
	W(NS "/device_path", missing);
	ERR(cfs_write(&f->c, NS "/enable", "1"), ENOENT);
	W(NS "/device_path", f->root);
	ERR(cfs_write(&f->c, NS "/enable", "1"), EISDIR);
	W(NS "/device_path", f->notblk); /* a regular file: a file-backed namespace */
	W(NS "/enable", "1");
	W(NS "/enable", "0");
	W(NS "/device_path", f->dev[0]);
	assert_string_equal(rd(f, NS "/device_path"), f->dev[0]);
	ERR(cfs_write(&f->c, NS "/device_uuid", "11111111-2222-3333-4444-55555555555"), EINVAL);
	W(NS "/device_uuid", "ABCDEF01-2222-3333-4444-555555555555");
	assert_string_equal(rd(f, NS "/device_uuid"), "abcdef01-2222-3333-4444-555555555555");
	W(NS "/device_nguid", "0102030405060708090a0b0c0d0e0f10");
	assert_string_equal(rd(f, NS "/device_nguid"), "01020304-0506-0708-090a-0b0c0d0e0f10");
	W(NS "/device_nguid", "01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:11");
	assert_string_equal(rd(f, NS "/device_nguid"), "01020304-0506-0708-090a-0b0c0d0e0f11");
	ERR(cfs_write(&f->c, NS "/device_nguid", "0102030405060708090a0b0c0d0e0f"), EINVAL);
	ERR(cfs_write(&f->c, NS "/device_nguid", "zz02030405060708090a0b0c0d0e0f10"), EINVAL);
	W(NS "/enable", "1");
	W(NS "/enable", "1"); /* enabled: nothing to do */
	ERR(cfs_write(&f->c, NS "/device_path", f->dev[1]), EBUSY);
	ERR(cfs_write(&f->c, NS "/device_uuid", VOLID), EBUSY);
	ERR(cfs_write(&f->c, NS "/device_nguid", VOLID), EBUSY);
	ERR(cfs_write(&f->c, NS "/buffered_io", "1"), EINVAL);
	W(NS "/revalidate_size", "1");
	ERR(cfs_write(&f->c, NS "/revalidate_size", "0"), EINVAL);
	/* the same number under another name */
	MK(S "/namespaces/0x1");
	W(S "/namespaces/0x1/device_path", f->dev[1]);
	ERR(cfs_write(&f->c, S "/namespaces/0x1/enable", "1"), EBUSY);
	W(NS "/enable", "0");
	ERR(cfs_write(&f->c, NS "/revalidate_size", "1"), EINVAL); /* not enabled */
	W(S "/namespaces/0x1/enable", "1");
	W(NS "/buffered_io", "1");
	/* an enabled namespace can be removed (the kernel disables it) */
	OK(cfs_rmdir(&f->c, S "/namespaces/0x1"));
}

static void test_port_rules(void **state)
{
	struct fx *f = *state;
	MK(S);
	MK(P);
	ERR(cfs_write(&f->c, P "/addr_adrfam", "pcie"), EINVAL);
	ERR(cfs_write(&f->c, P "/addr_adrfam", "ipv5"), EINVAL);
	W(P "/addr_adrfam", "ipv6\n");
	assert_string_equal(rd(f, P "/addr_adrfam"), "ipv6");
	ERR(cfs_write(&f->c, P "/addr_trtype", "udp"), EINVAL);
	ERR(cfs_write(&f->c, P "/addr_treq", "maybe"), EINVAL);
	W(P "/addr_treq", "required");
	W(P "/addr_traddr", "  ::1 trailing");
	assert_string_equal(rd(f, P "/addr_traddr"), "::1");
	ERR(cfs_write(&f->c, P "/addr_traddr", "   "), EINVAL);
	char big[300];
	memset(big, 'a', 257);
	big[257] = '\0';
	ERR(cfs_write(&f->c, P "/addr_traddr", big), EINVAL);
	big[33] = '\0';
	ERR(cfs_write(&f->c, P "/addr_trsvcid", big), EINVAL);
	ERR(cfs_write(&f->c, P "/param_inline_data_size", "x"), EINVAL);
	W(P "/param_inline_data_size", "-1");
	/* the first link enables: no transport yet, then a bad port number */
	ERR(cfs_symlink(&f->c, S, P "/subsystems/s"), EINVAL);
	W(P "/addr_trtype", "rdma");
	ERR(cfs_symlink(&f->c, S, P "/subsystems/s"), EINVAL); /* only tcp is modelled */
	W(P "/addr_trtype", "tcp");
	W(P "/addr_trsvcid", "70000");
	ERR(cfs_symlink(&f->c, S, P "/subsystems/s"), EINVAL);
	W(P "/addr_trsvcid", "4420");
	W(P "/addr_traddr", "127.0.0.1"); /* an IPv4 address on an ipv6 port */
	ERR(cfs_symlink(&f->c, S, P "/subsystems/s"), EINVAL);
	W(P "/addr_adrfam", "ipv4");
	MK(H);
	ERR(cfs_symlink(&f->c, H, P "/subsystems/h"), EINVAL); /* not a subsystem */
	LN(S, P "/subsystems/s");
	ERR(cfs_symlink(&f->c, S, P "/subsystems/s2"), EEXIST);
	ERR(cfs_symlink(&f->c, S, P "/subsystems/s"), EEXIST);
	/* enabled: nothing of the address changes */
	const char *attrs[] = { "/addr_adrfam", "/addr_trtype", "/addr_traddr", "/addr_trsvcid", "/addr_treq",
				"/param_inline_data_size", "/param_pi_enable" };
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		char p[128];
		snprintf(p, sizeof(p), P "%s", attrs[i]);
		ERR(cfs_write(&f->c, p, i == 0 ? "ipv4" : i == 1 ? "tcp" : "1"), EACCES);
	}
	/* a second port on the address cannot bind; another port number can */
	mk_port(f, P2, "ipv4", "127.0.0.1", "4420");
	ERR(cfs_symlink(&f->c, S, P2 "/subsystems/s"), EADDRINUSE);
	W(P2 "/addr_trsvcid", "4421");
	LN(S, P2 "/subsystems/s");
	/* a subsystem may be on several ports; rmdir of a port holding links: ENOTEMPTY */
	ERR(cfs_rmdir(&f->c, P), ENOTEMPTY);
	ERR(cfs_rmdir(&f->c, S), EBUSY);
	OK(cfs_unlink(&f->c, P "/subsystems/s"));
	W(P "/addr_trsvcid", "4430"); /* disabled again */
	OK(cfs_rmdir(&f->c, P));
}

static void test_port_tsas_612(void **state)
{
	struct fx *f = *state;
	MK(P);
	assert_string_equal(rd(f, P "/addr_tsas"), "");
	ERR(cfs_write(&f->c, P "/addr_tsas", "none"), EINVAL); /* no transport */
	W(P "/addr_trtype", "tcp");
	assert_string_equal(rd(f, P "/addr_tsas"), "none");
	ERR(cfs_write(&f->c, P "/addr_tsas", "tls1.3"), EINVAL); /* no keyring */
	W(P "/addr_tsas", "none");
	W(P "/param_max_queue_size", "32");
}

static void test_allowed_hosts(void **state)
{
	struct fx *f = *state;
	MK(S);
	MK(H);
	MK("nvmet/hosts/other");
	ERR(cfs_symlink(&f->c, S, S "/allowed_hosts/s"), EINVAL); /* not a host */
	W(S "/attr_allow_any_host", "1");
	ERR(cfs_symlink(&f->c, H, S "/allowed_hosts/h"), EINVAL);
	W(S "/attr_allow_any_host", "0");
	LN(H, S "/allowed_hosts/h");
	assert_string_equal(rd(f, S "/attr_allow_any_host"), "0");
	ERR(cfs_symlink(&f->c, H, S "/allowed_hosts/h2"), EEXIST);
	ERR(cfs_write(&f->c, S "/attr_allow_any_host", "1"), EINVAL);
	LN("nvmet/hosts/other", S "/allowed_hosts/other");
	ERR(cfs_rmdir(&f->c, H), EBUSY);
	ERR(cfs_rmdir(&f->c, S), ENOTEMPTY);
	OK(cfs_unlink(&f->c, S "/allowed_hosts/h"));
	OK(cfs_unlink(&f->c, S "/allowed_hosts/other"));
	OK(cfs_rmdir(&f->c, H));
	OK(cfs_rmdir(&f->c, S));
	/* links only in the two directories that take them */
	MK(S);
	ERR(cfs_symlink(&f->c, S, "nvmet/hosts/other/x"), EPERM);
	ERR(cfs_symlink(&f->c, "nvmet/hosts/other", S "/namespaces/x"), EPERM);
}

static void test_dhchap_612(void **state)
{
	struct fx *f = *state;
	MK(H);
	ERR(cfs_write(&f->c, H "/dhchap_key", "secret"), EINVAL);
	ERR(cfs_write(&f->c, H "/dhchap_key", "DHHC-1:04:AAAA:"), EINVAL);
	ERR(cfs_write(&f->c, H "/dhchap_key", "DHHC-1:-1:AAAA:"), EINVAL); /* 255 as %hhd */
	ERR(cfs_write(&f->c, H "/dhchap_key", "DHHC-1:x:AAAA:"), EINVAL);
	W(H "/dhchap_key", "DHHC-1:00:not-checked-here:"); /* only the prefix is checked when written */
	assert_string_equal(rd(f, H "/dhchap_key"), "DHHC-1:00:not-checked-here:");
	W(H "/dhchap_key", KEY1 "\n");
	assert_string_equal(rd(f, H "/dhchap_key"), KEY1); /* stripped */
	W(H "/dhchap_ctrl_key", KEY0);
	assert_string_equal(rd(f, H "/dhchap_ctrl_key"), KEY0);
	ERR(cfs_write(&f->c, H "/dhchap_hash", "hmac(md5)"), EINVAL);
	W(H "/dhchap_hash", "hmac(sha384)trailing"); /* prefix match */
	assert_string_equal(rd(f, H "/dhchap_hash"), "hmac(sha384)");
	ERR(cfs_write(&f->c, H "/dhchap_dhgroup", "ffdhe1024"), EINVAL);
	W(H "/dhchap_dhgroup", "ffdhe8192");
	assert_string_equal(rd(f, H "/dhchap_dhgroup"), "ffdhe8192");
}

static void test_dhchap_61(void **state)
{
	struct fx *f = *state;
	MK(H);
	ERR(cfs_write(&f->c, H "/dhchap_key", KEY0), ENOENT); /* no such attribute without NVME_TARGET_AUTH */
}

static void test_link_body_and_dump(void **state)
{
	struct fx *f = *state;
	char text[PATH_MAX], p[PATH_MAX];
	MK(S);
	MK(H);
	LN(H, S "/allowed_hosts/h");
	snprintf(p, sizeof(p), "%s/%s", f->root, S "/allowed_hosts/h");
	ssize_t n = readlink(p, text, sizeof(text) - 1);
	assert_true(n > 0);
	text[n] = '\0';
	assert_string_equal(text, "../../../../nvmet/hosts/nqn.2024-01.test:h"); /* configfs's relative body */
	char *d = nvdump(f);
	assert_non_null(strstr(d, "L " S "/allowed_hosts/h -> " H "\n"));
	free(d);
}

UNIT_MAIN("sim-nvmet", NV_TEST(test_setup_kernels), NV_TEST_612(test_setup_kernels), NV_TEST(test_names),
	  NV_TEST_612(test_discovery_nqn_612), NV_TEST(test_subsys_attrs), NV_TEST(test_ns_rules),
	  NV_TEST_612(test_ns_rules), NV_TEST(test_port_rules), NV_TEST_612(test_port_tsas_612),
	  NV_TEST(test_allowed_hosts), NV_TEST_612(test_dhchap_612), NV_TEST(test_dhchap_61),
	  NV_TEST(test_link_body_and_dump))
