/*
 * loop.h — a small poll(2) event loop: file descriptors, one-shot timers,
 * signals (self-pipe) and a hook run before every wait. No threads, no busy
 * waiting: the loop sleeps in ppoll() until an fd is ready, the earliest
 * timer is due or a signal arrives.
 *
 * Times are CLOCK_MONOTONIC nanoseconds (loop_now); capture timestamps use
 * loop_wallclock(). Handles (struct loop_fd, struct loop_timer) may be
 * removed or freed from inside any callback, including their own.
 */
#ifndef SLIPTAP_LOOP_H
#define SLIPTAP_LOOP_H

#include <stdint.h>

#include "units.h"

#define LOOP_NEVER	UINT64_MAX	/* "no deadline" */

struct loop;
struct loop_fd;
struct loop_timer;

/* fd callback: revents is poll's (POLLIN, POLLOUT, POLLHUP, POLLERR, POLLNVAL). */
typedef void (*loop_fd_cb)(int fd, short revents, void *arg);
typedef void (*loop_timer_cb)(void *arg);
typedef void (*loop_signal_cb)(int signo, void *arg);
/* Run before every wait (flush buffered output, update a status line). */
typedef void (*loop_idle_cb)(void *arg);

/* A new, empty loop. Free with loop_free (which frees every handle still registered). */
struct loop *loop_new(void);
/* Restores signal dispositions set with loop_signal; NULL is a no-op. */
void loop_free(struct loop *l);

/* Monotonic time in ns. */
uint64_t loop_now(void);
/* Wall-clock time in ns since the Unix epoch (for capture timestamps). */
uint64_t loop_wallclock(void);

/*
 * Watch fd for `events` (POLLIN / POLLOUT; 0 = registered but idle). The
 * loop does not own the fd: close it yourself after loop_fd_del. Returns a
 * handle (never NULL).
 */
struct loop_fd *loop_fd_add(struct loop *l, int fd, short events, loop_fd_cb cb, void *arg);
/* Change the events watched. */
void loop_fd_set(struct loop_fd *lf, short events);
/* Events currently watched. */
short loop_fd_events(const struct loop_fd *lf);
/* Stop watching and free the handle; NULL is a no-op. */
void loop_fd_del(struct loop_fd *lf);

/* A stopped timer (never NULL). Free with loop_timer_free. */
struct loop_timer *loop_timer_new(struct loop *l, loop_timer_cb cb, void *arg);
/* Fire once at monotonic time `when` (LOOP_NEVER stops it); re-arming replaces the deadline. */
void loop_timer_at(struct loop_timer *t, uint64_t when);
/* Fire once after `delay` ns. */
void loop_timer_after(struct loop_timer *t, uint64_t delay);
void loop_timer_stop(struct loop_timer *t);
/* Deadline of an armed timer, or LOOP_NEVER. */
uint64_t loop_timer_deadline(const struct loop_timer *t);
/* NULL is a no-op. */
void loop_timer_free(struct loop_timer *t);

/*
 * Deliver `signo` (SIGINT, SIGTERM, SIGHUP, SIGCHLD, ...) as a callback from
 * the loop (self-pipe). One handler per signal. Returns 0, or -1 (errno).
 */
int loop_signal(struct loop *l, int signo, loop_signal_cb cb, void *arg);

/* Set the hook run before every wait (NULL clears it). */
void loop_set_idle(struct loop *l, loop_idle_cb cb, void *arg);

/*
 * Run until loop_break. Returns 0, or -1 when ppoll fails (errno), or when
 * nothing is left to wait for (no fd watched, no timer armed).
 */
int loop_run(struct loop *l);
/*
 * One iteration: wait at most timeout_ns (LOOP_NEVER = until something
 * happens) and dispatch. Returns the number of callbacks run, or -1.
 */
int loop_run_once(struct loop *l, uint64_t timeout_ns);
/* Make loop_run return after the current iteration. */
void loop_break(struct loop *l);

#endif
