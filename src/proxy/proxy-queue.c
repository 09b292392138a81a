/*
 * proxy-queue.c — the output queues: one FIFO of chunks per direction,
 * written to the destination as soon as it takes them, unless a primitive
 * holds them back (a stall, a delivery time, a throttle, slicing).
 *
 * Back-pressure. A destination that does not take bytes (EAGAIN) blocks
 * the queue until POLLOUT; once PROXY_BACKPRESSURE bytes are queued behind
 * it the source of that direction is no longer read, so the sender's own
 * writes block as they would on the real port. The capture gets a
 * DEVICE_WRITE_BLOCKED (h2d) or HOST_WRITE_BLOCKED (d2h) event when that
 * happens and the matching _UNBLOCKED event when the queue moves again.
 *
 * Capture. What leaves a queue is recorded when it has gone out, stamped
 * with that time: a unit a filter passed is UNCHANGED when it goes out at
 * once, else ORIGINAL when queued and DELIVERED (ref = that ORIGINAL) when
 * its last byte is written. Queued bytes thrown away (the receiver is gone)
 * are a DISCARDED event; a chunk cut short is DELIVERED for the part that
 * went out.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "proxy-int.h"
#include "util.h"

static ssize_t
proxy_dest_write(struct proxy *p, enum link_dir dir, const uint8_t *buf, size_t len)
{
	return p->path->write(p, dir, buf, len);
}

static const char *
proxy_gone_reason(struct proxy *p, enum link_dir dir)
{
	if (p->exiting)
		return "proxy exiting";
	if (dir == LINK_H2D)
		return "device gone";
	return p->path->has_client(p) ? "client gone" : "no client has the port open";
}

void
proxy_check_baud_mark(struct proxy *p)
{
	uint32_t baud;

	if (p->pending_baud == 0 || p->pending_mark == 0)
		return;
	if (p->s[LINK_D2H].out_total < p->pending_mark && p->s[LINK_D2H].queued != 0)
		return;
	baud = p->pending_baud;
	p->pending_baud = 0;
	p->pending_mark = 0;
	proxy_set_device_baud(p, baud, "protocol");
}

/*
 * Pause or resume the source of `dir` from the queue's state. A spell of
 * back-pressure (the destination blocks with bytes queued) holds the
 * sender's writes and is recorded as a WRITE_BLOCKED / UNBLOCKED pair.
 */
static void
proxy_pressure(struct proxy *p, struct proxy_stream *s)
{
	int bp = s->blocked && s->queued > 0;
	int full = s->queued >= PROXY_QUEUE_MAX ||
	    (s->paused && !s->pressure && s->queued >= PROXY_QUEUE_MAX / 2);
	int paused = (bp && s->queued >= PROXY_BACKPRESSURE) || full;
	uint64_t now;

	if (bp && !s->pressure) {
		s->pressure = 1;
		s->pressure_at = loop_now();
		if (p->path->hold_sender != NULL)
			p->path->hold_sender(p, s->dir, 1);
		if (s->pressure_records++ < PROXY_PRESSURE_RECORDS)
			proxy_eventf(p, s->dir == LINK_H2D ? CAPTURE_EV_DEVICE_WRITE_BLOCKED :
			    CAPTURE_EV_HOST_WRITE_BLOCKED, proxy_capdir(s->dir), "queued=%zu",
			    s->queued);
		else if (s->pressure_records == PROXY_PRESSURE_RECORDS + 1)
			proxy_eventf(p, CAPTURE_EV_NOTE, proxy_capdir(s->dir),
			    "text=\"more %s write blocks not recorded (limit reached)\"",
			    s->dir == LINK_H2D ? "device" : "host");
	} else if (!bp && s->pressure) {
		s->pressure = 0;
		if (p->path->hold_sender != NULL)
			p->path->hold_sender(p, s->dir, 0);
		now = loop_now();
		if (s->pressure_records <= PROXY_PRESSURE_RECORDS)
			proxy_eventf(p, s->dir == LINK_H2D ? CAPTURE_EV_DEVICE_WRITE_UNBLOCKED :
			    CAPTURE_EV_HOST_WRITE_UNBLOCKED, proxy_capdir(s->dir), "after_ms=%llu",
			    (unsigned long long)((now - s->pressure_at) / NS_PER_MS));
	}
	if (paused != s->paused) {
		s->paused = paused;
		p->path->want(p);
	}
}

/* Record the part of chunk c that went out (all of it, or off bytes of it). */
static void
proxy_chunk_delivered(struct proxy *p, enum link_dir dir, const struct proxy_chunk *c,
    size_t n)
{
	enum proxy_rec rec;

	if (!c->record || n == 0 || p->cap == NULL)
		return;
	rec = n == c->len && c->rec >= 0 ? (enum proxy_rec)c->rec : proxy_rec_guess(c->data, n);
	if (c->ref != CAPTURE_REF_NONE && !p->capture_failed)
		capture_set_ref(p->cap, c->ref);
	proxy_write_unit(p, dir, rec, c->capflags, c->data, n, loop_wallclock());
}

