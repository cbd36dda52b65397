/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sim_attr.c: attribute writes in the configfs simulator (tests/sim/sim_attr.c, sim_rules.c): TPG enable
 * and its attribute ranges, ACL CHAP credentials, a mapped LUN's write_protect, the errors any write
 * meets (a directory, a missing or read-only attribute), target/dbroot and a storage object's
 * pr/res_aptpl_metadata (docs/KERNEL.md, 'dbroot and persistent reservations').
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

#include "sim_fx.h"
#include "unit_main.h"

static void test_tpg_enable(void **state)
{
	struct fx *f = *state;
	mk_tpg(f, T);
	assert_string_equal(rd(f, TPG "/enable"), "0");
	W(TPG "/enable", "1"); /* no portal, no LUN: fine */
	W(TPG "/enable", "1"); /* the current value: a no-op since 5.16 */
	assert_string_equal(rd(f, TPG "/enable"), "1");
	ERR(cfs_write(&f->c, TPG "/enable", "2"), EINVAL);
	ERR(cfs_write(&f->c, TPG "/enable", "x"), EINVAL);
	W(TPG "/enable", "0");
	assert_string_equal(rd(f, TPG "/enable"), "0");
	MK(TPG "/np/127.0.0.1:3260"); /* a portal after enable is fine too */
	/* authentication follows AuthMethod both ways, and enable enforces it */
	assert_string_equal(rd(f, TPG "/param/AuthMethod"), "CHAP");
	W(TPG "/attrib/authentication", "0");
	assert_string_equal(rd(f, TPG "/param/AuthMethod"), "CHAP,None");
	W(TPG "/attrib/authentication", "1");
	assert_string_equal(rd(f, TPG "/param/AuthMethod"), "CHAP");
	/* enabling strips "None" from AuthMethod; re-writing the current value does nothing at all */
	W(TPG "/param/AuthMethod", "CHAP,None");
	W(TPG "/enable", "1");
	assert_string_equal(rd(f, TPG "/param/AuthMethod"), "CHAP");
	W(TPG "/param/AuthMethod", "CHAP,None");
	W(TPG "/enable", "1");
	assert_string_equal(rd(f, TPG "/param/AuthMethod"), "CHAP,None");
}

static void test_tpg_attrib_ranges(void **state)
{
	struct fx *f = *state;
	mk_tpg(f, T);
	assert_string_equal(rd(f, TPG "/attrib/authentication"), "1");
	assert_string_equal(rd(f, TPG "/attrib/default_cmdsn_depth"), "64");
	assert_string_equal(rd(f, TPG "/attrib/login_timeout"), "15");
	assert_string_equal(rd(f, TPG "/attrib/demo_mode_write_protect"), "1");
	ERR(cfs_write(&f->c, TPG "/attrib/authentication", "2"), EINVAL);
	ERR(cfs_write(&f->c, TPG "/attrib/authentication", "yes"), EINVAL);
	ERR(cfs_write(&f->c, TPG "/attrib/demo_mode_write_protect", "2"), EINVAL);
	ERR(cfs_write(&f->c, TPG "/attrib/demo_mode_discovery", "-1"), EINVAL);
	ERR(cfs_write(&f->c, TPG "/attrib/default_cmdsn_depth", "0"), EINVAL);
	ERR(cfs_write(&f->c, TPG "/attrib/default_cmdsn_depth", "513"), EINVAL);
	W(TPG "/attrib/default_cmdsn_depth", "512");
	ERR(cfs_write(&f->c, TPG "/attrib/login_timeout", "4"), EINVAL);
	ERR(cfs_write(&f->c, TPG "/attrib/login_timeout", "31"), EINVAL);
	W(TPG "/attrib/login_timeout", "30");
	ERR(cfs_write(&f->c, TPG "/attrib/default_erl", "3"), EINVAL);
	ERR(cfs_write(&f->c, TPG "/attrib/fabric_prot_type", "2"), EINVAL);
	ERR(cfs_write(&f->c, TPG "/attrib/t10_pi", "99999999999"), ERANGE);
	/* generate_node_acls=1 forces cache_dynamic_acls=1, which then ignores 0 */
	W(TPG "/attrib/generate_node_acls", "1");
	assert_string_equal(rd(f, TPG "/attrib/cache_dynamic_acls"), "1");
	W(TPG "/attrib/cache_dynamic_acls", "0");
	assert_string_equal(rd(f, TPG "/attrib/cache_dynamic_acls"), "1");
	W(TPG "/attrib/generate_node_acls", "0");
	W(TPG "/attrib/cache_dynamic_acls", "0");
	assert_string_equal(rd(f, TPG "/attrib/cache_dynamic_acls"), "0");
	ERR(cfs_write(&f->c, TPG "/dynamic_sessions", "x"), EACCES);
}

