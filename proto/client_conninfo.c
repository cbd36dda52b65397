/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_conninfo.c: os-brick's iSCSI (and nvmeof) connection info from struct attach_conninfo. The types are the
 * ones os-brick needs (docs/PROTOCOL.md, §14): target_lun an integer, portals "ip:port", auth_method
 * "CHAP" exactly, target_discovered and encrypted false; the multipath lists repeat the target and LUN
 * per portal. discovery_auth_* only when the agent enforces discovery CHAP.
 */
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "json.h"
#include "proto.h"

/* os-brick's "new" nvmeof form (NVMeOFConnProps): portals as [address, port, transport] with the address
 * unbracketed and the port a string, as nvme-cli takes them; the namespace found by vol_uuid. */
static void conninfo_nvme(struct json *j, const struct attach_conninfo *ci)
{
	json_string(j, "target_nqn", ci->target_nqn);
	json_string(j, "vol_uuid", ci->volume_id);
	json_array_begin(j, "portals");
	for (size_t i = 0; i < ci->n_portals; i++) {
		const char *p = ci->portals[i], *colon = strrchr(p, ':');
		char addr[ATTACH_PORTAL_MAX + 1];
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		bool v6 = p[0] == '[' && n >= 2;
		snprintf(addr, sizeof(addr), "%.*s", (int)(v6 ? n - 2 : n), v6 ? p + 1 : p);
		json_array_begin(j, NULL);
		json_string(j, NULL, addr);
		json_string(j, NULL, colon ? colon + 1 : "");
		json_string(j, NULL, "tcp");
		json_array_end(j);
	}
	json_array_end(j);
	json_int(j, "ns_id", ci->ns_id);
	json_string(j, "host_nqn", ci->host_nqn);
	json_string(j, "access_mode", proto_mode_name(ci->mode));
	json_bool(j, "encrypted", false);
	if (ci->dhchap_secret[0]) { /* nvme connect --dhchap-secret, --dhchap-ctrl-secret */
		json_string(j, "dhchap_secret", ci->dhchap_secret);
		if (ci->dhchap_ctrl_secret[0])
			json_string(j, "dhchap_ctrl_secret", ci->dhchap_ctrl_secret);
		json_string(j, "dhchap_dhgroup", ci->dhchap_dhgroup);
	}
}

char *attach_conninfo_json(const struct attach_conninfo *ci)
{
	if (ci->transport == ATTACH_TRANSPORT_NVME_TCP) {
		struct json j;
		json_init(&j);
		json_object_begin(&j, NULL);
		json_string(&j, "driver_volume_type", ci->driver_volume_type);
		json_object_begin(&j, "data");
		conninfo_nvme(&j, ci);
		json_object_end(&j);
		json_object_end(&j);
		return json_finish(&j);
	}
	struct json j;
	json_init(&j);
	json_object_begin(&j, NULL);
	json_string(&j, "driver_volume_type", ci->driver_volume_type);
	json_object_begin(&j, "data");
	json_bool(&j, "target_discovered", false);
	json_string(&j, "target_iqn", ci->target_iqn);
	json_string(&j, "target_portal", ci->n_portals ? ci->portals[0] : "");
	json_int(&j, "target_lun", ci->lun);
	json_array_begin(&j, "target_iqns");
	for (size_t i = 0; i < ci->n_portals; i++)
		json_string(&j, NULL, ci->target_iqn);
	json_array_end(&j);
	json_array_begin(&j, "target_portals");
	for (size_t i = 0; i < ci->n_portals; i++)
		json_string(&j, NULL, ci->portals[i]);
	json_array_end(&j);
	json_array_begin(&j, "target_luns");
	for (size_t i = 0; i < ci->n_portals; i++)
		json_int(&j, NULL, ci->lun);
	json_array_end(&j);
	json_string(&j, "volume_id", ci->volume_id);
	json_string(&j, "auth_method", ci->auth_method);
	json_string(&j, "auth_username", ci->auth_username);
	json_string(&j, "auth_password", ci->auth_password);
	if (ci->auth_username_in[0]) { /* mutual CHAP: open-iscsi's node.session.auth.username_in, password_in */
		json_string(&j, "auth_username_in", ci->auth_username_in);
		json_string(&j, "auth_password_in", ci->auth_password_in);
	}
	json_string(&j, "access_mode", proto_mode_name(ci->mode));
	json_bool(&j, "encrypted", false);
	if (ci->discovery_auth_method[0]) { /* os-brick's keys for a SendTargets discovery */
		json_string(&j, "discovery_auth_method", ci->discovery_auth_method);
		json_string(&j, "discovery_auth_username", ci->discovery_auth_username);
		json_string(&j, "discovery_auth_password", ci->discovery_auth_password);
	}
	json_object_end(&j);
	json_object_end(&j);
	return json_finish(&j);
}
