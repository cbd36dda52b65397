/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gen_corpus.c: writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from real messages.
 * Run by `make fuzz-corpus` (as root: it makes block device nodes). usage: gen_corpus OUTDIR
 *
 * An in-process agent (the real dispatch(), store and handlers on the configfs simulator, as the unit
 * tests' harness) goes through Cinder's whole cycle, dry runs and refusals. Every request it gets is a
 * request seed; every reply, framed as fuzz_reply.h says, is a reply seed; the records in its store are
 * record seeds; attachctl's documented forms, derived from its own command table, are the args seeds.
 * Ids, times and CHAP secrets come from the wraps below, so a rerun rewrites identical files.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "chap.h"
#include "dispatch.h"
#include "nvmet_secret.h"
#include "sim.h"
#include "tests/fuzz/fuzz_reply.h"
#include "tools/attachctl_args.h"

#define DIE(...) do { fprintf(stderr, "gen_corpus: " __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

/* --- determinism (linked with -Wl,--wrap=call_new_uuid,--wrap=call_now,--wrap=chap_random,
 * --wrap=stats_now_us,--wrap=nvmet_secret_generate) */
void __wrap_call_new_uuid(char out[ATTACH_UUID_LEN + 1]);
int __wrap_nvmet_secret_generate(unsigned hash, size_t len, char *out, size_t size);
uint64_t __wrap_call_now(void);
int __wrap_chap_random(char *out, size_t size);
uint64_t __wrap_stats_now_us(void);

/* every call takes 150 us, whatever the machine: the stats call's counters are the same at every run */
uint64_t __wrap_stats_now_us(void)
{
	static uint64_t t;
	return t += 75;
}

void __wrap_call_new_uuid(char out[ATTACH_UUID_LEN + 1])
{
	static unsigned n;
	snprintf(out, ATTACH_UUID_LEN + 1, "5eed0000-0000-4000-8000-%012x", ++n);
}

uint64_t __wrap_call_now(void)
{
	return 1764460800; /* 2025-11-30 */
}

int __wrap_chap_random(char *out, size_t size)
{
	static unsigned n;
	if (size < CHAP_LEN + 1)
		return -EINVAL;
	snprintf(out, size, "seedCHAPsecret%02u", ++n % 100);
	return 0;
}

/* DH-HMAC-CHAP secrets: valid DHHC-1 ones, from a counter instead of getrandom */
int __wrap_nvmet_secret_generate(unsigned hash, size_t len, char *out, size_t size)
{
	static uint8_t n;
	uint8_t key[NVMET_SECRET_KEY_MAX];
	memset(key, ++n, sizeof(key));
	return nvmet_secret_encode(hash, key, len ? len : 32, out, size);
}

/* --- output */
static const char *outdir;

static void put_file(const char *target, const char *name, const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f))
		DIE("cannot write %s", path);
}

/* --- the agent */
static struct agent agent;
static struct dispatch_conn dconn;
static char dir[64], devs[4][128];
static uint32_t seq;
static unsigned n_req;

struct captured {
	unsigned char *frame; /* the reply, as the agent sends it */
	size_t len;
	unsigned selector;
};
static struct captured replies[256];
static unsigned n_replies;
static bool have_slot[FR_COUNT];
static struct captured slot_reply[FR_COUNT]; /* the first successful reply per call, for sequences */

static void quiet(enum log_level level, const char *msg, void *data)
{
	(void)level, (void)msg, (void)data;
}