static void test_acl_auth(void **state)
{
	struct fx *f = *state;
	char s[300];
	mk_tpg(f, T);
	MK(ACL);
	memset(s, 'u', 255);
	s[255] = '\0';
	W(ACL "/auth/userid", s);
	s[255] = 'u';
	s[256] = '\0';
	ERR(cfs_write(&f->c, ACL "/auth/password", s), EINVAL);
	ERR(cfs_write(&f->c, ACL "/auth/userid_mutual", s), EINVAL);
	/* the pitfall: a trailing newline is stored verbatim and read back */
	W(ACL "/auth/userid", "user\n");
	assert_string_equal(rd(f, ACL "/auth/userid"), "user\n");
	W(ACL "/auth/userid", "user");
	assert_string_equal(rd(f, ACL "/auth/userid"), "user");
	assert_string_equal(rd(f, ACL "/auth/authenticate_target"), "0");
	W(ACL "/auth/userid_mutual", "tgt");
	W(ACL "/auth/password_mutual", "tgtsecret123");
	assert_string_equal(rd(f, ACL "/auth/authenticate_target"), "1");
	W(ACL "/auth/password_mutual", "NULL");
	assert_string_equal(rd(f, ACL "/auth/authenticate_target"), "0");
	ERR(cfs_write(&f->c, ACL "/auth/authenticate_target", "1"), EACCES);
	ERR(cfs_write(&f->c, ACL "/cmdsn_depth", "513"), EINVAL);
	W(ACL "/cmdsn_depth", "128");
	ERR(cfs_write(&f->c, ACL "/attrib/nopin_timeout", "2"), EINVAL);
	ERR(cfs_write(&f->c, "target/iscsi/discovery_auth/userid", s), EINVAL);
	W("target/iscsi/discovery_auth/enforce_discovery_auth", "1");
	ERR(cfs_write(&f->c, "target/iscsi/discovery_auth/enforce_discovery_auth", "2"), EINVAL);
}

/* The discovery ACL is iscsi_target_mod's, not target/iscsi's: its values outlive rmdir and mkdir of the
 * fabric (6.1 and 6.12, tests/vm scenario 20); "NULL" unsets a value and stays readable as the word. */
static void test_discovery_auth_is_the_modules(void **state)
{
	struct fx *f = *state;
	if (!exists(f, "target/iscsi"))
		MK("target/iscsi");
	assert_string_equal(rd(f, "target/iscsi/discovery_auth/userid"), ""); /* never written */
	W("target/iscsi/discovery_auth/userid", "discuser");
	W("target/iscsi/discovery_auth/userid_mutual", "tgt");
	W("target/iscsi/discovery_auth/password_mutual", "tgtsecret123");
	W("target/iscsi/discovery_auth/enforce_discovery_auth", "1");
	ERR(cfs_write(&f->c, "target/iscsi/discovery_auth/enforce_discovery_auth", "yes"), EINVAL);
	OK(cfs_rmdir(&f->c, "target/iscsi"));
	assert_int_equal(exists(f, "target/iscsi/discovery_auth"), 0);
	MK("target/iscsi");
	assert_string_equal(rd(f, "target/iscsi/discovery_auth/userid"), "discuser");
	assert_string_equal(rd(f, "target/iscsi/discovery_auth/enforce_discovery_auth"), "1");
	assert_string_equal(rd(f, "target/iscsi/discovery_auth/authenticate_target"), "1");
	W("target/iscsi/discovery_auth/userid", "NULL");
	assert_string_equal(rd(f, "target/iscsi/discovery_auth/userid"), "NULL");
}

