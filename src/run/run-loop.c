/*
 * run-loop.c — the runner's waits on the one event loop (io/loop.c):
 * SIGCHLD, SIGINT, SIGTERM and SIGHUP arrive through loop_signal, deadlines
 * are loop timers, a child's ready line is noticed through inotify. No
 * sleeps, no fixed-interval polling.
 *
 * loop.c's self-pipe is one per process, so one loop with signals runs at a
 * time: these helpers are called outside any other loop's callbacks.
 */
#include <sys/inotify.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "run.h"
#include "util.h"
#include "run-int.h"

/* One loop with signals at a time (loop.c's self-pipe is per process). */
static struct {
	loop_signal_cb	 cb;
	void		*arg;
} run_loop_sig;

static void
run_loop_signal_cb(int signo, void *arg)
{
	(void)arg;
	if (signo != SIGCHLD)
		run_interrupt_note(signo);
	run_loop_sig.cb(signo, run_loop_sig.arg);
}

struct loop *
run_loop_new(loop_signal_cb cb, void *arg)
{
	static const int sigs[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP };
	struct loop *l = loop_new();
	size_t i;

	run_loop_sig.cb = cb;
	run_loop_sig.arg = arg;
	for (i = 0; i < nitems(sigs); i++) {
		if (loop_signal(l, sigs[i], run_loop_signal_cb, NULL) != 0) {
			loop_free(l);
			return NULL;
		}
	}
	return l;
}

/* Run l until *done (set by a callback). Returns 0, or -1 when the wait fails. */
int
run_loop_until(struct loop *l, const int *done)
{
	while (!*done) {
		if (loop_run_once(l, LOOP_NEVER) < 0)
			return -1;
	}
	return 0;
}

/* run_stop's state: the child, its status, the grace timer. */
struct run_stop_ctx {
	struct loop	*loop;
	pid_t		 pid;
	int		 group;
	int		 status;
	int		 done;
};

static void
run_stop_check(struct run_stop_ctx *s)
{
	pid_t r = waitpid(s->pid, &s->status, WNOHANG);

	if (r == s->pid || (r < 0 && errno != EINTR))
		s->done = 1;
}

static void
run_stop_signal_cb(int signo, void *arg)
{
	if (signo == SIGCHLD)
		run_stop_check(arg);
}

static void
run_stop_grace_cb(void *arg)
{
	struct run_stop_ctx *s = arg;

	kill(s->group ? -s->pid : s->pid, SIGKILL);	/* SIGCHLD follows */
}

/* SIGTERM, a grace timer, SIGKILL; group: signal the process group. Returns the wait status or -1. */
int
run_stop(pid_t pid, int group, unsigned grace_ms)
{
	struct run_stop_ctx s;
	struct loop_timer *grace;

	if (pid <= 0)
		return -1;
	memset(&s, 0, sizeof(s));
	s.pid = pid;
	s.group = group;
	s.status = -1;
	if ((s.loop = run_loop_new(run_stop_signal_cb, &s)) == NULL) {
		/* no self-pipe: the blunt way, still without a sleep */
		kill(group ? -pid : pid, SIGKILL);
		while (waitpid(pid, &s.status, 0) < 0 && errno == EINTR)
			;
		return s.status;
	}
	grace = loop_timer_new(s.loop, run_stop_grace_cb, &s);
	loop_timer_after(grace, (uint64_t)grace_ms * NS_PER_MS);
	kill(group ? -pid : pid, SIGTERM);
	run_stop_check(&s);	/* it may be gone already (no SIGCHLD to come) */
	if (run_loop_until(s.loop, &s.done) != 0) {
		kill(group ? -pid : pid, SIGKILL);
		while (waitpid(pid, &s.status, 0) < 0 && errno == EINTR)
			;
	}
	loop_free(s.loop);
	if (group)
		kill(-pid, SIGKILL);	/* stragglers of the group */
	return s.status;
}

/* run_wait_line's state. */
struct run_wait_ctx {
	struct loop	*loop;
	const char	*path, *base, *prefix;
	pid_t		 pid;
	char		*line;
	size_t		 linelen;
	int		 found;
	int		 done;
};

/* Look for the line in the file once. */
static int
run_wait_look(struct run_wait_ctx *w)
{
	char buf[1024];
	FILE *f;

	if ((f = fopen(w->path, "r")) == NULL)
		return 0;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		if (strncmp(buf, w->prefix, strlen(w->prefix)) == 0) {
			buf[strcspn(buf, "\n")] = '\0';
			snprintf(w->line, w->linelen, "%s", buf);
			fclose(f);
			return 1;
		}
	}
	fclose(f);
	return 0;
}

static void
run_wait_check(struct run_wait_ctx *w)
{
	int st;

	if (run_wait_look(w)) {
		w->found = 1;
		w->done = 1;
	} else if (run_interrupted())
		w->done = 1;
	else if (waitpid(w->pid, &st, WNOHANG) == w->pid) {
		w->found = run_wait_look(w);	/* one more look: it may have written the line and exited */
		w->done = 1;
	}
}

static void
run_wait_signal_cb(int signo, void *arg)
{
	(void)signo;
	run_wait_check(arg);
}

static void
run_wait_timeout_cb(void *arg)
{
	struct run_wait_ctx *w = arg;

	w->done = 1;
}

/* The directory changed: look again when it is our file. */
static void
run_wait_notify_cb(int fd, short revents, void *arg)
{
	struct run_wait_ctx *w = arg;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n, off;
	int ours = 0;

	(void)revents;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += (ssize_t)sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(const void *)(buf + off);
			if (ev->len == 0 || strcmp(ev->name, w->base) == 0 || (ev->mask & IN_Q_OVERFLOW))
				ours = 1;
		}
	}
	if (ours)
		run_wait_check(w);
}

/*
 * Wait until a line starting with prefix appears in `path` (copied to
 * line): 0, or -1 (pid died, timeout, signal). The file's directory is
 * watched with inotify; the child's death comes as SIGCHLD.
 */
int
run_wait_line(const char *path, const char *prefix, pid_t pid, unsigned seconds, char *line,
    size_t linelen)
{
	struct run_wait_ctx w;
	struct loop_timer *timeout;
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int ifd;

	memset(&w, 0, sizeof(w));
	w.path = path;
	w.base = slash != NULL ? slash + 1 : path;
	w.prefix = prefix;
	w.pid = pid;
	w.line = line;
	w.linelen = linelen;
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if ((ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return -1;
	if (inotify_add_watch(ifd, dir, IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO) < 0 ||
	    (w.loop = run_loop_new(run_wait_signal_cb, &w)) == NULL) {
		close(ifd);
		return -1;
	}
	loop_fd_add(w.loop, ifd, POLLIN, run_wait_notify_cb, &w);
	timeout = loop_timer_new(w.loop, run_wait_timeout_cb, &w);
	loop_timer_after(timeout, (uint64_t)seconds * NS_PER_SEC);
	run_wait_check(&w);	/* the line or the death may predate the watch */
	run_loop_until(w.loop, &w.done);
	loop_free(w.loop);
	close(ifd);
	return w.found ? 0 : -1;
}
