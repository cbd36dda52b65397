/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_log.c: agent/log.c where it meets its surroundings: the level names --log-level takes (attachd's
 * and syslog's), recognising systemd's journal on a descriptor ($JOURNAL_STREAM against fstat), and the
 * two line formats on stderr: plain lines with a time and a level, or the journal's "<N>" prefixes.
 */
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "unit_main.h"

static void test_level_names(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum log_level level;
	} good[] = { { "err", LOG_LVL_ERROR },  { "error", LOG_LVL_ERROR }, { "warning", LOG_LVL_WARN },
		     { "warn", LOG_LVL_WARN },  { "info", LOG_LVL_INFO },   { "debug", LOG_LVL_DEBUG } };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		enum log_level l = LOG_LVL_INFO == good[i].level ? LOG_LVL_DEBUG : LOG_LVL_INFO;
		assert_int_equal(log_level_parse(good[i].name, &l), 0);
		assert_int_equal(l, good[i].level);
	}
	static const char *const bad[] = { "", "ERR", "Warning", "notice", "crit", "info ", "debu", "3" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum log_level l = LOG_LVL_WARN;
		assert_int_equal(log_level_parse(bad[i], &l), -EINVAL);
		assert_int_equal(l, LOG_LVL_WARN);
	}
}

/* A temporary file, open, and its "<dev>:<ino>" as systemd writes it. */
struct tfile {
	char path[64];
	int fd;
	char id[64];
};

static void tfile_make(struct tfile *t)
{
	snprintf(t->path, sizeof(t->path), "/tmp/attachd-log.XXXXXX");
	t->fd = mkstemp(t->path);
	assert_true(t->fd >= 0);
	struct stat st;
	assert_int_equal(fstat(t->fd, &st), 0);
	snprintf(t->id, sizeof(t->id), "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
}

static void tfile_drop(struct tfile *t)
{
	close(t->fd);
	unlink(t->path);
}

static void test_journal_stream(void **state)
{
	(void)state;
	struct tfile a, b;
	tfile_make(&a);
	tfile_make(&b);
	unsetenv("JOURNAL_STREAM");
	assert_false(log_fd_is_journal(a.fd));
	setenv("JOURNAL_STREAM", a.id, 1);
	assert_true(log_fd_is_journal(a.fd));
	assert_false(log_fd_is_journal(b.fd)); /* another file on the same device */
	assert_false(log_fd_is_journal(-1));
	/* errno is the caller's, whatever happened inside */
	errno = EDOM;
	assert_false(log_fd_is_journal(-1));
	assert_int_equal(errno, EDOM);
	/* anything but exactly "<decimal>:<decimal>" is not a match */
	char bad[8][80];
	snprintf(bad[0], sizeof(bad[0]), " %s", a.id);
	snprintf(bad[1], sizeof(bad[1]), "%s ", a.id);
	snprintf(bad[2], sizeof(bad[2]), "%sx", a.id);
	snprintf(bad[3], sizeof(bad[3]), "+%s", a.id);
	snprintf(bad[4], sizeof(bad[4]), "%.*s", (int)(strchr(a.id, ':') - a.id + 1), a.id); /* "dev:" */
	snprintf(bad[5], sizeof(bad[5]), "%s", strchr(a.id, ':'));                           /* ":ino" */
	snprintf(bad[6], sizeof(bad[6]), "%s:1", a.id);
	snprintf(bad[7], sizeof(bad[7]), "0x%s", a.id);
	for (int i = 0; i < 8; i++) {
		setenv("JOURNAL_STREAM", bad[i], 1);
		assert_false(log_fd_is_journal(a.fd));
	}
	setenv("JOURNAL_STREAM", "", 1);
	assert_false(log_fd_is_journal(a.fd));
	unsetenv("JOURNAL_STREAM");
	tfile_drop(&a);
	tfile_drop(&b);
}

/* What the log writes on stderr for one message of each level, with stderr sent to a file. */
static void log_capture(char *out, size_t size)
{
	struct tfile t;
	tfile_make(&t);
	fflush(stderr);
	int saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(t.fd, 2), 2);
	log_error("one %d", 1);
	log_warn("two");
	log_info("three");
	log_debug("four");
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	ssize_t n = pread(t.fd, out, size - 1, 0);
	assert_true(n >= 0);
	out[n] = '\0';
	tfile_drop(&t);
}

static void test_journal_format(void **state)
{
	(void)state;
	char out[1024];
	log_set_level(LOG_LVL_DEBUG);
	log_use_journal(true);
	log_capture(out, sizeof(out));
	assert_string_equal(out, "<3>one 1\n<4>two\n<6>three\n<7>four\n");
	log_set_level(LOG_LVL_INFO);
	log_capture(out, sizeof(out));
	assert_string_equal(out, "<3>one 1\n<4>two\n<6>three\n");
	/* and back: plain lines, with the time and the level's name */
	log_use_journal(false);
	log_capture(out, sizeof(out));
	regex_t re;
	assert_int_equal(regcomp(&re,
				 "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z attachd error: one 1\n"
				 "[^<]{24} attachd warn: two\n"
				 "[^<]{24} attachd info: three\n$",
				 REG_EXTENDED),
			 0);
	assert_int_equal(regexec(&re, out, 0, NULL, 0), 0);
	regfree(&re);
}

UNIT_MAIN("log", cmocka_unit_test(test_level_names), cmocka_unit_test(test_journal_stream),
	  cmocka_unit_test(test_journal_format))
