/* SPDX-License-Identifier: Apache-2.0 */
/*
 * client_stats.c: the stats reply into struct attach_stats. Repeated nests (CALL_STATS, EXPORT_STATS at the
 * top; TALLY, BUCKET and ACL inside) are counted first, then read in order; a nest without what makes it
 * one (a call's name, a tally's count, an export's volume id) is a malformed reply (-EPROTO). Tally names
 * this library does not know are skipped: a newer agent may count more.
 */
#include "client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int stats_parse(struct nlattr **tb, struct nlattr *nest)
{
	return nla_parse_nested(tb, ATTACH_A_MAX, nest, (struct nla_policy *)proto_reply_policy) < 0 ? -EPROTO : 0;
}

static size_t stats_count_in(struct nlattr *nest, int type)
{
	struct nlattr *pos;
	int rem;
	size_t n = 0;
	nla_for_each_nested(pos, nest, rem) n += nla_type(pos) == type;
	return n;
}

static uint64_t stats_u64(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u64(tb[a]) : 0;
}

/* A TALLY nest: its name ("" when it counts a status) or status, and its count. */
static int stats_tally(struct nlattr *nest, const char **name, uint32_t *status, uint64_t *count)
{
	struct nlattr *tb[ATTACH_A_MAX + 1];
	if (stats_parse(tb, nest) || !tb[ATTACH_A_COUNT] || (!tb[ATTACH_A_NAME] && !tb[ATTACH_A_STATUS]))
		return -EPROTO;
	*name = tb[ATTACH_A_NAME] ? nla_get_string(tb[ATTACH_A_NAME]) : "";
	*status = tb[ATTACH_A_STATUS] ? nla_get_u32(tb[ATTACH_A_STATUS]) : 0;
	*count = nla_get_u64(tb[ATTACH_A_COUNT]);
	return 0;
}

/* The tally named @name among @names: where its count goes, or NULL. */
static uint64_t *stats_field(const char *const *names, uint64_t *const *fields, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return fields[i];
	return NULL;
}

static int stats_call_item(struct attach_stats_call *c, struct nlattr *pos)
{
	if (nla_type(pos) == ATTACH_A_TALLY) {
		struct attach_stats_status *st = &c->statuses[c->n_statuses++];
		const char *name;
		int rc = stats_tally(pos, &name, &st->status, &st->count);
		return rc ? rc : *name ? -EPROTO : 0; /* a call's tally counts a status, not a name */
	}
	if (nla_type(pos) == ATTACH_A_BUCKET) {
		struct nlattr *tb[ATTACH_A_MAX + 1];
		if (stats_parse(tb, pos) || !tb[ATTACH_A_LE_US] || !tb[ATTACH_A_COUNT])
			return -EPROTO;
		c->buckets[c->n_buckets++] = (struct attach_stats_bucket){ nla_get_u64(tb[ATTACH_A_LE_US]),
									   nla_get_u64(tb[ATTACH_A_COUNT]) };
	}
	return 0;
}

static int stats_call(struct attach_stats_call *c, struct nlattr *nest)
{
	struct nlattr *tb[ATTACH_A_MAX + 1], *pos;
	int rem, rc = 0;
	if (stats_parse(tb, nest) || !tb[ATTACH_A_NAME] || !tb[ATTACH_A_COUNT])
		return -EPROTO;
	c->name = strdup(nla_get_string(tb[ATTACH_A_NAME]));
	c->count = nla_get_u64(tb[ATTACH_A_COUNT]);
	c->sum_us = stats_u64(tb, ATTACH_A_SUM_US);
	size_t nt = stats_count_in(nest, ATTACH_A_TALLY), nb = stats_count_in(nest, ATTACH_A_BUCKET);
	c->statuses = calloc(nt ? nt : 1, sizeof(*c->statuses));
	c->buckets = calloc(nb ? nb : 1, sizeof(*c->buckets));
	if (!c->name || !c->statuses || !c->buckets)
		return -ENOMEM;
	nla_for_each_nested(pos, nest, rem) {
		rc = stats_call_item(c, pos);
		if (rc)
			break;
	}
	return rc;
}

static int stats_records(struct attach_stats *s, struct nlattr *nest)
{
	static const char *const names[] = { "volumes", "exports", "acls", "attachments", "intents" };
	uint64_t *const fields[] = { &s->volumes, &s->exports, &s->acls, &s->attachments, &s->intents };
	struct nlattr *pos;
	int rem;
	nla_for_each_nested(pos, nest, rem) {
		const char *name;
		uint32_t status;
		uint64_t count, *f;
		if (nla_type(pos) != ATTACH_A_TALLY)
			continue;
		if (stats_tally(pos, &name, &status, &count))
			return -EPROTO;
		if ((f = stats_field(names, fields, sizeof(names) / sizeof(names[0]), name)))
			*f = count;
	}
	return 0;
}

static int stats_reconcile(struct attach_stats *s, struct nlattr *nest)
{
	static const char *const names[] = { "differences", "fixed", "failed", "down", "unowned", "removed" };
	struct nlattr *tb[ATTACH_A_MAX + 1], *pos;
	int rem;
	if (stats_parse(tb, nest) || !tb[ATTACH_A_NAME] || !tb[ATTACH_A_STATUS])
		return -EPROTO;
	const char *which = nla_get_string(tb[ATTACH_A_NAME]);
	struct attach_stats_reconcile *r = !strcmp(which, "start") ? &s->at_start :
					   !strcmp(which, "call") ? &s->last_call : NULL;
	if (!r)
		return 0; /* a kind of run this library does not know */
	uint64_t *const fields[] = { &r->differences, &r->fixed, &r->failed, &r->down, &r->unowned, &r->removed };
	*r = (struct attach_stats_reconcile){ .ran = true, .time = stats_u64(tb, ATTACH_A_TIME),
					      .duration_us = stats_u64(tb, ATTACH_A_SUM_US),
					      .status = nla_get_u32(tb[ATTACH_A_STATUS]) };
	nla_for_each_nested(pos, nest, rem) {
		const char *name;
		uint32_t status;
		uint64_t count, *f;
		if (nla_type(pos) != ATTACH_A_TALLY)
			continue;
		if (stats_tally(pos, &name, &status, &count))
			return -EPROTO;
		if ((f = stats_field(names, fields, sizeof(names) / sizeof(names[0]), name)))
			*f = count;
	}
	return 0;
}

