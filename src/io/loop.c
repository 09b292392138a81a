/*
 * loop.c — the poll(2) event loop (see loop.h).
 *
 * Handles live in two small arrays scanned linearly: a proxy watches a
 * handful of fds and timers, so a heap or an rbtree would buy nothing.
 * Removal during dispatch only marks a handle dead; dead handles are
 * reaped after the dispatch pass, so callbacks may delete anything.
 * Signals go through a self-pipe whose read end the loop watches.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "util.h"

struct loop_fd {
	struct loop	*loop;
	int		 fd;
	short		 events;
	int		 dead;
	loop_fd_cb	 cb;
	void		*arg;
};

struct loop_timer {
	struct loop	*loop;
	uint64_t	 when;
	int		 dead;
	loop_timer_cb	 cb;
	void		*arg;
};

struct loop_sig {
	int		 signo;
	loop_signal_cb	 cb;
	void		*arg;
	struct sigaction old;
};

struct loop {
	struct loop_fd	**fds;
	size_t		 nfds, fds_cap;
	struct loop_timer **timers;
	size_t		 ntimers, timers_cap;
	int		 dispatching;
	int		 reap;
	int		 stop;

	struct pollfd	*pfd;
	size_t		 pfd_cap;

	loop_idle_cb	 idle_cb;
	void		*idle_arg;

	int		 sigpipe[2];
	struct loop_fd	*sigfd;
	struct loop_sig	 sigs[8];
	size_t		 nsigs;
};

/* The self-pipe's write end, for the async-signal-safe handler. */
static volatile sig_atomic_t loop_sig_wfd = -1;

uint64_t
loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t
loop_wallclock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

struct loop *
loop_new(void)
{
	struct loop *l;

	l = xcalloc(1, sizeof(*l));
	l->sigpipe[0] = l->sigpipe[1] = -1;
	return l;
}

static void
loop_reap(struct loop *l)
{
	size_t i, j;

	if (!l->reap)
		return;
	for (i = j = 0; i < l->nfds; i++) {
		if (l->fds[i]->dead)
			free(l->fds[i]);
		else
			l->fds[j++] = l->fds[i];
	}
	l->nfds = j;
	for (i = j = 0; i < l->ntimers; i++) {
		if (l->timers[i]->dead)
			free(l->timers[i]);
		else
			l->timers[j++] = l->timers[i];
	}
	l->ntimers = j;
	l->reap = 0;
}

void
loop_free(struct loop *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nsigs; i++)
		sigaction(l->sigs[i].signo, &l->sigs[i].old, NULL);
	if (l->sigpipe[0] != -1) {
		loop_sig_wfd = -1;
		close(l->sigpipe[0]);
		close(l->sigpipe[1]);
	}
	for (i = 0; i < l->nfds; i++)
		free(l->fds[i]);
	for (i = 0; i < l->ntimers; i++)
		free(l->timers[i]);
	free(l->fds);
	free(l->timers);
	free(l->pfd);
	free(l);
}

struct loop_fd *
loop_fd_add(struct loop *l, int fd, short events, loop_fd_cb cb, void *arg)
{
	struct loop_fd *lf;

	if (l->nfds == l->fds_cap) {
		l->fds_cap = l->fds_cap ? l->fds_cap * 2 : 8;
		l->fds = xrealloc(l->fds, l->fds_cap * sizeof(*l->fds));
	}
	lf = xcalloc(1, sizeof(*lf));
	lf->loop = l;
	lf->fd = fd;
	lf->events = events;
	lf->cb = cb;
	lf->arg = arg;
	l->fds[l->nfds++] = lf;
	return lf;
}

void
loop_fd_set(struct loop_fd *lf, short events)
{
	lf->events = events;
}

short
loop_fd_events(const struct loop_fd *lf)
{
	return lf->events;
}

void
loop_fd_del(struct loop_fd *lf)
{
	if (lf == NULL)
		return;
	lf->dead = 1;
	lf->events = 0;
	lf->loop->reap = 1;
	if (!lf->loop->dispatching)
		loop_reap(lf->loop);
}

struct loop_timer *
loop_timer_new(struct loop *l, loop_timer_cb cb, void *arg)
{
	struct loop_timer *t;

	if (l->ntimers == l->timers_cap) {
		l->timers_cap = l->timers_cap ? l->timers_cap * 2 : 8;
		l->timers = xrealloc(l->timers, l->timers_cap * sizeof(*l->timers));
	}
	t = xcalloc(1, sizeof(*t));
	t->loop = l;
	t->when = LOOP_NEVER;
	t->cb = cb;
	t->arg = arg;
	l->timers[l->ntimers++] = t;
	return t;
}

void
loop_timer_at(struct loop_timer *t, uint64_t when)
{
	t->when = when;
}

void
loop_timer_after(struct loop_timer *t, uint64_t delay)
{
	uint64_t now = loop_now();

	t->when = delay >= LOOP_NEVER - now ? LOOP_NEVER : now + delay;
}

void
loop_timer_stop(struct loop_timer *t)
{
	t->when = LOOP_NEVER;
}

uint64_t
loop_timer_deadline(const struct loop_timer *t)
{
	return t->when;
}

