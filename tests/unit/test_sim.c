/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sim.c: the configfs simulator (tests/sim/) against the kernel's rules: every rule has a test
 * that fails without it, the error codes of /work/shared/vm/configfs-errors.log in particular. Tests
 * call the wrapped cfs_* functions on a cfs opened on a fresh temporary tree. Storage objects use
 * block device nodes made with mknod(2) in the temporary directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "configfs/cfs.h"
#include "tests/sim/sim.h"

#define IQN "iqn.2024-01.org.example:t"
#define T "target/iscsi/" IQN
#define TPG T "/tpgt_1"
#define LUN TPG "/lun/lun_0"
#define INI "iqn.2024-01.org.example:i"
#define ACL TPG "/acls/" INI
#define MLUN ACL "/lun_5"
#define HBA "target/core/iblock_0"
#define SO HBA "/x"

struct fx {
	char root[64];
	struct cfs c;
	char dev[2][PATH_MAX]; /* two block devices */
	char notblk[PATH_MAX];
};

static char rbuf[4096];

#define OK(expr) assert_int_equal((expr), 0)
#define ERR(expr, e) assert_int_equal((expr), -(e))
#define MK(p) OK(cfs_mkdir(&f->c, (p)))
#define W(p, v) OK(cfs_write(&f->c, (p), (v)))
#define LN(t, l) OK(cfs_symlink(&f->c, (t), (l)))

static const char *rd(struct fx *f, const char *p)
{
	int n = cfs_read(&f->c, p, rbuf, sizeof(rbuf));
	assert_true(n >= 0);
	return rbuf;
}

