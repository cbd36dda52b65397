/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proto.h: the strict request layer, the call table, message building helpers and the status mapping,
 * shared by the agent, libattach and the fuzz targets. Not installed; attach.h is the public client API.
 *
 * libnl-3's nlmsg_parse() is lenient (duplicates win silently, unknown types are skipped, trailing bytes
 * and missing attributes go unnoticed, fixed-size types accept longer payloads). proto_parse_request()
 * walks the attributes first and rejects all of that, naming the attribute, then runs nlmsg_parse() with
 * the call's policy to fill the table, then checks the call's required mask and every value's shape.
 */
#ifndef PROTO_H
#define PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "attach.h"
#include "attach_proto.h"

/*
 * One row per call, the one place its facts are written: what the wire accepts, what the call does and
 * who may make it. The agent's dispatch table adds only the handler and the volume states; attachctl adds
 * only its spelling of the options (both look the row up by type). libattach publishes the same facts
 * through attach_call_by_name() and attach_call_by_type().
 */
struct proto_call {
	uint16_t type;                   /* enum attach_msg */
	const char *name;                /* "volume-create": the CLI and log name */
	const struct nla_policy *policy; /* ATTACH_A_MAX + 1 entries; a type other than NLA_UNSPEC = accepted */
	uint64_t required;               /* ATTACH_BIT()s of the attributes the request must carry */
	uint64_t any_of;                 /* at least one of these (0: no such rule) */
	uint64_t exclusive;              /* at most one of these (0: no such rule) */
	bool mutating;                   /* changes records or the kernel; a dry run returns its plan */
	enum attach_priv priv;           /* the least a caller needs; see proto_request_priv() */
};

/* The row for @type, or NULL if @type is not a call. */
const struct proto_call *proto_call_find(uint16_t type);
/* The row for @name ("volume-show"), or NULL. */
const struct proto_call *proto_call_by_name(const char *name);
/* What a decoded request of @call needs: its row's privilege, raised to secrets by show_secrets. */
enum attach_priv proto_request_priv(const struct proto_call *call, struct nlattr **tb);
/* Policy for decoding replies (libattach): every attribute of the namespace, types checked. */
extern const struct nla_policy proto_reply_policy[ATTACH_A_MAX + 1];

/* "volume_id" for ATTACH_A_VOLUME_ID; "attribute 99" style text for unknown numbers (static buffer). */
const char *proto_attr_name(int attr);
const char *proto_state_name(int state);             /* enum attach_volume_state: "in-use" */
const char *proto_attachment_state_name(int state);  /* enum attach_attachment_state */
const char *proto_mode_name(int mode);               /* "rw" / "ro" */
const char *proto_transport_name(int transport);     /* enum attach_transport: "iscsi" / "nvme-tcp" */

/*
 * Validate a whole request message (@len bytes, as framed). On success fills @tb[0..ATTACH_A_MAX] (NULL
 * where absent), sets *@call and returns 0. On failure returns a negative errno (-EPROTO layout, -EINVAL
 * value, -EOPNOTSUPP unknown call, -EMSGSIZE too big, -EBADMSG shorter than a header) and writes a message
 * naming the attribute to @msg.
 */
int proto_parse_request(const struct nlmsghdr *nlh, size_t len, const struct proto_call **call,
			struct nlattr **tb, char *msg, size_t msglen);

/* Check the first NLMSG_HDRLEN bytes of a frame: 0, -EBADMSG (length below the header) or -EMSGSIZE. */
int proto_frame_check(const struct nlmsghdr *nlh, size_t max);

/* iSCSI name (RFC 3720 3.2.6: iqn., eui., naa.): 0 or -EINVAL with the reason in @why. */
int proto_iscsi_name_check(const char *name, char *why, size_t whylen);

/* NVMe Qualified Name (nqn.YYYY-MM.<domain>:<string>, nqn.2014-08.org.nvmexpress:uuid:<UUID>; at most
 * PROTO_NQN_MAX bytes): 0 or -EINVAL with the reason in @why. */
#define PROTO_NQN_MAX 223
int proto_nvme_name_check(const char *name, char *why, size_t whylen);
/* A DH group of DH-HMAC-CHAP as nvmet's dhchap_dhgroup names it: null, ffdhe2048, ffdhe3072, ffdhe4096,
 * ffdhe6144, ffdhe8192. 0 or -EINVAL. */
int proto_dhgroup_check(const char *group);

/* Status mapping, the only place errno and enum attach_status meet. */
uint32_t proto_status_from_errno(int err); /* sign ignored */
int proto_errno_from_status(uint32_t status); /* positive errno */
const char *proto_status_name(uint32_t status);

/* Building messages: libnl puts, growing the buffer with nlmsg_expand() when it is full. */
struct nl_msg *proto_msg_new(uint16_t type, uint16_t flags, uint32_t seq);
int proto_put(struct nl_msg *m, int attr, const void *data, size_t len);
int proto_put_str(struct nl_msg *m, int attr, const char *s);
int proto_put_u8(struct nl_msg *m, int attr, uint8_t v);
int proto_put_u32(struct nl_msg *m, int attr, uint32_t v);
int proto_put_u64(struct nl_msg *m, int attr, uint64_t v);
int proto_put_flag(struct nl_msg *m, int attr);
/* Nests are offsets, not pointers: the buffer may move when it grows. Returns the offset or -errno. */
int proto_nest_start(struct nl_msg *m, int attr);
/* Close the nest at @offset: 0, or -EMSGSIZE when it grew past the 65535 bytes nla_len can say. */
int proto_nest_end(struct nl_msg *m, int offset);

/* Walk the attributes nested in @nest that have type @attr (repeated list items). */
#define proto_for_each_nested(pos, nest, rem) nla_for_each_nested(pos, nest, rem)

#endif
