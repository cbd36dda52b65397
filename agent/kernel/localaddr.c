/* SPDX-License-Identifier: Apache-2.0 */
/*
 * localaddr.c: is each portal and NVMe port an address of this host (see localaddr.h)?
 *
 * One dump of the kernel's addresses over rtnetlink, read with libnl-3's core: nl_send_simple() for the
 * request, nl_recvmsgs() for the multipart answer, nlmsg_parse() with a policy for each message's
 * attributes. libnl-route's address cache did the same through an object model, but kept ~400 KiB of
 * library mapped for the agent's whole life for one read at start.
 *
 * An address's own value is IFA_LOCAL when the message has it, else IFA_ADDRESS: IPv4 sends both, with
 * IFA_ADDRESS the peer's on a point-to-point link; IPv6 sends IFA_ADDRESS alone.
 */
#include "localaddr.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "portal.h"

#define LOCALADDR_MAX (2 * REC_PORTALS_MAX)

struct localaddr_want {
	struct portal p[LOCALADDR_MAX];
	const char *what[LOCALADDR_MAX];
	bool found[LOCALADDR_MAX];
	size_t n;
};

static struct nla_policy localaddr_policy[IFA_MAX + 1] = {
	[IFA_ADDRESS] = { .type = NLA_UNSPEC, .minlen = 4, .maxlen = 16 },
	[IFA_LOCAL] = { .type = NLA_UNSPEC, .minlen = 4, .maxlen = 16 },
};

static int localaddr_visit(struct nl_msg *msg, void *arg)
{
	struct localaddr_want *w = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[IFA_MAX + 1];
	if (nlh->nlmsg_type != RTM_NEWADDR || nlmsg_parse(nlh, sizeof(struct ifaddrmsg), tb, IFA_MAX, localaddr_policy) < 0)
		return NL_SKIP;
	const struct ifaddrmsg *ifa = nlmsg_data(nlh);
	const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	int len = ifa->ifa_family == AF_INET ? 4 : ifa->ifa_family == AF_INET6 ? 16 : 0;
	if (!a || !len || nla_len(a) != len)
		return NL_OK;
	for (size_t i = 0; i < w->n; i++)
		if (w->p[i].family == ifa->ifa_family && !memcmp(w->p[i].addr, nla_data(a), (size_t)len))
			w->found[i] = true;
	return NL_OK;
}

/* The non-wildcard entries of @list into @w. */
static int localaddr_add(struct localaddr_want *w, const char (*list)[ATTACH_PORTAL_MAX + 1], size_t n, const char *what)
{
	for (size_t i = 0; i < n && w->n < LOCALADDR_MAX; i++) {
		char why[128];
		if (portal_parse(list[i], &w->p[w->n], why, sizeof(why))) {
			log_error("%s %s: %s", what, list[i], why);
			return -EINVAL;
		}
		if (!portal_is_wildcard(&w->p[w->n]))
			w->what[w->n++] = what;
	}
	return 0;
}

/* The dump: 0, or -EIO logged. */
static int localaddr_read(struct localaddr_want *w)
{
	struct ifaddrmsg req = { .ifa_family = AF_UNSPEC };
	struct nl_sock *sk = nl_socket_alloc();
	int rc = sk ? nl_connect(sk, NETLINK_ROUTE) : -NLE_NOMEM;
	if (!rc)
		rc = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, localaddr_visit, w);
	if (!rc)
		rc = nl_send_simple(sk, RTM_GETADDR, NLM_F_DUMP, &req, sizeof(req));
	if (rc >= 0)
		rc = nl_recvmsgs_default(sk);
	if (sk)
		nl_socket_free(sk);
	if (rc < 0) {
		log_error("cannot read the local addresses (rtnetlink): %s", nl_geterror(rc));
		return -EIO;
	}
	return 0;
}

int localaddr_check(const struct agent_config *cfg)
{
	struct localaddr_want w = { .n = 0 };
	int rc = localaddr_add(&w, cfg->portals, cfg->n_portals, "portal");
	if (!rc)
		rc = localaddr_add(&w, cfg->nvme_ports, cfg->n_nvme_ports, "NVMe port");
	if (rc || !w.n)
		return rc;
	rc = localaddr_read(&w);
	for (size_t i = 0; !rc && i < w.n; i++)
		if (!w.found[i]) {
			log_error("%s %s: address is not assigned to any local interface", w.what[i], w.p[i].text);
			rc = -EADDRNOTAVAIL;
		}
	return rc;
}