static void agent_start(void)
{
	/* a fixed path: device paths end up in the seeds, which must not change from run to run */
	snprintf(dir, sizeof(dir), "/tmp/attachd-gen-corpus");
	if (mkdir(dir, 0700))
		DIE("mkdir %s: %s (left by an earlier run? remove it)", dir, strerror(errno));
	static char cfs[128], db[128], dm[128];
	snprintf(cfs, sizeof(cfs), "%s/cfs", dir);
	snprintf(db, sizeof(db), "%s/db", dir);
	snprintf(dm, sizeof(dm), "%s/dm", dir);
	/* 6.12: NVMe hosts have DH-HMAC-CHAP attributes */
	if (mkdir(cfs, 0755) || sim_setup(cfs, SIM_KERNEL_6_12) || sim_nvmet_setup(cfs, SIM_KERNEL_6_12) ||
	    sim_dm_setup(dm))
		DIE("simulator setup failed");
	for (int i = 0; i < 4; i++) {
		snprintf(devs[i], sizeof(devs[i]), "%s/disk%d", dir, i);
		if (mknod(devs[i], S_IFBLK | 0600, makedev(7, 200 + i)))
			DIE("mknod %s: %s (run as root)", devs[i], strerror(errno));
	}
	log_set_callback(quiet, NULL);
	struct agent_config *cfg = &agent.cfg;
	cfg->socket_path = "/nonexistent";
	cfg->db_dir = db;
	cfg->configfs_root = cfs;
	cfg->iqn_prefix = AGENT_DEFAULT_IQN_PREFIX;
	cfg->n_portals = 2;
	snprintf(cfg->portals[0], sizeof(cfg->portals[0]), "192.0.2.1:3260");
	snprintf(cfg->portals[1], sizeof(cfg->portals[1]), "[2001:db8::1]:3260");
	cfg->nqn_prefix = AGENT_DEFAULT_NQN_PREFIX;
	cfg->n_nvme_ports = 1;
	snprintf(cfg->nvme_ports[0], sizeof(cfg->nvme_ports[0]), "192.0.2.1:4420");
	cfg->no_kmod = true;
	cfg->max_clients = 8;
	cfg->max_volumes = cfg->max_exports = 64;
	if (store_open(&agent.store, db) || cfs_open(&agent.cfs, cfs) || cfs_mkdir(&agent.cfs, "target/iscsi"))
		DIE("agent setup failed");
}

static void agent_stop(void)
{
	char cmd[128];
	store_close(agent.store);
	cfs_close(&agent.cfs);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "gen_corpus: could not remove %s\n", dir);
}

static enum fuzz_reply_call slot_of(uint16_t type, bool secrets)
{
	for (int k = 0; k < FR_COUNT; k++)
		if (fuzz_reply_type[k] == type && (type != ATTACH_MSG_VOLUME_SHOW || secrets == (k == FR_VOLUME_SHOW_SECRETS)))
			return (enum fuzz_reply_call)k;
	DIE("no fuzz_reply call for type 0x%x", type);
}

static void keep_reply(const struct nlmsghdr *h, unsigned selector, uint32_t status)
{
	if (n_replies == sizeof(replies) / sizeof(replies[0]))
		DIE("too many replies");
	struct captured *c = &replies[n_replies++];
	c->len = h->nlmsg_len;
	c->frame = malloc(c->len);
	if (!c->frame)
		DIE("out of memory");
	memcpy(c->frame, h, c->len);
	c->selector = selector;
	unsigned k = selector & 0x0f;
	if (status == ATTACH_OK && !(selector & FR_DRY_RUN) && !have_slot[k]) {
		have_slot[k] = true;
		slot_reply[k] = *c;
	}
}

/*
 * One request: attributes as (int attr, const char *value) pairs ending with 0; strings as is, flags any
 * non-NULL value, u8/u32 in decimal. Returns the reply's status; @str_out (if not NULL) receives the
 * reply's @str_attr.
 */
