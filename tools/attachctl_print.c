/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attachctl_print.c: attachctl's output formats. Plain text: values alone (ids), key=value lines (the
 * connection info, in the order os-brick documents its keys), a column table (volume-list) and
 * "key: value" blocks (volume-show). JSON: the same content with its real types (integers, booleans,
 * null for absent optional strings), written with proto/json.h so strings are always escaped.
 * Secrets are printed only when the library returned them (initialize-connection, --secrets).
 */
#include "attachctl_print.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"

/* Write @doc (malloc'd, consumed) as one line. Cleared before it is freed: it may hold a CHAP secret. */
static int actl_emit_doc(FILE *out, char *doc)
{
	if (!doc)
		return -ENOMEM;
	int rc = fprintf(out, "%s\n", doc) < 0 ? -EIO : 0;
	explicit_bzero(doc, strlen(doc));
	free(doc);
	return rc;
}

static int actl_emit(FILE *out, struct json *j)
{
	return actl_emit_doc(out, json_finish(j));
}

static int actl_done(FILE *out)
{
	return ferror(out) ? -EIO : 0;
}

/* Absent optional strings are "" in libattach: "-" in text, null in JSON. */
static const char *actl_text(const char *s)
{
	return s && *s ? s : "-";
}

static void actl_json_opt(struct json *j, const char *key, const char *s)
{
	if (s && *s)
		json_string(j, key, s);
	else
		json_null(j, key);
}

/* Seconds since the epoch as UTC ISO 8601; 0 (unknown) as "-". */
static const char *actl_time(uint64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!t)
		return "-";
	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%llu", (unsigned long long)t);
	return buf;
}

int actl_print_id(FILE *out, bool json, const char *key, const char *id)
{
	if (!json) {
		fprintf(out, "%s\n", id);
		return actl_done(out);
	}
	struct json j;
	json_init(&j);
	json_object_begin(&j, NULL);
	json_string(&j, key, id);
	json_object_end(&j);
	return actl_emit(out, &j);
}

int actl_print_size(FILE *out, bool json, uint64_t size)
{
	if (!json) {
		fprintf(out, "%llu\n", (unsigned long long)size);
		return actl_done(out);
	}
	struct json j;
	json_init(&j);
	json_object_begin(&j, NULL);
	json_uint(&j, "size", size);
	json_object_end(&j);
	return actl_emit(out, &j);
}

int actl_print_done(FILE *out, bool json)
{
	if (json)
		fputs("{}\n", out);
	return actl_done(out);
}

/* Lines of text, one a line; or {"@key": [...], "summary": @summary} (no summary member when NULL). */
static int actl_print_lines(FILE *out, bool json, const char *key, const char *const *lines, size_t n,
			    const char *summary)
{
	if (!json) {
		for (size_t i = 0; i < n; i++)
			fprintf(out, "%s\n", lines[i] ? lines[i] : "");
		if (summary)
			fprintf(out, "%s\n", summary);
		return actl_done(out);
	}
	struct json j;
	json_init(&j);
	json_object_begin(&j, NULL);
	json_array_begin(&j, key);
	for (size_t i = 0; i < n; i++)
		json_string(&j, NULL, lines[i]);
	json_array_end(&j);
	if (summary)
		json_string(&j, "summary", summary);
	json_object_end(&j);
	return actl_emit(out, &j);
}

int actl_print_plan(FILE *out, bool json, const char *const *steps, size_t n)
{
	return actl_print_lines(out, json, "plan", steps, n, NULL);
}

