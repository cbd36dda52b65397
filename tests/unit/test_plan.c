/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_plan.c: plans (agent/calls/plan.c) and the plans of an export (agent/calls/export_plan.c), against
 * plan.h's and export_plan.h's contracts. The export is a real one: a volume registered on the harness of
 * helpers/harness.h, prepared by export_prepare() with three portals, and two ACLs with recognisable CHAP
 * secrets, and a reservations file under the plans' dbroot (pf_aptpl). Checked: the exact steps of a new
 * export, with and without its dm device (an initiator's reservations fed before the LUN); a teardown as the
 * exact reverse of the build, each step's inverse; an initiator's access added and removed; the walk of
 * export_plan_build() as a checker sees it (order, ACLs and portals, answers 0, 1 and negative); every
 * step's inverse, and each step applied then undone over the simulator (configfs tree with its attribute
 * values, and the dm device) leaving things as they were; no secret in any step's text; a failure at each
 * step of a plan undoing exactly the steps before it, in reverse; plan_kernel_steps() and plan_has().
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "export_plan.h"
#include "harness.h"
#include "plan.h"
#include "sim.h"
#include "unit_main.h"

#define INI0 "iqn.2004-10.org.example:host-a"
#define INI1 "iqn.2004-10.org.example:host-b"
/* CHAP secrets no step's text may show, nor any piece of them */
#define USER0 "XYZZYuser0000001"
#define PASS0 "PLUGHpass0000001"
#define USER1 "XYZZYuser0000002"
#define PASS1 "PLUGHpass0000002"

static const char *const portals[] = { "127.0.0.1:3260", "127.0.0.2:3261", "[::1]:3260" };
#define N_PORTALS 3

struct pf {
	struct harness *h;
	struct plan p; /* x: the volume's export, ident: its disk */
	struct rec_acl acl[2];
	struct plan_env env;
	char dbroot[4096]; /* env.dbroot: holds the volume's reservations file (pf_aptpl) */
};

/* What the log said: plan_apply's "done: ..." and plan_undo's "undone: ..." lines, in order. */
static char logged[64][300];
static size_t n_logged;

static void log_steps(enum log_level level, const char *msg, void *data)
{
	(void)level;
	(void)data;
	if ((!strncmp(msg, "done: ", 6) || !strncmp(msg, "undone: ", 8)) && n_logged < 64)
		snprintf(logged[n_logged++], sizeof(logged[0]), "%s", msg);
}

/* An empty plan on the same export. */
static void pf_reset(struct pf *f)
{
	struct rec_export x = f->p.x;
	char ident[sizeof(f->p.ident)];
	memcpy(ident, f->p.ident, sizeof(ident));
	plan_free(&f->p);
	f->p.call = "test";
	f->p.x = x;
	memcpy(f->p.ident, ident, sizeof(ident));
}

/* The kernel's reservations file for the export: a registration of each ACL on its mapped LUN, INI0's
 * holding a WRITE EXCLUSIVE, REGISTRANTS ONLY reservation (docs/KERNEL.md, 'dbroot and persistent
 * reservations'). */
static void pf_aptpl(struct pf *f)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/pr", f->dbroot);
	assert_int_equal(mkdir(f->dbroot, 0700), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/pr/aptpl_%s", f->dbroot, f->p.x.volume_id);
	FILE *a = fopen(path, "w");
	assert_non_null(a);
	for (int i = 0; i < 2; i++)
		fprintf(a, "PR_REG_START: %d\ninitiator_fabric=iSCSI\ninitiator_node=%s\ninitiator_sid=00023d00000%d\n"
			"sa_res_key=%d\nres_holder=%d\n%sres_all_tg_pt=0\nmapped_lun=%u\ntarget_fabric=iSCSI\n"
			"target_node=%s\ntpgt=1\nport_rtpi=1\ntarget_lun=0\nPR_REG_END: %d\n", i, f->acl[i].initiator,
			i + 1, 4369 * (i + 1), !i, i ? "" : "res_type=05\nres_scope=00\n", f->acl[i].mapped_lun,
			f->p.x.target_iqn, i);
	fputc('\0', a);
	assert_int_equal(fclose(a), 0);
	assert_int_equal(chmod(path, 0600), 0);
}

