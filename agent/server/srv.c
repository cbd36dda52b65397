/* SPDX-License-Identifier: Apache-2.0 */
/* srv.c: control socket, connections and the epoll loop (see srv.h). */
#include "srv.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dispatch.h"
#include "flight.h"
#include "log.h"
#include "store.h"

#define SRV_IN_MAX (ATTACH_REQUEST_MAX + NLMSG_HDRLEN)

struct srv_conn {
	int fd;
	struct ucred peer;
	struct dispatch_conn dc;
	unsigned char *in;
	size_t in_len, in_cap;
	unsigned char *out;
	size_t out_len, out_off;
	bool close_after_flush;
	uint64_t deadline_ms; /* 0: no partial request pending */
	uint64_t since_ms;    /* accepted, or last served: the idle clock */
	uint64_t accepted_ms; /* the hello clock */
	struct dispatch_job *job; /* its call is in the kernel (flight.h): the fd is out of epoll meanwhile */
	bool waiting;             /* its next request waits for calls in flight to end */
	struct srv_conn *prev, *next;
};

struct srv {
	struct agent *a;
	int lfd, epfd, sigfd;
	struct srv_conn *conns;
	unsigned n_conns;
	bool socket_made;
	bool stopping;        /* a signal came: no new call starts; the loop ends when none is in flight */
	bool retry;           /* requests that waited may go now: a call in flight ended, or a barrier went */
	bool served;          /* a call was answered since the records' pages were last let go */
	struct flight flight; /* calls in the kernel beside the loop */
};

static uint64_t srv_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A stale socket file from a dead agent is replaced; a live agent's is not. */
static int srv_check_path(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_error("%s exists and is not a socket; not touching it", path);
		return -EEXIST;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, path);
	int live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	if (live) {
		log_error("another agent is serving %s", path);
		return -EADDRINUSE;
	}
	return unlink(path) < 0 ? -errno : 0;
}

/* The socket's directory: nobody but root may write it (a name swapped there between bind and rename
 * could lead the agent's chown anywhere, and others could take the socket's place). */
static int srv_check_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path) + 2];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	struct stat st;
	if (stat(dir, &st) < 0) {
		int err = errno;
		log_error("socket directory %s: %s", dir, strerror(err));
		return -err;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		log_error("socket directory %s belongs to uid %u: it must be root's", dir, (unsigned)st.st_uid);
		return -EPERM;
	}
	if ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != 0)) {
		log_error("socket directory %s can be written by others (mode %04o): give a directory only root "
			  "writes, such as /run", dir, st.st_mode & 07777);
		return -EPERM;
	}
	return 0;
}

static int srv_listen(struct srv *s)
{
	const struct agent_config *cfg = &s->a->cfg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* bound under a temporary name, then renamed: the socket appears only once it accepts */
	char tmp[sizeof(sa.sun_path)];
	int n = snprintf(tmp, sizeof(tmp), "%s.%d", cfg->socket_path, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		log_error("socket path %s is too long: with \".<pid>\" it must fit in %zu bytes", cfg->socket_path,
			  sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, tmp);
	int rc = srv_check_dir(cfg->socket_path);
	if (!rc)
		rc = srv_check_path(cfg->socket_path);
	if (!rc)
		rc = srv_check_path(tmp); /* a leftover of an earlier agent with our pid: a socket, or refuse */
	if (rc)
		return rc;
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -errno;
	/* the socket file is never open to others, not even for an instant: bind makes it 0660 */
	mode_t old = umask(0117);
	rc = bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa));
	int err = errno;
	umask(old);
	if (rc < 0) {
		log_error("bind %s: %s", tmp, strerror(err));
		return -err;
	}
	gid_t group = cfg->n_allow_gid ? cfg->allow_gid[0] : 0;
	/* by name, but never through a link: what is at that name now is ours or nothing of consequence */
	if ((fchownat(AT_FDCWD, tmp, 0, group, AT_SYMLINK_NOFOLLOW) < 0 && geteuid() == 0) || listen(s->lfd, 64) < 0 ||
	    rename(tmp, cfg->socket_path) < 0) {
		err = errno;
		unlink(tmp);
		log_error("socket %s: %s", cfg->socket_path, strerror(err));
		return -err;
	}
	s->socket_made = true;
	return 0;
}

static int srv_signals(struct srv *s)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return s->sigfd < 0 ? -errno : 0;
}

static int srv_watch(struct srv *s, int op, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };
	return epoll_ctl(s->epfd, op, fd, &ev) < 0 ? -errno : 0;
}

