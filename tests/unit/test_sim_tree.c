/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sim_tree.c: the configfs simulator's tree (tests/sim/sim_tree.c, sim_tmpl.c, sim.c): the base tree
 * after module load, where mkdir may make what (HBA, iSCSI, TPG, LUN, ACL and portal names), the default
 * groups and attributes of each object against the kernel's layout, and the differences of kernel 6.12.
 * Every rule of the simulator has a test that fails without it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim_fx.h"
#include "unit_main.h"

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

/* The lists of the configfs layout captured on Debian 6.1 (docs/KERNEL.md), sorted. */
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

UNIT_MAIN("sim-tree", SIM_TEST(test_setup_base_tree), SIM_TEST(test_mkdir_hba_names), SIM_TEST(test_mkdir_needs_parent),
	  SIM_TEST(test_mkdir_where_not_allowed), SIM_TEST(test_layout_matches_capture),
	  SIM_TEST_612(test_kernel_612_differences), SIM_TEST(test_mkdir_iscsi_names), SIM_TEST(test_mkdir_portals))
