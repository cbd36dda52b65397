/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_aptpl.c: the kernel's persistent-reservation file (agent/kernel/aptpl.c): the files 6.1 and 6.12
 * wrote in tests/vm 18-pr parsed to their registrations; every way a file differs from what the kernel
 * writes refused with the line and the reason; the file read only when it is a regular file of
 * attachd's, not through a link; the line fed back in the kernel's syntax, numbers in decimal.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "aptpl.h"
#include "unit_main.h"

#define TGT "iqn.2026-11.org.attachd:47e8bdcf-13d9-4623-b2cc-aaac1d3d7bda"
#define HOLDER                                                                                                   \
	"PR_REG_START: 0\ninitiator_fabric=iSCSI\ninitiator_node=iqn.2004-10.org.example:guest\n"                 \
	"initiator_sid=00023d000001\nsa_res_key=4369\nres_holder=1\nres_type=05\nres_scope=00\nres_all_tg_pt=0\n" \
	"mapped_lun=0\ntarget_fabric=iSCSI\ntarget_node=" TGT "\ntpgt=1\nport_rtpi=1\ntarget_lun=0\nPR_REG_END: 0\n"
#define OTHER                                                                                                  \
	"PR_REG_START: 1\ninitiator_fabric=iSCSI\ninitiator_node=iqn.2004-10.org.example:second\n"              \
	"initiator_sid=00023d000002\nsa_res_key=8738\nres_holder=0\nres_all_tg_pt=0\nmapped_lun=0\n"           \
	"target_fabric=iSCSI\ntarget_node=" TGT "\ntpgt=1\nport_rtpi=1\ntarget_lun=0\nPR_REG_END: 1\n"

static struct aptpl_reg regs[APTPL_REGS_MAX];
static char why[512];

/* @s (and the NUL the kernel writes after it when @nul): the parser's result. */
static int parse(const char *s, int nul, size_t *n)
{
	return aptpl_parse(s, strlen(s) + (nul ? 1 : 0), regs, APTPL_REGS_MAX, n, why, sizeof(why));
}