int srv_open(struct srv **out, struct agent *a, int lfd)
{
	struct srv *s = calloc(1, sizeof(*s));
	if (!s) {
		if (lfd >= 0)
			close(lfd);
		return -ENOMEM;
	}
	s->a = a;
	s->lfd = lfd;
	s->epfd = s->sigfd = s->flight.efd = -1;
	int rc = lfd >= 0 ? 0 : srv_listen(s);
	if (!rc)
		rc = flight_open(&s->flight);
	if (!rc)
		rc = srv_signals(s);
	if (!rc) {
		s->epfd = epoll_create1(EPOLL_CLOEXEC);
		rc = s->epfd < 0 ? -errno : 0;
	}
	if (!rc)
		rc = srv_watch(s, EPOLL_CTL_ADD, s->lfd, EPOLLIN, &s->lfd);
	if (!rc)
		rc = srv_watch(s, EPOLL_CTL_ADD, s->sigfd, EPOLLIN, &s->sigfd);
	if (!rc)
		rc = srv_watch(s, EPOLL_CTL_ADD, s->flight.efd, EPOLLIN, &s->flight);
	if (rc) {
		srv_close(s);
		return rc;
	}
	a->flight = &s->flight;
	*out = s;
	return 0;
}

static void srv_conn_free(struct srv *s, struct srv_conn *c)
{
	if (s->flight.barrier == &c->dc) {
		s->flight.barrier = NULL; /* it will not run now: the others may go */
		s->retry = true;
	}
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->n_conns--;
	free(c->in);
	free(c->out);
	free(c);
}

static void srv_jobs_end(struct srv *s);

void srv_close(struct srv *s)
{
	if (!s)
		return;
	/* calls in the kernel finish and settle first: their threads use the agent */
	s->stopping = true;
	while (s->flight.n) {
		struct pollfd p = { .fd = s->flight.efd, .events = POLLIN };
		poll(&p, 1, -1);
		srv_jobs_end(s);
	}
	if (s->a->flight == &s->flight)
		s->a->flight = NULL;
	flight_close(&s->flight);
	while (s->conns)
		srv_conn_free(s, s->conns);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->socket_made)
		unlink(s->a->cfg.socket_path);
	free(s);
}

/* Queue @m (consumed) for sending. */
static int srv_queue(struct srv_conn *c, struct nl_msg *m)
{
	if (!m)
		return -ENOMEM;
	struct nlmsghdr *h = nlmsg_hdr(m);
	size_t need = c->out_len + h->nlmsg_len;
	unsigned char *nb = realloc(c->out, need);
	if (!nb) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	memcpy(nb + c->out_len, h, h->nlmsg_len);
	c->out = nb;
	c->out_len = need;
	nlmsg_free(m);
	return 0;
}

