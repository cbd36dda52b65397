/* SPDX-License-Identifier: Apache-2.0 */
/* store.c: the LMDB environment, the named databases, typed get/put/scan (see store.h). */
#include "store_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define STORE_MAP_SIZE (64ul << 20)

static const char *const store_db_names[STORE_DB_COUNT] = {
	[STORE_META] = "meta",
	[STORE_VOLUMES] = "volumes",
	[STORE_ATTACHMENTS] = "attachments",
	[STORE_EXPORTS] = "exports",
	[STORE_ACLS] = "acls",
	[STORE_DEVICES] = "devices",
	[STORE_INTENTS] = "intents",
};

static const enum rec_type_id store_db_types[STORE_DB_COUNT] = {
	[STORE_VOLUMES] = REC_VOLUME,
	[STORE_ATTACHMENTS] = REC_ATTACHMENT,
	[STORE_EXPORTS] = REC_EXPORT,
	[STORE_ACLS] = REC_ACL,
};

/* The one place LMDB's result codes become errno values. */
int store_err(int rc, const char *what)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
		log_warn("store: %s: %s", what, mdb_strerror(rc));
		return -ENOSPC;
	case ENOMEM:
		return -ENOMEM;
	default:
		/* LMDB's own codes (corruption, version mismatch...) and the disk's errors (EIO at commit) are the
		 * agent's trouble, not the caller's: "internal" on the wire, the details in the log */
		log_error("store: %s: %s", what, mdb_strerror(rc));
		return -ENOTRECOVERABLE;
	}
}

/* Remember a full map (for store_take_map_full()); the store is the environment's user context. */
int store_full(MDB_txn *txn, int rc)
{
	if (rc == MDB_MAP_FULL) {
		struct store *s = mdb_env_get_userctx(mdb_txn_env(txn));
		if (s)
			s->map_full = true;
	}
	return rc;
}

static int store_prepare_dir(const char *dir)
{
	struct stat st;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if ((st.st_mode & 07777) != 0700) {
		log_warn("store: %s had mode %04o; setting 0700", dir, st.st_mode & 07777);
		if (chmod(dir, 0700) < 0)
			return -errno;
	}
	return 0;
}

static int store_lock(struct store *s, const char *dir)
{
	char path[4096];
	if ((size_t)snprintf(path, sizeof(path), "%s/attachd.lock", dir) >= sizeof(path))
		return -ENAMETOOLONG;
	s->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lockfd < 0)
		return -errno;
	if (flock(s->lockfd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EWOULDBLOCK : -errno;
	return 0;
}

/* New database: write our schema. Existing: refuse one newer than ours. */
static int store_schema(struct store *s)
{
	MDB_txn *txn;
	int rc = store_begin(s, true, &txn);
	if (rc)
		return rc;
	MDB_val k = { 6, (void *)"schema" }, v;
	rc = mdb_get(txn, s->dbi[STORE_META], &k, &v);
	if (rc == MDB_NOTFOUND) {
		uint32_t schema = STORE_SCHEMA;
		v.mv_size = sizeof(schema);
		v.mv_data = &schema;
		rc = store_err(mdb_put(txn, s->dbi[STORE_META], &k, &v, 0), "write schema");
		if (rc) {
			store_abort(txn);
			return rc;
		}
		return store_commit(txn);
	}
	rc = store_err(rc, "read schema");
	if (!rc) {
		uint32_t schema = 0;
		if (v.mv_size != sizeof(schema))
			rc = -EPROTO;
		else {
			memcpy(&schema, v.mv_data, sizeof(schema));
			if (schema > STORE_SCHEMA) {
				log_error("store: database schema %u is newer than this attachd's (%u)", schema,
					  STORE_SCHEMA);
				rc = -EPROTONOSUPPORT;
			}
		}
	}
	store_abort(txn);
	return rc;
}

int store_open(struct store **out, const char *dir)
{
	return store_open_sized(out, dir, STORE_MAP_SIZE);
}

bool store_take_map_full(struct store *s)
{
	bool full = s->map_full;
	s->map_full = false;
	return full;
}

int store_grow(struct store *s)
{
	size_t next = s->map_size * 2;
	int rc = store_err(mdb_env_set_mapsize(s->env, next), "grow map");
	if (rc)
		return rc;
	log_info("store: map grown from %zu to %zu MiB", s->map_size >> 20, next >> 20);
	s->map_size = next;
	return 0;
}

int store_open_sized(struct store **out, const char *dir, size_t map_size)
{
	struct store *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->lockfd = -1;
	int rc = store_prepare_dir(dir);
	if (!rc)
		rc = store_lock(s, dir);
	if (!rc)
		rc = store_err(mdb_env_create(&s->env), "create environment");
	if (!rc)
		rc = store_err(mdb_env_set_maxdbs(s->env, STORE_DB_COUNT), "set maxdbs");
	if (!rc)
		rc = store_err(mdb_env_set_mapsize(s->env, map_size), "set map size");
	s->map_size = map_size;
	if (!rc)
		rc = store_err(mdb_env_open(s->env, dir, MDB_NOTLS, 0600), "open environment");
	if (!rc) {
		/* an existing database may already be larger than asked: LMDB keeps its size */
		MDB_envinfo info;
		mdb_env_set_userctx(s->env, s);
		if (mdb_env_info(s->env, &info) == 0)
			s->map_size = info.me_mapsize;
	}
	if (!rc) {
		int dead = 0;
		mdb_reader_check(s->env, &dead); /* stale readers of a crashed process */
		if (dead)
			log_warn("store: cleared %d stale reader slot(s)", dead);
		MDB_txn *txn;
		rc = store_begin(s, true, &txn);
		for (int i = 0; !rc && i < STORE_DB_COUNT; i++)
			rc = store_err(mdb_dbi_open(txn, store_db_names[i], MDB_CREATE, &s->dbi[i]), store_db_names[i]);
		if (!rc)
			rc = store_commit(txn);
		else if (txn)
			store_abort(txn);
	}
	if (!rc)
		rc = store_schema(s);
	if (rc) {
		store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->env)
		mdb_env_close(s->env);
	if (s->lockfd >= 0)
		close(s->lockfd);
	store_journal_clear(s);
	free(s);
}

int store_begin(struct store *s, bool write, MDB_txn **txn)
{
	*txn = NULL;
	return store_err(mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, txn), "begin transaction");
}

