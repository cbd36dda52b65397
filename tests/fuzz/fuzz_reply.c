/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_reply.c: libattach's reply decoding (client.c, client_volume.c, client_calls.c) against a hostile
 * agent. Input format: fuzz_reply.h.
 *
 * The client is a real attach_client on one end of a socketpair; the input is written whole to the other
 * end, whose write side is then shut down, so every read the client makes returns at once (data or end
 * of stream) and an input can never hang the run. The client then makes up to FR_MAX_CALLS calls on the
 * same connection, as a program would, until it drops the connection.
 *
 * Checked after every call: the result agrees with the last status, the message is terminated, the plan
 * holds only strings, a client that lost the framing is disconnected; what a successful call returns is
 * complete (no NULL string, counts within their arrays: the statistics' calls, statuses, buckets, exports
 * and initiators too) and os-brick's JSON has no raw control character.
 * LeakSanitizer (on by default in libFuzzer) reports whatever a failed decode forgets to free.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "fuzz_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define VOL "0b6e5bd6-4d71-4a9f-8f0e-6c1f2a3b4c5d"
#define ATT "3e9b8e09-70a4-4d2c-b131-9f425d6e7f80"
#define IQN "iqn.1993-08.org.debian:01:abcdef"

static void check_terminated(const char *s, size_t size)
{
	CHECK(strnlen(s, size) < size);
}

static void check_volume(const struct attach_volume_info *v, bool listed)
{
	check_terminated(v->id, sizeof(v->id));
	CHECK(v->name && v->device);
	CHECK(v->n_portals <= ATTACH_PORTALS_MAX);
	for (size_t i = 0; i < v->n_portals; i++)
		check_terminated(v->portals[i], sizeof(v->portals[i]));
	CHECK(!v->exported || v->target_iqn);
	/* attachments, export and ACLs come with volume-show only */
	if (listed)
		CHECK(!v->n_attachments && !v->n_acls && !v->exported);
	for (size_t i = 0; i < v->n_attachments; i++) {
		const struct attach_attachment_info *a = &v->attachments[i];
		check_terminated(a->id, sizeof(a->id));
		CHECK(a->instance && a->host && a->mountpoint && a->initiator);
	}
	for (size_t i = 0; i < v->n_acls; i++)
		CHECK(v->acls[i].initiator && v->acls[i].username);
}

static void check_stats(const struct attach_stats *s)
{
	CHECK(s->calls && s->export_stats);
	for (size_t i = 0; i < s->n_calls; i++) {
		const struct attach_stats_call *c = &s->calls[i];
		CHECK(c->name && c->statuses && c->buckets);
		for (size_t k = 0; k < c->n_statuses; k++)
			(void)c->statuses[k].count; /* within its array (ASan) */
		for (size_t k = 0; k < c->n_buckets; k++)
			(void)c->buckets[k].le_us;
	}
	for (size_t i = 0; i < s->n_export_stats; i++) {
		const struct attach_stats_export *x = &s->export_stats[i];
		check_terminated(x->volume_id, sizeof(x->volume_id));
		CHECK(x->target_iqn && x->initiators);
		CHECK(x->sessions_read || !x->sessions);
		for (size_t k = 0; k < x->n_initiators; k++)
			CHECK(x->initiators[k].initiator);
	}
}

static void check_conninfo(const struct attach_conninfo *ci)
{
	check_terminated(ci->driver_volume_type, sizeof(ci->driver_volume_type));
	check_terminated(ci->volume_id, sizeof(ci->volume_id));
	check_terminated(ci->target_iqn, sizeof(ci->target_iqn));
	check_terminated(ci->auth_method, sizeof(ci->auth_method));
	check_terminated(ci->auth_username, sizeof(ci->auth_username));
	check_terminated(ci->auth_password, sizeof(ci->auth_password));
	check_terminated(ci->discovery_auth_method, sizeof(ci->discovery_auth_method));
	check_terminated(ci->discovery_auth_username, sizeof(ci->discovery_auth_username));
	check_terminated(ci->discovery_auth_password, sizeof(ci->discovery_auth_password));
	CHECK(ci->n_portals <= ATTACH_PORTALS_MAX);
	for (size_t i = 0; i < ci->n_portals; i++)
		check_terminated(ci->portals[i], sizeof(ci->portals[i]));
	/* Nova parses this: whatever the agent sent, it must stay one valid JSON text */
	char *json = attach_conninfo_json(ci);
	CHECK(json);
	for (const char *p = json; *p; p++)
		CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	free(json);
}

