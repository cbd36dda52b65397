/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nvmet-export.c: one NVMe/TCP export made and taken down with configfs/nvmet*.c alone (no agent), for
 * the real-kernel rig (tests/vm scenario 22) and by hand. Every step prints one line; a failing step
 * prints the errno's name and the program exits 1 at once (export) or goes on (unexport: the teardown
 * does what it can, as the agent's would).
 *   nvmet-export [-r ROOT] export NQN DEV VOLID HOSTNQN ADDR SVC [KEY [CTRLKEY DHGROUP]]
 *   nvmet-export [-r ROOT] unexport NQN HOSTNQN PORTID MADE(0|1)
 *   nvmet-export [-r ROOT] state NQN DEV VOLID HOSTNQN ADDR SVC PORTID [KEY]
 *   nvmet-export [-r ROOT] auth HOSTNQN          1 or 0: the kernel has DH-HMAC-CHAP attributes
 *   nvmet-export gen-key HASH [LEN]              a DHHC-1 secret from getrandom
 *   nvmet-export check-key SECRET                "ok HASH LEN" or the reason (exit 1)
 *   nvmet-export [-r ROOT] try OP ARG [ARG2]     one raw configfs operation, printed as
 *                                                "OP ARG [ARG2] => ok|ENAME" (exit 0 either way)
 * ROOT defaults to /sys/kernel/config. try's OP is mkdir, rmdir, write (PATH VALUE), link (TARGET LINK) or
 * unlink, with paths relative to ROOT; OP may start with '!' (a probe the simulator does not model: the
 * mark is only printed). In ARG and ARG2, @DEV@, @DIR@, @MISSING@, @FILE@ and @ID@ stand for the values
 * of NVMET_PROBE_DEV, NVMET_PROBE_DIR, NVMET_PROBE_MISSING, NVMET_PROBE_FILE and NVMET_PROBE_ID, and
 * @EMPTY@ for nothing (a write of zero bytes), so that the printed lines are the same on every machine
 * (tests/unit/test_nvmet_golden.c replays them on the simulator).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvmet.h"
#include "nvmet_secret.h"
#include "nvmet_state.h"

static int step(const char *what, int rc)
{
	printf("%s: %s\n", what, rc ? strerrorname_np(-rc) ? strerrorname_np(-rc) : strerror(-rc) : "ok");
	return rc;
}

static int cmd_export(struct cfs *c, char **a, int n)
{
	struct nvmet_ids ids;
	if (n < 6 || n == 8 || n > 9 || nvmet_ids_from_volume(a[2], &ids)) {
		fprintf(stderr, "export NQN DEV VOLID HOSTNQN ADDR SVC [KEY [CTRLKEY DHGROUP]]\n");
		return 2;
	}
	struct nvmet_host h = { .nqn = a[3], .key = n > 6 ? a[6] : NULL, .ctrl_key = n > 7 ? a[7] : NULL,
				.dhgroup = n > 8 ? a[8] : NULL };
	struct nvmet_subsys s = { .nqn = a[0], .serial = ids.serial, .model = "attachd" };
	struct nvmet_ns ns = { .nqn = a[0], .nsid = NVMET_NSID, .dev = a[1], .uuid = ids.uuid, .nguid = ids.nguid };
	struct nvmet_addr addr = { .traddr = a[4], .trsvcid = a[5] };
	unsigned id;
	bool made;
	if (step("host", nvmet_host_create(c, &h)) || step("subsystem", nvmet_subsys_create(c, &s)) ||
	    step("namespace", nvmet_ns_create(c, &ns)) || step("allow", nvmet_host_allow(c, a[0], a[3])) ||
	    step("port", nvmet_port_ensure(c, &addr, &id, &made)))
		return 1;
	printf("port=%u made=%d\n", id, made);
	return step("link", nvmet_port_link(c, id, a[0])) ? 1 : 0;
}

