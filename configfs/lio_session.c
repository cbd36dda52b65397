/* SPDX-License-Identifier: Apache-2.0 */
/* lio_session.c: a target's sessions and an ACL's, as configfs shows them (see lio_session.h). */
#include "lio_session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lio.h"
#include "lio_internal.h"

int lio_target_sessions(struct cfs *c, const char *iqn, unsigned *n)
{
	char p[CFS_PATH_MAX], val[32] = "";
	*n = 0;
	int rc = lio_path(&p, LIO_ISCSI "/%s/fabric_statistics/iscsi_instance/sessions", iqn);
	if (!rc)
		rc = cfs_read(c, p, val, sizeof(val));
	if (rc < 0)
		return rc;
	char *end;
	errno = 0;
	unsigned long v = strtoul(val, &end, 10);
	if (!val[0] || *end || errno || v > 0xffffffffUL || val[0] == '-')
		return -EPROTO;
	*n = (unsigned)v;
	return 0;
}

/* The kernel's words (lio_target_nacl_info_show): without a session the line names the initiator; with
 * one, the session's details follow its name. Only the start of the file is needed. */
#define LIO_NO_SESSION "No active iSCSI Session for Initiator Endpoint:"
#define LIO_SESSION "InitiatorName:"

int lio_acl_logged_in(struct cfs *c, const char *iqn, const char *initiator, bool *in)
{
	char p[CFS_PATH_MAX], val[256] = "";
	*in = false;
	int rc = lio_path(&p, LIO_ISCSI "/%s/tpgt_%d/acls/%s/info", iqn, LIO_TPGT, initiator);
	if (!rc)
		rc = cfs_read(c, p, val, sizeof(val));
	if (rc < 0)
		return rc;
	if (!strncmp(val, LIO_NO_SESSION, strlen(LIO_NO_SESSION)))
		return 0;
	if (strncmp(val, LIO_SESSION, strlen(LIO_SESSION)))
		return -EPROTO;
	*in = true;
	return 0;
}