static int pf_setup(void **state)
{
	void *hs;
	harness_setup(&hs);
	struct pf *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	struct harness *h = f->h = hs;
	h->a.cfg.n_portals = N_PORTALS;
	for (int i = 0; i < N_PORTALS; i++)
		snprintf(h->a.cfg.portals[i], sizeof(h->a.cfg.portals[i]), "%s", portals[i]);
	char vol[ATTACH_UUID_LEN + 1], why[256];
	snprintf(vol, sizeof(vol), "%s", h_volume(h, 0, 0));
	MDB_txn *txn;
	struct rec_volume v;
	assert_int_equal(store_begin(h->a.store, false, &txn), 0);
	assert_int_equal(store_get(h->a.store, txn, STORE_VOLUMES, vol, &v), 0);
	store_abort(txn);
	plan_init(&f->p);
	f->p.call = "test";
	if (export_prepare(&h->a, &v, &f->p.x, why, sizeof(why)))
		fail_msg("export_prepare: %s", why);
	assert_true(f->p.x.dm_name[0] != '\0');
	assert_int_equal(f->p.x.n_portals, N_PORTALS);
	memcpy(f->p.ident, v.ident, sizeof(f->p.ident));
	f->acl[0] = (struct rec_acl){ .initiator = INI0, .username = USER0, .password = PASS0, .refs = 1 };
	f->acl[1] = (struct rec_acl){ .initiator = INI1, .username = USER1, .password = PASS1, .refs = 1, .mapped_lun = 3 };
	memcpy(f->acl[0].volume_id, vol, sizeof(vol));
	memcpy(f->acl[1].volume_id, vol, sizeof(vol));
	f->env.cfs = &h->a.cfs;
	snprintf(f->dbroot, sizeof(f->dbroot), "%s/dbroot", h->dir);
	f->env.dbroot = f->dbroot;
	pf_aptpl(f);
	sim_pr_reset();
	n_logged = 0;
	*state = f;
	return 0;
}

static int pf_teardown(void **state)
{
	struct pf *f = *state;
	void *hs = f->h;
	plan_free(&f->p);
	free(f);
	log_set_callback(h_log_quiet, NULL);
	return harness_teardown(&hs);
}

#define PF_TEST(fn) cmocka_unit_test_setup_teardown(fn, pf_setup, pf_teardown)


/* --- expected steps: an op, with the ACL (index, -1 none) and portal (index, -1 none) it carries */
struct want {
	enum plan_op op;
	int acl, portal;
};

static void print_plan(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		char line[300];
		plan_describe(p, i, line, sizeof(line));
		print_message("  step %zu: op %d: %s\n", i, p->steps[i].op, line);
	}
}

/* p's steps from @from on are exactly @w. */
static void check_steps(const struct pf *f, size_t from, const struct want *w, size_t n, const char *file, int line)
{
	const struct plan *p = &f->p;
	struct rec_acl none;
	memset(&none, 0, sizeof(none));
	bool ok = p->n == from + n;
	for (size_t i = 0; ok && i < n; i++) {
		const struct plan_step *s = &p->steps[from + i];
		const struct rec_acl *a = w[i].acl >= 0 ? &f->acl[w[i].acl] : &none;
		ok = s->op == w[i].op && !memcmp(&s->acl, a, sizeof(*a)) &&
		     !strcmp(s->portal, w[i].portal >= 0 ? portals[w[i].portal] : "");
	}
	if (!ok) {
		print_message("%s:%d: not the steps expected; the plan:\n", file, line);
		print_plan(p);
		fail();
	}
}
#define assert_steps(f, from, ...) \
	do { \
		const struct want w_[] = { __VA_ARGS__ }; \
		check_steps((f), (from), w_, sizeof(w_) / sizeof(w_[0]), __FILE__, __LINE__); \
	} while (0)
#define S(op) { PLAN_##op, -1, -1 }
#define SA(op, a) { PLAN_##op, (a), -1 }
#define SP(op, i) { PLAN_##op, -1, (i) }

static void test_create_order(void **state)
{
	struct pf *f = *state;
	assert_int_equal(export_plan_create(&f->p, &f->acl[0]), 0);
	assert_steps(f, 0, S(DM_CREATE), S(BACKSTORE_CREATE), SA(PR_RESTORE, 0), S(TARGET_CREATE), S(LUN_CREATE), SA(ACL_CREATE, 0),
		     SA(MAPPED_LUN_CREATE, 0), SP(PORTAL_ADD, 0), SP(PORTAL_ADD, 1), SP(PORTAL_ADD, 2), S(TPG_ENABLE));
}