static int cmd_unexport(struct cfs *c, char **a, int n)
{
	if (n != 4) {
		fprintf(stderr, "unexport NQN HOSTNQN PORTID MADE\n");
		return 2;
	}
	unsigned id = (unsigned)strtoul(a[2], NULL, 10);
	int bad = 0;
	bad |= step("unlink", nvmet_port_unlink(c, id, a[0]));
	if (!strcmp(a[3], "1"))
		bad |= step("port", nvmet_port_remove(c, id));
	bad |= step("disallow", nvmet_host_disallow(c, a[0], a[1]));
	bad |= step("namespace", nvmet_ns_remove(c, a[0], NVMET_NSID));
	bad |= step("subsystem", nvmet_subsys_remove(c, a[0]));
	bad |= step("host", nvmet_host_remove(c, a[1]));
	return bad ? 1 : 0;
}

static int cmd_state(struct cfs *c, char **a, int n)
{
	struct nvmet_ids ids;
	if ((n != 7 && n != 8) || nvmet_ids_from_volume(a[2], &ids)) {
		fprintf(stderr, "state NQN DEV VOLID HOSTNQN ADDR SVC PORTID [KEY]\n");
		return 2;
	}
	struct nvmet_subsys s = { .nqn = a[0], .serial = ids.serial, .model = "attachd" };
	struct nvmet_ns ns = { .nqn = a[0], .nsid = NVMET_NSID, .dev = a[1], .uuid = ids.uuid, .nguid = ids.nguid };
	struct nvmet_host h = { .nqn = a[3], .key = n > 7 ? a[7] : NULL };
	struct nvmet_addr addr = { .traddr = a[4], .trsvcid = a[5] };
	struct nvmet_subsys_state ss;
	struct nvmet_ns_state ns_st;
	struct nvmet_host_state hs;
	struct nvmet_port_state ps;
	int rc = nvmet_subsys_state(c, &s, &ss);
	if (!rc)
		rc = nvmet_ns_state(c, &ns, &ns_st);
	if (!rc)
		rc = nvmet_host_state(c, a[0], &h, &hs);
	if (!rc)
		rc = nvmet_port_state(c, (unsigned)strtoul(a[6], NULL, 10), &addr, a[0], &ps);
	if (rc)
		return step("state", rc), 1;
	printf("subsystem exists=%d closed=%d serial_ok=%d model_ok=%d\n", ss.exists, ss.closed, ss.serial_ok, ss.model_ok);
	printf("namespace exists=%d enabled=%d path_ok=%d uuid_ok=%d nguid_ok=%d\n", ns_st.exists, ns_st.enabled,
	       ns_st.path_ok, ns_st.uuid_ok, ns_st.nguid_ok);
	printf("host exists=%d auth=%d keys_ok=%d allowed=%d\n", hs.exists, hs.auth, hs.keys_ok, hs.allowed);
	printf("port exists=%d addr_ok=%d linked=%d\n", ps.exists, ps.addr_ok, ps.linked);
	return 0;
}

/* @DEV@ and friends, from the environment */
static int expand(const char *in, char *out, size_t size)
{
	static const char *const tok[][2] = { { "@DEV@", "NVMET_PROBE_DEV" }, { "@DIR@", "NVMET_PROBE_DIR" },
					      { "@MISSING@", "NVMET_PROBE_MISSING" }, { "@FILE@", "NVMET_PROBE_FILE" },
					      { "@ID@", "NVMET_PROBE_ID" }, { "@EMPTY@", NULL } };
	size_t o = 0;
	while (*in) {
		size_t i, n = 1;
		const char *rep = NULL;
		for (i = 0; i < sizeof(tok) / sizeof(tok[0]); i++)
			if (!strncmp(in, tok[i][0], strlen(tok[i][0]))) {
				rep = tok[i][1] ? getenv(tok[i][1]) : "";
				n = strlen(tok[i][0]);
				if (!rep)
					return -EINVAL;
				break;
			}
		size_t len = rep ? strlen(rep) : 1;
		if (o + len + 1 > size)
			return -ENAMETOOLONG;
		memcpy(out + o, rep ? rep : in, len);
		o += len;
		in += n;
	}
	out[o] = '\0';
	return 0;
}

