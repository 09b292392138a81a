/*
 * check_runloop.c — the runner's waits on the event loop (src/run/run-loop.c):
 * run_stop's SIGTERM and grace-timer SIGKILL, its process-group kill,
 * run_wait_line's ready line (present already, written later, never written
 * by a child that dies, an interrupt), all through SIGCHLD, timers and
 * inotify. Each test runs in its own forked process (Check's fork mode).
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>

#include "ckmain.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "../../src/run/run-int.h"

static char tmpdir[4096];

static pid_t
sh(const char *script, int own_group)
{
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)script, NULL };
	pid_t pid = run_spawn(argv, NULL, NULL, own_group, NULL);

	ck_assert_int_gt(pid, 0);
	return pid;
}

START_TEST(test_stop_term)
{
	pid_t pid = sh("exec sleep 60", 0);
	int st = run_stop(pid, 0, 30000);

	ck_assert(WIFSIGNALED(st));
	ck_assert_int_eq(WTERMSIG(st), SIGTERM);
	ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), -1);	/* reaped */
}
END_TEST

START_TEST(test_stop_grace_kill)
{
	char path[4200], line[256];
	pid_t pid;
	int st;

	/* ignores SIGTERM (said once the trap holds): only the grace timer's SIGKILL ends it */
	snprintf(path, sizeof(path), "%s/grace.out", tmpdir);
	setenv("OUT", path, 1);
	pid = sh("trap '' TERM; echo armed >\"$OUT\"; exec sleep 60", 0);
	ck_assert_int_eq(run_wait_line(path, "armed", pid, 600, line, sizeof(line)), 0);
	st = run_stop(pid, 0, 200);
	ck_assert(WIFSIGNALED(st));
	ck_assert_int_eq(WTERMSIG(st), SIGKILL);
	unlink(path);
}
END_TEST

START_TEST(test_stop_group)
{
	char path[4200], line[256];
	pid_t pid, gpid;
	int st;

	/*
	 * A grandchild in the group that ignores SIGTERM: the group's SIGKILL
	 * after the leader is gone gets it. We are its subreaper, so we see how
	 * it ended.
	 */
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	snprintf(path, sizeof(path), "%s/group.out", tmpdir);
	setenv("OUT", path, 1);
	pid = sh("(trap '' TERM; exec sh -c 'echo \"grandchild $$\" >\"$OUT\"; exec sleep 60') & wait", 1);
	ck_assert_int_eq(run_wait_line(path, "grandchild", pid, 600, line, sizeof(line)), 0);
	gpid = (pid_t)atol(line + strlen("grandchild "));
	ck_assert_int_gt(gpid, 0);
	st = run_stop(pid, 1, 30000);
	ck_assert(WIFSIGNALED(st));
	ck_assert_int_eq(WTERMSIG(st), SIGTERM);
	ck_assert_int_eq(waitpid(gpid, &st, 0), gpid);
	ck_assert(WIFSIGNALED(st));
	ck_assert_int_eq(WTERMSIG(st), SIGKILL);
	unlink(path);
}
END_TEST

START_TEST(test_wait_present)
{
	char path[4200], line[256];
	FILE *f;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/present.out", tmpdir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("noise\nsliptap sim: ready on /dev/pts/9\n", f);
	fclose(f);
	pid = sh("exec sleep 60", 0);
	ck_assert_int_eq(run_wait_line(path, "sliptap sim:", pid, 60, line, sizeof(line)), 0);
	ck_assert_str_eq(line, "sliptap sim: ready on /dev/pts/9");
	run_stop(pid, 0, 30000);
	unlink(path);
}
END_TEST

START_TEST(test_wait_later)
{
	char path[4200], line[256];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/later.out", tmpdir);
	unlink(path);
	/* the file appears only after the wait began (created, then appended to) */
	setenv("OUT", path, 1);
	pid = sh("sleep 0.3; echo starting >\"$OUT\"; sleep 0.2; echo 'sliptap proxy: ready x' >>\"$OUT\"; exec sleep 60", 0);
	ck_assert_int_eq(run_wait_line(path, "sliptap proxy: ready", pid, 60, line, sizeof(line)), 0);
	ck_assert_str_eq(line, "sliptap proxy: ready x");
	run_stop(pid, 0, 30000);
	unlink(path);
}
END_TEST

START_TEST(test_wait_died)
{
	char path[4200], line[256];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/died.out", tmpdir);
	setenv("OUT", path, 1);
	pid = sh("echo 'no luck' >\"$OUT\"; exit 3", 0);
	/* a generous timeout: the death (SIGCHLD) ends the wait, not the clock */
	ck_assert_int_eq(run_wait_line(path, "ready", pid, 600, line, sizeof(line)), -1);
	ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), -1);	/* reaped by the wait */
	unlink(path);
}
END_TEST

START_TEST(test_wait_died_after_line)
{
	char path[4200], line[256];
	pid_t pid;

	/* the line and the exit together: the last look still finds it */
	snprintf(path, sizeof(path), "%s/last.out", tmpdir);
	setenv("OUT", path, 1);
	pid = sh("echo 'ready now' >\"$OUT\"; exit 0", 0);
	ck_assert_int_eq(run_wait_line(path, "ready", pid, 600, line, sizeof(line)), 0);
	ck_assert_str_eq(line, "ready now");
	unlink(path);
}
END_TEST

START_TEST(test_wait_interrupted)
{
	char path[4200], line[256];
	pid_t pid, killer;

	snprintf(path, sizeof(path), "%s/intr.out", tmpdir);
	pid = sh("exec sleep 60", 0);
	if ((killer = fork()) == 0) {
		char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)"sleep 0.3; kill -TERM $PPID", NULL };
		execv(argv[0], argv);
		_exit(127);
	}
	/* SIGTERM to us (via a helper that is our child): noted, the wait ends */
	run_signals_install();
	ck_assert_int_eq(run_wait_line(path, "ready", pid, 600, line, sizeof(line)), -1);
	ck_assert_int_eq(run_interrupted(), SIGTERM);
	run_stop(pid, 0, 30000);
	waitpid(killer, NULL, 0);
}
END_TEST

static Suite *
runloop_suite(void)
{
	Suite *s = suite_create("runloop");
	TCase *tc = tcase_create("runloop");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_stop_term);
	tcase_add_test(tc, test_stop_grace_kill);
	tcase_add_test(tc, test_stop_group);
	tcase_add_test(tc, test_wait_present);
	tcase_add_test(tc, test_wait_later);
	tcase_add_test(tc, test_wait_died);
	tcase_add_test(tc, test_wait_died_after_line);
	tcase_add_test(tc, test_wait_interrupted);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run_with_tmpdir(runloop_suite(), "check_runloop", tmpdir, sizeof(tmpdir));
}