static int exists(struct fx *f, const char *p)
{
	return cfs_exists(&f->c, p);
}

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int fx_open(void **state, enum sim_kernel k)
{
	struct fx *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	snprintf(f->root, sizeof(f->root), "/tmp/test_sim.XXXXXX");
	if (!mkdtemp(f->root) || sim_setup(f->root, k) || cfs_open(&f->c, f->root))
		return -1;
	char root[sizeof(f->root)];
	memcpy(root, f->root, sizeof(root)); /* a copy: gcc sees f->root and f->dev[] as overlapping */
	for (int i = 0; i < 2; i++) {
		snprintf(f->dev[i], sizeof(f->dev[i]), "%s/bd%d", root, i);
		/* loop's major with minors no real loop uses; the simulator only stats the node */
		if (mknod(f->dev[i], S_IFBLK | 0600, makedev(7, 200 + (unsigned)i))) {
			/* no CAP_MKNOD (e.g. an unprivileged container): use existing loop nodes */
			snprintf(f->dev[i], sizeof(f->dev[i]), "/dev/loop%d", i);
		}
	}
	snprintf(f->notblk, sizeof(f->notblk), "%s/plainfile", root);
	int fd = open(f->notblk, O_CREAT | O_WRONLY, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	sim_fail_clear();
	*state = f;
	return 0;
}

static int setup61(void **state)
{
	return fx_open(state, SIM_KERNEL_6_1);
}

static int setup612(void **state)
{
	return fx_open(state, SIM_KERNEL_6_12);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sim_fail_clear();
	cfs_close(&f->c);
	nftw(f->root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* Helpers building the export of the log, step by step. */
static void mk_so(struct fx *f, const char *hba, const char *so, const char *dev)
{
	char p[256], v[PATH_MAX + 16];
	if (!exists(f, hba))
		MK(hba);
	MK(so);
	snprintf(p, sizeof(p), "%s/control", so);
	snprintf(v, sizeof(v), "udev_path=%s", dev);
	W(p, v);
	snprintf(p, sizeof(p), "%s/udev_path", so);
	W(p, dev);
	snprintf(p, sizeof(p), "%s/enable", so);
	W(p, "1");
}

static void mk_tpg(struct fx *f, const char *wwn)
{
	char p[512];
	if (!exists(f, "target/iscsi"))
		MK("target/iscsi");
	MK(wwn);
	snprintf(p, sizeof(p), "%s/tpgt_1", wwn);
	MK(p);
}

static void mk_export(struct fx *f)
{
	mk_so(f, HBA, SO, f->dev[0]);
	mk_tpg(f, T);
	MK(TPG "/np/127.0.0.1:3260");
	MK(LUN);
	LN(SO, LUN "/lnk");
	MK(ACL);
	W(ACL "/auth/userid", "user");
	W(ACL "/auth/password", "secretsecret");
	MK(MLUN);
	LN(LUN, MLUN "/m");
	W(TPG "/attrib/authentication", "1");
	W(TPG "/attrib/generate_node_acls", "0");
	W(TPG "/enable", "1");
}

static char *dump(struct fx *f)
{
	static const char *const sub[] = { "target", NULL };
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	OK(sim_dump(f->root, sub, m));
	fclose(m);
	return buf;
}

/* ------------------------------------------------------------------ base tree and mkdir */
static void test_setup_base_tree(void **state)
{
	struct fx *f = *state;
	char *d = dump(f);
	assert_non_null(strstr(d, "D target\nD target/core\nD target/core/alua\n"));
	assert_non_null(strstr(d, "D target/core/alua/lu_gps/default_lu_gp\n"));
	assert_non_null(strstr(d, "F target/version\n"));
	assert_null(strstr(d, "target/iscsi"));
	assert_non_null(strstr(rd(f, "target/version"), "on 6.1"));
	ERR(sim_setup(f->root, SIM_KERNEL_6_1), EEXIST);
	free(d);
}

static void test_mkdir_hba_names(void **state)
{
	struct fx *f = *state;
	MK(HBA);
	MK("target/core/rd_mcp_3");
	MK("target/core/fileio_0x10");
	ERR(cfs_mkdir(&f->c, HBA), EEXIST);
	ERR(cfs_mkdir(&f->c, "target/core/iblock"), EINVAL);
	ERR(cfs_mkdir(&f->c, "target/core/foo_1"), EINVAL);
	ERR(cfs_mkdir(&f->c, "target/core/iblock_x"), EINVAL);
	ERR(cfs_mkdir(&f->c, "target/core/iblock_99999999999999999999999"), ERANGE);
	assert_int_equal(exists(f, HBA "/hba_info"), 1);
	assert_int_equal(exists(f, HBA "/hba_mode"), 1);
	ERR(cfs_write(&f->c, HBA "/hba_mode", "1"), EINVAL); /* no pmode_enable_hba for iblock */
}

static void test_mkdir_needs_parent(void **state)
{
	struct fx *f = *state;
	ERR(cfs_mkdir(&f->c, "target/core/iblock_9/so"), ENOENT);
	ERR(cfs_mkdir(&f->c, T), ENOENT); /* target/iscsi is not there after module load */
	ERR(cfs_mkdir(&f->c, "target/version/x"), ENOTDIR);
}

static void test_mkdir_where_not_allowed(void **state)
{
	struct fx *f = *state;
	ERR(cfs_mkdir(&f->c, "nvmet"), EPERM);
	ERR(cfs_mkdir(&f->c, "target/loopback"), EINVAL); /* fabric module absent */
	ERR(cfs_mkdir(&f->c, "target/core/alua/x"), EPERM);
	ERR(cfs_mkdir(&f->c, "target/core/alua/lu_gps/g1"), EPERM); /* ALUA groups not modelled */
	MK(HBA);
	MK(SO);
	ERR(cfs_mkdir(&f->c, SO "/sub"), EPERM);
	ERR(cfs_mkdir(&f->c, SO "/attrib/x"), EPERM);
	ERR(cfs_mkdir(&f->c, SO "/statistics/x"), ENOSYS);
	mk_tpg(f, T);
	ERR(cfs_mkdir(&f->c, TPG "/attrib/x"), EPERM);
	ERR(cfs_mkdir(&f->c, TPG "/x"), EPERM);
	ERR(cfs_mkdir(&f->c, "target/iscsi/discovery_auth/x"), EPERM);
	ERR(cfs_mkdir(&f->c, TPG "/attrib"), EEXIST);
}

static void expect_children(struct fx *f, const char *dir, const char *names)
{
	char list[2048] = "", p[PATH_MAX];
	struct dirent **ents;
	snprintf(p, sizeof(p), "%s/%s", f->root, dir);
	int n = scandir(p, &ents, NULL, alphasort);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			strcat(list, ents[i]->d_name);
			strcat(list, " ");
		}
		free(ents[i]);
	}
	free(ents);
	assert_string_equal(list, names);
}

/* The lists of /work/shared/vm/configfs-layout.txt (Debian 6.1), sorted. */
static void test_layout_matches_capture(void **state)
{
	struct fx *f = *state;
	mk_export(f);
	MK(TPG "/lun/lun_3");
	expect_children(f, SO, "action alias alua alua_lu_gp attrib control enable info lba_map pr "
			       "statistics udev_path wwn ");
	expect_children(f, SO "/attrib",
			"alua_support block_size emulate_3pc emulate_caw emulate_dpo emulate_fua_read "
			"emulate_fua_write emulate_model_alias emulate_pr emulate_rest_reord emulate_tas "
			"emulate_tpu emulate_tpws emulate_ua_intlck_ctrl emulate_write_cache "
			"enforce_pr_isids force_pr_aptpl hw_block_size hw_max_sectors hw_pi_prot_type "
			"hw_queue_depth is_nonrot max_unmap_block_desc_count max_unmap_lba_count "
			"max_write_same_len optimal_sectors pgr_support pi_prot_format pi_prot_type "
			"pi_prot_verify queue_depth unmap_granularity unmap_granularity_alignment "
			"unmap_zeroes_data ");
	expect_children(f, SO "/wwn", "company_id product_id revision vendor_id "
				      "vpd_assoc_logical_unit vpd_assoc_scsi_target_device "
				      "vpd_assoc_target_port vpd_protocol_identifier vpd_unit_serial ");
	expect_children(f, "target/iscsi", "cpus_allowed_list discovery_auth " IQN " lio_version ");
	expect_children(f, TPG, "acls attrib auth dynamic_sessions enable lun np param ");
	expect_children(f, TPG "/attrib",
			"authentication cache_dynamic_acls default_cmdsn_depth default_erl "
			"demo_mode_discovery demo_mode_write_protect fabric_prot_type generate_node_acls "
			"login_keys_workaround login_timeout netif_timeout prod_mode_write_protect t10_pi "
			"tpg_enabled_sendtargets ");
	expect_children(f, TPG "/param",
			"AuthMethod DataDigest DataPDUInOrder DataSequenceInOrder DefaultTime2Retain "
			"DefaultTime2Wait ErrorRecoveryLevel FirstBurstLength HeaderDigest IFMarkInt "
			"IFMarker ImmediateData InitialR2T MaxBurstLength MaxConnections "
			"MaxOutstandingR2T MaxRecvDataSegmentLength MaxXmitDataSegmentLength OFMarkInt "
			"OFMarker TargetAlias ");
	expect_children(f, TPG "/auth", "authenticate_target password password_mutual userid "
					"userid_mutual ");
	expect_children(f, LUN, "alua_tg_pt_gp alua_tg_pt_offline alua_tg_pt_status "
				"alua_tg_pt_write_md lnk statistics ");
	expect_children(f, ACL, "attrib auth cmdsn_depth fabric_statistics info lun_5 param tag ");
	expect_children(f, ACL "/attrib", "authentication dataout_timeout dataout_timeout_retries "
					  "default_erl nopin_response_timeout nopin_timeout "
					  "random_datain_pdu_offsets random_datain_seq_offsets "
					  "random_r2t_offsets ");
	expect_children(f, MLUN, "m statistics write_protect ");
	expect_children(f, "target/iscsi/discovery_auth", "authenticate_target "
		"enforce_discovery_auth password password_mutual userid userid_mutual ");
	assert_string_equal(rd(f, ACL "/info"),
			    "No active iSCSI Session for Initiator Endpoint: " INI);
}

static void test_kernel_612_differences(void **state)
{
	struct fx *f = *state;
	mk_tpg(f, T);
	assert_non_null(strstr(rd(f, "target/version"), "on 6.12"));
	assert_int_equal(exists(f, "target/iscsi/cpus_allowed_list"), 1);
	assert_int_equal(exists(f, TPG "/rtpi"), 1);
	assert_int_equal(exists(f, TPG "/attrib/netif_timeout"), 0);
	MK(HBA);
	MK(SO);
	assert_int_equal(exists(f, SO "/attrib/emulate_rsoc"), 1);
}

static void test_mkdir_iscsi_names(void **state)
{
	struct fx *f = *state;
	char iqn[300] = "target/iscsi/";
	MK("target/iscsi");
	MK("target/iscsi/notaniqn"); /* the kernel does not validate the IQN format */
	memset(iqn + 13, 'a', 223);
	MK(iqn);
	memset(iqn + 13, 'b', 224);
	ERR(cfs_mkdir(&f->c, iqn), EINVAL);
	expect_children(f, "target/iscsi/notaniqn", "fabric_statistics param ");
	expect_children(f, "target/iscsi/notaniqn/fabric_statistics",
			"iscsi_instance iscsi_login_stats iscsi_logout_stats iscsi_sess_err "
			"iscsi_tgt_attr ");
	MK(T);
	MK(T "/tpgt_0");
	MK(T "/tpgt_65535");
	ERR(cfs_mkdir(&f->c, T "/tpg_1"), EINVAL);
	ERR(cfs_mkdir(&f->c, T "/tpgt_65536"), EINVAL);
	ERR(cfs_mkdir(&f->c, T "/tpgt_x"), EINVAL);
	MK(TPG);
	MK(TPG "/lun/lun_0");
	MK(TPG "/lun/lun_65535");
	ERR(cfs_mkdir(&f->c, TPG "/lun/lunx"), EINVAL);
	ERR(cfs_mkdir(&f->c, TPG "/lun/lun_x"), EINVAL);
	W(TPG "/attrib/default_cmdsn_depth", "128");
	MK(ACL);
	MK(ACL "/lun_5");
	ERR(cfs_mkdir(&f->c, ACL "/m5"), EINVAL);
	ERR(cfs_mkdir(&f->c, ACL "/lun_"), EINVAL);
	ERR(cfs_mkdir(&f->c, ACL "/lun_5/x"), EPERM);
	ERR(cfs_mkdir(&f->c, ACL "/lun_5/statistics/x"), ENOSYS);
	assert_string_equal(rd(f, ACL "/cmdsn_depth"), "128"); /* the TPG's default_cmdsn_depth */
}

static void test_mkdir_portals(void **state)
{
	struct fx *f = *state;
	mk_tpg(f, T);
	mk_tpg(f, "target/iscsi/iqn.2024-01.org.example:t2");
	MK(T "/tpgt_2");
	MK(TPG "/np/127.0.0.1:3260");
	ERR(cfs_mkdir(&f->c, TPG "/np/300.1.1.1:3260"), EINVAL);
	ERR(cfs_mkdir(&f->c, TPG "/np/127.0.0.1"), EINVAL);
	ERR(cfs_mkdir(&f->c, TPG "/np/127.0.0.1:70000"), EINVAL);
	ERR(cfs_mkdir(&f->c, TPG "/np/[::1:3260"), EINVAL);
	ERR(cfs_mkdir(&f->c, TPG "/np/::1:3260"), EINVAL); /* IPv6 needs brackets */
	MK(TPG "/np/[::1]:3260");
	MK(TPG "/np/0.0.0.0:3261");
	/* the same portal serves another target, but not another TPG of the same target */
	MK("target/iscsi/iqn.2024-01.org.example:t2/tpgt_1/np/127.0.0.1:3260");
	ERR(cfs_mkdir(&f->c, T "/tpgt_2/np/127.0.0.1:3260"), EINVAL);
	ERR(cfs_mkdir(&f->c, TPG "/np/127.0.0.1:0xcbc"), EINVAL); /* same portal, other spelling */
	expect_children(f, TPG "/np/127.0.0.1:3260", "cxgbit iser ");
	ERR(cfs_write(&f->c, TPG "/np/127.0.0.1:3260/iser", "1"), EINVAL);
}

/* ------------------------------------------------------------------ rmdir */
static void test_rmdir_default_groups_and_files(void **state)
{
	struct fx *f = *state;
	mk_tpg(f, T);
	MK(HBA);
	MK(SO);
	ERR(cfs_rmdir(&f->c, TPG "/attrib"), EPERM);
	ERR(cfs_rmdir(&f->c, SO "/wwn"), EPERM);
	ERR(cfs_rmdir(&f->c, "target/core"), EPERM);
	ERR(cfs_rmdir(&f->c, "target"), EPERM);
	ERR(cfs_rmdir(&f->c, TPG "/enable"), ENOTDIR);
	ERR(cfs_rmdir(&f->c, TPG "/lun/lun_9"), ENOENT);
	ERR(cfs_rmdir(&f->c, HBA), ENOTEMPTY); /* an HBA with a storage object */
	OK(cfs_rmdir(&f->c, SO));
	OK(cfs_rmdir(&f->c, HBA));
	assert_int_equal(exists(f, HBA), 0);
}

/* configfs-errors.log: the refusals of a teardown in the wrong order. */
static void test_rmdir_busy_and_not_empty(void **state)
{
	struct fx *f = *state;
	mk_export(f);
	ERR(cfs_rmdir(&f->c, ACL), ENOTEMPTY); /* ACL with mapped LUNs */
	ERR(cfs_rmdir(&f->c, LUN), EBUSY);     /* a mapped LUN links to it */
	ERR(cfs_rmdir(&f->c, TPG), ENOTEMPTY);
	ERR(cfs_rmdir(&f->c, SO), EBUSY);      /* linked from a LUN */
	ERR(cfs_rmdir(&f->c, T), ENOTEMPTY);
	ERR(cfs_rmdir(&f->c, "target/iscsi"), ENOTEMPTY);
	ERR(cfs_rmdir(&f->c, MLUN), ENOTEMPTY); /* still holds its link */
	OK(cfs_unlink(&f->c, MLUN "/m"));
	OK(cfs_rmdir(&f->c, MLUN));
	ERR(cfs_rmdir(&f->c, LUN), ENOTEMPTY); /* only its own link left: a child, not a reference */
	OK(cfs_unlink(&f->c, LUN "/lnk"));
	OK(cfs_rmdir(&f->c, LUN));
	OK(cfs_rmdir(&f->c, SO));
}

/* ------------------------------------------------------------------ storage object */
static void test_so_control_enable(void **state)
{
	struct fx *f = *state;
	char v[PATH_MAX + 64];
	MK(HBA);
	MK(SO);
	assert_string_equal(rd(f, SO "/enable"), "0");
	ERR(cfs_write(&f->c, SO "/enable", "1"), EINVAL); /* enable before control */
	W(SO "/control", "udev_path=/dev/nonexistent-sim");
	ERR(cfs_write(&f->c, SO "/enable", "1"), ENOENT);
	snprintf(v, sizeof(v), "udev_path=%s", f->notblk);
	W(SO "/control", v);
	ERR(cfs_write(&f->c, SO "/enable", "1"), ENOTBLK);
	snprintf(v, sizeof(v), "udev_path=%s,readonly=0", f->dev[0]);
	W(SO "/control", v);
	ERR(cfs_write(&f->c, SO "/enable", "0"), EINVAL); /* only "1" */
	W(SO "/enable", "1");
	assert_string_equal(rd(f, SO "/enable"), "1");
	ERR(cfs_write(&f->c, SO "/enable", "1"), EEXIST);
	ERR(cfs_write(&f->c, SO "/control", v), EEXIST); /* udev_path= after enable */
	ERR(cfs_write(&f->c, SO "/control", "readonly=x"), EINVAL);
	/* control is shown in info, not in udev_path; control itself is write-only */
	assert_string_equal(rd(f, SO "/udev_path"), "");
	assert_non_null(strstr(rd(f, SO "/info"), "UDEV PATH: "));
	assert_non_null(strstr(rbuf, f->dev[0]));
	assert_non_null(strstr(rbuf, "CLAIMED: IBLOCK"));
	ERR(cfs_read(&f->c, SO "/control", rbuf, sizeof(rbuf)), EACCES);
	ERR(cfs_write(&f->c, SO "/info", "x"), EACCES);
	W(SO "/udev_path", f->dev[0]);
	assert_string_equal(rd(f, SO "/udev_path"), f->dev[0]);
	memset(v, '/', 512); /* SE_UDEV_PATH_LEN - 1 is the most */
	v[512] = '\0';
	ERR(cfs_write(&f->c, SO "/udev_path", v), EINVAL);
	/* iblock opens exclusively: one storage object per device, in any HBA */
	mk_so(f, "target/core/iblock_1", "target/core/iblock_1/y", f->dev[1]);
	MK("target/core/iblock_1/z");
	snprintf(v, sizeof(v), "udev_path=%s", f->dev[0]);
	W("target/core/iblock_1/z/control", v);
	ERR(cfs_write(&f->c, "target/core/iblock_1/z/enable", "1"), EBUSY);
	OK(cfs_rmdir(&f->c, SO)); /* the device is free again */
	W("target/core/iblock_1/z/enable", "1");
}

static void test_so_vpd_unit_serial(void **state)
{
	struct fx *f = *state;
	char big[300];
	mk_so(f, HBA, SO, f->dev[0]);
	W(SO "/wwn/vpd_unit_serial", "6b8f1c2e-0d7a-4c55-9a51-3f0e2b9c1d44");
	assert_string_equal(rd(f, SO "/wwn/vpd_unit_serial"),
			    "T10 VPD Unit Serial Number: 6b8f1c2e-0d7a-4c55-9a51-3f0e2b9c1d44");
	memset(big, 's', 254);
	big[254] = '\0';
	ERR(cfs_write(&f->c, SO "/wwn/vpd_unit_serial", big), EOVERFLOW);
	big[253] = '\0';
	W(SO "/wwn/vpd_unit_serial", big);
	mk_tpg(f, T);
	MK(LUN);
	LN(SO, LUN "/lnk");
	ERR(cfs_write(&f->c, SO "/wwn/vpd_unit_serial", "other"), EINVAL); /* exported */
	ERR(cfs_write(&f->c, SO "/wwn/vendor_id", "OTHER"), EINVAL);
	assert_non_null(strstr(rd(f, SO "/info"), "Status: ACTIVATED"));
	OK(cfs_unlink(&f->c, LUN "/lnk"));
	W(SO "/wwn/vpd_unit_serial", "other");
	assert_non_null(strstr(rd(f, SO "/info"), "Status: DEACTIVATED"));
	ERR(cfs_write(&f->c, SO "/wwn/vendor_id", "TOOLONGVENDOR"), EOVERFLOW);
}

/* ------------------------------------------------------------------ TPG */
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

/* ------------------------------------------------------------------ ACL */
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

/* ------------------------------------------------------------------ links */
static void test_symlink_lun(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX], text[PATH_MAX];
	mk_tpg(f, T);
	MK(LUN);
	MK(HBA);
	MK(SO);
	ERR(cfs_read(&f->c, LUN "/alua_tg_pt_gp", rbuf, sizeof(rbuf)), ENODEV);
	ERR(cfs_symlink(&f->c, SO, LUN "/lnk"), ENODEV);         /* not enabled */
	ERR(cfs_symlink(&f->c, HBA "/nope", LUN "/lnk"), ENOENT); /* no target */
	ERR(cfs_symlink(&f->c, HBA, LUN "/lnk"), EFAULT);         /* not a storage object */
	ERR(cfs_symlink(&f->c, SO "/enable", LUN "/lnk"), ENOTDIR);
	OK(cfs_rmdir(&f->c, SO));
	mk_so(f, HBA, SO, f->dev[0]);
	LN(SO, LUN "/lnk");
	ERR(cfs_symlink(&f->c, SO, LUN "/other"), EEXIST); /* the LUN has its device */
	ERR(cfs_symlink(&f->c, SO, LUN "/lnk"), EEXIST);
	ERR(cfs_symlink(&f->c, SO, TPG "/lnk"), EPERM);   /* no allow_link there */
	ERR(cfs_symlink(&f->c, SO, LUN "/statistics/lnk"), EPERM);
	/* the kernel's link text is relative to the link's directory */
	snprintf(path, sizeof(path), "%s/%s/lnk", f->root, LUN);
	ssize_t n = readlink(path, text, sizeof(text) - 1);
	assert_true(n > 0);
	text[n] = '\0';
	assert_string_equal(text, "../../../../../../target/core/iblock_0/x");
	assert_string_equal(rd(f, LUN "/alua_tg_pt_offline"), "0");
	/* the same storage object in a second target's LUN */
	mk_tpg(f, "target/iscsi/iqn.2024-01.org.example:t2");
	MK("target/iscsi/iqn.2024-01.org.example:t2/tpgt_1/lun/lun_3");
	LN(SO, "target/iscsi/iqn.2024-01.org.example:t2/tpgt_1/lun/lun_3/l");
}