static uint32_t req(uint16_t type, int str_attr, char *str_out, ...)
{
	struct nl_msg *m = proto_msg_new(type, NLM_F_REQUEST, ++seq);
	bool dry = false, secrets = false;
	va_list ap;
	va_start(ap, str_out);
	for (int a; (a = va_arg(ap, int)) != 0;) {
		const char *v = va_arg(ap, const char *);
		int rc;
		dry |= a == ATTACH_A_DRY_RUN;
		secrets |= a == ATTACH_A_SHOW_SECRETS;
		switch (proto_reply_policy[a].type) {
		case NLA_STRING: rc = proto_put_str(m, a, v); break;
		case NLA_FLAG: rc = proto_put_flag(m, a); break;
		case NLA_U8: rc = proto_put_u8(m, a, (uint8_t)atoi(v)); break;
		default: rc = proto_put_u32(m, a, (uint32_t)strtoul(v, NULL, 10)); break;
		}
		if (rc)
			DIE("proto_put failed");
	}
	va_end(ap);
	struct nlmsghdr *h = nlmsg_hdr(m);
	char name[64];
	snprintf(name, sizeof(name), "%02u-%s", ++n_req, proto_call_find(type)->name);
	put_file("request", name, h, h->nlmsg_len);

	void *buf = malloc(h->nlmsg_len);
	memcpy(buf, h, h->nlmsg_len);
	struct nl_msg *r = dispatch(&agent, &dconn, buf, h->nlmsg_len);
	free(buf);
	if (!r)
		DIE("no reply");
	struct nlmsghdr *rh = nlmsg_hdr(r);
	struct nlattr *tb[ATTACH_A_MAX + 1];
	if (nlmsg_parse(rh, 0, tb, ATTACH_A_MAX, (struct nla_policy *)proto_reply_policy) || !tb[ATTACH_A_STATUS])
		DIE("unparsable reply");
	uint32_t status = nla_get_u32(tb[ATTACH_A_STATUS]);
	keep_reply(rh, slot_of(type, secrets) | (dry ? FR_DRY_RUN : 0), status);
	if (str_out)
		snprintf(str_out, ATTACH_UUID_LEN + 1, "%s", tb[str_attr] ? nla_get_string(tb[str_attr]) : "");
	nlmsg_free(r);
	nlmsg_free(m);
	return status;
}

#define OK(x) do { if ((x) != ATTACH_OK) DIE("%s: not ok", #x); } while (0)

/* One fuzz_reply input: the selector, then @n frames renumbered 1..n as the client expects. */
static void put_reply_seed(const char *name, unsigned selector, const struct captured *const *frames, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += frames[i]->len;
	unsigned char *buf = malloc(len), *p = buf + 1;
	buf[0] = (unsigned char)selector;
	for (size_t i = 0; i < n; i++) {
		memcpy(p, frames[i]->frame, frames[i]->len);
		struct nlmsghdr *h = (struct nlmsghdr *)p;
		if (h->nlmsg_type != ATTACH_MSG_REFUSED)
			h->nlmsg_seq = (uint32_t)i + 1;
		p += frames[i]->len;
	}
	put_file("reply", name, buf, len);
	free(buf);
}

static void put_replies(void)
{
	static const char *const names[FR_COUNT] = {
		"hello", "volume-create", "volume-list", "volume-show", "volume-show-secrets", "reserve",
		"initialize-connection", "attach", "begin-detaching", "roll-detaching", "terminate-connection",
		"detach", "unreserve", "volume-extend", "volume-delete", "stats",
	};
	char name[96];
	for (unsigned i = 0; i < n_replies; i++) {
		const struct captured *c = &replies[i];
		snprintf(name, sizeof(name), "%03u-%s%s", i + 1, names[c->selector & 0x0f],
			 c->selector & FR_DRY_RUN ? "-dry-run" : "");
		put_reply_seed(name, c->selector, &c, 1);
	}
	/* sequences: three calls in the target's rotation, answered on one connection */
	for (unsigned k = 0; k < FR_COUNT; k++) {
		const struct captured *seq3[3];
		size_t n = 0;
		for (unsigned j = 0; j < 3 && have_slot[(k + j) % FR_COUNT]; j++)
			seq3[n++] = &slot_reply[(k + j) % FR_COUNT];
		if (n < 2)
			continue;
		snprintf(name, sizeof(name), "seq-%s", names[k]);
		put_reply_seed(name, k, seq3, n);
	}
	/* the agent's unsolicited refusal (srv.c), in place of any reply */
	struct nl_msg *r = dispatch_reply(ATTACH_MSG_REFUSED, 0, -EPERM, "uid 1000 is not allowed to use attachd", NULL);
	struct captured c = { (unsigned char *)nlmsg_hdr(r), nlmsg_hdr(r)->nlmsg_len, FR_VOLUME_LIST };
	const struct captured *one = &c;
	put_reply_seed("refused", FR_VOLUME_LIST, &one, 1);
	nlmsg_free(r);
}

/* --- records: every record of the store, encoded as LMDB holds it */
struct rec_walk {
	enum rec_type_id type;
	const char *name;
};

