/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_store.c: records (round trip, growth in both directions, records without the NVMe/TCP fields read
 * as iSCSI, refusal of a newer layout or garbage)
 * and the LMDB store (permissions, one agent per database, schema version, prefix scans, durability
 * across reopen).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "record.h"
#include "store.h"

static struct rec_export sample_export(void)
{
	struct rec_export x = { .lun = 0, .n_portals = 2, .created = 1700000000 };
	strcpy(x.volume_id, "0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b");
	strcpy(x.target_iqn, "iqn.2026-11.org.attachd:0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b");
	strcpy(x.hba, "iblock_1000");
	strcpy(x.backstore, x.volume_id);
	strcpy(x.device, "/dev/mapper/attachd-0b4e2b1a");
	strcpy(x.portals[0], "192.0.2.10:3260");
	strcpy(x.portals[1], "[2001:db8::1]:3260");
	return x;
}

static void test_record_round_trip(void **state)
{
	(void)state;
	char buf[REC_MAX_SIZE];
	size_t len;
	struct rec_export x = sample_export(), y;
	assert_int_equal(rec_encode(REC_EXPORT, &x, buf, sizeof(buf), &len), 0);
	assert_int_equal(rec_decode(REC_EXPORT, buf, len, &y), 0);
	assert_memory_equal(&x, &y, sizeof(x));

	struct rec_acl a = { .refs = 3, .mapped_lun = 0, .created = 5 }, b;
	strcpy(a.volume_id, x.volume_id);
	strcpy(a.initiator, "iqn.2004-10.org.example:Host-A");
	strcpy(a.username, "u0123456789abcde");
	strcpy(a.password, "p0123456789abcde");
	assert_int_equal(rec_encode(REC_ACL, &a, buf, sizeof(buf), &len), 0);
	/* unaligned, as LMDB may hand it back */
	char shifted[REC_MAX_SIZE + 2];
	memcpy(shifted + 2, buf, len);
	assert_int_equal(rec_decode(REC_ACL, shifted + 2, len, &b), 0);
	assert_memory_equal(&a, &b, sizeof(a));
}

/* A newer attachd added attribute 30: we skip it and keep the rest. */
static void test_record_from_newer_writer(void **state)
{
	(void)state;
	struct nl_msg *m = nlmsg_alloc();
	assert_non_null(nlmsg_put(m, 0, 0, 0, 0, 0));
	assert_int_equal(nla_put_u32(m, 1, REC_LAYOUT), 0);
	assert_int_equal(nla_put_string(m, 2, "0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b"), 0);
	assert_int_equal(nla_put_string(m, 30, "a field from the future"), 0);
	assert_int_equal(nla_put_u8(m, 9, 3), 0);
	struct rec_volume v;
	struct nlmsghdr *h = nlmsg_hdr(m);
	assert_int_equal(rec_decode(REC_VOLUME, nlmsg_attrdata(h, 0), (size_t)nlmsg_attrlen(h, 0), &v), 0);
	assert_string_equal(v.id, "0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b");
	assert_int_equal(v.state, 3);
	/* an older writer did not have "name": it reads as empty */
	assert_string_equal(v.name, "");
	nlmsg_free(m);
}

/* Records of an attachd before NVMe/TCP: a volume without attribute 15 (transport) is iSCSI, an export
 * without 16-18 has no NVMe ports; the new fields and the nvme_hosts record round-trip. */
