/*
 * capture-streams.c — rebuilds the four byte streams a capture describes
 * (docs/capture-format.md §5): what the host sent, what the device received,
 * what the device sent and what the host received. Pure apart from the
 * reader it is given.
 */
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "util.h"

const char *
capture_stream_name(enum capture_stream s)
{
	switch (s) {
	case CAPTURE_S_HOST_SENT:	return "host-sent";
	case CAPTURE_S_DEVICE_RECEIVED:	return "device-received";
	case CAPTURE_S_DEVICE_SENT:	return "device-sent";
	case CAPTURE_S_HOST_RECEIVED:	return "host-received";
	default:			break;
	}
	return "?";
}

static void
capture_streams_put(struct capture_streams *st, enum capture_stream s, const uint8_t *b,
    size_t n)
{
	if (n == 0)
		return;
	if (st->cap[s] < st->len[s] + n) {
		size_t want = st->cap[s] != 0 ? st->cap[s] : 4096;

		while (want < st->len[s] + n)
			want *= 2;
		st->data[s] = xrealloc(st->data[s], want);
		st->cap[s] = want;
	}
	memcpy(st->data[s] + st->len[s], b, n);
	st->len[s] += n;
}

/* The value of `key` in an event's logfmt text, as a number (0 when absent). */
static uint64_t
capture_text_u64(const struct capture_record *rec, const char *key)
{
	char k[64], v[64];
	size_t pos = 0;

	while (capture_kv_next(rec->text, rec->text_len, &pos, k, sizeof(k), v, sizeof(v)))
		if (strcmp(k, key) == 0)
			return strtoull(v, NULL, 10);
	return 0;
}

void
capture_streams_add(struct capture_streams *st, const struct capture_record *rec)
{
	enum capture_stream sent, got;
	unsigned stage = rec->flags & CAPTURE_STAGE_MASK;
	uint64_t k;

	st->records++;
	if (rec->dir != CAPTURE_DIR_H2D && rec->dir != CAPTURE_DIR_D2H) {
		if (rec->type == CAPTURE_T_EVENT && rec->event == CAPTURE_EV_END)
			st->ended = 1;
		return;
	}
	sent = rec->dir == CAPTURE_DIR_H2D ? CAPTURE_S_HOST_SENT : CAPTURE_S_DEVICE_SENT;
	got = rec->dir == CAPTURE_DIR_H2D ? CAPTURE_S_DEVICE_RECEIVED : CAPTURE_S_HOST_RECEIVED;
	if (rec->type == CAPTURE_T_EVENT) {
		if (rec->event == CAPTURE_EV_DISCARDED) {
			k = capture_text_u64(rec, "recorded");
			st->len[got] -= k <= st->len[got] ? (size_t)k : st->len[got];
		}
		return;
	}
	if (rec->type != CAPTURE_T_FRAME && rec->type != CAPTURE_T_OUTSIDE &&
	    rec->type != CAPTURE_T_SLIP_ERROR && rec->type != CAPTURE_T_CHUNK)
		return;
	if (rec->flags & CAPTURE_F_ANNOTATION)
		return;
	if (rec->raw_len < rec->wire_len)
		st->partial = 1;
	if (stage == CAPTURE_STAGE_UNCHANGED || stage == CAPTURE_STAGE_ORIGINAL)
		capture_streams_put(st, sent, rec->raw, rec->raw_len);
	if (stage == CAPTURE_STAGE_UNCHANGED || stage == CAPTURE_STAGE_DELIVERED)
		capture_streams_put(st, got, rec->raw, rec->raw_len);
}

int
capture_rebuild_streams(struct capture_reader *r, struct capture_streams *out)
{
	struct capture_record rec;
	int rc;

	memset(out, 0, sizeof(*out));
	for (;;) {
		rc = capture_reader_next(r, &rec);
		if (rc == 0)
			return 0;
		if (rc < 0)
			return rc;	/* truncated, unreadable or a garbage record */
		capture_streams_add(out, &rec);
	}
}

void
capture_streams_free(struct capture_streams *st)
{
	int i;

	for (i = 0; i < CAPTURE_S_COUNT; i++) {
		free(st->data[i]);
		st->data[i] = NULL;
		st->len[i] = st->cap[i] = 0;
	}
}