/* Tell the peer why we close; best effort, the socket buffer of a fresh connection has room. */
static void srv_refuse(int fd, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void srv_refuse(int fd, int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct nl_msg *m = dispatch_reply(ATTACH_MSG_REFUSED, 0, err, msg, NULL);
	if (m) {
		struct nlmsghdr *h = nlmsg_hdr(m);
		if (send(fd, h, h->nlmsg_len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("refusal not delivered: %s", strerror(errno));
		nlmsg_free(m);
	}
}

/* Is the peer served: all calls (root, --allow-uid, --allow-gid: true), read-only calls (--read-uid: true
 * with *@read_only), or not at all (false)? */
static bool srv_peer_allowed(const struct agent_config *cfg, int fd, const struct ucred *peer, bool *read_only)
{
	*read_only = false;
	if (peer->uid == 0)
		return true;
	for (size_t i = 0; i < cfg->n_allow_uid; i++)
		if (cfg->allow_uid[i] == peer->uid)
			return true;
	for (size_t i = 0; i < cfg->n_read_uid; i++)
		if (cfg->read_uid[i] == peer->uid)
			*read_only = true;
	if (!cfg->n_allow_gid)
		return *read_only;
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	size_t n = 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
		if (errno == ERANGE && (groups = malloc(len))) { /* the kernel said how much it needs */
			if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
				len = 0;
		} else {
			len = 0;
		}
	}
	if (groups)
		n = len / sizeof(gid_t);
	bool ok = false;
	for (size_t i = 0; !ok && i < cfg->n_allow_gid; i++) {
		ok = cfg->allow_gid[i] == peer->gid;
		for (size_t j = 0; !ok && j < n; j++)
			ok = groups[j] == cfg->allow_gid[i];
	}
	if (groups != small)
		free(groups);
	if (ok)
		*read_only = false;
	return ok || *read_only;
}

/* Is there room for one more connection of @peer? Root may use every slot; others leave the last
 * AGENT_ROOT_SLOTS to root and hold at most --max-clients-per-uid each, so no caller can lock root out. */
static bool srv_room(const struct srv *s, const struct ucred *peer, char *why, size_t whylen)
{
	const struct agent_config *cfg = &s->a->cfg;
	if (s->n_conns >= cfg->max_clients) {
		snprintf(why, whylen, "too many clients (limit %u)", cfg->max_clients);
		return false;
	}
	if (peer->uid == 0)
		return true;
	unsigned reserved = cfg->max_clients / 2 < AGENT_ROOT_SLOTS ? cfg->max_clients / 2 : AGENT_ROOT_SLOTS;
	if (s->n_conns >= cfg->max_clients - reserved) {
		snprintf(why, whylen, "too many clients (limit %u, of which %u are kept for root)", cfg->max_clients,
			 reserved);
		return false;
	}
	unsigned mine = 0;
	for (const struct srv_conn *c = s->conns; c; c = c->next)
		mine += c->peer.uid == peer->uid;
	if (mine >= cfg->max_clients_per_uid) {
		snprintf(why, whylen, "uid %u has %u connections open (limit per uid %u)", peer->uid, mine,
			 cfg->max_clients_per_uid);
		return false;
	}
	return true;
}

static void srv_accept(struct srv *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("accept: %s", strerror(errno));
			return;
		}
		struct ucred peer;
		socklen_t len = sizeof(peer);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0) {
			log_warn("SO_PEERCRED: %s; connection closed", strerror(errno));
			close(fd);
			continue;
		}
		bool read_only;
		if (!srv_peer_allowed(&s->a->cfg, fd, &peer, &read_only)) {
			log_limited(LOG_LVL_WARN, "refused pid %d uid %u gid %u: not root and not allowed", peer.pid,
				    peer.uid, peer.gid);
			srv_refuse(fd, -EPERM, "uid %u is not allowed to use attachd (root, --allow-uid, --allow-gid)",
				   peer.uid);
			close(fd);
			continue;
		}
		char why[160];
		if (!srv_room(s, &peer, why, sizeof(why))) {
			log_limited(LOG_LVL_WARN, "refused pid %d uid %u: %s", peer.pid, peer.uid, why);
			srv_refuse(fd, -EUSERS, "%s; try again later", why);
			close(fd);
			continue;
		}
		struct srv_conn *c = calloc(1, sizeof(*c));
		if (!c || srv_watch(s, EPOLL_CTL_ADD, fd, EPOLLIN, c)) {
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->peer = peer;
		c->dc.uid = peer.uid;
		c->dc.read_only = read_only;
		c->since_ms = c->accepted_ms = srv_now_ms();
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->n_conns++;
		log_debug("client pid %d uid %u connected", peer.pid, peer.uid);
	}
}

/* Serve complete requests in the input buffer, one at a time, while nothing waits to be sent. */
static void srv_serve(struct srv *s, struct srv_conn *c)
{
	bool served = false;
	while (!c->out_len && !c->job && !c->close_after_flush && c->in_len >= NLMSG_HDRLEN) {
		struct nlmsghdr *h = (struct nlmsghdr *)c->in;
		int rc = proto_frame_check(h, ATTACH_REQUEST_MAX);
		if (rc) {
			/* the framing is lost: answer and close */
			char msg[128];
			if (rc == -EBADMSG)
				snprintf(msg, sizeof(msg), "nlmsg_len %u is below the %d-byte header", h->nlmsg_len,
					 NLMSG_HDRLEN);
			else
				snprintf(msg, sizeof(msg), "message of %u bytes exceeds the maximum of %u", h->nlmsg_len,
					 ATTACH_REQUEST_MAX);
			log_warn("client pid %d: %s; closing", c->peer.pid, msg);
			srv_queue(c, dispatch_reply(h->nlmsg_type, h->nlmsg_seq, rc, msg, NULL));
			c->close_after_flush = true;
			return;
		}
		size_t len = h->nlmsg_len;
		if (c->in_len < len)
			break;
		struct nl_msg *reply = NULL;
		const void *barrier = s->flight.barrier;
		enum dispatch_status st = s->stopping ? DISPATCH_WAIT :
				dispatch_begin(s->a, &c->dc, h, len, c, &reply, &c->job);
		if (barrier && !s->flight.barrier)
			s->retry = true; /* the call that had to run alone ran: the others may go */
		if (st == DISPATCH_WAIT && !c->waiting && !s->stopping)
			log_debug("client pid %d: its request waits for the calls in flight", c->peer.pid);
		c->waiting = st == DISPATCH_WAIT;
		if (c->waiting)
			break; /* offered again when a call in flight ends (srv_retry) */
		memmove(c->in, c->in + len, c->in_len - len);
		c->in_len -= len;
		served = true;
		s->served = true;
		c->since_ms = srv_now_ms();
		if (st == DISPATCH_PENDING) {
			/* out of epoll until its reply is queued: a hang-up now is seen when it is sent */
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
			break;
		}
		if (srv_queue(c, reply) < 0) {
			c->close_after_flush = true;
			return;
		}
	}
	/* the clock starts with a request's first byte; more bytes of the same request do not restart it */
	if (!c->in_len)
		c->deadline_ms = 0;
	else if (served || !c->deadline_ms)
		c->deadline_ms = srv_now_ms() + s->a->cfg.request_timeout_ms;
}