static void test_record_transport_compat(void **state)
{
	(void)state;
	/* a volume record as attachd 0.1 wrote it: id, size, state, multiattach; no transport */
	struct nl_msg *m = nlmsg_alloc();
	assert_non_null(nlmsg_put(m, 0, 0, 0, 0, 0));
	assert_int_equal(nla_put_u32(m, 1, REC_LAYOUT), 0);
	assert_int_equal(nla_put_string(m, 2, "0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b"), 0);
	assert_int_equal(nla_put_u64(m, 5, 1u << 30), 0);
	assert_int_equal(nla_put_u8(m, 9, 1), 0);
	assert_int_equal(nla_put_u8(m, 10, 1), 0);
	struct rec_volume v;
	struct nlmsghdr *h = nlmsg_hdr(m);
	memset(&v, 0xff, sizeof(v));
	assert_int_equal(rec_decode(REC_VOLUME, nlmsg_attrdata(h, 0), (size_t)nlmsg_attrlen(h, 0), &v), 0);
	assert_int_equal(v.transport, ATTACH_TRANSPORT_ISCSI);
	assert_int_equal(v.multiattach, 1);
	nlmsg_free(m);

	/* an iSCSI export record without the NVMe fields */
	char buf[REC_MAX_SIZE], cut[REC_MAX_SIZE];
	size_t len, n = 0;
	struct rec_export x = sample_export(), y;
	assert_int_equal(rec_encode(REC_EXPORT, &x, buf, sizeof(buf), &len), 0);
	struct nlattr *pos;
	int rem;
	nla_for_each_attr(pos, (struct nlattr *)buf, (int)len, rem) {
		if (nla_type(pos) >= 16 && nla_type(pos) <= 18)
			continue; /* what an older attachd never wrote */
		memcpy(cut + n, pos, (size_t)nla_total_size(nla_len(pos)));
		n += (size_t)nla_total_size(nla_len(pos));
	}
	assert_true(n < len);
	assert_int_equal(rec_decode(REC_EXPORT, cut, n, &y), 0);
	assert_int_equal(y.transport, ATTACH_TRANSPORT_ISCSI);
	assert_int_equal(y.n_port_ids, 0);
	assert_int_equal(y.ports_made, 0);
	assert_memory_equal(&x, &y, sizeof(x));

	/* an nvme-tcp volume and export, and a host with keys, round-trip */
	struct rec_volume nv = { .transport = ATTACH_TRANSPORT_NVME_TCP }, nv2;
	strcpy(nv.id, "0b4e2b1a-9c1d-4e5f-8a7b-6c5d4e3f2a1b");
	assert_int_equal(rec_encode(REC_VOLUME, &nv, buf, sizeof(buf), &len), 0);
	assert_int_equal(rec_decode(REC_VOLUME, buf, len, &nv2), 0);
	assert_int_equal(nv2.transport, ATTACH_TRANSPORT_NVME_TCP);
	x.transport = ATTACH_TRANSPORT_NVME_TCP;
	x.n_port_ids = 2;
	x.port_ids[0] = 40960;
	x.port_ids[1] = 7;
	x.ports_made = 1;
	assert_int_equal(rec_encode(REC_EXPORT, &x, buf, sizeof(buf), &len), 0);
	assert_int_equal(rec_decode(REC_EXPORT, buf, len, &y), 0);
	assert_memory_equal(&x, &y, sizeof(x));
	struct rec_nvme_host hh = { .refs = 2, .dhchap = 2, .created = 9 }, hh2;
	strcpy(hh.nqn, "nqn.2014-08.org.example:host-a");
	strcpy(hh.dhgroup, "ffdhe2048");
	strcpy(hh.key, "DHHC-1:00:qKO2rSqGFsD1d/C9aFiTls0lbrbWTP4R/fr4QYDAi1qWznxp:");
	strcpy(hh.ctrl_key, "DHHC-1:00:PFFvD7A8JtCRIWTaAe24Na0c0wXeKHg9h+Atn7/NKowWMbMv:");
	assert_int_equal(rec_encode(REC_NVME_HOST, &hh, buf, sizeof(buf), &len), 0);
	assert_int_equal(rec_decode(REC_NVME_HOST, buf, len, &hh2), 0);
	assert_memory_equal(&hh, &hh2, sizeof(hh));
	/* a port id list of the wrong item size does not decode */
	m = nlmsg_alloc();
	assert_non_null(nlmsg_put(m, 0, 0, 0, 0, 0));
	assert_int_equal(nla_put_u32(m, 1, REC_LAYOUT), 0);
	struct nlattr *nest = nla_nest_start(m, 17);
	assert_int_equal(nla_put_u16(m, 1, 7), 0);
	nla_nest_end(m, nest);
	h = nlmsg_hdr(m);
	assert_int_equal(rec_decode(REC_EXPORT, nlmsg_attrdata(h, 0), (size_t)nlmsg_attrlen(h, 0), &y), -EPROTO);
	nlmsg_free(m);
}

static void test_record_refusals(void **state)
{
	(void)state;
	char buf[REC_MAX_SIZE];
	size_t len;
	struct rec_export x = sample_export(), y;
	assert_int_equal(rec_encode(REC_EXPORT, &x, buf, sizeof(buf), &len), 0);
	/* layout from the future */
	uint32_t future = REC_LAYOUT + 1;
	memcpy(buf + NLA_HDRLEN, &future, sizeof(future));
	assert_int_equal(rec_decode(REC_EXPORT, buf, len, &y), -EPROTO);
	/* truncated */
	assert_int_equal(rec_encode(REC_EXPORT, &x, buf, sizeof(buf), &len), 0);
	assert_int_equal(rec_decode(REC_EXPORT, buf, len - 9, &y), -EPROTO);
	/* a string field without its NUL */
	struct nl_msg *m = nlmsg_alloc();
	assert_non_null(nlmsg_put(m, 0, 0, 0, 0, 0));
	assert_int_equal(nla_put_u32(m, 1, REC_LAYOUT), 0);
	assert_int_equal(nla_put(m, 3, 4, "abcd"), 0);
	struct nlmsghdr *h = nlmsg_hdr(m);
	assert_int_equal(rec_decode(REC_EXPORT, nlmsg_attrdata(h, 0), (size_t)nlmsg_attrlen(h, 0), &y), -EPROTO);
	nlmsg_free(m);
	/* too small a buffer to encode into */
	assert_int_equal(rec_encode(REC_EXPORT, &x, buf, 16, &len), -EMSGSIZE);
}