void
loop_timer_free(struct loop_timer *t)
{
	if (t == NULL)
		return;
	t->dead = 1;
	t->when = LOOP_NEVER;
	t->loop->reap = 1;
	if (!t->loop->dispatching)
		loop_reap(t->loop);
}

static void
loop_sig_handler(int signo)
{
	int saved = errno;
	unsigned char c = (unsigned char)signo;

	if (loop_sig_wfd != -1)
		(void)write(loop_sig_wfd, &c, 1);
	errno = saved;
}

static void
loop_sig_read(int fd, short revents, void *arg)
{
	struct loop *l = arg;
	unsigned char buf[64];
	ssize_t n, i;
	size_t j;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			for (j = 0; j < l->nsigs; j++) {
				if (l->sigs[j].signo == buf[i])
					l->sigs[j].cb(buf[i], l->sigs[j].arg);
			}
		}
	}
}

int
loop_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg)
{
	struct sigaction sa;
	size_t i;

	if (l->sigpipe[0] == -1) {
		if (pipe2(l->sigpipe, O_CLOEXEC | O_NONBLOCK) == -1)
			return -1;
		loop_sig_wfd = l->sigpipe[1];
		l->sigfd = loop_fd_add(l, l->sigpipe[0], POLLIN, loop_sig_read, l);
	}
	for (i = 0; i < l->nsigs; i++) {
		if (l->sigs[i].signo == signo) {
			l->sigs[i].cb = cb;
			l->sigs[i].arg = arg;
			return 0;
		}
	}
	if (l->nsigs == nitems(l->sigs)) {
		errno = ENOSPC;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = loop_sig_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(signo, &sa, &l->sigs[l->nsigs].old) == -1)
		return -1;
	l->sigs[l->nsigs].signo = signo;
	l->sigs[l->nsigs].cb = cb;
	l->sigs[l->nsigs].arg = arg;
	l->nsigs++;
	return 0;
}

void
loop_set_idle(struct loop *l, loop_idle_cb cb, void *arg)
{
	l->idle_cb = cb;
	l->idle_arg = arg;
}

void
loop_break(struct loop *l)
{
	l->stop = 1;
}

int
loop_run_once(struct loop *l, uint64_t timeout_ns)
{
	struct timespec ts, *tsp;
	uint64_t now, next, wait;
	size_t i, n, nt;
	int rc, ran = 0;

	if (l->idle_cb != NULL)
		l->idle_cb(l->idle_arg);

	now = loop_now();
	next = timeout_ns == LOOP_NEVER ? LOOP_NEVER : now + timeout_ns;
	for (i = 0; i < l->ntimers; i++) {
		if (!l->timers[i]->dead && l->timers[i]->when < next)
			next = l->timers[i]->when;
	}
	if (l->pfd_cap < l->nfds) {
		l->pfd_cap = l->nfds;
		l->pfd = xrealloc(l->pfd, l->pfd_cap * sizeof(*l->pfd));
	}
	n = l->nfds;
	for (i = 0; i < n; i++) {
		/* A negative fd makes poll skip the entry: idle handles cost nothing. */
		l->pfd[i].fd = l->fds[i]->events ? l->fds[i]->fd : -1;
		l->pfd[i].events = l->fds[i]->events;
		l->pfd[i].revents = 0;
	}
	if (next == LOOP_NEVER)
		tsp = NULL;
	else {
		wait = next > now ? next - now : 0;
		ts.tv_sec = (time_t)(wait / NS_PER_SEC);
		ts.tv_nsec = (long)(wait % NS_PER_SEC);
		tsp = &ts;
	}
	rc = ppoll(l->pfd, (nfds_t)n, tsp, NULL);
	if (rc == -1 && errno != EINTR)
		return -1;

	l->dispatching = 1;
	if (rc > 0) {
		for (i = 0; i < n; i++) {
			struct loop_fd *lf = l->fds[i];

			/* Skip handles deleted or muted earlier in this pass. */
			if (l->pfd[i].revents == 0 || lf->dead || lf->events == 0)
				continue;
			lf->cb(lf->fd, l->pfd[i].revents, lf->arg);
			ran++;
		}
	}
	now = loop_now();
	nt = l->ntimers;
	for (i = 0; i < nt; i++) {
		struct loop_timer *t = l->timers[i];

		if (t->dead || t->when > now)
			continue;
		t->when = LOOP_NEVER;
		t->cb(t->arg);
		ran++;
	}
	l->dispatching = 0;
	loop_reap(l);
	return ran;
}

int
loop_run(struct loop *l)
{
	size_t i;
	int busy;

	l->stop = 0;
	while (!l->stop) {
		busy = 0;
		for (i = 0; i < l->nfds && !busy; i++)
			busy = l->fds[i]->events != 0 && l->fds[i] != l->sigfd;
		for (i = 0; i < l->ntimers && !busy; i++)
			busy = l->timers[i]->when != LOOP_NEVER;
		if (!busy) {
			errno = EDEADLK;
			return -1;
		}
		if (loop_run_once(l, LOOP_NEVER) == -1)
			return -1;
	}
	return 0;
}
