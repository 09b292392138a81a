/*
 * check_slip.c — the streaming SLIP decoder and encoder.
 *
 * Every vector is fed whole, one byte at a time and split in two at every
 * boundary; the events (serialised to a string) must be the same each time
 * and equal the expected ones. FRAME and OUTSIDE raw bytes are checked to be
 * exactly the input bytes at the reported offset.
 */
#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slip.h"

struct rec {
	char		 out[16384];
	size_t		 len;
	const uint8_t	*input;		/* for raw checks */
	size_t		 input_len;
	int		 raw_bad;
	int		 frames;
};

static void
rec_add(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
rec_add(struct rec *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r->len += (size_t)vsnprintf(r->out + r->len, sizeof(r->out) - r->len, fmt, ap);
	va_end(ap);
	ck_assert_uint_lt(r->len, sizeof(r->out));
}

static void
rec_hex(struct rec *r, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		rec_add(r, "%02x", p[i]);
}

static void
rec_cb(const struct slip_event *ev, void *arg)
{
	struct rec *r = arg;

	if (r->len > 0)
		rec_add(r, " ");
	switch (ev->type) {
	case SLIP_EV_FRAME:
		r->frames++;
		rec_add(r, "F");
		rec_hex(r, ev->data, ev->len);
		rec_add(r, "/%zu@%llu", ev->raw_len, (unsigned long long)ev->offset);
		break;
	case SLIP_EV_OUTSIDE:
		ck_assert_ptr_eq(ev->data, ev->raw);
		rec_add(r, "O");
		rec_hex(r, ev->data, ev->len);
		rec_add(r, "@%llu", (unsigned long long)ev->offset);
		break;
	case SLIP_EV_BAD_ESCAPE:
		ck_assert_uint_eq(ev->raw_len, 2);
		ck_assert_uint_eq(ev->raw[0], SLIP_ESC);
		ck_assert_uint_eq(ev->raw[1], ev->bad_byte);
		rec_add(r, "B%02x@%llu", ev->bad_byte, (unsigned long long)ev->offset);
		break;
	case SLIP_EV_OVERSIZE:
		ck_assert_ptr_null(ev->raw);
		rec_add(r, "S%zu@%llu", ev->raw_len, (unsigned long long)ev->offset);
		return;
	case SLIP_EV_TRUNCATED:
		rec_add(r, "T");
		rec_hex(r, ev->data, ev->len);
		rec_add(r, "/%zu@%llu", ev->raw_len, (unsigned long long)ev->offset);
		break;
	}
	/* raw must be the input bytes at the offset */
	if (r->input != NULL && (ev->offset + ev->raw_len > r->input_len ||
	    memcmp(r->input + ev->offset, ev->raw, ev->raw_len) != 0))
		r->raw_bad++;
}

static size_t
unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		ck_assert_int_eq(sscanf(s, "%2x", &v), 1);
		ck_assert_uint_lt(n, max);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* Feed in chunks: split == 0 whole, split == SIZE_MAX byte by byte, else two chunks. */
static void
run(const uint8_t *in, size_t len, size_t max_frame, size_t split, struct rec *r)
{
	struct slip_decoder *d;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->input = in;
	r->input_len = len;
	d = slip_decoder_new(max_frame, rec_cb, r);
	if (split == SIZE_MAX) {
		for (i = 0; i < len; i++)
			slip_decoder_feed(d, in + i, 1);
	} else if (split == 0)
		slip_decoder_feed(d, in, len);
	else {
		slip_decoder_feed(d, in, split);
		slip_decoder_feed(d, in + split, len - split);
	}
	ck_assert_uint_eq(slip_decoder_offset(d), len);
	slip_decoder_finish(d);
	ck_assert_int_eq(slip_decoder_in_frame(d), 0);
	slip_decoder_free(d);
	ck_assert_int_eq(r->raw_bad, 0);
}

static const struct {
	const char	*name;
	const char	*in;
	size_t		 max_frame;
	const char	*want;
} vectors[] = {
	{ "plain", "c0 01 02 c0", 0, "F0102/4@0" },
	{ "escapes", "c0 db dc db dd c0", 0, "Fc0db/6@0" },
	{ "escapes inside", "c0 01 db dc 02 db dd 03 c0", 0, "F01c002db03/9@0" },
	{ "empty frame then frame", "c0 c0 01 c0", 0, "F01/3@1" },
	{ "back-to-back C0s", "c0 c0 c0 c0 05 c0", 0, "F05/3@3" },
	{ "only C0s", "c0 c0 c0 c0", 0, "" },
	{ "single C0", "c0", 0, "" },
	{ "empty input", "", 0, "" },
	{ "two frames", "c0 01 c0 c0 02 c0", 0, "F01/3@0 F02/3@3" },
	{ "text then frame", "68 69 c0 01 c0 0a", 0, "O6869@0 F01/3@2 O0a@5" },
	{ "garbage between", "c0 01 c0 ff fe c0 02 c0", 0, "F01/3@0 Offfe@3 F02/3@5" },
	{ "only text", "72 73 74", 0, "O727374@0" },
	{ "bad escape keeps both", "c0 01 db 41 02 c0", 0, "B41@2 F01db4102/6@0" },
	{ "bad escape before end", "c0 01 db c0", 0, "Bc0@2 F01db/4@0" },
	{ "DB DB", "c0 db db dc c0", 0, "Bdb@1 Fdbdbdc/5@0" },
	{ "bad escape first", "c0 db 00 c0", 0, "B00@1 Fdb00/4@0" },
	{ "oversize", "c0 01 02 03 04 05 c0 c0 09 c0", 4, "S7@0 F09/3@7" },
	{ "exactly max", "c0 01 02 03 04 c0", 4, "F01020304/6@0" },
	{ "max all escaped", "c0 db dc db dd c0", 2, "Fc0db/6@0" },
	{ "oversize by escape", "c0 01 02 db dc c0 c0 07 c0", 2, "S6@0 F07/3@6" },
	{ "oversize bad escape", "c0 01 02 db 41 c0", 2, "B41@3 S6@0" },
	{ "oversize bad escape at end", "c0 01 db 41 c0", 2, "B41@2 S5@0" },
	{ "oversize then text", "c0 01 02 03 c0 61", 2, "S5@0 O61@5" },
	{ "truncated", "c0 01 02", 0, "T0102/3@0" },
	{ "truncated in escape", "c0 01 db", 0, "T01/3@0" },
	{ "truncated escape only", "c0 db", 0, "T/2@0" },
	{ "oversize at finish", "c0 01 02 03", 2, "S4@0" },
	{ "text, truncated", "61 c0 01", 0, "O61@0 T01/2@1" },
	{ "esptool sync reply", "c0 01 08 04 00 07 07 12 20 00 00 00 00 c0", 0,
	    "F010804000707122000000000/14@0" },
};

START_TEST(test_vectors)
{
	uint8_t in[256];
	size_t len, split;
	struct rec whole, other;

	len = unhex(vectors[_i].in, in, sizeof(in));
	run(in, len, vectors[_i].max_frame, 0, &whole);
	ck_assert_msg(strcmp(whole.out, vectors[_i].want) == 0, "%s: got \"%s\", want \"%s\"",
	    vectors[_i].name, whole.out, vectors[_i].want);
	run(in, len, vectors[_i].max_frame, SIZE_MAX, &other);
	ck_assert_msg(strcmp(whole.out, other.out) == 0, "%s: bytewise \"%s\"",
	    vectors[_i].name, other.out);
	for (split = 1; split < len; split++) {
		run(in, len, vectors[_i].max_frame, split, &other);
		ck_assert_msg(strcmp(whole.out, other.out) == 0, "%s: split at %zu \"%s\"",
		    vectors[_i].name, split, other.out);
	}
}
END_TEST

START_TEST(test_outside_limit)
{
	static uint8_t in[SLIP_MAX_OUTSIDE * 2 + 10];
	struct rec r;
	size_t n = SLIP_MAX_OUTSIDE + 3;
	char want[64];

	memset(in, 'a', n);
	run(in, n, 0, 0, &r);
	/* first event carries exactly SLIP_MAX_OUTSIDE bytes, the rest comes at finish */
	snprintf(want, sizeof(want), " O616161@%d", SLIP_MAX_OUTSIDE);
	ck_assert_uint_eq(r.len, 1 + 2 * SLIP_MAX_OUTSIDE + 2 + strlen(want));
	ck_assert_str_eq(r.out + r.len - strlen(want), want);
}
END_TEST

START_TEST(test_flush)
{
	struct rec r;
	struct slip_decoder *d;
	const uint8_t a[] = { 'h', 'i', 0xC0, 0x01 };
	const uint8_t b[] = { 0x02, 0xC0, 'x' };

	memset(&r, 0, sizeof(r));
	d = slip_decoder_new(0, rec_cb, &r);
	slip_decoder_feed(d, a, 2);
	ck_assert_str_eq(r.out, "");
	slip_decoder_flush(d);
	ck_assert_str_eq(r.out, "O6869@0");
	slip_decoder_flush(d);		/* nothing pending: no event */
	ck_assert_str_eq(r.out, "O6869@0");
	slip_decoder_feed(d, a + 2, 2);
	ck_assert_int_eq(slip_decoder_in_frame(d), 1);
	slip_decoder_flush(d);		/* keeps the open frame */
	ck_assert_int_eq(slip_decoder_in_frame(d), 1);
	slip_decoder_feed(d, b, sizeof(b));
	ck_assert_str_eq(r.out, "O6869@0 F0102/4@2");
	ck_assert_int_eq(slip_decoder_in_frame(d), 0);
	ck_assert_uint_eq(slip_decoder_offset(d), 7);
	slip_decoder_finish(d);
	ck_assert_str_eq(r.out, "O6869@0 F0102/4@2 O78@6");
	slip_decoder_free(d);
	slip_decoder_free(NULL);
}
END_TEST

static const struct {
	const char	*body;
	const char	*wire;
} enc_vectors[] = {
	{ "", "c0 c0" },
	{ "01 02", "c0 01 02 c0" },
	{ "c0", "c0 db dc c0" },
	{ "db", "c0 db dd c0" },
	{ "c0 db 01", "c0 db dc db dd 01 c0" },
	{ "db dc dd", "c0 db dd dc dd c0" },
};

START_TEST(test_encode)
{
	uint8_t body[64], want[64], out[SLIP_ENCODED_MAX(64)];
	size_t blen, wlen, n;

	blen = unhex(enc_vectors[_i].body, body, sizeof(body));
	wlen = unhex(enc_vectors[_i].wire, want, sizeof(want));
	n = slip_encode(body, blen, out);
	ck_assert_uint_eq(n, wlen);
	ck_assert_mem_eq(out, want, wlen);
	ck_assert_uint_le(n, SLIP_ENCODED_MAX(blen));
}
END_TEST

struct one_frame {
	uint8_t		 body[0x4100];
	size_t		 len;
	int		 frames, others;
	const uint8_t	*wire;
	size_t		 wire_len;
	int		 raw_ok;
};

static void
one_cb(const struct slip_event *ev, void *arg)
{
	struct one_frame *f = arg;

	if (ev->type != SLIP_EV_FRAME) {
		f->others++;
		return;
	}
	f->frames++;
	ck_assert_uint_le(ev->len, sizeof(f->body));
	memcpy(f->body, ev->data, ev->len);
	f->len = ev->len;
	f->raw_ok = ev->raw_len == f->wire_len && memcmp(ev->raw, f->wire, ev->raw_len) == 0;
}

/* decode(encode(x)) == x for pseudo-random bodies rich in C0/DB. */
START_TEST(test_roundtrip)
{
	uint8_t body[1024], wire[SLIP_ENCODED_MAX(1024)];
	struct one_frame f;
	struct slip_decoder *d;
	uint32_t x = 0x12345678u + (uint32_t)_i;
	size_t len, n, i;

	for (len = 1; len <= sizeof(body); len = len * 3 + 1) {
		for (i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			switch ((x >> 16) & 7) {
			case 0: body[i] = SLIP_END; break;
			case 1: body[i] = SLIP_ESC; break;
			case 2: body[i] = SLIP_ESC_END; break;
			default: body[i] = (uint8_t)(x >> 24); break;
			}
		}
		n = slip_encode(body, len, wire);
		memset(&f, 0, sizeof(f));
		f.wire = wire;
		f.wire_len = n;
		d = slip_decoder_new(len, one_cb, &f);	/* exactly the body size: must fit */
		for (i = 0; i < n; i += 1 + (size_t)_i)
			slip_decoder_feed(d, wire + i, n - i < 1 + (size_t)_i ? n - i : 1 + (size_t)_i);
		slip_decoder_finish(d);
		slip_decoder_free(d);
		ck_assert_int_eq(f.frames, 1);
		ck_assert_int_eq(f.others, 0);
		ck_assert_uint_eq(f.len, len);
		ck_assert_mem_eq(f.body, body, len);
		ck_assert_int_eq(f.raw_ok, 1);
	}
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(slip_event_name(SLIP_EV_FRAME), "frame");
	ck_assert_str_eq(slip_event_name(SLIP_EV_OUTSIDE), "outside");
	ck_assert_str_eq(slip_event_name(SLIP_EV_BAD_ESCAPE), "bad-escape");
	ck_assert_str_eq(slip_event_name(SLIP_EV_OVERSIZE), "oversize");
	ck_assert_str_eq(slip_event_name(SLIP_EV_TRUNCATED), "truncated");
	ck_assert_str_eq(slip_event_name((enum slip_event_type)99), "unknown");
}
END_TEST

/* A NULL callback must be safe, and the default max must hold a stub block. */
START_TEST(test_null_cb_default_max)
{
	static uint8_t body[0x4000 + 24], wire[SLIP_ENCODED_MAX(0x4000 + 24)];
	struct one_frame *f;
	struct slip_decoder *d;
	size_t n;

	memset(body, SLIP_END, sizeof(body));
	n = slip_encode(body, sizeof(body), wire);
	d = slip_decoder_new(0, NULL, NULL);
	slip_decoder_feed(d, wire, n);
	slip_decoder_feed(d, wire, n - 1);
	slip_decoder_finish(d);
	slip_decoder_free(d);

	f = calloc(1, sizeof(*f));
	d = slip_decoder_new(0, one_cb, f);
	f->wire = wire;
	f->wire_len = n;
	slip_decoder_feed(d, wire, n);
	slip_decoder_free(d);
	ck_assert_int_eq(f->frames, 1);
	ck_assert_int_eq(f->others, 0);
	free(f);
}
END_TEST

static Suite *
slip_suite(void)
{
	Suite *s = suite_create("slip");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_vectors, 0, (int)(sizeof(vectors) / sizeof(vectors[0])));
	tcase_add_test(tc, test_outside_limit);
	tcase_add_test(tc, test_flush);
	tcase_add_loop_test(tc, test_encode, 0, (int)(sizeof(enc_vectors) / sizeof(enc_vectors[0])));
	tcase_add_loop_test(tc, test_roundtrip, 0, 8);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_null_cb_default_max);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(slip_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