/* --no-dm: the storage object opens the volume's device; no dm step either way. */
static void test_no_dm_no_dm_step(void **state)
{
	struct pf *f = *state;
	f->p.x.dm_name[0] = '\0';
	assert_int_equal(export_plan_create(&f->p, &f->acl[1]), 0);
	assert_steps(f, 0, S(BACKSTORE_CREATE), SA(PR_RESTORE, 1), S(TARGET_CREATE), S(LUN_CREATE), SA(ACL_CREATE, 1),
		     SA(MAPPED_LUN_CREATE, 1), SP(PORTAL_ADD, 0), SP(PORTAL_ADD, 1), SP(PORTAL_ADD, 2), S(TPG_ENABLE));
	pf_reset(f);
	f->p.x.dm_name[0] = '\0';
	assert_int_equal(export_plan_teardown(&f->p), 0);
	assert_steps(f, 0, S(TPG_DISABLE), SP(PORTAL_REMOVE, 2), SP(PORTAL_REMOVE, 1), SP(PORTAL_REMOVE, 0),
		     S(LUN_REMOVE), S(TARGET_REMOVE), S(BACKSTORE_REMOVE));
}

/* The reverse of the build, each step's inverse, after what the plan had already; no ACL steps. */
static void test_teardown_reverse(void **state)
{
	struct pf *f = *state;
	assert_int_equal(export_plan_acl_remove(&f->p, &f->acl[0]), 0);
	assert_int_equal(export_plan_teardown(&f->p), 0);
	assert_steps(f, 0, SA(MAPPED_LUN_REMOVE, 0), SA(ACL_REMOVE, 0), S(TPG_DISABLE), SP(PORTAL_REMOVE, 2),
		     SP(PORTAL_REMOVE, 1), SP(PORTAL_REMOVE, 0), S(LUN_REMOVE), S(TARGET_REMOVE), S(BACKSTORE_REMOVE),
		     S(DM_REMOVE));
}

static void test_acl_add_remove(void **state)
{
	struct pf *f = *state;
	assert_int_equal(export_plan_acl_add(&f->p, &f->acl[1]), 0);
	assert_steps(f, 0, SA(ACL_CREATE, 1), SA(MAPPED_LUN_CREATE, 1));
	/* a removal carries the whole ACL, CHAP included: its undo creates it again */
	assert_int_equal(export_plan_acl_remove(&f->p, &f->acl[1]), 0);
	assert_steps(f, 0, SA(ACL_CREATE, 1), SA(MAPPED_LUN_CREATE, 1), SA(MAPPED_LUN_REMOVE, 1), SA(ACL_REMOVE, 1));
}

/* --- export_plan_build() with a checker */
struct asked {
	enum export_part part;
	const struct rec_acl *acl;
	const char *portal;
};

struct script {
	struct pf *f;
	struct asked asked[32];
	size_t n;
	int answer[32];   /* by question; 1 unless set */
	bool own_step;    /* at EXPORT_TARGET, add a removal of the target first */
};

static int script_check(void *arg, struct plan *p, enum export_part part, const struct rec_acl *acl,
			const char *portal)
{
	struct script *s = arg;
	assert_ptr_equal(p, &s->f->p);
	assert_true(s->n < 32);
	s->asked[s->n] = (struct asked){ part, acl, portal };
	if (s->own_step && part == EXPORT_TARGET)
		assert_int_equal(plan_add(p, PLAN_TARGET_REMOVE, NULL, NULL), 0);
	return s->answer[s->n++];
}

static void script_init(struct script *s, struct pf *f)
{
	memset(s, 0, sizeof(*s));
	s->f = f;
	for (size_t i = 0; i < 32; i++)
		s->answer[i] = 1;
}

/* The questions of a walk with both ACLs and the dm device, in order, and the step a 1 adds (PLAN_NOTE:
 * none). Written out from export_plan.h. */
static const struct {
	enum export_part part;
	int acl, portal;
	struct want step;
} walk[] = {
	{ EXPORT_DM, -1, -1, S(DM_CREATE) },
	{ EXPORT_BACKSTORE, -1, -1, S(BACKSTORE_CREATE) },
	{ EXPORT_PR, 0, -1, SA(PR_RESTORE, 0) },
	{ EXPORT_PR, 1, -1, SA(PR_RESTORE, 1) },
	{ EXPORT_TARGET, -1, -1, S(TARGET_CREATE) },
	{ EXPORT_LUN, -1, -1, S(LUN_CREATE) },
	{ EXPORT_ACL, 0, -1, SA(ACL_CREATE, 0) },
	{ EXPORT_MAPPED_LUN, 0, -1, SA(MAPPED_LUN_CREATE, 0) },
	{ EXPORT_ACL, 1, -1, SA(ACL_CREATE, 1) },
	{ EXPORT_MAPPED_LUN, 1, -1, SA(MAPPED_LUN_CREATE, 1) },
	{ EXPORT_OTHER_ACLS, -1, -1, S(NOTE) },
	{ EXPORT_PORTAL, -1, 0, SP(PORTAL_ADD, 0) },
	{ EXPORT_PORTAL, -1, 1, SP(PORTAL_ADD, 1) },
	{ EXPORT_PORTAL, -1, 2, SP(PORTAL_ADD, 2) },
	{ EXPORT_OTHER_PORTALS, -1, -1, S(NOTE) },
	{ EXPORT_ENABLE, -1, -1, S(TPG_ENABLE) },
};
#define N_WALK (sizeof(walk) / sizeof(walk[0]))