static int cmd_try(struct cfs *c, char **a, int n)
{
	char x[CFS_PATH_MAX], y[CFS_PATH_MAX];
	const char *op = a[0][0] == '!' ? a[0] + 1 : a[0];
	int rc;
	if (n < 2 || n > 3 || expand(a[1], x, sizeof(x)) || (n == 3 && expand(a[2], y, sizeof(y))))
		return 2;
	if (!strcmp(op, "mkdir") && n == 2)
		rc = cfs_mkdir(c, x);
	else if (!strcmp(op, "rmdir") && n == 2)
		rc = cfs_rmdir(c, x);
	else if (!strcmp(op, "unlink") && n == 2)
		rc = cfs_unlink(c, x);
	else if (!strcmp(op, "write") && n == 3)
		rc = cfs_write(c, x, y);
	else if (!strcmp(op, "link") && n == 3)
		rc = cfs_symlink(c, x, y);
	else
		return 2;
	printf("%s %s%s%s => %s\n", a[0], a[1], n == 3 ? " " : "", n == 3 ? a[2] : "", rc ? strerrorname_np(-rc) : "ok");
	return 0;
}

int main(int argc, char **argv)
{
	const char *root = "/sys/kernel/config";
	int i = 1;
	if (argc > 2 && !strcmp(argv[1], "-r")) {
		root = argv[2];
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: nvmet-export [-r ROOT] export|unexport|state|auth|gen-key|check-key ARGS...\n");
		return 2;
	}
	const char *cmd = argv[i++];
	char **a = argv + i;
	int n = argc - i;
	if (!strcmp(cmd, "gen-key")) {
		char out[NVMET_SECRET_MAX + 1], *end1 = NULL, *end2 = NULL;
		unsigned long hash = n >= 1 ? strtoul(a[0], &end1, 10) : 0;
		unsigned long len = n == 2 ? strtoul(a[1], &end2, 10) : 0;
		if (n < 1 || n > 2 || !a[0][0] || *end1 || (n == 2 && (!a[1][0] || *end2))) {
			fprintf(stderr, "gen-key HASH(0-3) [LEN(32|48|64)]\n");
			return 2;
		}
		int rc = nvmet_secret_generate((unsigned)(hash > 3 ? 4 : hash), len, out, sizeof(out));
		if (rc)
			return step("gen-key", rc), 1;
		puts(out);
		return 0;
	}
	if (!strcmp(cmd, "check-key")) {
		unsigned hash;
		size_t len;
		char why[160];
		if (n != 1)
			return 2;
		if (nvmet_secret_parse(a[0], &hash, NULL, &len, why, sizeof(why))) {
			puts(why);
			return 1;
		}
		printf("ok %u %zu\n", hash, len);
		return 0;
	}
	struct cfs c;
	int rc = cfs_open(&c, root);
	if (rc)
		return step(root, rc), 1;
	if (!strcmp(cmd, "export"))
		rc = cmd_export(&c, a, n);
	else if (!strcmp(cmd, "unexport"))
		rc = cmd_unexport(&c, a, n);
	else if (!strcmp(cmd, "state"))
		rc = cmd_state(&c, a, n);
	else if (!strcmp(cmd, "try"))
		rc = cmd_try(&c, a, n);
	else if (!strcmp(cmd, "auth") && n == 1) {
		rc = nvmet_host_auth_supported(&c, a[0]);
		printf("%d\n", rc);
		rc = rc < 0;
	} else
		rc = 2;
	cfs_close(&c);
	return rc;
}
