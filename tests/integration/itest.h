/* SPDX-License-Identifier: Apache-2.0 */
/*
 * itest.h: what the C integration tests share: a temporary world (simulated configfs tree, dm directory,
 * block device nodes, database, socket) with a real attachd-sim process on it, raw protocol I/O for the
 * messages libattach would never send, and a snapshot of everything a request could change (the kernel
 * tree, the dm devices, every record as attachctl shows it).
 *
 * Header-only: the Makefile links each tests/integration/test_*.c on its own with libattach, so shared
 * code cannot live in a second object. Environment:
 *   BUILD      where attachd-sim, attachctl and tests/sim-setup are (default "build": the check-asan
 *              target points it at its own build)
 *   AGENT_BIN  the agent to start instead of $BUILD/attachd-sim (the valgrind wrapper of make valgrind)
 *   IT_SLOW    multiplies every wait (an agent under valgrind starts and answers slowly)
 *   IT_KEEP    keep the world directories for a post-mortem
 */
#ifndef ITEST_H
#define ITEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "attach.h"
#include "proto.h"

struct world {
	char dir[64];
	char sock[128], db[128], cfs[128], dm[128], log[128];
	pid_t agent;
	int exit_status;      /* when world_start() saw the agent end before serving: its exit status, 128+signal */
	const char *sim_fail; /* ATTACHD_SIM_FAIL for the next start (fault injection), or NULL */
	bool umask0;          /* start the agent with umask 0: its file modes must not depend on the caller's */
};

static inline const char *it_build(void)
{
	const char *b = getenv("BUILD");
	return b && *b ? b : "build";
}

static inline int it_slow(void)
{
	const char *s = getenv("IT_SLOW");
	int n = s ? atoi(s) : 1;
	return n > 0 ? n : 1;
}