static void test_symlink_mapped_lun(void **state)
{
	struct fx *f = *state;
	mk_export(f);
	MK(T "/tpgt_2");
	MK(T "/tpgt_2/lun/lun_0");
	LN(SO, T "/tpgt_2/lun/lun_0/l");
	MK(ACL "/lun_6");
	ERR(cfs_symlink(&f->c, T "/tpgt_2/lun/lun_0", ACL "/lun_6/m"), EINVAL); /* other TPG */
	MK(TPG "/lun/lun_1");
	ERR(cfs_symlink(&f->c, TPG "/lun/lun_1", ACL "/lun_6/m"), EINVAL); /* LUN without device */
	ERR(cfs_symlink(&f->c, SO, ACL "/lun_6/m"), EFAULT);                /* not a LUN */
	ERR(cfs_symlink(&f->c, LUN, MLUN "/again"), EINVAL);                /* already mapped */
	MK(ACL "/lun_0x5");
	ERR(cfs_symlink(&f->c, LUN, ACL "/lun_0x5/m"), EINVAL); /* mapped LUN 5 is taken */
	LN(LUN, ACL "/lun_6/m"); /* a second mapped LUN for the same LUN is fine */
	ERR(cfs_symlink(&f->c, LUN, ACL "/m"), EPERM);
}

