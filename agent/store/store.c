/* SPDX-License-Identifier: Apache-2.0 */
/* store.c: the LMDB environment, the named databases, typed get/put/scan (see store.h). */
#include "store_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"

#define STORE_MAP_SIZE (64ul << 20)
#define STORE_ROOM_MIN (256ul << 10) /* less free space than this under the database: "full" */

const char *const store_db_names[STORE_DB_COUNT] = {
	[STORE_META] = "meta",
	[STORE_VOLUMES] = "volumes",
	[STORE_ATTACHMENTS] = "attachments",
	[STORE_EXPORTS] = "exports",
	[STORE_ACLS] = "acls",
	[STORE_DEVICES] = "devices",
	[STORE_INTENTS] = "intents",
	[STORE_OWNED] = "owned",
	[STORE_NVME_HOSTS] = "nvme_hosts",
};

int store_db_type(enum store_db db)
{
	switch (db) {
	case STORE_VOLUMES:
		return REC_VOLUME;
	case STORE_ATTACHMENTS:
		return REC_ATTACHMENT;
	case STORE_EXPORTS:
	case STORE_OWNED:
		return REC_EXPORT;
	case STORE_ACLS:
		return REC_ACL;
	case STORE_NVME_HOSTS:
		return REC_NVME_HOST;
	case STORE_META:
	case STORE_DEVICES:
	case STORE_INTENTS:
	case STORE_DB_COUNT:
		break;
	}
	return -1;
}

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
	case EDQUOT:
		log_error("store: %s: %s", what, strerror(rc));
		return -ENOSPC; /* no room for the database, as far as its callers are concerned */
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
	case MDB_INCOMPATIBLE:
		log_error("store: %s: %s: the database is corrupt", what, mdb_strerror(rc));
		return -EUCLEAN;
	default:
		log_error("store: %s: %s", what, mdb_strerror(rc));
		/* LMDB passes the system's errors on as positive errno values: a full disk is ENOSPC, a
		 * failing one EIO, a read-only file system EROFS; its own other codes are its trouble */
		return rc > 0 ? -rc : -ENOTRECOVERABLE;
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

/* Only attachd's files may be in the database directory. */
static bool store_own_file(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, "data.mdb") || !strcmp(name, "lock.mdb") ||
	       !strcmp(name, "attachd.lock") || !strcmp(name, "dbroot"); /* LIO's reservations: dbroot.h */
}

/* @dir, made if missing: a directory of ours holding only our files, mode 0700 (fixed through its
 * descriptor once it is known to be ours). Notes in @s whether data.mdb was there. */
static int store_prepare_dir(struct store *s, const char *dir, char *why, size_t whylen)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return snprintf(why, whylen, "cannot create %s: %s", dir, strerror(errno)), -errno;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		snprintf(why, whylen, "%s: %s", dir, strerror(err));
		return err == ENOTDIR ? -ENOTDIR : -err;
	}
	struct stat st;
	int rc = fstat(fd, &st) < 0 ? -errno : 0;
	if (!rc && st.st_uid != geteuid()) {
		snprintf(why, whylen, "%s belongs to uid %u, not to attachd's (%u)", dir, (unsigned)st.st_uid,
			 (unsigned)geteuid());
		rc = -EPERM;
	}
	DIR *d = rc ? NULL : fdopendir(dup(fd));
	if (!rc && !d)
		rc = -errno;
	for (struct dirent *e; d && !rc && (e = readdir(d));) {
		if (!store_own_file(e->d_name)) {
			snprintf(why, whylen, "%s holds %s, which is not attachd's: --db must name a directory of "
				 "attachd's own (empty, or with its data.mdb, lock.mdb, attachd.lock and dbroot/)", dir, e->d_name);
			rc = -ENOTEMPTY;
		}
	}
	if (d)
		closedir(d);
	struct stat data;
	if (!rc) {
		if (fstatat(fd, "data.mdb", &data, AT_SYMLINK_NOFOLLOW) < 0)
			s->found = "no data.mdb";
		else if (!S_ISREG(data.st_mode))
			snprintf(why, whylen, "%s/data.mdb is not a regular file", dir), rc = -EUCLEAN;
		else if (data.st_size == 0)
			s->found = "an empty data.mdb (0 bytes)";
		else
			s->found = "data.mdb";
	}
	if (!rc && (st.st_mode & 07777) != 0700) {
		log_warn("store: %s had mode %04o; setting 0700", dir, st.st_mode & 07777);
		if (fchmod(fd, 0700) < 0)
			rc = -errno;
	}
	close(fd);
	return rc;
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
		return -errno;
	return 0;
}

