/* SPDX-License-Identifier: Apache-2.0 */
/* log.c: levels, stderr/syslog/callback sinks (see log.h). */
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

static enum log_level log_threshold = LOG_LVL_INFO;
static int log_syslog;
static bool log_journal;
static log_fn log_cb;
static void *log_cb_data;

/* what a line calls its level; the names --log-level takes are these and syslog's (log_level_parse) */
static const char *const log_names[] = { "error", "warn", "info", "debug" };
/* the journal's and syslog's priorities (sd-daemon(3)'s <N> prefixes): err, warning, info, debug */
static const int log_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

int log_level_parse(const char *name, enum log_level *out)
{
	static const char *const syslog_names[] = { "err", "warning", "info", "debug" };
	for (int i = 0; i <= LOG_LVL_DEBUG; i++) {
		if (!strcmp(name, log_names[i]) || !strcmp(name, syslog_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* "<decimal>:<decimal>" and nothing else; 0 or -EINVAL. */
static int log_parse_dev_ino(const char *s, uintmax_t *dev, uintmax_t *ino)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*dev = strtoumax(s, &end, 10);
	if (errno || *end != ':' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	*ino = strtoumax(end + 1, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

bool log_fd_is_journal(int fd)
{
	const char *js = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	struct stat st;
	int saved = errno;
	bool yes = js && !log_parse_dev_ino(js, &dev, &ino) && fstat(fd, &st) == 0 && (uintmax_t)st.st_dev == dev &&
		   (uintmax_t)st.st_ino == ino;
	errno = saved;
	return yes;
}

void log_use_journal(bool on)
{
	log_journal = on;
}

void log_use_syslog(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_syslog = 1;
}

void log_set_callback(log_fn fn, void *data)
{
	log_cb = fn;
	log_cb_data = data;
}

static void log_out(enum log_level level, const char *buf);

void log_msg(enum log_level level, const char *fmt, ...)
{
	if (level > log_threshold)
		return;
	int saved = errno;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_out(level, buf);
	errno = saved;
}

void log_limited(enum log_level level, const char *fmt, ...)
{
	static double tokens = LOG_LIMIT_BURST;
	static uint64_t last_ms;
	static unsigned long dropped;
	if (level > log_threshold)
		return;
	int saved = errno;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	tokens += (double)(now - last_ms) / LOG_LIMIT_MS;
	if (tokens > LOG_LIMIT_BURST)
		tokens = LOG_LIMIT_BURST;
	last_ms = now;
	if (tokens < 1) {
		dropped++;
		errno = saved;
		return;
	}
	tokens -= 1;
	char buf[1024];
	size_t n = 0;
	if (dropped)
		n = (size_t)snprintf(buf, sizeof(buf), "(%lu similar message(s) not logged) ", dropped);
	dropped = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	log_out(level, buf);
	errno = saved;
}

static void log_out(enum log_level level, const char *buf)
{
	if (log_cb) {
		log_cb(level, buf, log_cb_data);
	} else if (log_syslog) {
		syslog(log_prio[level], "%s", buf);
	} else if (log_journal) {
		/* the journal stamps, names and ranks the line itself: only the priority prefix */
		fprintf(stderr, "<%d>%s\n", log_prio[level], buf);
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ attachd %s: %s\n", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
			log_names[level], buf);
	}
}