static void test_mapped_lun_write_protect(void **state)
{
	struct fx *f = *state;
	char v[PATH_MAX + 64];
	mk_so(f, HBA, SO, f->dev[0]);
	mk_tpg(f, T);
	MK(LUN);
	LN(SO, LUN "/lnk");
	MK(ACL);
	MK(MLUN);
	/* no se_dev_entry before the link: accepted, nothing shown */
	W(MLUN "/write_protect", "1");
	assert_string_equal(rd(f, MLUN "/write_protect"), "");
	ERR(cfs_read(&f->c, MLUN "/statistics/scsi_auth_intr/inst", rbuf, sizeof(rbuf)), ENODEV);
	LN(LUN, MLUN "/m");
	assert_string_equal(rd(f, MLUN "/write_protect"), "0");
	W(MLUN "/write_protect", "1");
	assert_string_equal(rd(f, MLUN "/write_protect"), "1");
	ERR(cfs_write(&f->c, MLUN "/write_protect", "2"), EINVAL);
	/* the LUN losing its device drops the mapping */
	OK(cfs_unlink(&f->c, LUN "/lnk"));
	assert_string_equal(rd(f, MLUN "/write_protect"), "");
	OK(cfs_unlink(&f->c, MLUN "/m"));
	/* a read-only device maps read-only */
	MK("target/core/iblock_1");
	MK("target/core/iblock_1/ro");
	snprintf(v, sizeof(v), "udev_path=%s,readonly=1", f->dev[1]);
	W("target/core/iblock_1/ro/control", v);
	W("target/core/iblock_1/ro/enable", "1");
	LN("target/core/iblock_1/ro", LUN "/lnk");
	LN(LUN, MLUN "/m");
	assert_string_equal(rd(f, MLUN "/write_protect"), "1");
}

static void test_write_natural_errors(void **state)
{
	struct fx *f = *state;
	mk_tpg(f, T);
	ERR(cfs_write(&f->c, TPG "/attrib", "1"), EISDIR);
	ERR(cfs_write(&f->c, TPG "/nope", "1"), ENOENT);
	ERR(cfs_write(&f->c, "target/version", "x"), EACCES);
	W("target/dbroot", f->root); /* an existing directory (test_dbroot has the rules) */
	assert_string_equal(rd(f, "target/dbroot"), f->root);
	W(TPG "/param/TargetAlias", "alias\n"); /* param strips one trailing space character */
	assert_string_equal(rd(f, TPG "/param/TargetAlias"), "alias");
	ERR(cfs_write(&f->c, TPG "/", "1"), EISDIR); /* a trailing '/' is normalised away */
	MK(TPG "/lun/lun_7/");
	assert_int_equal(exists(f, TPG "/lun/lun_7/statistics"), 1);
}

/* target_core_item_dbroot_store, as 6.1 and 6.12 do it (measured in tests/vm 18-pr). */
static void test_dbroot(void **state)
{
	struct fx *f = *state;
	char longer[128], shorter[128], file[128], link[128], v[160];
	snprintf(longer, sizeof(longer), "%s/db1/dbroot", f->root);
	snprintf(shorter, sizeof(shorter), "%s/s", f->root);
	snprintf(file, sizeof(file), "%s/afile", f->root);
	snprintf(link, sizeof(link), "%s/alink", f->root);
	snprintf(v, sizeof(v), "%s/db1", f->root);
	OK(mkdir(v, 0700));
	OK(mkdir(longer, 0700));
	OK(mkdir(shorter, 0700));
	FILE *a = fopen(file, "w");
	assert_non_null(a);
	fclose(a);
	OK(symlink(longer, link));
	assert_string_equal(rd(f, "target/dbroot"), "/etc/target");
	snprintf(v, sizeof(v), "%s/missing", f->root);
	ERR(cfs_write(&f->c, "target/dbroot", v), ENOENT);
	ERR(cfs_write(&f->c, "target/dbroot", file), ENOTDIR);
	ERR(cfs_write(&f->c, "target/dbroot", "relative-and-missing"), ENOENT);
	assert_string_equal(rd(f, "target/dbroot"), "/etc/target");
	ERR(cfs_write(&f->c, "target/dbroot", ""), EFAULT); /* a write() of zero bytes: configfs's EFAULT */
	assert_string_equal(rd(f, "target/dbroot"), "/etc/target");
	W("target/dbroot", link); /* a link is followed to check, and shown as written */
	assert_string_equal(rd(f, "target/dbroot"), link);
	W("target/dbroot", longer);
	/* without a newline the NUL is not copied: a shorter path keeps the longer one's tail */
	W("target/dbroot", shorter);
	snprintf(v, sizeof(v), "%s%s", shorter, longer + strlen(shorter));
	assert_string_equal(rd(f, "target/dbroot"), v);
	snprintf(v, sizeof(v), "%s\n", shorter);
	W("target/dbroot", v);
	assert_string_equal(rd(f, "target/dbroot"), shorter);
	/* an HBA alone does not count; a storage object, enabled or not, does, even for the same value */
	MK(HBA);
	W("target/dbroot", v);
	MK(SO);
	ERR(cfs_write(&f->c, "target/dbroot", v), EINVAL);
	snprintf(v, sizeof(v), "%s\n", longer);
	ERR(cfs_write(&f->c, "target/dbroot", v), EINVAL);
	assert_string_equal(rd(f, "target/dbroot"), shorter);
	OK(cfs_rmdir(&f->c, SO));
	W("target/dbroot", v);
	assert_string_equal(rd(f, "target/dbroot"), longer);
}

