/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_tmpl.c: the kernel's default groups and attributes, as data. Each user object (what mkdir
 * makes) has a template: its attribute files with what show() prints before any write, and its
 * default groups with their own templates. Names come from the captures of Debian's kernels
 * (docs/KERNEL.md, 'Layouts'; tests/sim/golden/) where they list them, otherwise from the kernel
 * source: target_core_configfs.c, target_core_fabric_configfs.c, target_core_stat.c,
 * iscsi/iscsi_target_configfs.c and iscsi/iscsi_target_stat.c. SIM_F_K61 / SIM_F_K612 mark what differs between the two kernels.
 */
#include "tests/sim/sim_internal.h"

#include <errno.h>
#include <string.h>

#define F(n, i) { n, 0, i, NULL }
#define FRO(n, i) { n, SIM_F_RO, i, NULL }
#define FX(n, fl, i) { n, (fl), i, NULL }
#define D(n, t) { n, SIM_F_DIR, NULL, &(t) }
#define END { NULL, 0, NULL, NULL }

/* A group without make_group and without attributes (statistics subgroups carry RO files). */
#define GROUP(var, ents_, err) static const struct sim_tmpl var = { ents_, SIM_K_NONE, err, SIM_L_NONE }

static const struct sim_ent sim_none_ents[] = { END };
GROUP(sim_t_empty, sim_none_ents, EPERM);

/* ------------------------------------------------------------------ target, core, ALUA */
static const struct sim_ent sim_lu_gp_ents[] = {
	F("lu_gp_id", "0\n"), FRO("members", ""), END,
};
GROUP(sim_t_lu_gp, sim_lu_gp_ents, EPERM);
static const struct sim_ent sim_lu_gps_ents[] = { D("default_lu_gp", sim_t_lu_gp), END };
/* core/alua/lu_gps has make_group in the kernel; creating LU groups is not modelled */
static const struct sim_tmpl sim_t_lu_gps = { sim_lu_gps_ents, SIM_K_UNMODELLED, EPERM, SIM_L_NONE };
static const struct sim_ent sim_core_alua_ents[] = { D("lu_gps", sim_t_lu_gps), END };
GROUP(sim_t_core_alua, sim_core_alua_ents, EPERM);
static const struct sim_ent sim_core_ents[] = { D("alua", sim_t_core_alua), END };
static const struct sim_tmpl sim_t_core = { sim_core_ents, SIM_K_HBA, 0, SIM_L_NONE };

static const struct sim_ent sim_target_ents[] = {
	FRO("version", "@VERSION@\n"), F("dbroot", "/etc/target\n"), D("core", sim_t_core), END,
};
const struct sim_tmpl sim_tmpl_target = { sim_target_ents, SIM_K_FABRIC, 0, SIM_L_NONE };

static const struct sim_ent sim_root_ents[] = { D("nvmet", sim_tmpl_nvmet), D("target", sim_tmpl_target), END };
const struct sim_tmpl sim_tmpl_root = { sim_root_ents, SIM_K_NONE, EPERM, SIM_L_NONE };

/* ------------------------------------------------------------------ HBA and storage object */
static const struct sim_ent sim_hba_ents[] = {
	FRO("hba_info", "@NAME@\n"), F("hba_mode", "0\n"), END,
};
static const struct sim_tmpl sim_t_hba = { sim_hba_ents, SIM_K_SO, 0, SIM_L_NONE };