static void test_unlink(void **state)
{
	struct fx *f = *state;
	mk_export(f);
	ERR(cfs_unlink(&f->c, LUN "/alua_tg_pt_gp"), EPERM);
	ERR(cfs_unlink(&f->c, TPG "/enable"), EPERM);
	ERR(cfs_unlink(&f->c, LUN "/statistics"), EISDIR);
	ERR(cfs_unlink(&f->c, LUN "/nope"), ENOENT);
	OK(cfs_unlink(&f->c, MLUN "/m"));
	ERR(cfs_unlink(&f->c, MLUN "/m"), ENOENT);
}

static void test_write_natural_errors(void **state)
{
	struct fx *f = *state;
	mk_tpg(f, T);
	ERR(cfs_write(&f->c, TPG "/attrib", "1"), EISDIR);
	ERR(cfs_write(&f->c, TPG "/nope", "1"), ENOENT);
	ERR(cfs_write(&f->c, "target/version", "x"), EACCES);
	W("target/dbroot", "/var/target");
	assert_string_equal(rd(f, "target/dbroot"), "/var/target");
	W(TPG "/param/TargetAlias", "alias\n"); /* param strips one trailing space character */
	assert_string_equal(rd(f, TPG "/param/TargetAlias"), "alias");
	ERR(cfs_write(&f->c, TPG "/", "1"), EISDIR); /* a trailing '/' is normalised away */
	MK(TPG "/lun/lun_7/");
	assert_int_equal(exists(f, TPG "/lun/lun_7/statistics"), 1);
}

