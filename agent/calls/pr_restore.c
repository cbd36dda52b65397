/* SPDX-License-Identifier: Apache-2.0 */
/* pr_restore.c: persistent reservations back into a storage object (see pr_restore.h). */
#include "pr_restore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aptpl.h"
#include "lio.h"
#include "log.h"

/* Does @r belong to export @x? -EBADMSG with the reason if not. */
static int pr_restore_check(const struct aptpl_reg *r, size_t i, const struct rec_export *x, char *why,
			    size_t whylen)
{
	if (strcmp(r->target, x->target_iqn))
		return snprintf(why, whylen, "registration %zu is for target %s, not %s", i, r->target, x->target_iqn),
		       -EBADMSG;
	if (r->tpgt != 1 || r->target_lun != x->lun)
		return snprintf(why, whylen, "registration %zu is for tpgt_%u LUN %llu, not tpgt_1 LUN %u", i, r->tpgt,
				(unsigned long long)r->target_lun, x->lun),
		       -EBADMSG;
	return 0;
}

/* Feed @acl's registrations of @regs: 0 or the kernel's -errno. *@fed counts them. */
static int pr_restore_feed(struct cfs *c, const struct rec_export *x, const struct rec_acl *acl,
			   const struct aptpl_reg *regs, size_t n, unsigned *fed)
{
	struct lio_backstore b = { .hba = x->hba, .name = x->backstore, .dev = x->device, .serial = x->volume_id };
	char line[1024];
	for (size_t i = 0; i < n; i++) {
		/* the kernel matches the name exactly, as it wrote it: the ACL's directory name */
		if (strcmp(regs[i].initiator, acl->initiator) || regs[i].mapped_lun != acl->mapped_lun)
			continue;
		int rc = aptpl_format(&regs[i], line, sizeof(line));
		if (!rc)
			rc = lio_backstore_pr_metadata(c, &b, line);
		if (rc)
			return rc;
		++*fed;
	}
	return 0;
}

int pr_restore(struct cfs *c, const char *dbroot, const struct rec_export *x, const struct rec_acl *acl)
{
	if (!dbroot || !dbroot[0])
		return 0;
	char why[512];
	size_t len, n = 0;
	char *buf = malloc(APTPL_FILE_MAX + 1);
	struct aptpl_reg *regs = calloc(APTPL_REGS_MAX, sizeof(*regs));
	int rc = buf && regs ? 0 : -ENOMEM;
	if (!rc)
		rc = aptpl_read(dbroot, x->volume_id, buf, &len, why, sizeof(why));
	if (!rc)
		rc = aptpl_parse(buf, len, regs, APTPL_REGS_MAX, &n, why, sizeof(why));
	for (size_t i = 0; !rc && i < n; i++)
		rc = pr_restore_check(&regs[i], i, x, why, sizeof(why));
	unsigned fed = 0;
	if (!rc) {
		rc = pr_restore_feed(c, x, acl, regs, n, &fed);
		if (!rc && fed)
			log_info("volume %s: %u persistent reservation registration(s) of %s restored", x->volume_id, fed,
				 acl->initiator);
	} else if (rc == -ENOENT) {
		rc = 0; /* no reservation was ever made with APTPL */
	} else if (rc != -ENOMEM) {
		log_error("volume %s: its persistent reservations (%s/pr/aptpl_%s) cannot be restored: %s. The export "
			  "is not built without them (they may fence other initiators): fix or remove the file, then "
			  "reconcile", x->volume_id, dbroot, x->volume_id, why);
		rc = rc == -EBADMSG || rc == -E2BIG ? -EBADMSG : rc;
	}
	free(regs);
	free(buf);
	return rc;
}
