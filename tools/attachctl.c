/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attachctl.c: the command-line client of attachd. main() parses (attachctl_args.c), connects, makes one
 * libattach call and prints its result (attachctl_print.c). Exit status: 0 success, 1 an error from the
 * agent or the connection ("attachctl: <subcommand>: <agent message>"), 2 a usage error. Links only
 * libattach and libnl-3: on small hosts the process start is most of a call's cost.
 */
#include "attachctl_args.h"
#include "attachctl_help.h"
#include "attachctl_print.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_AGENT = 1, EXIT_USAGE = 2 };

/* What one call returned; freed by actl_result_free(). */
struct actl_result {
	char id[ATTACH_UUID_LEN + 1]; /* volume-create, reserve, attach */
	struct attach_conninfo ci;    /* initialize-connection */
	struct attach_volume_info *vols;
	size_t n_vols;
	struct attach_volume_info *vol;
	uint64_t size;                /* volume-extend */
	struct attach_stats *stats;
};

static void actl_result_free(struct actl_result *r)
{
	attach_conninfo_clear(&r->ci);
	attach_volume_list_free(r->vols, r->n_vols);
	attach_volume_info_free(r->vol);
	attach_stats_free(r->stats);
}

/* The libattach call for @a; results land in @r. */
static int actl_call(struct attach_client *c, const struct actl_args *a, struct actl_result *r)
{
	switch (a->cmd) {
	case ACTL_CMD_VOLUME_CREATE: {
		struct attach_volume_create_args va = {
			.device = a->device, .name = a->name, .volume_id = a->id, .multiattach = a->multiattach,
			.transport = a->transport,
		};
		return attach_volume_create(c, &va, r->id);
	}
	case ACTL_CMD_VOLUME_DELETE:
		return attach_volume_delete(c, a->volume_id);
	case ACTL_CMD_VOLUME_EXTEND:
		return attach_volume_extend(c, a->volume_id, &r->size);
	case ACTL_CMD_RECONCILE:
		return a->purge_unowned ? attach_reconcile_purge_unowned(c) : attach_reconcile(c);
	case ACTL_CMD_VOLUME_LIST:
		return attach_volume_list(c, &r->vols, &r->n_vols);
	case ACTL_CMD_VOLUME_SHOW:
		return attach_volume_show(c, a->volume_id, a->secrets, &r->vol);
	case ACTL_CMD_RESERVE:
		return a->mode == ATTACH_MODE_AS_RESERVED ? attach_reserve(c, a->volume_id, r->id) :
							    attach_reserve_mode(c, a->volume_id, a->mode, r->id);
	case ACTL_CMD_UNRESERVE:
		return attach_unreserve(c, a->volume_id);
	case ACTL_CMD_INITIALIZE_CONNECTION: {
		struct attach_connector conn = {
			.initiator = a->initiator, .host = a->host, .ip = a->ip, .multipath = a->multipath,
			.mutual_chap = a->mutual_chap, .nqn = a->nqn, .dhchap = a->dhchap,
			.dhchap_bidirectional = a->dhchap_bidirectional, .dhchap_dhgroup = a->dhchap_dhgroup,
		};
		return attach_initialize_connection(c, a->volume_id, &conn, &r->ci);
	}
	case ACTL_CMD_ATTACH: {
		struct attach_attach_args aa = {
			.instance = a->instance, .host = a->host, .mountpoint = a->mountpoint, .mode = a->mode,
			.attachment_id = a->attachment_id,
		};
		return attach_attach(c, a->volume_id, &aa, r->id);
	}
	case ACTL_CMD_BEGIN_DETACHING:
		return attach_begin_detaching(c, a->volume_id);
	case ACTL_CMD_ROLL_DETACHING:
		return attach_roll_detaching(c, a->volume_id);
	case ACTL_CMD_TERMINATE_CONNECTION:
		if (a->attachment_id)
			return attach_terminate_attachment(c, a->volume_id, a->nqn ? a->nqn : a->initiator, a->attachment_id);
		return attach_terminate_connection(c, a->volume_id, a->nqn ? a->nqn : a->initiator, a->force);
	case ACTL_CMD_DETACH:
		return attach_detach(c, a->volume_id, a->attachment_id);
	case ACTL_CMD_STATS:
		return attach_stats(c, &r->stats);
	case ACTL_CMD_NONE:
	case ACTL_CMD_HELP:
	case ACTL_CMD_VERSION:
		break;
	}
	return -EINVAL;
}