/* ------------------------------------------------------------------ scenarios */
static void test_full_export_and_teardown(void **state)
{
	struct fx *f = *state;
	char *before = dump(f);
	sim_stats_reset();
	mk_export(f);
	struct sim_stats s = sim_stats();
	assert_int_equal(s.symlink, 2);
	assert_int_equal(s.rmdir, 0);
	/* teardown in the kernel's order (REFERENCE.md) */
	OK(cfs_unlink(&f->c, MLUN "/m"));
	OK(cfs_rmdir(&f->c, MLUN));
	OK(cfs_rmdir(&f->c, ACL));
	W(TPG "/enable", "0");
	OK(cfs_rmdir(&f->c, TPG "/np/127.0.0.1:3260"));
	OK(cfs_unlink(&f->c, LUN "/lnk"));
	OK(cfs_rmdir(&f->c, LUN));
	OK(cfs_rmdir(&f->c, TPG));
	OK(cfs_rmdir(&f->c, T));
	OK(cfs_rmdir(&f->c, "target/iscsi"));
	OK(cfs_rmdir(&f->c, SO));
	OK(cfs_rmdir(&f->c, HBA));
	char *after = dump(f);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* No state in memory: a second struct cfs (as after a restart) sees the same kernel. */
static void test_restart_same_rules(void **state)
{
	struct fx *f = *state;
	struct cfs c2;
	char v[PATH_MAX + 64];
	mk_export(f);
	cfs_close(&f->c);
	OK(cfs_open(&c2, f->root));
	ERR(cfs_rmdir(&c2, SO), EBUSY);
	ERR(cfs_rmdir(&c2, LUN), EBUSY);
	ERR(cfs_rmdir(&c2, ACL), ENOTEMPTY);
	ERR(cfs_write(&c2, SO "/enable", "1"), EEXIST);
	ERR(cfs_symlink(&c2, SO, LUN "/again"), EEXIST);
	ERR(cfs_write(&c2, SO "/wwn/vpd_unit_serial", "x"), EINVAL);
	OK(cfs_write(&c2, TPG "/enable", "1"));
	OK(cfs_mkdir(&c2, "target/core/iblock_1"));
	OK(cfs_mkdir(&c2, "target/core/iblock_1/y"));
	snprintf(v, sizeof(v), "udev_path=%s", f->dev[0]);
	OK(cfs_write(&c2, "target/core/iblock_1/y/control", v));
	ERR(cfs_write(&c2, "target/core/iblock_1/y/enable", "1"), EBUSY);
	cfs_close(&c2);
	OK(cfs_open(&f->c, f->root));
}

static void test_fault_injection(void **state)
{
	struct fx *f = *state;
	mk_tpg(f, T);
	sim_fail("mkdir", "lun_0", EIO, 1);
	ERR(cfs_mkdir(&f->c, LUN), EIO);
	assert_int_equal(exists(f, LUN), 0); /* changed nothing */
	MK(LUN);
	sim_fail("write", "tpgt_1/enable", EBUSY, 2);
	W(TPG "/enable", "1");
	ERR(cfs_write(&f->c, TPG "/enable", "0"), EBUSY);
	assert_string_equal(rd(f, TPG "/enable"), "1");
	W(TPG "/enable", "0");
	sim_fail("read", "", ENOMEM, 1);
	sim_fail_clear();
	rd(f, TPG "/enable");
	/* the environment syntax: the substring may hold ':' */
	OK(sim_fail_spec("write:" IQN "/tpgt_1/enable:EIO:2;rmdir:lun_0:16"));
	W(TPG "/enable", "1");
	ERR(cfs_write(&f->c, TPG "/enable", "0"), EIO);
	ERR(cfs_rmdir(&f->c, LUN), EBUSY);
	ERR(sim_fail_spec("bogus:x:EIO"), EINVAL);
	ERR(sim_fail_spec("mkdir:x:NOTANERRNO"), EINVAL);
	ERR(sim_fail_spec("mkdir:EIO"), EINVAL);
}

/* ATTACHD_SIM_FAIL is read by a freshly started process (as build/attachd-sim would be). */
static int env_child(const char *root)
{
	struct cfs c;
	if (cfs_open(&c, root))
		return 100;
	int rc = cfs_mkdir(&c, "target/iscsi");
	cfs_close(&c);
	return rc == -ENOSPC ? 0 : 101;
}

static void test_fault_from_environment(void **state)
{
	struct fx *f = *state;
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("ATTACHD_SIM_FAIL", "mkdir:target/iscsi:ENOSPC", 1);
		execl(self, self, "--sim-env-child", f->root, (char *)NULL);
		_exit(102);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(exists(f, "target/iscsi"), 0);
}

static void test_stats(void **state)
{
	struct fx *f = *state;
	sim_stats_reset();
	MK("target/iscsi");
	MK(T);
	W("target/dbroot", "/etc/target");
	rd(f, "target/dbroot");
	ERR(cfs_rmdir(&f->c, "target/core"), EPERM);
	struct sim_stats s = sim_stats();
	assert_int_equal(s.mkdir, 2);
	assert_int_equal(s.write, 1);
	assert_int_equal(s.read, 1);
	assert_int_equal(s.rmdir, 1);
	assert_int_equal(s.symlink + s.unlink, 0);
}

static void test_dump_format(void **state)
{
	struct fx *f = *state;
	mk_export(f);
	char *d = dump(f);
	assert_non_null(strstr(d, "L " LUN "/lnk -> " SO "\n"));
	assert_non_null(strstr(d, "L " MLUN "/m -> " LUN "\n"));
	assert_non_null(strstr(d, "D " ACL "\n"));
	assert_non_null(strstr(d, "F " ACL "/auth/userid\n"));
	/* sorted by path, byte order */
	char prev[PATH_MAX] = "";
	for (char *line = strtok(d, "\n"); line; line = strtok(NULL, "\n")) {
		char path[PATH_MAX];
		assert_true(line[0] == 'D' || line[0] == 'F' || line[0] == 'L');
		snprintf(path, sizeof(path), "%s", line + 2);
		char *arrow = strstr(path, " -> ");
		if (arrow)
			*arrow = '\0';
		assert_true(strcmp(prev, path) < 0);
		snprintf(prev, sizeof(prev), "%s", path);
	}
	free(d);
	static const char *const missing[] = { "nvmet", NULL };
	ERR(sim_dump(f->root, missing, stdout), ENOENT);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--sim-env-child"))
		return env_child(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_setup_base_tree, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_hba_names, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_needs_parent, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_where_not_allowed, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_layout_matches_capture, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_612_differences, setup612, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_iscsi_names, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_portals, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_rmdir_default_groups_and_files, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_rmdir_busy_and_not_empty, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_so_control_enable, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_so_vpd_unit_serial, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_tpg_enable, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_tpg_attrib_ranges, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_acl_auth, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_mapped_lun_write_protect, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_lun, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_mapped_lun, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_unlink, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_write_natural_errors, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_full_export_and_teardown, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_restart_same_rules, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_fault_injection, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_fault_from_environment, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup61, teardown),
		cmocka_unit_test_setup_teardown(test_dump_format, setup612, teardown),
	};
	return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
