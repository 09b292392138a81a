/*
 * check_util.c — src/util/util.c: fatal()/fatalx() (message and exit
 * status, seen from a parent through a pipe), the allocation wrappers
 * (zero sizes, contents kept, out-of-memory is fatal), xasprintf, the
 * number parsers (table-driven: bases, limits, junk, blanks and signs) and
 * the little-endian accessors of util.h.
 */
#include <ctype.h>
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/*
 * Out-of-memory must reach fatalx(): under AddressSanitizer an impossible
 * malloc aborts unless the allocator may return NULL. (ASAN_OPTIONS from
 * the environment still adds to this.)
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* Run fn in a child with stderr on a pipe; return its exit status, stderr in buf. */
static int
util_run_child(void (*fn)(void), char *buf, size_t size)
{
	int fds[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		fn();
		_exit(99);	/* fn returned: the test fails on this status */
	}
	close(fds[1]);
	while (got + 1 < size && (n = read(fds[0], buf + got, size - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
child_fatal(void)
{
	errno = ENOENT;
	fatal("open %s (%d)", "x.ini", 42);
}

static void
child_fatalx(void)
{
	errno = ENOENT;		/* ignored by fatalx */
	fatalx("bad value \"%s\"", "q");
}

static void
child_fatal_no_errno(void)
{
	errno = 0;
	fatal("plain");
}

static void
child_xmalloc_huge(void)
{
	void *p = xmalloc(SIZE_MAX - 4096);

	free(p);
}

static void
child_xcalloc_huge(void)
{
	void *p = xcalloc(SIZE_MAX / 2, 4);	/* n * size overflows */

	free(p);
}

static void
child_xrealloc_huge(void)
{
	void *p = xrealloc(NULL, SIZE_MAX - 4096);

	free(p);
}

START_TEST(test_fatal)
{
	char buf[512];

	ck_assert_int_eq(util_run_child(child_fatal, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "sliptap: open x.ini (42): No such file or directory\n");
	ck_assert_int_eq(util_run_child(child_fatalx, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "sliptap: bad value \"q\"\n");
	/* errno 0: nothing to explain, no ": Success" */
	ck_assert_int_eq(util_run_child(child_fatal_no_errno, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "sliptap: plain\n");
}
END_TEST

START_TEST(test_out_of_memory)
{
	char buf[512];

	ck_assert_int_eq(util_run_child(child_xmalloc_huge, buf, sizeof(buf)), 1);
	ck_assert_ptr_nonnull(strstr(buf, "sliptap: out of memory ("));
	ck_assert_int_eq(util_run_child(child_xcalloc_huge, buf, sizeof(buf)), 1);
	ck_assert_ptr_nonnull(strstr(buf, "sliptap: out of memory ("));
	ck_assert_int_eq(util_run_child(child_xrealloc_huge, buf, sizeof(buf)), 1);
	ck_assert_ptr_nonnull(strstr(buf, "sliptap: out of memory ("));
}
END_TEST

START_TEST(test_alloc)
{
	unsigned char *p, *q;
	size_t i;
	char *s, *d;

	/* zero sizes still give a pointer that free() takes */
	p = xmalloc(0);
	ck_assert_ptr_nonnull(p);
	free(p);
	p = xcalloc(0, 0);
	ck_assert_ptr_nonnull(p);
	free(p);
	p = xcalloc(0, 8);
	ck_assert_ptr_nonnull(p);
	free(p);

	p = xcalloc(100, 3);
	for (i = 0; i < 300; i++)
		ck_assert_uint_eq(p[i], 0);
	for (i = 0; i < 300; i++)
		p[i] = (unsigned char)i;
	q = xrealloc(p, 100000);	/* grows, keeps the contents */
	for (i = 0; i < 300; i++)
		ck_assert_uint_eq(q[i], (unsigned char)i);
	q[99999] = 1;
	p = xrealloc(q, 10);		/* shrinks, keeps the prefix */
	for (i = 0; i < 10; i++)
		ck_assert_uint_eq(p[i], (unsigned char)i);
	q = xrealloc(p, 0);		/* size 0 is not a free */
	ck_assert_ptr_nonnull(q);
	free(q);
	p = xrealloc(NULL, 16);		/* NULL: a malloc */
	ck_assert_ptr_nonnull(p);
	free(p);

	s = xmalloc(64);
	strcpy(s, "esp32s3");
	d = xstrdup(s);
	ck_assert_ptr_ne(d, s);
	ck_assert_str_eq(d, "esp32s3");
	free(s);
	free(d);
	d = xstrdup("");
	ck_assert_str_eq(d, "");
	free(d);
}
END_TEST

START_TEST(test_xasprintf)
{
	char *s = NULL, big[5000];

	ck_assert_int_eq(xasprintf(&s, "%s=%u 0x%08x", "baud", 460800u, 0x1000u), 22);
	ck_assert_str_eq(s, "baud=460800 0x00001000");
	free(s);
	ck_assert_int_eq(xasprintf(&s, "%s", ""), 0);
	ck_assert_str_eq(s, "");
	free(s);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(xasprintf(&s, "<%s>", big), (int)sizeof(big) + 1);
	ck_assert_uint_eq(strlen(s), sizeof(big) + 1);
	ck_assert_int_eq(s[0], '<');
	ck_assert_int_eq(s[sizeof(big)], '>');
	free(s);
}
END_TEST

struct num_vec {
	const char	*in;
	int		 rc;
	uint64_t	 want;
};

static const struct num_vec u32_vectors[] = {
	{ "0", 0, 0 },
	{ "7", 0, 7 },
	{ "115200", 0, 115200 },
	{ "4294967295", 0, UINT32_MAX },
	{ "0x0", 0, 0 },
	{ "0x1000", 0, 0x1000 },
	{ "0X1f", 0, 0x1f },
	{ "0xFFFFFFFF", 0, UINT32_MAX },
	{ "010", 0, 10 },		/* decimal, not octal */
	{ "00", 0, 0 },
	{ "4294967296", -1, 0 },	/* one over */
	{ "0x100000000", -1, 0 },
	{ "99999999999999999999999", -1, 0 },	/* beyond 64 bits */
	{ "", -1, 0 },
	{ "-1", -1, 0 },
	{ "+1", -1, 0 },
	{ " 1", -1, 0 },
	{ "\t1", -1, 0 },
	{ " -1", -1, 0 },
	{ "1 ", -1, 0 },
	{ "12abc", -1, 0 },
	{ "abc", -1, 0 },
	{ "0x", -1, 0 },
	{ "0x-5", -1, 0 },
	{ "1.5", -1, 0 },
	{ "1K", -1, 0 },		/* sizes are parse_size's */
};

START_TEST(test_parse_u32)
{
	const struct num_vec *v = &u32_vectors[_i];
	uint32_t out = 0xdeadbeef;

	ck_assert_msg(parse_u32(v->in, &out) == v->rc, "parse_u32(\"%s\") should return %d", v->in, v->rc);
	if (v->rc == 0)
		ck_assert_uint_eq(out, v->want);
	else
		ck_assert_uint_eq(out, 0xdeadbeef);	/* untouched on error */
}
END_TEST

static const struct num_vec size_vectors[] = {
	{ "0", 0, 0 },
	{ "4096", 0, 4096 },
	{ "0x400000", 0, 0x400000 },
	{ "010", 0, 10 },
	{ "1k", 0, 1024 },
	{ "1K", 0, 1024 },
	{ "4KB", 0, 4096 },
	{ "4kib", 0, 4096 },
	{ "2M", 0, 2 * 1024 * 1024 },
	{ "16mb", 0, 16 * 1024 * 1024 },
	{ "16MiB", 0, 16 * 1024 * 1024 },
	{ "0x10M", 0, 16 * 1024 * 1024 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "17592186044415M", 0, 17592186044415ULL << 20 },	/* largest that fits */
	{ "17592186044416M", -1, 0 },				/* 2^64: overflow */
	{ "18014398509481984K", -1, 0 },
	{ "18446744073709551616", -1, 0 },
	{ "", -1, 0 },
	{ "K", -1, 0 },
	{ "-1", -1, 0 },
	{ " -1", -1, 0 },		/* strtoull would wrap it to 2^64 - 1 */
	{ "+4", -1, 0 },
	{ " 4", -1, 0 },
	{ "4 K", -1, 0 },
	{ "4G", -1, 0 },
	{ "4KBB", -1, 0 },
	{ "4M ", -1, 0 },
	{ "0x", -1, 0 },
	{ "1.5M", -1, 0 },
};

START_TEST(test_parse_size)
{
	const struct num_vec *v = &size_vectors[_i];
	uint64_t out = 0xdeadbeef;

	ck_assert_msg(parse_size(v->in, &out) == v->rc, "parse_size(\"%s\") should return %d", v->in, v->rc);
	if (v->rc == 0)
		ck_assert_msg(out == v->want, "parse_size(\"%s\") = %llu", v->in, (unsigned long long)out);
	else
		ck_assert_uint_eq(out, 0xdeadbeef);
}
END_TEST

START_TEST(test_parse_null)
{
	uint32_t u = 5;
	uint64_t z = 5;

	ck_assert_int_eq(parse_u32(NULL, &u), -1);
	ck_assert_int_eq(parse_size(NULL, &z), -1);
	ck_assert_uint_eq(u, 5);
	ck_assert_uint_eq(z, 5);
}
END_TEST

START_TEST(test_hex_digit)
{
	const char *digits = "0123456789abcdef";
	int c;

	for (c = 0; c < 16; c++) {
		ck_assert_int_eq(hex_digit(digits[c]), c);
		ck_assert_int_eq(hex_digit(toupper((unsigned char)digits[c])), c);
	}
	for (c = -1; c < 256; c++)
		if (strchr("0123456789abcdefABCDEF", c) == NULL || c == 0)
			ck_assert_int_eq(hex_digit(c), -1);
}
END_TEST

START_TEST(test_le)
{
	static const uint8_t bytes[4] = { 0x78, 0x56, 0x34, 0xf2 };
	uint8_t buf[6];
	int a[7];

	ck_assert_uint_eq(le16(bytes), 0x5678);
	ck_assert_uint_eq(le16(bytes + 2), 0xf234);
	ck_assert_uint_eq(le32(bytes), 0xf2345678u);	/* top bit set: no sign spill */

	memset(buf, 0xaa, sizeof(buf));
	put_le16(buf + 1, 0xbeef);
	ck_assert_uint_eq(buf[0], 0xaa);
	ck_assert_uint_eq(buf[1], 0xef);
	ck_assert_uint_eq(buf[2], 0xbe);
	ck_assert_uint_eq(buf[3], 0xaa);
	ck_assert_uint_eq(le16(buf + 1), 0xbeef);

	memset(buf, 0xaa, sizeof(buf));
	put_le32(buf + 1, 0x80010203u);
	ck_assert_uint_eq(buf[0], 0xaa);
	ck_assert_uint_eq(buf[1], 0x03);
	ck_assert_uint_eq(buf[2], 0x02);
	ck_assert_uint_eq(buf[3], 0x01);
	ck_assert_uint_eq(buf[4], 0x80);
	ck_assert_uint_eq(buf[5], 0xaa);
	ck_assert_uint_eq(le32(buf + 1), 0x80010203u);

	put_le32(buf, 0);
	ck_assert_uint_eq(le32(buf), 0);
	put_le32(buf, UINT32_MAX);
	ck_assert_uint_eq(le32(buf), UINT32_MAX);
	put_le16(buf, UINT16_MAX);
	ck_assert_uint_eq(le16(buf), UINT16_MAX);

	ck_assert_uint_eq(nitems(a), 7);
	ck_assert_uint_eq(nitems(bytes), 4);
}
END_TEST

static Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_fatal);
	tcase_add_test(tc, test_out_of_memory);
	tcase_add_test(tc, test_alloc);
	tcase_add_test(tc, test_xasprintf);
	tcase_add_loop_test(tc, test_parse_u32, 0, (int)nitems(u32_vectors));
	tcase_add_loop_test(tc, test_parse_size, 0, (int)nitems(size_vectors));
	tcase_add_test(tc, test_parse_null);
	tcase_add_test(tc, test_hex_digit);
	tcase_add_test(tc, test_le);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(util_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