static const struct sim_ent sim_so_attrib_ents[] = {
	F("alua_support", "1\n"), F("block_size", "512\n"), F("emulate_3pc", "1\n"),
	F("emulate_caw", "1\n"), F("emulate_dpo", "1\n"), F("emulate_fua_read", "1\n"),
	F("emulate_fua_write", "1\n"), F("emulate_model_alias", "1\n"), F("emulate_pr", "1\n"),
	F("emulate_rest_reord", "0\n"), FX("emulate_rsoc", SIM_F_K612, "1\n"),
	F("emulate_tas", "1\n"), F("emulate_tpu", "0\n"), F("emulate_tpws", "0\n"),
	F("emulate_ua_intlck_ctrl", "0\n"), F("emulate_write_cache", "0\n"),
	F("enforce_pr_isids", "1\n"), F("force_pr_aptpl", "0\n"), FRO("hw_block_size", "512\n"),
	FRO("hw_max_sectors", "0\n"), FRO("hw_pi_prot_type", "0\n"), FRO("hw_queue_depth", "0\n"),
	F("is_nonrot", "0\n"), F("max_unmap_block_desc_count", "0\n"),
	F("max_unmap_lba_count", "0\n"), F("max_write_same_len", "65535\n"),
	F("optimal_sectors", "0\n"), F("pgr_support", "1\n"), F("pi_prot_format", "0\n"),
	F("pi_prot_type", "0\n"), F("pi_prot_verify", "0\n"), F("queue_depth", "0\n"),
	FX("submit_type", SIM_F_K612, "0\n"),
	F("unmap_granularity", "0\n"), F("unmap_granularity_alignment", "0\n"),
	F("unmap_zeroes_data", "0\n"), END,
};
GROUP(sim_t_so_attrib, sim_so_attrib_ents, EPERM);

static const struct sim_ent sim_so_wwn_ents[] = {
	F("company_id", "0x001405\n"), F("product_id", "IBLOCK\n"), F("revision", "4.0\n"),
	F("vendor_id", "LIO-ORG\n"), FRO("vpd_assoc_logical_unit", ""),
	FRO("vpd_assoc_scsi_target_device", ""), FRO("vpd_assoc_target_port", ""),
	FRO("vpd_protocol_identifier", ""), F("vpd_unit_serial", "T10 VPD Unit Serial Number: \n"),
	END,
};
GROUP(sim_t_so_wwn, sim_so_wwn_ents, EPERM);

#define NOPR "No SPC-3 Reservation holder\n"
static const struct sim_ent sim_so_pr_ents[] = {
	FRO("res_aptpl_active", "APTPL Bit Status: Disabled\n"),
	F("res_aptpl_metadata", "Ready to process PR APTPL metadata..\n"), FRO("res_holder", NOPR),
	FRO("res_pr_all_tgt_pts", NOPR), FRO("res_pr_generation", "0x00000000\n"),
	FRO("res_pr_holder_tg_port", NOPR),
	FRO("res_pr_registered_i_pts", "SPC-3 PR Registrations:\nNone\n"),
	FRO("res_pr_type", NOPR), FRO("res_type", "SPC3_PERSISTENT_RESERVATIONS\n"), END,
};
GROUP(sim_t_so_pr, sim_so_pr_ents, EPERM);

static const struct sim_ent sim_tg_pt_gp_ents[] = {
	F("alua_access_state", "0\n"), F("alua_access_status", "None\n"),
	F("alua_access_type", "Implicit and Explicit\n"),
	F("alua_support_active_nonoptimized", "1\n"), F("alua_support_active_optimized", "1\n"),
	F("alua_support_lba_dependent", "0\n"), F("alua_support_offline", "1\n"),
	F("alua_support_standby", "1\n"), F("alua_support_transitioning", "1\n"),
	F("alua_support_unavailable", "1\n"), F("alua_write_metadata", "0\n"),
	F("implicit_trans_secs", "0\n"), FRO("members", ""), F("nonop_delay_msecs", "100\n"),
	F("preferred", "0\n"), F("tg_pt_gp_id", "0\n"), F("trans_delay_msecs", "0\n"), END,
};
GROUP(sim_t_tg_pt_gp, sim_tg_pt_gp_ents, EPERM);
static const struct sim_ent sim_so_alua_ents[] = { D("default_tg_pt_gp", sim_t_tg_pt_gp), END };
/* the storage object's alua/ has make_group (target port groups): not modelled */
static const struct sim_tmpl sim_t_so_alua = { sim_so_alua_ents, SIM_K_UNMODELLED, EPERM, SIM_L_NONE };