/* The checker was asked the first @n questions of walk[], with the right ACL and portal. */
static void check_asked(const struct script *s, size_t n)
{
	assert_int_equal(s->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct asked *a = &s->asked[i];
		if (a->part != walk[i].part)
			fail_msg("question %zu: part %d, expected %d", i, a->part, walk[i].part);
		assert_ptr_equal(a->acl, walk[i].acl >= 0 ? &s->f->acl[walk[i].acl] : NULL);
		if (walk[i].portal < 0)
			assert_null(a->portal);
		else
			assert_string_equal(a->portal, portals[walk[i].portal]);
	}
}

/* The plan is the create steps of walk[0..@k) (every question answered 1). */
static void check_walk_steps(const struct pf *f, size_t k)
{
	struct want w[N_WALK];
	size_t n = 0;
	for (size_t i = 0; i < k; i++)
		if (walk[i].step.op != PLAN_NOTE)
			w[n++] = walk[i].step;
	check_steps(f, 0, w, n, __FILE__, __LINE__);
}

/* Answering 1 to every question builds what no checker builds: every part. */
static void test_build_asks_in_order(void **state)
{
	struct pf *f = *state;
	struct script s;
	script_init(&s, f);
	assert_int_equal(export_plan_build(&f->p, f->acl, 2, script_check, &s), 0);
	check_asked(&s, N_WALK);
	check_walk_steps(f, N_WALK);
	pf_reset(f);
	assert_int_equal(export_plan_build(&f->p, f->acl, 2, NULL, NULL), 0);
	check_walk_steps(f, N_WALK);
	/* without the dm device the walk starts at the storage object */
	pf_reset(f);
	f->p.x.dm_name[0] = '\0';
	script_init(&s, f);
	assert_int_equal(export_plan_build(&f->p, f->acl, 2, script_check, &s), 0);
	assert_int_equal(s.n, N_WALK - 1);
	assert_int_equal(s.asked[0].part, EXPORT_BACKSTORE);
}

/* 0: the part is there (no step); 1: its create step, never one for EXPORT_OTHER_*; the checker's own
 * steps stay where it put them. */
static void test_build_answers(void **state)
{
	struct pf *f = *state;
	struct script s;
	script_init(&s, f);
	s.own_step = true;
	static const int answers[N_WALK] = { 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1, 1 };
	memcpy(s.answer, answers, sizeof(answers));
	assert_int_equal(export_plan_build(&f->p, f->acl, 2, script_check, &s), 0);
	check_asked(&s, N_WALK);
	assert_steps(f, 0, S(BACKSTORE_CREATE), SA(PR_RESTORE, 0), S(TARGET_REMOVE), S(TARGET_CREATE), S(LUN_CREATE),
		     SA(MAPPED_LUN_CREATE, 0), SA(ACL_CREATE, 1), SP(PORTAL_ADD, 1), S(TPG_ENABLE));
	/* all 0: nothing to build */
	pf_reset(f);
	script_init(&s, f);
	memset(s.answer, 0, sizeof(s.answer));
	assert_int_equal(export_plan_build(&f->p, f->acl, 2, script_check, &s), 0);
	check_asked(&s, N_WALK);
	assert_int_equal(f->p.n, 0);
}

/* A negative answer at any question ends the walk there and is returned; the steps before it stay. */
static void test_build_error_ends_walk(void **state)
{
	struct pf *f = *state;
	for (size_t k = 0; k < N_WALK; k++) {
		struct script s;
		pf_reset(f);
		script_init(&s, f);
		s.answer[k] = -ENOTCONN;
		assert_int_equal(export_plan_build(&f->p, f->acl, 2, script_check, &s), -ENOTCONN);
		check_asked(&s, k + 1);
		check_walk_steps(f, k);
	}
}