/* target_pr_res_aptpl_metadata_store: one registration a write, until a LUN links the object. */
static void test_aptpl_metadata(void **state)
{
	struct fx *f = *state;
	char log[2048];
	const char *reg = "initiator_fabric=iSCSI,initiator_node=" INI ",initiator_sid=00023d000001,sa_res_key=4369,"
			  "res_holder=1,res_type=5,res_scope=0,res_all_tg_pt=0,mapped_lun=5,target_fabric=iSCSI,"
			  "target_node=" IQN ",tpgt=1,port_rtpi=1,target_lun=0";
	sim_pr_reset();
	mk_so(f, HBA, SO, f->dev[0]);
	assert_string_equal(rd(f, SO "/pr/res_aptpl_metadata"), "Ready to process PR APTPL metadata..");
	assert_string_equal(rd(f, SO "/pr/res_aptpl_active"), "APTPL Bit Status: Disabled");
	ERR(cfs_write(&f->c, SO "/pr/res_aptpl_metadata", "garbage"), EINVAL);
	ERR(cfs_write(&f->c, SO "/pr/res_aptpl_metadata", "initiator_node=" INI ",target_node=" IQN), EINVAL);
	ERR(cfs_write(&f->c, SO "/pr/res_aptpl_metadata", "initiator_node=" INI ",target_node=" IQN ",sa_res_key=0"),
	    EINVAL);
	ERR(cfs_write(&f->c, SO "/pr/res_aptpl_metadata",
		      "initiator_node=" INI ",target_node=" IQN ",sa_res_key=5,res_holder=1"), EINVAL);
	/* numbers are read with base 0: the kernel's own "08" is not octal */
	ERR(cfs_write(&f->c, SO "/pr/res_aptpl_metadata",
		      "initiator_node=" INI ",target_node=" IQN ",sa_res_key=5,res_holder=1,res_type=08"), EINVAL);
	ERR(cfs_write(&f->c, SO "/pr/res_aptpl_metadata", "initiator_node=" INI ",target_node=" IQN ",sa_res_key=x"),
	    EINVAL);
	assert_int_equal(sim_pr_fed(log, sizeof(log)), 0);
	W(SO "/pr/res_aptpl_metadata", reg);
	assert_int_equal(sim_pr_fed(log, sizeof(log)), 1);
	assert_non_null(strstr(log, SO ": initiator_fabric=iSCSI,initiator_node=" INI));
	assert_string_equal(rd(f, SO "/pr/res_aptpl_metadata"), "Ready to process PR APTPL metadata..");
	mk_tpg(f, T);
	MK(LUN);
	LN(SO, LUN "/lnk");
	ERR(cfs_write(&f->c, SO "/pr/res_aptpl_metadata", reg), EINVAL);
	assert_int_equal(sim_pr_fed(log, sizeof(log)), 1);
}

UNIT_MAIN("sim-attr", SIM_TEST(test_tpg_enable), SIM_TEST(test_tpg_attrib_ranges), SIM_TEST(test_acl_auth),
	  SIM_TEST(test_mapped_lun_write_protect), SIM_TEST(test_write_natural_errors),
	  SIM_TEST(test_discovery_auth_is_the_modules), SIM_TEST_612(test_discovery_auth_is_the_modules),
	  SIM_TEST(test_dbroot), SIM_TEST_612(test_dbroot), SIM_TEST(test_aptpl_metadata))