static const struct sim_ent sim_scsi_dev_ents[] = {
	FRO("indx", "0\n"), FRO("inst", "0\n"), FRO("ports", "0\n"), FRO("role", "Target\n"), END,
};
GROUP(sim_t_scsi_dev, sim_scsi_dev_ents, EPERM);
static const struct sim_ent sim_scsi_tgt_dev_ents[] = {
	FRO("aborts_complete", "0\n"), FRO("aborts_no_task", "0\n"), FRO("indx", "0\n"),
	FRO("inst", "0\n"), FRO("non_access_lus", "1\n"), FRO("num_lus", "1\n"),
	FRO("resets", "0\n"), FRO("status", "deactivated"), END,
};
GROUP(sim_t_scsi_tgt_dev, sim_scsi_tgt_dev_ents, EPERM);
static const struct sim_ent sim_scsi_lu_ents[] = {
	FRO("creation_time", "0\n"), FRO("dev", "0\n"), FRO("dev_type", "0\n"),
	FRO("full_stat", "0\n"), FRO("hs_num_cmds", "0\n"), FRO("indx", "1\n"), FRO("inst", "0\n"),
	FRO("lu_name", "None\n"), FRO("lun", "0\n"), FRO("num_cmds", "0\n"),
	FRO("prod", "IBLOCK\n"), FRO("read_mbytes", "0\n"), FRO("resets", "0\n"),
	FRO("rev", "4.0\n"), FRO("state_bit", "exposed\n"), FRO("status", "notavailable\n"),
	FRO("vend", "LIO-ORG\n"), FRO("write_mbytes", "0\n"), END,
};
GROUP(sim_t_scsi_lu, sim_scsi_lu_ents, EPERM);
static const struct sim_ent sim_so_stat_ents[] = {
	D("scsi_dev", sim_t_scsi_dev), D("scsi_lu", sim_t_scsi_lu),
	D("scsi_tgt_dev", sim_t_scsi_tgt_dev), END,
};
/* statistics groups answer mkdir with ENOSYS (target_core_stat_mkdir and friends) */
GROUP(sim_t_so_stat, sim_so_stat_ents, ENOSYS);

static const struct sim_ent sim_so_ents[] = {
	D("action", sim_t_empty), F("alias", ""), D("alua", sim_t_so_alua),
	F("alua_lu_gp", "LU Group Alias: default_lu_gp\nLU Group ID: 0\n"),
	D("attrib", sim_t_so_attrib), FX("control", SIM_F_WO, ""), F("enable", "0\n"),
	FRO("info", ""), F("lba_map", ""), D("pr", sim_t_so_pr), D("statistics", sim_t_so_stat),
	F("udev_path", ""), D("wwn", sim_t_so_wwn), END,
};
static const struct sim_tmpl sim_t_so = { sim_so_ents, SIM_K_NONE, EPERM, SIM_L_NONE };

/* ------------------------------------------------------------------ iSCSI fabric and target */
static const struct sim_ent sim_disc_ents[] = {
	FRO("authenticate_target", "0\n"), F("enforce_discovery_auth", "0\n"), F("password", "\n"),
	F("password_mutual", "\n"), F("userid", "\n"), F("userid_mutual", "\n"), END,
};
GROUP(sim_t_disc, sim_disc_ents, EPERM);
/* cpus_allowed_list: the capture of Debian's 6.1 (tests/sim/golden/capture-6.1.txt) has it, so it is
 * on both kernels (the patch is from 2022, merged before 6.1) */
static const struct sim_ent sim_fabric_ents[] = {
	F("cpus_allowed_list", "@CPUS@\n"), D("discovery_auth", sim_t_disc),
	FRO("lio_version", "Datera Inc. iSCSI Target v4.1.0\n"), END,
};
static const struct sim_tmpl sim_t_fabric = { sim_fabric_ents, SIM_K_WWN, 0, SIM_L_NONE };

