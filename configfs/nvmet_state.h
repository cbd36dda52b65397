/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nvmet_state.h: what the kernel has of one nvmet object, read without changing anything, for
 * reconciliation. Each reader looks at the named object's own attributes and links only, never at the
 * rest of the tree. A missing object is exists = false and 0; other read failures count as "not as
 * wanted".
 */
#ifndef NVMET_STATE_H
#define NVMET_STATE_H

#include <stdbool.h>

#include "nvmet.h"

struct nvmet_subsys_state {
	bool exists;
	bool closed;    /* attr_allow_any_host 0 */
	bool serial_ok; /* attr_serial as wanted (or none wanted) */
	bool model_ok;  /* attr_model as wanted (or none wanted) */
};

struct nvmet_ns_state {
	bool exists;
	bool enabled;
	bool path_ok;   /* device_path */
	bool uuid_ok;   /* device_uuid */
	bool nguid_ok;  /* device_nguid */
};

struct nvmet_host_state {
	bool exists;
	bool auth;      /* the kernel has DH-HMAC-CHAP attributes (hosts/<nqn>/dhchap_key) */
	bool keys_ok;   /* each DH-HMAC-CHAP value the host spec gives is what the kernel shows */
	bool allowed;   /* the subsystem's allowed_hosts links it */
};

struct nvmet_port_state {
	bool exists;
	bool addr_ok;   /* tcp on the wanted address */
	bool linked;    /* subsystems/<nqn> links the subsystem */
};

int nvmet_subsys_state(struct cfs *c, const struct nvmet_subsys *s, struct nvmet_subsys_state *st);
int nvmet_ns_state(struct cfs *c, const struct nvmet_ns *n, struct nvmet_ns_state *st);
/* @nqn: the subsystem whose allowed_hosts is looked at (NULL: none, allowed stays false). */
int nvmet_host_state(struct cfs *c, const char *nqn, const struct nvmet_host *h, struct nvmet_host_state *st);
/* @nqn: the subsystem whose link is looked at (NULL: none). */
int nvmet_port_state(struct cfs *c, unsigned id, const struct nvmet_addr *a, const char *nqn,
		     struct nvmet_port_state *st);

#endif
