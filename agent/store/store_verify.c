/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_verify.c: read the whole database once, at open, in a child process. LMDB maps data.mdb and trusts
 * what it reads: a file cut short faults (SIGBUS) past its end, and a corrupt page can send a lookup
 * anywhere in the map (SIGSEGV) or round in circles. Here only the child can meet that; the agent hears
 * "corrupt" and why, and refuses to start on it, instead of dying on the first volume-list.
 * The child checks that the file is as long as its meta page says, then walks every named database:
 * keys within LMDB's limits, records that decode (record.c), the devices index and the intent.
 */
#include "store_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netlink/attr.h>

#include "fail.h"

#define STORE_VERIFY_SECONDS 60

static bool verify_is_key(const MDB_val *k, const char *key)
{
	return k->mv_size == strlen(key) && !memcmp(k->mv_data, key, k->mv_size);
}

/* The discovery credentials: "<userid>:<password>", each 1 to ATTACH_CHAP_MAX letters and digits. */
static int verify_discovery(const MDB_val *v, char *why, size_t whylen)
{
	static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	const char *p = v->mv_data;
	size_t n = v->mv_size, user = 0;
	while (user < n && memchr(alnum, p[user], sizeof(alnum) - 1))
		user++;
	size_t pass = 0;
	while (user + 1 + pass < n && memchr(alnum, p[user + 1 + pass], sizeof(alnum) - 1))
		pass++;
	if (user && user <= ATTACH_CHAP_MAX && user < n && p[user] == ':' && pass && pass <= ATTACH_CHAP_MAX &&
	    user + 1 + pass == n)
		return 0;
	return fail_with(-EUCLEAN, why, whylen, "meta/" STORE_KEY_DISCOVERY ": %zu bytes that are not discovery "
			 "credentials", n);
}

static int verify_value(enum store_db db, const MDB_val *k, const MDB_val *v, char *why, size_t whylen)
{
	const char *name = store_db_names[db];
	if (k->mv_size == 0 || k->mv_size > 511 || memchr(k->mv_data, '\0', k->mv_size))
		return fail_with(-EUCLEAN, why, whylen, "%s: a key of %zu bytes is not one attachd writes", name, k->mv_size);
	int type = store_db_type(db);
	if (type >= 0) {
		char rec[sizeof(struct rec_volume) + sizeof(struct rec_export) + sizeof(struct rec_acl) +
			 sizeof(struct rec_attachment)];
		int rc = rec_decode((enum rec_type_id)type, v->mv_data, v->mv_size, rec);
		explicit_bzero(rec, sizeof(rec)); /* ACLs hold secrets */
		if (rc)
			return fail_with(-EUCLEAN, why, whylen, "%s/%.*s: the record does not decode", name, (int)k->mv_size,
					   (const char *)k->mv_data);
		return 0;
	}
	switch (db) {
	case STORE_META:
		if (verify_is_key(k, STORE_KEY_DISCOVERY))
			return verify_discovery(v, why, whylen);
		return v->mv_size == 4 ? 0 : fail_with(-EUCLEAN, why, whylen, "meta/%.*s: %zu bytes, not 4", (int)k->mv_size,
							    (const char *)k->mv_data, v->mv_size);
	case STORE_DEVICES:
		return v->mv_size <= ATTACH_UUID_LEN ? 0 :
		       fail_with(-EUCLEAN, why, whylen, "devices/%.*s: a value of %zu bytes is no volume id", (int)k->mv_size,
				   (const char *)k->mv_data, v->mv_size);
	case STORE_INTENTS: {
		void *copy = malloc(v->mv_size ? v->mv_size : 1);
		struct nlattr *tb[4];
		if (!copy)
			return -ENOMEM;
		memcpy(copy, v->mv_data, v->mv_size);
		int rc = nla_parse(tb, 3, copy, (int)v->mv_size, NULL);
		explicit_bzero(copy, v->mv_size);
		free(copy);
		return rc < 0 ? fail_with(-EUCLEAN, why, whylen, "the pending intent does not decode") : 0;
	}
	default:
		return 0;
	}
}