static const struct sim_ent sim_st_instance_ents[] = {
	FRO("description", "iSCSI\n"), FRO("disc_time", "0\n"), FRO("fail_rem_name", "None\n"),
	FRO("fail_sess", "0\n"), FRO("fail_type", "0\n"), FRO("inst", "0\n"),
	FRO("max_ver", "0\n"), FRO("min_ver", "0\n"), FRO("nodes", "1\n"), FRO("portals", "0\n"),
	FRO("sessions", "0\n"), FRO("vendor", "Datera, Inc. iSCSI-Target\n"),
	FRO("version", "v4.1.0\n"), END,
};
GROUP(sim_t_st_instance, sim_st_instance_ents, EPERM);
static const struct sim_ent sim_st_sess_err_ents[] = {
	FRO("cxn_errors", "0\n"), FRO("digest_errors", "0\n"), FRO("format_errors", "0\n"),
	FRO("inst", "0\n"), END,
};
GROUP(sim_t_st_sess_err, sim_st_sess_err_ents, EPERM);
static const struct sim_ent sim_st_tgt_attr_ents[] = {
	FRO("fail_intr_addr", "0.0.0.0\n"), FRO("fail_intr_addr_type", "ipv4\n"),
	FRO("fail_intr_name", "None\n"), FRO("indx", "1\n"), FRO("inst", "0\n"),
	FRO("last_fail_time", "0\n"), FRO("last_fail_type", "0\n"), FRO("login_fails", "0\n"),
	END,
};
GROUP(sim_t_st_tgt_attr, sim_st_tgt_attr_ents, EPERM);
static const struct sim_ent sim_st_login_ents[] = {
	FRO("accepts", "0\n"), FRO("authenticate_fails", "0\n"), FRO("authorize_fails", "0\n"),
	FRO("indx", "1\n"), FRO("inst", "0\n"), FRO("negotiate_fails", "0\n"),
	FRO("other_fails", "0\n"), FRO("redirects", "0\n"), END,
};
GROUP(sim_t_st_login, sim_st_login_ents, EPERM);
static const struct sim_ent sim_st_logout_ents[] = {
	FRO("abnormal_logouts", "0\n"), FRO("indx", "1\n"), FRO("inst", "0\n"),
	FRO("normal_logouts", "0\n"), END,
};
GROUP(sim_t_st_logout, sim_st_logout_ents, EPERM);
static const struct sim_ent sim_wwn_stat_ents[] = {
	D("iscsi_instance", sim_t_st_instance), D("iscsi_login_stats", sim_t_st_login),
	D("iscsi_logout_stats", sim_t_st_logout), D("iscsi_sess_err", sim_t_st_sess_err),
	D("iscsi_tgt_attr", sim_t_st_tgt_attr), END,
};
GROUP(sim_t_wwn_stat, sim_wwn_stat_ents, EPERM);
/* wwn param/ (cmd_completion_affinity) exists since 5.14; the submit_type pair since 6.11 (seen in the
 * 6.12 capture of tests/vm) */
static const struct sim_ent sim_wwn_param_ents[] = {
	F("cmd_completion_affinity", "-1\n"), FX("default_submit_type", SIM_F_K612, "0\n"),
	FX("direct_submit_supported", SIM_F_K612, "1\n"), END,
};
GROUP(sim_t_wwn_param, sim_wwn_param_ents, EPERM);
static const struct sim_ent sim_wwn_ents[] = {
	D("fabric_statistics", sim_t_wwn_stat), D("param", sim_t_wwn_param), END,
};
static const struct sim_tmpl sim_t_wwn = { sim_wwn_ents, SIM_K_TPG, 0, SIM_L_NONE };

