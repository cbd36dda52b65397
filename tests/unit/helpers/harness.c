/* SPDX-License-Identifier: Apache-2.0 */
/* harness.c: the in-process agent of harness.h. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "ids.h"
#include "sim.h"

void h_log_quiet(enum log_level level, const char *msg, void *data)
{
	(void)data;
	if (getenv("H_VERBOSE"))
		fprintf(stderr, "# agent[%d]: %s\n", level, msg);
}

static int h_open_store(struct harness *h)
{
	return store_open(&h->a.store, h->db);
}

int harness_setup(void **state)
{
	struct harness *h = calloc(1, sizeof(*h));
	assert_non_null(h);
	/* tmpfs when there is one: the simulator makes hundreds of small files per export */
	const char *tmp = getenv("ATTACHD_TEST_TMP");
	if (!tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(h->dir, sizeof(h->dir), "%.200s/attachd-unit-XXXXXX", tmp);
	assert_non_null(mkdtemp(h->dir));
	snprintf(h->cfs_root, sizeof(h->cfs_root), "%s/cfs", h->dir);
	snprintf(h->db, sizeof(h->db), "%s/db", h->dir);
	assert_int_equal(mkdir(h->cfs_root, 0755), 0);
	assert_int_equal(sim_setup(h->cfs_root, SIM_KERNEL_6_1), 0);
	for (int i = 0; i < H_DEVS; i++) {
		snprintf(h->dev[i], sizeof(h->dev[i]), "%s/disk%d", h->dir, i);
		assert_int_equal(mknod(h->dev[i], S_IFBLK | 0600, makedev(7, 200 + i)), 0);
	}
	log_set_callback(h_log_quiet, NULL);
	log_set_level(LOG_LVL_DEBUG);

	struct agent_config *cfg = &h->a.cfg;
	cfg->socket_path = "/nonexistent";
	cfg->db_dir = h->db;
	cfg->configfs_root = h->cfs_root;
	cfg->iqn_prefix = AGENT_DEFAULT_IQN_PREFIX;
	cfg->n_portals = 1;
	snprintf(cfg->portals[0], sizeof(cfg->portals[0]), "%s", H_PORTAL);
	cfg->no_kmod = true; /* no module loading here; device-mapper is simulated (sim_dm.c) */
	char dm[PATH_MAX];
	snprintf(dm, sizeof(dm), "%.200s/dm", h->dir);
	assert_int_equal(sim_dm_setup(dm), 0);
	cfg->max_clients = 8;
	cfg->max_volumes = cfg->max_exports = 64;
	assert_int_equal(h_open_store(h), 0);
	assert_int_equal(cfs_open(&h->a.cfs, h->cfs_root), 0);
	assert_int_equal(cfs_mkdir(&h->a.cfs, "target/iscsi"), 0);
	assert_int_equal(h_call(h, ATTACH_MSG_HELLO, ATTACH_A_VERSION, "1", 0), ATTACH_OK);
	sim_fail_clear();
	sim_stats_reset();
	*state = h;
	return 0;
}

int harness_teardown(void **state)
{
	struct harness *h = *state;
	char cmd[PATH_MAX + 16];
	if (h->reply)
		nlmsg_free(h->reply);
	store_close(h->a.store);
	cfs_close(&h->a.cfs);
	sim_fail_clear();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", h->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", h->dir);
	free(h);
	return 0;
}

void harness_restart(struct harness *h)
{
	store_close(h->a.store);
	h->a.store = NULL;
	assert_int_equal(h_open_store(h), 0);
}

uint32_t h_call(struct harness *h, uint16_t type, ...)
{
	va_list ap;
	va_start(ap, type);
	uint32_t status = h_vcall(h, type, ap);
	va_end(ap);
	return status;
}

uint32_t h_vcall(struct harness *h, uint16_t type, va_list ap)
{
	struct nl_msg *m = proto_msg_new(type, NLM_F_REQUEST, ++h->seq);
	assert_non_null(m);
	for (int a; (a = va_arg(ap, int)) != 0;) {
		const char *v = va_arg(ap, const char *);
		switch (proto_reply_policy[a].type) {
		case NLA_STRING:
			assert_int_equal(proto_put_str(m, a, v), 0);
			break;
		case NLA_FLAG:
			assert_int_equal(proto_put_flag(m, a), 0);
			break;
		case NLA_U8:
			assert_int_equal(proto_put_u8(m, a, (uint8_t)atoi(v)), 0);
			break;
		default:
			assert_int_equal(proto_put_u32(m, a, (uint32_t)strtoul(v, NULL, 10)), 0);
		}
	}
	uint32_t status = h_send(h, m);
	nlmsg_free(m);
	return status;
}

