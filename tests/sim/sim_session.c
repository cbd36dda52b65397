/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_session.c: iSCSI sessions, which the simulator cannot make (it binds no portal): a test logs an
 * initiator in or out (sim_session_login/logout, sim-setup --login/--logout), and the tree then shows
 * what the kernel shows of a session: the target's fabric_statistics/iscsi_instance/sessions counts it
 * (tiqn_nsessions), its iscsi_login_stats/accepts counts the login, and the ACL's info holds the
 * session's details (lio_target_nacl_info_show) instead of "No active iSCSI Session ...". Removing the
 * ACL drops its session (core_tpg_del_initiator_node_acl), as on the kernel. One session per initiator
 * and target: a second login of a logged-in initiator is a reinstatement (the same ISID), which keeps
 * the count. No marker files: the count and the info are the state, as on the kernel.
 */
#include "sim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lio.h"

#define SIM_NO_SESSION "No active iSCSI Session for Initiator Endpoint: "
#define SIM_STATS "fabric_statistics/iscsi_instance/sessions"
#define SIM_ACCEPTS "fabric_statistics/iscsi_login_stats/accepts"

/* The counter file @rel (a decimal line) plus @delta; -EPROTO when it holds no number. */
static int sim_session_add(int rootfd, const char *rel, int delta, unsigned *now)
{
	char buf[32];
	unsigned v;
	int rc = sim_get(rootfd, rel, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	buf[strcspn(buf, "\n")] = '\0';
	if (sim_kstrtou32(buf, 10, &v))
		return -EPROTO;
	v = delta < 0 && !v ? 0 : v + (unsigned)delta;
	snprintf(buf, sizeof(buf), "%u\n", v);
	if (now)
		*now = v;
	return sim_put(rootfd, rel, buf);
}

/* Has the ACL at @acl (root-relative) a session? 1, 0, or -errno. */
static int sim_session_has(int rootfd, const char *acl)
{
	char path[CFS_PATH_MAX], buf[128];
	int rc = sim_join(path, sizeof(path), acl, "info");
	if (!rc)
		rc = sim_get(rootfd, path, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	return strncmp(buf, SIM_NO_SESSION, strlen(SIM_NO_SESSION)) != 0;
}

static int sim_session_paths(const char *iqn, const char *initiator, char *tgt, char *acl)
{
	int n = snprintf(tgt, CFS_PATH_MAX, "target/iscsi/%s", iqn);
	int m = snprintf(acl, CFS_PATH_MAX, "target/iscsi/%s/tpgt_%d/acls/%s", iqn, LIO_TPGT, initiator);
	return n < 0 || m < 0 || n >= CFS_PATH_MAX || m >= CFS_PATH_MAX ? -ENAMETOOLONG : 0;
}

/* The session's details as the kernel prints them (6.1 and 6.12 alike). */
static int sim_session_info(int rootfd, const char *acl, const char *initiator, unsigned sid, const char *addr)
{
	char path[CFS_PATH_MAX], info[SIM_PAGE];
	snprintf(info, sizeof(info),
		 "InitiatorName: %s\nInitiatorAlias: \nLIO Session ID: %u   ISID: 0x00 02 3d 00 00 01  TSIH: %u  "
		 "SessionType: Normal\nSession State: TARG_SESS_STATE_LOGGED_IN\n"
		 "---------------------[iSCSI Session Values]-----------------------\n"
		 "  CmdSN/WR  :  CmdSN/WC  :  ExpCmdSN  :  MaxCmdSN  :     ITT    :     TTT\n"
		 " 0x00000000   0x00000000   0x00000001   0x00000040   0xffffffff   0xffffffff\n"
		 "----------------------[iSCSI Connections]-------------------------\n"
		 "CID: 0  Connection State: TARG_CONN_STATE_LOGGED_IN\n   Address %s TCP  StatSN: 0x00000000\n",
		 initiator, sid, sid, addr);
	int rc = sim_join(path, sizeof(path), acl, "info");
	return rc ? rc : sim_put(rootfd, path, info);
}

static int sim_session_open(const char *root)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* The login's checks: an enabled TPG (else no portal answers) and an ACL (CHAP, no generated ACLs). */
static int sim_session_check(int fd, const char *tgt, const char *acl)
{
	char path[CFS_PATH_MAX], buf[16];
	int rc = snprintf(path, sizeof(path), "%s/tpgt_%d/enable", tgt, LIO_TPGT) >= (int)sizeof(path) ? -ENAMETOOLONG : 0;
	if (!rc && (rc = sim_get(fd, path, buf, sizeof(buf))) == -ENOENT)
		return -ENOENT;
	if (rc < 0)
		return rc;
	if (buf[0] != '1')
		return -ECONNREFUSED;
	return sim_is_dir(fd, acl) > 0 ? 0 : -EACCES;
}

int sim_session_login(const char *root, const char *iqn, const char *initiator, const char *addr)
{
	char tgt[CFS_PATH_MAX], acl[CFS_PATH_MAX], path[CFS_PATH_MAX];
	unsigned sid = 0;
	int fd = sim_session_open(root);
	if (fd < 0)
		return fd;
	int rc = sim_session_paths(iqn, initiator, tgt, acl);
	if (!rc)
		rc = sim_session_check(fd, tgt, acl);
	int had = rc ? rc : sim_session_has(fd, acl);
	rc = had < 0 ? had : sim_join(path, sizeof(path), tgt, SIM_ACCEPTS);
	if (!rc)
		rc = sim_session_add(fd, path, 1, &sid);
	if (!rc)
		rc = sim_session_info(fd, acl, initiator, sid, addr ? addr : "127.0.0.1");
	if (!rc && !had && !(rc = sim_join(path, sizeof(path), tgt, SIM_STATS)))
		rc = sim_session_add(fd, path, 1, NULL);
	close(fd);
	return rc;
}

/* The session of the ACL at @acl ends: the count goes down, the info says so. 0 when it had none. */
static int sim_session_end(int fd, const char *acl)
{
	char tgt[CFS_PATH_MAX], path[CFS_PATH_MAX], buf[CFS_PATH_MAX + 64];
	int had = sim_session_has(fd, acl);
	if (had <= 0)
		return had;
	int rc = sim_prefix(acl, 3, tgt, sizeof(tgt)); /* target/iscsi/<iqn> */
	if (!rc)
		rc = sim_join(path, sizeof(path), tgt, SIM_STATS);
	if (!rc)
		rc = sim_session_add(fd, path, -1, NULL);
	if (!rc)
		rc = sim_join(path, sizeof(path), acl, "info");
	snprintf(buf, sizeof(buf), SIM_NO_SESSION "%s\n", sim_basename(acl));
	return rc ? rc : sim_put(fd, path, buf);
}

int sim_session_logout(const char *root, const char *iqn, const char *initiator)
{
	char tgt[CFS_PATH_MAX], acl[CFS_PATH_MAX];
	int fd = sim_session_open(root);
	if (fd < 0)
		return fd;
	int rc = sim_session_paths(iqn, initiator, tgt, acl);
	if (!rc)
		rc = sim_is_dir(fd, acl) > 0 ? sim_session_end(fd, acl) : -ENOENT;
	close(fd);
	return rc;
}

int sim_session_drop(struct cfs *c, const char *acl)
{
	return sim_session_end(c->rootfd, acl);
}