static inline uint64_t it_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline int it_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int it_run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* A command's standard output (malloc'd), or NULL if it failed. */
static inline char *it_capture(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *it_capture(const char *fmt, ...)
{
	char cmd[4096], chunk[4096], *out = NULL;
	size_t len = 0, n;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	FILE *m = open_memstream(&out, &len);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(m);
	if (pclose(p) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static inline void world_path(const struct world *w, char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", w->dir, name);
}

/* A fresh world: the tree that loading target_core_mod shows, an empty dm directory, no agent. */
static inline void world_new(struct world *w)
{
	memset(w, 0, sizeof(*w));
	strcpy(w->dir, "/tmp/attachd-ct-XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	char canon[PATH_MAX];
	assert_non_null(realpath(w->dir, canon)); /* the agent reports canonical device paths */
	assert_true(strlen(canon) < sizeof(w->dir));
	strcpy(w->dir, canon);
	assert_int_equal(chmod(w->dir, 0755), 0); /* unprivileged callers must reach the socket */
	world_path(w, w->sock, sizeof(w->sock), "attachd.sock");
	world_path(w, w->db, sizeof(w->db), "db");
	world_path(w, w->cfs, sizeof(w->cfs), "cfs");
	world_path(w, w->dm, sizeof(w->dm), "dm");
	world_path(w, w->log, sizeof(w->log), "agent.log");
	assert_int_equal(mkdir(w->cfs, 0755), 0);
	assert_int_equal(mkdir(w->dm, 0755), 0);
	assert_int_equal(it_run("%s/tests/sim-setup %s", it_build(), w->cfs), 0);
}

/* A block device node <dir>/<name> (7:@minor; the simulator gives it 1 GiB). */
static inline void world_dev(const struct world *w, const char *name, unsigned minor, char *path, size_t size)
{
	char buf[256];
	if (!path) {
		path = buf;
		size = sizeof(buf);
	}
	world_path(w, path, size, name);
	assert_int_equal(mknod(path, S_IFBLK | 0600, makedev(7, minor)), 0);
}

static inline const char *world_agent_bin(void)
{
	static char bin[512];
	const char *env = getenv("AGENT_BIN");
	snprintf(bin, sizeof(bin), "%s", env && *env ? env : "");
	if (!bin[0])
		snprintf(bin, sizeof(bin), "%s/attachd-sim", it_build());
	return bin;
}

/* Start the agent on @w with the world's paths, one portal, and the extra options that follow (NULL
 * terminated). 0 once its socket accepts; -1 if it exited or never listened. */
static inline int world_start(struct world *w, ...)
{
	const char *argv[64];
	int n = 0;
	const char *bin = world_agent_bin();
	argv[n++] = bin;
	const char *base[] = { "--socket", w->sock, "--db", w->db, "--configfs-root", w->cfs, "--no-kmod",
			       "--foreground", "--log-level", "debug", "--portal", "127.0.0.1:3260" };
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		argv[n++] = base[i];
	va_list ap;
	va_start(ap, w);
	for (const char *a; n < 63 && (a = va_arg(ap, const char *));)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	unlink(w->sock); /* a socket left by a crashed agent must not look like a ready one */
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(w->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		setenv("ATTACHD_SIM_DM_DIR", w->dm, 1);
		if (w->sim_fail)
			setenv("ATTACHD_SIM_FAIL", w->sim_fail, 1);
		else
			unsetenv("ATTACHD_SIM_FAIL");
		if (w->umask0)
			umask(0);
		execv(bin, (char **)argv);
		_exit(127);
	}
	w->agent = pid;
	for (int i = 0; i < 1000 * it_slow(); i++) {
		struct stat st;
		int status;
		if (stat(w->sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			w->agent = 0;
			w->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			return -1;
		}
		usleep(20000);
	}
	return -1;
}

/* SIGTERM and wait: the agent's exit status (128 + signal if killed). */
static inline int world_stop(struct world *w)
{
	if (w->agent <= 0)
		return 0;
	int status;
	kill(w->agent, SIGTERM);
	pid_t r = waitpid(w->agent, &status, 0);
	w->agent = 0;
	if (r < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Still running (not exited, not a zombie)? */
static inline bool world_alive(const struct world *w)
{
	int status;
	return w->agent > 0 && waitpid(w->agent, &status, WNOHANG) == 0;
}

static inline void world_free(struct world *w)
{
	world_stop(w);
	if (!getenv("IT_KEEP"))
		it_run("rm -rf %s", w->dir);
	else
		fprintf(stderr, "# kept %s\n", w->dir);
}

/* Connections a failed assertion would leave open (cmocka jumps out of the test) count against the
 * agent's --max-clients: they are tracked, and it_close_all() in a test's teardown closes them. */
#define IT_TRACK_MAX 256
static int it_fds[IT_TRACK_MAX];
static struct attach_client *it_clients[IT_TRACK_MAX];

static inline void it_track(int fd, struct attach_client *c)
{
	for (int i = 0; i < IT_TRACK_MAX; i++) {
		if (!it_fds[i] && !it_clients[i]) {
			it_fds[i] = fd;
			it_clients[i] = c;
			return;
		}
	}
}

static inline void it_untrack(int fd, struct attach_client *c)
{
	for (int i = 0; i < IT_TRACK_MAX; i++)
		if ((fd && it_fds[i] == fd) || (c && it_clients[i] == c))
			it_fds[i] = 0, it_clients[i] = NULL;
}

static inline int it_close_all(void **state)
{
	(void)state;
	for (int i = 0; i < IT_TRACK_MAX; i++) {
		if (it_fds[i])
			close(it_fds[i]);
		attach_client_free(it_clients[i]);
		it_fds[i] = 0;
		it_clients[i] = NULL;
	}
	return 0;
}

static inline struct attach_client *world_client(const struct world *w)
{
	struct attach_client *c = attach_client_new();
	assert_non_null(c);
	it_track(0, c);
	if (attach_connect(c, w->sock))
		fail_msg("connect %s: %s", w->sock, attach_last_message(c));
	return c;
}

static inline void world_client_free(struct attach_client *c)
{
	it_untrack(0, c);
	attach_client_free(c);
}

/* One libattach connection that lists the volumes: the agent serves. */
static inline void world_assert_serves(const struct world *w)
{
	struct attach_client *c = world_client(w);
	struct attach_volume_info *v;
	size_t n;
	if (attach_volume_list(c, &v, &n))
		fail_msg("volume-list: %s", attach_last_message(c));
	attach_volume_list_free(v, n);
	world_client_free(c);
}

/* Everything a request may change, as text: the configfs tree (sim-setup --dump), the dm directory
 * (names, node numbers, file contents), and the records: attachctl --json volume-list and
 * volume-show --secrets of every volume. */
static inline char *world_snapshot(const struct world *w)
{
	char *out = NULL, *part;
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);
	part = it_capture("%s/tests/sim-setup --dump %s", it_build(), w->cfs);
	fprintf(m, "== configfs\n%s", part ? part : "(dump failed)\n");
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

/* Fail, with a diff as TAP comments, if two snapshots differ. */
static inline void world_assert_same(const struct world *w, const char *before, const char *after)
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

/* /proc numbers of a process: open descriptors, and a "Field:" of its status in kB. */
static inline int proc_fd_count(pid_t pid)
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

static inline long proc_status_kb(pid_t pid, const char *field)
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

/* Wait until @pid has at most @n descriptors (the agent notices closed clients in its own time). */
static inline int proc_wait_fds(pid_t pid, int n)
{
	int now = proc_fd_count(pid);
	for (int i = 0; now > n && i < 250 * it_slow(); i++) {
		usleep(20000);
		now = proc_fd_count(pid);
	}
	return now;
}

/* --- raw protocol I/O */

static inline int raw_connect(const char *path)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(path);
	if (len >= sizeof(sa.sun_path)) {
		close(fd);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, len + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		close(fd);
		return -err;
	}
	struct timeval tv = { 10 * it_slow(), 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	it_track(fd, NULL);
	return fd;
}

static inline void raw_close(int fd)
{
	it_untrack(fd, NULL);
	close(fd);
}

static inline void raw_send(int fd, const void *buf, size_t len)
{
	assert_int_equal(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* One message from the agent, decoded with libattach's reply policy. */
struct rmsg {
	int got;        /* 1 a message, 0 end of stream, -errno (-EAGAIN: nothing within the receive timeout) */
	uint16_t type;
	uint32_t seq;
	uint32_t status;
	char msg[ATTACH_MESSAGE_MAX + 1];
	unsigned char *raw; /* the whole message; rmsg_free() */
	size_t len;
};

static inline void rmsg_free(struct rmsg *r)
{
	free(r->raw);
	r->raw = NULL;
}

static inline int raw_recv(int fd, struct rmsg *r)
{
	struct nlmsghdr h;
	memset(r, 0, sizeof(*r));
	ssize_t n = recv(fd, &h, sizeof(h), MSG_WAITALL);
	if (n <= 0)
		return r->got = n == 0 || errno == ECONNRESET ? 0 : -errno;
	if ((size_t)n != sizeof(h) || h.nlmsg_len < sizeof(h) || h.nlmsg_len > ATTACH_REPLY_MAX)
		return r->got = -EPROTO;
	r->raw = malloc(h.nlmsg_len);
	assert_non_null(r->raw);
	memcpy(r->raw, &h, sizeof(h));
	size_t want = h.nlmsg_len - sizeof(h);
	if (want && recv(fd, r->raw + sizeof(h), want, MSG_WAITALL) != (ssize_t)want)
		return r->got = -EPROTO;
	r->len = h.nlmsg_len;
	r->type = h.nlmsg_type;
	r->seq = h.nlmsg_seq;
	struct nlattr *tb[ATTACH_A_MAX + 1];
	if (nlmsg_parse((struct nlmsghdr *)r->raw, 0, tb, ATTACH_A_MAX, (struct nla_policy *)proto_reply_policy) < 0 ||
	    !tb[ATTACH_A_STATUS])
		return r->got = -EBADMSG;
	r->status = nla_get_u32(tb[ATTACH_A_STATUS]);
	if (tb[ATTACH_A_MESSAGE])
		snprintf(r->msg, sizeof(r->msg), "%s", nla_get_string(tb[ATTACH_A_MESSAGE]));
	return r->got = 1;
}

/* The agent closed the connection (nothing more to read). */
static inline bool raw_closed(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, 0);
	return n == 0 || (n < 0 && errno == ECONNRESET);
}

/* A message under construction, byte by byte: bad messages need exact control over every field. */
struct mb {
	unsigned char b[ATTACH_REQUEST_MAX + 256];
	size_t len;
};

static inline void mb_start(struct mb *m, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = flags, .nlmsg_seq = seq };
	memcpy(m->b, &h, sizeof(h));
	m->len = sizeof(h);
}

/* An attribute with @len payload bytes; @pad: zero padding to 4 bytes, as a well-formed message has. */
static inline void mb_attr(struct mb *m, uint16_t type, const void *data, size_t len, bool pad)
{
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };
	assert_true(m->len + NLA_HDRLEN + len + 4 <= sizeof(m->b));
	memcpy(m->b + m->len, &a, sizeof(a));
	if (len)
		memcpy(m->b + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_HDRLEN + len;
	while (pad && m->len % 4)
		m->b[m->len++] = 0;
}

static inline void mb_str(struct mb *m, uint16_t type, const char *s)
{
	mb_attr(m, type, s, strlen(s) + 1, true);
}

static inline void mb_u32(struct mb *m, uint16_t type, uint32_t v)
{
	mb_attr(m, type, &v, sizeof(v), true);
}

/* Set nlmsg_len to @len, or to the bytes built when 0; returns the bytes built. */
static inline size_t mb_end(struct mb *m, uint32_t len)
{
	uint32_t l = len ? len : (uint32_t)m->len;
	memcpy(m->b, &l, sizeof(l));
	return m->len;
}

/* HELLO on a raw connection, asserting the agent takes it. */
static inline void raw_hello(int fd, uint32_t seq)
{
	struct mb m;
	struct rmsg r;
	mb_start(&m, ATTACH_MSG_HELLO, NLM_F_REQUEST, seq);
	mb_u32(&m, ATTACH_A_VERSION, ATTACH_PROTO_VERSION);
	raw_send(fd, m.b, mb_end(&m, 0));
	assert_int_equal(raw_recv(fd, &r), 1);
	assert_int_equal(r.status, ATTACH_OK);
	assert_int_equal(r.seq, seq);
	rmsg_free(&r);
}

#endif