/* --- inverses */
static void test_inverse_table(void **state)
{
	(void)state;
	/* written out from plan.h: create <-> remove, enable <-> disable, fence <-> unfence, a resize undoes
	 * itself (back to its old size), a note is a note, and the purges have none */
	static const enum plan_op pairs[][2] = {
		{ PLAN_NOTE, PLAN_NOTE },
		{ PLAN_BACKSTORE_CREATE, PLAN_BACKSTORE_REMOVE },
		{ PLAN_TARGET_CREATE, PLAN_TARGET_REMOVE },
		{ PLAN_LUN_CREATE, PLAN_LUN_REMOVE },
		{ PLAN_PORTAL_ADD, PLAN_PORTAL_REMOVE },
		{ PLAN_TPG_ENABLE, PLAN_TPG_DISABLE },
		{ PLAN_ACL_CREATE, PLAN_ACL_REMOVE },
		{ PLAN_MAPPED_LUN_CREATE, PLAN_MAPPED_LUN_REMOVE },
		{ PLAN_DM_CREATE, PLAN_DM_REMOVE },
		{ PLAN_DM_FENCE, PLAN_DM_UNFENCE },
		{ PLAN_DM_RESIZE, PLAN_DM_RESIZE },
		{ PLAN_MAPPED_LUN_PROTECT, PLAN_MAPPED_LUN_UNPROTECT },
		{ PLAN_ACL_MUTUAL_SET, PLAN_ACL_MUTUAL_CLEAR },
		{ PLAN_NV_SUBSYS_CREATE, PLAN_NV_SUBSYS_REMOVE },
		{ PLAN_NV_NS_CREATE, PLAN_NV_NS_REMOVE },
		{ PLAN_NV_NS_ENABLE, PLAN_NV_NS_DISABLE },
		{ PLAN_NV_HOST_CREATE, PLAN_NV_HOST_REMOVE },
		{ PLAN_NV_HOST_ALLOW, PLAN_NV_HOST_DISALLOW },
		{ PLAN_NV_PORT_CREATE, PLAN_NV_PORT_REMOVE },
		{ PLAN_NV_PORT_LINK, PLAN_NV_PORT_UNLINK },
	};
	int seen[PLAN_HBA_REMOVE + 1] = { 0 };
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		assert_int_equal(plan_inverse(pairs[i][0]), pairs[i][1]);
		assert_int_equal(plan_inverse(pairs[i][1]), pairs[i][0]);
		seen[pairs[i][0]] = seen[pairs[i][1]] = 1;
	}
	assert_int_equal(plan_inverse(PLAN_PR_RESTORE), PLAN_NOTE);
	assert_int_equal(plan_inverse(PLAN_ACL_PURGE), PLAN_NOTE);
	assert_int_equal(plan_inverse(PLAN_TARGET_PURGE), PLAN_NOTE);
	assert_int_equal(plan_inverse(PLAN_HBA_REMOVE), PLAN_NOTE);
	assert_int_equal(plan_inverse(PLAN_NV_SUBSYS_PURGE), PLAN_NOTE);
	assert_int_equal(plan_inverse(PLAN_NV_NS_REVALIDATE), PLAN_NOTE); /* a size read again: nothing to undo */
	seen[PLAN_PR_RESTORE] = seen[PLAN_ACL_PURGE] = seen[PLAN_TARGET_PURGE] = seen[PLAN_HBA_REMOVE] = 1;
	seen[PLAN_NV_SUBSYS_PURGE] = seen[PLAN_NV_NS_REVALIDATE] = 1;
	for (int op = 0; op <= PLAN_HBA_REMOVE; op++)
		if (!seen[op])
			fail_msg("op %d is missing from this test", op);
	assert_int_equal(plan_inverse((enum plan_op)(PLAN_HBA_REMOVE + 1)), PLAN_NOTE);
	assert_int_equal(plan_inverse((enum plan_op)-1), PLAN_NOTE);
}

/* Step @s alone: applied it changes the kernel, undone it leaves the kernel as it was; then applied for
 * good (the next step starts from there). */
static void round_trip(struct pf *f, const struct plan_step *s)
{
	struct plan one = f->p;
	char what[300], err[512];
	one.steps = NULL;
	one.n = one.cap = one.applied = 0;
	assert_int_equal(plan_add(&one, s->op, NULL, NULL), 0);
	one.steps[0] = *s;
	plan_describe(&one, 0, what, sizeof(what));
	char *before = h_kernel_state(f->h, f->p.x.dm_name), fed[2048];
	size_t n_fed = sim_pr_fed(fed, sizeof(fed));
	if (plan_apply(&one, &f->env, err, sizeof(err)))
		fail_msg("%s: %s", what, err);
	char *done = h_kernel_state(f->h, f->p.x.dm_name);
	/* the kernel shows fed reservations nowhere until a mapped LUN matches them */
	if (s->op == PLAN_PR_RESTORE ? sim_pr_fed(fed, sizeof(fed)) != n_fed + 1 : !strcmp(before, done))
		fail_msg("%s changed nothing", what);
	assert_int_equal(plan_undo(&one, &f->env), 0);
	char undo[320];
	snprintf(undo, sizeof(undo), "the undo of %s", what);
	h_check_kernel_unchanged(f->h, f->p.x.dm_name, before, undo, __FILE__, __LINE__);
	assert_int_equal(plan_apply(&one, &f->env, err, sizeof(err)), 0);
	free(done);
	plan_free(&one);
}

