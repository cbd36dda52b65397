/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attachctl_stats.c: the stats call's three outputs. Text for people (the calls made, their errors and
 * mean time, the records, the reconciles, the sessions); JSON for programs (every number as the library
 * has it, microseconds included); the Prometheus text exposition format (version 0.0.4) for
 * node_exporter's textfile collector: HELP and TYPE lines, units in the names (seconds), counters ending
 * in _total, one cumulative histogram per call, label values escaped.
 */
#include "attachctl_print.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"

#define PROM "attachd_"

static int stats_done(FILE *out)
{
	return ferror(out) ? -EIO : 0;
}

/* Microseconds as decimal seconds, exactly, without trailing zeros ("0.0025", "10"). */
static const char *stats_seconds(uint64_t us, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%llu.%06llu", (unsigned long long)(us / 1000000), (unsigned long long)(us % 1000000));
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

/* A label value: backslash, double quote and newline escaped (the exposition format's three). */
static void stats_label(FILE *out, const char *name, const char *value, bool first)
{
	fprintf(out, "%s%s=\"", first ? "" : ",", name);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void stats_head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP " PROM "%s %s\n# TYPE " PROM "%s %s\n", name, help, name, type);
}

static void prom_calls(FILE *out, const struct attach_stats *s)
{
	stats_head(out, "calls_total", "counter", "Requests answered, by call and the status of the reply.");
	for (size_t i = 0; i < s->n_calls; i++) {
		const struct attach_stats_call *c = &s->calls[i];
		bool ok = false;
		for (size_t k = 0; k < c->n_statuses; k++)
			ok |= c->statuses[k].status == ATTACH_OK;
		if (!ok) { /* every call has its ok series, so rates start from zero */
			fprintf(out, PROM "calls_total{");
			stats_label(out, "call", c->name, true);
			stats_label(out, "status", attach_status_name(ATTACH_OK), false);
			fputs("} 0\n", out);
		}
		for (size_t k = 0; k < c->n_statuses; k++) {
			fprintf(out, PROM "calls_total{");
			stats_label(out, "call", c->name, true);
			stats_label(out, "status", attach_status_name(c->statuses[k].status), false);
			fprintf(out, "} %llu\n", (unsigned long long)c->statuses[k].count);
		}
	}
}

static void prom_durations(FILE *out, const struct attach_stats *s)
{
	char t[32];
	stats_head(out, "call_duration_seconds", "histogram",
		   "Time from a request read whole to its reply built, by call.");
	for (size_t i = 0; i < s->n_calls; i++) {
		const struct attach_stats_call *c = &s->calls[i];
		for (size_t k = 0; k < c->n_buckets; k++) {
			fprintf(out, PROM "call_duration_seconds_bucket{");
			stats_label(out, "call", c->name, true);
			stats_label(out, "le", stats_seconds(c->buckets[k].le_us, t, sizeof(t)), false);
			fprintf(out, "} %llu\n", (unsigned long long)c->buckets[k].count);
		}
		fprintf(out, PROM "call_duration_seconds_bucket{");
		stats_label(out, "call", c->name, true);
		fprintf(out, ",le=\"+Inf\"} %llu\n" PROM "call_duration_seconds_sum{", (unsigned long long)c->count);
		stats_label(out, "call", c->name, true);
		fprintf(out, "} %s\n" PROM "call_duration_seconds_count{", stats_seconds(c->sum_us, t, sizeof(t)));
		stats_label(out, "call", c->name, true);
		fprintf(out, "} %llu\n", (unsigned long long)c->count);
	}
}

static void prom_records(FILE *out, const struct attach_stats *s)
{
	const struct {
		const char *name, *help;
		uint64_t n;
	} g[] = {
		{ "volumes", "Volumes registered (the store's records).", s->volumes },
		{ "exports", "Volumes exported (the store's records).", s->exports },
		{ "acls", "Initiators with access to a volume (the store's records).", s->acls },
		{ "attachments", "Attachments, reserved or attached (the store's records).", s->attachments },
		{ "intents_pending", "Interrupted calls not rolled back yet (0 or 1).", s->intents },
	};
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		stats_head(out, g[i].name, "gauge", g[i].help);
		fprintf(out, PROM "%s %llu\n", g[i].name, (unsigned long long)g[i].n);
	}
}

