/*
 * check_proxy_path.c — the proxy's data path (src/proxy/proxy-unit.c and
 * proxy-queue.c) on a proxy with no host or device side: bytes go in with
 * proxy_input, come out through a test sink (struct proxy_path_ops) that can
 * take everything, take a few bytes per write, block or be gone.
 *
 * Every stream is fed whole, one byte at a time and split in two at every
 * boundary (as check_slip.c does): the units must tile the stream, the
 * frames must be the same in every chunking, the sink must get exactly the
 * input and the streams rebuilt from the capture must equal what was sent
 * and what was delivered. Then: held units released by the hold timer,
 * back-pressure (the source is paused while the destination blocks, and
 * resumed), the CHANGE_BAUDRATE mark, DISCARDED and DELIVERED records with
 * their refs, coalesced noise.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/proxy/proxy-int.h"
#include "capture.h"
#include "esp.h"
#include "slip.h"

#define OUT_MAX	(1u << 20)

struct sink {
	uint8_t	 out[2][OUT_MAX];
	size_t	 len[2];
	int	 block[2];	/* say BLOCKED */
	int	 gone[2];	/* say GONE */
	size_t	 per_write[2];	/* take at most this much per write (0 = all) */
	int	 has_client;
	int	 held[2];	/* hold_sender state */
	int	 holds[2];	/* times it was asked to hold */
	/* units the filter saw */
	int	 filter;
	int	 verdict;	/* PROXY_PASS, PROXY_HANDLED (then re-sent with proxy_send_at) */
	uint8_t	 units[2][OUT_MAX];
	size_t	 units_len[2];
	uint64_t next_off[2];
	int	 tiles_bad;
	char	 frames[2][4096];	/* "len," per FRAME unit */
};

static struct sink *S;

static ssize_t
sink_write(struct proxy *p, enum link_dir dir, const uint8_t *buf, size_t len)
{
	if (S->gone[dir])
		return PROXY_WRITE_GONE;
	if (S->block[dir])
		return PROXY_WRITE_BLOCKED;
	if (S->per_write[dir] != 0 && len > S->per_write[dir])
		len = S->per_write[dir];
	ck_assert_uint_le(S->len[dir] + len, OUT_MAX);
	memcpy(S->out[dir] + S->len[dir], buf, len);
	S->len[dir] += len;
	return (ssize_t)len;
}

static void
sink_want(struct proxy *p)
{
}

static int
sink_has_client(struct proxy *p)
{
	return S->has_client;
}

static void
sink_hold(struct proxy *p, enum link_dir dir, int on)
{
	S->held[dir] = on;
	S->holds[dir] += on;
}

static const struct proxy_path_ops sink_ops = { sink_write, sink_want, sink_has_client, sink_hold };

static int
sink_filter(struct proxy *p, const struct proxy_unit *u, void *arg)
{
	size_t n;

	if (u->offset != S->next_off[u->dir])
		S->tiles_bad = 1;
	S->next_off[u->dir] = u->offset + u->raw_len;
	memcpy(S->units[u->dir] + S->units_len[u->dir], u->raw, u->raw_len);
	S->units_len[u->dir] += u->raw_len;
	if (u->type == PROXY_UNIT_FRAME) {
		n = strlen(S->frames[u->dir]);
		snprintf(S->frames[u->dir] + n, sizeof(S->frames[u->dir]) - n, "%zu,", u->raw_len);
	}
	if (S->verdict == PROXY_HANDLED) {
		proxy_record_fault(p, u, "rule=test action=resend");
		proxy_send_at(p, u->dir, u->raw, u->raw_len, 0, PROXY_SEND_DERIVED);
	}
	return S->verdict;
}

static char cap_path[64];