static int put_record(const char *key, void *rec, void *arg)
{
	const struct rec_walk *w = arg;
	unsigned char buf[REC_MAX_SIZE];
	size_t len;
	char name[160];
	if (rec_encode(w->type, rec, buf, sizeof(buf), &len))
		DIE("rec_encode failed");
	snprintf(name, sizeof(name), "%s-%.100s", w->name, key);
	for (char *p = name; *p; p++)
		if (*p == '/' || *p == ':')
			*p = '_';
	put_file("record", name, buf, len);
	return 0;
}

static void put_records(void)
{
	static const struct { enum store_db db; struct rec_walk w; } dbs[] = {
		{ STORE_VOLUMES, { REC_VOLUME, "volume" } },
		{ STORE_ATTACHMENTS, { REC_ATTACHMENT, "attachment" } },
		{ STORE_EXPORTS, { REC_EXPORT, "export" } },
		{ STORE_ACLS, { REC_ACL, "acl" } },
		{ STORE_NVME_HOSTS, { REC_NVME_HOST, "nvme-host" } },
	};
	MDB_txn *txn;
	if (store_begin(agent.store, false, &txn))
		DIE("store_begin failed");
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		union {
			struct rec_volume v;
			struct rec_attachment a;
			struct rec_export x;
			struct rec_acl c;
			struct rec_nvme_host h;
		} rec;
		if (store_scan(agent.store, txn, dbs[i].db, "", &rec, put_record, (void *)&dbs[i].w))
			DIE("store_scan failed");
	}
	store_abort(txn);
}

