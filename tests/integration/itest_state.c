/* SPDX-License-Identifier: Apache-2.0 */
/*
 * itest_state.c: what a world holds and what its agent says: snapshots of everything a request could
 * change (the kernel tree, the dm devices, every record as attachctl shows it) and their comparison, the
 * agent's log, attachctl's answers, an agent start that must be refused, and the /proc numbers of a
 * process. See itest.h.
 */
#include "itest.h"

char *world_snapshot(const struct world *w)
{
	char *out = NULL, *part;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	part = it_capture("%s/tests/sim-setup --dump %s", it_build(), w->cfs);
	fprintf(m, "== configfs\n%s", part ? part : "(dump failed)\n");
	free(part);
	part = it_capture("%s/tests/sim-setup --dump-nvmet %s", it_build(), w->cfs);
	fprintf(m, "== nvmet\n%s", part ? part : "(dump failed)\n");
	free(part);
	fprintf(m, "== dm\n");
	struct dirent **ents;
	int n = scandir(w->dm, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		char p[512], body[512] = "";
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", w->dm, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && lstat(p, &st) == 0) {
			if (S_ISREG(st.st_mode)) {
				FILE *f = fopen(p, "r");
				size_t got = f ? fread(body, 1, sizeof(body) - 1, f) : 0;
				body[got] = '\0';
				if (f)
					fclose(f);
			} else if (S_ISBLK(st.st_mode)) {
				snprintf(body, sizeof(body), "block %u:%u\n", major(st.st_rdev), minor(st.st_rdev));
			}
			fprintf(m, "%s: %s", ents[i]->d_name, body);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	const char *ctl = it_build();
	part = it_capture("%s/attachctl -s %s --json volume-list", ctl, w->sock);
	fprintf(m, "== records\n%s\n", part ? part : "(volume-list failed)");
	for (const char *p = part; p && (p = strstr(p, "\"volume_id\": \"")); p += 14) {
		char id[ATTACH_UUID_LEN + 1];
		snprintf(id, sizeof(id), "%.36s", p + 14);
		char *show = it_capture("%s/attachctl -s %s --json volume-show %s --secrets", ctl, w->sock, id);
		fprintf(m, "%s\n", show ? show : "(volume-show failed)");
		free(show);
	}
	free(part);
	fclose(m);
	return out;
}

void world_assert_same(const struct world *w, const char *before, const char *after)
{
	if (!strcmp(before, after))
		return;
	char a[128], b[128];
	world_path(w, a, sizeof(a), "snapshot.before");
	world_path(w, b, sizeof(b), "snapshot.after");
	FILE *f = fopen(a, "w");
	fputs(before, f);
	fclose(f);
	f = fopen(b, "w");
	fputs(after, f);
	fclose(f);
	it_run("diff -u %s %s | head -40 | sed 's/^/# /'", a, b);
	fail_msg("the store or the simulated kernel changed");
}

char *world_log(const struct world *w)
{
	char *out = it_capture("cat %s", w->log);
	assert_non_null(out);
	return out;
}

void world_assert_log_has(const struct world *w, const char *what)
{
	char *log = world_log(w);
	if (!strstr(log, what))
		fail_msg("the agent's log does not say \"%s\":\n%s", what, log);
	free(log);
}

char *world_ctl(const struct world *w, int *status, const char *fmt, ...)
{
	char args[1024], cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s/attachctl -s %s %s 2>&1; echo \"exit=$?\"", it_build(), w->sock, args);
	char *out = it_capture("%s", cmd);
	assert_non_null(out);
	char *e = strstr(out, "exit=");
	assert_non_null(e);
	*status = atoi(e + 5);
	return out;
}

char *it_agent_refused(const char *args, int *status)
{
	char *out = it_capture("timeout 20 %s --foreground --no-kmod --log-level debug --portal 127.0.0.1:3260 %s 2>&1; "
			       "echo \"exit=$?\"", world_agent_bin(), args);
	assert_non_null(out);
	char *e = strstr(out, "exit=");
	assert_non_null(e);
	*status = atoi(e + 5);
	return out;
}

int proc_fd_count(pid_t pid)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(p);
	if (!d)
		return -1;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

long proc_status_kb(pid_t pid, const char *field)
{
	char p[64], line[256];
	long v = -1;
	snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
	FILE *f = fopen(p, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			v = atol(line + strlen(field));
	if (f)
		fclose(f);
	return v;
}

int proc_settled_fds(pid_t pid)
{
	int now = proc_fd_count(pid), same = 0;
	for (int i = 0; same < 5 && i < 250 * it_slow(); i++) {
		usleep(20000);
		int next = proc_fd_count(pid);
		same = next == now ? same + 1 : 0;
		now = next;
	}
	return now;
}

int proc_wait_fds(pid_t pid, int n)
{
	int now = proc_fd_count(pid);
	for (int i = 0; now > n && i < 250 * it_slow(); i++) {
		usleep(20000);
		now = proc_fd_count(pid);
	}
	return now;
}