static void
proxy_discarded(struct proxy *p, enum link_dir dir, size_t bytes, size_t recorded,
    uint32_t ref)
{
	if (p->cap == NULL || p->capture_failed || bytes == 0)
		return;
	proxy_capture_check(p, capture_write_discarded(p->cap, loop_wallclock(),
	    proxy_capdir(dir), bytes, recorded, ref, proxy_gone_reason(p, dir)));
}

void
proxy_discard_queue(struct proxy *p, enum link_dir dir)
{
	struct proxy_stream *s = &p->s[dir];
	struct proxy_chunk *c, *next;
	size_t raw = 0, recorded;

	proxy_flush_runs(p);
	for (c = s->head; c != NULL; c = next) {
		next = c->next;
		if (c->record) {
			proxy_chunk_delivered(p, dir, c, c->off);
			proxy_discarded(p, dir, c->len - c->off, 0, c->ref);
		} else
			raw += c->len - c->off;
		free(c);
	}
	if (raw > 0) {
		/*
		 * Bytes forwarded on read (no filter): those whose units were
		 * recorded already are taken back, the rest are recorded ORIGINAL.
		 */
		recorded = s->pend_off > s->out_total ? (size_t)(s->pend_off - s->out_total) : 0;
		if (recorded > raw)
			recorded = raw;
		proxy_discarded(p, dir, raw, recorded, CAPTURE_REF_NONE);
		s->out_total += raw;
		if (s->discard_until < s->in_total)
			s->discard_until = s->in_total;
	}
	s->head = s->tail = NULL;
	s->queued = 0;
	s->blocked = 0;
	loop_timer_stop(s->timer);
	proxy_pressure(p, s);
	if (dir == LINK_D2H)
		proxy_check_baud_mark(p);
}

static int
proxy_fast_ok(const struct proxy_stream *s)
{
	return s->head == NULL && s->stall_until == 0 && s->throttle == 0 && s->slice == 0 &&
	    !s->blocked;
}

static struct proxy_chunk *
proxy_chunk_new(const uint8_t *buf, size_t len, size_t off, uint64_t when, int record,
    unsigned capflags, uint32_t ref, int rec)
{
	struct proxy_chunk *c = xmalloc(sizeof(*c) + len);

	c->next = NULL;
	c->when = when;
	c->record = record;
	c->capflags = capflags;
	c->ref = ref;
	c->rec = rec;
	c->len = len;
	c->off = off;
	memcpy(c->data, buf, len);
	return c;
}

static void
proxy_chunk_append(struct proxy *p, struct proxy_stream *s, struct proxy_chunk *c)
{
	if (s->tail != NULL)
		s->tail->next = c;
	else
		s->head = c;
	s->tail = c;
	s->queued += c->len - c->off;
	if (!s->blocked)
		proxy_drain(p, s->dir);
	else
		proxy_pressure(p, s);
}

/*
 * Try to write len bytes now. Returns how many went out, or -1 when nobody
 * takes them (PROXY_WRITE_GONE: dropped). Marks the stream blocked when the
 * destination would block.
 */
static ssize_t
proxy_try_write(struct proxy *p, struct proxy_stream *s, const uint8_t *buf, size_t len)
{
	ssize_t n = proxy_dest_write(p, s->dir, buf, len);

	if (n == PROXY_WRITE_GONE) {
		if (s->dir == LINK_D2H)
			proxy_check_baud_mark(p);
		return -1;
	}
	if (n < 0)
		n = 0;
	s->out_total += (uint64_t)n;
	if ((size_t)n < len) {
		s->blocked = 1;		/* the rest waits for POLLOUT */
		p->path->want(p);
	} else if (s->dir == LINK_D2H)
		proxy_check_baud_mark(p);
	return n;
}

void
proxy_queue(struct proxy *p, enum link_dir dir, const uint8_t *buf, size_t len, uint64_t when,
    int record, unsigned capflags, uint32_t ref)
{
	struct proxy_stream *s = &p->s[dir];
	struct proxy_chunk *c;
	ssize_t n = 0;

	if (len == 0)
		return;
	if (when <= s->now && proxy_fast_ok(s)) {
		n = proxy_try_write(p, s, buf, len);
		if (n < 0) {
			if (record)
				proxy_discarded(p, dir, len, 0, ref);
			else if (s->discard_until < s->in_total + len)
				s->discard_until = s->in_total + len;	/* units are ORIGINAL */
			return;
		}
		if ((size_t)n == len) {
			if (record) {
				if (ref != CAPTURE_REF_NONE && p->cap != NULL && !p->capture_failed)
					capture_set_ref(p->cap, ref);
				proxy_write_unit(p, dir, proxy_rec_guess(buf, len), capflags, buf, len,
				    loop_wallclock());
			}
			return;
		}
	}
	c = proxy_chunk_new(buf, len, (size_t)n, when, record, capflags, ref, -1);
	proxy_chunk_append(p, s, c);
}

