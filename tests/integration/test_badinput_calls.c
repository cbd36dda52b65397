/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_badinput_calls.c: calls that are well formed but wrong, through the real socket of
 * build/attachd-sim (badinput.h: one table row a case, each checked for its reply, an agent that still
 * serves and a world that did not change): --portal values the agent refuses at start, devices of every
 * wrong kind (not a block device, already a volume's, attachd's own export, too long a path, no stable
 * identity, in use, reached through a directory others can write), and volumes in the wrong state: the
 * retries that say so, and the full matrix of every state-gated call in every state it refuses.
 */
#include "badinput.h"

static void custom_portal(const struct bad_case *c)
{
	char *out = it_capture("%s --socket %s/bad.sock --db %s/bad-db --portal '%s' --no-kmod --foreground 2>&1; "
			       "echo \"exit=$?\"", world_agent_bin(), W.dir, W.dir, c->arg);
	assert_non_null(out);
	char want[256];
	snprintf(want, sizeof(want), "--portal %s: %s", c->arg, c->msg);
	if (!strstr(out, want) || !strstr(out, "exit=2"))
		fail_msg("wanted \"%s\" and exit 2, got: %s", want, out);
	free(out);
	char p[256];
	world_path(&W, p, sizeof(p), "bad-db");
	assert_int_equal(access(p, F_OK), -1); /* a usage error touches nothing */
}

/* A device path the protocol accepts (up to 1023 bytes) but longer than LMDB's 511-byte keys: the
 * device index is by number, so it works (it once failed with MDB_BAD_VALSIZE). */
static void custom_long_device(const struct bad_case *c)
{
	(void)c;
	struct attach_client *cl = world_client(&W);
	struct attach_volume_create_args va = { .device = BAD.long600 };
	char id[ATTACH_UUID_LEN + 1];
	if (attach_volume_create(cl, &va, id))
		fail_msg("volume-create on a %zu-byte path: %s (%s)", strlen(BAD.long600), attach_last_message(cl),
			 attach_status_name(attach_last_status(cl)));
	assert_int_equal(attach_volume_delete(cl, id), 0); /* leaves the world as it was */
	world_client_free(cl);
}

/* --- setups of the "twice" cases: the first call is a good one */
static void setup_detach(void)
{
	struct attach_client *cl = world_client(&W);
	assert_int_equal(attach_detach(cl, BAD.vol[V_TWICE], NULL), 0);
	world_client_free(cl);
}

static void setup_unreserve(void)
{
	struct attach_client *cl = world_client(&W);
	assert_int_equal(attach_unreserve(cl, BAD.vol[V_UNRES]), 0);
	world_client_free(cl);
}

static void setup_terminate(void)
{
	struct attach_client *cl = world_client(&W);
	assert_int_equal(attach_terminate_connection(cl, BAD.vol[V_TERM], INI_B, false), 0);
	world_client_free(cl);
}