static int verify_db(MDB_txn *txn, enum store_db db, char *why, size_t whylen)
{
	MDB_dbi dbi;
	int rc = mdb_dbi_open(txn, store_db_names[db], 0, &dbi);
	if (rc == MDB_NOTFOUND)
		return 0; /* made at this open */
	if (rc)
		return fail_with(-EUCLEAN, why, whylen, "database %s: %s", store_db_names[db], mdb_strerror(rc));
	MDB_cursor *cur;
	rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc)
		return fail_with(-EUCLEAN, why, whylen, "database %s: %s", store_db_names[db], mdb_strerror(rc));
	MDB_val k, v;
	int err = 0;
	while (!err && (rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == MDB_SUCCESS)
		err = verify_value(db, &k, &v, why, whylen);
	mdb_cursor_close(cur);
	if (!err && rc != MDB_NOTFOUND)
		err = fail_with(-EUCLEAN, why, whylen, "database %s: %s", store_db_names[db], mdb_strerror(rc));
	return err;
}

/* The child's work. */
static int verify_child(const char *dir, char *why, size_t whylen)
{
	char path[4096];
	struct stat st;
	MDB_env *env;
	MDB_txn *txn;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &st) < 0)
		return fail_with(-EUCLEAN, why, whylen, "%s: %s", path, strerror(errno));
	int rc = mdb_env_create(&env);
	if (!rc)
		rc = mdb_env_set_maxdbs(env, STORE_DB_COUNT);
	if (!rc)
		rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOLOCK, 0600);
	if (rc)
		return fail_with(-EUCLEAN, why, whylen, "%s cannot be opened: %s", path, mdb_strerror(rc));
	MDB_envinfo info;
	MDB_stat ms;
	if (mdb_env_info(env, &info) || mdb_env_stat(env, &ms))
		return fail_with(-EUCLEAN, why, whylen, "%s: its meta pages cannot be read", path);
	uint64_t need = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
	if ((uint64_t)st.st_size < need)
		return fail_with(-EUCLEAN, why, whylen, "%s is cut short: %lld bytes, its meta page says %llu", path,
				   (long long)st.st_size, (unsigned long long)need);
	rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return fail_with(-EUCLEAN, why, whylen, "%s: %s", path, mdb_strerror(rc));
	int err = 0;
	/* LMDB's own two first: the free page list (a write reads it) and the directory of names */
	for (MDB_dbi dbi = 0; !err && dbi < 2; dbi++) {
		MDB_cursor *cur = NULL;
		MDB_val k, v;
		rc = mdb_cursor_open(txn, dbi, &cur);
		while (!rc && (rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == MDB_SUCCESS) {
		}
		if (rc != MDB_NOTFOUND)
			err = fail_with(-EUCLEAN, why, whylen, "%s: LMDB's %s: %s", path, dbi ? "main database" : "free list",
					  mdb_strerror(rc));
		if (cur)
			mdb_cursor_close(cur);
	}
	for (int db = 0; !err && db < STORE_DB_COUNT; db++)
		err = verify_db(txn, (enum store_db)db, why, whylen);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return err;
}

int store_verify(const char *dir, char *why, size_t whylen)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(p[0]);
		close(p[1]);
		return -err;
	}
	if (pid == 0) {
		char msg[512] = "";
		close(p[0]);
		alarm(STORE_VERIFY_SECONDS);
		int rc = verify_child(dir, msg, sizeof(msg));
		if (rc && write(p[1], msg, strlen(msg)) < 0)
			_exit(2);
		_exit(rc ? 1 : 0);
	}
	close(p[1]);
	char msg[512];
	ssize_t n, got = 0;
	while ((n = read(p[0], msg + got, sizeof(msg) - 1 - (size_t)got)) > 0)
		got += n;
	msg[got > 0 ? got : 0] = '\0';
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		return fail_with(-EUCLEAN, why, whylen, "%s/data.mdb is corrupt: reading it %s (signal %d, %s)", dir,
				   WTERMSIG(status) == SIGALRM ? "did not end" : "faults", WTERMSIG(status),
				   strsignal(WTERMSIG(status)));
	return fail_with(-EUCLEAN, why, whylen, "the database is corrupt: %s", msg[0] ? msg : "unreadable");
}