/* nvmeof's keys, in os-brick's order; portals "address,port,tcp" separated by ';'. */
static int actl_print_nvme_conninfo(FILE *out, const struct attach_conninfo *ci)
{
	fprintf(out, "driver_volume_type=%s\n", ci->driver_volume_type);
	fprintf(out, "target_nqn=%s\n", ci->target_nqn);
	fprintf(out, "vol_uuid=%s\n", ci->volume_id);
	fputs("portals=", out);
	for (size_t i = 0; i < ci->n_portals; i++)
		fprintf(out, "%s%s", i ? "," : "", ci->portals[i]);
	fprintf(out, "\nns_id=%u\nhost_nqn=%s\n", ci->ns_id, ci->host_nqn);
	if (ci->dhchap_secret[0]) {
		fprintf(out, "dhchap_secret=%s\n", ci->dhchap_secret);
		if (ci->dhchap_ctrl_secret[0])
			fprintf(out, "dhchap_ctrl_secret=%s\n", ci->dhchap_ctrl_secret);
		fprintf(out, "dhchap_dhgroup=%s\n", ci->dhchap_dhgroup);
	}
	fprintf(out, "access_mode=%s\n", attach_mode_name(ci->mode));
	return actl_done(out);
}

int actl_print_conninfo(FILE *out, bool json, const struct attach_conninfo *ci)
{
	if (json)
		return actl_emit_doc(out, attach_conninfo_json(ci));
	if (ci->transport == ATTACH_TRANSPORT_NVME_TCP)
		return actl_print_nvme_conninfo(out, ci);
	fprintf(out, "driver_volume_type=%s\n", ci->driver_volume_type);
	fprintf(out, "target_iqn=%s\n", ci->target_iqn);
	fprintf(out, "target_portal=%s\n", ci->n_portals ? ci->portals[0] : "");
	fputs("target_portals=", out);
	for (size_t i = 0; i < ci->n_portals; i++)
		fprintf(out, "%s%s", i ? "," : "", ci->portals[i]);
	fputs("\n", out);
	fprintf(out, "target_lun=%u\n", ci->lun);
	fprintf(out, "auth_method=%s\n", ci->auth_method);
	fprintf(out, "auth_username=%s\n", ci->auth_username);
	fprintf(out, "auth_password=%s\n", ci->auth_password);
	if (ci->auth_username_in[0])
		fprintf(out, "auth_username_in=%s\nauth_password_in=%s\n", ci->auth_username_in, ci->auth_password_in);
	fprintf(out, "access_mode=%s\n", attach_mode_name(ci->mode));
	fprintf(out, "volume_id=%s\n", ci->volume_id);
	if (ci->discovery_auth_method[0]) {
		fprintf(out, "discovery_auth_method=%s\n", ci->discovery_auth_method);
		fprintf(out, "discovery_auth_username=%s\n", ci->discovery_auth_username);
		fprintf(out, "discovery_auth_password=%s\n", ci->discovery_auth_password);
	}
	return actl_done(out);
}

/* The fields volume-list and volume-show share, as members of the current JSON object. */
static void actl_json_volume(struct json *j, const struct attach_volume_info *v)
{
	json_string(j, "volume_id", v->id);
	actl_json_opt(j, "name", v->name);
	json_string(j, "device", v->device);
	actl_json_opt(j, "device_node", v->device_node);
	actl_json_opt(j, "identity", v->identity);
	json_string(j, "state", attach_state_name(v->state));
	json_bool(j, "multiattach", v->multiattach);
	json_string(j, "transport", attach_transport_name(v->transport));
	json_uint(j, "size", v->size);
	json_uint(j, "created", v->created);
}

enum { COL_ID, COL_STATE, COL_MULTI, COL_SIZE, COL_NAME, COL_DEVICE, N_COLS };

static void actl_row(FILE *out, const int *w, const char *const *cell)
{
	/* SIZE is right-aligned; DEVICE, last, is not padded so lines carry no trailing blanks */
	fprintf(out, "%-*s  %-*s  %-*s  %*s  %-*s  %s\n", w[COL_ID], cell[COL_ID], w[COL_STATE], cell[COL_STATE],
		w[COL_MULTI], cell[COL_MULTI], w[COL_SIZE], cell[COL_SIZE], w[COL_NAME], cell[COL_NAME],
		cell[COL_DEVICE]);
}

static void actl_cells(const struct attach_volume_info *v, char *size, size_t sizelen, const char **cell)
{
	snprintf(size, sizelen, "%llu", (unsigned long long)v->size);
	cell[COL_ID] = v->id;
	cell[COL_STATE] = attach_state_name(v->state);
	cell[COL_MULTI] = v->multiattach ? "yes" : "no";
	cell[COL_SIZE] = size;
	cell[COL_NAME] = actl_text(v->name);
	cell[COL_DEVICE] = actl_text(v->device);
}

