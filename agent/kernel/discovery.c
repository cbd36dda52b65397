/* SPDX-License-Identifier: Apache-2.0 */
/* discovery.c: discovery CHAP credentials, in the database and in the kernel (see discovery.h). */
#include "discovery.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "chap.h"
#include "fault.h"
#include "lio_discovery.h"

#define DISC_VALUE_MAX (2 * ATTACH_CHAP_MAX + 2)

/* "<userid>:<password>" (store_verify.c checked its shape at open) into @d. */
static int discovery_parse(struct agent_discovery *d, const char *val)
{
	const char *colon = strchr(val, ':');
	if (!colon || colon == val || !colon[1] || (size_t)(colon - val) > ATTACH_CHAP_MAX ||
	    strlen(colon + 1) > ATTACH_CHAP_MAX)
		return -EUCLEAN;
	snprintf(d->userid, sizeof(d->userid), "%.*s", (int)(colon - val), val);
	snprintf(d->password, sizeof(d->password), "%s", colon + 1);
	d->stored = true;
	return 0;
}

/* New credentials, stored in @txn. */
static int discovery_make(struct agent *a, MDB_txn *txn, char *val, size_t size)
{
	char user[CHAP_LEN + 1], pass[CHAP_LEN + 1];
	int rc = chap_random(user, sizeof(user));
	if (!rc)
		rc = chap_random(pass, sizeof(pass));
	if (!rc) {
		snprintf(val, size, "%s:%s", user, pass);
		rc = store_put_str(a->store, txn, STORE_META, STORE_KEY_DISCOVERY, val);
	}
	explicit_bzero(pass, sizeof(pass));
	return rc;
}

static int discovery_load_once(struct agent *a, char *val, size_t size)
{
	MDB_txn *txn;
	bool make = a->cfg.discovery_chap;
	int rc = store_begin(a->store, make, &txn);
	if (rc)
		return rc;
	rc = store_get_str(a->store, txn, STORE_META, STORE_KEY_DISCOVERY, val, size);
	if (rc != -ENOENT || !make) {
		store_abort(txn);
		return rc;
	}
	rc = discovery_make(a, txn, val, size);
	if (rc) {
		store_abort(txn);
		return rc;
	}
	rc = store_commit(txn);
	if (!rc)
		log_info("discovery CHAP: new credentials made and stored");
	return rc;
}

int discovery_load(struct agent *a)
{
	char val[DISC_VALUE_MAX];
	int tries = 0, rc;
	memset(&a->disc, 0, sizeof(a->disc));
	do
		rc = discovery_load_once(a, val, sizeof(val));
	while (rc && store_retry_grown(a->store, rc, &tries));
	if (!rc)
		rc = discovery_parse(&a->disc, val);
	explicit_bzero(val, sizeof(val));
	if (rc == -ENOENT)
		return 0; /* never enabled */
	if (!rc)
		fault_point("discovery", "stored");
	return rc;
}

/* The option is on: make the kernel enforce the credentials, unless another tool's are there. */
static int discovery_want_on(struct agent *a, const struct lio_disc_state *st, bool dry_run, char *line,
			     size_t len, bool *failed)
{
	struct agent_discovery *d = &a->disc;
	bool ours = !strcmp(st->userid, d->userid);
	if (ours && !strcmp(st->password, d->password) && !st->mutual && st->enforce) {
		d->serve = true;
		return 0;
	}
	bool unset = lio_discovery_unset(st->userid) && lio_discovery_unset(st->password) && !st->mutual;
	if (!ours && !unset) {
		d->serve = false;
		*failed = true;
		snprintf(line, len, "discovery authentication: target/iscsi/discovery_auth holds credentials attachd "
			 "did not write: left alone, and initialize-connection returns no discovery credentials (clear "
			 "them, or run attachd without --discovery-chap)");
		return 1;
	}
	const char *what = unset ? "not set" : "attachd's, but not all in force";
	if (dry_run) {
		snprintf(line, len, "discovery authentication: %s; would be enforced", what);
		return 1;
	}
	fault_point("discovery", "enforce");
	int rc = lio_discovery_enforce(&a->cfs, d->userid, d->password, st->mutual);
	d->serve = rc == 0;
	*failed = rc != 0;
	snprintf(line, len, "discovery authentication: %s; %s%s", what, rc ? "enforcing it failed: " : "enforced",
		 rc ? strerror(-rc) : "");
	if (!rc)
		fault_point("discovery", "enforced");
	return 1;
}

/* The option is off: attachd's credentials in force are taken away again. */
static int discovery_want_off(struct agent *a, const struct lio_disc_state *st, bool dry_run, char *line,
			      size_t len, bool *failed)
{
	a->disc.serve = false;
	if (!a->disc.stored || strcmp(st->userid, a->disc.userid))
		return 0; /* unset, or not attachd's */
	if (dry_run) {
		snprintf(line, len, "discovery authentication: attachd's credentials are set but --discovery-chap is "
			 "off; discovery would be opened again");
		return 1;
	}
	fault_point("discovery", "open");
	int rc = lio_discovery_open(&a->cfs);
	*failed = rc != 0;
	snprintf(line, len, "discovery authentication: attachd's credentials are set but --discovery-chap is off; "
		 "%s%s", rc ? "opening discovery again failed: " : "discovery opened again", rc ? strerror(-rc) : "");
	return 1;
}

int discovery_reconcile(struct agent *a, bool dry_run, char *line, size_t len, bool *failed)
{
	struct lio_disc_state st;
	*failed = false;
	if (!a->cfg.discovery_chap && !a->disc.stored) {
		a->disc.serve = false;
		return 0; /* never turned on: not looked at */
	}
	int rc = lio_discovery_state(&a->cfs, &st);
	if (rc) {
		a->disc.serve = false;
		snprintf(line, len, "discovery authentication: target/iscsi/discovery_auth cannot be read: %s",
			 strerror(-rc));
	} else if (a->cfg.discovery_chap) {
		rc = discovery_want_on(a, &st, dry_run, line, len, failed);
	} else {
		rc = discovery_want_off(a, &st, dry_run, line, len, failed);
	}
	explicit_bzero(&st, sizeof(st));
	return rc;
}
