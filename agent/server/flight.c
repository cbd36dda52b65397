/* SPDX-License-Identifier: Apache-2.0 */
/* flight.c: the calls in the kernel beside the event loop (see flight.h). */
#include "flight.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

int flight_open(struct flight *f)
{
	memset(f, 0, sizeof(*f));
	f->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (f->efd < 0)
		return -errno;
	int rc = pthread_mutex_init(&f->lock, NULL);
	if (rc) {
		close(f->efd);
		f->efd = -1;
		return -rc;
	}
	return 0;
}

void flight_close(struct flight *f)
{
	if (f->efd < 0)
		return;
	close(f->efd);
	f->efd = -1;
	pthread_mutex_destroy(&f->lock);
}

bool flight_busy(const struct flight *f, const char *volume)
{
	for (unsigned i = 0; i < f->n; i++)
		if (!strcmp(f->vols[i], volume))
			return true;
	return false;
}

int flight_add(struct flight *f, const char *volume)
{
	if (f->n == FLIGHT_MAX)
		return -EBUSY;
	snprintf(f->vols[f->n++], sizeof(f->vols[0]), "%s", volume);
	if (f->n > f->peak)
		f->peak = f->n;
	return 0;
}

void flight_remove(struct flight *f, const char *volume)
{
	for (unsigned i = 0; i < f->n; i++)
		if (!strcmp(f->vols[i], volume)) {
			memmove(f->vols[i], f->vols[f->n - 1], sizeof(f->vols[0]));
			f->n--;
			return;
		}
}

void flight_done(struct flight *f, void *job)
{
	pthread_mutex_lock(&f->lock);
	f->done[f->n_done++] = job; /* never more than in flight */
	pthread_mutex_unlock(&f->lock);
	uint64_t one = 1;
	/* the counter cannot overflow (at most FLIGHT_MAX are added before the loop reads it) */
	while (write(f->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

unsigned flight_collect(struct flight *f, void **out, unsigned max)
{
	uint64_t count;
	while (read(f->efd, &count, sizeof(count)) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&f->lock);
	unsigned n = f->n_done < max ? f->n_done : max;
	memcpy(out, f->done, n * sizeof(*out));
	memmove(f->done, f->done + n, (f->n_done - n) * sizeof(*out));
	f->n_done -= n;
	pthread_mutex_unlock(&f->lock);
	return n;
}

#define FLIGHT_STACK (256 * 1024)

int flight_thread_start(struct flight_thread *th, void *(*fn)(void *), void *arg)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	th->len = FLIGHT_STACK + page;
	th->map = mmap(NULL, th->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (th->map == MAP_FAILED) {
		th->map = NULL;
		return -errno;
	}
	pthread_attr_t at;
	int rc = mprotect(th->map, page, PROT_NONE) ? errno : pthread_attr_init(&at);
	if (!rc) {
		rc = pthread_attr_setstack(&at, (char *)th->map + page, FLIGHT_STACK);
		if (!rc)
			rc = pthread_create(&th->t, &at, fn, arg);
		pthread_attr_destroy(&at);
	}
	if (rc) {
		munmap(th->map, th->len);
		th->map = NULL;
	}
	return -rc;
}

void flight_thread_join(struct flight_thread *th)
{
	pthread_join(th->t, NULL);
	munmap(th->map, th->len);
	th->map = NULL;
}
