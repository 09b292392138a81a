/*
 * check_capture.c — the capture writer, reader, record parser and logfmt
 * helpers: every record type written and read back byte for byte with ns
 * timestamps, stream reconstruction from stages, truncation at every byte of
 * the last record, wrong link type, unknown version, garbage records.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "slip.h"
#include "util.h"

static char tmpdir[256];

static void
setup(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/check_capture.XXXXXX", t != NULL ? t : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

static char *
tpath(const char *name)
{
	char *p;

	xasprintf(&p, "%s/%s", tmpdir, name);
	return p;
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
spill(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

#define T0 UINT64_C(1767225600123456789)	/* a timestamp with every ns digit set */

static const uint8_t frame_a[] = { 0xC0, 0x00, 0x08, 0x04, 0x00, 0, 0, 0, 0,
	0x07, 0x07, 0x12, 0x20, 0xC0 };
static const uint8_t frame_esc[] = { 0xC0, 0x01, 0xDB, 0xDC, 0xDB, 0xDD, 0x02, 0xC0 };
static const uint8_t frame_corrupt[] = { 0xC0, 0x00, 0x08, 0x04, 0x00, 0, 0, 0, 0,
	0x07, 0x27, 0x12, 0x20, 0xC0 };
static const uint8_t bootlog[] = "rst:0x1 (POWERON_RESET)\r\nwaiting for download\r\n";
static const uint8_t trunc_raw[] = { 0xC0, 0x00, 0x03, 0x10 };
static const uint8_t badesc_raw[] = { 0xDB, 0x41 };
static const uint8_t chunk_raw[] = { 0x00, 0xC0, 0xFF };
static const uint8_t inject_raw[] = { 0xC0, 0xC0 };

/* Writes the reference capture; returns the number of records. */
static unsigned
write_reference(const char *path)
{
	struct capture *c;
	struct capture_kv kv;
	char err[512];

	c = capture_open(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "open: %s", err);
	ck_assert_int_eq(capture_write_start(c, T0, "mode=test seed=42"), 0);				/* 0 */
	ck_assert_int_eq(capture_write_outside(c, T0 + 1, CAPTURE_DIR_D2H, 0,
	    bootlog, sizeof(bootlog) - 1), 0);								/* 1 */
	ck_assert_int_eq(capture_write_frame(c, T0 + 2, CAPTURE_DIR_H2D, 0,
	    frame_a, sizeof(frame_a)), 0);								/* 2 */
	ck_assert_int_eq(capture_write_frame(c, T0 + 3, CAPTURE_DIR_D2H,
	    CAPTURE_F_STATUS2 | CAPTURE_F_STUB, frame_esc, sizeof(frame_esc)), 0);			/* 3 */
	ck_assert_int_eq(capture_write_slip_error(c, T0 + 4, CAPTURE_DIR_D2H, 0,
	    CAPTURE_SLIP_OVERSIZE, 0, NULL, 70000), 0);							/* 4 */
	ck_assert_int_eq(capture_write_slip_error(c, T0 + 5, CAPTURE_DIR_D2H, 0,
	    CAPTURE_SLIP_BAD_ESCAPE, 0x41, badesc_raw, sizeof(badesc_raw)), 0);			/* 5 */
	ck_assert_int_eq(capture_write_frame(c, T0 + 6, CAPTURE_DIR_H2D,
	    CAPTURE_STAGE_ORIGINAL, frame_a, sizeof(frame_a)), 0);					/* 6 */
	capture_kv_init(&kv);
	capture_kv_adds(&kv, "rule", "flip bit");
	capture_kv_adds(&kv, "action", "corrupt");
	capture_kv_add(&kv, "changed", "byte %d 0x%02x->0x%02x", 10, 0x07, 0x27);
	ck_assert_int_eq(capture_write_event(c, T0 + 7, CAPTURE_DIR_H2D, CAPTURE_EV_FAULT,
	    kv.buf), 0);										/* 7 */
	ck_assert_int_eq(capture_write_frame(c, T0 + 8, CAPTURE_DIR_H2D,
	    CAPTURE_STAGE_DELIVERED, frame_corrupt, sizeof(frame_corrupt)), 0);			/* 8 */
	ck_assert_int_eq(capture_write_frame(c, T0 + 9, CAPTURE_DIR_H2D,
	    CAPTURE_STAGE_DELIVERED | CAPTURE_F_INJECTED, inject_raw, sizeof(inject_raw)), 0);	/* 9 */
	ck_assert_int_eq(capture_write_chunk(c, T0 + 10, CAPTURE_DIR_H2D, 0,
	    chunk_raw, sizeof(chunk_raw)), 0);								/* 10 */
	ck_assert_int_eq(capture_write_slip_error(c, T0 + 11, CAPTURE_DIR_H2D, 0,
	    CAPTURE_SLIP_TRUNCATED, 0, trunc_raw, sizeof(trunc_raw)), 0);				/* 11 */
	ck_assert_int_eq(capture_write_eventf(c, UINT64_C(4000000000) * 1000000000u + 999999999,
	    CAPTURE_DIR_NONE, 999, "x=%d", 1), 0);							/* 12 */
	ck_assert_uint_eq(capture_next_seq(c), 13);
	ck_assert_int_eq(capture_close(c), 0);
	return 13;
}

