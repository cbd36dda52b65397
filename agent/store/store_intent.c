/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_intent.c: the journal of before-images and the pending intents (see store.h). An intent is an
 * attribute stream like the records: INTENT_A_CALL, INTENT_A_VOLUME, then one INTENT_A_IMAGE nest per
 * changed key {DB u8, KEY string, OLD binary (absent: the key did not exist)}. Its key is
 * "pending/<volume>": calls on different volumes may be in the kernel at once, one intent each
 * (docs/PROTOCOL.md §1, Concurrency). A database written before that holds at most one, under the key
 * "pending"; it is read, rolled back and cleared like the others.
 */
#include "store_internal.h"

#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "log.h"

#define INTENT_PREFIX "pending"
#define STORE_INTENT_KEY_MAX 128 /* "pending/" and a volume id, or "-" */
enum { INTENT_A_CALL = 1, INTENT_A_VOLUME, INTENT_A_IMAGE, INTENT_A_MAX = INTENT_A_IMAGE };
enum { IMG_A_DB = 1, IMG_A_KEY, IMG_A_OLD, IMG_A_MAX = IMG_A_OLD };

void store_journal_clear(struct store *s)
{
	for (size_t i = 0; i < s->n_images; i++) {
		free(s->images[i].key);
		if (s->images[i].old)
			explicit_bzero(s->images[i].old, s->images[i].old_len); /* ACL records hold secrets */
		free(s->images[i].old);
	}
	free(s->images);
	s->images = NULL;
	s->n_images = s->cap_images = 0;
}

void store_journal_start(struct store *s)
{
	store_journal_clear(s);
	s->journaling = true;
}

bool store_journal_changed(const struct store *s)
{
	return s->n_images > 0;
}

void store_journal_stop(struct store *s)
{
	s->journaling = false;
	store_journal_clear(s);
}