/* One gauge over both reconciles, labelled run="start" or run="call"; @f picks its value. */
static void prom_recon_gauge(FILE *out, const struct attach_stats *s, const char *name, const char *help,
			     const char *(*f)(const struct attach_stats_reconcile *r, char *buf, size_t len))
{
	const struct attach_stats_reconcile *runs[] = { &s->at_start, &s->last_call };
	static const char *const run_names[] = { "start", "call" };
	char buf[32];
	stats_head(out, name, "gauge", help);
	for (size_t i = 0; i < 2; i++) {
		if (!runs[i]->ran)
			continue;
		fprintf(out, PROM "%s{", name);
		stats_label(out, "run", run_names[i], true);
		fprintf(out, "} %s\n", f(runs[i], buf, sizeof(buf)));
	}
}

#define RECON_FIELD(field)                                                                                   \
	static const char *recon_##field(const struct attach_stats_reconcile *r, char *buf, size_t len)        \
	{                                                                                                      \
		snprintf(buf, len, "%llu", (unsigned long long)r->field);                                      \
		return buf;                                                                                    \
	}
RECON_FIELD(time)
RECON_FIELD(differences)
RECON_FIELD(fixed)
RECON_FIELD(failed)
RECON_FIELD(down)
RECON_FIELD(unowned)
RECON_FIELD(removed)

static const char *recon_duration(const struct attach_stats_reconcile *r, char *buf, size_t len)
{
	return stats_seconds(r->duration_us, buf, len);
}

static const char *recon_success(const struct attach_stats_reconcile *r, char *buf, size_t len)
{
	snprintf(buf, len, "%d", r->status == ATTACH_OK);
	return buf;
}

static void prom_reconciles(FILE *out, const struct attach_stats *s)
{
	const char *ofrun = " (run=start: at the agent's start; run=call: the last reconcile call).";
	char h[9][160];
	static const char *const what[] = {
		"When the reconcile ended, in seconds since the epoch", "How long the reconcile took",
		"1 when the reconcile fixed every difference, else 0", "Differences the reconcile found",
		"Differences the reconcile fixed", "Differences the reconcile could not fix",
		"Exports the reconcile left down (their disk missing or another)",
		"Objects of attachd's names the reconcile found that this database did not make",
		"Objects of attachd's names without a record that the reconcile removed",
	};
	for (int i = 0; i < 9; i++)
		snprintf(h[i], sizeof(h[i]), "%s%s", what[i], ofrun);
	prom_recon_gauge(out, s, "reconcile_time_seconds", h[0], recon_time);
	prom_recon_gauge(out, s, "reconcile_duration_seconds", h[1], recon_duration);
	prom_recon_gauge(out, s, "reconcile_success", h[2], recon_success);
	prom_recon_gauge(out, s, "reconcile_differences", h[3], recon_differences);
	prom_recon_gauge(out, s, "reconcile_fixed", h[4], recon_fixed);
	prom_recon_gauge(out, s, "reconcile_failed", h[5], recon_failed);
	prom_recon_gauge(out, s, "reconcile_down", h[6], recon_down);
	prom_recon_gauge(out, s, "reconcile_unowned", h[7], recon_unowned);
	prom_recon_gauge(out, s, "reconcile_removed", h[8], recon_removed);
}

static void prom_exports(FILE *out, const struct attach_stats *s)
{
	stats_head(out, "export_up", "gauge", "1 while the volume's export is up, 0 while it is down (its disk).");
	for (size_t i = 0; i < s->n_export_stats; i++) {
		fprintf(out, PROM "export_up{");
		stats_label(out, "volume", s->export_stats[i].volume_id, true);
		fprintf(out, "} %d\n", !s->export_stats[i].down);
	}
	stats_head(out, "iscsi_sessions", "gauge", "iSCSI sessions the kernel shows on the volume's target.");
	for (size_t i = 0; i < s->n_export_stats; i++) {
		if (!s->export_stats[i].sessions_read)
			continue;
		fprintf(out, PROM "iscsi_sessions{");
		stats_label(out, "volume", s->export_stats[i].volume_id, true);
		fprintf(out, "} %u\n", s->export_stats[i].sessions);
	}
	stats_head(out, "iscsi_initiator_logged_in", "gauge",
		   "1 while the kernel shows a session of the initiator on the volume's target, else 0.");
	for (size_t i = 0; i < s->n_export_stats; i++) {
		const struct attach_stats_export *x = &s->export_stats[i];
		for (size_t k = 0; k < x->n_initiators; k++) {
			fprintf(out, PROM "iscsi_initiator_logged_in{");
			stats_label(out, "volume", x->volume_id, true);
			stats_label(out, "initiator", x->initiators[k].initiator, false);
			fprintf(out, "} %d\n", x->initiators[k].logged_in);
		}
	}
}