static void test_kernel_files(void **state)
{
	(void)state;
	size_t n;
	assert_int_equal(parse(HOLDER OTHER, 1, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(regs[0].initiator, "iqn.2004-10.org.example:guest");
	assert_string_equal(regs[0].isid, "00023d000001");
	assert_int_equal(regs[0].key, 0x1111);
	assert_true(regs[0].holder);
	assert_int_equal(regs[0].type, 5);
	assert_string_equal(regs[0].target, TGT);
	assert_int_equal(regs[0].tpgt, 1);
	assert_int_equal(regs[0].rtpi, 1);
	assert_false(regs[1].holder);
	assert_int_equal(regs[1].key, 0x2222);
	assert_int_equal(parse(HOLDER OTHER, 0, &n), 0); /* without its NUL too */
	/* APTPL cleared: no registration, not an error */
	assert_int_equal(parse("No Registrations or Reservations\n", 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(parse("No Registrations or Reservations", 1, &n), 0);
	assert_int_equal(n, 0);
}

/* @from replaced by @to in HOLDER OTHER must be refused, the reason containing @because. */
static void refused(const char *from, const char *to, const char *because)
{
	char buf[4096], *p;
	size_t n;
	snprintf(buf, sizeof(buf), "%s", HOLDER OTHER);
	p = strstr(buf, from);
	assert_non_null(p);
	memmove(p + strlen(to), p + strlen(from), strlen(p + strlen(from)) + 1);
	memcpy(p, to, strlen(to));
	int rc = parse(buf, 1, &n);
	if (rc != -EBADMSG || !strstr(why, because))
		fail_msg("'%s' -> '%s': rc %d, \"%s\" (wanted \"%s\")", from, to, rc, why, because);
}

static void test_refused(void **state)
{
	(void)state;
	size_t n;
	refused("PR_REG_START: 1", "PR_REG_START: 2", "expected \"PR_REG_START: 1\"");
	refused("PR_REG_END: 1\n", "", "registration 1 has no end");
	refused("sa_res_key=4369", "sa_res_key=0", "bad sa_res_key");
	refused("sa_res_key=4369", "sa_res_key=0x1111", "bad sa_res_key");
	refused("sa_res_key=4369", "sa_res_key=18446744073709551616", "bad sa_res_key");
	refused("res_type=05", "res_type=02", "bad res_type");
	refused("res_type=05", "res_type=5", "bad res_type");
	refused("res_type=05\n", "", "no res_type");
	refused("res_scope=00", "res_scope=01", "bad res_scope");
	refused("res_holder=0\n", "res_holder=0\nres_type=05\n", "a reservation type without res_holder=1");
	refused("res_holder=0", "res_holder=1", "no res_type");
	refused("res_holder=0\nres_all_tg_pt=0", "res_holder=1\nres_type=03\nres_scope=00\nres_all_tg_pt=0",
		"a second reservation holder");
	refused("initiator_fabric=iSCSI\ninitiator_node=iqn.2004-10.org.example:second",
		"initiator_fabric=FC\ninitiator_node=iqn.2004-10.org.example:second", "bad initiator_fabric");
	refused("initiator_node=iqn.2004-10.org.example:guest", "initiator_node=not an iqn", "bad initiator_node");
	refused("initiator_sid=00023d000001", "initiator_sid=../../etc", "bad initiator_sid");
	refused("tpgt=1\nport_rtpi=1\ntarget_lun=0\nPR_REG_END: 0", "tpgt=70000\nport_rtpi=1\ntarget_lun=0\nPR_REG_END: 0",
		"bad tpgt");
	refused("mapped_lun=0\ntarget_fabric=iSCSI\ntarget_node=" TGT "\ntpgt=1\nport_rtpi=1\ntarget_lun=0\nPR_REG_END: 0",
		"mapped_lun=0\nmapped_lun=0\ntarget_fabric=iSCSI\ntarget_node=" TGT "\ntpgt=1\nport_rtpi=1\ntarget_lun=0\nPR_REG_END: 0",
		"mapped_lun twice");
	refused("res_all_tg_pt=0\nmapped_lun=0\ntarget_fabric=iSCSI\ntarget_node=" TGT "\ntpgt=1\nport_rtpi=1\ntarget_lun=0\nPR_REG_END: 1",
		"res_all_tg_pt=0\ntarget_fabric=iSCSI\ntarget_node=" TGT "\ntpgt=1\nport_rtpi=1\ntarget_lun=0\nPR_REG_END: 1",
		"no mapped_lun");
	refused("port_rtpi=1\ntarget_lun=0\nPR_REG_END: 1", "port_rtpi=1\ntarget_lun=0\nextra=1\nPR_REG_END: 1",
		"unexpected line \"extra=1\"");
	refused("target_lun=0\nPR_REG_END: 1\n", "target_lun=0\nPR_REG_END: 1\n\n", "expected \"PR_REG_START: 2\"");
	/* not text; NULs inside; empty */
	assert_int_equal(aptpl_parse("PR_REG_START: 0\n\1", 17, regs, APTPL_REGS_MAX, &n, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "is not text"));
	assert_int_equal(aptpl_parse(HOLDER "\0" OTHER, strlen(HOLDER) + 1 + strlen(OTHER), regs, APTPL_REGS_MAX, &n,
				     why, sizeof(why)), -EBADMSG);
	assert_int_equal(parse("", 1, &n), -EBADMSG);
	assert_non_null(strstr(why, "empty"));
	/* more registrations than room */
	assert_int_equal(aptpl_parse(HOLDER OTHER, strlen(HOLDER OTHER), regs, 1, &n, why, sizeof(why)), -E2BIG);
	/* a line too long for any key */
	char big[1200];
	memset(big, 'a', sizeof(big));
	memcpy(big, "PR_REG_START: 0\ninitiator_node=", 31);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(big, 0, &n), -EBADMSG);
	assert_non_null(strstr(why, "512 bytes or more"));
}

static void test_format(void **state)
{
	(void)state;
	size_t n;
	char line[1024];
	assert_int_equal(parse(HOLDER OTHER, 1, &n), 0);
	assert_int_equal(aptpl_format(&regs[0], line, sizeof(line)), 0);
	assert_string_equal(line, "initiator_fabric=iSCSI,initiator_node=iqn.2004-10.org.example:guest,"
				  "initiator_sid=00023d000001,sa_res_key=4369,res_holder=1,res_type=5,res_scope=0,"
				  "res_all_tg_pt=0,mapped_lun=0,target_fabric=iSCSI,target_node=" TGT
				  ",tpgt=1,port_rtpi=1,target_lun=0");
	assert_int_equal(aptpl_format(&regs[1], line, sizeof(line)), 0);
	assert_null(strstr(line, "res_type"));
	assert_non_null(strstr(line, "res_holder=0,res_all_tg_pt=0"));
	/* type 8 (EXCLUSIVE ACCESS, ALL REGISTRANTS): the kernel writes "08", which its own parser (base 0)
	 * would take for a bad octal number */
	regs[0].type = 8;
	assert_int_equal(aptpl_format(&regs[0], line, sizeof(line)), 0);
	assert_non_null(strstr(line, ",res_type=8,"));
	regs[0].isid[0] = '\0';
	assert_int_equal(aptpl_format(&regs[0], line, sizeof(line)), 0);
	assert_null(strstr(line, "initiator_sid"));
	assert_int_equal(aptpl_format(&regs[0], line, 40), -ENOSPC);
}

static void test_read(void **state)
{
	(void)state;
	char dir[] = "/tmp/attachd-aptpl-XXXXXX", p[256], *buf = malloc(APTPL_FILE_MAX + 1);
	size_t len;
	assert_non_null(buf);
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/pr", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(aptpl_read(dir, "v1", buf, &len, why, sizeof(why)), -ENOENT);
	snprintf(p, sizeof(p), "%s/pr/aptpl_v1", dir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(HOLDER, f);
	fputc('\0', f);
	fclose(f);
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(aptpl_read(dir, "v1", buf, &len, why, sizeof(why)), 0);
	assert_int_equal(len, strlen(HOLDER) + 1);
	assert_memory_equal(buf, HOLDER, strlen(HOLDER));
	/* writable by others: not the kernel's */
	assert_int_equal(chmod(p, 0622), 0);
	assert_int_equal(aptpl_read(dir, "v1", buf, &len, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "is not the kernel's"));
	assert_int_equal(chmod(p, 0600), 0);
	/* a link is not followed, a directory is not a file */
	char q[256];
	snprintf(q, sizeof(q), "%s/pr/aptpl_v2", dir);
	assert_int_equal(symlink(p, q), 0);
	assert_int_equal(aptpl_read(dir, "v2", buf, &len, why, sizeof(why)), -ELOOP);
	assert_non_null(strstr(why, "a symbolic link"));
	snprintf(q, sizeof(q), "%s/pr/aptpl_v3", dir);
	assert_int_equal(mkdir(q, 0700), 0);
	assert_int_equal(aptpl_read(dir, "v3", buf, &len, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "not a regular file"));
	/* too large */
	assert_int_equal(truncate(p, APTPL_FILE_MAX + 1), 0);
	assert_int_equal(aptpl_read(dir, "v1", buf, &len, why, sizeof(why)), -EFBIG);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(buf);
}

UNIT_MAIN("aptpl", cmocka_unit_test(test_kernel_files), cmocka_unit_test(test_refused), cmocka_unit_test(test_format),
	  cmocka_unit_test(test_read))