START_TEST(test_roundtrip)
{
	char *path = tpath("ref.pcap"), err[512], key[64], val[256];
	struct capture_reader *r;
	struct capture_record rec;
	size_t pos;
	unsigned n = write_reference(path), i;

	r = capture_reader_open(path, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(capture_reader_next(r, &rec), 1);
		ck_assert_uint_eq(rec.seq, i);
		ck_assert_uint_eq(rec.version, CAPTURE_VERSION);
		ck_assert_uint_eq(rec.hdr_len, CAPTURE_HDR_LEN);
		if (i < 12)
			ck_assert_uint_eq(rec.ts_ns, T0 + i);
		switch (i) {
		case 0:
			ck_assert_uint_eq(rec.type, CAPTURE_T_EVENT);
			ck_assert_uint_eq(rec.event, CAPTURE_EV_START);
			ck_assert_uint_eq(rec.dir, CAPTURE_DIR_NONE);
			pos = 0;
			ck_assert(capture_kv_next(rec.text, rec.text_len, &pos, key, sizeof(key),
			    val, sizeof(val)));
			ck_assert_str_eq(key, "tool");
			ck_assert_str_eq(val, "sliptap");
			ck_assert_ptr_nonnull(memmem(rec.text, rec.text_len, "mode=test seed=42", 17));
			ck_assert_ptr_nonnull(memmem(rec.text, rec.text_len, "libpcap=\"", 9));
			break;
		case 1:
			ck_assert_uint_eq(rec.type, CAPTURE_T_OUTSIDE);
			ck_assert_uint_eq(rec.dir, CAPTURE_DIR_D2H);
			ck_assert_uint_eq(rec.raw_len, sizeof(bootlog) - 1);
			ck_assert_uint_eq(rec.wire_len, sizeof(bootlog) - 1);
			ck_assert_mem_eq(rec.raw, bootlog, sizeof(bootlog) - 1);
			ck_assert_uint_eq(rec.offset, 0);
			break;
		case 2:
			ck_assert_uint_eq(rec.type, CAPTURE_T_FRAME);
			ck_assert_uint_eq(rec.dir, CAPTURE_DIR_H2D);
			ck_assert_uint_eq(rec.flags, 0);
			ck_assert_uint_eq(rec.raw_len, sizeof(frame_a));
			ck_assert_mem_eq(rec.raw, frame_a, sizeof(frame_a));
			ck_assert_uint_eq(rec.decoded_len, sizeof(frame_a) - 2);
			ck_assert_uint_eq(rec.ref, CAPTURE_REF_NONE);
			ck_assert_uint_eq(rec.offset, 0);
			break;
		case 3:
			ck_assert_uint_eq(rec.flags, CAPTURE_F_STATUS2 | CAPTURE_F_STUB);
			ck_assert_mem_eq(rec.raw, frame_esc, sizeof(frame_esc));
			ck_assert_uint_eq(rec.decoded_len, 4);
			ck_assert_uint_eq(rec.offset, sizeof(bootlog) - 1);
			break;
		case 4:
			ck_assert_uint_eq(rec.type, CAPTURE_T_SLIP_ERROR);
			ck_assert_uint_eq(rec.slip_error, CAPTURE_SLIP_OVERSIZE);
			ck_assert_uint_eq(rec.wire_len, 70000);
			ck_assert_uint_eq(rec.raw_len, 0);
			ck_assert(rec.flags & CAPTURE_F_RAW_PARTIAL);
			ck_assert_uint_eq(rec.offset, sizeof(bootlog) - 1 + sizeof(frame_esc));
			break;
		case 5:
			ck_assert_uint_eq(rec.slip_error, CAPTURE_SLIP_BAD_ESCAPE);
			ck_assert_uint_eq(rec.bad_byte, 0x41);
			ck_assert(rec.flags & CAPTURE_F_ANNOTATION);
			ck_assert_mem_eq(rec.raw, badesc_raw, sizeof(badesc_raw));
			/* annotations do not advance the stream */
			ck_assert_uint_eq(rec.offset, sizeof(bootlog) - 1 + sizeof(frame_esc) + 70000);
			break;
		case 6:
			ck_assert_uint_eq(rec.flags, CAPTURE_STAGE_ORIGINAL);
			ck_assert_uint_eq(rec.offset, sizeof(frame_a));
			ck_assert_uint_eq(rec.ref, CAPTURE_REF_NONE);
			break;
		case 7:
			ck_assert_uint_eq(rec.type, CAPTURE_T_EVENT);
			ck_assert_uint_eq(rec.event, CAPTURE_EV_FAULT);
			ck_assert_uint_eq(rec.dir, CAPTURE_DIR_H2D);
			ck_assert_uint_eq(rec.ref, 6);	/* the record the fault is about */
			ck_assert_uint_eq(rec.text_len, strlen("rule=\"flip bit\" action=corrupt"
			    " changed=\"byte 10 0x07->0x27\""));
			ck_assert_mem_eq(rec.text, "rule=\"flip bit\" action=corrupt"
			    " changed=\"byte 10 0x07->0x27\"", rec.text_len);
			break;
		case 8:
			ck_assert_uint_eq(rec.flags, CAPTURE_STAGE_DELIVERED);
			ck_assert_uint_eq(rec.ref, 6);
			ck_assert_mem_eq(rec.raw, frame_corrupt, sizeof(frame_corrupt));
			/* delivered stream so far: frame_a (unchanged) */
			ck_assert_uint_eq(rec.offset, sizeof(frame_a));
			break;
		case 9:
			ck_assert_uint_eq(rec.flags, CAPTURE_STAGE_DELIVERED | CAPTURE_F_INJECTED);
			ck_assert_uint_eq(rec.ref, CAPTURE_REF_NONE);
			ck_assert_uint_eq(rec.offset, sizeof(frame_a) + sizeof(frame_corrupt));
			break;
		case 10:
			ck_assert_uint_eq(rec.type, CAPTURE_T_CHUNK);
			ck_assert_mem_eq(rec.raw, chunk_raw, sizeof(chunk_raw));
			ck_assert_uint_eq(rec.offset, 2 * sizeof(frame_a));
			break;
		case 11:
			ck_assert_uint_eq(rec.slip_error, CAPTURE_SLIP_TRUNCATED);
			ck_assert_mem_eq(rec.raw, trunc_raw, sizeof(trunc_raw));
			ck_assert_uint_eq(rec.flags & CAPTURE_F_RAW_PARTIAL, 0);
			break;
		case 12:
			/* a time past 2106 (u32 seconds wrap in pcap: 4e9 s still fits) */
			ck_assert_uint_eq(rec.ts_ns, UINT64_C(4000000000) * 1000000000u + 999999999);
			ck_assert_uint_eq(rec.event, 999);
			ck_assert_uint_eq(rec.text_len, 3);
			ck_assert_mem_eq(rec.text, "x=1", 3);
			break;
		}
	}
	ck_assert_int_eq(capture_reader_next(r, &rec), 0);
	ck_assert_uint_eq(capture_reader_count(r), n);
	ck_assert_str_eq(capture_reader_error(r), "");
	capture_reader_close(r);
	free(path);
}
END_TEST