struct tmpdir {
	char path[64];
	char db[96];
};

static int tmp_setup(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));
	strcpy(t->path, "/tmp/attachd-store-XXXXXX");
	assert_non_null(mkdtemp(t->path));
	snprintf(t->db, sizeof(t->db), "%s/db", t->path);
	*state = t;
	return 0;
}

static int tmp_teardown(void **state)
{
	struct tmpdir *t = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->path);
	assert_int_equal(system(cmd), 0);
	free(t);
	return 0;
}

static mode_t mode_of(const char *dir, const char *name)
{
	char p[256];
	struct stat st;
	snprintf(p, sizeof(p), "%s%s%s", dir, name ? "/" : "", name ? name : "");
	assert_int_equal(stat(p, &st), 0);
	return st.st_mode & 07777;
}

static void test_store_permissions_and_lock(void **state)
{
	struct tmpdir *t = *state;
	struct store *s, *s2;
	assert_int_equal(store_open(&s, t->db), 0);
	assert_int_equal(mode_of(t->db, NULL), 0700);
	assert_int_equal(mode_of(t->db, "data.mdb"), 0600);
	assert_int_equal(mode_of(t->db, "lock.mdb"), 0600);
	assert_int_equal(mode_of(t->db, "attachd.lock"), 0600);
	assert_int_equal(store_open(&s2, t->db), -EWOULDBLOCK);
	store_close(s);
	/* a directory left too open is tightened */
	assert_int_equal(chmod(t->db, 0755), 0);
	assert_int_equal(store_open(&s, t->db), 0);
	assert_int_equal(mode_of(t->db, NULL), 0700);
	store_close(s);
}