int actl_print_volume_list(FILE *out, bool json, const struct attach_volume_info *vols, size_t n)
{
	if (json) {
		struct json j;
		json_init(&j);
		json_object_begin(&j, NULL);
		json_array_begin(&j, "volumes");
		for (size_t i = 0; i < n; i++) {
			json_object_begin(&j, NULL);
			actl_json_volume(&j, &vols[i]);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
		return actl_emit(out, &j);
	}
	static const char *const header[N_COLS] = { "ID", "STATE", "MULTIATTACH", "SIZE", "NAME", "DEVICE" };
	int w[N_COLS];
	for (int k = 0; k < N_COLS; k++)
		w[k] = (int)strlen(header[k]);
	for (size_t i = 0; i < n; i++) {
		char size[24];
		const char *cell[N_COLS];
		actl_cells(&vols[i], size, sizeof(size), cell);
		for (int k = 0; k < N_COLS; k++)
			if ((int)strlen(cell[k]) > w[k])
				w[k] = (int)strlen(cell[k]);
	}
	actl_row(out, w, header);
	for (size_t i = 0; i < n; i++) {
		char size[24];
		const char *cell[N_COLS];
		actl_cells(&vols[i], size, sizeof(size), cell);
		actl_row(out, w, cell);
	}
	return actl_done(out);
}

/* An NVMe host: its NQN, refs, and DH-HMAC-CHAP (the secrets only when asked for). */
static void actl_json_nvme_acl(struct json *j, const struct attach_acl_info *acl)
{
	json_string(j, "host_nqn", acl->initiator);
	json_uint(j, "refs", acl->refs);
	actl_json_opt(j, "dhchap_dhgroup", acl->dhchap_dhgroup);
	json_bool(j, "dhchap_bidirectional", acl->dhchap_bidirectional);
	if (acl->password)
		json_string(j, "dhchap_secret", acl->password);
	if (acl->password_in)
		json_string(j, "dhchap_ctrl_secret", acl->password_in);
	json_string(j, "mode", attach_mode_name(acl->mode));
}

static void actl_json_show(struct json *j, const struct attach_volume_info *v)
{
	json_object_begin(j, NULL);
	actl_json_volume(j, v);
	json_array_begin(j, "attachments");
	for (size_t i = 0; i < v->n_attachments; i++) {
		const struct attach_attachment_info *a = &v->attachments[i];
		json_object_begin(j, NULL);
		json_string(j, "attachment_id", a->id);
		json_string(j, "state", attach_attachment_state_name(a->state));
		actl_json_opt(j, "instance", a->instance);
		actl_json_opt(j, "host", a->host);
		actl_json_opt(j, "mountpoint", a->mountpoint);
		json_string(j, "mode", attach_mode_name(a->mode));
		actl_json_opt(j, "initiator", a->initiator);
		json_bool(j, "connected", a->connected);
		json_uint(j, "created", a->created);
		json_object_end(j);
	}
	json_array_end(j);
	if (v->exported) {
		json_object_begin(j, "export");
		json_string(j, v->transport == ATTACH_TRANSPORT_NVME_TCP ? "target_nqn" : "target_iqn", v->target_iqn);
		json_array_begin(j, "portals");
		for (size_t i = 0; i < v->n_portals; i++)
			json_string(j, NULL, v->portals[i]);
		json_array_end(j);
		json_uint(j, v->transport == ATTACH_TRANSPORT_NVME_TCP ? "ns_id" : "lun", v->lun);
		actl_json_opt(j, "down", v->down);
		json_object_end(j);
	} else {
		json_null(j, "export");
	}
	json_array_begin(j, "acls");
	for (size_t i = 0; i < v->n_acls; i++) {
		const struct attach_acl_info *acl = &v->acls[i];
		json_object_begin(j, NULL);
		if (v->transport == ATTACH_TRANSPORT_NVME_TCP) {
			actl_json_nvme_acl(j, acl);
			json_object_end(j);
			continue;
		}
		json_string(j, "initiator", acl->initiator);
		json_uint(j, "refs", acl->refs);
		actl_json_opt(j, "auth_username", acl->username);
		if (acl->password)
			json_string(j, "auth_password", acl->password);
		actl_json_opt(j, "auth_username_in", acl->username_in);
		actl_json_opt(j, "auth_password_in", acl->password_in);
		json_string(j, "mode", attach_mode_name(acl->mode));
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

/* Each attachment, the export and each initiator is a "name: identity" line with indented details. */
static void actl_text_show(FILE *out, const struct attach_volume_info *v)
{
	char t[32];
	fprintf(out, "volume_id: %s\nname: %s\ndevice: %s\ndevice_node: %s\nidentity: %s\nstate: %s\nmultiattach: %s\n"
		"transport: %s\nsize: %llu\ncreated: %s\n",
		v->id, actl_text(v->name), actl_text(v->device), actl_text(v->device_node), actl_text(v->identity),
		attach_state_name(v->state), v->multiattach ? "yes" : "no", attach_transport_name(v->transport),
		(unsigned long long)v->size, actl_time(v->created, t, sizeof(t)));
	for (size_t i = 0; i < v->n_attachments; i++) {
		const struct attach_attachment_info *a = &v->attachments[i];
		fprintf(out,
			"attachment: %s\n  state: %s\n  instance: %s\n  host: %s\n  mountpoint: %s\n  mode: %s\n"
			"  initiator: %s%s\n  created: %s\n",
			a->id, attach_attachment_state_name(a->state), actl_text(a->instance), actl_text(a->host),
			actl_text(a->mountpoint), attach_mode_name(a->mode), actl_text(a->initiator),
			a->initiator && *a->initiator && !a->connected ? " (disconnected)" : "",
			actl_time(a->created, t, sizeof(t)));
	}
	if (v->exported) {
		fprintf(out, "export: %s\n  portals: ", actl_text(v->target_iqn));
		for (size_t i = 0; i < v->n_portals; i++)
			fprintf(out, "%s%s", i ? "," : "", v->portals[i]);
		fprintf(out, "%s\n  %s: %u\n", v->n_portals ? "" : "-",
			v->transport == ATTACH_TRANSPORT_NVME_TCP ? "ns_id" : "lun", v->lun);
		if (v->down)
			fprintf(out, "  down: %s\n", v->down);
	} else {
		fputs("export: -\n", out);
	}
	for (size_t i = 0; i < v->n_acls; i++) {
		const struct attach_acl_info *acl = &v->acls[i];
		if (v->transport == ATTACH_TRANSPORT_NVME_TCP) {
			fprintf(out, "host: %s\n  refs: %u\n  dhchap: %s%s\n", acl->initiator, acl->refs,
				actl_text(acl->dhchap_dhgroup), acl->dhchap_bidirectional ? " (bidirectional)" : "");
			if (acl->password)
				fprintf(out, "  dhchap_secret: %s\n", acl->password);
			if (acl->password_in)
				fprintf(out, "  dhchap_ctrl_secret: %s\n", acl->password_in);
			continue;
		}
		fprintf(out, "initiator: %s\n  refs: %u\n  mode: %s\n  auth_username: %s\n", acl->initiator, acl->refs,
			attach_mode_name(acl->mode), actl_text(acl->username));
		if (acl->password)
			fprintf(out, "  auth_password: %s\n", acl->password);
		if (acl->username_in)
			fprintf(out, "  auth_username_in: %s\n", acl->username_in);
		if (acl->password_in)
			fprintf(out, "  auth_password_in: %s\n", acl->password_in);
	}
}

int actl_print_volume_show(FILE *out, bool json, const struct attach_volume_info *v)
{
	if (!json) {
		actl_text_show(out, v);
		return actl_done(out);
	}
	struct json j;
	json_init(&j);
	actl_json_show(&j, v);
	return actl_emit(out, &j);
}

int actl_print_report(FILE *out, bool json, const char *const *steps, size_t n, const char *summary)
{
	return actl_print_lines(out, json, "steps", steps, n, summary ? summary : "");
}