static int call(struct attach_client *c, enum fuzz_reply_call k)
{
	char id[ATTACH_UUID_LEN + 1] = "";
	int rc = 0;
	switch (k) {
	case FR_HELLO: {
		/* attach_connect() needs a socket path; this is its exchange without the connect() */
		struct nl_msg *m = client_request(c, ATTACH_MSG_HELLO, NULL);
		CHECK(m && proto_put_u32(m, ATTACH_A_VERSION, ATTACH_PROTO_VERSION) == 0);
		rc = client_transact(c, m);
		break;
	}
	case FR_VOLUME_CREATE: {
		struct attach_volume_create_args a = { .device = "/dev/vg0/vol1", .name = "vol1", .multiattach = true };
		rc = attach_volume_create(c, &a, id);
		break;
	}
	case FR_VOLUME_LIST: {
		struct attach_volume_info *v;
		size_t n;
		rc = attach_volume_list(c, &v, &n);
		CHECK(rc || v);
		for (size_t i = 0; !rc && i < n; i++)
			check_volume(&v[i], true);
		attach_volume_list_free(v, n);
		break;
	}
	case FR_VOLUME_SHOW:
	case FR_VOLUME_SHOW_SECRETS: {
		struct attach_volume_info *v;
		rc = attach_volume_show(c, VOL, k == FR_VOLUME_SHOW_SECRETS, &v);
		CHECK(!rc == !!v);
		if (v)
			check_volume(v, false);
		attach_volume_info_free(v);
		break;
	}
	case FR_RESERVE:
		rc = attach_reserve(c, VOL, id);
		break;
	case FR_INITIALIZE_CONNECTION: {
		struct attach_connector conn = { .initiator = IQN, .host = "compute-1", .ip = "192.0.2.7",
						 .multipath = true };
		struct attach_conninfo ci;
		memset(&ci, 0xa5, sizeof(ci)); /* a field the decoder forgets to fill shows as unterminated */
		rc = attach_initialize_connection(c, VOL, &conn, &ci);
		if (!rc)
			check_conninfo(&ci);
		attach_conninfo_clear(&ci);
		break;
	}
	case FR_ATTACH: {
		struct attach_attach_args a = { .instance = "6f1c9d7e-1111-4222-8333-944455556666",
						.host = "compute-1", .mountpoint = "/dev/vdb", .mode = ATTACH_MODE_RO,
						.attachment_id = ATT };
		rc = attach_attach(c, VOL, &a, id);
		break;
	}
	case FR_BEGIN_DETACHING:
		rc = attach_begin_detaching(c, VOL);
		break;
	case FR_ROLL_DETACHING:
		rc = attach_roll_detaching(c, VOL);
		break;
	case FR_TERMINATE_CONNECTION:
		rc = attach_terminate_connection(c, VOL, IQN, true);
		break;
	case FR_DETACH:
		rc = attach_detach(c, VOL, ATT);
		break;
	case FR_UNRESERVE:
		rc = attach_unreserve(c, VOL);
		break;
	case FR_VOLUME_EXTEND: {
		uint64_t sz;
		rc = attach_volume_extend(c, VOL, &sz);
		break;
	}
	case FR_VOLUME_DELETE:
		rc = attach_volume_delete(c, VOL);
		break;
	case FR_STATS: {
		struct attach_stats *s;
		rc = attach_stats(c, &s);
		CHECK(!rc == !!s);
		if (s)
			check_stats(s);
		attach_stats_free(s);
		break;
	}
	case FR_COUNT:
		break;
	}
	check_terminated(id, sizeof(id));
	return rc;
}

static void check_after(const struct attach_client *c, int rc)
{
	CHECK(rc <= 0);
	CHECK(!rc == (attach_last_status(c) == ATTACH_OK));
	check_terminated(attach_last_message(c), ATTACH_MESSAGE_MAX + 1);
	CHECK(!c->out_of_step || c->fd < 0);
	const char *const *steps;
	size_t n = attach_last_plan(c, &steps);
	for (size_t i = 0; i < n; i++)
		CHECK(steps[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	/* the socket holds ~200 KiB, far above libFuzzer's inputs; a longer one is cut, never blocks */
	for (size_t off = 1; off < size;) {
		ssize_t n = send(sv[1], data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	CHECK(shutdown(sv[1], SHUT_WR) == 0);

	struct attach_client *c = attach_client_new();
	CHECK(c);
	c->fd = sv[0]; /* connected: attach_client_free() closes it */
	attach_set_dry_run(c, data[0] & FR_DRY_RUN);
	unsigned first = (data[0] & 0x0f) % FR_COUNT;
	for (unsigned i = 0; i < FR_MAX_CALLS && c->fd >= 0; i++)
		check_after(c, call(c, (enum fuzz_reply_call)((first + i) % FR_COUNT)));
	attach_client_free(c);
	close(sv[1]);
	return 0;
}
