/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h: attachd's records in LMDB (the --db directory: 0700; data.mdb, lock.mdb, attachd.lock: 0600).
 *
 * Named databases and keys:
 *   meta         "schema" -> u32 schema version; "owned" -> u32 1 (the owned table is complete);
 *                STORE_KEY_DISCOVERY -> "<userid>:<password>", the discovery CHAP credentials (letters
 *                and digits; agent/kernel/discovery.h), once a start had --discovery-chap
 *   volumes      <volume-id>                     -> struct rec_volume
 *   attachments  <volume-id>/<attachment-id>     -> struct rec_attachment
 *   exports      <volume-id>                     -> struct rec_export
 *   acls         <volume-id>/<initiator, lower>  -> struct rec_acl (CHAP credentials; for an nvme-tcp
 *                volume the initiator is the host NQN, and there are no credentials in it)
 *   nvme_hosts   <host NQN, lower>               -> struct rec_nvme_host: the host's DH-HMAC-CHAP key,
 *                shared by the volumes it has access to, with their count (made by the first NVMe/TCP
 *                export: a database of an older attachd has none, which is no error)
 *   devices      ident:<disk identity> -> <volume-id> (one volume per disk; device.h);
 *                rdev:<maj>:<min> -> <volume-id> for volumes registered by attachd 0.1
 *   intents      "pending" -> the call in flight: its name, volume, and the before-images of every
 *                record it changed (store_intent.c)
 *   owned        <volume-id> -> struct rec_export: the names of kernel objects this database made for
 *                the volume (target, storage object, dm device), written before they are made and
 *                deleted once they are gone. Not journaled: a rolled-back call still made them.
 *                Reconciliation removes only objects this table names as ours. NVMe host entries, which
 *                have no name of attachd's form and are shared by volumes, are named here by
 *                STORE_OWNED_HOST "<host NQN, lower>" -> struct rec_export (target_iqn: the NQN).
 * Keys put the volume first so one cursor range finds a volume's attachments and ACLs.
 *
 * Every mutating call is one write transaction, committed (durably: no MDB_NOSYNC) before the reply.
 * One attachd per database: store_open() takes an exclusive lock on attachd.lock.
 * Every record is read once when the database is opened, in a child process (store_verify.c): a file
 * that is truncated or corrupt is refused with a message, never a signal in the agent.
 * Errors: 0 or a negative errno; LMDB's codes are converted in store_err() only: MDB_NOTFOUND -> -ENOENT,
 * MDB_KEYEXIST -> -EEXIST, MDB_MAP_FULL -> -ENOSPC (and store_take_map_full()), the system's errors as
 * they are (-ENOSPC for a full disk, -EIO, -EROFS, -EDQUOT...), corruption (MDB_CORRUPTED,
 * MDB_PAGE_NOTFOUND, MDB_INVALID...) -> -EUCLEAN, other MDB_* -> -ENOTRECOVERABLE; each is logged with
 * mdb_strerror(). A record that does not decode is -EUCLEAN.
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <lmdb.h>

#include "record.h"

#define STORE_SCHEMA 1
#define STORE_KEY_DISCOVERY "discovery_chap"

enum store_db { STORE_META, STORE_VOLUMES, STORE_ATTACHMENTS, STORE_EXPORTS, STORE_ACLS, STORE_DEVICES,
		STORE_INTENTS, STORE_OWNED, STORE_NVME_HOSTS, STORE_DB_COUNT };

struct store;

/* Open (creating if needed) the database in @dir. @dir must be attachd's own: a directory of root's that
 * holds nothing but data.mdb, lock.mdb and attachd.lock (-ENOTEMPTY, -EPERM otherwise; its mode is set
 * to 0700). On -EPROTONOSUPPORT the schema is newer than ours; on -EWOULDBLOCK another attachd holds the
 * database; on -EUCLEAN the file is corrupt. @why (may be NULL) receives the reason of a failure. */
int store_open(struct store **out, const char *dir);
int store_open_why(struct store **out, const char *dir, char *why, size_t whylen);
/* Was the database created by this open (no data.mdb, or an empty one)? @found says what was there. */
bool store_created(const struct store *s, const char **found);
/* The same with an initial map size of @map_size bytes (tests use a small one). */
int store_open_sized(struct store **out, const char *dir, size_t map_size);
/* The map is full (-ENOSPC from a put or commit): was it, since the last call? Clears the flag. */
bool store_take_map_full(struct store *s);
/* Double the map (no transaction may be open). 0 or -errno. */
int store_grow(struct store *s);
/* A piece of work whose transaction failed with @rc: when that was a full map and the work has grown it
 * fewer than STORE_GROW_TRIES times (counted in *@tries, 0 at first), grow it and return true: the work
 * starts its transaction over. A map 2^8 times its size is no longer a map that was merely full. */
