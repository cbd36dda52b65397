/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_badinput_attrs.c: bad attributes through the real socket of build/attachd-sim (badinput.h: one
 * table row a case, each checked for its reply, an agent that still serves and a world that did not
 * change): required attributes, types and sizes, strings, the attribute layout (duplicates, attributes
 * a call does not take, flag bits, padding, lengths), volume and attachment ids, and initiator names
 * (including the same IQN in other letter case, a retry with the same credentials).
 */
#include "badinput.h"

static void custom_iqn_case(const struct bad_case *c)
{
	/* not an error: the same initiator in other letter case is a retry with the same credentials */
	bool inuse = !strcmp(c->arg, "inuse");
	const struct attach_conninfo *first = inuse ? &BAD.ci_inuse : &BAD.ci_attaching;
	struct attach_client *cl = world_client(&W);
	struct attach_connector conn = { .initiator = "IQN.2004-10.ORG.EXAMPLE:HOST-A" };
	struct attach_conninfo ci;
	if (attach_initialize_connection(cl, BAD.vol[inuse ? V_INUSE : V_ATTACHING], &conn, &ci))
		fail_msg("initialize-connection: %s", attach_last_message(cl));
	assert_int_equal(attach_last_status(cl), ATTACH_OK);
	assert_non_null(strstr(attach_last_message(cl), "already connected (retry)"));
	assert_string_equal(ci.auth_username, first->auth_username);
	assert_string_equal(ci.auth_password, first->auth_password);
	assert_string_equal(ci.target_iqn, first->target_iqn);
	attach_conninfo_clear(&ci);
	world_client_free(cl);
}