int store_journal_note(struct store *s, MDB_txn *txn, enum store_db db, const char *key)
{
	if (!s->journaling || db == STORE_INTENTS || db == STORE_META || db == STORE_OWNED)
		return 0;
	for (size_t i = 0; i < s->n_images; i++)
		if (s->images[i].db == db && !strcmp(s->images[i].key, key))
			return 0; /* the first change of a key has its before-image */
	if (s->n_images == s->cap_images) {
		size_t cap = s->cap_images ? s->cap_images * 2 : 8;
		struct store_image *n = realloc(s->images, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->images = n;
		s->cap_images = cap;
	}
	struct store_image *im = &s->images[s->n_images];
	memset(im, 0, sizeof(*im));
	im->db = db;
	im->key = strdup(key);
	if (!im->key)
		return -ENOMEM;
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc = mdb_get(txn, s->dbi[db], &k, &v);
	if (rc == MDB_SUCCESS) {
		im->old = malloc(v.mv_size ? v.mv_size : 1);
		if (!im->old) {
			free(im->key);
			return -ENOMEM;
		}
		memcpy(im->old, v.mv_data, v.mv_size);
		im->old_len = v.mv_size;
	} else if (rc != MDB_NOTFOUND) {
		free(im->key);
		return store_err(rc, "journal");
	}
	s->n_images++;
	return 0;
}

static int store_intent_key(char *key, size_t size, const char *volume);

int store_intent_put(struct store *s, MDB_txn *txn, const char *call, const char *volume)
{
	size_t need = 1024 + strlen(call) + strlen(volume);
	for (size_t i = 0; i < s->n_images; i++)
		need += s->images[i].old_len + strlen(s->images[i].key) + 64;
	struct nl_msg *m = nlmsg_alloc_size(need);
	if (!m || !nlmsg_put(m, 0, 0, 0, 0, 0)) {
		if (m)
			nlmsg_free(m);
		return -ENOMEM;
	}
	int rc = nla_put_string(m, INTENT_A_CALL, call) < 0 || nla_put_string(m, INTENT_A_VOLUME, volume) < 0;
	for (size_t i = 0; !rc && i < s->n_images; i++) {
		const struct store_image *im = &s->images[i];
		struct nlattr *nest = nla_nest_start(m, INTENT_A_IMAGE);
		rc = !nest || nla_put_u8(m, IMG_A_DB, (uint8_t)im->db) < 0 || nla_put_string(m, IMG_A_KEY, im->key) < 0 ||
		     (im->old && nla_put(m, IMG_A_OLD, (int)im->old_len, im->old) < 0) || nla_nest_end(m, nest) < 0;
	}
	if (rc) {
		nlmsg_free(m);
		return -EMSGSIZE;
	}
	char key[STORE_INTENT_KEY_MAX];
	if (store_intent_key(key, sizeof(key), volume)) {
		nlmsg_free(m);
		return -ENAMETOOLONG;
	}
	struct nlmsghdr *h = nlmsg_hdr(m);
	MDB_val k = { strlen(key), key }, v = { (size_t)nlmsg_attrlen(h, 0), nlmsg_attrdata(h, 0) };
	rc = store_err(store_full(txn, mdb_put(txn, s->dbi[STORE_INTENTS], &k, &v, 0)), "write intent");
	explicit_bzero(nlmsg_data(h), (size_t)nlmsg_datalen(h));
	nlmsg_free(m);
	return rc;
}

static int store_intent_key(char *key, size_t size, const char *volume)
{
	int n = snprintf(key, size, INTENT_PREFIX "/%s", volume);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* An intent's attributes in an aligned copy (caller frees *@copy). */
static int store_intent_parse(const MDB_val *v, void **copy, size_t *len, struct nlattr **tb)
{
	*copy = malloc(v->mv_size ? v->mv_size : 1);
	if (!*copy)
		return -ENOMEM;
	memcpy(*copy, v->mv_data, v->mv_size);
	*len = v->mv_size;
	if (nla_parse(tb, INTENT_A_MAX, *copy, (int)*len, NULL) < 0 || !tb[INTENT_A_CALL] || !tb[INTENT_A_VOLUME]) {
		free(*copy);
		log_error("store: a pending intent is unreadable");
		return -EUCLEAN;
	}
	return 0;
}

static void store_copy_str(const struct nlattr *a, char *out, size_t size)
{
	if (out && size)
		snprintf(out, size, "%.*s", nla_len(a), (const char *)nla_data(a));
}

/* store_intent_next's walk: the first intent whose volume its filter does not pass over */
struct store_intent_seek {
	bool (*skip)(const char *volume, void *arg);
	void *arg;
	char *key;
	void **copy;
	size_t *len;
	struct nlattr **tb;
};

static int store_intent_visit(const char *key, const MDB_val *v, void *ctx)
{
	struct store_intent_seek *q = ctx;
	if (strlen(key) >= STORE_INTENT_KEY_MAX)
		return -EUCLEAN;
	int rc = store_intent_parse(v, q->copy, q->len, q->tb);
	if (rc)
		return rc;
	char vol[STORE_INTENT_KEY_MAX];
	store_copy_str(q->tb[INTENT_A_VOLUME], vol, sizeof(vol));
	if (q->skip && q->skip(vol, q->arg)) {
		explicit_bzero(*q->copy, *q->len);
		free(*q->copy);
		return 0;
	}
	snprintf(q->key, STORE_INTENT_KEY_MAX, "%s", key);
	return 1;
}

/* The first pending intent (in key order) whose volume @skip does not pass over: its key goes to @key,
 * its attributes to an aligned copy (caller frees *@copy). -ENOENT if none. */
static int store_intent_next(struct store *s, MDB_txn *txn, bool (*skip)(const char *volume, void *arg), void *arg,
			     char key[STORE_INTENT_KEY_MAX], void **copy, size_t *len, struct nlattr **tb)
{
	struct store_intent_seek q = { .skip = skip, .arg = arg, .key = key, .copy = copy, .len = len, .tb = tb };
	int rc = store_walk(s, txn, STORE_INTENTS, INTENT_PREFIX, store_intent_visit, &q);
	return rc == 1 ? 0 : rc ? rc : -ENOENT;
}

int store_intent_find(struct store *s, MDB_txn *txn, bool (*skip)(const char *volume, void *arg), void *arg,
		      char *call, size_t csize, char *volume, size_t vsize)
{
	void *copy;
	size_t len;
	char key[STORE_INTENT_KEY_MAX];
	struct nlattr *tb[INTENT_A_MAX + 1];
	int rc = store_intent_next(s, txn, skip, arg, key, &copy, &len, tb);
	if (rc)
		return rc;
	store_copy_str(tb[INTENT_A_CALL], call, csize);
	store_copy_str(tb[INTENT_A_VOLUME], volume, vsize);
	explicit_bzero(copy, len);
	free(copy);
	return 0;
}

int store_intent_get(struct store *s, MDB_txn *txn, char *call, size_t csize, char *volume, size_t vsize)
{
	return store_intent_find(s, txn, NULL, NULL, call, csize, volume, vsize);
}

static int store_intent_del(struct store *s, MDB_txn *txn, const char *key)
{
	MDB_val k = { strlen(key), (void *)key };
	int rc = store_full(txn, mdb_del(txn, s->dbi[STORE_INTENTS], &k, NULL));
	return rc == MDB_NOTFOUND ? 0 : store_err(rc, "clear intent");
}

/* Put @copy's before-images back and delete the intent @key. */
static int store_intent_undo(struct store *s, MDB_txn *txn, const char *key, void *copy, size_t len)
{
	struct nlattr *pos;
	int rc = 0, rem;
	nla_for_each_attr(pos, copy, (int)len, rem) {
		struct nlattr *it[IMG_A_MAX + 1];
		if (nla_type(pos) != INTENT_A_IMAGE)
			continue;
		/* a journaled database: a record one (those before the intents, and the NVMe hosts after them) */
		if (nla_parse_nested(it, IMG_A_MAX, pos, NULL) < 0 || !it[IMG_A_DB] || !it[IMG_A_KEY] ||
		    (nla_get_u8(it[IMG_A_DB]) >= STORE_INTENTS && nla_get_u8(it[IMG_A_DB]) != STORE_NVME_HOSTS)) {
			rc = -EUCLEAN;
			break;
		}
		MDB_dbi dbi = s->dbi[nla_get_u8(it[IMG_A_DB])];
		MDB_val k = { (size_t)nla_len(it[IMG_A_KEY]), nla_data(it[IMG_A_KEY]) };
		if (k.mv_size && ((char *)k.mv_data)[k.mv_size - 1] == '\0')
			k.mv_size--;
		if (it[IMG_A_OLD]) {
			MDB_val v = { (size_t)nla_len(it[IMG_A_OLD]), nla_data(it[IMG_A_OLD]) };
			rc = store_err(store_full(txn, mdb_put(txn, dbi, &k, &v, 0)), "restore");
		} else {
			rc = store_full(txn, mdb_del(txn, dbi, &k, NULL));
			rc = rc == MDB_NOTFOUND ? 0 : store_err(rc, "restore");
		}
		if (rc)
			break;
	}
	explicit_bzero(copy, len);
	free(copy);
	return rc ? rc : store_intent_del(s, txn, key);
}

int store_intent_rollback(struct store *s, MDB_txn *txn)
{
	void *copy;
	size_t len;
	char key[STORE_INTENT_KEY_MAX];
	struct nlattr *tb[INTENT_A_MAX + 1];
	int rc = store_intent_next(s, txn, NULL, NULL, key, &copy, &len, tb);
	return rc ? rc : store_intent_undo(s, txn, key, copy, len);
}

int store_intent_rollback_vol(struct store *s, MDB_txn *txn, const char *volume)
{
	char key[STORE_INTENT_KEY_MAX];
	void *copy;
	size_t len;
	struct nlattr *tb[INTENT_A_MAX + 1];
	int rc = store_intent_key(key, sizeof(key), volume);
	if (rc)
		return rc;
	MDB_val k = { strlen(key), key }, v;
	rc = store_err(mdb_get(txn, s->dbi[STORE_INTENTS], &k, &v), "read intent");
	if (!rc)
		rc = store_intent_parse(&v, &copy, &len, tb);
	return rc ? rc : store_intent_undo(s, txn, key, copy, len);
}

int store_intent_clear(struct store *s, MDB_txn *txn, const char *volume)
{
	char key[STORE_INTENT_KEY_MAX];
	int rc = store_intent_key(key, sizeof(key), volume);
	return rc ? rc : store_intent_del(s, txn, key);
}
