/*
 * check_pty.c — the pty endpoint (src/io/pty.c): the slave path published
 * as a symlink (and a plain file in its way refused), bytes both ways,
 * hangup and reopen by the client, and frozen writes.
 */
#include <check.h>

#include "ckmain.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pty.h"
#include "util.h"


static char ptydir[PATH_MAX];

static char *
pty_tmp(const char *name)
{
	char *p;

	ck_assert_msg(ptydir[0] != '\0', "no temp dir");
	xasprintf(&p, "%s/%s", ptydir, name);
	return p;
}

static int
pty_client(const struct pty *p)
{
	int fd = open(pty_slave_path(p), O_RDWR | O_NOCTTY | O_NONBLOCK);

	ck_assert_int_ge(fd, 0);
	return fd;
}

START_TEST(test_pty_link)
{
	char *link = pty_tmp("ttyA"), *file = pty_tmp("plain"), err[256], target[PATH_MAX];
	struct pty *p;
	ssize_t n;
	FILE *f;

	/* a stale link to a pty is replaced */
	unlink(link);
	ck_assert_int_eq(symlink("/dev/pts/999999", link), 0);
	p = pty_new(link, 0, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	n = readlink(link, target, sizeof(target) - 1);
	ck_assert_int_gt(n, 0);
	target[n] = '\0';
	ck_assert_str_eq(target, pty_slave_path(p));
	pty_free(p);
	ck_assert_int_eq(access(link, F_OK), -1);	/* removed on exit */
	ck_assert_int_eq(errno, ENOENT);

	/* a plain file is never clobbered */
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs("keep me\n", f);
	fclose(f);
	p = pty_new(file, 0, err, sizeof(err));
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(err, "not a symlink"));
	{
		struct stat st;

		ck_assert_int_eq(lstat(file, &st), 0);
		ck_assert(S_ISREG(st.st_mode));
	}
	unlink(file);
	free(link);
	free(file);
}
END_TEST

START_TEST(test_pty_io_hangup_reopen)
{
	char *link = pty_tmp("ttyB"), err[256], target[PATH_MAX];
	struct pty *p = pty_new(link, 1, err, sizeof(err));
	uint8_t buf[64];
	int c, ctl, i;
	ssize_t n = -1;

	ck_assert_msg(p != NULL, "%s", err);
	c = pty_client(p);
	ck_assert_int_eq(write(c, "hi", 2), 2);
	for (i = 0; i < 100 && n <= 0; i++) {
		struct pollfd pfd = { pty_master_fd(p), POLLIN, 0 };

		poll(&pfd, 1, 100);
		n = pty_read(p, buf, sizeof(buf), &ctl);
	}
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(memcmp(buf, "hi", 2), 0);
	/* the client closing does not hang us up */
	close(c);
	ck_assert_int_eq(pty_write(p, (const uint8_t *)"x", 1), 1);
	c = pty_client(p);
	/* hang-up: the client sees EIO, the link goes */
	ck_assert_int_eq(pty_hangup(p), 0);
	ck_assert_int_eq(write(c, "y", 1), -1);
	ck_assert_int_eq(errno, EIO);
	ck_assert_int_eq(access(link, F_OK), -1);
	close(c);
	/* and comes back under the same link */
	ck_assert_int_eq(pty_reopen(p, err, sizeof(err)), 0);
	n = readlink(link, target, sizeof(target) - 1);
	ck_assert_int_gt(n, 0);
	target[n] = '\0';
	ck_assert_str_eq(target, pty_slave_path(p));
	pty_free(p);
	free(link);
}
END_TEST

START_TEST(test_pty_freeze)
{
	char err[256];
	struct pty *p = pty_new(NULL, 1, err, sizeof(err));
	uint8_t blk[1040];
	int c;

	ck_assert_msg(p != NULL, "%s", err);
	c = pty_client(p);
	/* frozen: a non-blocking client write gets EAGAIN, whatever its size */
	ck_assert_int_eq(pty_freeze(p, 1), 0);
	ck_assert_int_eq(write(c, "z", 1), -1);
	ck_assert_int_eq(errno, EAGAIN);
	memset(blk, 0x55, sizeof(blk));
	ck_assert_int_eq(write(c, blk, sizeof(blk)), -1);
	ck_assert_int_eq(errno, EAGAIN);
	/* the freeze survives the client closing and reopening the port */
	close(c);
	c = pty_client(p);
	ck_assert_int_eq(write(c, "z", 1), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(pty_freeze(p, 0), 0);
	ck_assert_int_eq(write(c, "z", 1), 1);
	/* frozen, then hung up: the client gets EIO, not EAGAIN */
	ck_assert_int_eq(pty_freeze(p, 1), 0);
	ck_assert_int_eq(pty_hangup(p), 0);
	ck_assert_int_eq(write(c, blk, sizeof(blk)), -1);
	ck_assert_int_eq(errno, EIO);
	close(c);
	/* and a re-created pair is not frozen */
	ck_assert_msg(pty_reopen(p, err, sizeof(err)) == 0, "%s", err);
	c = pty_client(p);
	ck_assert_int_eq(write(c, blk, sizeof(blk)), (ssize_t)sizeof(blk));
	close(c);
	pty_free(p);
}
END_TEST

static Suite *
pty_suite(void)
{
	Suite *s = suite_create("pty");
	TCase *tc = tcase_create("pty");

	tcase_add_test(tc, test_pty_link);
	tcase_add_test(tc, test_pty_io_hangup_reopen);
	tcase_add_test(tc, test_pty_freeze);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ck_run_with_tmpdir(pty_suite(), "check_pty", ptydir, sizeof(ptydir));
}
