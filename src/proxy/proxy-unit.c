/*
 * proxy-unit.c — cutting each direction's byte stream into units, holding
 * them for the filter, and recording them in the capture.
 *
 * Each direction keeps a copy of the raw bytes not yet accounted for by a
 * unit (`pend`); the SLIP decoder's events say where units end. Bytes the
 * decoder reports in no event (the first C0 of an empty C0 C0 frame, a
 * frame cut short by a partial release) become RAW units, so the units of
 * a direction always tile its stream exactly.
 *
 * Without a filter the bytes were forwarded on read and units are only
 * recorded: UNCHANGED, or ORIGINAL when they reached nobody. A run of
 * garbage units (frames that are no ESP packet, bytes outside frames:
 * random data, application output at a wrong baud) is recorded as one CHUNK
 * per read, so noise costs one record per read instead of one per C0; the
 * bytes are all there. With a filter each unit goes through it first and is
 * queued by proxy-queue.c, which records it.
 */
#include <sys/types.h>

#include <string.h>

#include "proxy-int.h"
#include "util.h"

/* ---- Capture of units -------------------------------------------------- */

static unsigned
proxy_frame_flags(struct proxy *p, enum link_dir dir)
{
	const struct session_state *st = session_state(p->session);
	unsigned f = 0;

	if (st->stub)
		f |= CAPTURE_F_STUB;
	if (dir == LINK_D2H && st->status_len == 2)
		f |= CAPTURE_F_STATUS2;
	else if (dir == LINK_D2H && st->status_len == 4)
		f |= CAPTURE_F_STATUS4;
	return f;
}