/* ------------------------------------------------------------------ TPG */
/* defaults: iscsit_set_default_tpg_attribs() with the TA_* values of iscsi_target_core.h */
static const struct sim_ent sim_tpg_attrib_ents[] = {
	F("authentication", "1\n"), F("cache_dynamic_acls", "0\n"),
	F("default_cmdsn_depth", "64\n"), F("default_erl", "0\n"),
	F("demo_mode_discovery", "1\n"), F("demo_mode_write_protect", "1\n"),
	F("fabric_prot_type", "0\n"), F("generate_node_acls", "0\n"),
	F("login_keys_workaround", "1\n"), F("login_timeout", "15\n"),
	FX("netif_timeout", SIM_F_K61, "2\n"), F("prod_mode_write_protect", "0\n"),
	F("t10_pi", "0\n"), F("tpg_enabled_sendtargets", "1\n"), END,
};
GROUP(sim_t_tpg_attrib, sim_tpg_attrib_ents, EPERM);
/* INITIAL_* of iscsi_target_parameters.h */
static const struct sim_ent sim_tpg_param_ents[] = {
	F("AuthMethod", "CHAP\n"), F("DataDigest", "CRC32C,None\n"), F("DataPDUInOrder", "Yes\n"),
	F("DataSequenceInOrder", "Yes\n"), F("DefaultTime2Retain", "20\n"),
	F("DefaultTime2Wait", "2\n"), F("ErrorRecoveryLevel", "0\n"),
	F("FirstBurstLength", "65536\n"), F("HeaderDigest", "CRC32C,None\n"),
	F("IFMarkInt", "Reject\n"), F("IFMarker", "No\n"), F("ImmediateData", "Yes\n"),
	F("InitialR2T", "Yes\n"), F("MaxBurstLength", "262144\n"), F("MaxConnections", "1\n"),
	F("MaxOutstandingR2T", "1\n"), F("MaxRecvDataSegmentLength", "8192\n"),
	F("MaxXmitDataSegmentLength", "262144\n"), F("OFMarkInt", "Reject\n"),
	F("OFMarker", "No\n"), F("TargetAlias", "LIO Target\n"), END,
};
GROUP(sim_t_tpg_param, sim_tpg_param_ents, EPERM);
static const struct sim_ent sim_auth_ents[] = {
	FRO("authenticate_target", "0\n"), F("password", "\n"), F("password_mutual", "\n"),
	F("userid", "\n"), F("userid_mutual", "\n"), END,
};
GROUP(sim_t_auth, sim_auth_ents, EPERM);
static const struct sim_tmpl sim_t_acls = { sim_none_ents, SIM_K_ACL, 0, SIM_L_NONE };
static const struct sim_tmpl sim_t_luns = { sim_none_ents, SIM_K_LUN, 0, SIM_L_NONE };
static const struct sim_tmpl sim_t_nps = { sim_none_ents, SIM_K_NP, 0, SIM_L_NONE };
static const struct sim_ent sim_tpg_ents[] = {
	D("acls", sim_t_acls), D("attrib", sim_t_tpg_attrib), D("auth", sim_t_auth),
	FRO("dynamic_sessions", ""), F("enable", "0\n"), D("lun", sim_t_luns), D("np", sim_t_nps),
	D("param", sim_t_tpg_param), FX("rtpi", SIM_F_K612, "0x1\n"), END,
};
static const struct sim_tmpl sim_t_tpg = { sim_tpg_ents, SIM_K_NONE, EPERM, SIM_L_NONE };

/* ------------------------------------------------------------------ LUN, portal */
#define LS(n, i) FX(n, SIM_F_RO | SIM_F_LUNDEV, i)
static const struct sim_ent sim_scsi_port_ents[] = {
	LS("busy_count", "0\n"), LS("dev", "0\n"), LS("indx", "0\n"), LS("inst", "0\n"),
	LS("role", "Device0\n"), END,
};
GROUP(sim_t_scsi_port, sim_scsi_port_ents, EPERM);
static const struct sim_ent sim_scsi_tgt_port_ents[] = {
	LS("dev", "0\n"), LS("hs_in_cmds", "0\n"), LS("in_cmds", "0\n"), LS("indx", "0\n"),
	LS("inst", "0\n"), LS("name", "iSCSIPort#0\n"), LS("port_index", "\n"),
	LS("read_mbytes", "0\n"), LS("write_mbytes", "0\n"), END,
};
GROUP(sim_t_scsi_tgt_port, sim_scsi_tgt_port_ents, EPERM);
static const struct sim_ent sim_scsi_transport_ents[] = {
	LS("dev_name", "\n"), LS("device", "scsiTransportiSCSI\n"), LS("indx", "0\n"),
	LS("inst", "0\n"), LS("proto_id", "5\n"), END,
};
GROUP(sim_t_scsi_transport, sim_scsi_transport_ents, EPERM);
static const struct sim_ent sim_lun_stat_ents[] = {
	D("scsi_port", sim_t_scsi_port), D("scsi_tgt_port", sim_t_scsi_tgt_port),
	D("scsi_transport", sim_t_scsi_transport), END,
};
GROUP(sim_t_lun_stat, sim_lun_stat_ents, ENOSYS);
static const struct sim_ent sim_lun_ents[] = {
	FX("alua_tg_pt_gp", SIM_F_LUNDEV, "TG Port Alias: default_tg_pt_gp\n"),
	FX("alua_tg_pt_offline", SIM_F_LUNDEV, "0\n"),
	FX("alua_tg_pt_status", SIM_F_LUNDEV, "None\n"),
	FX("alua_tg_pt_write_md", SIM_F_LUNDEV, "0\n"), D("statistics", sim_t_lun_stat), END,
};
static const struct sim_tmpl sim_t_lun = { sim_lun_ents, SIM_K_NONE, EPERM, SIM_L_NONE };