static int actl_print(FILE *out, const struct actl_args *a, const struct actl_result *r)
{
	switch (a->cmd) {
	case ACTL_CMD_VOLUME_CREATE:
		return actl_print_id(out, a->json, "volume_id", r->id);
	case ACTL_CMD_RESERVE:
	case ACTL_CMD_ATTACH:
		return actl_print_id(out, a->json, "attachment_id", r->id);
	case ACTL_CMD_INITIALIZE_CONNECTION:
		return actl_print_conninfo(out, a->json, &r->ci);
	case ACTL_CMD_VOLUME_LIST:
		return actl_print_volume_list(out, a->json, r->vols, r->n_vols);
	case ACTL_CMD_VOLUME_SHOW:
		return actl_print_volume_show(out, a->json, r->vol);
	case ACTL_CMD_VOLUME_EXTEND:
		return actl_print_size(out, a->json, r->size);
	case ACTL_CMD_STATS:
		return actl_print_stats(out, a->prometheus ? ACTL_FORMAT_PROMETHEUS : a->json ? ACTL_FORMAT_JSON :
							     ACTL_FORMAT_TEXT, r->stats);
	case ACTL_CMD_RECONCILE:
		break; /* its report is printed from the plan, in actl_main */
	case ACTL_CMD_VOLUME_DELETE:
	case ACTL_CMD_UNRESERVE:
	case ACTL_CMD_BEGIN_DETACHING:
	case ACTL_CMD_ROLL_DETACHING:
	case ACTL_CMD_TERMINATE_CONNECTION:
	case ACTL_CMD_DETACH:
		return actl_print_done(out, a->json);
	case ACTL_CMD_NONE:
	case ACTL_CMD_HELP:
	case ACTL_CMD_VERSION:
		break;
	}
	return -EINVAL;
}

/* "attachctl: <subcommand>: <message>"; the agent's message when it gave one. */
static int actl_fail(const struct actl_args *a, struct attach_client *c, int rc)
{
	const char *msg = c ? attach_last_message(c) : "";
	fprintf(stderr, "attachctl: %s: %s\n", a->cmd_name, *msg ? msg : strerror(-rc));
	return EXIT_AGENT;
}

static int actl_main(const struct actl_args *a)
{
	const char *path = a->socket;
	if (!path) {
		path = getenv(ACTL_SOCKET_ENV);
		if (!path || !*path)
			path = ACTL_SOCKET_DEFAULT;
	}
	struct attach_client *c = attach_client_new();
	if (!c)
		return actl_fail(a, NULL, -ENOMEM);
	int rc = attach_connect(c, path);
	if (rc) {
		rc = actl_fail(a, c, rc);
		attach_client_free(c);
		return rc;
	}
	attach_set_dry_run(c, a->dry_run);

	struct actl_result r = { .id = "" };
	rc = actl_call(c, a, &r);
	if (rc == 0) {
		const char *const *steps;
		size_t n = attach_last_plan(c, &steps);
		/* the agent planned instead of acting (or reconciled): its steps are the result */
		if (a->cmd == ACTL_CMD_RECONCILE)
			rc = actl_print_report(stdout, a->json, steps, n, attach_last_message(c));
		else if (a->dry_run && actl_cmd_is_mutating(a->cmd))
			rc = actl_print_plan(stdout, a->json, steps, n);
		else
			rc = actl_print(stdout, a, &r);
		if (rc == 0 && fflush(stdout) != 0)
			rc = -errno;
		if (rc) {
			fprintf(stderr, "attachctl: %s: writing the output: %s\n", a->cmd_name, strerror(-rc));
			rc = EXIT_AGENT;
		}
	} else {
		/* a reconcile that could not fix everything says what it found and did, then fails */
		const char *const *steps;
		size_t n = attach_last_plan(c, &steps);
		if (a->cmd == ACTL_CMD_RECONCILE && n && !a->json) {
			for (size_t i = 0; i < n; i++)
				printf("%s\n", steps[i]);
			fflush(stdout);
		}
		rc = actl_fail(a, c, rc);
	}
	actl_result_free(&r);
	attach_client_free(c);
	return rc;
}

int main(int argc, char *argv[])
{
	struct actl_args a;
	char err[256];
	if (actl_parse(argc, argv, &a, err, sizeof(err))) {
		fprintf(stderr, "attachctl: %s\ntry attachctl --help\n", err);
		return EXIT_USAGE;
	}
	if (a.cmd == ACTL_CMD_HELP)
		return actl_help(stdout, a.help) || fflush(stdout) ? EXIT_AGENT : 0;
	if (a.cmd == ACTL_CMD_VERSION) {
		printf("attachctl %s (protocol %d)\n", ATTACHD_VERSION, ATTACH_PROTO_VERSION);
		return fflush(stdout) ? EXIT_AGENT : 0;
	}
	return actl_main(&a);
}
