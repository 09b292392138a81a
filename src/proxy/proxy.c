/*
 * proxy.c — the proxy's data path: units, the filter seam, the output
 * queues, the tracker, the capture and the primitives of proxy.h.
 *
 * Each direction keeps a copy of the raw bytes not yet accounted for by a
 * unit (`pend`); the SLIP decoder's events say where units end. Bytes the
 * decoder reports in no event (the first C0 of an empty C0 C0 frame, a
 * frame cut short by a partial release) become RAW units, so the units of
 * a direction always tile its stream exactly.
 *
 * Capture: units are recorded UNCHANGED when they arrive (without a filter
 * the bytes are already on their way), ORIGINAL when the filter took them
 * over, and what a hook queues with proxy_send_at is recorded DELIVERED
 * when it starts going out. Records are flushed to the kernel before the
 * loop sleeps (capture_flush in the idle hook), so a killed proxy loses at
 * most what one loop iteration produced; per-record fflush would cost a
 * syscall per frame on a 1 GB run.
 */
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy-int.h"
#include "util.h"

#define PROXY_ANOMALY_RECORDS	1000	/* anomaly notes written to the capture at most */

/* ---- Small helpers ----------------------------------------------------- */

void
proxy_buf_add(struct proxy_buf *b, const uint8_t *data, size_t len)
{
	size_t head = b->base != NULL ? (size_t)(b->b - b->base) : 0;

	if (head + b->len + len > b->cap) {
		if (head > 0) {
			memmove(b->base, b->b, b->len);	/* compact: rare, amortised */
			b->b = b->base;
			head = 0;
		}
		if (b->len + len > b->cap) {
			b->cap = b->cap ? b->cap : 4096;
			while (b->cap < b->len + len)
				b->cap *= 2;
			b->base = xrealloc(b->base, b->cap);
			b->b = b->base;
		}
	}
	memcpy(b->b + b->len, data, len);
	b->len += len;
}

void
proxy_buf_consume(struct proxy_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		b->b = b->base;
		return;
	}
	b->b += n;
	b->len -= n;
}

void
proxy_buf_free(struct proxy_buf *b)
{
	free(b->base);
	b->base = b->b = NULL;
	b->len = b->cap = 0;
}

const char *
proxy_dir_name(enum proxy_dir dir)
{
	return dir == PROXY_H2D ? "h2d" : "d2h";
}

static int
proxy_capdir(enum proxy_dir dir)
{
	return dir == PROXY_H2D ? CAPTURE_DIR_H2D : CAPTURE_DIR_D2H;
}

static const struct {
	const char *name;
	enum proxy_reset r;
} proxy_resets[] = {
	{ "none", PROXY_RESET_NONE },
	{ "classic", PROXY_RESET_CLASSIC },
	{ "unix-tight", PROXY_RESET_UNIX_TIGHT },
	{ "usb-jtag", PROXY_RESET_USB_JTAG },
	{ "hard", PROXY_RESET_HARD },
};

int
proxy_reset_parse(const char *s, enum proxy_reset *out)
{
	size_t i;

	for (i = 0; i < nitems(proxy_resets); i++) {
		if (strcmp(s, proxy_resets[i].name) == 0) {
			*out = proxy_resets[i].r;
			return 0;
		}
	}
	return -1;
}

const char *
proxy_reset_name(enum proxy_reset r)
{
	size_t i;

	for (i = 0; i < nitems(proxy_resets); i++) {
		if (proxy_resets[i].r == r)
			return proxy_resets[i].name;
	}
	return "none";
}