/* 0: keep the connection; <0: drop it. */
static int srv_flush(struct srv_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN)
				return 0;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c->out_off += (size_t)n;
		c->since_ms = srv_now_ms(); /* the client reads: not idle */
	}
	c->out_len = c->out_off = 0;
	return c->close_after_flush ? -ECONNRESET : 0;
}

static int srv_read(struct srv_conn *c)
{
	for (;;) {
		if (c->in_cap - c->in_len == 0) {
			if (c->in_cap >= SRV_IN_MAX)
				return 0; /* full: serve before reading more */
			size_t cap = c->in_cap ? c->in_cap * 2 : 4096;
			if (cap > SRV_IN_MAX)
				cap = SRV_IN_MAX;
			unsigned char *nb = realloc(c->in, cap);
			if (!nb)
				return -ENOMEM;
			c->in = nb;
			c->in_cap = cap;
		}
		ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0)
			return errno == EAGAIN ? 0 : (errno == EINTR ? 0 : -errno);
		c->in_len += (size_t)n;
		if (c->in_len >= NLMSG_HDRLEN)
			return 0; /* serve what we have; level-triggered epoll brings us back */
	}
}

static void srv_conn_event(struct srv *s, struct srv_conn *c, uint32_t events)
{
	int rc = 0;
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN))
		rc = -ECONNRESET;
	if (!rc && (events & EPOLLIN) && !c->out_len)
		rc = srv_read(c);
	if (!rc) {
		srv_serve(s, c);
		rc = srv_flush(c);
	}
	/* after a flush, requests may already be waiting in the buffer */
	while (!rc && !c->out_len && c->in_len >= NLMSG_HDRLEN && !c->close_after_flush) {
		size_t before = c->in_len;
		srv_serve(s, c);
		rc = srv_flush(c);
		if (c->in_len == before)
			break;
	}
	if (rc && c->job)
		return; /* its call ends first (srv_jobs_end) */
	if (rc) {
		if (rc != -ECONNRESET)
			log_debug("client pid %d: %s", c->peer.pid, strerror(-rc));
		srv_conn_free(s, c);
		return;
	}
	if (!c->job)
		srv_watch(s, EPOLL_CTL_MOD, c->fd, c->out_len ? EPOLLOUT : EPOLLIN, c);
}

/* The calls whose kernel work ended: settled, answered, their connections back in epoll; the requests
 * that waited are offered again after (srv_retry). */
static void srv_jobs_end(struct srv *s)
{
	void *done[FLIGHT_MAX];
	unsigned n = flight_collect(&s->flight, done, FLIGHT_MAX);
	for (unsigned i = 0; i < n; i++) {
		struct srv_conn *c = dispatch_job_owner(done[i]);
		struct nl_msg *reply = dispatch_end(done[i]);
		c->job = NULL;
		if (srv_queue(c, reply) < 0)
			c->close_after_flush = true;
		if (srv_watch(s, EPOLL_CTL_ADD, c->fd, EPOLLOUT, c) < 0) {
			srv_conn_free(s, c);
			continue;
		}
		srv_conn_event(s, c, 0);
	}
	if (n)
		s->retry = true;
	/* a storm is over (calls were in flight side by side): the memory they held at once (jobs, plans,
	 * replies) goes back to the system, not kept in the heap's free lists; calls one at a time do not
	 * pay for this */
	if (n && !s->flight.n) {
		if (s->flight.peak > 1)
			malloc_trim(0);
		s->flight.peak = 0;
	}
}

/* When @c is due to be closed, and why: a half-sent request (from its first byte), no HELLO (from accept),
 * or idle (no request, or a reply it does not read, for --idle-timeout). */
enum srv_due { SRV_DUE_REQUEST, SRV_DUE_HELLO, SRV_DUE_IDLE };

