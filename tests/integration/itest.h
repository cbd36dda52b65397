/* SPDX-License-Identifier: Apache-2.0 */
/*
 * itest.h: what the C integration tests share: a temporary world (simulated configfs tree, dm directory,
 * block device nodes, database, socket) with a real attachd-sim process on it, the fixtures that make and
 * remove it, raw protocol I/O for the messages libattach would never send, and ways to look at what a
 * request changed (a snapshot of the kernel tree, the dm devices and every record; the agent's log; its
 * descriptors and memory).
 *
 * The code is in itest_world.c (processes, worlds, agents, fixtures, clients), itest_state.c (what the
 * world holds and says) and itest_raw.c (raw protocol I/O). The Makefile links every non-test_ .c file of
 * tests/integration into every test_*.c program there, with libattach, libnl-3 and cmocka.
 *
 * Contract:
 *   - Every helper reports a broken world with a cmocka assertion (fail_msg and friends), so it is called
 *     from a test or a fixture of the running group; what returns a status says so.
 *   - W is the program's world. A group that shares one agent makes W in its group setup (it_world_setup
 *     and what the group needs on top), ends with test_clean_exit (the agent exits 0 on SIGTERM) and has
 *     it_world_teardown as its group teardown; a program with a world per test uses the two as the
 *     tests' setup and teardown. Other worlds (struct world on the stack, copies of W with another
 *     database) are the test's to stop and free.
 *   - Connections made with world_client() and raw_connect() are tracked until world_client_free() or
 *     raw_close(): a failed assertion jumps out of the test and would leave them open against the agent's
 *     --max-clients. it_close_all() (a test teardown, and part of it_world_teardown) closes them. Never
 *     close() or attach_client_free() a tracked one.
 *   - Strings returned as "malloc'd" are the caller's to free.
 *
 * Environment:
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

/* Names the tests use: two initiators, and the instance volumes are attached to. */
#define INI_A "iqn.2004-10.org.example:host-a"
#define INI_B "iqn.2004-10.org.example:host-b"
#define INSTANCE "6f1c9d7e-1111-4222-8333-944455556666"

/* --- the environment and other processes (itest_world.c) */