void
proxy_warn(struct proxy *p, const char *fmt, ...)
{
	va_list ap;

	if (p->cfg.quiet)
		return;
	if (p->status_shown) {
		fputs("\r\033[K", stderr);
		p->status_shown = 0;
	}
	fputs("sliptap proxy: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
proxy_capture_check(struct proxy *p, int rc)
{
	if (rc == 0 || p->capture_failed)
		return;
	p->capture_failed = 1;
	fprintf(stderr, "sliptap proxy: capture: %s (capture stopped, forwarding goes on)\n",
	    capture_errmsg(p->cap));
}

void
proxy_record(struct proxy *p, unsigned code, int capdir, const char *text)
{
	if (p->cap == NULL || p->capture_failed)
		return;
	proxy_capture_check(p, capture_write_event(p->cap,
	    p->rec_wall != 0 ? p->rec_wall : loop_wallclock(), capdir, code, text));
}

static void
proxy_flush_deferred(struct proxy *p)
{
	int i;

	p->deferring = 0;
	for (i = 0; i < p->ndeferred; i++) {
		proxy_record(p, CAPTURE_EV_SESSION, CAPTURE_DIR_NONE, p->deferred[i]);
		free(p->deferred[i]);
	}
	p->ndeferred = 0;
}

void
proxy_eventf(struct proxy *p, unsigned code, int capdir, const char *fmt, ...)
{
	char buf[CAPTURE_MAX_TEXT + 1];
	va_list ap;

	if (p->cap == NULL || p->capture_failed)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	proxy_record(p, code, capdir, buf);
}

void
proxy_emit(struct proxy *p, const struct proxy_event *ev)
{
	proxy_report_event(p, ev);
	if (p->hooks != NULL && p->hooks->event != NULL)
		p->hooks->event(p, ev, p->hooks_arg);
}

static void
proxy_emit_simple(struct proxy *p, enum proxy_event_type type, const char *how)
{
	struct proxy_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.now = loop_now();
	ev.dtr = ev.rts = -1;
	ev.how = how;
	proxy_emit(p, &ev);
}

uint64_t
proxy_now(const struct proxy *p)
{
	return loop_now();
}

const struct session_state *
proxy_state(const struct proxy *p)
{
	return session_state(p->session);
}

/* ---- Capture of units -------------------------------------------------- */

enum proxy_rec {
	PROXY_REC_FRAME,
	PROXY_REC_OUTSIDE,
	PROXY_REC_CHUNK,
	PROXY_REC_TRUNCATED,
	PROXY_REC_OVERSIZE,
};

static unsigned
proxy_frame_flags(struct proxy *p, enum proxy_dir dir, const uint8_t *raw, size_t len)
{
	const struct session_state *st = session_state(p->session);
	unsigned f = 0;

	if (st->stub)
		f |= CAPTURE_F_STUB;
	if (dir == PROXY_D2H && st->status_len == 2)
		f |= CAPTURE_F_STATUS2;
	else if (dir == PROXY_D2H && st->status_len == 4)
		f |= CAPTURE_F_STATUS4;
	return f;
}

static void
proxy_write_unit(struct proxy *p, enum proxy_dir dir, enum proxy_rec rec, unsigned flags,
    const uint8_t *raw, size_t len)
{
	uint64_t ts;
	int rc, cd = proxy_capdir(dir);

	if (p->cap == NULL || p->capture_failed || len == 0)
		return;
	ts = p->s[dir].wall ? p->s[dir].wall : loop_wallclock();
	switch (rec) {
	case PROXY_REC_FRAME:
		rc = capture_write_frame(p->cap, ts, cd, flags | proxy_frame_flags(p, dir, raw, len),
		    raw, len);
		break;
	case PROXY_REC_OUTSIDE:
		rc = capture_write_outside(p->cap, ts, cd, flags, raw, len);
		break;
	case PROXY_REC_TRUNCATED:
		rc = capture_write_slip_error(p->cap, ts, cd, flags, CAPTURE_SLIP_TRUNCATED, 0, raw,
		    len);
		break;
	case PROXY_REC_OVERSIZE:
		rc = capture_write_slip_error(p->cap, ts, cd, flags, CAPTURE_SLIP_OVERSIZE, 0, raw,
		    len);
		break;
	default:
		rc = capture_write_chunk(p->cap, ts, cd, flags, raw, len);
		break;
	}
	proxy_capture_check(p, rc);
}

/* What a run of delivered bytes looks like, for its record type. */
static enum proxy_rec
proxy_rec_guess(const uint8_t *b, size_t len)
{
	if (len >= 3 && b[0] == SLIP_END && b[len - 1] == SLIP_END &&
	    memchr(b + 1, SLIP_END, len - 2) == NULL)
		return PROXY_REC_FRAME;
	return PROXY_REC_CHUNK;
}

/* ---- Output queues ----------------------------------------------------- */

static ssize_t
proxy_dest_write(struct proxy *p, enum proxy_dir dir, const uint8_t *buf, size_t len)
{
	return dir == PROXY_H2D ? proxy_dev_write(p, buf, len) : proxy_host_write(p, buf, len);
}

static void
proxy_update_want(struct proxy *p)
{
	proxy_host_want(p);
	proxy_dev_want(p);
}

static void
proxy_check_baud_mark(struct proxy *p)
{
	if (p->pending_baud == 0 || p->pending_mark == 0)
		return;
	if (p->s[PROXY_D2H].out_total < p->pending_mark && p->s[PROXY_D2H].queued != 0)
		return;
	uint32_t baud = p->pending_baud;

	p->pending_baud = 0;
	p->pending_mark = 0;
	proxy_set_device_baud(p, baud, "protocol");
}

void
proxy_discard_queue(struct proxy *p, enum proxy_dir dir)
{
	struct proxy_stream *s = &p->s[dir];
	struct proxy_chunk *c, *next;
	size_t dropped = s->queued;

	for (c = s->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	s->head = s->tail = NULL;
	s->queued = 0;
	s->blocked = 0;
	if (s->paused) {
		s->paused = 0;
		proxy_update_want(p);
	}
	if (dropped > 0)
		proxy_eventf(p, CAPTURE_EV_NOTE, proxy_capdir(dir),
		    "text=\"%zu queued bytes discarded (%s)\"", dropped,
		    dir == PROXY_H2D ? "device gone" : "client gone");
	if (dir == PROXY_D2H)
		proxy_check_baud_mark(p);
}

static int
proxy_fast_ok(struct proxy_stream *s)
{
	return s->head == NULL && s->stall_until == 0 && s->throttle == 0 && s->slice == 0 &&
	    !s->blocked;
}

static void
proxy_queue(struct proxy *p, enum proxy_dir dir, const uint8_t *buf, size_t len, uint64_t when,
    int record, unsigned capflags)
{
	struct proxy_stream *s = &p->s[dir];
	struct proxy_chunk *c;
	ssize_t n = 0;

	if (len == 0)
		return;
	if (when <= s->now && proxy_fast_ok(s)) {
		if (record)
			proxy_write_unit(p, dir, proxy_rec_guess(buf, len), capflags, buf, len);
		record = 0;
		n = proxy_dest_write(p, dir, buf, len);
		if (n == -2) {
			if (dir == PROXY_D2H)
				proxy_check_baud_mark(p);
			return;		/* nobody to deliver to: dropped (noted by the endpoint) */
		}
		if (n < 0) {
			n = 0;
			s->blocked = 1;
			proxy_update_want(p);
		}
		s->out_total += (uint64_t)n;
		if ((size_t)n == len) {
			if (dir == PROXY_D2H)
				proxy_check_baud_mark(p);
			return;
		}
		if (n > 0) {
			/* The rest waits for POLLOUT. */
			s->blocked = 1;
			proxy_update_want(p);
		}
	}
	c = xmalloc(sizeof(*c) + (len - (size_t)n));
	c->next = NULL;
	c->when = when;
	c->record = record;
	c->capflags = capflags;
	c->len = len - (size_t)n;
	c->off = 0;
	memcpy(c->data, buf + n, c->len);
	if (s->tail != NULL)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
	s->queued += c->len;
	if (s->queued > PROXY_QUEUE_MAX && !s->paused) {
		s->paused = 1;
		proxy_update_want(p);
	}
	if (!s->blocked)
		proxy_drain(p, dir);
}

void
proxy_drain(struct proxy *p, enum proxy_dir dir)
{
	struct proxy_stream *s = &p->s[dir];
	struct proxy_chunk *c;
	uint64_t now = loop_now(), wait = LOOP_NEVER;
	size_t max, per;
	ssize_t n;

	s->blocked = 0;
	while ((c = s->head) != NULL) {
		if (s->stall_until != 0) {
			if (s->stall_until > now) {
				wait = s->stall_until;
				break;
			}
			s->stall_until = 0;
		}
		if (c->when > now) {
			wait = c->when;
			break;
		}
		if (s->next_write > now) {
			wait = s->next_write;
			break;
		}
		max = c->len - c->off;
		if (s->slice != 0 && max > s->slice)
			max = s->slice;
		if (s->throttle != 0) {
			per = s->throttle / 10 / 100;	/* 10 ms worth of bytes */
			if (per == 0)
				per = 1;
			if (max > per)
				max = per;
		}
		if (c->record && c->off == 0) {
			proxy_write_unit(p, dir, proxy_rec_guess(c->data, c->len), c->capflags,
			    c->data, c->len);
			c->record = 0;
		}
		n = proxy_dest_write(p, dir, c->data + c->off, max);
		if (n == -2) {
			proxy_discard_queue(p, dir);
			return;
		}
		if (n < 0) {
			s->blocked = 1;
			break;
		}
		c->off += (size_t)n;
		s->queued -= (size_t)n;
		s->out_total += (uint64_t)n;
		if (s->throttle != 0 && n > 0)
			s->next_write = now + (uint64_t)n * 10 * LOOP_SEC / s->throttle;
		if (s->slice != 0 && n > 0)
			s->next_write = now + s->slice_gap;
		if (c->off == c->len) {
			s->head = c->next;
			if (s->head == NULL)
				s->tail = NULL;
			free(c);
		}
		if (dir == PROXY_D2H)
			proxy_check_baud_mark(p);
		if ((s->throttle != 0 || s->slice != 0) && s->next_write > now) {
			wait = s->next_write;
			if (s->head == NULL)
				wait = LOOP_NEVER;
			break;
		}
	}
	if (wait != LOOP_NEVER && wait != PROXY_FOREVER)
		loop_timer_at(s->timer, wait);
	else
		loop_timer_stop(s->timer);
	if (s->paused && s->queued < PROXY_QUEUE_MAX / 2)
		s->paused = 0;
	proxy_update_want(p);
}

static void
proxy_stream_timer(void *arg)
{
	struct proxy_stream *s = arg;

	proxy_drain(s->proxy, s->dir);
}

/* ---- Units ------------------------------------------------------------- */

/* One unit: record / filter / forward. raw points into pend (valid until consumed). */
static void
proxy_unit(struct proxy *p, struct proxy_stream *s, enum proxy_unit_type type,
    enum proxy_rec rec, const uint8_t *raw, size_t len, const uint8_t *body, size_t body_len,
    uint64_t offset)
{
	struct proxy_unit u;
	int verdict;

	if (len == 0)
		return;
	if (!p->hold) {
		/* Already forwarded on read (or dropped: no client had the port open); record only. */
		proxy_write_unit(p, s->dir, rec, offset < s->discard_until ?
		    CAPTURE_STAGE_ORIGINAL : CAPTURE_STAGE_UNCHANGED, raw, len);
		return;
	}
	memset(&u, 0, sizeof(u));
	u.dir = s->dir;
	u.type = type;
	u.raw = raw;
	u.raw_len = len;
	u.offset = offset;
	u.now = s->now;
	u.state = session_state(p->session);
	if (type == PROXY_UNIT_FRAME) {
		u.body = body;
		u.body_len = body_len;
		u.parsed = esp_packet_parse(body, body_len, &u.pkt) == 0;
	}
	s->unit_recorded = 0;
	/* The filter sees the unit before anything is recorded: proxy_record_fault writes the ORIGINAL. */
	p->cur_unit = &u;
	p->cur_rec = (int)rec;
	verdict = p->hooks->filter(p, &u, p->hooks_arg);
	p->cur_unit = NULL;
	if (verdict == PROXY_PASS) {
		if (!s->unit_recorded) {
			proxy_write_unit(p, s->dir, rec, CAPTURE_STAGE_UNCHANGED, raw, len);
			proxy_queue(p, s->dir, raw, len, 0, 0, 0);
		} else
			proxy_queue(p, s->dir, raw, len, 0, 1, CAPTURE_STAGE_DELIVERED);
	} else if (!s->unit_recorded)
		proxy_write_unit(p, s->dir, rec, CAPTURE_STAGE_ORIGINAL, raw, len);
	s->unit_recorded = 0;
}

/* Account for stream bytes [off, off + len) of `s` as one unit, with the gap before it. */
static void
proxy_cover(struct proxy *p, struct proxy_stream *s, enum proxy_unit_type type,
    enum proxy_rec rec, uint64_t off, size_t len, const uint8_t *body, size_t body_len)
{
	size_t gap, skip;

	if (off > s->pend_off) {
		gap = (size_t)(off - s->pend_off);
		if (gap > s->pend.len)
			gap = s->pend.len;
		proxy_unit(p, s, PROXY_UNIT_RAW, PROXY_REC_CHUNK, s->pend.b, gap, NULL, 0,
		    s->pend_off);
		proxy_buf_consume(&s->pend, gap);
		s->pend_off += gap;
	}
	if (off < s->pend_off) {
		/* Part of it went out already (partial release): the rest is RAW. */
		skip = (size_t)(s->pend_off - off);
		if (skip >= len)
			return;
		len -= skip;
		off += skip;
		type = PROXY_UNIT_RAW;
		if (rec == PROXY_REC_FRAME || rec == PROXY_REC_OUTSIDE)
			rec = PROXY_REC_CHUNK;
		body = NULL;
		body_len = 0;
	}
	if (len > s->pend.len)
		len = s->pend.len;
	proxy_unit(p, s, type, rec, s->pend.b, len, body, body_len, off);
	proxy_buf_consume(&s->pend, len);
	s->pend_off += len;
}

/* Release everything pending as RAW (hold timeout, overflow, end of stream). */
static void
proxy_release_pending(struct proxy *p, struct proxy_stream *s)
{
	if (s->pend.len == 0)
		return;
	proxy_cover(p, s, PROXY_UNIT_RAW, PROXY_REC_CHUNK, s->pend_off, s->pend.len, NULL, 0);
}

static void
proxy_first_sync(struct proxy *p, const struct slip_event *ev)
{
	struct esp_packet pkt;

	if (p->sync_seen || esp_packet_parse(ev->data, ev->len, &pkt) != 0 ||
	    pkt.dir != ESP_DIR_COMMAND || pkt.op != ESP_OP_SYNC)
		return;
	p->sync_seen = 1;
	proxy_emit_simple(p, PROXY_EV_FIRST_SYNC, NULL);
	if (p->cfg.reset != PROXY_RESET_NONE && !p->reset_done) {
		p->reset_done = 1;
		proxy_reset_device(p, p->cfg.reset);
	}
}

static void proxy_slip_unit(struct proxy *, struct proxy_stream *, const struct slip_event *);

static void
proxy_slip_cb(const struct slip_event *ev, void *arg)
{
	struct proxy_stream *s = arg;
	struct proxy *p = s->proxy;
	enum session_dir sd = s->dir == PROXY_H2D ? SESSION_FROM_HOST : SESSION_FROM_DEVICE;

	/* The tracker first, so the unit's state includes it; its notes follow the unit's record. */
	p->deferring = 1;
	p->rec_wall = s->wall;
	session_slip_event(p->session, sd, ev, s->now);
	proxy_slip_unit(p, s, ev);
	proxy_flush_deferred(p);
	p->rec_wall = 0;
}

static void
proxy_slip_unit(struct proxy *p, struct proxy_stream *s, const struct slip_event *ev)
{
	switch (ev->type) {
	case SLIP_EV_BAD_ESCAPE:
		if (p->cap != NULL && !p->capture_failed)
			proxy_capture_check(p, capture_write_slip_event(p->cap, s->wall,
			    proxy_capdir(s->dir), CAPTURE_STAGE_UNCHANGED, ev));
		return;
	case SLIP_EV_FRAME:
		if (s->dir == PROXY_H2D)
			proxy_first_sync(p, ev);
		proxy_cover(p, s, PROXY_UNIT_FRAME, PROXY_REC_FRAME, ev->offset, ev->raw_len,
		    ev->data, ev->len);
		return;
	case SLIP_EV_OUTSIDE:
		proxy_cover(p, s, PROXY_UNIT_OUTSIDE, PROXY_REC_OUTSIDE, ev->offset, ev->raw_len,
		    NULL, 0);
		return;
	case SLIP_EV_TRUNCATED:
		proxy_cover(p, s, PROXY_UNIT_RAW, PROXY_REC_TRUNCATED, ev->offset, ev->raw_len,
		    NULL, 0);
		return;
	case SLIP_EV_OVERSIZE:
		proxy_cover(p, s, PROXY_UNIT_RAW, PROXY_REC_OVERSIZE, ev->offset, ev->raw_len,
		    NULL, 0);
		return;
	}
}

static void
proxy_hold_timer(void *arg)
{
	struct proxy_stream *s = arg;

	s->now = loop_now();
	s->wall = loop_wallclock();
	s->feeding = 1;
	proxy_release_pending(s->proxy, s);
	s->feeding = 0;
	if (s->gone_pending) {
		s->gone_pending = 0;
		proxy_source_gone(s->proxy, s->dir);
	}
}

void
proxy_input(struct proxy *p, enum proxy_dir dir, const uint8_t *buf, size_t len)
{
	struct proxy_stream *s = &p->s[dir];

	if (len == 0)
		return;
	s->now = loop_now();
	s->wall = loop_wallclock();
	if (dir == PROXY_D2H && !proxy_host_has_client(p))
		s->discard_until = s->in_total + len;
	if (!p->hold)
		proxy_queue(p, dir, buf, len, 0, 0, 0);
	proxy_buf_add(&s->pend, buf, len);
	s->in_total += len;
	s->feeding = 1;
	slip_decoder_feed(s->dec, buf, len);
	if (!slip_decoder_in_frame(s->dec))
		slip_decoder_flush(s->dec);
	if (s->pend.len > PROXY_PEND_MAX)
		proxy_release_pending(p, s);
	s->feeding = 0;
	if (s->gone_pending) {
		/* A hook hung this side up while its bytes were being decoded. */
		s->gone_pending = 0;
		proxy_source_gone(p, dir);
	}
	if (p->hold) {
		if (s->pend.len > 0)
			loop_timer_at(s->hold_timer, s->now + PROXY_HOLD_GAP);
		else
			loop_timer_stop(s->hold_timer);
	}
	if (p->pending_baud != 0 && p->pending_mark == 0)
		p->pending_mark = p->s[PROXY_D2H].out_total + p->s[PROXY_D2H].queued;
	proxy_check_baud_mark(p);
}

/* The source of `dir` ended (client closed its stream, device vanished). */
void
proxy_source_gone(struct proxy *p, enum proxy_dir dir)
{
	struct proxy_stream *s = &p->s[dir];

	if (s->feeding) {
		s->gone_pending = 1;
		return;
	}
	s->now = loop_now();
	s->wall = loop_wallclock();
	s->feeding = 1;
	slip_decoder_finish(s->dec);
	proxy_release_pending(p, s);
	s->feeding = 0;
	s->gone_pending = 0;
	loop_timer_stop(s->hold_timer);
}

/* ---- Session tracker events -------------------------------------------- */

static void
proxy_session_cb(const struct session_event *sev, void *arg)
{
	struct proxy *p = arg;
	struct proxy_event ev;
	struct capture_kv kv;

	switch (sev->type) {
	case SESSION_EV_BAUD:
		if (sev->dir == SESSION_FROM_DEVICE && !p->in_harness) {
			p->pending_baud = sev->baud;
			p->pending_mark = 0;	/* set once the ack is queued */
		}
		break;
	case SESSION_EV_STUB_START:
		proxy_emit_simple(p, PROXY_EV_STUB_START, NULL);
		break;
	default:
		break;
	}
	/* Capture notes: the milestones, progress, anomalies (capped). */
	capture_kv_init(&kv);
	switch (sev->type) {
	case SESSION_EV_PHASE:
		capture_kv_adds(&kv, "phase", session_phase_name(sev->phase));
		break;
	case SESSION_EV_CHIP:
		capture_kv_adds(&kv, "chip", sev->chip != NULL ? sev->chip : "?");
		break;
	case SESSION_EV_BAUD:
		capture_kv_add(&kv, "baud", "%u", sev->baud);
		break;
	case SESSION_EV_PROGRESS:
		capture_kv_add(&kv, "progress", "%d", sev->percent);
		capture_kv_add(&kv, "address", "0x%08x", sev->address);
		capture_kv_add(&kv, "seq", "%u", sev->seq);
		break;
	case SESSION_EV_REGION_BEGIN:
	case SESSION_EV_REGION_END:
		capture_kv_adds(&kv, "region", sev->type == SESSION_EV_REGION_BEGIN ? "begin" : "end");
		if (sev->region != NULL) {
			capture_kv_add(&kv, "offset", "0x%08x", sev->region->offset);
			capture_kv_add(&kv, "blocks", "%u", sev->region->num_blocks);
		}
		break;
	case SESSION_EV_STUB_START:
		capture_kv_adds(&kv, "stub", "start");
		break;
	case SESSION_EV_ANOMALY:
		if (p->anomalies_recorded++ >= PROXY_ANOMALY_RECORDS) {
			if (p->anomalies_recorded == PROXY_ANOMALY_RECORDS + 2)
				proxy_record(p, CAPTURE_EV_NOTE, CAPTURE_DIR_NONE,
				    "text=\"more anomalies not recorded (limit reached)\"");
			kv.len = 0;
			break;
		}
		capture_kv_adds(&kv, "anomaly", session_anomaly_name(sev->anomaly));
		break;
	case SESSION_EV_NOTE:
		if (sev->text != NULL)
			capture_kv_adds(&kv, "note", sev->text);
		break;
	default:
		kv.len = 0;	/* commands and responses are in the frames already */
		break;
	}
	if (kv.len > 0) {
		if (sev->text != NULL && sev->type != SESSION_EV_NOTE)
			capture_kv_adds(&kv, "text", sev->text);
		if (p->deferring && p->ndeferred < (int)nitems(p->deferred))
			p->deferred[p->ndeferred++] = xstrdup(kv.buf);
		else
			proxy_record(p, CAPTURE_EV_SESSION, CAPTURE_DIR_NONE, kv.buf);
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = PROXY_EV_SESSION;
	ev.now = loop_now();
	ev.dtr = ev.rts = -1;
	ev.session = sev;
	proxy_emit(p, &ev);
}

/* ---- Device control ---------------------------------------------------- */

void
proxy_set_device_baud(struct proxy *p, uint32_t baud, const char *how)
{
	struct proxy_event ev;
	char err[256];

	if (baud == 0)
		return;
	if (p->ignore_baud) {
		p->ignore_baud = 0;
		p->ignored_baud = baud;
	}
	if (p->ignored_baud != 0) {
		if (baud == p->ignored_baud) {
			proxy_eventf(p, CAPTURE_EV_BAUD, CAPTURE_DIR_NONE,
			    "side=device baud=%u from=%s ignored=1", baud, how);
			return;
		}
		p->ignored_baud = 0;
	}
	if (baud == p->dev.baud)
		return;
	if (!p->dev.present) {
		p->dev.baud = baud;
		return;
	}
	if (proxy_dev_set_baud(p, baud, err, sizeof(err)) == -1) {
		proxy_warn(p, "%s", err);
		proxy_eventf(p, CAPTURE_EV_ERROR, CAPTURE_DIR_NONE, "what=baud msg=\"%s\"", err);
		return;
	}
	p->dev.baud = baud;
	proxy_eventf(p, CAPTURE_EV_BAUD, CAPTURE_DIR_NONE, "side=device baud=%u from=%s", baud, how);
	memset(&ev, 0, sizeof(ev));
	ev.type = PROXY_EV_BAUD;
	ev.now = loop_now();
	ev.baud = baud;
	ev.dtr = ev.rts = -1;
	ev.how = how;
	proxy_emit(p, &ev);
}

void
proxy_set_device_lines(struct proxy *p, int dtr, int rts, const char *how)
{
	struct proxy_event ev;
	char err[256];
	int rc = 0;

	if (p->dev.present)
		rc = proxy_dev_set_lines(p, dtr, rts, 1, err, sizeof(err));
	if (dtr != -1)
		p->dev.dtr = dtr;
	if (rts != -1)
		p->dev.rts = rts;
	proxy_eventf(p, CAPTURE_EV_LINES, CAPTURE_DIR_NONE, "side=device dtr=%d rts=%d from=%s%s",
	    p->dev.dtr, p->dev.rts, how, rc == -1 ? " applied=0" : "");
	memset(&ev, 0, sizeof(ev));
	ev.type = PROXY_EV_LINES;
	ev.now = loop_now();
	ev.dtr = dtr;
	ev.rts = rts;
	ev.how = how;
	proxy_emit(p, &ev);
}

void
proxy_client_opened(struct proxy *p)
{
	p->sync_seen = 0;
	p->reset_done = 0;
	session_harness(p->session, SESSION_HARNESS_PORT_OPEN, 0, loop_now());
	proxy_eventf(p, CAPTURE_EV_PORT_OPEN, CAPTURE_DIR_NONE, "side=host port=%s baud=%u",
	    proxy_host_name(p), p->dev.baud);
	proxy_emit_simple(p, PROXY_EV_CLIENT_OPEN, NULL);
	if (p->cfg.reset != PROXY_RESET_NONE && p->cfg.reset != PROXY_RESET_HARD) {
		p->reset_done = 1;
		proxy_reset_device(p, p->cfg.reset);
	}
}

void
proxy_client_closed(struct proxy *p)
{
	const struct session_state *st = session_state(p->session);
	int done = st->phase == SESSION_PHASE_DONE;

	proxy_source_gone(p, PROXY_H2D);
	session_harness(p->session, SESSION_HARNESS_PORT_CLOSE, 0, loop_now());
	proxy_eventf(p, CAPTURE_EV_PORT_CLOSE, CAPTURE_DIR_NONE, "side=host port=%s reason=closed",
	    proxy_host_name(p));
	proxy_emit_simple(p, PROXY_EV_CLIENT_CLOSE, NULL);
	if (p->cfg.reset != PROXY_RESET_NONE && done)
		proxy_reset_device(p, PROXY_RESET_HARD);
}

/* ---- Primitives -------------------------------------------------------- */

void
proxy_set_hooks(struct proxy *p, const struct proxy_hooks *hooks, void *arg)
{
	if (hooks == NULL) {
		p->hooks = NULL;
		p->hold = 0;
		return;
	}
	p->hooks_copy = *hooks;
	p->hooks = &p->hooks_copy;
	p->hooks_arg = arg;
	p->hold = hooks->filter != NULL;
}

void
proxy_send_at(struct proxy *p, enum proxy_dir dir, const uint8_t *bytes, size_t len,
    uint64_t when, unsigned flags)
{
	unsigned capflags = CAPTURE_STAGE_DELIVERED;

	if (flags & PROXY_SEND_INJECTED)
		capflags |= CAPTURE_F_INJECTED;
	p->s[dir].now = loop_now();
	proxy_queue(p, dir, bytes, len, when, 1, capflags);
}

void
proxy_stall(struct proxy *p, enum proxy_dir dir, uint64_t until)
{
	p->s[dir].stall_until = until;
	proxy_eventf(p, CAPTURE_EV_NOTE, proxy_capdir(dir), "text=\"%s %s\"",
	    until == 0 ? "release" : "stall", proxy_dir_name(dir));
	proxy_drain(p, dir);
}

void
proxy_throttle(struct proxy *p, enum proxy_dir dir, uint32_t baud)
{
	p->s[dir].throttle = baud;
	p->s[dir].next_write = 0;
	proxy_drain(p, dir);
}

void
proxy_slice(struct proxy *p, enum proxy_dir dir, size_t size, uint64_t gap_ns)
{
	p->s[dir].slice = size;
	p->s[dir].slice_gap = gap_ns;
	p->s[dir].next_write = 0;
	proxy_drain(p, dir);
}

void
proxy_ignore_next_baud(struct proxy *p)
{
	p->ignore_baud = 1;
}

void
proxy_record_fault(struct proxy *p, const struct proxy_unit *u, const char *text)
{
	struct proxy_stream *s;

	if (u != NULL && u == p->cur_unit) {
		s = &p->s[u->dir];
		if (!s->unit_recorded) {
			proxy_write_unit(p, u->dir, (enum proxy_rec)p->cur_rec, CAPTURE_STAGE_ORIGINAL, u->raw,
			    u->raw_len);
			s->unit_recorded = 1;
		}
	}
	proxy_record(p, CAPTURE_EV_FAULT, u != NULL ? proxy_capdir(u->dir) : CAPTURE_DIR_NONE,
	    text);
}

static void
proxy_wakeup_timer(void *arg)
{
	struct proxy *p = arg;

	if (p->hooks != NULL && p->hooks->tick != NULL)
		p->hooks->tick(p, loop_now(), p->hooks_arg);
}

void
proxy_wakeup_at(struct proxy *p, uint64_t when)
{
	loop_timer_at(p->wakeup, when);
}

/* ---- Life cycle -------------------------------------------------------- */

static void
proxy_signal(int signo, void *arg)
{
	struct proxy *p = arg;

	p->stop_signal = signo;
	loop_break(p->loop);
}

static void
proxy_idle(void *arg)
{
	struct proxy *p = arg;

	if (p->cap != NULL && !p->capture_failed)
		proxy_capture_check(p, capture_flush(p->cap));
	proxy_report_idle(p);
}

struct proxy *
proxy_new(const struct proxy_config *cfg, char *err, size_t errlen)
{
	struct proxy *p;
	struct capture_kv kv;
	int i;

	p = xcalloc(1, sizeof(*p));
	p->cfg = *cfg;
	if (p->cfg.baud == 0)
		p->cfg.baud = 115200;
	p->loop = loop_new();
	p->host.ino = p->host.wd = -1;
	for (i = 0; i < 2; i++) {
		struct proxy_stream *s = &p->s[i];

		s->proxy = p;
		s->dir = (enum proxy_dir)i;
		s->dec = slip_decoder_new(0, proxy_slip_cb, s);
		s->timer = loop_timer_new(p->loop, proxy_stream_timer, s);
		s->hold_timer = loop_timer_new(p->loop, proxy_hold_timer, s);
	}
	p->wakeup = loop_timer_new(p->loop, proxy_wakeup_timer, p);
	p->session = session_new(p->cfg.baud, proxy_session_cb, p);
	p->dev.baud = p->cfg.baud;
	p->dev.dtr = p->dev.rts = -1;

	if (proxy_dev_setup(p, err, errlen) == -1 || proxy_dev_open(p, err, errlen) == -1)
		goto fail;
	if (p->cfg.pcap != NULL) {
		p->cap = capture_open(p->cfg.pcap, err, errlen);
		if (p->cap == NULL)
			goto fail;
		capture_set_flush(p->cap, 0);
		capture_kv_init(&kv);
		capture_kv_adds(&kv, "mode", "proxy");
		capture_kv_adds(&kv, "device", p->cfg.device);
		capture_kv_add(&kv, "baud", "%u", p->cfg.baud);
		if (p->cfg.cmdline != NULL)
			capture_kv_adds(&kv, "cmd", p->cfg.cmdline);
		if (p->cfg.start_extra != NULL &&
		    kv.len + 1 + strlen(p->cfg.start_extra) < sizeof(kv.buf)) {
			kv.buf[kv.len++] = ' ';
			memcpy(kv.buf + kv.len, p->cfg.start_extra, strlen(p->cfg.start_extra) + 1);
			kv.len += strlen(p->cfg.start_extra);
		}
		proxy_capture_check(p, capture_write_start(p->cap, loop_wallclock(), kv.buf));
		proxy_eventf(p, CAPTURE_EV_PORT_OPEN, CAPTURE_DIR_NONE, "side=device port=%s baud=%u",
		    p->dev.name, p->dev.baud);
	}
	if (proxy_host_open(p, err, errlen) == -1)
		goto fail;
	loop_signal(p->loop, SIGINT, proxy_signal, p);
	loop_signal(p->loop, SIGTERM, proxy_signal, p);
	loop_signal(p->loop, SIGHUP, proxy_signal, p);
	signal(SIGPIPE, SIG_IGN);
	loop_set_idle(p->loop, proxy_idle, p);
	proxy_report_init(p);
	return p;
fail:
	proxy_free(p);
	return NULL;
}

int
proxy_run(struct proxy *p)
{
	int rc;

	if (p->host.kind == PROXY_HOST_PTY)
		printf("sliptap proxy: ready on %s%s%s%s -> %s\n", p->host.slave_name,
		    p->cfg.link != NULL ? " (link " : "", p->cfg.link != NULL ? p->cfg.link : "",
		    p->cfg.link != NULL ? ")" : "", p->dev.name);
	else
		printf("sliptap proxy: ready on %s -> %s\n", p->host.url, p->dev.name);
	fflush(stdout);
	rc = loop_run(p->loop);
	if (rc == -1 && p->stop_signal == 0) {
		proxy_warn(p, "event loop: %s", strerror(errno));
		p->exit_status = 1;
	}
	return p->exit_status;
}

void
proxy_free(struct proxy *p)
{
	int i;

	if (p == NULL)
		return;
	/* Streams end: open frames are recorded as truncated. */
	for (i = 0; i < 2; i++) {
		if (p->s[i].dec != NULL && (p->dev.present || i == PROXY_H2D))
			proxy_source_gone(p, (enum proxy_dir)i);
	}
	if (p->hooks != NULL && p->hooks->done != NULL)
		p->hooks->done(p, p->hooks_arg);
	proxy_report_end(p);
	proxy_host_close(p, 0);
	proxy_dev_free(p);
	if (p->cap != NULL) {
		proxy_eventf(p, CAPTURE_EV_END, CAPTURE_DIR_NONE, "records=%u reason=%s",
		    capture_next_seq(p->cap) + 1,
		    p->stop_signal == SIGINT ? "sigint" : p->stop_signal == SIGTERM ? "sigterm" :
		    p->stop_signal == SIGHUP ? "sighup" : "exit");
		if (capture_flush(p->cap) == -1 && !p->capture_failed)
			fprintf(stderr, "sliptap proxy: capture: %s\n", capture_errmsg(p->cap));
		capture_close(p->cap);
		p->cap = NULL;
	}
	for (i = 0; i < 2; i++) {
		proxy_discard_queue(p, (enum proxy_dir)i);
		slip_decoder_free(p->s[i].dec);
		proxy_buf_free(&p->s[i].pend);
		loop_timer_free(p->s[i].timer);
		loop_timer_free(p->s[i].hold_timer);
	}
	loop_timer_free(p->wakeup);
	session_free(p->session);
	loop_free(p->loop);
	free(p);
}

/* ---- What the sides report (proxy-host.c, proxy-device.c) ----------------- */

void
proxy_device_gone(struct proxy *p, const char *why)
{
	struct proxy_event ev;

	proxy_warn(p, "%s: device gone (%s); waiting for it to come back", p->dev.name, why);
	proxy_source_gone(p, PROXY_D2H);
	proxy_eventf(p, CAPTURE_EV_PORT_CLOSE, CAPTURE_DIR_NONE, "side=device port=%s reason=\"%s\"",
	    p->dev.name, why);
	proxy_discard_queue(p, PROXY_H2D);
	/* The client sees what a vanished adapter looks like. */
	if (p->host.up) {
		proxy_eventf(p, CAPTURE_EV_HANGUP, CAPTURE_DIR_NONE, "side=host port=%s reason=device-gone",
		    proxy_host_name(p));
		proxy_host_close(p, 1);
	}
	session_harness(p->session, SESSION_HARNESS_RESET, 0, loop_now());
	memset(&ev, 0, sizeof(ev));
	ev.type = PROXY_EV_DEVICE_GONE;
	ev.now = loop_now();
	ev.dtr = ev.rts = -1;
	proxy_emit(p, &ev);
	p->dev.gone_at = loop_now();
}

void
proxy_device_back(struct proxy *p)
{
	struct proxy_event ev;
	char err[512];

	proxy_eventf(p, CAPTURE_EV_PORT_OPEN, CAPTURE_DIR_NONE,
	    "side=device port=%s baud=%u reason=reappear", p->dev.name, p->dev.baud);
	memset(&ev, 0, sizeof(ev));
	ev.type = PROXY_EV_DEVICE_BACK;
	ev.now = loop_now();
	ev.dtr = ev.rts = -1;
	proxy_emit(p, &ev);
	if (!p->host.up && !p->host.hung) {
		if (proxy_host_open(p, err, sizeof(err)) == -1) {
			proxy_warn(p, "cannot recreate the client side: %s", err);
			return;
		}
		proxy_eventf(p, CAPTURE_EV_PORT_OPEN, CAPTURE_DIR_NONE,
		    "side=host port=%s reason=device-back", proxy_host_name(p));
		ev.type = PROXY_EV_CLIENT_BACK;
		proxy_emit(p, &ev);
	}
	proxy_warn(p, "%s: device back after %.1f s", p->dev.name,
	    (double)(loop_now() - p->dev.gone_at) / 1e9);
}

void
proxy_client_control(struct proxy *p, enum reset_line line, int on)
{
	int dtr = line == RESET_LINE_DTR ? on : -1, rts = line == RESET_LINE_RTS ? on : -1;

	/*
	 * --rfc2217-reset direct, or (auto) a device that is itself an RFC
	 * 2217 server, which reads the lines the esp way if it is one (as
	 * `sliptap sim --rfc2217` and esp_rfc2217_server do): the change goes
	 * on as sent, and chaining is as if the tool talked to it directly.
	 */
	if (p->cfg.rfc2217_direct == PROXY_RFC2217_DIRECT ||
	    (p->cfg.rfc2217_direct == PROXY_RFC2217_AUTO && proxy_dev_lines_remote(p))) {
		proxy_set_device_lines(p, dtr, rts, "rfc2217");
		return;
	}
	switch (reset_esp_control(&p->host.esp_in_reset, line, on)) {
	case RESET_ESP_DTR_OFF:
		proxy_set_device_lines(p, 0, -1, "rfc2217");
		break;
	case RESET_ESP_BOOTLOADER:
		proxy_eventf(p, CAPTURE_EV_NOTE, CAPTURE_DIR_NONE,
		    "text=\"rfc2217 esp server: DTR on: reset into download mode\"");
		proxy_reset_device(p, PROXY_RESET_UNIX_TIGHT);
		break;
	case RESET_ESP_HARD_RESET:
		proxy_eventf(p, CAPTURE_EV_NOTE, CAPTURE_DIR_NONE,
		    "text=\"rfc2217 esp server: RTS off: hard reset\"");
		proxy_reset_device(p, PROXY_RESET_HARD);
		break;
	case RESET_ESP_IGNORE:
		break;	/* part of a sequence the server plays itself */
	}
}

void
proxy_client_left(struct proxy *p)
{
	/* A closed port drops DTR and RTS (as esp_rfc2217_server does). */
	p->host.esp_in_reset = 0;
	proxy_dev_release_lines(p);
}
