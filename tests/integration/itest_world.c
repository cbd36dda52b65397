/* SPDX-License-Identifier: Apache-2.0 */
/*
 * itest_world.c: the environment, the world (a temporary directory with a simulated configfs tree, a dm
 * directory, device nodes, a database and a socket), its attachd-sim process, the fixtures on W, and the
 * libattach clients the tests open (tracked, so that a failed assertion leaves none open). See itest.h.
 */
#include "itest.h"

struct world W;

const char *it_build(void)
{
	const char *b = getenv("BUILD");
	return b && *b ? b : "build";
}

int it_slow(void)
{
	const char *s = getenv("IT_SLOW");
	int n = s ? atoi(s) : 1;
	return n > 0 ? n : 1;
}

uint64_t it_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int it_run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

char *it_capture(const char *fmt, ...)
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

void world_path(const struct world *w, char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", w->dir, name);
}

void world_new(struct world *w)
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

void world_dev(const struct world *w, const char *name, unsigned minor, char *path, size_t size)
{
	char buf[256];
	if (!path) {
		path = buf;
		size = sizeof(buf);
	}
	world_path(w, path, size, name);
	assert_int_equal(mknod(path, S_IFBLK | 0600, makedev(7, minor)), 0);
}

const char *world_agent_bin(void)
{
	static char bin[512];
	const char *env = getenv("AGENT_BIN");
	snprintf(bin, sizeof(bin), "%s", env && *env ? env : "");
	if (!bin[0])
		snprintf(bin, sizeof(bin), "%s/attachd-sim", it_build());
	return bin;
}

int world_start(struct world *w, ...)
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

int world_stop(struct world *w)
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

bool world_alive(const struct world *w)
{
	int status;
	return w->agent > 0 && waitpid(w->agent, &status, WNOHANG) == 0;
}

void world_free(struct world *w)
{
	world_stop(w);
	if (!getenv("IT_KEEP"))
		it_run("rm -rf %s", w->dir);
	else
		fprintf(stderr, "# kept %s\n", w->dir);
}

/* --- fixtures */

int it_world_setup(void **state)
{
	(void)state;
	world_new(&W);
	return 0;
}

int it_world_teardown(void **state)
{
	it_close_all(state);
	world_free(&W);
	return 0;
}

void test_clean_exit(void **state)
{
	(void)state;
	assert_int_equal(world_stop(&W), 0);
}

/* --- clients: connections a failed assertion would leave open (cmocka jumps out of the test) count
 * against the agent's --max-clients, so they are tracked until closed or it_close_all() */

#define IT_TRACK_MAX 256
static int it_fds[IT_TRACK_MAX];
static struct attach_client *it_clients[IT_TRACK_MAX];

void it_track(int fd, struct attach_client *c)
{
	for (int i = 0; i < IT_TRACK_MAX; i++) {
		if (!it_fds[i] && !it_clients[i]) {
			it_fds[i] = fd;
			it_clients[i] = c;
			return;
		}
	}
}

void it_untrack(int fd, struct attach_client *c)
{
	for (int i = 0; i < IT_TRACK_MAX; i++)
		if ((fd && it_fds[i] == fd) || (c && it_clients[i] == c))
			it_fds[i] = 0, it_clients[i] = NULL;
}

int it_close_all(void **state)
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

struct attach_client *world_client(const struct world *w)
{
	struct attach_client *c = attach_client_new();
	assert_non_null(c);
	it_track(0, c);
	if (attach_connect(c, w->sock))
		fail_msg("connect %s: %s", w->sock, attach_last_message(c));
	return c;
}

void world_client_free(struct attach_client *c)
{
	it_untrack(0, c);
	attach_client_free(c);
}

void world_assert_serves(const struct world *w)
{
	struct attach_client *c = world_client(w);
	struct attach_volume_info *v;
	size_t n;
	if (attach_volume_list(c, &v, &n))
		fail_msg("volume-list: %s", attach_last_message(c));
	attach_volume_list_free(v, n);
	world_client_free(c);
}

void it_volume_on(struct attach_client *c, const char *dev, char id[ATTACH_UUID_LEN + 1])
{
	struct attach_volume_create_args va = { .device = dev };
	if (attach_volume_create(c, &va, id))
		fail_msg("volume-create %s: %s", dev, attach_last_message(c));
}

void it_export_to(struct attach_client *c, const char *vol, const char *ini, struct attach_conninfo *ci)
{
	struct attach_connector conn = { .initiator = ini };
	struct attach_attach_args aa = { .instance = INSTANCE, .host = "compute-a", .mountpoint = "/dev/vdb" };
	if (attach_reserve(c, vol, NULL) || attach_initialize_connection(c, vol, &conn, ci) ||
	    attach_attach(c, vol, &aa, NULL))
		fail_msg("exporting %s: %s", vol, attach_last_message(c));
}