static struct proxy *
mk(int filter, int verdict)
{
	struct proxy_config cfg;
	struct proxy_hooks hooks;
	struct proxy *p;
	int fd;

	if (S == NULL)
		S = calloc(1, sizeof(*S));
	memset(S, 0, sizeof(*S));
	S->has_client = 1;
	S->verdict = verdict;
	snprintf(cap_path, sizeof(cap_path), "/tmp/check_proxy_path.XXXXXX");
	fd = mkstemp(cap_path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	memset(&cfg, 0, sizeof(cfg));
	cfg.device = "test";
	cfg.quiet = 1;
	cfg.pcap = cap_path;
	p = proxy_new_path(&cfg, &sink_ops);
	ck_assert_ptr_nonnull(p);
	if (filter) {
		memset(&hooks, 0, sizeof(hooks));
		hooks.filter = sink_filter;
		proxy_set_hooks(p, &hooks, NULL);
	}
	return p;
}

/* Free the proxy and rebuild the capture's streams. */
static void
finish(struct proxy *p, struct capture_streams *st)
{
	struct capture_reader *r;
	char err[256];

	proxy_free(p);
	r = capture_reader_open(cap_path, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_int_eq(capture_rebuild_streams(r, st), 0);
	ck_assert_int_eq(st->ended, 1);
	capture_reader_close(r);
}

/* Records of a capture matching type/event code (event 0 = any byte record of `type`). */
static int
count_records(unsigned type, unsigned event, uint32_t *last_ref, uint16_t *last_flags)
{
	struct capture_reader *r;
	struct capture_record rec;
	char err[256];
	int n = 0;

	r = capture_reader_open(cap_path, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	while (capture_reader_next(r, &rec) == 1) {
		if (rec.type != type || (type == CAPTURE_T_EVENT && rec.event != event))
			continue;
		n++;
		if (last_ref != NULL)
			*last_ref = rec.ref;
		if (last_flags != NULL)
			*last_flags = rec.flags;
	}
	capture_reader_close(r);
	return n;
}

static void
assert_stream(const struct capture_streams *st, enum capture_stream s, const uint8_t *b,
    size_t n)
{
	ck_assert_msg(st->len[s] == n, "%s: %zu bytes, want %zu", capture_stream_name(s),
	    st->len[s], n);
	ck_assert_msg(n == 0 || memcmp(st->data[s], b, n) == 0, "%s differs",
	    capture_stream_name(s));
}

/* ---- test streams ---------------------------------------------------------- */

static size_t
put_frame(uint8_t *out, const uint8_t *body, size_t len)
{
	return slip_encode(body, len, out);
}

static size_t
put_command(uint8_t *out, uint8_t op, const uint8_t *data, size_t len)
{
	uint8_t body[512];

	return put_frame(out, body, esp_command_build(op, data, len, 0, body));
}

static size_t
put_response(uint8_t *out, uint8_t op, uint32_t value)
{
	uint8_t body[64], status[4] = { 0, 0, 0, 0 };

	return put_frame(out, body, esp_response_build(op, value, status, sizeof(status), body));
}

/* A host stream: noise, SYNC, an escape-heavy command, an empty frame, text. */
static size_t
host_stream(uint8_t *b)
{
	static const uint8_t sync[36] = { 0x07, 0x07, 0x12, 0x20, 0x55, 0x55, 0x55, 0x55 };
	static const uint8_t esc[8] = { 0xC0, 0xDB, 0xC0, 0xDB, 1, 2, 3, 4 };
	size_t n = 0;

	memcpy(b + n, "boot:0x13\r\n", 11);
	n += 11;
	n += put_command(b + n, ESP_OP_SYNC, sync, sizeof(sync));
	b[n++] = 0xC0;
	b[n++] = 0xC0;		/* an empty frame */
	n += put_command(b + n, ESP_OP_READ_REG, esc, sizeof(esc));
	b[n++] = 0x00;
	b[n++] = 0xC0;		/* garbage: a frame that is no packet */
	b[n++] = 0x11;
	b[n++] = 0xC0;
	memcpy(b + n, "tail", 4);
	n += 4;
	return n;
}

/* Feed `in` to dir in one of the chunkings: 0 whole, SIZE_MAX byte by byte, else split there. */
static void
feed(struct proxy *p, enum link_dir dir, const uint8_t *in, size_t len, size_t split)
{
	size_t i;

	if (split == 0)
		proxy_input(p, dir, in, len);
	else if (split == SIZE_MAX) {
		for (i = 0; i < len; i++)
			proxy_input(p, dir, in + i, 1);
	} else {
		proxy_input(p, dir, in, split);
		proxy_input(p, dir, in + split, len - split);
	}
}

/* ---- tests ----------------------------------------------------------------- */

static void
run_tiling(int filter, int verdict)
{
	uint8_t in[1024];
	char frames[4096] = "";
	size_t len = host_stream(in), split;
	struct capture_streams st;
	struct proxy *p;

	for (split = 0; split <= len; split = split == 0 ? 1 : split + 1) {
		size_t how = split == len ? SIZE_MAX : split;

		p = mk(filter, verdict);
		feed(p, LINK_H2D, in, len, how);
		proxy_source_gone(p, LINK_H2D);	/* the rest (an open frame) as RAW */
		ck_assert_msg(S->len[LINK_H2D] == len, "split %zu: %zu bytes out of %zu", how,
		    S->len[LINK_H2D], len);
		ck_assert_mem_eq(S->out[LINK_H2D], in, len);
		if (filter) {
			ck_assert_msg(!S->tiles_bad, "split %zu: units do not tile", how);
			ck_assert_uint_eq(S->units_len[LINK_H2D], len);
			ck_assert_mem_eq(S->units[LINK_H2D], in, len);
			if (split == 0)
				strcpy(frames, S->frames[LINK_H2D]);
			else
				ck_assert_str_eq(S->frames[LINK_H2D], frames);
		}
		finish(p, &st);
		assert_stream(&st, CAPTURE_S_HOST_SENT, in, len);
		assert_stream(&st, CAPTURE_S_DEVICE_RECEIVED, in, len);
		ck_assert_uint_eq(st.len[CAPTURE_S_DEVICE_SENT], 0);
		capture_streams_free(&st);
		unlink(cap_path);
	}
}

START_TEST(test_tiling_passthrough)
{
	run_tiling(0, PROXY_PASS);
}
END_TEST

START_TEST(test_tiling_filter_pass)
{
	run_tiling(1, PROXY_PASS);
}
END_TEST

START_TEST(test_tiling_filter_handled)
{
	/* Every unit taken over and re-sent: ORIGINAL + DELIVERED, same bytes. */
	run_tiling(1, PROXY_HANDLED);
}
END_TEST

START_TEST(test_hold_release)
{
	static const uint8_t open_frame[] = { 0xC0, 0x00, 0x08, 0x24 };
	struct capture_streams st;
	struct proxy *p = mk(1, PROXY_PASS);

	proxy_input(p, LINK_H2D, open_frame, sizeof(open_frame));
	ck_assert_uint_eq(S->len[LINK_H2D], 0);	/* held: the frame is not complete */
	proxy_hold_timer(&p->s[LINK_H2D]);		/* PROXY_HOLD_GAP of silence */
	ck_assert_uint_eq(S->len[LINK_H2D], sizeof(open_frame));
	ck_assert_mem_eq(S->out[LINK_H2D], open_frame, sizeof(open_frame));
	ck_assert_uint_eq(S->units_len[LINK_H2D], sizeof(open_frame));
	finish(p, &st);
	assert_stream(&st, CAPTURE_S_DEVICE_RECEIVED, open_frame, sizeof(open_frame));
	capture_streams_free(&st);
	unlink(cap_path);
}
END_TEST

static void
run_backpressure(int filter)
{
	uint8_t in[16384];
	struct capture_streams st;
	struct proxy *p = mk(filter, PROXY_PASS);
	size_t i, fed = 0;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 1) == 0xC0 ? 0x41 : (uint8_t)(i * 7 + 1);
	S->block[LINK_H2D] = 1;
	/* The tool writes while the device takes nothing: reading stops after PROXY_BACKPRESSURE. */
	while (!p->s[LINK_H2D].paused && fed < sizeof(in)) {
		proxy_input(p, LINK_H2D, in + fed, 512);
		fed += 512;
	}
	ck_assert_int_eq(p->s[LINK_H2D].paused, 1);
	ck_assert_int_eq(S->held[LINK_H2D], 1);	/* the tool's writes block */
	ck_assert_int_eq(S->holds[LINK_H2D], 1);	/* from the first blocked write on */
	ck_assert_uint_ge(p->s[LINK_H2D].queued + p->s[LINK_H2D].pend.len, PROXY_BACKPRESSURE);
	ck_assert_uint_le(fed, PROXY_BACKPRESSURE + 512);
	ck_assert_int_eq(p->s[LINK_D2H].paused, 0);	/* the other way is not affected */
	/* The device takes bytes again, a few at a time. */
	S->block[LINK_H2D] = 0;
	S->per_write[LINK_H2D] = 100;
	while (p->s[LINK_H2D].queued > 0)
		proxy_drain(p, LINK_H2D);
	ck_assert_int_eq(p->s[LINK_H2D].paused, 0);
	ck_assert_int_eq(S->held[LINK_H2D], 0);
	proxy_input(p, LINK_H2D, in + fed, sizeof(in) - fed);
	while (p->s[LINK_H2D].queued > 0)
		proxy_drain(p, LINK_H2D);
	proxy_source_gone(p, LINK_H2D);
	ck_assert_uint_eq(S->len[LINK_H2D], sizeof(in));
	ck_assert_mem_eq(S->out[LINK_H2D], in, sizeof(in));
	proxy_free(p);
	/* Blocked spells (a short write counts: the kernel's buffer is full), each one closed. */
	ck_assert_int_ge(count_records(CAPTURE_T_EVENT, CAPTURE_EV_DEVICE_WRITE_BLOCKED, NULL,
	    NULL), 1);
	ck_assert_int_eq(count_records(CAPTURE_T_EVENT, CAPTURE_EV_DEVICE_WRITE_BLOCKED, NULL,
	    NULL), count_records(CAPTURE_T_EVENT, CAPTURE_EV_DEVICE_WRITE_UNBLOCKED, NULL, NULL));
	ck_assert_int_eq(count_records(CAPTURE_T_EVENT, CAPTURE_EV_HOST_WRITE_BLOCKED, NULL,
	    NULL), 0);
	p = NULL;
	{
		struct capture_reader *r;
		char err[256];

		r = capture_reader_open(cap_path, err, sizeof(err));
		ck_assert_ptr_nonnull(r);
		ck_assert_int_eq(capture_rebuild_streams(r, &st), 0);
		capture_reader_close(r);
	}
	assert_stream(&st, CAPTURE_S_HOST_SENT, in, sizeof(in));
	assert_stream(&st, CAPTURE_S_DEVICE_RECEIVED, in, sizeof(in));
	capture_streams_free(&st);
	unlink(cap_path);
}

START_TEST(test_backpressure_passthrough)
{
	run_backpressure(0);
}
END_TEST

START_TEST(test_backpressure_filter)
{
	run_backpressure(1);
}
END_TEST

START_TEST(test_stall_is_not_backpressure)
{
	uint8_t in[8192];
	struct proxy *p = mk(1, PROXY_PASS);

	memset(in, 'x', sizeof(in));
	proxy_stall(p, LINK_H2D, PROXY_FOREVER);
	proxy_input(p, LINK_H2D, in, sizeof(in));
	/* Held on purpose: queued, the source still read (up to PROXY_QUEUE_MAX). */
	ck_assert_uint_eq(S->len[LINK_H2D], 0);
	ck_assert_int_eq(p->s[LINK_H2D].paused, 0);
	proxy_stall(p, LINK_H2D, 0);
	ck_assert_uint_eq(S->len[LINK_H2D], sizeof(in));
	ck_assert_int_eq(S->holds[LINK_H2D], 0);
	proxy_free(p);
	ck_assert_int_eq(count_records(CAPTURE_T_EVENT, CAPTURE_EV_DEVICE_WRITE_BLOCKED, NULL,
	    NULL), 0);
	unlink(cap_path);
}
END_TEST

START_TEST(test_baud_mark)
{
	uint8_t cmd[256], resp[64], arg[8] = { 0x00, 0x08, 0x07, 0x00 };	/* 460800 */
	size_t cn = put_command(cmd, ESP_OP_CHANGE_BAUDRATE, arg, sizeof(arg));
	size_t rn = put_response(resp, ESP_OP_CHANGE_BAUDRATE, 0);
	size_t split;

	for (split = 0; split <= rn; split++) {
		struct proxy *p = mk(split % 2, PROXY_PASS);

		proxy_input(p, LINK_H2D, cmd, cn);
		S->block[LINK_D2H] = 1;	/* the tool does not read the ack yet */
		feed(p, LINK_D2H, resp, rn, split == rn ? SIZE_MAX : split);
		ck_assert_uint_eq(p->dev.baud, 115200);	/* the ack has not reached the tool */
		S->block[LINK_D2H] = 0;
		proxy_drain(p, LINK_D2H);
		ck_assert_uint_eq(S->len[LINK_D2H], rn);
		ck_assert_uint_eq(p->dev.baud, 460800);	/* applied once the ack is out */
		proxy_free(p);
		unlink(cap_path);
	}
}
END_TEST

START_TEST(test_discarded)
{
	uint8_t in[256];
	size_t len = put_response(in, ESP_OP_SYNC, 0);
	struct capture_streams st;
	uint32_t ref = 0;
	struct proxy *p = mk(1, PROXY_PASS);

	S->block[LINK_D2H] = 1;
	proxy_input(p, LINK_D2H, in, len);		/* ORIGINAL: not delivered yet */
	S->block[LINK_D2H] = 0;
	S->gone[LINK_D2H] = 1;				/* the tool closed the port */
	proxy_drain(p, LINK_D2H);
	ck_assert_uint_eq(p->s[LINK_D2H].queued, 0);
	finish(p, &st);
	assert_stream(&st, CAPTURE_S_DEVICE_SENT, in, len);
	ck_assert_uint_eq(st.len[CAPTURE_S_HOST_RECEIVED], 0);
	capture_streams_free(&st);
	ck_assert_int_eq(count_records(CAPTURE_T_EVENT, CAPTURE_EV_DISCARDED, &ref, NULL), 1);
	ck_assert_uint_ne(ref, CAPTURE_REF_NONE);
	ck_assert_int_eq(count_records(CAPTURE_T_FRAME, 0, NULL, NULL), 1);	/* ORIGINAL only */
	unlink(cap_path);
}
END_TEST

START_TEST(test_discarded_passthrough)
{
	uint8_t in[4096];
	struct capture_streams st;
	struct proxy *p = mk(0, PROXY_PASS);

	memset(in, 'a', sizeof(in));
	S->block[LINK_D2H] = 1;
	proxy_input(p, LINK_D2H, in, 1000);		/* recorded UNCHANGED, still queued */
	S->block[LINK_D2H] = 0;
	S->gone[LINK_D2H] = 1;
	proxy_drain(p, LINK_D2H);			/* thrown away: DISCARDED recorded=1000 */
	S->gone[LINK_D2H] = 0;
	proxy_input(p, LINK_D2H, in, 500);
	finish(p, &st);
	ck_assert_uint_eq(st.len[CAPTURE_S_DEVICE_SENT], 1500);
	ck_assert_uint_eq(st.len[CAPTURE_S_HOST_RECEIVED], 500);
	ck_assert_uint_eq(S->len[LINK_D2H], 500);
	capture_streams_free(&st);
	unlink(cap_path);
}
END_TEST

/*
 * Every DELIVERED record refers to an earlier ORIGINAL record of its
 * direction with the same bytes, stamped no later; timestamps never go back.
 */
static void
check_refs(int want_delivered)
{
	struct capture_reader *r;
	struct capture_record rec;
	static struct { uint64_t ts; int original; uint8_t raw[512]; size_t len; } seen[256];
	uint64_t last_ts = 0;
	char err[256];
	int delivered = 0;

	r = capture_reader_open(cap_path, err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	while (capture_reader_next(r, &rec) == 1) {
		ck_assert_uint_lt(rec.seq, 256);
		ck_assert_uint_ge(rec.ts_ns, last_ts);
		last_ts = rec.ts_ns;
		seen[rec.seq].ts = rec.ts_ns;
		seen[rec.seq].original = rec.type != CAPTURE_T_EVENT &&
		    (rec.flags & CAPTURE_STAGE_MASK) == CAPTURE_STAGE_ORIGINAL;
		seen[rec.seq].len = rec.raw_len < 512 ? rec.raw_len : 512;
		if (rec.raw != NULL)
			memcpy(seen[rec.seq].raw, rec.raw, seen[rec.seq].len);
		if (rec.type == CAPTURE_T_EVENT ||
		    (rec.flags & CAPTURE_STAGE_MASK) != CAPTURE_STAGE_DELIVERED)
			continue;
		delivered++;
		ck_assert_uint_lt(rec.ref, rec.seq);
		ck_assert_int_eq(seen[rec.ref].original, 1);
		ck_assert_uint_eq(seen[rec.ref].len, rec.raw_len);
		ck_assert_mem_eq(seen[rec.ref].raw, rec.raw, rec.raw_len);
	}
	capture_reader_close(r);
	ck_assert_int_eq(delivered, want_delivered);
}

START_TEST(test_delivered_ref)
{
	uint8_t in[512];
	size_t a = put_response(in, ESP_OP_SYNC, 0), b;
	uint32_t ref = 0;
	uint16_t flags = 0;
	struct capture_streams st;
	struct proxy *p;

	b = a + put_response(in + a, ESP_OP_READ_REG, 0x1234);
	p = mk(1, PROXY_HANDLED);
	proxy_stall(p, LINK_D2H, PROXY_FOREVER);	/* both held */
	proxy_input(p, LINK_D2H, in, b);
	ck_assert_uint_eq(S->len[LINK_D2H], 0);
	proxy_stall(p, LINK_D2H, 0);
	ck_assert_uint_eq(S->len[LINK_D2H], b);
	finish(p, &st);
	assert_stream(&st, CAPTURE_S_HOST_RECEIVED, in, b);
	capture_streams_free(&st);
	ck_assert_int_eq(count_records(CAPTURE_T_FRAME, 0, &ref, &flags), 4);
	ck_assert_uint_eq(flags & CAPTURE_STAGE_MASK, CAPTURE_STAGE_DELIVERED);
	check_refs(2);
	unlink(cap_path);
}
END_TEST

START_TEST(test_noise_coalesced)
{
	static uint8_t in[1 << 20];
	struct capture_streams st;
	uint32_t x = 12345;
	size_t i, c0 = 0;
	struct proxy *p = mk(0, PROXY_PASS);

	for (i = 0; i < sizeof(in); i++) {
		x = x * 1103515245u + 12345u;
		in[i] = (uint8_t)(x >> 16);
		c0 += in[i] == 0xC0;
	}
	for (i = 0; i < sizeof(in); i += 65536)
		proxy_input(p, LINK_D2H, in + i, 65536);
	finish(p, &st);
	assert_stream(&st, CAPTURE_S_DEVICE_SENT, in, sizeof(in));
	assert_stream(&st, CAPTURE_S_HOST_RECEIVED, in, sizeof(in));
	capture_streams_free(&st);
	/*
	 * ~4096 frames in 1 MiB of noise. The first anomalies are recorded
	 * (each note after its unit); past that limit, one record per read.
	 */
	ck_assert_uint_gt(c0, 3000);
	i = (size_t)(count_records(CAPTURE_T_CHUNK, 0, NULL, NULL) +
	    count_records(CAPTURE_T_FRAME, 0, NULL, NULL) +
	    count_records(CAPTURE_T_OUTSIDE, 0, NULL, NULL));
	fprintf(stderr, "noise: %zu C0, %zu byte records\n", c0, i);
	ck_assert_uint_lt(i, c0 / 2);
	unlink(cap_path);
}
END_TEST

static Suite *
proxy_path_suite(void)
{
	Suite *s = suite_create("proxy_path");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_tiling_passthrough);
	tcase_add_test(tc, test_tiling_filter_pass);
	tcase_add_test(tc, test_tiling_filter_handled);
	tcase_add_test(tc, test_hold_release);
	tcase_add_test(tc, test_backpressure_passthrough);
	tcase_add_test(tc, test_backpressure_filter);
	tcase_add_test(tc, test_stall_is_not_backpressure);
	tcase_add_test(tc, test_baud_mark);
	tcase_add_test(tc, test_discarded);
	tcase_add_test(tc, test_discarded_passthrough);
	tcase_add_test(tc, test_delivered_ref);
	tcase_add_test(tc, test_noise_coalesced);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(proxy_path_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