static int stats_prometheus(FILE *out, const struct attach_stats *s)
{
	stats_head(out, "start_time_seconds", "gauge", "When attachd started, in seconds since the epoch.");
	fprintf(out, PROM "start_time_seconds %llu\n", (unsigned long long)s->start_time);
	prom_calls(out, s);
	prom_durations(out, s);
	prom_records(out, s);
	prom_reconciles(out, s);
	prom_exports(out, s);
	return stats_done(out);
}

static void json_recon(struct json *j, const char *key, const struct attach_stats_reconcile *r)
{
	if (!r->ran) {
		json_null(j, key);
		return;
	}
	json_object_begin(j, key);
	json_uint(j, "time", r->time);
	json_uint(j, "duration_us", r->duration_us);
	json_string(j, "status", attach_status_name(r->status));
	json_uint(j, "differences", r->differences);
	json_uint(j, "fixed", r->fixed);
	json_uint(j, "failed", r->failed);
	json_uint(j, "down", r->down);
	json_uint(j, "unowned", r->unowned);
	json_uint(j, "removed", r->removed);
	json_object_end(j);
}

static void json_call(struct json *j, const struct attach_stats_call *c)
{
	json_object_begin(j, NULL);
	json_string(j, "call", c->name);
	json_uint(j, "count", c->count);
	json_uint(j, "sum_us", c->sum_us);
	json_object_begin(j, "statuses");
	for (size_t k = 0; k < c->n_statuses; k++)
		json_uint(j, attach_status_name(c->statuses[k].status), c->statuses[k].count);
	json_object_end(j);
	json_array_begin(j, "buckets");
	for (size_t k = 0; k < c->n_buckets; k++) {
		json_object_begin(j, NULL);
		json_uint(j, "le_us", c->buckets[k].le_us);
		json_uint(j, "count", c->buckets[k].count);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static void json_export(struct json *j, const struct attach_stats_export *x)
{
	json_object_begin(j, NULL);
	json_string(j, "volume_id", x->volume_id);
	json_string(j, "target_iqn", x->target_iqn);
	if (x->down)
		json_string(j, "down", x->down);
	else
		json_null(j, "down");
	if (x->sessions_read)
		json_uint(j, "sessions", x->sessions);
	else
		json_null(j, "sessions");
	json_array_begin(j, "initiators");
	for (size_t k = 0; k < x->n_initiators; k++) {
		json_object_begin(j, NULL);
		json_string(j, "initiator", x->initiators[k].initiator);
		json_bool(j, "logged_in", x->initiators[k].logged_in);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static int stats_json(FILE *out, const struct attach_stats *s)
{
	struct json j;
	json_init(&j);
	json_object_begin(&j, NULL);
	json_uint(&j, "start_time", s->start_time);
	json_object_begin(&j, "records");
	json_uint(&j, "volumes", s->volumes);
	json_uint(&j, "exports", s->exports);
	json_uint(&j, "acls", s->acls);
	json_uint(&j, "attachments", s->attachments);
	json_uint(&j, "intents", s->intents);
	json_object_end(&j);
	json_object_begin(&j, "reconcile");
	json_recon(&j, "start", &s->at_start);
	json_recon(&j, "call", &s->last_call);
	json_object_end(&j);
	json_array_begin(&j, "calls");
	for (size_t i = 0; i < s->n_calls; i++)
		json_call(&j, &s->calls[i]);
	json_array_end(&j);
	json_array_begin(&j, "exports");
	for (size_t i = 0; i < s->n_export_stats; i++)
		json_export(&j, &s->export_stats[i]);
	json_array_end(&j);
	json_object_end(&j);
	char *doc = json_finish(&j);
	if (!doc)
		return -ENOMEM;
	int rc = fprintf(out, "%s\n", doc) < 0 ? -EIO : 0;
	free(doc);
	return rc;
}

/* Seconds since the epoch as UTC ISO 8601. */
static const char *stats_time(uint64_t t, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%llu", (unsigned long long)t);
	return buf;
}

static void text_recon(FILE *out, const char *what, const struct attach_stats_reconcile *r)
{
	char t[32], d[32];
	if (!r->ran) {
		fprintf(out, "%s: none\n", what);
		return;
	}
	fprintf(out, "%s: %s, %s s, %s: %llu difference(s), %llu fixed, %llu failed, %llu down, %llu unowned, "
		"%llu removed\n", what, stats_time(r->time, t, sizeof(t)), stats_seconds(r->duration_us, d, sizeof(d)),
		attach_status_name(r->status), (unsigned long long)r->differences, (unsigned long long)r->fixed,
		(unsigned long long)r->failed, (unsigned long long)r->down, (unsigned long long)r->unowned,
		(unsigned long long)r->removed);
}

/* One line per call made: its count, errors, mean time and statuses. */
static void text_calls(FILE *out, const struct attach_stats *s)
{
	fprintf(out, "%-22s %8s %8s %10s  %s\n", "CALL", "COUNT", "ERRORS", "MEAN_MS", "STATUSES");
	for (size_t i = 0; i < s->n_calls; i++) {
		const struct attach_stats_call *c = &s->calls[i];
		uint64_t ok = 0;
		if (!c->count)
			continue;
		for (size_t k = 0; k < c->n_statuses; k++)
			ok += c->statuses[k].status == ATTACH_OK ? c->statuses[k].count : 0;
		fprintf(out, "%-22s %8llu %8llu %10.3f ", c->name, (unsigned long long)c->count,
			(unsigned long long)(c->count - ok), (double)c->sum_us / (double)c->count / 1000.0);
		for (size_t k = 0; k < c->n_statuses; k++)
			fprintf(out, " %s=%llu", attach_status_name(c->statuses[k].status),
				(unsigned long long)c->statuses[k].count);
		fputc('\n', out);
	}
}

static void text_exports(FILE *out, const struct attach_stats *s)
{
	for (size_t i = 0; i < s->n_export_stats; i++) {
		const struct attach_stats_export *x = &s->export_stats[i];
		fprintf(out, "export %s: %s", x->volume_id, x->target_iqn);
		if (x->sessions_read)
			fprintf(out, ", %u session(s)", x->sessions);
		else
			fputs(", sessions unknown (no target in the kernel)", out);
		if (x->down)
			fprintf(out, ", down: %s", x->down);
		fputc('\n', out);
		for (size_t k = 0; k < x->n_initiators; k++)
			fprintf(out, "  %s: %s\n", x->initiators[k].initiator,
				x->initiators[k].logged_in ? "logged in" : "no session");
	}
}

static int stats_text(FILE *out, const struct attach_stats *s)
{
	char t[32];
	fprintf(out, "started: %s\n", stats_time(s->start_time, t, sizeof(t)));
	fprintf(out, "records: %llu volume(s), %llu export(s), %llu acl(s), %llu attachment(s), %llu intent(s) "
		"pending\n", (unsigned long long)s->volumes, (unsigned long long)s->exports,
		(unsigned long long)s->acls, (unsigned long long)s->attachments, (unsigned long long)s->intents);
	text_recon(out, "reconcile at start", &s->at_start);
	text_recon(out, "last reconcile call", &s->last_call);
	text_calls(out, s);
	text_exports(out, s);
	return stats_done(out);
}

int actl_print_stats(FILE *out, enum actl_format format, const struct attach_stats *s)
{
	switch (format) {
	case ACTL_FORMAT_TEXT:
		return stats_text(out, s);
	case ACTL_FORMAT_JSON:
		return stats_json(out, s);
	case ACTL_FORMAT_PROMETHEUS:
		return stats_prometheus(out, s);
	}
	return -EINVAL;
}