/* The documented rule: sent = UNCHANGED + ORIGINAL, delivered = UNCHANGED + DELIVERED. */
/* capture_set_ref, DISCARDED, the time-order clamp and capture_rebuild_streams. */
START_TEST(test_rebuild_discarded_ref)
{
	char *path = tpath("rebuild.pcap"), err[256];
	struct capture *c = capture_open(path, err, sizeof(err));
	struct capture_reader *r;
	struct capture_record rec;
	struct capture_streams st;
	uint64_t last = 0;
	uint32_t seq_a;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(capture_write_chunk(c, 1000, CAPTURE_DIR_D2H, CAPTURE_STAGE_UNCHANGED,
	    (const uint8_t *)"hello ", 6), 0);				/* 0 */
	seq_a = capture_next_seq(c);
	ck_assert_int_eq(capture_write_chunk(c, 2000, CAPTURE_DIR_D2H, CAPTURE_STAGE_ORIGINAL,
	    (const uint8_t *)"AAA", 3), 0);				/* 1 */
	ck_assert_int_eq(capture_write_chunk(c, 2100, CAPTURE_DIR_D2H, CAPTURE_STAGE_ORIGINAL,
	    (const uint8_t *)"BBB", 3), 0);				/* 2 */
	capture_set_ref(c, seq_a);
	/* stamped before its predecessor: written at 2100 */
	ck_assert_int_eq(capture_write_chunk(c, 1500, CAPTURE_DIR_D2H, CAPTURE_STAGE_DELIVERED,
	    (const uint8_t *)"AAA", 3), 0);				/* 3, ref 1 */
	ck_assert_int_eq(capture_write_discarded(c, 3000, CAPTURE_DIR_D2H, 3, 0, 2,
	    "client gone"), 0);						/* 4, ref 2 */
	ck_assert_int_eq(capture_write_chunk(c, 4000, CAPTURE_DIR_D2H, CAPTURE_STAGE_UNCHANGED,
	    (const uint8_t *)"world", 5), 0);				/* 5 */
	ck_assert_int_eq(capture_write_discarded(c, 5000, CAPTURE_DIR_D2H, 2, 2, CAPTURE_REF_NONE,
	    "client gone"), 0);						/* 6: "ld" not received */
	ck_assert_int_eq(capture_write_event(c, 6000, CAPTURE_DIR_NONE, CAPTURE_EV_END, "records=8"), 0);
	ck_assert_int_eq(capture_close(c), 0);

	r = capture_reader_open(path, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	while (capture_reader_next(r, &rec) == 1) {
		ck_assert_uint_ge(rec.ts_ns, last);
		last = rec.ts_ns;
		if (rec.seq == 3) {
			ck_assert_uint_eq(rec.ref, 1);
			ck_assert_uint_eq(rec.ts_ns, 2100);
		}
		if (rec.seq == 4) {
			ck_assert_uint_eq(rec.event, CAPTURE_EV_DISCARDED);
			ck_assert_uint_eq(rec.ref, 2);
		}
		if (rec.seq == 5)
			ck_assert_uint_eq(rec.offset, 12);	/* sent offset: 6 + 3 + 3 */
	}
	capture_reader_close(r);
	ck_assert_str_eq(capture_event_name(CAPTURE_EV_DISCARDED), "DISCARDED");
	ck_assert_str_eq(capture_event_name(CAPTURE_EV_HOST_WRITE_UNBLOCKED), "HOST_WRITE_UNBLOCKED");

	r = capture_reader_open(path, err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(capture_rebuild_streams(r, &st), 0);
	capture_reader_close(r);
	ck_assert_int_eq(st.ended, 1);
	ck_assert_uint_eq(st.len[CAPTURE_S_DEVICE_SENT], 17);
	ck_assert_mem_eq(st.data[CAPTURE_S_DEVICE_SENT], "hello AAABBBworld", 17);
	ck_assert_uint_eq(st.len[CAPTURE_S_HOST_RECEIVED], 12);
	ck_assert_mem_eq(st.data[CAPTURE_S_HOST_RECEIVED], "hello AAAwor", 12);
	ck_assert_uint_eq(st.len[CAPTURE_S_HOST_SENT], 0);
	ck_assert_str_eq(capture_stream_name(CAPTURE_S_HOST_RECEIVED), "host-received");
	capture_streams_free(&st);
	free(path);
}
END_TEST

START_TEST(test_stream_reconstruction)
{
	char *path = tpath("ref.pcap"), err[512];
	struct capture_reader *r;
	struct capture_record rec;
	uint8_t sent[256], got[256], want[256];
	size_t ns = 0, ng = 0, nw;
	unsigned stage;

	write_reference(path);
	r = capture_reader_open(path, err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	while (capture_reader_next(r, &rec) == 1) {
		if (rec.dir != CAPTURE_DIR_H2D || rec.type == CAPTURE_T_EVENT ||
		    (rec.flags & CAPTURE_F_ANNOTATION))
			continue;
		stage = rec.flags & CAPTURE_STAGE_MASK;
		if (stage != CAPTURE_STAGE_DELIVERED) {
			ck_assert_uint_eq(rec.offset, ns);
			memcpy(sent + ns, rec.raw, rec.raw_len);
			ns += rec.raw_len;
		}
		if (stage != CAPTURE_STAGE_ORIGINAL) {
			if (stage == CAPTURE_STAGE_DELIVERED)
				ck_assert_uint_eq(rec.offset, ng);
			memcpy(got + ng, rec.raw, rec.raw_len);
			ng += rec.raw_len;
		}
	}
	capture_reader_close(r);
	nw = 0;
	memcpy(want + nw, frame_a, sizeof(frame_a)); nw += sizeof(frame_a);
	memcpy(want + nw, frame_a, sizeof(frame_a)); nw += sizeof(frame_a);
	memcpy(want + nw, chunk_raw, sizeof(chunk_raw)); nw += sizeof(chunk_raw);
	memcpy(want + nw, trunc_raw, sizeof(trunc_raw)); nw += sizeof(trunc_raw);
	ck_assert_uint_eq(ns, nw);
	ck_assert_mem_eq(sent, want, nw);
	nw = 0;
	memcpy(want + nw, frame_a, sizeof(frame_a)); nw += sizeof(frame_a);
	memcpy(want + nw, frame_corrupt, sizeof(frame_corrupt)); nw += sizeof(frame_corrupt);
	memcpy(want + nw, inject_raw, sizeof(inject_raw)); nw += sizeof(inject_raw);
	memcpy(want + nw, chunk_raw, sizeof(chunk_raw)); nw += sizeof(chunk_raw);
	memcpy(want + nw, trunc_raw, sizeof(trunc_raw)); nw += sizeof(trunc_raw);
	ck_assert_uint_eq(ng, nw);
	ck_assert_mem_eq(got, want, nw);
	free(path);
}
END_TEST

/* Cut the file at every byte of the last record (loop index = bytes cut off). */
START_TEST(test_truncated)
{
	char *path = tpath("t.pcap"), *cut = tpath("cut.pcap"), err[512], want[600];
	struct capture *c;
	struct capture_reader *r;
	struct capture_record rec;
	struct stat sb;
	uint8_t *buf, raw[300];
	size_t len, start, keep;
	int k, rc;

	c = capture_open(path, err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	memset(raw, 0xC0, sizeof(raw));
	for (k = 0; k < 3; k++)
		ck_assert_int_eq(capture_write_frame(c, T0 + (uint64_t)k, CAPTURE_DIR_H2D, 0,
		    raw, 10 + (size_t)k), 0);
	ck_assert_int_eq(stat(path, &sb), 0);	/* flushed per record: the size is exact */
	start = (size_t)sb.st_size;
	ck_assert_int_eq(capture_write_frame(c, T0 + 9, CAPTURE_DIR_D2H, 0, raw, sizeof(raw)), 0);
	ck_assert_int_eq(capture_close(c), 0);
	buf = slurp(path, &len);
	ck_assert_uint_eq(len, start + 16 + CAPTURE_HDR_LEN + CAPTURE_BYTES_HDR_LEN + sizeof(raw));

	/* _i = 1 .. whole last record - 1 bytes kept */
	keep = start + (size_t)_i;
	if (keep >= len) {
		free(buf);
		free(path);
		free(cut);
		return;
	}
	spill(cut, buf, keep);
	r = capture_reader_open(cut, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	for (k = 0; k < 3; k++) {
		ck_assert_int_eq(capture_reader_next(r, &rec), 1);
		ck_assert_uint_eq(rec.raw_len, 10 + (size_t)k);
	}
	rc = capture_reader_next(r, &rec);
	ck_assert_int_eq(rc, CAPTURE_ERR_TRUNCATED);
	snprintf(want, sizeof(want), "%s: capture truncated after 3 records (file ends mid-record)",
	    cut);
	ck_assert_str_eq(capture_reader_error(r), want);
	ck_assert_int_eq(capture_reader_next(r, &rec), CAPTURE_ERR_TRUNCATED);	/* sticky */
	ck_assert_uint_eq(capture_reader_count(r), 3);
	capture_reader_close(r);

	/* Cut exactly between records: a clean end. */
	spill(cut, buf, start);
	r = capture_reader_open(cut, err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	for (k = 0; k < 3; k++)
		ck_assert_int_eq(capture_reader_next(r, &rec), 1);
	ck_assert_int_eq(capture_reader_next(r, &rec), 0);
	capture_reader_close(r);
	free(buf);
	free(path);
	free(cut);
}
END_TEST

/* A pcap global header by hand (this file may not include <pcap.h>). */
static void
put_global_header(uint8_t *h, uint32_t magic, uint32_t linktype)
{
	put_le32(h, magic);
	put_le16(h + 4, 2);
	put_le16(h + 6, 4);
	put_le32(h + 8, 0);
	put_le32(h + 12, 0);
	put_le32(h + 16, 65535);
	put_le32(h + 20, linktype);
}

START_TEST(test_wrong_linktype)
{
	char *path = tpath("eth.pcap"), err[512];
	uint8_t h[24 + 16 + 14];

	memset(h, 0, sizeof(h));
	put_global_header(h, 0xa1b2c3d4, 1);	/* DLT_EN10MB */
	put_le32(h + 24 + 8, 14);
	put_le32(h + 24 + 12, 14);
	spill(path, h, sizeof(h));
	err[0] = '\0';
	ck_assert_ptr_null(capture_reader_open(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, path) != NULL, "message does not name the file: %s", err);
	ck_assert_msg(strstr(err, "link type 1") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "not a sliptap capture") != NULL, "%s", err);
	free(path);
}
END_TEST

START_TEST(test_not_pcap)
{
	char *path = tpath("text.pcap"), *missing = tpath("missing.pcap"), err[512];

	spill(path, (const uint8_t *)"hello, this is not a capture\n", 29);
	ck_assert_ptr_null(capture_reader_open(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	ck_assert_ptr_null(capture_reader_open(missing, err, sizeof(err)));
	ck_assert_msg(strstr(err, missing) != NULL, "%s", err);
	spill(path, (const uint8_t *)"", 0);
	ck_assert_ptr_null(capture_reader_open(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	free(path);
	free(missing);
}
END_TEST

/* Microsecond pcap of the right link type: timestamps come back in ns. */
START_TEST(test_usec_file)
{
	char *path = tpath("us.pcap"), err[512];
	struct capture_reader *r;
	struct capture_record rec;
	uint8_t f[24 + 16 + 32];

	memset(f, 0, sizeof(f));
	put_global_header(f, 0xa1b2c3d4, CAPTURE_LINKTYPE);
	put_le32(f + 24, 100);
	put_le32(f + 28, 250);
	put_le32(f + 32, 32);
	put_le32(f + 36, 32);
	f[40] = CAPTURE_MAGIC;
	f[41] = CAPTURE_VERSION;
	f[42] = CAPTURE_HDR_LEN;
	f[43] = CAPTURE_T_CHUNK;
	f[44] = CAPTURE_DIR_D2H;
	put_le32(f + 40 + 24, 0);
	spill(path, f, sizeof(f));
	r = capture_reader_open(path, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	ck_assert_int_eq(capture_reader_next(r, &rec), 1);
	ck_assert_uint_eq(rec.ts_ns, UINT64_C(100000250000));
	ck_assert_uint_eq(rec.type, CAPTURE_T_CHUNK);
	ck_assert_uint_eq(rec.raw_len, 0);
	ck_assert_int_eq(capture_reader_next(r, &rec), 0);
	capture_reader_close(r);
	free(path);
}
END_TEST

/* Offset of record `n`'s payload in a file (walks the pcap record headers). */
static size_t
record_payload_offset(const uint8_t *buf, size_t len, unsigned n)
{
	size_t off = 24;

	while (n-- > 0) {
		ck_assert(off + 16 <= len);
		off += 16 + le32(buf + off + 8);
	}
	return off + 16;
}

START_TEST(test_bad_version)
{
	char *path = tpath("ref.pcap"), *bad = tpath("v2.pcap"), err[512];
	struct capture_reader *r;
	struct capture_record rec;
	uint8_t *buf;
	size_t len;

	write_reference(path);
	buf = slurp(path, &len);
	buf[record_payload_offset(buf, len, 2) + 1] = 2;
	spill(bad, buf, len);
	r = capture_reader_open(bad, err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(capture_reader_next(r, &rec), 1);
	ck_assert_int_eq(capture_reader_next(r, &rec), 1);
	ck_assert_int_eq(capture_reader_next(r, &rec), CAPTURE_ERR_VERSION);
	ck_assert_msg(strstr(capture_reader_error(r), bad) != NULL, "%s", capture_reader_error(r));
	ck_assert_msg(strstr(capture_reader_error(r), "version 2") != NULL, "%s",
	    capture_reader_error(r));
	ck_assert_int_eq(capture_reader_next(r, &rec), CAPTURE_ERR_VERSION);
	capture_reader_close(r);
	free(buf);
	free(path);
	free(bad);
}
END_TEST

/* A garbage record is reported and skipped; the next record still reads. */
START_TEST(test_garbage_record)
{
	char *path = tpath("ref.pcap"), *bad = tpath("g.pcap"), err[512];
	struct capture_reader *r;
	struct capture_record rec;
	uint8_t *buf;
	size_t len, off;

	write_reference(path);
	buf = slurp(path, &len);
	buf[record_payload_offset(buf, len, 1)] = 'X';
	off = record_payload_offset(buf, len, 2);
	put_le32(buf + off + CAPTURE_HDR_LEN, 1);	/* wire_len 1 < raw bytes */
	spill(bad, buf, len);
	r = capture_reader_open(bad, err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(capture_reader_next(r, &rec), 1);
	ck_assert_int_eq(capture_reader_next(r, &rec), CAPTURE_ERR_MAGIC);
	ck_assert_msg(strstr(capture_reader_error(r), "record 1") != NULL, "%s",
	    capture_reader_error(r));
	ck_assert_int_eq(capture_reader_next(r, &rec), CAPTURE_ERR_BODY);
	ck_assert_int_eq(capture_reader_next(r, &rec), 1);
	ck_assert_uint_eq(rec.seq, 3);
	capture_reader_close(r);
	free(buf);
	free(path);
	free(bad);
}
END_TEST

struct parse_vec {
	const char *name;
	uint8_t bytes[40];
	size_t len;
	int rc;
	uint8_t type;
};

static const struct parse_vec parse_vecs[] = {
	{ "empty", { 0 }, 0, CAPTURE_ERR_SHORT, 0 },
	{ "magic only", { 0x53 }, 1, CAPTURE_ERR_SHORT, 0 },
	{ "bad magic", { 0x54, 1 }, 2, CAPTURE_ERR_MAGIC, 0 },
	{ "version 0", { 0x53, 0 }, 2, CAPTURE_ERR_VERSION, 0 },
	{ "version 2", { 0x53, 2, 24, 1 }, 4, CAPTURE_ERR_VERSION, 0 },
	{ "short header", { 0x53, 1, 24, 1, 1 }, 5, CAPTURE_ERR_SHORT, 0 },
	{ "hdr_len 23", { 0x53, 1, 23, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 32, CAPTURE_ERR_BODY, 0 },
	{ "hdr_len past end", { 0x53, 1, 200, 1, 1 }, 24, CAPTURE_ERR_BODY, 0 },
	{ "frame without body", { 0x53, 1, 24, 1, 1 }, 24, CAPTURE_ERR_SHORT, 0 },
	{ "frame, empty raw", { 0x53, 1, 24, 1, 1 }, 32, 0, CAPTURE_T_FRAME },
	{ "frame, raw > wire_len", { 0x53, 1, 24, 1, 1 }, 33, CAPTURE_ERR_BODY, 0 },
	{ "frame, raw < wire_len", { 0x53, 1, 24, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0xC0 }, 33, CAPTURE_ERR_BODY, 0 },
	{ "frame, partial flagged", { 0x53, 1, 24, 1, 1, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0xC0 }, 33, 0, CAPTURE_T_FRAME },
	{ "event without body", { 0x53, 1, 24, 4 }, 27, CAPTURE_ERR_SHORT, 0 },
	{ "event, empty text", { 0x53, 1, 24, 4 }, 28, 0, CAPTURE_T_EVENT },
	{ "unknown type", { 0x53, 1, 24, 77 }, 30, 0, 77 },
	{ "longer header", { 0x53, 1, 28, 4 }, 32, 0, CAPTURE_T_EVENT },
};

START_TEST(test_parse_vectors)
{
	const struct parse_vec *v = &parse_vecs[_i];
	struct capture_record rec;
	uint8_t *copy;
	int rc;

	/* A heap copy of exactly len bytes, so ASan catches any overread. */
	copy = xmalloc(v->len > 0 ? v->len : 1);
	memcpy(copy, v->bytes, v->len);
	rc = capture_record_parse(copy, v->len, &rec);
	ck_assert_msg(rc == v->rc, "%s: rc %d, want %d", v->name, rc, v->rc);
	if (rc == 0)
		ck_assert_msg(rec.type == v->type, "%s: type %u", v->name, rec.type);
	ck_assert_ptr_nonnull(capture_strerror(rc));
	free(copy);
}
END_TEST

START_TEST(test_kv)
{
	static const char *const vals[] = {
		"plain", "", "two words", "q\"uote", "back\\slash", "a=b", "nl\nx\ttab\r",
		"\x01\x7f", "utf8 \xc3\xa9", "trailing ",
	};
	struct capture_kv kv;
	char key[32], val[256], expect[16];
	size_t pos = 0, i;

	capture_kv_init(&kv);
	for (i = 0; i < nitems(vals); i++) {
		snprintf(expect, sizeof(expect), "k%zu", i);
		capture_kv_adds(&kv, expect, vals[i]);
	}
	ck_assert_int_eq(kv.overflow, 0);
	ck_assert_uint_eq(strlen(kv.buf), kv.len);
	ck_assert_ptr_null(strchr(kv.buf, '\n'));
	for (i = 0; i < nitems(vals); i++) {
		ck_assert(capture_kv_next(kv.buf, kv.len, &pos, key, sizeof(key), val, sizeof(val)));
		snprintf(expect, sizeof(expect), "k%zu", i);
		ck_assert_str_eq(key, expect);
		ck_assert_str_eq(val, vals[i]);
	}
	ck_assert(!capture_kv_next(kv.buf, kv.len, &pos, key, sizeof(key), val, sizeof(val)));

	/* Exact text of a typical FAULT event. */
	capture_kv_init(&kv);
	capture_kv_adds(&kv, "rule", "drop-seq-3");
	capture_kv_add(&kv, "seq", "%d", 3);
	capture_kv_adds(&kv, "changed", "dropped 1040 bytes");
	ck_assert_str_eq(kv.buf, "rule=drop-seq-3 seq=3 changed=\"dropped 1040 bytes\"");

	/* Junk never fails; a word without '=' is a key with an empty value. */
	pos = 0;
	ck_assert(capture_kv_next("word x=\"unterminated", 20, &pos, key, sizeof(key), val,
	    sizeof(val)));
	ck_assert_str_eq(key, "word");
	ck_assert_str_eq(val, "");
	ck_assert(capture_kv_next("word x=\"unterminated", 20, &pos, key, sizeof(key), val,
	    sizeof(val)));
	ck_assert_str_eq(key, "x");
	ck_assert_str_eq(val, "unterminated");

	/* Keys and values longer than the buffers are clipped, and the scan goes on. */
	pos = 0;
	ck_assert(capture_kv_next("a_very_long_key_indeed=and_a_long_value next=1", 46, &pos,
	    key, 8, val, 6));
	ck_assert_str_eq(key, "a_very_");
	ck_assert_str_eq(val, "and_a");
	ck_assert(capture_kv_next("a_very_long_key_indeed=and_a_long_value next=1", 46, &pos,
	    key, 8, val, 6));
	ck_assert_str_eq(key, "next");
	ck_assert_str_eq(val, "1");

	/* Overflow drops whole fields. */
	capture_kv_init(&kv);
	memset(val, 'v', 200);
	val[200] = '\0';
	for (i = 0; i < 30; i++)
		capture_kv_adds(&kv, "key", val);
	ck_assert_int_eq(kv.overflow, 1);
	ck_assert_uint_le(kv.len, CAPTURE_MAX_TEXT);
	ck_assert_uint_eq((kv.len + 1) % 205, 0);
}
END_TEST

/* The slip decoder glue, and OUTSIDE splitting past CAPTURE_MAX_RAW. */
START_TEST(test_slip_event_and_split)
{
	char *path = tpath("s.pcap"), err[512];
	struct capture *c;
	struct capture_reader *r;
	struct capture_record rec;
	struct slip_event ev;
	uint8_t *big;
	size_t bigl = CAPTURE_MAX_RAW + 10;

	c = capture_open(path, err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	memset(&ev, 0, sizeof(ev));
	ev.type = SLIP_EV_FRAME;
	ev.raw = frame_a;
	ev.raw_len = sizeof(frame_a);
	ck_assert_int_eq(capture_write_slip_event(c, T0, CAPTURE_DIR_D2H, 0, &ev), 0);
	ev.type = SLIP_EV_OVERSIZE;
	ev.raw = NULL;
	ev.raw_len = 99999;
	ck_assert_int_eq(capture_write_slip_event(c, T0, CAPTURE_DIR_D2H, 0, &ev), 0);
	ev.type = SLIP_EV_BAD_ESCAPE;
	ev.raw = badesc_raw;
	ev.raw_len = 2;
	ev.bad_byte = 0x41;
	ck_assert_int_eq(capture_write_slip_event(c, T0, CAPTURE_DIR_D2H, 0, &ev), 0);
	big = xcalloc(1, bigl);
	big[bigl - 1] = 'z';
	ck_assert_int_eq(capture_write_outside(c, T0, CAPTURE_DIR_D2H, 0, big, bigl), 0);
	capture_set_flush(c, 0);
	ck_assert_int_eq(capture_write_chunk(c, T0, CAPTURE_DIR_D2H, 0, big, 0), 0);
	ck_assert_int_eq(capture_close(c), 0);

	r = capture_reader_open(path, err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(capture_reader_next(r, &rec), 1);
	ck_assert_uint_eq(rec.type, CAPTURE_T_FRAME);
	ck_assert_int_eq(capture_reader_next(r, &rec), 1);
	ck_assert_uint_eq(rec.slip_error, CAPTURE_SLIP_OVERSIZE);
	ck_assert_uint_eq(rec.wire_len, 99999);
	ck_assert_int_eq(capture_reader_next(r, &rec), 1);
	ck_assert_uint_eq(rec.slip_error, CAPTURE_SLIP_BAD_ESCAPE);
	ck_assert_uint_eq(rec.bad_byte, 0x41);
	ck_assert_int_eq(capture_reader_next(r, &rec), 1);
	ck_assert_uint_eq(rec.type, CAPTURE_T_OUTSIDE);
	ck_assert_uint_eq(rec.raw_len, CAPTURE_MAX_RAW);
	ck_assert_int_eq(capture_reader_next(r, &rec), 1);
	ck_assert_uint_eq(rec.raw_len, 10);
	ck_assert_uint_eq(rec.raw[9], 'z');
	ck_assert_uint_eq(rec.offset, sizeof(frame_a) + 99999 + CAPTURE_MAX_RAW);
	ck_assert_int_eq(capture_reader_next(r, &rec), 1);
	ck_assert_uint_eq(rec.type, CAPTURE_T_CHUNK);
	ck_assert_uint_eq(rec.raw_len, 0);
	ck_assert_int_eq(capture_reader_next(r, &rec), 0);
	capture_reader_close(r);
	free(big);
	free(path);
}
END_TEST

START_TEST(test_write_errors)
{
	char *path = tpath("no/such/dir/x.pcap"), err[512];
	struct capture *c;
	uint8_t raw[4096];
	int i, failed = 0;

	err[0] = '\0';
	ck_assert_ptr_null(capture_open(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, path) != NULL, "%s", err);
	ck_assert_int_eq(capture_close(NULL), 0);
	capture_reader_close(NULL);

	if (access("/dev/full", W_OK) != 0)
		return;
	/* The global header itself fails to flush on /dev/full. */
	c = capture_open("/dev/full", err, sizeof(err));
	if (c == NULL) {
		ck_assert_msg(strstr(err, "/dev/full") != NULL, "%s", err);
		free(path);
		return;
	}
	memset(raw, 0, sizeof(raw));
	for (i = 0; i < 8; i++)
		failed |= capture_write_frame(c, T0, CAPTURE_DIR_H2D, 0, raw, sizeof(raw)) != 0;
	ck_assert(failed);
	ck_assert_ptr_nonnull(capture_errmsg(c));
	ck_assert_int_eq(capture_close(c), -1);
	free(path);
}
END_TEST

/* FRAME decoded_len agrees with the core SLIP decoder, escapes and bad escapes included. */
struct declen_ctx {
	size_t len;
	int frames;
};

static void
declen_cb(const struct slip_event *ev, void *arg)
{
	struct declen_ctx *x = arg;

	if (ev->type == SLIP_EV_FRAME) {
		x->len = ev->len;
		x->frames++;
	}
}

static const struct {
	uint8_t raw[12];
	size_t len;
} declen_vecs[] = {
	{ { 0xC0, 0xC0 }, 2 },
	{ { 0xC0, 0x01, 0xC0 }, 3 },
	{ { 0xC0, 0xDB, 0xDC, 0xDB, 0xDD, 0xC0 }, 6 },
	{ { 0xC0, 0xDB, 0x41, 0x02, 0xC0 }, 5 },
	{ { 0xC0, 0x01, 0xDB, 0xC0 }, 4 },
	{ { 0xC0, 0xDB, 0xDB, 0xDC, 0xC0 }, 5 },
	{ { 0xC0, 0xDB, 0xDB, 0xDD, 0xDB, 0xDC, 0x00, 0xC0 }, 8 },
};

START_TEST(test_decoded_len)
{
	char *path = tpath("d.pcap"), err[512];
	struct capture *c;
	struct capture_reader *r;
	struct capture_record rec;
	struct slip_decoder *d;
	struct declen_ctx x = { 0, 0 };

	c = capture_open(path, err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(capture_write_frame(c, T0, CAPTURE_DIR_H2D, 0, declen_vecs[_i].raw,
	    declen_vecs[_i].len), 0);
	ck_assert_int_eq(capture_close(c), 0);
	r = capture_reader_open(path, err, sizeof(err));
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(capture_reader_next(r, &rec), 1);
	d = slip_decoder_new(0, declen_cb, &x);
	slip_decoder_feed(d, declen_vecs[_i].raw, declen_vecs[_i].len);
	slip_decoder_finish(d);
	slip_decoder_free(d);
	if (x.frames == 0)
		x.len = 0;	/* C0 C0: no frame, an empty body */
	ck_assert_uint_eq(rec.decoded_len, x.len);
	capture_reader_close(r);
	free(path);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(capture_type_name(CAPTURE_T_FRAME), "FRAME");
	ck_assert_ptr_null(capture_type_name(0));
	ck_assert_str_eq(capture_dir_name(CAPTURE_DIR_D2H), "d2h");
	ck_assert_str_eq(capture_stage_name(CAPTURE_STAGE_DELIVERED | CAPTURE_F_STUB), "delivered");
	ck_assert_str_eq(capture_slip_error_name(CAPTURE_SLIP_OVERSIZE), "OVERSIZE");
	ck_assert_str_eq(capture_event_name(CAPTURE_EV_NOT_TRIGGERED), "NOT_TRIGGERED");
	ck_assert_str_eq(capture_event_name(CAPTURE_EV_VERDICT), "VERDICT");
	ck_assert_ptr_null(capture_event_name(999));
}
END_TEST

static Suite *
capture_suite(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("capture");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_stream_reconstruction);
	tcase_add_test(tc, test_rebuild_discarded_ref);
	tcase_add_loop_test(tc, test_truncated, 1,
	    16 + CAPTURE_HDR_LEN + CAPTURE_BYTES_HDR_LEN + 300);
	tcase_add_test(tc, test_wrong_linktype);
	tcase_add_test(tc, test_not_pcap);
	tcase_add_test(tc, test_usec_file);
	tcase_add_test(tc, test_bad_version);
	tcase_add_test(tc, test_garbage_record);
	tcase_add_loop_test(tc, test_parse_vectors, 0, (int)nitems(parse_vecs));
	tcase_add_test(tc, test_kv);
	tcase_add_test(tc, test_slip_event_and_split);
	tcase_add_test(tc, test_write_errors);
	tcase_add_loop_test(tc, test_decoded_len, 0, (int)nitems(declen_vecs));
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(capture_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
