/*
 * slip.c — streaming SLIP decoder and encoder (RFC 1055 as the ESP serial
 * bootloader and esptool use it).
 *
 * The decoder is a small state machine fed arbitrary chunks; feeding one
 * byte at a time gives exactly the events of feeding everything at once.
 * Memory is fixed at creation: a decoded-body buffer of max_frame bytes, a
 * raw (wire) buffer of 2 * max_frame + 2 bytes and an outside-text buffer
 * of SLIP_MAX_OUTSIDE bytes. Nothing is allocated per byte.
 *
 * Where it deliberately differs from esptool's reader (which raises an
 * exception on the first oddity): a bad escape (DB followed by anything but
 * DC/DD) is reported as SLIP_EV_BAD_ESCAPE and BOTH bytes are kept in the
 * body as they were on the wire, so the frame (and the capture) loses
 * nothing; the following byte is not reinterpreted (DB DB keeps two DBs). A
 * DB right before the closing C0 is reported the same way (bad_byte 0xC0),
 * the DB is kept and the C0 still closes the frame. An over-long frame is
 * dropped until the next C0 and reported once as SLIP_EV_OVERSIZE with the
 * count of wire bytes dropped (both C0s included). At slip_decoder_finish an
 * open frame is reported as SLIP_EV_TRUNCATED (raw includes a pending DB),
 * except a lone C0 with nothing after it, which is not reported.
 */
#include <stdlib.h>
#include <string.h>

#include "slip.h"
#include "util.h"

enum slip_state {
	SLIP_ST_OUTSIDE,	/* no frame open */
	SLIP_ST_FRAME,		/* inside a frame */
	SLIP_ST_ESCAPE,		/* inside a frame, after DB */
	SLIP_ST_OVERSIZE,	/* inside a frame that outgrew max_frame */
};

struct slip_decoder {
	slip_event_cb	 cb;
	void		*arg;
	enum slip_state	 state;
	uint64_t	 offset;	/* bytes fed so far */

	size_t		 max_frame;
	uint8_t		*body;		/* max_frame bytes */
	size_t		 body_len;
	uint8_t		*raw;		/* 2 * max_frame + 2 bytes */
	size_t		 raw_len;
	size_t		 raw_max;
	uint64_t	 frame_offset;	/* offset of the opening C0 */
	uint64_t	 dropped;	/* OVERSIZE: wire bytes of the frame */

	uint8_t		 outside[SLIP_MAX_OUTSIDE];
	size_t		 outside_len;
	uint64_t	 outside_offset;
};

static void
slip_emit(struct slip_decoder *d, enum slip_event_type type, const uint8_t *data,
    size_t len, const uint8_t *raw, size_t raw_len, uint8_t bad, uint64_t off)
{
	struct slip_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.data = data;
	ev.len = len;
	ev.raw = raw;
	ev.raw_len = raw_len;
	ev.bad_byte = bad;
	ev.offset = off;
	if (d->cb != NULL)
		d->cb(&ev, d->arg);
}

struct slip_decoder *
slip_decoder_new(size_t max_frame, slip_event_cb cb, void *arg)
{
	struct slip_decoder *d;

	if (max_frame == 0)
		max_frame = SLIP_MAX_FRAME;
	d = xcalloc(1, sizeof(*d));
	d->cb = cb;
	d->arg = arg;
	d->state = SLIP_ST_OUTSIDE;
	d->max_frame = max_frame;
	d->body = xmalloc(max_frame);
	d->raw_max = SLIP_ENCODED_MAX(max_frame);
	d->raw = xmalloc(d->raw_max);
	return d;
}

void
slip_decoder_free(struct slip_decoder *d)
{
	if (d == NULL)
		return;
	free(d->body);
	free(d->raw);
	free(d);
}

static void
slip_flush_outside(struct slip_decoder *d)
{
	if (d->outside_len == 0)
		return;
	slip_emit(d, SLIP_EV_OUTSIDE, d->outside, d->outside_len, d->outside,
	    d->outside_len, 0, d->outside_offset);
	d->outside_len = 0;
}

/* Open a frame at the C0 at stream offset `off`. */
static void
slip_open(struct slip_decoder *d, uint64_t off)
{
	d->state = SLIP_ST_FRAME;
	d->body_len = 0;
	d->raw[0] = SLIP_END;
	d->raw_len = 1;
	d->frame_offset = off;
	d->dropped = 0;
}

