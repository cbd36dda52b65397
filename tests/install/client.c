/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client.c: a libattach client as a user writes one, built by test_install.sh against the installed
 * <attach.h> and `pkg-config --cflags --libs attach` only. It drives one volume through the attach and
 * detach cycle and prints one line per step; the first failure ends it with the agent's message.
 *
 * usage: client SOCKET DEVICE INITIATOR
 */
#include <attach.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int step(struct attach_client *c, const char *what, int rc)
{
	if (rc) {
		fprintf(stderr, "client: %s: %s (%s: %s)\n", what, strerror(-rc),
			attach_status_name(attach_last_status(c)), attach_last_message(c));
		attach_client_free(c);
		exit(1);
	}
	printf("%s\n", what);
	return 0;
}

int main(int argc, char *argv[])
{
	if (argc != 4) {
		fprintf(stderr, "usage: client SOCKET DEVICE INITIATOR\n");
		return 2;
	}
	struct attach_client *c = attach_client_new();
	if (!c)
		return 1;
	char vol[ATTACH_UUID_LEN + 1], att[ATTACH_UUID_LEN + 1];
	struct attach_volume_create_args va = { .device = argv[2], .name = "installed-client" };
	struct attach_connector conn = { .initiator = argv[3] };
	struct attach_attach_args aa = {
		.instance = "6f1c9d7e-1111-4222-8333-944455556666", .host = "compute1", .mountpoint = "/dev/vdb",
		.mode = ATTACH_MODE_AS_RESERVED,
	};
	struct attach_conninfo ci;
	struct attach_volume_info *info = NULL;

	step(c, "connect", attach_connect(c, argv[1]));
	step(c, "volume-create", attach_volume_create(c, &va, vol));
	step(c, "reserve", attach_reserve(c, vol, att));
	step(c, "initialize-connection", attach_initialize_connection(c, vol, &conn, &ci));
	char *json = attach_conninfo_json(&ci);
	step(c, "conninfo-json", json && strstr(json, "\"auth_method\": \"CHAP\"") ? 0 : -EPROTO);
	printf("target %s lun %u portals %zu\n", ci.target_iqn, ci.lun, ci.n_portals);
	free(json);
	attach_conninfo_clear(&ci);
	step(c, "attach", attach_attach(c, vol, &aa, att));
	step(c, "volume-show", attach_volume_show(c, vol, false, &info));
	printf("state %s attachments %zu\n", attach_state_name(info->state), info->n_attachments);
	attach_volume_info_free(info);
	step(c, "begin-detaching", attach_begin_detaching(c, vol));
	step(c, "terminate-connection", attach_terminate_connection(c, vol, argv[3], false));
	step(c, "detach", attach_detach(c, vol, NULL));
	step(c, "volume-delete", attach_volume_delete(c, vol));
	attach_client_free(c);
	return 0;
}
