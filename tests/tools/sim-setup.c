/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sim-setup.c: make a fresh simulated configfs tree (what loading target_core_mod and nvmet shows) for
 * the integration tests and the demo, or dump one in the canonical format.
 *   sim-setup ROOT [6.1|6.12]     create the tree under the empty directory ROOT: target/ and nvmet/
 *                                 (6.12's nvmet hosts have the DH-HMAC-CHAP attributes, 6.1's none)
 *   sim-setup --dump ROOT         print ROOT's "target" subtree (sim_dump format)
 *   sim-setup --dump-nvmet ROOT   print ROOT's "nvmet" subtree
 *   sim-setup --login ROOT IQN INITIATOR [ADDR]   an iSCSI session of INITIATOR to target IQN (sim.h)
 *   sim-setup --logout ROOT IQN INITIATOR         ... and its end
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

/* --login and --logout: what a real initiator would do to the kernel's tree. */
static int sim_setup_session(int argc, char **argv)
{
	bool login = !strcmp(argv[1], "--login");
	if (argc < 5 || argc > 5 + login) {
		fprintf(stderr, "usage: sim-setup --login ROOT IQN INITIATOR [ADDR] | --logout ROOT IQN INITIATOR\n");
		return 2;
	}
	int rc = login ? sim_session_login(argv[2], argv[3], argv[4], argc > 5 ? argv[5] : NULL) :
			 sim_session_logout(argv[2], argv[3], argv[4]);
	if (rc)
		fprintf(stderr, "sim-setup: %s %s to %s: %s\n", argv[1] + 2, argv[4], argv[3], strerror(-rc));
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--login") || !strcmp(argv[1], "--logout")))
		return sim_setup_session(argc, argv);
	if (argc == 3 && (!strcmp(argv[1], "--dump") || !strcmp(argv[1], "--dump-nvmet"))) {
		const char *const sub[] = { strcmp(argv[1], "--dump") ? "nvmet" : "target", NULL };
		int rc = sim_dump(argv[2], sub, stdout);
		if (rc)
			fprintf(stderr, "sim-setup: dump %s: %s\n", argv[2], strerror(-rc));
		return rc ? 1 : 0;
	}
	if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "6.1") && strcmp(argv[2], "6.12"))) {
		fprintf(stderr, "usage: sim-setup ROOT [6.1|6.12] | sim-setup --dump|--dump-nvmet ROOT | "
			"sim-setup --login|--logout ...\n");
		return 2;
	}
	enum sim_kernel k = (argc == 3 && !strcmp(argv[2], "6.12")) ? SIM_KERNEL_6_12 : SIM_KERNEL_6_1;
	int rc = sim_setup(argv[1], k);
	if (!rc)
		rc = sim_nvmet_setup(argv[1], k);
	if (rc)
		fprintf(stderr, "sim-setup: %s: %s\n", argv[1], strerror(-rc));
	return rc ? 1 : 0;
}
