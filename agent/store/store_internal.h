/* SPDX-License-Identifier: Apache-2.0 */
/* store_internal.h: struct store, shared by store.c and store_intent.c only. */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include "store.h"

struct store_image {
	enum store_db db;
	char *key;
	void *old; /* NULL: the key did not exist */
	size_t old_len;
};

struct store {
	MDB_env *env;
	bool created;         /* this open wrote the schema */
	const char *found;    /* what store_open found: "no data.mdb", "an empty data.mdb (0 bytes)", ... */
	char *dir;
	MDB_dbi dbi[STORE_DB_COUNT];
	int lockfd;
	bool journaling;
	bool map_full;   /* MDB_MAP_FULL seen: the caller may grow the map and retry */
	size_t map_size;
	void *map_addr; /* the mapping of data.mdb (store_map.c): NULL when not found */
	size_t map_len;
	struct store_image *images; /* the journal: before-images, in the order keys were first changed */
	size_t n_images, cap_images;
};

extern const char *const store_db_names[STORE_DB_COUNT];
/* Where data.mdb is mapped (after open and after the map grows): 0, or -errno with no address kept. */
int store_map_find(struct store *s);
/* The record type of @db, or -1 for the databases that hold no records (meta, devices, intents). */
int store_db_type(enum store_db db);

/* Read every entry of the database in @dir in a child process (store_verify.c): 0, -EUCLEAN with the
 * reason in @why, or -errno. A database that does not exist yet (no data.mdb, or 0 bytes) is fine. */
int store_verify(const char *dir, char *why, size_t whylen);

/* The cursor walk behind store_scan(), store_scan_str() and the intents' (store.c): @visit gets each key
 * with @prefix, in key order, NUL-terminated, and its raw value; a non-zero return stops the walk and
 * is returned. A key of 1024 bytes or more is -EUCLEAN. */
int store_walk(struct store *s, MDB_txn *txn, enum store_db db, const char *prefix,
	       int (*visit)(const char *key, const MDB_val *v, void *ctx), void *ctx);
/* Errors of LMDB as errno values (store.c). */
int store_err(int rc, const char *what);
/* Pass @rc through, noting MDB_MAP_FULL on the transaction's store. */
int store_full(MDB_txn *txn, int rc);
/* Note @key's current value in the journal before a change (no-op when not journaling). */
int store_journal_note(struct store *s, MDB_txn *txn, enum store_db db, const char *key);
void store_journal_clear(struct store *s);

#endif