void
proxy_queue_unit(struct proxy *p, enum link_dir dir, enum proxy_rec rec, const uint8_t *raw,
    size_t len)
{
	struct proxy_stream *s = &p->s[dir];
	struct proxy_chunk *c;
	uint32_t seq = CAPTURE_REF_NONE;
	ssize_t n = 0;

	if (len == 0)
		return;
	if (proxy_fast_ok(s)) {
		n = proxy_try_write(p, s, raw, len);
		if ((size_t)n == len) {
			proxy_write_unit(p, dir, rec, CAPTURE_STAGE_UNCHANGED, raw, len, 0);
			return;
		}
	}
	/* Not (all) delivered now: the bytes as sent, then what becomes of them. */
	if (p->cap != NULL && !p->capture_failed)
		seq = capture_next_seq(p->cap);
	proxy_write_unit(p, dir, rec, CAPTURE_STAGE_ORIGINAL, raw, len, 0);
	if (n < 0) {
		proxy_discarded(p, dir, len, 0, seq);
		return;
	}
	c = proxy_chunk_new(raw, len, (size_t)n, 0, 1, CAPTURE_STAGE_DELIVERED, seq, (int)rec);
	proxy_chunk_append(p, s, c);
}

/* How much of chunk c may go out in one write (slice, throttle). */
static size_t
proxy_write_size(const struct proxy_stream *s, const struct proxy_chunk *c)
{
	size_t max = c->len - c->off, per;

	if (s->slice != 0 && max > s->slice)
		max = s->slice;
	if (s->throttle != 0) {
		per = s->throttle / 10 / 100;	/* 10 ms worth of bytes */
		if (per == 0)
			per = 1;
		if (max > per)
			max = per;
	}
	return max;
}

void
proxy_drain(struct proxy *p, enum link_dir dir)
{
	struct proxy_stream *s = &p->s[dir];
	struct proxy_chunk *c;
	uint64_t now = loop_now(), wait = LOOP_NEVER;
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
		n = proxy_dest_write(p, dir, c->data + c->off, proxy_write_size(s, c));
		if (n == PROXY_WRITE_GONE) {
			if (dir == LINK_H2D)
				proxy_dev_hold_until_gone(p);
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
			s->next_write = now + (uint64_t)n * 10 * NS_PER_SEC / s->throttle;
		if (s->slice != 0 && n > 0)
			s->next_write = now + s->slice_gap;
		if (c->off == c->len) {
			proxy_chunk_delivered(p, dir, c, c->len);
			s->head = c->next;
			if (s->head == NULL)
				s->tail = NULL;
			free(c);
		}
		if (dir == LINK_D2H)
			proxy_check_baud_mark(p);
		if ((s->throttle != 0 || s->slice != 0) && s->next_write > now) {
			wait = s->head != NULL ? s->next_write : LOOP_NEVER;
			break;
		}
	}
	if (wait != LOOP_NEVER && wait != PROXY_FOREVER)
		loop_timer_at(s->timer, wait);
	else
		loop_timer_stop(s->timer);
	proxy_pressure(p, s);
	p->path->want(p);
}

void
proxy_stream_timer(void *arg)
{
	struct proxy_stream *s = arg;

	proxy_drain(s->proxy, s->dir);
}

/* ---- Primitives (proxy.h) ------------------------------------------------ */

void
proxy_send_at(struct proxy *p, enum link_dir dir, const uint8_t *bytes, size_t len,
    uint64_t when, unsigned flags)
{
	struct proxy_stream *s = &p->s[dir];
	unsigned capflags = CAPTURE_STAGE_DELIVERED;
	uint32_t ref = CAPTURE_REF_NONE;

	if (flags & PROXY_SEND_INJECTED)
		capflags |= CAPTURE_F_INJECTED;
	else if (p->cur_unit != NULL && p->cur_unit->dir == dir) {
		/* Derived from the unit in the filter: its ORIGINAL record first. */
		proxy_record_fault(p, p->cur_unit, NULL);
		ref = s->unit_seq;
	}
	s->now = loop_now();
	proxy_queue(p, dir, bytes, len, when, 1, capflags, ref);
}

void
proxy_stall(struct proxy *p, enum link_dir dir, uint64_t until)
{
	p->s[dir].stall_until = until;
	proxy_eventf(p, CAPTURE_EV_NOTE, proxy_capdir(dir), "text=\"%s %s\"",
	    until == 0 ? "release" : "stall", proxy_dir_name(dir));
	proxy_drain(p, dir);
}

void
proxy_throttle(struct proxy *p, enum link_dir dir, uint32_t baud)
{
	p->s[dir].throttle = baud;
	p->s[dir].next_write = 0;
	proxy_drain(p, dir);
}

void
proxy_slice(struct proxy *p, enum link_dir dir, size_t size, uint64_t gap_ns)
{
	p->s[dir].slice = size;
	p->s[dir].slice_gap = gap_ns;
	p->s[dir].next_write = 0;
	proxy_drain(p, dir);
}