void
proxy_write_unit(struct proxy *p, enum link_dir dir, enum proxy_rec rec, unsigned flags,
    const uint8_t *raw, size_t len, uint64_t ts)
{
	int rc, cd = proxy_capdir(dir);

	if (p->cap == NULL || p->capture_failed || len == 0)
		return;
	if (ts == 0)
		ts = p->s[dir].wall ? p->s[dir].wall : loop_wallclock();
	switch (rec) {
	case PROXY_REC_FRAME:
		rc = capture_write_frame(p->cap, ts, cd, flags | proxy_frame_flags(p, dir), raw, len);
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
enum proxy_rec
proxy_rec_guess(const uint8_t *b, size_t len)
{
	if (len >= 3 && b[0] == SLIP_END && b[len - 1] == SLIP_END &&
	    memchr(b + 1, SLIP_END, len - 2) == NULL)
		return PROXY_REC_FRAME;
	return PROXY_REC_CHUNK;
}

/* ---- Coalesced runs of garbage (no filter) -------------------------------- */

static void
proxy_run_flush(struct proxy *p, struct proxy_stream *s)
{
	if (s->co_len == 0)
		return;
	proxy_write_unit(p, s->dir, (enum proxy_rec)s->co_first, s->co_stage, s->co_ptr, s->co_len,
	    0);
	s->co_len = 0;
}

void
proxy_flush_runs(struct proxy *p)
{
	proxy_run_flush(p, &p->s[LINK_H2D]);
	proxy_run_flush(p, &p->s[LINK_D2H]);
}

/*
 * A unit that is noise: bytes outside frames or a frame that is no ESP
 * packet. A lone one keeps its own record type; two or more in a row
 * become one CHUNK.
 */
static int
proxy_run_add(struct proxy *p, struct proxy_stream *s, enum proxy_rec rec, unsigned stage,
    const uint8_t *raw, size_t len, const uint8_t *body, size_t body_len, uint64_t offset)
{
	struct esp_packet pkt;

	if (p->cap == NULL || p->capture_failed)
		return 1;
	if (rec == PROXY_REC_FRAME && esp_packet_parse(body, body_len, &pkt) == 0)
		return 0;
	if (rec != PROXY_REC_FRAME && rec != PROXY_REC_OUTSIDE && rec != PROXY_REC_CHUNK)
		return 0;
	if (s->co_len != 0 && (s->co_stage != stage || s->co_off + s->co_len != offset ||
	    s->co_ptr + s->co_len != raw))
		proxy_run_flush(p, s);
	if (s->co_len == 0) {
		/* Keep the first unit's own type until a second one joins it. */
		s->co_ptr = raw;
		s->co_off = offset;
		s->co_stage = stage;
		s->co_len = len;
		s->co_first = rec;
		return 1;
	}
	s->co_len += len;
	s->co_first = PROXY_REC_CHUNK;
	return 1;
}

/* ---- Units ------------------------------------------------------------- */

/* One unit: record / filter / forward. raw points into pend (valid until consumed). */
static void
proxy_unit(struct proxy *p, struct proxy_stream *s, enum proxy_unit_type type,
    enum proxy_rec rec, const uint8_t *raw, size_t len, const uint8_t *body, size_t body_len,
    uint64_t offset)
{
	struct proxy_unit u;
	unsigned stage;
	int verdict;

	if (len == 0)
		return;
	if (!p->hold) {
		/* Already forwarded on read (or dropped: it reached nobody); record only. */
		stage = offset < s->discard_until ? CAPTURE_STAGE_ORIGINAL : CAPTURE_STAGE_UNCHANGED;
		if (proxy_run_add(p, s, rec, stage, raw, len, body, body_len, offset))
			return;
		proxy_run_flush(p, s);
		proxy_write_unit(p, s->dir, rec, stage, raw, len, 0);
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
	s->unit_seq = CAPTURE_REF_NONE;
	/* The filter sees the unit before anything is recorded: proxy_record_fault writes the ORIGINAL. */
	p->cur_unit = &u;
	p->cur_rec = (int)rec;
	verdict = p->hooks->filter(p, &u, p->hooks_arg);
	p->cur_unit = NULL;
	if (verdict == PROXY_PASS) {
		if (!s->unit_recorded)
			proxy_queue_unit(p, s->dir, rec, raw, len);
		else
			proxy_queue(p, s->dir, raw, len, 0, 1, CAPTURE_STAGE_DELIVERED, s->unit_seq);
	} else if (!s->unit_recorded)
		proxy_write_unit(p, s->dir, rec, CAPTURE_STAGE_ORIGINAL, raw, len, 0);
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

static void
proxy_slip_unit(struct proxy *p, struct proxy_stream *s, const struct slip_event *ev)
{
	switch (ev->type) {
	case SLIP_EV_BAD_ESCAPE:
		proxy_run_flush(p, s);
		if (p->cap != NULL && !p->capture_failed)
			proxy_capture_check(p, capture_write_slip_event(p->cap, s->wall,
			    proxy_capdir(s->dir), CAPTURE_STAGE_UNCHANGED, ev));
		return;
	case SLIP_EV_FRAME:
		if (s->dir == LINK_H2D)
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

void
proxy_slip_cb(const struct slip_event *ev, void *arg)
{
	struct proxy_stream *s = arg;
	struct proxy *p = s->proxy;
	enum link_dir sd = s->dir == LINK_H2D ? LINK_H2D : LINK_D2H;

	/* The tracker first, so the unit's state includes it; its notes follow the unit's record. */
	p->deferring = 1;
	p->rec_wall = s->wall;
	session_slip_event(p->session, sd, ev, s->now);
	proxy_slip_unit(p, s, ev);
	proxy_flush_deferred(p);
	p->rec_wall = 0;
}

void
proxy_hold_timer(void *arg)
{
	struct proxy_stream *s = arg;

	s->now = loop_now();
	s->wall = loop_wallclock();
	s->feeding = 1;
	proxy_release_pending(s->proxy, s);
	proxy_run_flush(s->proxy, s);
	s->feeding = 0;
	if (s->gone_pending) {
		s->gone_pending = 0;
		proxy_source_gone(s->proxy, s->dir);
	}
}

void
proxy_input(struct proxy *p, enum link_dir dir, const uint8_t *buf, size_t len)
{
	struct proxy_stream *s = &p->s[dir];

	if (len == 0)
		return;
	s->now = loop_now();
	s->wall = loop_wallclock();
	if (dir == LINK_D2H && !p->path->has_client(p))
		s->discard_until = s->in_total + len;
	if (!p->hold)
		proxy_queue(p, dir, buf, len, 0, 0, 0, CAPTURE_REF_NONE);
	proxy_buf_add(&s->pend, buf, len);
	s->in_total += len;
	s->feeding = 1;
	slip_decoder_feed(s->dec, buf, len);
	if (!slip_decoder_in_frame(s->dec))
		slip_decoder_flush(s->dec);
	if (s->pend.len > PROXY_PEND_MAX)
		proxy_release_pending(p, s);
	proxy_run_flush(p, s);	/* its bytes live in pend until the next read */
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
		p->pending_mark = p->s[LINK_D2H].out_total + p->s[LINK_D2H].queued;
	proxy_check_baud_mark(p);
}

/* The source of `dir` ended (client closed its stream, device vanished). */
void
proxy_source_gone(struct proxy *p, enum link_dir dir)
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
	proxy_run_flush(p, s);
	s->feeding = 0;
	s->gone_pending = 0;
	loop_timer_stop(s->hold_timer);
}