uint32_t h_send(struct harness *h, struct nl_msg *m)
{
	/* dispatch() gets its own writable copy, as from the socket */
	struct nlmsghdr *src = nlmsg_hdr(m);
	void *buf = malloc(src->nlmsg_len);
	assert_non_null(buf);
	memcpy(buf, src, src->nlmsg_len);
	if (h->reply)
		nlmsg_free(h->reply);
	h->reply = dispatch(&h->a, &h->dc, buf, src->nlmsg_len);
	free(buf);
	assert_non_null(h->reply);
	struct nlmsghdr *rh = nlmsg_hdr(h->reply);
	assert_int_equal(rh->nlmsg_seq, src->nlmsg_seq);
	assert_int_equal(rh->nlmsg_type, src->nlmsg_type);
	assert_int_equal(nlmsg_parse(rh, 0, h->tb, ATTACH_A_MAX, (struct nla_policy *)proto_reply_policy), 0);
	assert_non_null(h->tb[ATTACH_A_STATUS]);
	h->status = nla_get_u32(h->tb[ATTACH_A_STATUS]);
	h->message = h->tb[ATTACH_A_MESSAGE] ? nla_get_string(h->tb[ATTACH_A_MESSAGE]) : "";
	return h->status;
}

const char *h_str(struct harness *h, int a)
{
	static char bufs[8][1024];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s", h->tb[a] ? nla_get_string(h->tb[a]) : "");
	return b;
}

const char *h_volume(struct harness *h, int i, int multiattach)
{
	if (multiattach)
		assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[i], ATTACH_A_MULTIATTACH, "",
				       0), ATTACH_OK);
	else
		assert_int_equal(h_call(h, ATTACH_MSG_VOLUME_CREATE, ATTACH_A_DEVICE, h->dev[i], 0), ATTACH_OK);
	return h_str(h, ATTACH_A_VOLUME_ID);
}

void h_to_state(struct harness *h, const char *vol, int state, const char *ini)
{
	if (state == ATTACH_STATE_AVAILABLE)
		return;
	assert_int_equal(h_call(h, ATTACH_MSG_RESERVE, ATTACH_A_VOLUME_ID, vol, 0), ATTACH_OK);
	if (state == ATTACH_STATE_ATTACHING)
		return;
	assert_int_equal(h_call(h, ATTACH_MSG_INITIALIZE_CONNECTION, ATTACH_A_VOLUME_ID, vol, ATTACH_A_INITIATOR, ini, 0),
			 ATTACH_OK);
	assert_int_equal(h_call(h, ATTACH_MSG_ATTACH, ATTACH_A_VOLUME_ID, vol, ATTACH_A_INSTANCE, INSTANCE,
				ATTACH_A_HOST, "compute-1", ATTACH_A_MOUNTPOINT, "/dev/vdb", 0), ATTACH_OK);
	if (state == ATTACH_STATE_IN_USE)
		return;
	assert_int_equal(h_call(h, ATTACH_MSG_BEGIN_DETACHING, ATTACH_A_VOLUME_ID, vol, 0), ATTACH_OK);
}

struct h_dump {
	FILE *f;
	size_t size;
};

/* Records print as key + hex of the decoded struct: any field change shows. */
static int h_dump_record(const char *key, void *r, void *arg)
{
	struct h_dump *c = arg;
	fprintf(c->f, "R %s ", key);
	for (size_t i = 0; i < c->size; i++)
		fprintf(c->f, "%02x", ((unsigned char *)r)[i]);
	fputc('\n', c->f);
	return 0;
}

/* Every record of every database, plus the tree listing. */
char *h_snapshot(struct harness *h)
{
	static const enum store_db dbs[] = { STORE_VOLUMES, STORE_ATTACHMENTS, STORE_EXPORTS, STORE_ACLS };
	static const enum rec_type_id types[] = { REC_VOLUME, REC_ATTACHMENT, REC_EXPORT, REC_ACL };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_non_null(f);
	const char *const sub[] = { "target", NULL };
	assert_int_equal(sim_dump(h->cfs_root, sub, f), 0);
	MDB_txn *txn;
	assert_int_equal(store_begin(h->a.store, false, &txn), 0);
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		union {
			struct rec_volume v;
			struct rec_attachment a;
			struct rec_export x;
			struct rec_acl c;
		} rec;
		struct h_dump c = { f, rec_size(types[i]) };
		assert_int_equal(store_scan(h->a.store, txn, dbs[i], "", &rec, h_dump_record, &c), 0);
	}
	store_abort(txn);
	fclose(f);
	return out;
}

