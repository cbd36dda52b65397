/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h: the agent's logging. Levels: error (a call or the agent failed), warn (something is off but
 * served), info (one line per state change: calls that changed something, start, stop), debug (every
 * request and kernel step). Messages name objects (volume id, initiator IQN) and never a secret.
 * Output goes to stderr (foreground) or syslog, or to a callback set by tests. Logging preserves errno.
 * On stderr a line is "<time> attachd <level>: <message>", or, when stderr is systemd's journal,
 * "<N><message>" with syslog's priority N (sd-daemon(3)), which the journal stamps and ranks itself.
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERROR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

typedef void (*log_fn)(enum log_level level, const char *msg, void *data);

void log_set_level(enum log_level level);
/* "error", "warn", "info", "debug", or syslog's names "err", "warning": 0 or -EINVAL. */
int log_level_parse(const char *name, enum log_level *out);
/* Is @fd the journal's stream: does $JOURNAL_STREAM ("<st_dev>:<st_ino>", decimal, set by systemd for
 * the stream it connects) name the file @fd is open on? Any other value, or none, is a no. */
bool log_fd_is_journal(int fd);
/* stderr lines with the journal's priority prefixes instead of a time and a level name. */
void log_use_journal(bool on);
/* Send messages to syslog (daemon facility) instead of stderr. */
void log_use_syslog(const char *ident);
/* Send messages to @fn instead (NULL restores stderr). */
void log_set_callback(log_fn fn, void *data);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Messages a caller can cause at will (refused requests, failed calls, refused connections) go through
 * a limit: a burst of LOG_LIMIT_BURST, then one every LOG_LIMIT_MS; what is dropped is counted and the
 * next message that passes says how many went unlogged.
 */
#define LOG_LIMIT_BURST 20
#define LOG_LIMIT_MS 1000
void log_limited(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