const char *it_build(void);
int it_slow(void);
uint64_t it_now_ms(void);
/* A shell command's exit status (128 if it did not exit). */
int it_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A command's standard output (malloc'd), or NULL if it failed. */
char *it_capture(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- a world and its agent (itest_world.c) */

struct world {
	char dir[64];
	char sock[128], db[128], cfs[128], dm[128], log[128];
	pid_t agent;
	int exit_status;      /* when world_start() saw the agent end before serving: its exit status, 128+signal */
	const char *sim_fail; /* ATTACHD_SIM_FAIL for the next start (fault injection), or NULL */
	bool umask0;          /* start the agent with umask 0: its file modes must not depend on the caller's */
};

/* The program's world (see the contract above). */
extern struct world W;

/* <dir>/<name> */
void world_path(const struct world *w, char *buf, size_t size, const char *name);
/* A fresh world: the tree that loading target_core_mod shows, an empty dm directory, no agent. */
void world_new(struct world *w);
/* A block device node <dir>/<name> (7:@minor; the simulator gives it 1 GiB); its path in @path if not NULL. */
void world_dev(const struct world *w, const char *name, unsigned minor, char *path, size_t size);
/* $AGENT_BIN, or $BUILD/attachd-sim */
const char *world_agent_bin(void);
/* Start the agent on @w with the world's paths, one portal, and the extra options that follow (NULL
 * terminated). 0 once its socket accepts; -1 if it exited (w->exit_status) or never listened. */
int world_start(struct world *w, ...) __attribute__((sentinel));
/* SIGTERM and wait: the agent's exit status (128 + signal if killed); 0 if none runs. */
int world_stop(struct world *w);
/* Still running (not exited, not a zombie)? */
bool world_alive(const struct world *w);
/* Stop the agent and remove the directory (kept with IT_KEEP). */
void world_free(struct world *w);

/* --- fixtures on W (itest_world.c) */

/* world_new(&W): a setup (per test, or the start of a group's). */
int it_world_setup(void **state);
/* it_close_all(), then world_free(&W): a test's or a group's teardown. */
int it_world_teardown(void **state);
/* The last test of a group that shares W's agent: it exits 0 on SIGTERM. */
void test_clean_exit(void **state);

/* --- clients, tracked (itest_world.c) */

void it_track(int fd, struct attach_client *c);
void it_untrack(int fd, struct attach_client *c);
/* Close every tracked connection; a cmocka teardown. */
int it_close_all(void **state);
/* A libattach client connected to @w (tracked). */
struct attach_client *world_client(const struct world *w);
void world_client_free(struct attach_client *c);
/* One libattach connection that lists the volumes: the agent serves. */
void world_assert_serves(const struct world *w);
/* volume-create on @dev; its id in @id. */
void it_volume_on(struct attach_client *c, const char *dev, char id[ATTACH_UUID_LEN + 1]);
/* reserve, initialize-connection for @ini, attach (to INSTANCE): @vol ends in-use; its credentials in @ci. */
void it_export_to(struct attach_client *c, const char *vol, const char *ini, struct attach_conninfo *ci);

/* --- what the world holds and says (itest_state.c) */

/* Everything a request may change, as text (malloc'd): the configfs tree (sim-setup --dump), the dm
 * directory (names, node numbers, file contents), and the records: attachctl --json volume-list and
 * volume-show --secrets of every volume. */
char *world_snapshot(const struct world *w);
/* Fail, with a diff as TAP comments, if two snapshots differ. */
void world_assert_same(const struct world *w, const char *before, const char *after);
/* The agent's log so far (malloc'd). */
char *world_log(const struct world *w);
void world_assert_log_has(const struct world *w, const char *what);
/* attachctl -s <socket> @fmt...: its output (malloc'd, stdout and stderr) and exit status. */
char *world_ctl(const struct world *w, int *status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An agent run with @args that must end by itself (a refusal at start): its output (malloc'd) and exit
 * status, never a hang. */
char *it_agent_refused(const char *args, int *status);
/* /proc numbers of a process: open descriptors, and a "Field:" of its status in kB. */
int proc_fd_count(pid_t pid);
long proc_status_kb(pid_t pid, const char *field);
/* Wait until @pid has at most @n descriptors (the agent notices closed clients in its own time). */
int proc_wait_fds(pid_t pid, int n);
/* @pid's descriptors once the count has held for 100 ms (an earlier case's client may still be closing). */
int proc_settled_fds(pid_t pid);

/* --- raw protocol I/O (itest_raw.c) */

/* A connection to @path (tracked), with a receive timeout; -errno if it cannot connect. */
int raw_connect(const char *path);
void raw_close(int fd);
void raw_send(int fd, const void *buf, size_t len);

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

/* r->got */
int raw_recv(int fd, struct rmsg *r);
void rmsg_free(struct rmsg *r);
/* The agent closed the connection (nothing more to read). */
bool raw_closed(int fd);

/* A message under construction, byte by byte: bad messages need exact control over every field. */
struct mb {
	unsigned char b[ATTACH_REQUEST_MAX + 256];
	size_t len;
};

void mb_start(struct mb *m, uint16_t type, uint16_t flags, uint32_t seq);
/* An attribute with @len payload bytes; @pad: zero padding to 4 bytes, as a well-formed message has. */
void mb_attr(struct mb *m, uint16_t type, const void *data, size_t len, bool pad);
void mb_str(struct mb *m, uint16_t type, const char *s);
void mb_u32(struct mb *m, uint16_t type, uint32_t v);
/* Set nlmsg_len to @len, or to the bytes built when 0; returns the bytes built. */
size_t mb_end(struct mb *m, uint32_t len);
/* A whole HELLO of this protocol version; returns its bytes. */
size_t mb_hello(struct mb *m, uint32_t seq);
/* HELLO on a raw connection, asserting the agent takes it. */
void raw_hello(int fd, uint32_t seq);

#endif
