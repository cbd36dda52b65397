/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c: attachd's start and stop: options, logging, the store, the kernel interfaces, the socket.
 * Start order matters: nothing listens until the records and the kernel side are ready.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "discovery.h"
#include "dbroot.h"
#include "dmdev.h"
#include "hostlock.h"
#include "kernel.h"
#include "lio.h"
#include "options.h"
#include "reconcile.h"
#include "srv.h"

static void agent_dm_log(int prio, const char *msg)
{
	if (prio <= 3)
		log_error("device-mapper: %s", msg);
	else
		log_warn("device-mapper: %s", msg);
}

/* The kernel's side, once the lock is held: device-mapper, configfs, the iSCSI fabric. */
static int agent_kernel_open(struct agent *a)
{
	int rc = kernel_check_portals(&a->cfg);
	if (rc)
		return rc;
	/* also with --no-dm, which applies to new exports: older ones may sit on dm devices */
	dmdev_init(agent_dm_log);
	rc = cfs_open(&a->cfs, a->cfg.configfs_root);
	if (rc) {
		log_error("configfs root %s: %s", a->cfg.configfs_root, strerror(-rc));
		return rc;
	}
	rc = cfs_exists(&a->cfs, "target");
	if (rc <= 0) {
		log_error("%s/target is missing: load target_core_mod (or run without --no-kmod)", a->cfg.configfs_root);
		return rc ? rc : -ENOENT;
	}
	/* before any storage object of ours: the kernel takes a new dbroot only while there is none */
	rc = dbroot_setup(a);
	if (rc)
		return rc;
	rc = lio_fabric_ensure(&a->cfs);
	if (rc)
		log_error("cannot create %s/target/iscsi: %s (is iscsi_target_mod loaded?)", a->cfg.configfs_root,
			  strerror(-rc));
	return rc;
}

/* Before the socket accepts calls, the kernel is made to match the records (after a reboot: rebuilt).
 * What cannot be fixed is logged; the agent still serves the rest. Objects of attachd's form that this
 * database did not make are never removed here: with a database made at this start (lost, or on a file
 * system not mounted yet) they are every live export. */
static void agent_reconcile(struct agent *a)
{
	struct recon_report r;
	struct recon_opts o = { 0 };
	int rc = reconcile(a, &o, &r);
	for (size_t i = 0; i < r.n; i++)
		log_info("reconcile: %s", r.lines[i]);
	if (rc)
		log_error("reconcile at start: %u of %u difference(s) not fixed; the agent serves the rest", r.failures,
			  r.differences);
	else if (r.differences)
		log_info("reconcile at start: %u difference(s) fixed", r.differences);
	const char *found;
	if (r.unowned && store_created(a->store, &found))
		log_error("the database in %s was created at this start (it had %s), but the kernel holds %u "
			  "object(s) with attachd's names: they are left alone. If the database was lost or sits on a "
			  "file system that is not mounted yet, stop attachd and bring it back; if those objects are "
			  "really stale, see them with `attachctl reconcile --dry-run --purge-unowned` and remove "
			  "them with `attachctl reconcile --purge-unowned`", a->cfg.db_dir, found, r.unowned);
	else if (r.unowned)
		log_warn("%u object(s) with attachd's names were not made by this database: left alone (attachctl "
			 "reconcile --purge-unowned removes them)", r.unowned);
	recon_report_free(&r);
}

/* The options (and --help, --version) and the log. Returns -1 to go on, or else main()'s exit status. */
static int agent_options(int argc, char **argv, struct agent_config *cfg)
{
	char err[512];
	int rc = options_parse(argc, argv, AGENT_DEFAULT_CONFIG, cfg, err, sizeof(err));
	if (rc == OPTIONS_HELP) {
		options_usage(stdout);
		return 0;
	}
	if (rc == OPTIONS_VERSION) {
		printf("attachd %s (protocol %d)\n", ATTACHD_VERSION, ATTACH_PROTO_VERSION);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "attachd: %s\ntry attachd --help\n", err);
		return 2;
	}
	log_set_level(cfg->log_level);
	/* a service's stderr is the journal: lines with its priority prefixes */
	if (cfg->foreground && log_fd_is_journal(2))
		log_use_journal(true);
	if (cfg->config_path)
		log_debug("configuration file %s read", cfg->config_path);
	return -1;
}

int main(int argc, char **argv)
{
	struct agent a = { .cfs = { .rootfd = -1 } };
	int rc = agent_options(argc, argv, &a.cfg);
	if (rc >= 0)
		return rc;
	if (!a.cfg.foreground) {
		if (daemon(0, 0) < 0) {
			fprintf(stderr, "attachd: daemon: %s\n", strerror(errno));
			return 1;
		}
		log_use_syslog("attachd");
	}

	/* modules and the configfs mount first (harmless to an agent already running), then one agent per
	 * kernel, checked before anything is created (the database directory included) */
	rc = kernel_prepare(&a.cfg);
	if (rc) {
		log_error("start failed: %s", strerror(-rc));
		return 1;
	}
	if (hostlock_take(&a.cfg))
		return 1;
	char why[512];
	rc = store_open_why(&a.store, a.cfg.db_dir, why, sizeof(why));
	if (rc) {
		log_error("database %s: %s", a.cfg.db_dir, rc == -EWOULDBLOCK ? "another attachd is using it" : why);
		return 1;
	}
	struct srv *srv = NULL;
	rc = agent_kernel_open(&a);
	if (!rc)
		rc = discovery_load(&a); /* the credentials reconciliation puts in the kernel */
	if (!rc)
		agent_reconcile(&a);
	if (!rc)
		rc = srv_open(&srv, &a);
	if (!rc) {
		log_info("attachd %s ready: %zu portal(s), target prefix %s, configfs %s", ATTACHD_VERSION,
			 a.cfg.n_portals, a.cfg.iqn_prefix, a.cfg.configfs_root);
		rc = srv_run(srv);
	} else {
		log_error("start failed: %s", strerror(-rc));
	}
	srv_close(srv);
	cfs_close(&a.cfs);
	store_close(a.store);
	log_info("stopped");
	options_free(&a.cfg);
	return rc ? 1 : 0;
}