static const struct bad_case cases[] = {
	/* portals: a usage error at start (exit 2), nothing created */
	{ "attachd --portal without a port", .custom = custom_portal, .arg = "10.0.0.1", .msg = "a portal needs a port" },
	{ "attachd --portal with port 0", .custom = custom_portal, .arg = "127.0.0.1:0",
	  .msg = "the port must be a number from 1 to 65535" },
	{ "attachd --portal with port 65536", .custom = custom_portal, .arg = "127.0.0.1:65536",
	  .msg = "the port must be a number from 1 to 65535" },
	{ "attachd --portal IPv6 without brackets", .custom = custom_portal, .arg = "::1:3260",
	  .msg = "not an IPv4 address (IPv6 needs [brackets])" },
	{ "attachd --portal not an address", .custom = custom_portal, .arg = "300.1.1.1:3260", .msg = "not an IPv4 address" },
	/* devices */
	{ "device that is a regular file", M(VOLUME_CREATE), { STR(DEVICE, "$REG") }, .status = E(NOT_BLOCK),
	  .msg = "$REG is not a block device" },
	{ "device that does not exist", M(VOLUME_CREATE), { STR(DEVICE, "$MISSING") }, .status = E(NOT_FOUND),
	  .msg = "device $MISSING: no such device" },
	{ "device that is a symlink to a regular file (where it leads is not told)", M(VOLUME_CREATE),
	  { STR(DEVICE, "$LINKREG") }, .status = E(NOT_BLOCK), .msg = "$LINKREG is not a block device", .absent = "$REG" },
	{ "device that is a directory", M(VOLUME_CREATE), { STR(DEVICE, "$DIR") }, .status = E(NOT_BLOCK),
	  .msg = "is not a block device" },
	{ "device that is a character device", M(VOLUME_CREATE), { STR(DEVICE, "/dev/null") }, .status = E(NOT_BLOCK),
	  .msg = "/dev/null is not a block device" },
	{ "relative device path", M(VOLUME_CREATE), { STR(DEVICE, "disk0") }, .status = E(INVALID),
	  .msg = "attribute device: not an absolute path" },
	{ "device already used by another volume", M(VOLUME_CREATE), { STR(DEVICE, "$USED") }, .status = E(BUSY),
	  .msg = "is already volume $INUSE" },
	{ "symlink to a device already used", M(VOLUME_CREATE), { STR(DEVICE, "$LINKUSED") }, .status = E(BUSY),
	  .msg = "is already volume $INUSE" },
	{ "another node of a device already used", M(VOLUME_CREATE), { STR(DEVICE, "$ALIAS") }, .status = E(BUSY),
	  .msg = "device $ALIAS is already volume $AVAIL" },
	{ "the dm device of another volume's export", M(VOLUME_CREATE), { STR(DEVICE, "$DMINUSE") },
	  .status = E(BUSY), .msg = "is attachd's own export device of volume $INUSE" },
	{ "device whose real path exceeds 1023 bytes", M(VOLUME_CREATE), { STR(DEVICE, "$LONGLINK") },
	  .status = E(TOO_BIG), .msg = "device $LONGLINK: the path, or a link on it, is too long" },
	{ "device without a stable identity (a RAM disk)", M(VOLUME_CREATE), { STR(DEVICE, "$NOIDENT") },
	  .status = E(INVALID), .msg = "device $NOIDENT has no stable identity" },
	{ "device in use (mounted, swap, held)", M(VOLUME_CREATE), { STR(DEVICE, "$BUSYDEV") }, .status = E(BUSY),
	  .msg = "device $BUSYDEV is in use" },
	{ "device path through a directory others can write", M(VOLUME_CREATE), { STR(DEVICE, "$OPENLINK") },
	  .status = E(PERM), .msg = "passes through a directory that others can write" },
	{ "device path with a .. component", M(VOLUME_CREATE), { STR(DEVICE, "$DIR/open/../free") },
	  .status = E(INVALID), .msg = "without empty, \".\" or \"..\" components" },
	{ "device path with an empty component", M(VOLUME_CREATE), { STR(DEVICE, "$DIR//free") },
	  .status = E(INVALID), .msg = "without empty" },
	{ "device path of 600 bytes (the protocol allows 1023)", .custom = custom_long_device },
	/* states (the full matrix of refused states is generated in main) */
	{ "volume-delete while still exported", M(VOLUME_DELETE), { VOL("$EXPAVAIL") }, .status = E(BUSY),
	  .msg = "is still exported as iqn.2026-11.org.attachd:$EXPAVAIL; terminate-connection --force first" },
	{ "reserve of an in-use volume that is not multiattach", M(RESERVE), { VOL("$INUSE") }, .status = E(STATE),
	  .msg = "volume $INUSE is in-use and not multiattach; reserve expects available" },
	{ "terminate-connection --force of a volume not exported", M(TERMINATE_CONNECTION), { VOL("$AVAIL"), FLAG(FORCE) },
	  .status = E(NOT_FOUND), .msg = "volume $AVAIL is not exported" },
	{ "initialize-connection of a 2nd initiator while the reservation is connected", M(INITIALIZE_CONNECTION),
	  { VOL("$ATTACHING"), STR(INITIATOR, INI_B) }, .status = E(BUSY), .msg = "is already connected to " INI_A },
	{ "terminate-connection of an initiator that never connected", M(TERMINATE_CONNECTION),
	  { VOL("$INUSE"), STR(INITIATOR, INI_B) }, .status = E(NOT_FOUND),
	  .msg = "initiator " INI_B " has no access to volume $INUSE" },
	{ "detach twice: the retry says so", M(DETACH), { VOL("$TWICE") }, .setup = setup_detach, .status = E(ALREADY),
	  .msg = "volume $TWICE is available: attachment $TWICE_ATT was detached already (a retry?)" },
	{ "detach twice, naming the attachment: a retry, nothing changes", M(DETACH),
	  { VOL("$TWICE"), STR(ATTACHMENT_ID, "$TWICE_ATT") }, .status = ATTACH_OK, .msg = "already detached (retry)" },
	{ "reserve while attaching: names the reservation", M(RESERVE), { VOL("$ATTACHING") }, .status = E(ALREADY),
	  .msg = "volume $ATTACHING is already reserved (rw): attachment $ATTACHING_ATT" },
	{ "attach again while in-use: a retry, nothing changes", M(ATTACH), { VOL("$INUSE"), ATTACH_ARGS },
	  .status = ATTACH_OK, .msg = "attachment $INUSE_ATT is already attached to instance " INSTANCE " (retry)" },
	{ "attach of the attached attachment with other details", M(ATTACH), { VOL("$INUSE"),
	  STR(INSTANCE, INSTANCE), STR(HOST, "compute-b"), STR(MOUNTPOINT, "/dev/vdb"), STR(ATTACHMENT_ID, "$INUSE_ATT") },
	  .status = E(ALREADY), .msg = "attachment $INUSE_ATT of volume $INUSE is already attached, to instance" },
	{ "terminate-connection --attachment of another initiator's attachment", M(TERMINATE_CONNECTION),
	  { VOL("$INUSE"), STR(INITIATOR, INI_B), STR(ATTACHMENT_ID, "$INUSE_ATT") }, .status = E(INVALID),
	  .msg = "attachment $INUSE_ATT of volume $INUSE is not connected through " INI_B " but through " INI_A },
	{ "terminate-connection --attachment of an unknown attachment", M(TERMINATE_CONNECTION),
	  { VOL("$INUSE"), STR(INITIATOR, INI_A), STR(ATTACHMENT_ID, "11111111-2222-4333-8444-555555555555") },
	  .status = E(NOT_FOUND), .msg = "volume $INUSE has no attachment 11111111-2222-4333-8444-555555555555" },
	{ "purge_unowned on anything but reconcile", M(VOLUME_LIST), { FLAG(PURGE_UNOWNED) }, .status = E(PROTO),
	  .msg = "purge_unowned is not accepted by volume-list" },
	{ "unreserve twice", M(UNRESERVE), { VOL("$UNRES") }, .setup = setup_unreserve, .status = E(STATE),
	  .msg = "volume $UNRES is available; unreserve expects attaching" },
	{ "terminate-connection twice: the retry releases nothing", M(TERMINATE_CONNECTION),
	  { VOL("$TERM"), STR(INITIATOR, INI_B) }, .setup = setup_terminate, .status = ATTACH_OK,
	  .msg = "the access of initiator " INI_B " was already removed (retry)" },
};