static void round_trip_all(struct pf *f)
{
	for (size_t i = 0; i < f->p.n; i++)
		round_trip(f, &f->p.steps[i]);
	pf_reset(f);
}

/* Every kernel step of an export's life, one at a time over the simulator. */
static void test_inverse_undoes_each_step(void **state)
{
	struct pf *f = *state;
	char *empty = h_kernel_state(f->h, f->p.x.dm_name);
	assert_int_equal(export_plan_create(&f->p, &f->acl[0]), 0);
	assert_int_equal(export_plan_acl_add(&f->p, &f->acl[1]), 0);
	assert_int_equal(plan_add(&f->p, PLAN_DM_FENCE, NULL, NULL), 0);
	assert_int_equal(plan_add(&f->p, PLAN_DM_UNFENCE, NULL, NULL), 0);
	round_trip_all(f);
	/* an ACL made read-only and given mutual credentials in place, and back. The kernel cannot unset
	 * them: "NULL" clears them and shows as NULL from then on, so the ACL starts from there */
	char path[CFS_PATH_MAX];
	snprintf(path, sizeof(path), "target/iscsi/%s/tpgt_1/acls/%s/auth/userid_mutual", f->p.x.target_iqn, INI1);
	assert_int_equal(cfs_write(f->env.cfs, path, "NULL"), 0);
	snprintf(path, sizeof(path), "target/iscsi/%s/tpgt_1/acls/%s/auth/password_mutual", f->p.x.target_iqn, INI1);
	assert_int_equal(cfs_write(f->env.cfs, path, "NULL"), 0);
	struct rec_acl both = f->acl[1];
	snprintf(both.username_in, sizeof(both.username_in), "MutualUser0001");
	snprintf(both.password_in, sizeof(both.password_in), "MutualPass0001");
	assert_int_equal(plan_add(&f->p, PLAN_MAPPED_LUN_PROTECT, &both, NULL), 0);
	assert_int_equal(plan_add(&f->p, PLAN_ACL_MUTUAL_SET, &both, NULL), 0);
	assert_int_equal(plan_add(&f->p, PLAN_ACL_MUTUAL_CLEAR, &both, NULL), 0);
	assert_int_equal(plan_add(&f->p, PLAN_MAPPED_LUN_UNPROTECT, &both, NULL), 0);
	round_trip_all(f);
	/* the ACL made again, as new (mutual credentials unset: the teardown's undo makes it so) */
	char err[256];
	assert_int_equal(export_plan_acl_remove(&f->p, &f->acl[1]), 0);
	assert_int_equal(export_plan_acl_add(&f->p, &f->acl[1]), 0);
	assert_int_equal(plan_apply(&f->p, &f->env, err, sizeof(err)), 0);
	pf_reset(f);
	/* the disk grew to 2 GiB: the dm device follows, and its undo goes back to 1 GiB */
	assert_int_equal(f->p.x.size, 1ull << 30);
	assert_int_equal(sim_dm_set_size(f->h->dev[0], 2ull << 30), 0);
	f->p.x.size = 2ull << 30;
	assert_int_equal(plan_add_resize(&f->p, 1ull << 30), 0);
	round_trip_all(f);
	assert_int_equal(export_plan_acl_remove(&f->p, &f->acl[0]), 0);
	assert_int_equal(export_plan_acl_remove(&f->p, &f->acl[1]), 0);
	assert_int_equal(export_plan_teardown(&f->p), 0);
	round_trip_all(f);
	char *end = h_kernel_state(f->h, f->p.x.dm_name);
	assert_string_equal(empty, end); /* the HBA went with the last storage object */
	free(empty);
	free(end);
}