static int store_meta_put(struct store *s, MDB_txn *txn, const char *key, uint32_t value)
{
	MDB_val k = { strlen(key), (void *)key }, v = { sizeof(value), &value };
	return store_err(mdb_put(txn, s->dbi[STORE_META], &k, &v, 0), key);
}

static int store_owned_visit(const char *key, void *rec, void *arg)
{
	struct store *s = ((void **)arg)[0];
	return store_put(s, ((void **)arg)[1], STORE_OWNED, key, rec);
}

/* Databases of attachd 0.1 have no owned table: their exports made what the kernel has of them. */
static int store_owned_migrate(struct store *s, MDB_txn *txn)
{
	MDB_val k = { 5, (void *)"owned" }, v;
	int rc = mdb_get(txn, s->dbi[STORE_META], &k, &v);
	if (rc != MDB_NOTFOUND)
		return store_err(rc, "read owned marker");
	struct rec_export x;
	void *arg[2] = { s, txn };
	rc = store_scan(s, txn, STORE_EXPORTS, "", &x, store_owned_visit, arg);
	return rc ? rc : store_meta_put(s, txn, "owned", 1);
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
		s->created = true;
		rc = store_meta_put(s, txn, "schema", STORE_SCHEMA);
	} else {
		rc = store_err(rc, "read schema");
		uint32_t schema = 0;
		if (!rc && v.mv_size != sizeof(schema))
			rc = -EUCLEAN;
		if (!rc) {
			memcpy(&schema, v.mv_data, sizeof(schema));
			if (schema > STORE_SCHEMA) {
				log_error("store: database schema %u is newer than this attachd's (%u)", schema,
					  STORE_SCHEMA);
				rc = -EPROTONOSUPPORT;
			}
		}
	}
	if (!rc)
		rc = store_owned_migrate(s, txn);
	if (rc) {
		store_abort(txn);
		return rc;
	}
	return store_commit(txn);
}

bool store_created(const struct store *s, const char **found)
{
	if (found)
		*found = s->found ? s->found : "data.mdb";
	return s->created;
}

int store_open(struct store **out, const char *dir)
{
	return store_open_sized(out, dir, STORE_MAP_SIZE);
}

static int store_open_at(struct store **out, const char *dir, size_t map_size, char *why, size_t whylen);

int store_open_why(struct store **out, const char *dir, char *why, size_t whylen)
{
	return store_open_at(out, dir, STORE_MAP_SIZE, why, whylen);
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
	store_map_find(s);
	return 0;
}

bool store_retry_grown(struct store *s, int rc, int *tries)
{
	if (rc != -ENOSPC || !store_take_map_full(s) || *tries >= STORE_GROW_TRIES)
		return false;
	++*tries;
	return store_grow(s) == 0;
}

int store_open_sized(struct store **out, const char *dir, size_t map_size)
{
	char why[512];
	int rc = store_open_at(out, dir, map_size, why, sizeof(why));
	if (rc && why[0])
		log_error("store: %s", why);
	return rc;
}

static int store_open_at(struct store **out, const char *dir, size_t map_size, char *why, size_t whylen)
{
	why[0] = '\0';
	struct store *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->lockfd = -1;
	s->dir = strdup(dir);
	if (!s->dir) {
		free(s);
		return -ENOMEM;
	}
	int rc = store_prepare_dir(s, dir, why, whylen);
	if (!rc)
		rc = store_lock(s, dir);
	/* read all of it once, where a corrupt page can only kill a child (the lock keeps writers out) */
	if (!rc && s->found && strcmp(s->found, "data.mdb") == 0)
		rc = store_verify(dir, why, whylen);
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
		if (store_map_find(s))
			log_debug("store: data.mdb's mapping not found in /proc/self/maps: its pages stay mapped");
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
		if (!why[0])
			snprintf(why, whylen, "%s: %s", dir, strerror(-rc));
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
	free(s->dir);
	free(s);
}

int store_begin(struct store *s, bool write, MDB_txn **txn)
{
	*txn = NULL;
	return store_err(mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, txn), "begin transaction");
}