static const struct sim_ent sim_np_ents[] = { F("cxgbit", "0\n"), F("iser", "0\n"), END };
static const struct sim_tmpl sim_t_np = { sim_np_ents, SIM_K_NONE, EPERM, SIM_L_NONE };

/* ------------------------------------------------------------------ ACL and mapped LUN */
/* defaults: NA_* of iscsi_target_core.h; authentication -1 is NA_AUTHENTICATION_INHERITED */
static const struct sim_ent sim_acl_attrib_ents[] = {
	F("authentication", "-1\n"), F("dataout_timeout", "3\n"),
	F("dataout_timeout_retries", "5\n"), F("default_erl", "0\n"),
	F("nopin_response_timeout", "30\n"), F("nopin_timeout", "15\n"),
	F("random_datain_pdu_offsets", "0\n"), F("random_datain_seq_offsets", "0\n"),
	F("random_r2t_offsets", "0\n"), END,
};
GROUP(sim_t_acl_attrib, sim_acl_attrib_ents, EPERM);
#define NOSESS "No Active iSCSI Session\n"
static const struct sim_ent sim_acl_param_ents[] = {
	FRO("DataPDUInOrder", NOSESS), FRO("DataSequenceInOrder", NOSESS),
	FRO("DefaultTime2Retain", NOSESS), FRO("DefaultTime2Wait", NOSESS),
	FRO("ErrorRecoveryLevel", NOSESS), FRO("FirstBurstLength", NOSESS),
	FRO("ImmediateData", NOSESS), FRO("InitialR2T", NOSESS), FRO("MaxBurstLength", NOSESS),
	FRO("MaxConnections", NOSESS), FRO("MaxOutstandingR2T", NOSESS), END,
};
GROUP(sim_t_acl_param, sim_acl_param_ents, EPERM);
static const struct sim_ent sim_sess_stats_ents[] = {
	FRO("cmd_pdus", ""), FRO("conn_digest_errors", ""), FRO("conn_timeout_errors", ""),
	FRO("indx", ""), FRO("inst", "0\n"), FRO("node", ""), FRO("rsp_pdus", ""),
	FRO("rxdata_octs", ""), FRO("txdata_octs", ""), END,
};
GROUP(sim_t_sess_stats, sim_sess_stats_ents, EPERM);
static const struct sim_ent sim_acl_stat_ents[] = { D("iscsi_sess_stats", sim_t_sess_stats), END };
GROUP(sim_t_acl_stat, sim_acl_stat_ents, EPERM);
static const struct sim_ent sim_acl_ents[] = {
	D("attrib", sim_t_acl_attrib), D("auth", sim_t_auth), F("cmdsn_depth", "64\n"),
	D("fabric_statistics", sim_t_acl_stat),
	FRO("info", "No active iSCSI Session for Initiator Endpoint: @NAME@\n"),
	D("param", sim_t_acl_param), F("tag", ""), END,
};
static const struct sim_tmpl sim_t_acl = { sim_acl_ents, SIM_K_MLUN, 0, SIM_L_NONE };