/* The frame outgrew max_frame: forget its bytes, count them from now on. */
static void
slip_overflow(struct slip_decoder *d)
{
	d->state = SLIP_ST_OVERSIZE;
	d->dropped = d->raw_len;
	d->raw_len = 0;
	d->body_len = 0;
}

/* Append one decoded byte (and the wire bytes that made it). */
static void
slip_put(struct slip_decoder *d, const uint8_t *wire, size_t wire_len, uint8_t c)
{
	if (d->body_len >= d->max_frame) {
		slip_overflow(d);
		d->dropped += wire_len;
		return;
	}
	d->body[d->body_len++] = c;
	/* raw_len <= 2 * body_len + 1 here, so this always fits raw_max. */
	memcpy(d->raw + d->raw_len, wire, wire_len);
	d->raw_len += wire_len;
}

/* A C0 while a frame is open (state FRAME or ESCAPE): close it. */
static void
slip_close(struct slip_decoder *d, uint64_t off)
{
	if (d->body_len == 0) {
		/* C0 C0: no event, this C0 opens the next frame. */
		slip_open(d, off);
		return;
	}
	d->raw[d->raw_len++] = SLIP_END;
	slip_emit(d, SLIP_EV_FRAME, d->body, d->body_len, d->raw, d->raw_len,
	    0, d->frame_offset);
	d->state = SLIP_ST_OUTSIDE;
	d->body_len = 0;
	d->raw_len = 0;
}

static void
slip_byte(struct slip_decoder *d, uint8_t c, uint64_t off)
{
	uint8_t pair[2];

	switch (d->state) {
	case SLIP_ST_OUTSIDE:
		if (c == SLIP_END) {
			slip_flush_outside(d);
			slip_open(d, off);
			return;
		}
		if (d->outside_len == 0)
			d->outside_offset = off;
		d->outside[d->outside_len++] = c;
		if (d->outside_len == sizeof(d->outside))
			slip_flush_outside(d);
		return;
	case SLIP_ST_FRAME:
		if (c == SLIP_END)
			slip_close(d, off);
		else if (c == SLIP_ESC)
			d->state = SLIP_ST_ESCAPE;
		else
			slip_put(d, &c, 1, c);
		return;
	case SLIP_ST_ESCAPE:
		d->state = SLIP_ST_FRAME;
		pair[0] = SLIP_ESC;
		pair[1] = c;
		if (c == SLIP_ESC_END) {
			slip_put(d, pair, 2, SLIP_END);
			return;
		}
		if (c == SLIP_ESC_ESC) {
			slip_put(d, pair, 2, SLIP_ESC);
			return;
		}
		slip_emit(d, SLIP_EV_BAD_ESCAPE, NULL, 0, pair, 2, c, off - 1);
		if (c == SLIP_END) {
			slip_put(d, pair, 1, SLIP_ESC);
			if (d->state == SLIP_ST_OVERSIZE) {
				d->dropped++;	/* the closing C0 */
				goto oversize_end;
			}
			slip_close(d, off);
			return;
		}
		/* Keep both bytes; slip_put may switch to OVERSIZE. */
		slip_put(d, pair, 1, SLIP_ESC);
		if (d->state == SLIP_ST_OVERSIZE)
			d->dropped++;
		else
			slip_put(d, pair + 1, 1, c);
		return;
	case SLIP_ST_OVERSIZE:
		d->dropped++;
		if (c != SLIP_END)
			return;
		goto oversize_end;
	}
	fatalx("slip: bad decoder state %d", (int)d->state);

oversize_end:
	slip_emit(d, SLIP_EV_OVERSIZE, NULL, 0, NULL, (size_t)d->dropped, 0,
	    d->frame_offset);
	d->state = SLIP_ST_OUTSIDE;
	d->dropped = 0;
}

