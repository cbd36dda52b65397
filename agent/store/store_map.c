/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store_map.c: the records' map, and letting its pages go between calls (see store.h).
 *
 * LMDB reads the records through a shared read-only mapping of data.mdb. Every page a call read stays
 * in the agent's page tables until the process ends, so its resident size grows with the database
 * (a volume-list or a restore reads every record: ~3 KiB an export). Those pages belong to the page
 * cache either way; dropping them from the mapping (MADV_DONTNEED: for a shared file mapping the
 * contents stay in the file and the page cache, and the next read faults them back in) leaves the
 * agent holding only what it allocated, and leaves the kernel free to reclaim clean, unmapped pages
 * first. LMDB does not say where its map is (mdb_env_info() gives the address only with
 * MDB_FIXEDMAP), so it is found in /proc/self/maps by data.mdb's device and inode.
 */
#include "store_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

int store_map_find(struct store *s)
{
	s->map_addr = NULL;
	s->map_len = 0;
	int fd;
	struct stat st;
	if (mdb_env_get_fd(s->env, &fd) || fstat(fd, &st))
		return -EIO;
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		uintptr_t start, end;
		unsigned maj, min;
		unsigned long long ino;
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %*s %*x %x:%x %llu", &start, &end, &maj, &min, &ino) == 5 &&
		    ino == (unsigned long long)st.st_ino && makedev(maj, min) == st.st_dev) {
			s->map_addr = (void *)start;
			s->map_len = end - start;
			break;
		}
	}
	fclose(f);
	return s->map_addr ? 0 : -ENOENT;
}

void store_release_pages(struct store *s)
{
	if (s->map_len)
		madvise(s->map_addr, s->map_len, MADV_DONTNEED);
}