#define MS(n, fl, i) FX(n, SIM_F_RO | (fl), i)
static const struct sim_ent sim_auth_intr_ents[] = {
	MS("att_count", SIM_F_DEVE, "1\n"), MS("creation_time", SIM_F_DEVE, "0\n"),
	MS("dev", SIM_F_DEVE, "0\n"), MS("dev_or_port", SIM_F_DEVE, "1\n"),
	MS("hs_num_cmds", SIM_F_DEVE, "0\n"), MS("indx", SIM_F_DEVE, "0\n"),
	MS("inst", SIM_F_DEVE, "0\n"), MS("intr_name", SIM_F_DEVE, "\n"),
	MS("map_indx", SIM_F_DEVE, "0\n"), MS("num_cmds", SIM_F_DEVE, "0\n"),
	MS("port", SIM_F_DEVE, "0\n"), MS("read_mbytes", SIM_F_DEVE, "0\n"),
	MS("row_status", SIM_F_DEVE, "Ready\n"), MS("write_mbytes", SIM_F_DEVE, "0\n"), END,
};
GROUP(sim_t_auth_intr, sim_auth_intr_ents, EPERM);
static const struct sim_ent sim_att_intr_port_ents[] = {
	MS("dev", SIM_F_DEVE, "0\n"), MS("indx", SIM_F_SESS, ""), MS("inst", SIM_F_DEVE, "0\n"),
	MS("port", SIM_F_DEVE, "0\n"), MS("port_auth_indx", SIM_F_DEVE, "0\n"),
	MS("port_ident", SIM_F_SESS, ""), END,
};
GROUP(sim_t_att_intr_port, sim_att_intr_port_ents, EPERM);
static const struct sim_ent sim_mlun_stat_ents[] = {
	D("scsi_att_intr_port", sim_t_att_intr_port), D("scsi_auth_intr", sim_t_auth_intr), END,
};
GROUP(sim_t_mlun_stat, sim_mlun_stat_ents, ENOSYS);
/* write_protect shows nothing until the mapped LUN is linked (no se_dev_entry yet) */
static const struct sim_ent sim_mlun_ents[] = {
	D("statistics", sim_t_mlun_stat), F("write_protect", ""), END,
};
static const struct sim_tmpl sim_t_mlun = { sim_mlun_ents, SIM_K_NONE, EPERM, SIM_L_NONE };

const struct sim_tmpl *sim_kind_tmpl(enum sim_kind k)
{
	switch (k) {
	case SIM_K_HBA: return &sim_t_hba;
	case SIM_K_SO: return &sim_t_so;
	case SIM_K_FABRIC: return &sim_t_fabric;
	case SIM_K_WWN: return &sim_t_wwn;
	case SIM_K_TPG: return &sim_t_tpg;
	case SIM_K_LUN: return &sim_t_lun;
	case SIM_K_NP: return &sim_t_np;
	case SIM_K_ACL: return &sim_t_acl;
	case SIM_K_MLUN: return &sim_t_mlun;
	case SIM_K_NVMET_SUBSYS:
	case SIM_K_NVMET_NS:
	case SIM_K_NVMET_PORT:
	case SIM_K_NVMET_HOST:
		return sim_nvmet_kind_tmpl(k);
	case SIM_K_NONE:
	case SIM_K_UNMODELLED:
		return NULL;
	}
	return NULL;
}

int sim_ent_on(enum sim_kernel k, const struct sim_ent *e)
{
	if ((e->flags & SIM_F_K61) && k != SIM_KERNEL_6_1)
		return 0;
	if ((e->flags & SIM_F_K612) && k != SIM_KERNEL_6_12)
		return 0;
	return 1;
}

const struct sim_ent *sim_tmpl_find(enum sim_kernel k, const struct sim_tmpl *t, const char *name,
				    size_t len)
{
	for (const struct sim_ent *e = t->ents; e->name; e++)
		if (strlen(e->name) == len && !memcmp(e->name, name, len) && sim_ent_on(k, e))
			return e;
	return NULL;
}