/* --- text */
static void test_describe_no_secrets(void **state)
{
	struct pf *f = *state;
	assert_int_equal(plan_note(&f->p, "acl %s: refs 1 -> 2", INI0), 0);
	for (int i = 0; i < 2; i++) { /* mutual credentials are secrets too */
		snprintf(f->acl[i].username_in, sizeof(f->acl[i].username_in), "KAZOOuser");
		snprintf(f->acl[i].password_in, sizeof(f->acl[i].password_in), "KAZOOpass");
	}
	for (int op = PLAN_NOTE + 1; op <= PLAN_HBA_REMOVE; op++)
		assert_int_equal(plan_add(&f->p, (enum plan_op)op, &f->acl[op % 2], portals[op % N_PORTALS]), 0);
	static const char *const secrets[] = { USER0, PASS0, USER1, PASS1, "XYZZY", "PLUGH", "KAZOO" };
	for (size_t i = 0; i < f->p.n; i++) {
		char line[300];
		plan_describe(&f->p, i, line, sizeof(line));
		assert_true(line[0] != '\0');
		assert_null(strstr(line, "unknown step"));
		for (size_t k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++)
			if (strstr(line, secrets[k]))
				fail_msg("step %zu (op %d) shows a secret: %s", i, f->p.steps[i].op, line);
		enum plan_op op = f->p.steps[i].op;
		if (op == PLAN_ACL_CREATE || op == PLAN_ACL_REMOVE || op == PLAN_MAPPED_LUN_CREATE ||
		    op == PLAN_MAPPED_LUN_REMOVE || op == PLAN_ACL_PURGE || op == PLAN_MAPPED_LUN_PROTECT ||
		    op == PLAN_MAPPED_LUN_UNPROTECT || op == PLAN_ACL_MUTUAL_SET || op == PLAN_ACL_MUTUAL_CLEAR)
			assert_non_null(strstr(line, f->p.steps[i].acl.initiator));
		if (op == PLAN_PORTAL_ADD || op == PLAN_PORTAL_REMOVE)
			assert_non_null(strstr(line, f->p.steps[i].portal));
	}
	char line[300];
	plan_describe(&f->p, 0, line, sizeof(line));
	assert_string_equal(line, "record: acl " INI0 ": refs 1 -> 2");
}

/* --- failures */
struct fault {
	const char *op;
	char path[256];
	int nth;
};

/* Apply f->p with @fault set up for step @k (0-based; NULL: @k's failure is already arranged): -EIO, the
 * failing step's text, steps 0..k-1 done in order and undone in reverse, the kernel as before. */
static void fail_at(struct pf *f, size_t k, const struct fault *fault, const char *strerr)
{
	char *before = h_kernel_state(f->h, f->p.x.dm_name), err[512], what[300], want[400];
	plan_describe(&f->p, k, what, sizeof(what));
	n_logged = 0;
	log_set_callback(log_steps, NULL);
	if (fault)
		sim_fail(fault->op, fault->path, EIO, fault->nth);
	int rc = plan_apply(&f->p, &f->env, err, sizeof(err));
	sim_fail_clear();
	log_set_callback(h_log_quiet, NULL);
	if (rc != -EIO)
		fail_msg("a failure at step %zu (%s): plan_apply returned %d", k, what, rc);
	snprintf(want, sizeof(want), "%s: %s (earlier steps rolled back)", what, strerr);
	assert_string_equal(err, want);
	assert_int_equal(f->p.applied, 0);
	assert_int_equal(n_logged, 2 * k);
	for (size_t i = 0; i < k; i++) {
		char line[300];
		plan_describe(&f->p, i, line, sizeof(line));
		assert_string_equal(logged[i] + strlen("done: "), line);
		plan_describe(&f->p, k - 1 - i, line, sizeof(line));
		assert_string_equal(logged[k + i] + strlen("undone: "), line);
	}
	snprintf(want, sizeof(want), "a failure at step %zu (%s)", k, what);
	h_check_kernel_unchanged(f->h, f->p.x.dm_name, before, want, __FILE__, __LINE__);
}

static void test_apply_fails_at_each_create_step(void **state)
{
	struct pf *f = *state;
	assert_int_equal(export_plan_create(&f->p, &f->acl[0]), 0);
	struct fault faults[11] = { [1] = { "mkdir", AGENT_HBA "/", 1 }, [2] = { "write", "pr/res_aptpl_metadata", 1 },
				    [3] = { "mkdir", "", 1 }, [4] = { "mkdir", "/lun/lun_0", 1 },
				    [5] = { "mkdir", "/acls/", 1 }, [6] = { "mkdir", INI0 "/lun_0", 1 },
				    [10] = { "write", "tpgt_1/enable", 1 } };
	assert_int_equal(f->p.n, 11);
	snprintf(faults[3].path, sizeof(faults[3].path), "%s", f->p.x.target_iqn);
	for (int i = 0; i < N_PORTALS; i++) {
		faults[7 + i] = (struct fault){ "mkdir", "/np/", 1 };
		strcat(faults[7 + i].path, portals[i]);
	}
	for (size_t k = 1; k < 11; k++)
		fail_at(f, k, &faults[k], "Input/output error");
	/* the first step: the dm device goes on the volume's disk only, which the number is not any more */
	snprintf(f->p.ident, sizeof(f->p.ident), "serial:someone-else");
	fail_at(f, 0, NULL, strerror(EMEDIUMTYPE));
}