static int stats_initiator(struct attach_stats_initiator *i, struct nlattr *nest)
{
	struct nlattr *tb[ATTACH_A_MAX + 1];
	if (stats_parse(tb, nest) || !tb[ATTACH_A_INITIATOR])
		return -EPROTO;
	i->initiator = strdup(nla_get_string(tb[ATTACH_A_INITIATOR]));
	i->logged_in = tb[ATTACH_A_LOGGED_IN] != NULL;
	return i->initiator ? 0 : -ENOMEM;
}

static int stats_export(struct attach_stats_export *x, struct nlattr *nest)
{
	struct nlattr *tb[ATTACH_A_MAX + 1], *pos;
	int rem, rc = 0;
	if (stats_parse(tb, nest) || !tb[ATTACH_A_VOLUME_ID] || !tb[ATTACH_A_TARGET_IQN])
		return -EPROTO;
	client_copy_str(tb, ATTACH_A_VOLUME_ID, x->volume_id, sizeof(x->volume_id));
	x->target_iqn = strdup(nla_get_string(tb[ATTACH_A_TARGET_IQN]));
	x->down = tb[ATTACH_A_DOWN] ? strdup(nla_get_string(tb[ATTACH_A_DOWN])) : NULL;
	x->sessions_read = tb[ATTACH_A_SESSIONS] != NULL;
	x->sessions = x->sessions_read ? nla_get_u32(tb[ATTACH_A_SESSIONS]) : 0;
	size_t n = stats_count_in(nest, ATTACH_A_ACL);
	x->initiators = calloc(n ? n : 1, sizeof(*x->initiators));
	if (!x->target_iqn || (tb[ATTACH_A_DOWN] && !x->down) || !x->initiators)
		return -ENOMEM;
	nla_for_each_nested(pos, nest, rem) {
		if (nla_type(pos) != ATTACH_A_ACL)
			continue;
		rc = stats_initiator(&x->initiators[x->n_initiators++], pos);
		if (rc)
			break;
	}
	return rc;
}

void attach_stats_free(struct attach_stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->calls && i < s->n_calls; i++) {
		free(s->calls[i].name);
		free(s->calls[i].statuses);
		free(s->calls[i].buckets);
	}
	free(s->calls);
	for (size_t i = 0; s->export_stats && i < s->n_export_stats; i++) {
		struct attach_stats_export *x = &s->export_stats[i];
		free(x->target_iqn);
		free(x->down);
		for (size_t k = 0; x->initiators && k < x->n_initiators; k++)
			free(x->initiators[k].initiator);
		free(x->initiators);
	}
	free(s->export_stats);
	free(s);
}

/* Every top-level attribute of the reply in @c into @s (its arrays allocated to the counts). */
static int stats_fill(struct attach_client *c, struct attach_stats *s)
{
	struct nlattr *pos;
	int rem, rc = 0;
	s->start_time = stats_u64(c->tb, ATTACH_A_TIME);
	nlmsg_for_each_attr(pos, (struct nlmsghdr *)c->buf, 0, rem) {
		switch (nla_type(pos)) {
		case ATTACH_A_CALL_STATS:
			rc = stats_call(&s->calls[s->n_calls++], pos);
			break;
		case ATTACH_A_EXPORT_STATS:
			rc = stats_export(&s->export_stats[s->n_export_stats++], pos);
			break;
		case ATTACH_A_RECORDS:
			rc = stats_records(s, pos);
			break;
		case ATTACH_A_RECONCILE_RUN:
			rc = stats_reconcile(s, pos);
			break;
		default:
			break;
		}
		if (rc)
			break;
	}
	return rc;
}

int attach_stats(struct attach_client *c, struct attach_stats **out)
{
	*out = NULL;
	struct nl_msg *m = client_request(c, ATTACH_MSG_STATS, NULL);
	if (!m)
		return -ENOMEM;
	int rc = client_transact(c, m);
	if (rc)
		return rc;
	struct nlattr *pos;
	int rem;
	size_t ncalls = 0, nexports = 0;
	nlmsg_for_each_attr(pos, (struct nlmsghdr *)c->buf, 0, rem) {
		ncalls += nla_type(pos) == ATTACH_A_CALL_STATS;
		nexports += nla_type(pos) == ATTACH_A_EXPORT_STATS;
	}
	struct attach_stats *s = calloc(1, sizeof(*s));
	if (s) {
		s->calls = calloc(ncalls ? ncalls : 1, sizeof(*s->calls));
		s->export_stats = calloc(nexports ? nexports : 1, sizeof(*s->export_stats));
	}
	if (!s || !s->calls || !s->export_stats) {
		attach_stats_free(s);
		return client_fail(c, -ENOMEM, "out of memory");
	}
	rc = stats_fill(c, s);
	if (rc) {
		attach_stats_free(s);
		return client_fail(c, rc, rc == -ENOMEM ? "out of memory" : "malformed statistics in the agent's reply");
	}
	*out = s;
	return 0;
}