static const struct bad_case cases[] = {
	/* required attributes */
	{ "hello without version", M(HELLO), .status = E(INVALID), .msg = "attribute version is required" },
	{ "reserve without volume_id", M(RESERVE), .status = E(INVALID), .msg = "attribute volume_id is required" },
	{ "volume-create without device", M(VOLUME_CREATE), { STR(NAME, "x") }, .status = E(INVALID),
	  .msg = "attribute device is required" },
	{ "initialize-connection without initiator", M(INITIALIZE_CONNECTION), { VOL("$ATTACHING") },
	  .status = E(INVALID), .msg = "attribute initiator is required" },
	{ "attach without mountpoint", M(ATTACH), { VOL("$ATTACHING"), STR(INSTANCE, INSTANCE), STR(HOST, "h") },
	  .status = E(INVALID), .msg = "attribute mountpoint is required" },
	{ "terminate-connection with neither initiator nor force", M(TERMINATE_CONNECTION), { VOL("$INUSE") },
	  .status = E(INVALID), .msg = "attribute initiator is required unless force or nqn is set" },
	/* attribute types and sizes */
	{ "version as a u8", M(HELLO), { U8(VERSION, 1) }, .status = E(PROTO),
	  .msg = "attribute version: 1 bytes of payload, expected 4" },
	{ "version as a u64", M(HELLO), { { ATTACH_A_VERSION, A_RAW, "\1\0\0\0\0\0\0\0", 8 } }, .status = E(PROTO),
	  .msg = "attribute version: 8 bytes of payload, expected 4" },
	{ "mode as a u32", M(ATTACH), { VOL("$ATTACHING"), ATTACH_ARGS, U32(MODE, 0) }, .status = E(PROTO),
	  .msg = "attribute mode: 4 bytes of payload, expected 1" },
	{ "flag with a payload", M(RESERVE), { VOL("$AVAIL"), U32(DRY_RUN, 1) }, .status = E(PROTO),
	  .msg = "attribute dry_run: 4 bytes of payload, expected 0" },
	{ "volume_id as a u32", M(VOLUME_SHOW), { U32(VOLUME_ID, 1) }, .status = E(PROTO),
	  .msg = "attribute volume_id: string with an embedded NUL" },
	{ "initiator as a flag (no payload)", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), FLAG(INITIATOR) },
	  .status = E(PROTO), .msg = "attribute initiator: string without its NUL terminator" },
	{ "mode 2, neither rw nor ro", M(ATTACH), { VOL("$ATTACHING"), ATTACH_ARGS, U8(MODE, 2) }, .status = E(INVALID),
	  .msg = "attribute mode: 2 is not rw (0) or ro (1)" },
	/* strings */
	{ "string without its NUL", M(VOLUME_SHOW), { { ATTACH_A_VOLUME_ID, A_NONUL, "$AVAIL", 0 } }, .status = E(PROTO),
	  .msg = "attribute volume_id: string without its NUL terminator" },
	{ "string with an embedded NUL", M(VOLUME_CREATE), { STR(DEVICE, "$FREE"), { ATTACH_A_NAME, A_RAW, "ab\0cd", 6 } },
	  .status = E(PROTO), .msg = "attribute name: string with an embedded NUL" },
	{ "name of 256 bytes", M(VOLUME_CREATE), { STR(DEVICE, "$FREE"), REP(NAME, "", 256) }, .status = E(TOO_BIG),
	  .msg = "attribute name: longer than 255 bytes" },
	{ "device path of 1024 bytes", M(VOLUME_CREATE), { REP(DEVICE, "/", 1024) }, .status = E(TOO_BIG),
	  .msg = "attribute device: longer than 1023 bytes" },
	{ "mountpoint of 1024 bytes", M(ATTACH), { VOL("$ATTACHING"), STR(INSTANCE, INSTANCE), STR(HOST, "h"),
	  REP(MOUNTPOINT, "/", 1024) }, .status = E(TOO_BIG), .msg = "attribute mountpoint: longer than 1023 bytes" },
	{ "host of 256 bytes", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, INI_A), REP(HOST, "", 256) },
	  .status = E(TOO_BIG), .msg = "attribute host: longer than 255 bytes" },
	{ "empty name", M(VOLUME_CREATE), { STR(DEVICE, "$FREE"), STR(NAME, "") }, .status = E(INVALID),
	  .msg = "attribute name: empty" },
	{ "host with a tab", M(ATTACH), { VOL("$ATTACHING"), STR(INSTANCE, INSTANCE), STR(HOST, "a\tb"),
	  STR(MOUNTPOINT, "/dev/vdb") }, .status = E(INVALID), .msg = "attribute host: contains a control character" },
	/* attribute layout */
	{ "duplicate attribute: volume_id twice", M(VOLUME_SHOW), { VOL("$AVAIL"), VOL("$INUSE") }, .status = E(PROTO),
	  .msg = "attribute volume_id given twice" },
	{ "duplicate flag: dry_run twice", M(RESERVE), { VOL("$AVAIL"), FLAG(DRY_RUN), FLAG(DRY_RUN) },
	  .status = E(PROTO), .msg = "attribute dry_run given twice" },
	{ "show_secrets on reserve", M(RESERVE), { VOL("$AVAIL"), FLAG(SHOW_SECRETS) }, .status = E(PROTO),
	  .msg = "show_secrets is not accepted by reserve" },
	{ "dry_run on volume-list", M(VOLUME_LIST), { FLAG(DRY_RUN) }, .status = E(PROTO),
	  .msg = "dry_run is not accepted by volume-list" },
	{ "unknown attribute 99", M(VOLUME_SHOW), { VOL("$AVAIL"), { 99, A_U32, NULL, 0 } }, .status = E(PROTO),
	  .msg = "attribute 99 is not accepted by volume-show" },
	{ "attribute 0", M(VOLUME_SHOW), { VOL("$AVAIL"), { 0, A_U32, NULL, 0 } }, .status = E(PROTO),
	  .msg = "attribute 0 is not accepted by volume-show" },
	{ "a reply attribute (status) in a request", M(VOLUME_SHOW), { VOL("$AVAIL"), U32(STATUS, 0) },
	  .status = E(PROTO), .msg = "status is not accepted by volume-show" },
	{ "NLA_F_NESTED on a string", M(VOLUME_SHOW), { { ATTACH_A_VOLUME_ID | NLA_F_NESTED, A_STR, "$AVAIL", 0 } },
	  .status = E(PROTO), .msg = "attribute 5: flag bits 0x8000 are not allowed" },
	{ "NLA_F_NET_BYTEORDER on a u32", M(HELLO), { { ATTACH_A_VERSION | NLA_F_NET_BYTEORDER, A_U32, NULL, 1 } },
	  .status = E(PROTO), .msg = "flag bits 0x4000 are not allowed" },
	{ "two stray bytes after the last attribute", M(HELLO), { U32(VERSION, 1) }, .stray = 2, .status = E(PROTO),
	  .msg = "2 stray bytes after the last attribute" },
	{ "last attribute not padded", M(VOLUME_SHOW), { VOL("$AVAIL") }, .nopad = true, .status = E(PROTO),
	  .msg = "the last attribute is not padded to 4 bytes" },
	{ "attribute length below its header (nla_len 2)", M(HELLO), { { ATTACH_A_VERSION, A_HDR, NULL, 2 } },
	  .status = E(PROTO), .msg = "attribute 3 claims 2 bytes where 4 remain" },
	{ "attribute longer than the message (nla_len 200)", M(HELLO), { { ATTACH_A_VERSION, A_HDR, NULL, 200 } },
	  .status = E(PROTO), .msg = "attribute 3 claims 200 bytes where 4 remain" },
	/* ids */
	{ "malformed UUID", M(RESERVE), { VOL("0000000g-0000-4000-8000-000000000000") }, .status = E(INVALID),
	  .msg = "attribute volume_id: \"0000000g-0000-4000-8000-000000000000\" is not a UUID" },
	{ "UUID of 35 characters", M(RESERVE), { VOL("00000000-0000-4000-8000-00000000000") }, .status = E(INVALID),
	  .msg = "attribute volume_id: not a UUID (36 characters)" },
	{ "UUID of 36 characters without hyphens", M(VOLUME_SHOW), { VOL("000000000000400080000000000000000000") },
	  .status = E(INVALID), .msg = "is not a UUID" },
	{ "malformed instance UUID", M(ATTACH), { VOL("$ATTACHING"), STR(INSTANCE, "not-a-uuid-but-thirty-six-chars-long"),
	  STR(HOST, "h"), STR(MOUNTPOINT, "/dev/vdb") }, .status = E(INVALID), .msg = "attribute instance: " },
	{ "malformed attachment_id", M(DETACH), { VOL("$DETACHING"), STR(ATTACHMENT_ID, "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz") },
	  .status = E(INVALID), .msg = "attribute attachment_id: " },
	{ "unknown volume id", M(RESERVE), { VOL("00000000-0000-4000-8000-000000000000") }, .status = E(NOT_FOUND),
	  .msg = "no volume 00000000-0000-4000-8000-000000000000" },
	{ "unknown volume id in upper case", M(VOLUME_SHOW), { VOL("ABCDEF00-0000-4000-8000-00000000000A") },
	  .status = E(NOT_FOUND), .msg = "no volume abcdef00-0000-4000-8000-00000000000a" },
	{ "volume-create with an existing id in upper case", M(VOLUME_CREATE), { STR(DEVICE, "$FREE"), VOL("$AVAIL_UP") },
	  .status = E(EXISTS), .msg = "volume $AVAIL already exists" },
	{ "attach with an unknown attachment id", M(ATTACH), { VOL("$ATTACHING"), ATTACH_ARGS,
	  STR(ATTACHMENT_ID, "11111111-2222-4333-8444-555555555555") }, .status = E(NOT_FOUND),
	  .msg = "attachment 11111111-2222-4333-8444-555555555555 is not the reserved attachment of volume $ATTACHING" },
	{ "detach naming another volume's attachment", M(DETACH), { VOL("$DETACHING"), STR(ATTACHMENT_ID, "$INUSE_ATT") },
	  .status = E(NOT_FOUND), .msg = "volume $DETACHING has no attachment $INUSE_ATT" },
	/* initiators */
	{ "invalid IQN (no date)", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, "iqn.example.com:x") },
	  .status = E(INVALID), .msg = "attribute initiator: iqn. names need a date YYYY-MM" },
	{ "IQN of 224 bytes", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), REP(INITIATOR, "iqn.2004-10.org.example:", 224) },
	  .status = E(TOO_BIG), .msg = "attribute initiator: longer than 223 bytes" },
	/* NVMe host NQNs, DH groups and transports (refused by their shape, whatever the volume) */
	{ "NQN without its ':' part", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(NQN, "nqn.2014-08.org.example") },
	  .status = E(INVALID), .msg = "attribute nqn: " },
	{ "NQN with no date", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(NQN, "nqn.example.org:host") },
	  .status = E(INVALID), .msg = "attribute nqn: " },
	{ "NQN of the uuid form with no UUID", M(INITIALIZE_CONNECTION),
	  { VOL("$INUSE"), STR(NQN, "nqn.2014-08.org.nvmexpress:uuid:not-a-uuid") }, .status = E(INVALID),
	  .msg = "attribute nqn: " },
	{ "NQN of 224 bytes", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), REP(NQN, "nqn.2014-08.org.example:", 224) },
	  .status = E(TOO_BIG), .msg = "attribute nqn: longer than 223 bytes" },
	{ "NQN in terminate-connection with no date", M(TERMINATE_CONNECTION), { VOL("$INUSE"), STR(NQN, "nqn.x:y") },
	  .status = E(INVALID), .msg = "attribute nqn: " },
	{ "initiator and NQN together", M(INITIALIZE_CONNECTION),
	  { VOL("$INUSE"), STR(INITIATOR, INI_A), STR(NQN, "nqn.2014-08.org.example:host-a") }, .status = E(INVALID),
	  .msg = "attributes initiator and nqn do not go together" },
	{ "NQN on an iSCSI volume", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(NQN, "nqn.2014-08.org.example:host-a") },
	  .status = E(INVALID), .msg = "is exported over iSCSI" },
	{ "DH group that is none", M(INITIALIZE_CONNECTION),
	  { VOL("$INUSE"), STR(NQN, "nqn.2014-08.org.example:host-a"), STR(DHCHAP, "ffdhe1024") }, .status = E(INVALID),
	  .msg = "attribute dhchap: \"ffdhe1024\" is not a DH group" },
	{ "transport 2", M(VOLUME_CREATE), { STR(DEVICE, "/dev/null"), U8(TRANSPORT, 2) }, .status = E(INVALID),
	  .msg = "attribute transport: 2 is not iscsi (0) or nvme-tcp (1)" },
	{ "nvme-tcp volume on an agent without --nvme-port", M(VOLUME_CREATE),
	  { STR(DEVICE, "/dev/null"), U8(TRANSPORT, 1) }, .status = E(UNSUPPORTED), .msg = "has no --nvme-port" },
	{ "IQN with a newline", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, INI_A "\nx") },
	  .status = E(INVALID), .msg = "attribute initiator: contains a control character" },
	{ "IQN with a slash", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, INI_A "/../x") },
	  .status = E(INVALID), .msg = "attribute initiator: an iSCSI name holds only letters, digits, '-', '.' and ':'" },
	{ "IQN with a space", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, "iqn.2004-10.org.example:a b") },
	  .status = E(INVALID), .msg = "an iSCSI name holds only letters" },
	{ "initiator neither iqn., eui. nor naa.", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, "foo.bar") },
	  .status = E(INVALID), .msg = "must start with iqn., eui. or naa." },
	{ "eui. initiator of 15 hex digits", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, "eui.0123456789abcde") },
	  .status = E(INVALID), .msg = "eui. names need exactly 16 hex digits" },
	{ "terminate-connection --force with an invalid initiator", M(TERMINATE_CONNECTION),
	  { VOL("$EXPAVAIL"), STR(INITIATOR, "iqn.bad"), FLAG(FORCE) }, .status = E(INVALID), .msg = "attribute initiator: " },
	{ "IQN in other letter case (in-use): a retry, same credentials", .custom = custom_iqn_case, .arg = "inuse" },
	{ "IQN in other letter case (attaching): a retry, same credentials", .custom = custom_iqn_case, .arg = "attaching" },
	{ "ip that is not an address", M(INITIALIZE_CONNECTION), { VOL("$INUSE"), STR(INITIATOR, INI_A), STR(IP, "999.1.1.1") },
	  .status = E(INVALID), .msg = "attribute ip: not an IPv4 or IPv6 address" },
};

int main(void)
{
	return badinput_main("test_badinput_attrs", cases, sizeof(cases) / sizeof(cases[0]));
}