/* @before and @after (both freed) are the same text; otherwise their difference, and a failure. */
static void h_same(char *before, char *after, const char *changed, const char *what, const char *file, int line)
{
	if (strcmp(before, after)) {
		print_message("%s:%d: %s%schanged %s:\n", file, line, what ? what : "", what ? ": " : "", changed);
		h_print_diff(before, after);
		free(before);
		free(after);
		fail();
	}
	free(before);
	free(after);
}

void h_check_unchanged(struct harness *h, char *before, const char *what, const char *file, int line)
{
	h_same(before, h_snapshot(h), "the tree or the records", what, file, line);
}

void h_check_kernel_unchanged(struct harness *h, const char *dm, char *before, const char *what, const char *file,
			      int line)
{
	h_same(before, h_kernel_state(h, dm), "the kernel", what, file, line);
}

/* h_kernel_state()'s lines, gathered by nftw() (which takes no argument for its callback). */
static struct {
	char **lines;
	size_t n, skip;
} h_ks;

static int h_ks_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	char buf[512] = "", *line;
	const char *rel = path + h_ks.skip;
	int n;
	if (type == FTW_SL) {
		ssize_t k = readlink(path, buf, sizeof(buf) - 1);
		buf[k > 0 ? k : 0] = '\0';
		n = asprintf(&line, "%s -> %s", rel, buf);
	} else if (type == FTW_F) {
		FILE *in = fopen(path, "r");
		size_t k = in ? fread(buf, 1, sizeof(buf) - 1, in) : 0;
		if (in)
			fclose(in);
		buf[k] = '\0';
		for (char *c = buf; *c; c++)
			*c = *c == '\n' ? '|' : *c;
		n = asprintf(&line, "%s = %s", rel, buf);
	} else {
		n = asprintf(&line, "%s/", rel);
	}
	assert_true(n > 0);
	h_ks.lines = realloc(h_ks.lines, (h_ks.n + 1) * sizeof(*h_ks.lines));
	assert_non_null(h_ks.lines);
	h_ks.lines[h_ks.n++] = line;
	return 0;
}

static int h_ks_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *h_kernel_state(struct harness *h, const char *dm)
{
	char *out = NULL, root[PATH_MAX + 16], table[256];
	size_t len = 0;
	snprintf(root, sizeof(root), "%s/target", h->cfs_root);
	h_ks.skip = strlen(h->cfs_root);
	h_ks.n = 0;
	assert_int_equal(nftw(root, h_ks_entry, 16, FTW_PHYS), 0);
	/* the order of a directory's entries is not the kernel's to keep */
	qsort(h_ks.lines, h_ks.n, sizeof(*h_ks.lines), h_ks_cmp);
	FILE *f = open_memstream(&out, &len);
	assert_non_null(f);
	for (size_t i = 0; i < h_ks.n; i++) {
		fprintf(f, "%s\n", h_ks.lines[i]);
		free(h_ks.lines[i]);
	}
	free(h_ks.lines);
	h_ks.lines = NULL;
	if (dm) {
		int rc = sim_dm_state(dm, table, sizeof(table));
		fprintf(f, "dm %s: %s\n", dm, rc ? strerror(-rc) : table);
	}
	fclose(f);
	return out;
}

/* Is @line (@len bytes, no newline) a whole line of @text? */
static bool h_has_line(const char *text, const char *line, size_t len)
{
	for (const char *p = text; *p;) {
		const char *e = strchrnul(p, '\n');
		if ((size_t)(e - p) == len && !strncmp(p, line, len))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

void h_print_diff(const char *a, const char *b)
{
	for (int side = 0; side < 2; side++) {
		const char *from = side ? b : a, *in = side ? a : b;
		for (const char *l = from; *l;) {
			const char *e = strchrnul(l, '\n');
			char line[1024];
			snprintf(line, sizeof(line), "%.*s", (int)(e - l), l);
			if (!h_has_line(in, line, strlen(line)))
				print_message("%c %s\n", side ? '+' : '-', line);
			l = *e ? e + 1 : e;
		}
	}
}