/* --- attachctl: every subcommand in its minimal, full and --opt=value spellings, from its own table */
static const char *placeholder(const char *tok)
{
	static const char *const map[][2] = {
		{ "VOL", "0b6e5bd6-4d71-4a9f-8f0e-6c1f2a3b4c5d" }, { "D", "/dev/vg0/vol1" }, { "N", "vol1" },
		{ "UUID", "6f1c9d7e-1111-4222-8333-944455556666" }, { "IQN", "iqn.1993-08.org.debian:01:compute1" },
		{ "H", "compute-1" }, { "IP", "192.0.2.7" }, { "M", "/dev/vdb" }, { "rw|ro", "ro" },
		{ "ID", "3e9b8e09-70a4-4d2c-b131-9f425d6e7f80" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(tok, map[i][0]))
			return map[i][1];
	return tok;
}

/* Write @prefix + @cmd's synopsis as newline-separated argv; optional parts only if @full; --opt=value if @eq. */
static void put_form(const struct actl_command *c, const char *prefix, const char *suffix, bool full, bool eq)
{
	char text[1024], syn[256];
	snprintf(text, sizeof(text), "%s%s", prefix, actl_command_name(c));
	snprintf(syn, sizeof(syn), "%s", c->synopsis);
	bool optional = false;
	char *save, *tok = strtok_r(syn, " ", &save);
	while (tok) {
		if (*tok == '[')
			optional = true, tok++;
		char *next = strtok_r(NULL, " ", &save);
		bool value = !strncmp(tok, "--", 2) && next && *next != '[' && strncmp(next, "--", 2);
		char *close = strchr(value ? next : tok, ']');
		if (close)
			*close = '\0';
		if (full || !optional) {
			size_t l = strlen(text);
			if (value)
				snprintf(text + l, sizeof(text) - l, "\n%s%s%s", tok, eq ? "=" : "\n", placeholder(next));
			else
				snprintf(text + l, sizeof(text) - l, "\n%s", placeholder(tok));
		}
		if (close)
			optional = false;
		tok = value ? strtok_r(NULL, " ", &save) : next;
	}
	size_t l = strlen(text);
	snprintf(text + l, sizeof(text) - l, "%s", suffix);
	char name[96];
	snprintf(name, sizeof(name), "%s-%s%s", actl_command_name(c), full ? (eq ? "full-eq" : "full") : "min",
		 *prefix ? "-global" : "");
	put_file("args", name, text, strlen(text));
}

static void put_args(void)
{
	const struct actl_command *table;
	size_t n = actl_commands(&table);
	for (size_t i = 0; i < n; i++) {
		put_form(&table[i], "", "", false, false);
		put_form(&table[i], "", "", true, false);
		put_form(&table[i], "", "", true, true);
		put_form(&table[i], "-s\n/run/attachd.sock\n--json\n--dry-run\n", "", true, false);
	}
	static const char *const extra[][2] = {
		{ "help", "--help" }, { "help-cmd", "help" }, { "version", "--version" },
		{ "socket-eq", "--socket=/tmp/a.sock\nvolume-list" }, { "socket-joined", "-s/tmp/a.sock\nvolume-list" },
		{ "cmd-help", "attach\n--help" }, { "end-of-options", "--json\n--\nvolume-show\n--\n-odd-volume-name" },
		{ "terminate-force", "terminate-connection\n0b6e5bd6-4d71-4a9f-8f0e-6c1f2a3b4c5d\n--force" },
	};
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		put_file("args", extra[i][0], extra[i][1], strlen(extra[i][1]));
}

int main(int argc, char **argv)
{
	if (argc != 2)
		DIE("usage: gen_corpus OUTDIR");
	outdir = argv[1];
	mkdir(outdir, 0755);
	agent_start();

	const char *ini_a = "iqn.2004-10.org.example:compute-a", *ini_b = "iqn.2004-10.org.example:compute-b";
	const char *inst = "6f1c9d7e-1111-4222-8333-944455556666";
	char vol[ATTACH_UUID_LEN + 1], volm[ATTACH_UUID_LEN + 1], vol2[ATTACH_UUID_LEN + 1] = "a0c3e5f7-0000-4000-8000-00000000002a";
	char att_b[ATTACH_UUID_LEN + 1];

	req(ATTACH_MSG_HELLO, 0, NULL, ATTACH_A_VERSION, "9", 0); /* refused, with the versions it speaks */
	OK(req(ATTACH_MSG_HELLO, 0, NULL, ATTACH_A_VERSION, "1", 0));
	OK(req(ATTACH_MSG_VOLUME_CREATE, ATTACH_A_VOLUME_ID, vol, ATTACH_A_DEVICE, devs[0], ATTACH_A_NAME, "vol0", 0));
	OK(req(ATTACH_MSG_VOLUME_CREATE, ATTACH_A_VOLUME_ID, volm, ATTACH_A_DEVICE, devs[1], ATTACH_A_MULTIATTACH, "", 0));
	OK(req(ATTACH_MSG_VOLUME_CREATE, 0, NULL, ATTACH_A_DEVICE, devs[2], ATTACH_A_VOLUME_ID,
	       "A0C3E5F7-0000-4000-8000-00000000002A", ATTACH_A_NAME, "upper-case id", 0));
	OK(req(ATTACH_MSG_VOLUME_CREATE, 0, NULL, ATTACH_A_DEVICE, devs[3], ATTACH_A_DRY_RUN, "", 0));
	req(ATTACH_MSG_VOLUME_CREATE, 0, NULL, ATTACH_A_DEVICE, devs[0], 0);      /* exists */
	req(ATTACH_MSG_VOLUME_CREATE, 0, NULL, ATTACH_A_DEVICE, "/dev/null", 0); /* not a block device */
	OK(req(ATTACH_MSG_VOLUME_LIST, 0, NULL, 0));

	OK(req(ATTACH_MSG_RESERVE, 0, NULL, ATTACH_A_VOLUME_ID, vol, ATTACH_A_MODE, "1", 0));
	OK(req(ATTACH_MSG_VOLUME_SHOW, 0, NULL, ATTACH_A_VOLUME_ID, vol, 0));
	OK(req(ATTACH_MSG_INITIALIZE_CONNECTION, 0, NULL, ATTACH_A_VOLUME_ID, vol, ATTACH_A_INITIATOR, ini_a,
	       ATTACH_A_DRY_RUN, "", 0));
	OK(req(ATTACH_MSG_INITIALIZE_CONNECTION, 0, NULL, ATTACH_A_VOLUME_ID, vol, ATTACH_A_INITIATOR, ini_a,
	       ATTACH_A_HOST, "compute-a", ATTACH_A_IP, "192.0.2.5", ATTACH_A_MULTIPATH, "", ATTACH_A_MUTUAL_CHAP, "", 0));
	OK(req(ATTACH_MSG_ATTACH, 0, NULL, ATTACH_A_VOLUME_ID, vol, ATTACH_A_INSTANCE, inst, ATTACH_A_HOST, "compute-a",
	       ATTACH_A_MOUNTPOINT, "/dev/vdb", ATTACH_A_MODE, "1", 0));
	OK(req(ATTACH_MSG_VOLUME_SHOW, 0, NULL, ATTACH_A_VOLUME_ID, vol, ATTACH_A_SHOW_SECRETS, "", 0));

	/* multiattach: two initiators, two attachments */
	OK(req(ATTACH_MSG_RESERVE, 0, NULL, ATTACH_A_VOLUME_ID, volm, 0));
	OK(req(ATTACH_MSG_INITIALIZE_CONNECTION, 0, NULL, ATTACH_A_VOLUME_ID, volm, ATTACH_A_INITIATOR, ini_a,
	       ATTACH_A_IP, "2001:db8::7", 0));
	OK(req(ATTACH_MSG_ATTACH, 0, NULL, ATTACH_A_VOLUME_ID, volm, ATTACH_A_INSTANCE, inst, ATTACH_A_HOST, "a",
	       ATTACH_A_MOUNTPOINT, "/dev/vdb", 0));
	OK(req(ATTACH_MSG_RESERVE, ATTACH_A_ATTACHMENT_ID, att_b, ATTACH_A_VOLUME_ID, volm, 0));
	OK(req(ATTACH_MSG_INITIALIZE_CONNECTION, 0, NULL, ATTACH_A_VOLUME_ID, volm, ATTACH_A_INITIATOR, ini_b, 0));
	OK(req(ATTACH_MSG_ATTACH, 0, NULL, ATTACH_A_VOLUME_ID, volm, ATTACH_A_INSTANCE,
	       "7f1c9d7e-1111-4222-8333-944455556666", ATTACH_A_HOST, "b", ATTACH_A_MOUNTPOINT, "/dev/vdc",
	       ATTACH_A_ATTACHMENT_ID, att_b, 0));
	OK(req(ATTACH_MSG_VOLUME_SHOW, 0, NULL, ATTACH_A_VOLUME_ID, volm, ATTACH_A_SHOW_SECRETS, "", 0));
	OK(req(ATTACH_MSG_VOLUME_LIST, 0, NULL, 0));
	put_records(); /* every record type exists now */

	/* the detach side, with a retry and dry runs */
	OK(req(ATTACH_MSG_BEGIN_DETACHING, 0, NULL, ATTACH_A_VOLUME_ID, vol, 0));
	OK(req(ATTACH_MSG_ROLL_DETACHING, 0, NULL, ATTACH_A_VOLUME_ID, vol, 0));
	OK(req(ATTACH_MSG_BEGIN_DETACHING, 0, NULL, ATTACH_A_VOLUME_ID, vol, 0));
	OK(req(ATTACH_MSG_TERMINATE_CONNECTION, 0, NULL, ATTACH_A_VOLUME_ID, vol, ATTACH_A_FORCE, "",
	       ATTACH_A_DRY_RUN, "", 0));
	OK(req(ATTACH_MSG_TERMINATE_CONNECTION, 0, NULL, ATTACH_A_VOLUME_ID, vol, ATTACH_A_INITIATOR, ini_a, 0));
	OK(req(ATTACH_MSG_DETACH, 0, NULL, ATTACH_A_VOLUME_ID, vol, 0));
	req(ATTACH_MSG_DETACH, 0, NULL, ATTACH_A_VOLUME_ID, vol, 0); /* wrong state */
	if (sim_dm_set_size(devs[1], 3ull << 30))
		DIE("sim_dm_set_size failed");
	OK(req(ATTACH_MSG_VOLUME_EXTEND, 0, NULL, ATTACH_A_VOLUME_ID, volm, 0));
	OK(req(ATTACH_MSG_RESERVE, 0, NULL, ATTACH_A_VOLUME_ID, vol2, 0));
	OK(req(ATTACH_MSG_UNRESERVE, 0, NULL, ATTACH_A_VOLUME_ID, vol2, ATTACH_A_DRY_RUN, "", 0));
	OK(req(ATTACH_MSG_UNRESERVE, 0, NULL, ATTACH_A_VOLUME_ID, vol2, 0));
	OK(req(ATTACH_MSG_VOLUME_DELETE, 0, NULL, ATTACH_A_VOLUME_ID, vol, 0));
	req(ATTACH_MSG_VOLUME_DELETE, 0, NULL, ATTACH_A_VOLUME_ID, vol, 0);  /* not found */
	req(ATTACH_MSG_VOLUME_DELETE, 0, NULL, ATTACH_A_VOLUME_ID, volm, 0); /* in use */
	req(ATTACH_MSG_VOLUME_SHOW, 0, NULL, ATTACH_A_VOLUME_ID, "not-a-uuid", 0); /* refused by the decoder */
	/* last, so that no other seed is renumbered: the counters of every call above, the records, an export */
	OK(req(ATTACH_MSG_STATS, 0, NULL, 0));

	/* NVMe/TCP, after the seeds above (none renumbered): a volume, two hosts (one with bidirectional
	 * DH-HMAC-CHAP), their records and replies, the cut of one host, the refusals across transports */
	char voln[ATTACH_UUID_LEN + 1];
	const char *nqn_a = "nqn.2014-08.org.example:compute-a", *nqn_b = "nqn.2014-08.org.nvmexpress:uuid:"
									 "f81d4fae-7dec-11d0-a765-00a0c91e6bf6";
	OK(req(ATTACH_MSG_VOLUME_CREATE, ATTACH_A_VOLUME_ID, voln, ATTACH_A_DEVICE, devs[3], ATTACH_A_MULTIATTACH, "",
	       ATTACH_A_TRANSPORT, "1", 0));
	OK(req(ATTACH_MSG_RESERVE, 0, NULL, ATTACH_A_VOLUME_ID, voln, 0));
	OK(req(ATTACH_MSG_INITIALIZE_CONNECTION, 0, NULL, ATTACH_A_VOLUME_ID, voln, ATTACH_A_NQN, nqn_a,
	       ATTACH_A_DHCHAP, "ffdhe2048", ATTACH_A_MUTUAL_CHAP, "", ATTACH_A_DRY_RUN, "", 0));
	OK(req(ATTACH_MSG_INITIALIZE_CONNECTION, 0, NULL, ATTACH_A_VOLUME_ID, voln, ATTACH_A_NQN, nqn_a,
	       ATTACH_A_DHCHAP, "ffdhe2048", ATTACH_A_MUTUAL_CHAP, "", 0));
	OK(req(ATTACH_MSG_ATTACH, 0, NULL, ATTACH_A_VOLUME_ID, voln, ATTACH_A_INSTANCE, inst, ATTACH_A_HOST, "a",
	       ATTACH_A_MOUNTPOINT, "/dev/vdb", 0));
	OK(req(ATTACH_MSG_RESERVE, 0, NULL, ATTACH_A_VOLUME_ID, voln, 0));
	OK(req(ATTACH_MSG_INITIALIZE_CONNECTION, 0, NULL, ATTACH_A_VOLUME_ID, voln, ATTACH_A_NQN, nqn_b, 0));
	req(ATTACH_MSG_INITIALIZE_CONNECTION, 0, NULL, ATTACH_A_VOLUME_ID, voln, ATTACH_A_INITIATOR, ini_a, 0);
	OK(req(ATTACH_MSG_VOLUME_SHOW, 0, NULL, ATTACH_A_VOLUME_ID, voln, ATTACH_A_SHOW_SECRETS, "", 0));
	OK(req(ATTACH_MSG_VOLUME_LIST, 0, NULL, 0));
	put_records();
	OK(req(ATTACH_MSG_TERMINATE_CONNECTION, 0, NULL, ATTACH_A_VOLUME_ID, voln, ATTACH_A_NQN, nqn_b,
	       ATTACH_A_DRY_RUN, "", 0));
	OK(req(ATTACH_MSG_TERMINATE_CONNECTION, 0, NULL, ATTACH_A_VOLUME_ID, voln, ATTACH_A_NQN, nqn_b, 0));
	OK(req(ATTACH_MSG_STATS, 0, NULL, 0));

	put_replies();
	put_args();
	agent_stop();
	return 0;
}