void
slip_decoder_feed(struct slip_decoder *d, const uint8_t *buf, size_t len)
{
	const uint8_t *p, *end = buf + len, *c0 = NULL, *db = NULL;
	size_t i = 0, run, room;

	while (i < len) {
		/*
		 * Fast path: a run of plain bytes (no C0; no DB inside a frame)
		 * is copied whole, found with memchr (each search remembered
		 * until passed); slip_byte handles the special bytes.
		 */
		p = buf + i;
		if (c0 == NULL || c0 < p)
			if ((c0 = memchr(p, SLIP_END, len - i)) == NULL)
				c0 = end;
		run = (size_t)(c0 - p);
		room = 0;
		if (d->state == SLIP_ST_FRAME) {
			if (run > 0 && (db == NULL || db < p))
				if ((db = memchr(p, SLIP_ESC, len - i)) == NULL)
					db = end;
			if (db != NULL && db >= p && (size_t)(db - p) < run)
				run = (size_t)(db - p);
			room = d->max_frame - d->body_len;
		} else if (d->state == SLIP_ST_OUTSIDE)
			room = sizeof(d->outside) - d->outside_len;
		else if (d->state == SLIP_ST_OVERSIZE)
			room = run;
		if (run > room)
			run = room;
		if (run == 0) {
			slip_byte(d, buf[i], d->offset);
			d->offset++;
			i++;
			continue;
		}
		if (d->state == SLIP_ST_FRAME) {
			memcpy(d->body + d->body_len, p, run);
			d->body_len += run;
			memcpy(d->raw + d->raw_len, p, run);	/* raw_len <= 2 * body_len + 1 */
			d->raw_len += run;
		} else if (d->state == SLIP_ST_OUTSIDE) {
			if (d->outside_len == 0)
				d->outside_offset = d->offset;
			memcpy(d->outside + d->outside_len, p, run);
			d->outside_len += run;
			if (d->outside_len == sizeof(d->outside))
				slip_flush_outside(d);
		} else
			d->dropped += run;
		d->offset += run;
		i += run;
	}
}

void
slip_decoder_flush(struct slip_decoder *d)
{
	slip_flush_outside(d);
}

void
slip_decoder_finish(struct slip_decoder *d)
{
	slip_flush_outside(d);
	switch (d->state) {
	case SLIP_ST_OUTSIDE:
		break;
	case SLIP_ST_FRAME:
	case SLIP_ST_ESCAPE:
		/* A lone C0 at the end (as after C0 C0) is no frame: nothing to report. */
		if (d->state == SLIP_ST_FRAME && d->body_len == 0)
			break;
		if (d->state == SLIP_ST_ESCAPE && d->raw_len < d->raw_max)
			d->raw[d->raw_len++] = SLIP_ESC;
		slip_emit(d, SLIP_EV_TRUNCATED, d->body, d->body_len, d->raw,
		    d->raw_len, 0, d->frame_offset);
		break;
	case SLIP_ST_OVERSIZE:
		slip_emit(d, SLIP_EV_OVERSIZE, NULL, 0, NULL, (size_t)d->dropped,
		    0, d->frame_offset);
		break;
	}
	d->state = SLIP_ST_OUTSIDE;
	d->body_len = 0;
	d->raw_len = 0;
	d->dropped = 0;
}

int
slip_decoder_in_frame(const struct slip_decoder *d)
{
	return d->state != SLIP_ST_OUTSIDE;
}

uint64_t
slip_decoder_offset(const struct slip_decoder *d)
{
	return d->offset;
}

size_t
slip_encode(const uint8_t *body, size_t len, uint8_t *out)
{
	size_t i, n = 0;

	out[n++] = SLIP_END;
	for (i = 0; i < len; i++) {
		switch (body[i]) {
		case SLIP_END:
			out[n++] = SLIP_ESC;
			out[n++] = SLIP_ESC_END;
			break;
		case SLIP_ESC:
			out[n++] = SLIP_ESC;
			out[n++] = SLIP_ESC_ESC;
			break;
		default:
			out[n++] = body[i];
			break;
		}
	}
	out[n++] = SLIP_END;
	return n;
}

const char *
slip_event_name(enum slip_event_type t)
{
	switch (t) {
	case SLIP_EV_FRAME:
		return "frame";
	case SLIP_EV_OUTSIDE:
		return "outside";
	case SLIP_EV_BAD_ESCAPE:
		return "bad-escape";
	case SLIP_EV_OVERSIZE:
		return "oversize";
	case SLIP_EV_TRUNCATED:
		return "truncated";
	}
	return "unknown";
}
