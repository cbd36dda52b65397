/* SPDX-License-Identifier: Apache-2.0 */
/* nvmet_internal.h: what the nvmet_*.c files share; not for the agent. */
#ifndef NVMET_INTERNAL_H
#define NVMET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "nvmet.h"

#define NVMET_SUBSYS NVMET_ROOT "/subsystems"
#define NVMET_HOSTS NVMET_ROOT "/hosts"
#define NVMET_PORTS NVMET_ROOT "/ports"

/* Format a path relative to the configfs root into @buf: 0, or -ENAMETOOLONG. */
int nvmet_path(char (*buf)[CFS_PATH_MAX], const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* mkdir reporting whether it made the directory: 1 made, 0 already there, <0 error. */
int nvmet_mkdir(struct cfs *c, const char *path);
int nvmet_rmdir_gone_ok(struct cfs *c, const char *path);
/* Write @val unless the attribute already shows it (trailing spaces of the shown value ignored when
 * @trim_spaces: attr_serial is padded). */
int nvmet_set(struct cfs *c, const char *path, const char *val, bool trim_spaces);
/* Does the attribute show @want? (compared as nvmet_set compares; a failed read is "no") */
bool nvmet_shows(struct cfs *c, const char *path, const char *want, bool trim_spaces, bool nocase);
/* The link @link -> @target; one already there to @target is fine, to elsewhere -EEXIST. */
int nvmet_link(struct cfs *c, const char *target, const char *link);
int nvmet_unlink_gone_ok(struct cfs *c, const char *link);
/* 8-4-4-4-12 hex digits. */
bool nvmet_uuid_form(const char *s);

/* An address in binary: family (AF_INET, AF_INET6), address bytes, port. */
struct nvmet_bin_addr {
	int family;
	unsigned char addr[16];
	unsigned port;
};
int nvmet_addr_parse(const char *traddr, const char *trsvcid, struct nvmet_bin_addr *b);
/* Does port @id show address @want (trtype tcp, the family, the address, the port)? 1 yes, 0 no (a port
 * gone meanwhile is no), a negative errno when its attributes cannot be read. */
int nvmet_port_has_addr(struct cfs *c, unsigned id, const struct nvmet_bin_addr *want);

#endif