int store_commit(MDB_txn *txn)
{
	MDB_env *env = mdb_txn_env(txn);
	int rc = mdb_txn_commit(txn);
	if (rc == MDB_MAP_FULL) {
		struct store *s = mdb_env_get_userctx(env);
		if (s)
			s->map_full = true;
	}
	return store_err(rc, "commit");
}

void store_abort(MDB_txn *txn)
{
	if (txn)
		mdb_txn_abort(txn);
}

static MDB_val store_key(const char *key)
{
	MDB_val k = { strlen(key), (void *)key };
	return k;
}

int store_get(struct store *s, MDB_txn *txn, enum store_db db, const char *key, void *rec)
{
	MDB_val k = store_key(key), v;
	int rc = store_err(mdb_get(txn, s->dbi[db], &k, &v), "get");
	if (rc)
		return rc;
	rc = rec_decode(store_db_types[db], v.mv_data, v.mv_size, rec);
	if (rc) {
		log_error("store: %s/%s: unreadable record", store_db_names[db], key);
		return -EUCLEAN;
	}
	return 0;
}

int store_put(struct store *s, MDB_txn *txn, enum store_db db, const char *key, const void *rec)
{
	char buf[REC_MAX_SIZE];
	size_t len;
	int rc = rec_encode(store_db_types[db], rec, buf, sizeof(buf), &len);
	if (!rc)
		rc = store_journal_note(s, txn, db, key);
	if (rc)
		return rc;
	MDB_val k = store_key(key), v = { len, buf };
	return store_err(store_full(txn, mdb_put(txn, s->dbi[db], &k, &v, 0)), "put");
}

int store_del(struct store *s, MDB_txn *txn, enum store_db db, const char *key)
{
	int rc = store_journal_note(s, txn, db, key);
	if (rc)
		return rc;
	MDB_val k = store_key(key);
	return store_err(store_full(txn, mdb_del(txn, s->dbi[db], &k, NULL)), "delete");
}

int store_get_str(struct store *s, MDB_txn *txn, enum store_db db, const char *key, char *val, size_t size)
{
	MDB_val k = store_key(key), v;
	int rc = store_err(mdb_get(txn, s->dbi[db], &k, &v), "get");
	if (rc)
		return rc;
	if (v.mv_size >= size)
		return -EUCLEAN;
	memcpy(val, v.mv_data, v.mv_size);
	val[v.mv_size] = '\0';
	return 0;
}

int store_put_str(struct store *s, MDB_txn *txn, enum store_db db, const char *key, const char *val)
{
	int rc = store_journal_note(s, txn, db, key);
	if (rc)
		return rc;
	MDB_val k = store_key(key), v = { strlen(val), (void *)val };
	return store_err(store_full(txn, mdb_put(txn, s->dbi[db], &k, &v, 0)), "put");
}

int store_scan(struct store *s, MDB_txn *txn, enum store_db db, const char *prefix, void *rec,
	       int (*fn)(const char *key, void *rec, void *arg), void *arg)
{
	MDB_cursor *cur;
	int rc = store_err(mdb_cursor_open(txn, s->dbi[db], &cur), "cursor");
	if (rc)
		return rc;
	size_t plen = strlen(prefix);
	MDB_val k = store_key(prefix), v;
	int mrc = mdb_cursor_get(cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
	char key[1024];
	while (mrc == MDB_SUCCESS) {
		if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen))
			break;
		if (k.mv_size >= sizeof(key)) {
			rc = -EUCLEAN;
			break;
		}
		memcpy(key, k.mv_data, k.mv_size);
		key[k.mv_size] = '\0';
		rc = rec_decode(store_db_types[db], v.mv_data, v.mv_size, rec);
		if (rc) {
			log_error("store: %s/%s: unreadable record", store_db_names[db], key);
			rc = -EUCLEAN;
			break;
		}
		rc = fn(key, rec, arg);
		if (rc)
			break;
		mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (!rc && mrc != MDB_SUCCESS && mrc != MDB_NOTFOUND)
		rc = store_err(mrc, "cursor walk");
	mdb_cursor_close(cur);
	return rc;
}

int store_count(struct store *s, MDB_txn *txn, enum store_db db, size_t *n)
{
	MDB_stat st;
	int rc = store_err(mdb_stat(txn, s->dbi[db], &st), "stat");
	*n = rc ? 0 : st.ms_entries;
	return rc;
}

int store_key2(char *key, size_t size, const char *a, const char *b, bool lower)
{
	int n = snprintf(key, size, "%s/%s", a, b);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	if (lower)
		for (char *p = key + strlen(a) + 1; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	return 0;
}
