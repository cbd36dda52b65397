/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c: attachd's start and stop: options, logging, the store, the kernel interfaces, the socket.
 * Start order matters: nothing is served until the records and the kernel side are ready, and systemd is
 * told READY=1 only then (a socket it passed may take connections earlier: they wait in its backlog).
 */
#include <errno.h>
#include <malloc.h>
#include <sys/prctl.h>
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
#include "listenfd.h"
#include "localaddr.h"
#include "notify.h"
#include "options.h"
#include "reconcile.h"
#include "srv.h"
#include "stats.h"

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
	int rc = localaddr_check(&a->cfg);
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
	int has = !rc && a->cfg.n_nvme_ports ? cfs_exists(&a->cfs, "nvmet") : 1;
	if (has <= 0) {
		log_error("%s/nvmet is missing: load nvmet and nvmet_tcp (or run without --no-kmod)", a->cfg.configfs_root);
		rc = has ? has : -ENOENT;
	}
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
	uint64_t t0 = stats_now_us();
	int rc = reconcile(a, &o, &r);
	stats_reconciled(&a->stats.at_start, &r, rc, stats_now_us() - t0);
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
	store_release_pages(a->store); /* a restore read every record: none stays mapped (store_map.c) */
}

/* Where log lines go: stderr, in the journal's format when stderr is the journal (a service's), or syslog
 * once attachd makes itself a daemon (without --foreground). */
static void agent_log_setup(const struct agent_config *cfg)
{
	log_set_level(cfg->log_level);
	if (cfg->foreground && log_fd_is_journal(2))
		log_use_journal(true);
}

/* What systemd passed: the notification socket and the listening socket. Both are read (and their
 * variables unset) before daemon(), whose child has another pid than $LISTEN_PID says. */
static int agent_systemd(const struct agent_config *cfg, struct notify *n, int *lfd)
{
	char why[512];
	int rc = notify_open(n, why, sizeof(why));
	if (rc) {
		log_error("%s", why);
		return rc;
	}
	rc = listenfd_take(cfg->socket_path, lfd, why, sizeof(why));
	if (rc < 0)
		log_error("%s", why);
	else if (rc > 0)
		log_warn("%s", why);
	if (rc >= 0 && n->fd >= 0 && !cfg->foreground)
		log_warn("NOTIFY_SOCKET is set but attachd is not in the foreground: systemd (Type=notify) takes its "
			 "readiness from the process it started; run it with --foreground");
	return rc < 0 ? rc : 0;
}

static void agent_notify(const struct notify *n, const char *state)
{
	int rc = notify_send(n, state);
	if (rc)
		log_warn("telling systemd \"%s\": %s", state, strerror(-rc));
}

/* A start that failed (@rc, logged already): systemd's status line says why. */
static void agent_notify_failed(const struct notify *n, int rc)
{
	char status[160];
	snprintf(status, sizeof(status), "STATUS=start failed: %s", strerror(-rc));
	agent_notify(n, status);
}

/* The same, before anything needs closing but @n and @cfg. Returns main()'s status. */
static int agent_failed(struct notify *n, struct agent_config *cfg, int rc)
{
	agent_notify_failed(n, rc);
	notify_close(n);
	options_free(cfg);
	return 1;
}

/* The options (and --help, --version) and the log. Returns -1 to go on, or else main()'s exit status. */
static int agent_options(int argc, char **argv, struct agent_config *cfg)
{
	char err[512];
	int rc = options_parse(argc, argv, options_default_config(), cfg, err, sizeof(err));
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
	agent_log_setup(cfg);
	if (cfg->config_path)
		log_debug("configuration file %s read", cfg->config_path);
	return -1;
}

/* With the store open: the kernel's side, reconciliation, the socket (@lfd, systemd's, or one made now;
 * taken in every case), and serving until SIGTERM. 0 on a clean stop. */
static int agent_serve(struct agent *a, const struct notify *n, int lfd)
{
	struct srv *srv = NULL;
	int rc = agent_kernel_open(a);
	if (!rc)
		rc = discovery_load(a); /* the credentials reconciliation puts in the kernel */
	if (!rc)
		agent_reconcile(a);
	if (!rc) {
		rc = srv_open(&srv, a, lfd);
		lfd = -1;
	}
	if (lfd >= 0)
		close(lfd);
	if (rc) {
		log_error("start failed: %s", strerror(-rc));
		agent_notify_failed(n, rc);
		return rc;
	}
	log_info("attachd %s ready: %zu portal(s), target prefix %s, %zu NVMe port(s), subsystem prefix %s, configfs %s",
		 ATTACHD_VERSION, a->cfg.n_portals, a->cfg.iqn_prefix, a->cfg.n_nvme_ports, a->cfg.nqn_prefix,
		 a->cfg.configfs_root);
	agent_notify(n, "READY=1\nSTATUS=serving");
	rc = srv_run(srv);
	agent_notify(n, "STOPPING=1\nSTATUS=stopping");
	srv_close(srv);
	return rc;
}

int main(int argc, char **argv)
{
	struct agent a = { .cfs = { .rootfd = -1 } };
#ifdef M_ARENA_MAX
	/* one malloc arena: the calls' threads (agent/server/flight.h) allocate little, and glibc would
	 * otherwise keep an arena of its own for each of them, for good (about 84 KiB each) */
	mallopt(M_ARENA_MAX, 1);
#endif
	/* no transparent huge pages: LMDB calloc()s a 2 MiB dirty-page list and a 1 MiB free-page list at
	 * open (a write transaction touches a few entries of each), and with THP "always" (Debian's kernels)
	 * the first touch of an aligned 2 MiB makes all of it resident: 2 MiB of RSS for a few hundred bytes
	 * used. Nothing of attachd's is large enough to gain from huge pages. */
	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	stats_init(&a.stats);
	int rc = agent_options(argc, argv, &a.cfg);
	if (rc >= 0)
		return rc;
	struct notify n;
	int lfd = -1; /* systemd's listening socket, if it passed one */
	rc = agent_systemd(&a.cfg, &n, &lfd);
	if (rc)
		return agent_failed(&n, &a.cfg, rc);
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
		return agent_failed(&n, &a.cfg, rc);
	}
	if (hostlock_take(&a.cfg))
		return agent_failed(&n, &a.cfg, -EBUSY);
	char why[512];
	rc = store_open_why(&a.store, a.cfg.db_dir, why, sizeof(why));
	if (rc) {
		log_error("database %s: %s", a.cfg.db_dir, rc == -EWOULDBLOCK ? "another attachd is using it" : why);
		return agent_failed(&n, &a.cfg, rc);
	}
	rc = agent_serve(&a, &n, lfd);
	cfs_close(&a.cfs);
	store_close(a.store);
	notify_close(&n);
	log_info("stopped");
	options_free(&a.cfg);
	return rc ? 1 : 0;
}