/* LMDB reports a short write as EIO: on a file system with no room left, that is ENOSPC. */
static int store_full_disk(const struct store *s, int rc)
{
	struct statvfs vfs;
	if (rc != EIO || !s || !s->dir || statvfs(s->dir, &vfs) < 0)
		return rc;
	return (uint64_t)vfs.f_bavail * vfs.f_frsize < STORE_ROOM_MIN ? ENOSPC : rc;
}

int store_commit(MDB_txn *txn)
{
	MDB_env *env = mdb_txn_env(txn);
	struct store *s = mdb_env_get_userctx(env);
	int rc = mdb_txn_commit(txn);
	if (rc == MDB_MAP_FULL && s)
		s->map_full = true;
	return store_err(store_full_disk(s, rc), "commit");
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
	MDB_val k = store_key(key), v = { 0, NULL };
	int type = store_db_type(db);
	if (type < 0)
		return -EINVAL; /* not a database of records: store_get_str */
	int rc = store_err(mdb_get(txn, s->dbi[db], &k, &v), "get");
	if (rc)
		return rc;
	rc = rec_decode((enum rec_type_id)type, v.mv_data, v.mv_size, rec);
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
	int rc = rec_encode((enum rec_type_id)store_db_type(db), rec, buf, sizeof(buf), &len);
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

int store_walk(struct store *s, MDB_txn *txn, enum store_db db, const char *prefix,
	       int (*visit)(const char *key, const MDB_val *v, void *ctx), void *ctx)
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
		rc = visit(key, &v, ctx);
		if (rc)
			break;
		mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (!rc && mrc != MDB_SUCCESS && mrc != MDB_NOTFOUND)
		rc = store_err(mrc, "cursor walk");
	mdb_cursor_close(cur);
	return rc;
}

struct store_scan_ctx {
	enum rec_type_id type;
	const char *name; /* the database's, for the log */
	void *rec;
	int (*fn)(const char *key, void *rec, void *arg);
	int (*fn_str)(const char *key, const char *val, void *arg);
	void *arg;
};

static int store_scan_rec(const char *key, const MDB_val *v, void *ctx)
{
	struct store_scan_ctx *c = ctx;
	if (rec_decode(c->type, v->mv_data, v->mv_size, c->rec)) {
		log_error("store: %s/%s: unreadable record", c->name, key);
		return -EUCLEAN;
	}
	return c->fn(key, c->rec, c->arg);
}

int store_scan(struct store *s, MDB_txn *txn, enum store_db db, const char *prefix, void *rec,
	       int (*fn)(const char *key, void *rec, void *arg), void *arg)
{
	int type = store_db_type(db);
	if (type < 0)
		return -EINVAL; /* not a database of records: store_scan_str */
	struct store_scan_ctx c = { .type = (enum rec_type_id)type, .name = store_db_names[db], .rec = rec, .fn = fn,
				    .arg = arg };
	return store_walk(s, txn, db, prefix, store_scan_rec, &c);
}

static int store_scan_val(const char *key, const MDB_val *v, void *ctx)
{
	struct store_scan_ctx *c = ctx;
	char val[ATTACH_UUID_LEN + 1];
	if (v->mv_size >= sizeof(val))
		return -EUCLEAN;
	memcpy(val, v->mv_data, v->mv_size);
	val[v->mv_size] = '\0';
	return c->fn_str(key, val, c->arg);
}

int store_scan_str(struct store *s, MDB_txn *txn, enum store_db db, const char *prefix,
		   int (*fn)(const char *key, const char *val, void *arg), void *arg)
{
	struct store_scan_ctx c = { .name = store_db_names[db], .fn_str = fn, .arg = arg };
	return store_walk(s, txn, db, prefix, store_scan_val, &c);
}

int store_count(struct store *s, MDB_txn *txn, enum store_db db, size_t *n)
{
	MDB_stat st;
	int rc = store_err(mdb_stat(txn, s->dbi[db], &st), "stat");
	*n = rc ? 0 : st.ms_entries;
	return rc;
}

int store_key_ident(char *key, size_t size, const char *ident)
{
	int n = snprintf(key, size, "ident:%s", ident);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int store_key_lower(char *key, size_t size, const char *prefix, const char *name)
{
	int n = snprintf(key, size, "%s%s", prefix, name);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	for (char *p = key + strlen(prefix); *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
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