/* Every call with a state gate, in every state its dispatch row (agent/server/dispatch.c) refuses. */
static const struct {
	uint16_t type;
	const char *name;
	unsigned allowed; /* bits: available 1, attaching 2, in-use 4, detaching 8 */
	struct aspec extra[4];
} gated[] = {
	{ M(VOLUME_DELETE), "volume-delete", 1, { { 0 } } },
	/* in-use without multiattach, attaching (a retry?): rows of their own above */
	{ M(RESERVE), "reserve", 1 | 2 | 4, { { 0 } } },
	{ M(UNRESERVE), "unreserve", 2, { { 0 } } },
	{ M(INITIALIZE_CONNECTION), "initialize-connection", 2 | 4, { STR(INITIATOR, INI_B) } },
	{ M(ATTACH), "attach", 2 | 4, { ATTACH_ARGS } }, /* in-use: a retry, a row above */
	{ M(BEGIN_DETACHING), "begin-detaching", 4, { { 0 } } },
	{ M(ROLL_DETACHING), "roll-detaching", 8, { { 0 } } },
	{ M(DETACH), "detach", 8, { { 0 } } },
};
static const struct { const char *vol, *state; } states[] = {
	{ "$AVAIL", "available" }, { "$ATTACHING", "attaching" }, { "$INUSE", "in-use" }, { "$DETACHING", "detaching" },
};

int main(void)
{
	size_t n_fixed = sizeof(cases) / sizeof(cases[0]), n = n_fixed;
	struct bad_case *all = calloc(n_fixed + 32, sizeof(*all));
	if (!all)
		return 1;
	memcpy(all, cases, sizeof(cases));
	for (size_t i = 0; i < sizeof(gated) / sizeof(gated[0]); i++) {
		for (size_t s = 0; s < 4; s++) {
			if (gated[i].allowed & (1u << s))
				continue;
			struct bad_case *c = &all[n++];
			char *name, *msg;
			if (asprintf(&name, "%s while %s", gated[i].name, states[s].state) < 0 ||
			    asprintf(&msg, "volume %s is %s; %s expects", states[s].vol, states[s].state, gated[i].name) < 0)
				return 1;
			c->name = name;
			c->type = gated[i].type;
			c->a[0] = (struct aspec){ ATTACH_A_VOLUME_ID, A_STR, states[s].vol, 0 };
			memcpy(&c->a[1], gated[i].extra, sizeof(gated[i].extra));
			c->status = ATTACH_E_STATE;
			c->msg = msg;
		}
	}
	return badinput_main("test_badinput_calls", all, n);
}
