/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim_pr.c: LIO's dbroot (target/dbroot) and a storage object's pr/res_aptpl_metadata, as the 6.1 and
 * 6.12 kernels store them (drivers/target/target_core_configfs.c: target_core_item_dbroot_store,
 * target_pr_res_aptpl_metadata_store; docs/KERNEL.md, 'dbroot and persistent reservations').
 * The registrations a storage object takes are kept by the kernel out of sight until a mapped LUN
 * matches them; here they are logged in memory for the tests (sim_pr_fed), like the statistics.
 */
#include "tests/sim/sim_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIM_DB_ROOT_LEN 4096 /* DB_ROOT_LEN */

static char sim_pr_log[16384];
static size_t sim_pr_count;

size_t sim_pr_fed(char *buf, size_t size)
{
	snprintf(buf, size, "%s", sim_pr_log);
	return sim_pr_count;
}

void sim_pr_reset(void)
{
	sim_pr_log[0] = '\0';
	sim_pr_count = 0;
}

/* Storage objects in @hba (a directory of target/core): how many. */
static int sim_so_in(struct cfs *c, const char *hba)
{
	int fd = openat(c->rootfd, hba, O_RDONLY | O_DIRECTORY | O_CLOEXEC), n = 0;
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	for (struct dirent *e; (e = readdir(d));) {
		char p[CFS_PATH_MAX];
		n += e->d_name[0] != '.' && !sim_join(p, sizeof(p), hba, e->d_name) && sim_is_dir(c->rootfd, p) == 1;
	}
	closedir(d);
	return n;
}

/* target_devices: every storage object, enabled or not, of any HBA. */
static int sim_so_total(struct cfs *c)
{
	int fd = openat(c->rootfd, "target/core", O_RDONLY | O_DIRECTORY | O_CLOEXEC), n = 0;
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	for (struct dirent *e; (e = readdir(d));) {
		char p[CFS_PATH_MAX];
		if (e->d_name[0] != '.' && strcmp(e->d_name, "alua") && !sim_join(p, sizeof(p), "target/core", e->d_name))
			n += sim_so_in(c, p);
	}
	closedir(d);
	return n;
}

/* EINVAL while any storage object exists (even for the value it has) or over DB_ROOT_LEN - 1 bytes; one
 * trailing newline dropped; the path (resolved like the writer's own, links followed) must be a
 * directory: ENOENT, ENOTDIR, ...; then copied with strncpy(db_root, stage, count): without a newline
 * the terminating NUL is not copied and a shorter path keeps the old one's tail. @cur is what the file
 * shows, @out what it shows after. A write of nothing never reaches the kernel's store(). */
int sim_dbroot_store(struct cfs *c, const char *cur, const char *page, size_t count, char *out, size_t size)
{
	char stage[SIM_DB_ROOT_LEN], db[SIM_DB_ROOT_LEN + 1];
	if (sim_so_total(c) || count > SIM_DB_ROOT_LEN - 1)
		return -EINVAL;
	memcpy(stage, page, count);
	stage[count] = '\0';
	if (stage[count - 1] == '\n')
		stage[count - 1] = '\0';
	struct stat st;
	if (stat(stage, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	memset(db, 0, sizeof(db));
	snprintf(db, sizeof(db), "%s", cur);
	size_t n = strlen(db);
	if (n && db[n - 1] == '\n')
		db[n - 1] = '\0';
	memcpy(db, stage, count);
	snprintf(out, size, "%s\n", db);
	return 0;
}

/* match_int / match_u64: base 0, the whole value. */
static int sim_pr_num(const char *v, unsigned long long *x)
{
	return *v ? sim_kstrtoull(v, 0, x) : -EINVAL;
}

/* One token of the metadata: what it sets. */
struct sim_pr_reg {
	int i_port, t_port, holder, type;
	unsigned long long key;
};

static int sim_pr_token(struct sim_pr_reg *r, const char *tok)
{
	static const char *const nums[] = { "sa_res_key=", "res_holder=", "res_type=", "res_scope=", "res_all_tg_pt=",
					    "mapped_lun=", "tpgt=", "port_rtpi=", "target_lun=" };
	unsigned long long x;
	if (!strncmp(tok, "initiator_node=", 15))
		return r->i_port = 1, strlen(tok + 15) >= 256 ? -EINVAL : 0;
	if (!strncmp(tok, "target_node=", 12))
		return r->t_port = 1, strlen(tok + 12) >= 256 ? -EINVAL : 0;
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		size_t n = strlen(nums[i]);
		if (strncmp(tok, nums[i], n))
			continue;
		int rc = sim_pr_num(tok + n, &x);
		if (rc)
			return rc;
		if (i == 0)
			r->key = x;
		else if (i == 1)
			r->holder = x != 0;
		else if (i == 2)
			r->type = (int)(x & 0xff);
		return 0;
	}
	return 0; /* fabric names, initiator_sid and unknown tokens: taken or ignored */
}

/* target_pr_res_aptpl_metadata_store on storage object @so. */
int sim_pr_metadata_store(struct cfs *c, const char *so, const char *page)
{
	char buf[SIM_PAGE], *save = NULL;
	struct sim_pr_reg r = { 0 };
	if (sim_links_to(c, so) > 0)
		return -EINVAL; /* export_count: a LUN links it */
	snprintf(buf, sizeof(buf), "%s", page);
	for (char *tok = strtok_r(buf, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save)) {
		int rc = sim_pr_token(&r, tok);
		if (rc)
			return rc;
	}
	if (!r.i_port || !r.t_port || !r.key || (r.holder && !r.type))
		return -EINVAL;
	size_t n = strlen(sim_pr_log);
	snprintf(sim_pr_log + n, sizeof(sim_pr_log) - n, "%s: %s\n", so, page);
	sim_pr_count++;
	return 0;
}
