/*
 * check_loop.c — the poll event loop: timers fire in deadline order and
 * once, fd callbacks see readiness, handles may be deleted from inside any
 * callback (their own or another's), signals arrive as callbacks, the idle
 * hook runs before every wait, and loop_run returns when nothing is left.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"

struct trace {
	char	 s[256];
	size_t	 n;
	struct loop *loop;
	struct loop_timer *victim;
	struct loop_fd *fdh;
	int	 fd;
};

static void
trace_add(struct trace *t, char c)
{
	if (t->n + 1 < sizeof(t->s))
		t->s[t->n++] = c;
	t->s[t->n] = '\0';
}

static void timer_a(void *arg) { trace_add(arg, 'a'); }
static void timer_b(void *arg) { trace_add(arg, 'b'); }
static void timer_c(void *arg) { trace_add(arg, 'c'); }

START_TEST(test_timer_order)
{
	struct trace t = { .n = 0 };
	struct loop *l = loop_new();
	struct loop_timer *a = loop_timer_new(l, timer_a, &t);
	struct loop_timer *b = loop_timer_new(l, timer_b, &t);
	struct loop_timer *c = loop_timer_new(l, timer_c, &t);

	loop_timer_after(c, 3 * NS_PER_MS);
	loop_timer_after(a, 1 * NS_PER_MS);
	loop_timer_after(b, 2 * NS_PER_MS);
	ck_assert_uint_ne(loop_timer_deadline(a), LOOP_NEVER);
	while (t.n < 3)
		ck_assert_int_ge(loop_run_once(l, NS_PER_SEC), 0);
	ck_assert_str_eq(t.s, "abc");
	/* One-shot: nothing is armed any more. */
	ck_assert_uint_eq(loop_timer_deadline(a), LOOP_NEVER);
	ck_assert_int_eq(loop_run(l), -1);
	loop_timer_free(a);
	loop_timer_free(b);
	loop_timer_free(c);
	loop_free(l);
}
END_TEST

static void
timer_kill_other(void *arg)
{
	struct trace *t = arg;

	trace_add(t, 'k');
	loop_timer_free(t->victim);	/* due in the same pass: must not fire */
	t->victim = NULL;
}

START_TEST(test_delete_in_callback)
{
	struct trace t = { .n = 0 };
	struct loop *l = loop_new();
	struct loop_timer *k = loop_timer_new(l, timer_kill_other, &t);

	t.victim = loop_timer_new(l, timer_a, &t);
	loop_timer_at(k, 0);
	loop_timer_at(t.victim, 1);
	ck_assert_int_ge(loop_run_once(l, 0), 1);
	ck_assert_str_eq(t.s, "k");
	loop_timer_free(k);
	loop_free(l);
}
END_TEST

static void
fd_read(int fd, short revents, void *arg)
{
	struct trace *t = arg;
	char c;

	ck_assert(revents & POLLIN);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	trace_add(t, c);
	if (c == 'q') {
		loop_fd_del(t->fdh);	/* deleting itself */
		loop_break(t->loop);
	}
}

START_TEST(test_fd_and_break)
{
	struct trace t = { .n = 0 };
	struct loop *l = loop_new();
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	t.loop = l;
	t.fdh = loop_fd_add(l, p[0], POLLIN, fd_read, &t);
	ck_assert_int_eq(loop_fd_events(t.fdh), POLLIN);
	ck_assert_int_eq(write(p[1], "xyq", 3), 3);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_str_eq(t.s, "xyq");
	/* Muted handles are not polled: nothing runs. */
	close(p[0]);
	close(p[1]);
	loop_free(l);
}
END_TEST

static void
on_sig(int signo, void *arg)
{
	struct trace *t = arg;

	trace_add(t, signo == SIGUSR1 ? 'u' : '?');
	loop_break(t->loop);
}

static void
on_idle(void *arg)
{
	struct trace *t = arg;

	if (t->n == 0)
		trace_add(t, 'i');
}

START_TEST(test_signal_and_idle)
{
	struct trace t = { .n = 0 };
	struct loop *l = loop_new();
	struct loop_timer *never = loop_timer_new(l, timer_a, &t);

	t.loop = l;
	loop_timer_after(never, 60 * NS_PER_SEC);	/* keeps loop_run busy */
	ck_assert_int_eq(loop_signal(l, SIGUSR1, on_sig, &t), 0);
	loop_set_idle(l, on_idle, &t);
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(loop_run(l), 0);
	ck_assert_str_eq(t.s, "iu");
	loop_timer_free(never);
	loop_free(l);
	ck_assert_uint_gt(loop_now(), 0);
	ck_assert_uint_gt(loop_wallclock(), 1500000000ULL * NS_PER_SEC);
}
END_TEST

static Suite *
loop_suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("loop");

	tcase_add_test(tc, test_timer_order);
	tcase_add_test(tc, test_delete_in_callback);
	tcase_add_test(tc, test_fd_and_break);
	tcase_add_test(tc, test_signal_and_idle);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(loop_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