static void test_apply_fails_at_each_teardown_step(void **state)
{
	struct pf *f = *state;
	char err[512], table[PATH_MAX + 16];
	assert_int_equal(export_plan_build(&f->p, NULL, 0, NULL, NULL), 0);
	assert_int_equal(plan_apply(&f->p, &f->env, err, sizeof(err)), 0);
	pf_reset(f);
	assert_int_equal(export_plan_teardown(&f->p), 0);
	assert_int_equal(f->p.n, 8);
	/* the target's rmdir of tpgt_1 comes after three portals' and the LUN's, whose paths hold its name */
	struct fault faults[7] = { { "write", "tpgt_1/enable", 1 }, [4] = { "rmdir", "/lun/lun_0", 1 },
				   [5] = { "rmdir", "", 5 }, [6] = { "rmdir", AGENT_HBA "/", 1 } };
	for (int i = 0; i < N_PORTALS; i++) {
		faults[1 + i] = (struct fault){ "rmdir", "/np/", 1 }; /* removed in reverse */
		strcat(faults[1 + i].path, portals[N_PORTALS - 1 - i]);
	}
	snprintf(faults[5].path, sizeof(faults[5].path), "%s", f->p.x.target_iqn);
	for (size_t k = 0; k < 7; k++)
		fail_at(f, k, &faults[k], "Input/output error");
	/* the last: a dm device of that name that is not attachd's is not removed */
	snprintf(table, sizeof(table), "%s/dm/%s.table", f->h->dir, f->p.x.dm_name);
	char line[256];
	FILE *t = fopen(table, "r");
	assert_non_null(t);
	assert_non_null(fgets(line, sizeof(line), t));
	fclose(t);
	t = fopen(table, "w");
	assert_non_null(t);
	fprintf(t, "%sFOREIGN-uuid\n", line);
	fclose(t);
	fail_at(f, 7, NULL, strerror(EPERM));
}

/* --- counting */
static void test_kernel_steps_and_has(void **state)
{
	struct pf *f = *state;
	assert_int_equal(plan_kernel_steps(&f->p), 0);
	assert_false(plan_has(&f->p, PLAN_NOTE));
	assert_int_equal(plan_note(&f->p, "volume %s: available -> attaching", f->p.x.volume_id), 0);
	assert_int_equal(plan_kernel_steps(&f->p), 0);
	assert_true(plan_has(&f->p, PLAN_NOTE));
	assert_int_equal(export_plan_acl_add(&f->p, &f->acl[0]), 0);
	assert_int_equal(plan_note(&f->p, "acl %s: refs 0 -> 1", INI0), 0);
	assert_int_equal(plan_kernel_steps(&f->p), 2);
	assert_int_equal(f->p.n, 4);
	assert_true(plan_has(&f->p, PLAN_ACL_CREATE));
	assert_true(plan_has(&f->p, PLAN_MAPPED_LUN_CREATE));
	assert_false(plan_has(&f->p, PLAN_ACL_REMOVE));
	assert_false(plan_has(&f->p, PLAN_TARGET_CREATE));
	pf_reset(f);
	assert_int_equal(export_plan_create(&f->p, &f->acl[0]), 0);
	assert_int_equal(plan_kernel_steps(&f->p), 11);
	assert_true(plan_has(&f->p, PLAN_DM_CREATE));
	assert_false(plan_has(&f->p, PLAN_DM_REMOVE));
	/* the notes apply as nothing and count in no step */
	char err[512];
	assert_int_equal(plan_note(&f->p, "export %s: created", f->p.x.volume_id), 0);
	assert_int_equal(plan_apply(&f->p, &f->env, err, sizeof(err)), 0);
	assert_int_equal(f->p.applied, 12);
	assert_int_equal(plan_undo(&f->p, &f->env), 0);
	assert_int_equal(f->p.applied, 0);
	plan_free(&f->p);
	assert_null(f->p.steps);
	assert_int_equal(f->p.n, 0);
}

UNIT_MAIN("plan", PF_TEST(test_create_order), PF_TEST(test_no_dm_no_dm_step), PF_TEST(test_teardown_reverse),
	  PF_TEST(test_acl_add_remove), PF_TEST(test_build_asks_in_order), PF_TEST(test_build_answers),
	  PF_TEST(test_build_error_ends_walk), PF_TEST(test_inverse_table), PF_TEST(test_inverse_undoes_each_step),
	  PF_TEST(test_describe_no_secrets), PF_TEST(test_apply_fails_at_each_create_step),
	  PF_TEST(test_apply_fails_at_each_teardown_step), PF_TEST(test_kernel_steps_and_has))
