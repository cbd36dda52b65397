/* SPDX-License-Identifier: Apache-2.0 */
/* lio_discovery.c: target/iscsi/discovery_auth (see lio_discovery.h). */
#include "lio_discovery.h"
#include "lio_internal.h"

#include <errno.h>
#include <string.h>

#define LIO_DISC LIO_ISCSI "/discovery_auth/"

bool lio_discovery_unset(const char *value)
{
	return !value[0] || !strncmp(value, "NULL", 4); /* the kernel's own test: the first 4 bytes */
}

static int lio_disc_read(struct cfs *c, const char *attr, char *buf, size_t size)
{
	char p[CFS_PATH_MAX];
	buf[0] = '\0'; /* what a failed read leaves */
	int rc = lio_path(&p, LIO_DISC "%s", attr);
	if (!rc)
		rc = cfs_read(c, p, buf, size);
	return rc < 0 ? rc : 0;
}

static int lio_disc_write(struct cfs *c, const char *attr, const char *val)
{
	char p[CFS_PATH_MAX];
	int rc = lio_path(&p, LIO_DISC "%s", attr);
	return rc ? rc : cfs_write(c, p, val);
}

int lio_discovery_state(struct cfs *c, struct lio_disc_state *st)
{
	char v[LIO_DISC_CRED_MAX + 2];
	memset(st, 0, sizeof(*st));
	int rc = lio_disc_read(c, "enforce_discovery_auth", v, sizeof(v));
	if (rc)
		return rc;
	st->enforce = !strcmp(v, "1");
	rc = lio_disc_read(c, "userid", st->userid, sizeof(st->userid));
	if (!rc)
		rc = lio_disc_read(c, "password", st->password, sizeof(st->password));
	if (!rc)
		rc = lio_disc_read(c, "userid_mutual", v, sizeof(v));
	if (!rc && !lio_discovery_unset(v))
		st->mutual = true;
	if (!rc)
		rc = lio_disc_read(c, "password_mutual", v, sizeof(v));
	if (!rc && !lio_discovery_unset(v))
		st->mutual = true;
	explicit_bzero(v, sizeof(v));
	return rc;
}

int lio_discovery_enforce(struct cfs *c, const char *userid, const char *password, bool clear_mutual)
{
	if (strlen(userid) > LIO_DISC_CRED_MAX || strlen(password) > LIO_DISC_CRED_MAX || lio_discovery_unset(userid) ||
	    lio_discovery_unset(password))
		return -EINVAL;
	int rc = lio_disc_write(c, "userid", userid);
	if (!rc)
		rc = lio_disc_write(c, "password", password);
	if (!rc && clear_mutual)
		rc = lio_disc_write(c, "userid_mutual", "NULL");
	if (!rc && clear_mutual)
		rc = lio_disc_write(c, "password_mutual", "NULL");
	return rc ? rc : lio_disc_write(c, "enforce_discovery_auth", "1");
}

int lio_discovery_open(struct cfs *c)
{
	int rc = lio_disc_write(c, "enforce_discovery_auth", "0");
	if (!rc)
		rc = lio_disc_write(c, "userid", "NULL");
	return rc ? rc : lio_disc_write(c, "password", "NULL");
}