#define STORE_GROW_TRIES 8
bool store_retry_grown(struct store *s, int rc, int *tries);
void store_close(struct store *s);
/* Drop the records' pages from the agent's mapping (they stay in the page cache), with no transaction
 * of this process open: between calls, after a restore. */
void store_release_pages(struct store *s);

int store_begin(struct store *s, bool write, MDB_txn **txn);
int store_commit(MDB_txn *txn); /* frees the transaction, also on failure */
void store_abort(MDB_txn *txn);

/* The record of @db (volumes, attachments, exports, acls) under @key, decoded into @rec. */
int store_get(struct store *s, MDB_txn *txn, enum store_db db, const char *key, void *rec);
int store_put(struct store *s, MDB_txn *txn, enum store_db db, const char *key, const void *rec);
int store_del(struct store *s, MDB_txn *txn, enum store_db db, const char *key);

/* Raw string values (devices index). @val receives up to @size bytes, NUL-terminated. */
int store_get_str(struct store *s, MDB_txn *txn, enum store_db db, const char *key, char *val, size_t size);
int store_put_str(struct store *s, MDB_txn *txn, enum store_db db, const char *key, const char *val);

/* Call @fn for every record of @db whose key starts with @prefix ("" for all), in key order, decoded
 * into @rec (a buffer of the record's type). A non-zero return from @fn stops the walk and is returned. */
int store_scan(struct store *s, MDB_txn *txn, enum store_db db, const char *prefix, void *rec,
	       int (*fn)(const char *key, void *rec, void *arg), void *arg);

/* The same for the raw string values (devices index): @fn gets each key and its value. */
int store_scan_str(struct store *s, MDB_txn *txn, enum store_db db, const char *prefix,
		   int (*fn)(const char *key, const char *val, void *arg), void *arg);

/* Number of entries in @db. */
int store_count(struct store *s, MDB_txn *txn, enum store_db db, size_t *n);

/*
 * Intent before action (store_intent.c). A call that will touch the kernel first commits its record
 * changes together with an intent holding the before-image of every record it changed; the kernel work
 * follows; then the intent is cleared. A crash in between leaves the intent: store_intent_rollback()
 * puts the before-images back, and reconciliation makes the kernel match the records again. There is one
 * intent per volume at most (calls on different volumes may be in the kernel at once; a call that
 * names no volume, "-", runs alone).
 * Journaling: between store_journal_start() and store_journal_stop(), every put and delete on the
 * record databases notes the key's previous value (first change of each key only).
 */
void store_journal_start(struct store *s);
void store_journal_stop(struct store *s);
/* Has a record been changed since store_journal_start()? */
bool store_journal_changed(const struct store *s);
/* Write the intent for @call on @volume with the journal collected so far. */
int store_intent_put(struct store *s, MDB_txn *txn, const char *call, const char *volume);
/* Is an intent pending? The first one's call and volume go to @call/@volume (may be NULL). 0, -ENOENT if
 * none. */
int store_intent_get(struct store *s, MDB_txn *txn, char *call, size_t csize, char *volume, size_t vsize);
/* The same, passing over the intents whose volume @skip returns true for (those of calls in flight). */
int store_intent_find(struct store *s, MDB_txn *txn, bool (*skip)(const char *volume, void *arg), void *arg,
		      char *call, size_t csize, char *volume, size_t vsize);
/* Restore the first pending intent's before-images and delete it. -ENOENT if none. */
int store_intent_rollback(struct store *s, MDB_txn *txn);
/* The same for @volume's intent; clear deletes it without restoring anything (0 if there was none). */
int store_intent_rollback_vol(struct store *s, MDB_txn *txn, const char *volume);
int store_intent_clear(struct store *s, MDB_txn *txn, const char *volume);

/* The devices index's key of a disk identity. -ENAMETOOLONG if it does not fit. */
int store_key_ident(char *key, size_t size, const char *ident);
/* "<prefix><name>" with @name lower-cased: the nvme_hosts key of a host NQN (@prefix ""), the owned
 * table's key of a host entry attachd made (STORE_OWNED_HOST). -ENAMETOOLONG if it does not fit. */
#define STORE_OWNED_HOST "host:"
int store_key_lower(char *key, size_t size, const char *prefix, const char *name);
/* Key helpers: "<a>/<b>" with @b lower-cased when @lower. -ENAMETOOLONG if it does not fit. */
int store_key2(char *key, size_t size, const char *a, const char *b, bool lower);

#endif