static void test_store_schema_newer_refused(void **state)
{
	struct tmpdir *t = *state;
	struct store *s;
	assert_int_equal(store_open(&s, t->db), 0);
	store_close(s);
	/* write a newer schema number with plain LMDB, as a future attachd would */
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, t->db, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	uint32_t v = STORE_SCHEMA + 1;
	MDB_val k = { 6, "schema" }, d = { sizeof(v), &v };
	assert_int_equal(mdb_put(txn, dbi, &k, &d, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	assert_int_equal(store_open(&s, t->db), -EPROTONOSUPPORT);
}

/* meta/discovery_chap: "<userid>:<password>" in letters and digits, or the database is refused as corrupt. */
static void put_meta_raw(const char *dir, const char *key, const char *val)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
	assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	MDB_val k = { strlen(key), (void *)key }, d = { strlen(val), (void *)val };
	assert_int_equal(mdb_put(txn, dbi, &k, &d, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void test_store_discovery_value(void **state)
{
	struct tmpdir *t = *state;
	struct store *s;
	MDB_txn *txn;
	char val[64];
	assert_int_equal(store_open(&s, t->db), 0);
	assert_int_equal(store_begin(s, true, &txn), 0);
	assert_int_equal(store_put_str(s, txn, STORE_META, STORE_KEY_DISCOVERY, "AbCd1234EfGh5678:Zz9Yy8Xx7Ww6Vv5U"), 0);
	assert_int_equal(store_commit(txn), 0);
	store_close(s);
	assert_int_equal(store_open(&s, t->db), 0); /* verified and kept */
	assert_int_equal(store_begin(s, false, &txn), 0);
	assert_int_equal(store_get_str(s, txn, STORE_META, STORE_KEY_DISCOVERY, val, sizeof(val)), 0);
	assert_string_equal(val, "AbCd1234EfGh5678:Zz9Yy8Xx7Ww6Vv5U");
	store_abort(txn);
	store_close(s);
	static const char *const bad[] = { "nocolon", ":pass", "user:", "us er:pass", "user:pa:ss", "user:pass\n",
					   "\x01\x00\x00\x00" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_meta_raw(t->db, STORE_KEY_DISCOVERY, bad[i]);
		assert_int_equal(store_open(&s, t->db), -EUCLEAN);
	}
}

static int count_visit(const char *key, void *rec, void *arg)
{
	(void)rec;
	assert_true(strncmp(key, "aaaa", 4) == 0);
	(*(int *)arg)++;
	return 0;
}

static void test_store_scan_and_reopen(void **state)
{
	struct tmpdir *t = *state;
	struct store *s;
	MDB_txn *txn;
	assert_int_equal(store_open(&s, t->db), 0);
	assert_int_equal(store_begin(s, true, &txn), 0);
	struct rec_acl a = { .refs = 1 };
	const char *keys[] = { "aaaa/x", "aaaa/y", "aaab/x", "aaa/z" };
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(store_put(s, txn, STORE_ACLS, keys[i], &a), 0);
	assert_int_equal(store_commit(txn), 0);
	/* an aborted transaction leaves nothing */
	assert_int_equal(store_begin(s, true, &txn), 0);
	assert_int_equal(store_put(s, txn, STORE_ACLS, "aaaa/aborted", &a), 0);
	store_abort(txn);
	store_close(s);

	assert_int_equal(store_open(&s, t->db), 0);
	assert_int_equal(store_begin(s, false, &txn), 0);
	int n = 0;
	struct rec_acl buf;
	assert_int_equal(store_scan(s, txn, STORE_ACLS, "aaaa/", &buf, count_visit, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_get(s, txn, STORE_ACLS, "aaaa/aborted", &buf), -ENOENT);
	assert_int_equal(store_get(s, txn, STORE_ACLS, "aaab/x", &buf), 0);
	assert_int_equal(buf.refs, 1);
	store_abort(txn);
	store_close(s);
}

/* Resident KiB of this process's mappings of @path (/proc/self/smaps), -1 when it is not mapped. */
static long mapped_rss_kb(const char *path)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	assert_non_null(f);
	char line[1024];
	long kb = -1, v;
	unsigned long lo, hi;
	bool in = false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) { /* a mapping's first line ends with its path */
			char *name = strchr(line, '/');
			in = name && !strncmp(name, path, strlen(path)) && name[strlen(path)] == '\n';
			if (in && kb < 0)
				kb = 0;
		} else if (in && sscanf(line, "Rss: %ld kB", &v) == 1) {
			kb += v;
		}
	}
	fclose(f);
	return kb;
}

static int acl_visit(const char *key, void *rec, void *arg)
{
	(void)key;
	(*(int *)arg) += ((struct rec_acl *)rec)->refs == 7;
	return 0;
}

/* Between calls the records' pages leave the agent's mapping, and what they hold does not change: read
 * again they are all there; also after the map grew (it moved). */
static void test_store_release_pages(void **state)
{
	struct tmpdir *t = *state;
	struct store *s;
	MDB_txn *txn;
	char path[sizeof(t->db) + 16], key[64];
	snprintf(path, sizeof(path), "%s/data.mdb", t->db);
	assert_int_equal(store_open(&s, t->db), 0);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(store_begin(s, true, &txn), 0);
		struct rec_acl a = { .refs = 7 };
		for (int i = 0; i < 2000; i++) {
			snprintf(key, sizeof(key), "vol-%d/iqn.2004-10.org.example:host-%d", i, round);
			assert_int_equal(store_put(s, txn, STORE_ACLS, key, &a), 0);
		}
		assert_int_equal(store_commit(txn), 0);
		int n = 0;
		struct rec_acl buf;
		assert_int_equal(store_begin(s, false, &txn), 0);
		assert_int_equal(store_scan(s, txn, STORE_ACLS, "", &buf, acl_visit, &n), 0);
		store_abort(txn);
		assert_int_equal(n, 2000 * (round + 1));
		long before = mapped_rss_kb(path);
		assert_true(before >= 64); /* 2000 records read through the map */
		store_release_pages(s);
		assert_int_equal(mapped_rss_kb(path), 0);
		n = 0;
		assert_int_equal(store_begin(s, false, &txn), 0);
		assert_int_equal(store_scan(s, txn, STORE_ACLS, "", &buf, acl_visit, &n), 0);
		store_abort(txn);
		assert_int_equal(n, 2000 * (round + 1));
		assert_true(mapped_rss_kb(path) > 0);
		if (round == 0)
			assert_int_equal(store_grow(s), 0);
	}
	store_close(s);
}

static void test_store_key_lowercases_initiator(void **state)
{
	(void)state;
	char key[64];
	assert_int_equal(store_key2(key, sizeof(key), "VOL", "IQN.2004-10.ORG.X:A", true), 0);
	assert_string_equal(key, "VOL/iqn.2004-10.org.x:a");
	assert_int_equal(store_key2(key, 8, "VOL", "IQN.2004-10.ORG.X:A", true), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_round_trip),
		cmocka_unit_test(test_record_from_newer_writer),
		cmocka_unit_test(test_record_transport_compat),
		cmocka_unit_test(test_record_refusals),
		cmocka_unit_test_setup_teardown(test_store_permissions_and_lock, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_store_schema_newer_refused, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_store_scan_and_reopen, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_store_discovery_value, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_store_release_pages, tmp_setup, tmp_teardown),
		cmocka_unit_test(test_store_key_lowercases_initiator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