static uint64_t srv_deadline(const struct srv *s, const struct srv_conn *c, enum srv_due *why)
{
	const struct agent_config *cfg = &s->a->cfg;
	if (c->job || c->waiting) {
		*why = SRV_DUE_IDLE; /* its call runs or waits for others: the clock starts again after */
		return UINT64_MAX;
	}
	if (c->in_len && c->deadline_ms && !c->out_len) {
		*why = SRV_DUE_REQUEST;
		return c->deadline_ms;
	}
	if (!c->dc.hello_done && !c->out_len) {
		*why = SRV_DUE_HELLO;
		return c->accepted_ms + cfg->request_timeout_ms;
	}
	*why = SRV_DUE_IDLE;
	return c->since_ms + cfg->idle_timeout_ms;
}

/* Close connections that are overdue. Returns the next deadline's wait in ms or -1.
 * (clang's analyzer reports a use after free here, assuming the head's prev may be set: srv_accept links
 * at the head, so the head's prev is NULL and srv_conn_free moves s->conns on: tests/quality.) */
static int srv_expire(struct srv *s)
{
	const struct agent_config *cfg = &s->a->cfg;
	uint64_t now = srv_now_ms(), next = 0;
	for (struct srv_conn *c = s->conns, *n; c; c = n) {
		n = c->next;
		enum srv_due why;
		uint64_t due = srv_deadline(s, c, &why);
		if (due == UINT64_MAX)
			continue;
		if (due <= now) {
			switch (why) {
			case SRV_DUE_REQUEST:
				log_limited(LOG_LVL_WARN, "client pid %d: request incomplete after %u ms; closing", c->peer.pid,
					    cfg->request_timeout_ms);
				srv_refuse(c->fd, -ETIMEDOUT, "request incomplete after %u ms", cfg->request_timeout_ms);
				break;
			case SRV_DUE_HELLO:
				log_limited(LOG_LVL_WARN, "client pid %d: no hello within %u ms of connecting; closing",
					    c->peer.pid, cfg->request_timeout_ms);
				srv_refuse(c->fd, -ETIMEDOUT, "no hello within %u ms of connecting", cfg->request_timeout_ms);
				break;
			case SRV_DUE_IDLE:
				log_debug("client pid %d: idle for %u ms; closing", c->peer.pid, cfg->idle_timeout_ms);
				/* a reply it stopped reading is cut short: nothing more may follow it on the stream */
				if (!c->out_len)
					srv_refuse(c->fd, -ETIMEDOUT, "idle for %u ms: connection closed (connect again)",
						   cfg->idle_timeout_ms);
				break;
			}
			srv_conn_free(s, c);
			continue;
		}
		if (!next || due < next)
			next = due;
	}
	return next ? (int)(next - now) : -1;
}

/* Offer the requests that waited again, as long as one pass lets another go (a barrier that ran). */
static void srv_retry(struct srv *s)
{
	while (s->retry && !s->stopping) {
		s->retry = false;
		for (struct srv_conn *c = s->conns, *next; c; c = next) {
			next = c->next;
			if (c->waiting)
				srv_conn_event(s, c, 0);
		}
	}
}

int srv_run(struct srv *s)
{
	log_info("serving %s%s", s->a->cfg.socket_path, s->socket_made ? "" : " (socket from systemd)");
	while (!s->stopping || s->flight.n) {
		struct epoll_event ev[32];
		int wait = srv_expire(s);
		int n = epoll_wait(s->epfd, ev, 32, wait);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		bool jobs = false;
		for (int i = 0; i < n; i++) {
			if (ev[i].data.ptr == &s->sigfd) {
				struct signalfd_siginfo si;
				if (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
					log_info("signal %u: stopping%s", si.ssi_signo,
						 s->flight.n ? " once the calls in the kernel have ended" : "");
					s->stopping = true;
					epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->lfd, NULL); /* no new connection */
				}
			} else if (ev[i].data.ptr == &s->flight) {
				jobs = true; /* after this batch: ending them may free connections it names */
			} else if (ev[i].data.ptr == &s->lfd) {
				if (!s->stopping)
					srv_accept(s);
			} else {
				srv_conn_event(s, ev[i].data.ptr, ev[i].events);
			}
		}
		if (jobs)
			srv_jobs_end(s);
		srv_retry(s);
		/* between calls the agent keeps no record's page mapped (store_map.c): it holds what it
		 * allocated, not a copy of the page cache as large as the database */
		if (s->served && !s->flight.n) {
			store_release_pages(s->a->store);
			s->served = false;
		}
	}
	return 0;
}
