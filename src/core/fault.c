/*
 * fault.c — the pure fault engine (see fault.h and docs/sliptap-scenario.5).
 *
 * For each unit: classify it (command, response, OHAI, garbage frame,
 * outside text), work out its protocol position (op, the *_DATA seq it is
 * or answers, esptool's percent and address for that block, bytes so far),
 * then walk the rules in file order. A rule whose triggers all match counts
 * a match; nth / every / times / probability / burst then decide whether it
 * fires; a firing rule adds its action to the decision. Rules compose in
 * file order (corrupt, then truncate, then inject around the result).
 *
 * The engine keeps its own copy of the flash region (FLASH_BEGIN's block
 * count, block size and offset) so progress matches esptool's own
 * arithmetic whether or not the tracker has seen the unit yet.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "fault.h"
#include "scenario.h"
#include "session.h"
#include "slip.h"
#include "util.h"

#define FAULT_MAX_POS	4096	/* firing positions kept per rule (for pinning) */

struct fault_pos {
	uint64_t	 match_no;
	int		 have_op;
	uint8_t		 op;
	int		 have_seq;
	uint32_t	 seq;
	int		 dir;		/* enum session_dir, or -1 for events */
	enum scenario_event ev;
};

struct fault_rule_state {
	const struct scenario_rule *r;
	uint64_t	 fire_rng;	/* does it fire */
	uint64_t	 act_rng;	/* action details: jitter, bit positions */
	uint64_t	 matched, fired;
	uint64_t	 first_ns;
	int		 bad;		/* burst model: in the bad state */
	size_t		 nth_idx;
	struct fault_pos *pos;
	size_t		 npos;
};

/* What the engine learnt about one unit. */
struct fault_info {
	enum scenario_kind kind;	/* COMMAND, RESPONSE, OHAI, GARBAGE or TEXT */
	int		 is_packet;
	struct esp_packet pkt;
	int		 have_op;
	uint8_t		 op;
	int		 have_seq;
	uint32_t	 seq;
	int		 progress;	/* -1 when not a flash block */
	int		 have_address;
	uint32_t	 address;
	int		 next_progress;	/* replies: percent of the block the tool sends next, -1 */
	int		 first_at_next;	/* ... and that block is the first at its percent... */
	int		 prev_next_progress;	/* ... percent of the block before it (-1: none) */
	uint64_t	 bytes;		/* bytes so far in its direction */
	int		 status_len;
};

struct fault_engine {
	const struct scenario *sc;
	uint64_t	 seed;
	uint64_t	 start_ns;
	struct fault_rule_state *rs;
	size_t		 nrs;
	uint64_t	 bytes[2];
	/* the current flash region, from the host's BEGIN */
	int		 have_region;
	uint32_t	 num_blocks, block_size, offset;
	int		 compressed;
	uint8_t		 last_data_op;
	int		 have_last_seq;
	uint32_t	 last_seq;
	/* work buffers (one unit at a time) */
	uint8_t		*wbody;		/* SLIP_MAX_FRAME + room */
	size_t		 wbody_len;
	uint8_t		*out;		/* SLIP_ENCODED_MAX(SLIP_MAX_FRAME) */
	uint8_t		*sendbuf;	/* FAULT_MAX_SENDS slices */
	size_t		 sendused;
};

#define FAULT_WBODY_MAX		(SLIP_MAX_FRAME + 64)
#define FAULT_SENDBUF_MAX	(FAULT_MAX_SENDS * SLIP_ENCODED_MAX(SCENARIO_MAX_DATA + 64))

uint64_t
fault_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

uint64_t
fault_stream_seed(uint64_t seed, const char *rule, const char *label)
{
	uint64_t h = 0xcbf29ce484222325ULL, s;
	const char *c;

	/* FNV-1a over "rule\0label", then mixed with the seed */
	for (c = rule; *c != '\0'; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
	h = (h ^ 0) * 0x100000001b3ULL;
	for (c = label; *c != '\0'; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
	s = seed ^ h;
	return fault_splitmix64(&s);
}

/* A uniform draw in [0, SCENARIO_PPB_ONE). */
static uint32_t
fault_draw_ppb(uint64_t *rng)
{
	return (uint32_t)(((fault_splitmix64(rng) >> 32) * (uint64_t)SCENARIO_PPB_ONE) >> 32);
}

/* A uniform draw in [0, n). */
static uint64_t
fault_draw_below(uint64_t *rng, uint64_t n)
{
	if (n == 0)
		return 0;
	return fault_splitmix64(rng) % n;	/* bias is negligible for our n */
}

struct fault_engine *
fault_engine_new(const struct scenario *sc, int use_seed, uint64_t seed, uint64_t start_ns)
{
	struct fault_engine *e;
	size_t i;

	e = xcalloc(1, sizeof(*e));
	e->sc = sc;
	e->seed = use_seed ? seed : sc->seed;
	e->start_ns = start_ns;
	e->nrs = sc->nrules;
	e->rs = xcalloc(e->nrs > 0 ? e->nrs : 1, sizeof(*e->rs));
	for (i = 0; i < e->nrs; i++) {
		e->rs[i].r = &sc->rules[i];
		e->rs[i].fire_rng = fault_stream_seed(e->seed, sc->rules[i].name, "fire");
		e->rs[i].act_rng = fault_stream_seed(e->seed, sc->rules[i].name, "act");
	}
	e->wbody = xmalloc(FAULT_WBODY_MAX);
	e->out = xmalloc(SLIP_ENCODED_MAX(FAULT_WBODY_MAX));
	e->sendbuf = xmalloc(FAULT_SENDBUF_MAX);
	return e;
}

void
fault_engine_free(struct fault_engine *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nrs; i++)
		free(e->rs[i].pos);
	free(e->rs);
	free(e->wbody);
	free(e->out);
	free(e->sendbuf);
	free(e);
}

uint64_t
fault_engine_seed(const struct fault_engine *e)
{
	return e->seed;
}

void
fault_engine_set_start(struct fault_engine *e, uint64_t start_ns)
{
	e->start_ns = start_ns;
}

/* ---- Classifying a unit ---------------------------------------------- */

static int
fault_is_flash_data(uint8_t op)
{
	return op == ESP_OP_FLASH_DATA || op == ESP_OP_FLASH_DEFL_DATA;
}

/* Status of a response: 0 ok, 1 failed, -1 unknown. */
static int
fault_reply_ok(const struct esp_packet *p, int status_len)
{
	uint8_t st, er;

	if (esp_response_status(p, status_len, &st, &er) != 0)
		return -1;
	return st == 0 ? 0 : 1;
}

static void
fault_classify(struct fault_engine *e, const struct fault_unit *u, struct fault_info *in)
{
	struct esp_data_header dh;
	int rc;

	memset(in, 0, sizeof(*in));
	in->progress = -1;
	in->next_progress = -1;
	in->prev_next_progress = -1;
	in->bytes = e->bytes[u->dir == SESSION_FROM_HOST ? 0 : 1];
	in->status_len = u->state != NULL && u->state->status_len != 0 ? u->state->status_len : 0;
	if (u->outside || u->body == NULL) {
		in->kind = SCENARIO_KIND_TEXT;
		return;
	}
	if (u->body_len == 4 && memcmp(u->body, "OHAI", 4) == 0) {
		in->kind = SCENARIO_KIND_OHAI;
		return;
	}
	if (u->pkt != NULL) {
		in->pkt = *u->pkt;
		rc = 0;
	} else
		rc = esp_packet_parse(u->body, u->body_len, &in->pkt);
	if (rc != 0 ||
	    (in->pkt.dir == ESP_DIR_COMMAND && u->dir != SESSION_FROM_HOST) ||
	    (in->pkt.dir == ESP_DIR_RESPONSE && u->dir != SESSION_FROM_DEVICE)) {
		in->kind = SCENARIO_KIND_GARBAGE;
		return;
	}
	in->is_packet = 1;
	in->have_op = 1;
	in->op = in->pkt.op;
	if (in->pkt.dir == ESP_DIR_COMMAND) {
		in->kind = SCENARIO_KIND_COMMAND;
		if (esp_op_has_data_header(in->op) && esp_data_header_parse(&in->pkt, &dh) == 0) {
			in->have_seq = 1;
			in->seq = dh.seq;
		}
	} else {
		in->kind = SCENARIO_KIND_RESPONSE;
		if (esp_op_has_data_header(in->op) && e->have_last_seq && e->last_data_op == in->op) {
			in->have_seq = 1;
			in->seq = e->last_seq;
		}
	}
	if (in->have_seq && fault_is_flash_data(in->op) && e->have_region) {
		in->progress = esp_progress_percent(in->seq, e->num_blocks);
		in->have_address = 1;
		in->address = e->offset + in->seq * e->block_size;
		if (in->op == ESP_OP_FLASH_DEFL_DATA && u->state != NULL &&
		    u->state->region.compressed && u->state->region.seq == in->seq &&
		    u->state->region.inflate_ok)
			in->address = u->state->region.address;
	} else if (e->have_region && (in->op == ESP_OP_FLASH_BEGIN ||
	    in->op == ESP_OP_FLASH_DEFL_BEGIN) && in->kind == SCENARIO_KIND_COMMAND) {
		/* filled below once the region is known */
	}
	/* The block the tool sends after this reply (before_progress). */
	if (in->kind == SCENARIO_KIND_RESPONSE && e->have_region) {
		int sl = in->status_len != 0 ? in->status_len : 4;
		uint32_t next;

		if (fault_reply_ok(&in->pkt, sl) == 0 || (in->status_len == 0 &&
		    fault_reply_ok(&in->pkt, 2) == 0)) {
			if (in->op == ESP_OP_FLASH_BEGIN || in->op == ESP_OP_FLASH_DEFL_BEGIN)
				next = 0;
			else if (in->have_seq && fault_is_flash_data(in->op))
				next = in->seq + 1;
			else
				return;
			if (next < e->num_blocks) {
				in->next_progress = esp_progress_percent(next, e->num_blocks);
				in->prev_next_progress = next == 0 ? -1 :
				    esp_progress_percent(next - 1, e->num_blocks);
			}
		}
	}
}

/* After the rules: learn from the unit (the tool's view of the session). */
static void
fault_learn(struct fault_engine *e, const struct fault_unit *u, const struct fault_info *in)
{
	e->bytes[u->dir == SESSION_FROM_HOST ? 0 : 1] += u->raw_len;
	if (in->kind != SCENARIO_KIND_COMMAND)
		return;
	if ((in->op == ESP_OP_FLASH_BEGIN || in->op == ESP_OP_FLASH_DEFL_BEGIN) &&
	    in->pkt.data_len >= 16 && in->pkt.len >= 16) {
		e->have_region = 1;
		e->num_blocks = le32(in->pkt.data + 4);
		e->block_size = le32(in->pkt.data + 8);
		e->offset = le32(in->pkt.data + 12);
		e->compressed = in->op == ESP_OP_FLASH_DEFL_BEGIN;
		e->have_last_seq = 0;
	}
	if (in->have_seq) {
		e->have_last_seq = 1;
		e->last_seq = in->seq;
		e->last_data_op = in->op;
	}
}

/* ---- Matching -------------------------------------------------------- */

static int
fault_bit(const uint8_t map[32], uint8_t op)
{
	return (map[op / 8] >> (op % 8)) & 1;
}

static int
fault_in_range(const struct scenario_range *r, uint64_t v)
{
	return !r->set || (v >= r->lo && v <= r->hi);
}

/* Can the rule's action do anything to this unit? (Else it is not a match.) */
static int
fault_action_applies(const struct scenario_rule *r, const struct fault_unit *u,
    const struct fault_info *in)
{
	switch (r->action) {
	case SCENARIO_ACT_REPLY:
		return in->is_packet;
	case SCENARIO_ACT_CORRUPT:
		switch (r->target) {
		case SCENARIO_TARGET_CHECKSUM:
			return in->kind == SCENARIO_KIND_COMMAND;
		case SCENARIO_TARGET_STATUS:
			return in->kind == SCENARIO_KIND_RESPONSE;
		case SCENARIO_TARGET_HEADER:
			return in->is_packet;
		case SCENARIO_TARGET_FRAMING:
			return in->kind != SCENARIO_KIND_TEXT;
		default:
			return u->raw_len > 0;
		}
	case SCENARIO_ACT_TRUNCATE:
		return u->raw_len > 0;
	default:
		return 1;
	}
}

static int
fault_match_unit(const struct fault_engine *e, const struct fault_rule_state *rs,
    const struct fault_unit *u, const struct fault_info *in)
{
	const struct scenario_rule *r = rs->r;

	if (r->on != SCENARIO_EV_NONE)
		return 0;
	if (r->dir == SCENARIO_DIR_TO_DEVICE && u->dir != SESSION_FROM_HOST)
		return 0;
	if (r->dir == SCENARIO_DIR_TO_HOST && u->dir != SESSION_FROM_DEVICE)
		return 0;
	switch (r->kind) {
	case SCENARIO_KIND_ANY:
		break;
	case SCENARIO_KIND_FRAME:
		if (in->kind == SCENARIO_KIND_TEXT)
			return 0;
		break;
	default:
		if (in->kind != r->kind)
			return 0;
	}
	if (r->have_command && (in->kind != SCENARIO_KIND_COMMAND || !fault_bit(r->command, in->op)))
		return 0;
	if (r->have_response_to &&
	    (in->kind != SCENARIO_KIND_RESPONSE || !fault_bit(r->response_to, in->op)))
		return 0;
	if (r->seq.set && (!in->have_seq || !fault_in_range(&r->seq, in->seq)))
		return 0;
	if (r->progress.set && (in->progress < 0 || !fault_in_range(&r->progress, (uint64_t)in->progress)))
		return 0;
	if (r->before_progress >= 0) {
		if (in->next_progress < 0 || in->next_progress < r->before_progress)
			return 0;
		if (in->prev_next_progress >= r->before_progress)
			return 0;
	}
	if (r->offset.set && (!in->have_address || !fault_in_range(&r->offset, in->address)))
		return 0;
	if (r->bytes.set && !fault_in_range(&r->bytes, in->bytes))
		return 0;
	if (r->phase != SCENARIO_PHASE_ANY &&
	    (u->state == NULL || (int)u->state->phase != r->phase))
		return 0;
	return fault_action_applies(r, u, in);
}

/* Time and other-rule conditions (`after`, `after_rule`). */
static int
fault_match_time(const struct fault_engine *e, const struct fault_rule_state *rs, uint64_t now)
{
	const struct scenario_rule *r = rs->r;
	uint64_t base = e->start_ns;

	if (r->after_rule_idx >= 0) {
		const struct fault_rule_state *o = &e->rs[r->after_rule_idx];

		if (o->fired == 0)
			return 0;
		base = o->first_ns;
	}
	if (r->have_after && now < base + r->after_ns)
		return 0;
	return 1;
}

/* Count a match and decide whether the rule fires on it. */
static int
fault_gate(struct fault_rule_state *rs)
{
	const struct scenario_rule *r = rs->r;
	uint64_t m = ++rs->matched;

	if (r->nnth > 0) {
		if (rs->nth_idx >= r->nnth || r->nth[rs->nth_idx] != m)
			return 0;
		rs->nth_idx++;
	}
	if (r->every != 0 && m % r->every != 0)
		return 0;
	if (r->have_times && rs->fired >= r->times)
		return 0;
	if (r->burst) {
		if (!rs->bad) {
			if (fault_draw_ppb(&rs->fire_rng) < r->burst_enter)
				rs->bad = 1;
		} else if (fault_draw_ppb(&rs->fire_rng) < r->burst_exit)
			rs->bad = 0;
		if (!rs->bad)
			return 0;
		if (r->burst_loss >= SCENARIO_PPB_ONE)
			return 1;
		return fault_draw_ppb(&rs->fire_rng) < r->burst_loss;
	}
	if (r->have_probability) {
		if (r->probability >= SCENARIO_PPB_ONE)
			return 1;
		return fault_draw_ppb(&rs->fire_rng) < r->probability;
	}
	return 1;
}

static struct fault_fired *
fault_record(struct fault_rule_state *rs, const struct fault_info *in, int dir,
    enum scenario_event ev, uint64_t now, struct fault_decision *d)
{
	struct fault_fired *f;
	struct fault_pos *p;

	rs->fired++;
	if (rs->fired == 1)
		rs->first_ns = now;
	if (rs->npos < FAULT_MAX_POS) {
		if (rs->pos == NULL)
			rs->pos = xcalloc(FAULT_MAX_POS, sizeof(*rs->pos));
		p = &rs->pos[rs->npos++];
		memset(p, 0, sizeof(*p));
		p->match_no = rs->matched;
		p->dir = dir;
		p->ev = ev;
		if (in != NULL) {
			p->have_op = in->have_op;
			p->op = in->op;
			p->have_seq = in->have_seq;
			p->seq = in->seq;
		}
	}
	if (d->nfired >= FAULT_MAX_FIRED)
		return NULL;
	f = &d->fired[d->nfired++];
	memset(f, 0, sizeof(*f));
	f->rule = rs->r;
	f->action = rs->r->action;
	f->fire_no = rs->fired;
	f->match_no = rs->matched;
	f->progress = -1;
	if (in != NULL) {
		f->have_op = in->have_op;
		f->op = in->op;
		f->have_seq = in->have_seq;
		f->seq = in->seq;
		f->progress = in->progress;
	}
	return f;
}

/* ---- Actions --------------------------------------------------------- */

static const uint8_t *
fault_send_add(struct fault_engine *e, struct fault_decision *d, enum session_dir dir, int after,
    const uint8_t *data, size_t len, const struct scenario_rule *r)
{
	struct fault_send *s;
	uint8_t *dst;

	if (d->nsends >= FAULT_MAX_SENDS || e->sendused + len > FAULT_SENDBUF_MAX)
		return NULL;
	dst = e->sendbuf + e->sendused;
	memcpy(dst, data, len);
	e->sendused += len;
	s = &d->sends[d->nsends++];
	s->dir = dir;
	s->after = after;
	s->injected = 1;
	s->data = dst;
	s->len = len;
	s->rule = r;
	return dst;
}

static void
fault_changed(struct fault_fired *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
fault_changed(struct fault_fired *f, const char *fmt, ...)
{
	va_list ap;

	if (f == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(f->changed, sizeof(f->changed), fmt, ap);
	va_end(ap);
}

static enum session_dir
fault_sdir(enum scenario_dir d, enum session_dir dflt)
{
	if (d == SCENARIO_DIR_TO_DEVICE)
		return SESSION_FROM_HOST;
	if (d == SCENARIO_DIR_TO_HOST)
		return SESSION_FROM_DEVICE;
	return dflt;
}

static const char *
fault_dirname(enum session_dir d)
{
	return d == SESSION_FROM_HOST ? "to-device" : "to-host";
}

static const char *
fault_opname(uint8_t op)
{
	const char *n = esp_op_name(op);

	return n != NULL ? n : "op?";
}

/* Link-level actions shared by units and events. */
static int
fault_apply_link(const struct scenario_rule *r, enum session_dir udir, struct fault_decision *d,
    struct fault_fired *f)
{
	switch (r->action) {
	case SCENARIO_ACT_PASS:
		fault_changed(f, "nothing (pass)");
		return 1;
	case SCENARIO_ACT_STALL:
		d->stall = 1;
		d->stall_dir = fault_sdir(r->dir, udir);
		d->stall_ns = r->have_duration ? r->duration_ns : 0;
		if (r->have_duration)
			fault_changed(f, "stalled %s for %llu ms", fault_dirname(d->stall_dir),
			    (unsigned long long)(r->duration_ns / 1000000));
		else
			fault_changed(f, "stalled %s until the end", fault_dirname(d->stall_dir));
		return 1;
	case SCENARIO_ACT_THROTTLE:
		d->throttle = 1;
		d->throttle_dir = fault_sdir(r->dir, udir);
		d->throttle_baud = r->baud;
		d->throttle_ns = r->have_duration ? r->duration_ns : 0;
		fault_changed(f, "throttled %s to %u baud", fault_dirname(d->throttle_dir), r->baud);
		return 1;
	case SCENARIO_ACT_FREEZE:
		d->freeze = 1;
		d->freeze_ns = r->have_duration ? r->duration_ns : 0;
		d->freeze_then_disconnect = r->then == SCENARIO_THEN_DISCONNECT;
		if (d->freeze_then_disconnect) {
			d->reappear = r->have_reappear;
			d->reappear_ns = r->reappear_ns;
		}
		if (!r->have_duration)
			fault_changed(f, "host writes frozen until the end");
		else if (d->freeze_then_disconnect && r->have_reappear)
			fault_changed(f, "host writes frozen for %llu ms, then disconnect, reappear after %llu ms",
			    (unsigned long long)(r->duration_ns / 1000000),
			    (unsigned long long)(r->reappear_ns / 1000000));
		else if (d->freeze_then_disconnect)
			fault_changed(f, "host writes frozen for %llu ms, then disconnect",
			    (unsigned long long)(r->duration_ns / 1000000));
		else
			fault_changed(f, "host writes frozen for %llu ms",
			    (unsigned long long)(r->duration_ns / 1000000));
		return 1;
	case SCENARIO_ACT_DISCONNECT:
		d->disconnect = 1;
		d->reappear = r->have_reappear;
		d->reappear_ns = r->reappear_ns;
		if (r->have_reappear)
			fault_changed(f, "client hung up, port reappears after %llu ms",
			    (unsigned long long)(r->reappear_ns / 1000000));
		else
			fault_changed(f, "client hung up for good");
		return 1;
	case SCENARIO_ACT_IGNORE_BAUD:
		d->ignore_baud = 1;
		fault_changed(f, "the device side keeps its baud at the next baud change");
		return 1;
	case SCENARIO_ACT_RESET:
		d->reset = 1;
		d->reset_boot = r->boot;
		fault_changed(f, "chip reset into %s boot", r->boot == SCENARIO_BOOT_SPI ? "spi" : "download");
		return 1;
	default:
		return 0;
	}
}

/* Flip `bits` random bits within [lo, hi) of the work body. */
static void
fault_flip(struct fault_engine *e, const struct scenario_rule *r, uint64_t *rng, size_t lo,
    size_t hi, struct fault_fired *f)
{
	char *p;
	size_t left, i, pos;
	unsigned bit;
	int n;

	if (f != NULL) {
		p = f->changed;
		left = sizeof(f->changed);
		n = snprintf(p, left, "flipped");
		if (n > 0 && (size_t)n < left) {
			p += n;
			left -= (size_t)n;
		}
	} else {
		p = NULL;
		left = 0;
	}
	for (i = 0; i < r->bits; i++) {
		uint8_t before;

		pos = lo + (size_t)fault_draw_below(rng, hi - lo);
		bit = (unsigned)fault_draw_below(rng, 8);
		before = e->wbody[pos];
		e->wbody[pos] ^= (uint8_t)(1u << bit);
		if (p != NULL && left > 1) {
			n = snprintf(p, left, "%s byte %zu bit %u 0x%02x->0x%02x", i ? "," : "", pos, bit,
			    before, e->wbody[pos]);
			if (n > 0 && (size_t)n < left) {
				p += n;
				left -= (size_t)n;
			} else
				left = 0;
		}
	}
}

struct fault_work {
	int		 body_changed;
	int		 framing;	/* replace the opening C0 by this byte + 1 (0 = no) */
	int		 have_keep;
	size_t		 keep;
};

static void
fault_apply_unit(struct fault_engine *e, struct fault_rule_state *rs, const struct fault_unit *u,
    const struct fault_info *in, struct fault_decision *d, struct fault_work *w,
    struct fault_fired *f)
{
	const struct scenario_rule *r = rs->r;
	enum session_dir receiver = u->dir;

	if (fault_apply_link(r, u->dir, d, f)) {
		if (r->action == SCENARIO_ACT_FREEZE)
			d->freeze_settle_ns = r->settle_ns;
		return;
	}
	switch (r->action) {
	case SCENARIO_ACT_DROP:
		d->drop = 1;
		fault_changed(f, "dropped %zu bytes", u->raw_len);
		break;
	case SCENARIO_ACT_DUPLICATE:
		d->copies += r->count;
		fault_changed(f, "sent %u extra cop%s", r->count, r->count == 1 ? "y" : "ies");
		break;
	case SCENARIO_ACT_DELAY: {
		uint64_t delay = r->latency_ns;

		if (r->jitter_ns > 0) {
			uint64_t j = fault_draw_below(&rs->act_rng, 2 * r->jitter_ns + 1);

			delay = delay + j - r->jitter_ns;
		}
		d->delay_ns += delay;
		fault_changed(f, "delayed %llu.%03llu ms", (unsigned long long)(delay / 1000000),
		    (unsigned long long)(delay / 1000 % 1000));
		break;
	}
	case SCENARIO_ACT_SLICE:
		d->slice_size = r->size;
		d->slice_gap_ns = r->gap_ns;
		fault_changed(f, "sliced %zu bytes into %u-byte pieces %llu us apart", u->raw_len, r->size,
		    (unsigned long long)(r->gap_ns / 1000));
		break;
	case SCENARIO_ACT_CORRUPT: {
		size_t lo = 0, hi = e->wbody_len;
		int sl;

		if (r->target == SCENARIO_TARGET_FRAMING) {
			uint8_t b = (uint8_t)fault_draw_below(&rs->act_rng, 255);

			if (b >= SLIP_END)
				b++;	/* anything but C0 */
			w->framing = b + 1;
			fault_changed(f, "opening C0 replaced by 0x%02x", b);
			break;
		}
		if (in->kind == SCENARIO_KIND_TEXT) {
			lo = 0;
		} else if (r->target == SCENARIO_TARGET_ANY || !in->is_packet) {
			lo = 0;
		} else if (r->target == SCENARIO_TARGET_HEADER) {
			hi = ESP_HDR_LEN;
		} else if (r->target == SCENARIO_TARGET_CHECKSUM) {
			lo = 4;
			hi = 8;
		} else if (in->kind == SCENARIO_KIND_COMMAND) {
			/* payload: the block after a *_DATA sub-header, else the data */
			lo = ESP_HDR_LEN;
			if (esp_op_has_data_header(in->op) && e->wbody_len > ESP_HDR_LEN + ESP_DATA_HDR_LEN)
				lo += ESP_DATA_HDR_LEN;
		} else {
			/* response: data before the status bytes, or the status */
			sl = r->target == SCENARIO_TARGET_STATUS ? (in->status_len ? in->status_len : 2) :
			    (in->status_len ? in->status_len : 4);
			if (r->target == SCENARIO_TARGET_STATUS) {
				lo = e->wbody_len >= (size_t)sl ? e->wbody_len - (size_t)sl : 0;
				if (lo < ESP_HDR_LEN)
					lo = ESP_HDR_LEN;
			} else {
				lo = ESP_HDR_LEN;
				hi = e->wbody_len >= ESP_HDR_LEN + (size_t)sl ? e->wbody_len - (size_t)sl :
				    ESP_HDR_LEN;
				if (hi <= lo) {
					/* no data besides the status: corrupt the value word */
					lo = 4;
					hi = 8;
				}
			}
		}
		if (hi <= lo || hi > e->wbody_len) {
			fault_changed(f, "nothing to corrupt");
			break;
		}
		fault_flip(e, r, &rs->act_rng, lo, hi, f);
		w->body_changed = 1;
		break;
	}
	case SCENARIO_ACT_TRUNCATE:
		if (!w->have_keep || r->keep < w->keep) {
			w->have_keep = 1;
			w->keep = r->keep;
		}
		fault_changed(f, "kept %u of %zu bytes", r->keep, u->raw_len);
		break;
	case SCENARIO_ACT_INJECT: {
		enum session_dir to = fault_sdir(r->to, receiver);

		fault_send_add(e, d, to, r->position == SCENARIO_POS_AFTER, r->data, r->data_len, r);
		if (r->position == SCENARIO_POS_INSTEAD)
			d->drop = 1;
		fault_changed(f, "injected %zu bytes %s the unit, %s%s", r->data_len,
		    r->position == SCENARIO_POS_AFTER ? "after" : "before", fault_dirname(to),
		    r->position == SCENARIO_POS_INSTEAD ? " (unit dropped)" : "");
		break;
	}
	case SCENARIO_ACT_REPLY: {
		int sl = r->status_len ? r->status_len : in->status_len ? in->status_len : 4;

		if (in->kind == SCENARIO_KIND_COMMAND) {
			uint8_t data[4] = { r->status, r->error, 0, 0 };
			uint8_t body[ESP_HDR_LEN + 4];
			uint8_t enc[SLIP_ENCODED_MAX(sizeof(body))];
			size_t n;

			n = esp_response_build(in->op, 0, data, (size_t)sl, body);
			n = slip_encode(body, n, enc);
			fault_send_add(e, d, SESSION_FROM_DEVICE, 0, enc, n, r);
			d->drop = 1;
			fault_changed(f, "answered %s with status %u error 0x%02x (%s) instead of forwarding it",
			    fault_opname(in->op), r->status, r->error,
			    esp_error_name(r->error) ? esp_error_name(r->error) : "?");
		} else {
			size_t at;

			if (e->wbody_len < ESP_HDR_LEN + (size_t)sl) {
				fault_changed(f, "reply too short for a status");
				break;
			}
			at = e->wbody_len - (size_t)sl;
			e->wbody[at] = r->status;
			e->wbody[at + 1] = r->error;
			w->body_changed = 1;
			fault_changed(f, "status of the %s reply set to %u error 0x%02x (%s)",
			    fault_opname(in->op), r->status, r->error,
			    esp_error_name(r->error) ? esp_error_name(r->error) : "?");
		}
		break;
	}
	default:
		break;
	}
}

static void
fault_decision_clear(struct fault_engine *e, struct fault_decision *d)
{
	memset(d, 0, sizeof(*d));
	e->sendused = 0;
}

int
fault_engine_on_unit(struct fault_engine *e, const struct fault_unit *u, struct fault_decision *d)
{
	struct fault_info in;
	struct fault_work w;
	struct fault_fired *f;
	size_t i, n;
	const uint8_t *src;

	fault_decision_clear(e, d);
	fault_classify(e, u, &in);
	memset(&w, 0, sizeof(w));
	/* the work body: decoded body for frames, raw bytes for text */
	src = in.kind == SCENARIO_KIND_TEXT ? u->raw : u->body;
	n = in.kind == SCENARIO_KIND_TEXT ? u->raw_len : u->body_len;
	if (n > FAULT_WBODY_MAX)
		n = FAULT_WBODY_MAX;
	if (src != NULL && n > 0)
		memcpy(e->wbody, src, n);
	e->wbody_len = src != NULL ? n : 0;

	for (i = 0; i < e->nrs; i++) {
		struct fault_rule_state *rs = &e->rs[i];

		if (!fault_match_unit(e, rs, u, &in))
			continue;
		if (!fault_match_time(e, rs, u->now))
			continue;
		if (!fault_gate(rs))
			continue;
		f = fault_record(rs, &in, (int)u->dir, SCENARIO_EV_NONE, u->now, d);
		fault_apply_unit(e, rs, u, &in, d, &w, f);
	}

	/* Build the bytes to forward if anything changed them. */
	if (w.body_changed || w.framing || w.have_keep) {
		size_t len;

		if (w.body_changed && in.kind != SCENARIO_KIND_TEXT) {
			len = slip_encode(e->wbody, e->wbody_len, e->out);
		} else if (w.body_changed) {
			memcpy(e->out, e->wbody, e->wbody_len);
			len = e->wbody_len;
		} else {
			len = u->raw_len < SLIP_ENCODED_MAX(FAULT_WBODY_MAX) ? u->raw_len :
			    SLIP_ENCODED_MAX(FAULT_WBODY_MAX);
			memcpy(e->out, u->raw, len);
		}
		if (w.framing && len > 0 && e->out[0] == SLIP_END)
			e->out[0] = (uint8_t)(w.framing - 1);
		if (w.have_keep && w.keep < len)
			len = w.keep;
		d->modified = 1;
		d->data = e->out;
		d->len = len;
	}
	fault_learn(e, u, &in);
	return d->nfired;
}

int
fault_engine_on_event(struct fault_engine *e, enum scenario_event ev,
    const struct session_state *state, uint64_t now, struct fault_decision *d)
{
	struct fault_fired *f;
	size_t i;

	fault_decision_clear(e, d);
	for (i = 0; i < e->nrs; i++) {
		struct fault_rule_state *rs = &e->rs[i];
		const struct scenario_rule *r = rs->r;

		if (r->on != ev || ev == SCENARIO_EV_NONE)
			continue;
		if (r->phase != SCENARIO_PHASE_ANY && (state == NULL || (int)state->phase != r->phase))
			continue;
		if (!fault_match_time(e, rs, now))
			continue;
		if (!fault_gate(rs))
			continue;
		f = fault_record(rs, NULL, -1, ev, now, d);
		if (r->action == SCENARIO_ACT_INJECT) {
			enum session_dir to = fault_sdir(r->to, SESSION_FROM_DEVICE);

			fault_send_add(e, d, to, 0, r->data, r->data_len, r);
			fault_changed(f, "injected %zu bytes %s on %s", r->data_len, fault_dirname(to),
			    scenario_event_name(ev));
		} else
			fault_apply_link(r, SESSION_FROM_DEVICE, d, f);
	}
	return d->nfired;
}

/* ---- Reports and pinning --------------------------------------------- */

size_t
fault_engine_nrules(const struct fault_engine *e)
{
	return e->nrs;
}

static const char *
fault_reason(const struct fault_engine *e, const struct fault_rule_state *rs)
{
	const struct scenario_rule *r = rs->r;

	if (rs->fired > 0)
		return NULL;
	if (r->after_rule_idx >= 0 && e->rs[r->after_rule_idx].fired == 0)
		return "the rule it follows (after_rule) never fired";
	if (rs->matched == 0)
		return r->on != SCENARIO_EV_NONE ? "its event never happened" :
		    "no unit matched its triggers";
	if (r->have_times && r->times == 0)
		return "times = 0";
	if (r->nnth > 0)
		return "fewer matches than its nth positions";
	if (r->every != 0)
		return "fewer matches than its every";
	if (scenario_rule_random(r))
		return "matched, but the random draw never fired";
	return "matched but never fired";
}

int
fault_engine_rule_report(const struct fault_engine *e, size_t i, struct fault_rule_report *out)
{
	const struct fault_rule_state *rs;

	memset(out, 0, sizeof(*out));
	if (i >= e->nrs)
		return -1;
	rs = &e->rs[i];
	out->rule = rs->r;
	out->matched = rs->matched;
	out->fired = rs->fired;
	out->first_ns = rs->first_ns;
	out->not_triggered = rs->fired == 0 && !rs->r->optional;
	out->reason = fault_reason(e, rs);
	return 0;
}

size_t
fault_engine_not_triggered(const struct fault_engine *e)
{
	size_t i, n = 0;

	for (i = 0; i < e->nrs; i++)
		if (e->rs[i].fired == 0 && !e->rs[i].r->optional)
			n++;
	return n;
}

/* A growable string. */
struct fault_str {
	char	*buf;
	size_t	 len, cap;
};

static void fault_str_addf(struct fault_str *, const char *, ...) __attribute__((format(printf, 2, 3)));

static void
fault_str_addf(struct fault_str *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->buf != NULL ? s->buf + s->len : NULL, s->buf != NULL ? s->cap - s->len : 0,
		    fmt, ap);
		va_end(ap);
		if (n < 0)
			fatalx("fault: format error");
		if (s->buf != NULL && (size_t)n < s->cap - s->len) {
			s->len += (size_t)n;
			return;
		}
		s->cap = (s->cap + (size_t)n + 1) * 2;
		s->buf = xrealloc(s->buf, s->cap);
		if (s->len == 0)
			s->buf[0] = '\0';
	}
}

static void
fault_pos_text(struct fault_str *s, const struct fault_pos *p)
{
	if (p->dir < 0) {
		fault_str_addf(s, "on %s (#%llu)", scenario_event_name(p->ev),
		    (unsigned long long)p->match_no);
		return;
	}
	if (p->have_op)
		fault_str_addf(s, "%s", fault_opname(p->op));
	else
		fault_str_addf(s, "unit");
	if (p->have_seq)
		fault_str_addf(s, " seq %u", p->seq);
	fault_str_addf(s, " %s (match %llu)", p->dir == SESSION_FROM_HOST ? "to-device" : "to-host",
	    (unsigned long long)p->match_no);
}

char *
fault_engine_report(const struct fault_engine *e)
{
	struct fault_str s = { NULL, 0, 0 };
	size_t i;

	fault_str_addf(&s, "%s", "");
	for (i = 0; i < e->nrs; i++) {
		const struct fault_rule_state *rs = &e->rs[i];

		if (rs->fired > 0) {
			fault_str_addf(&s, "rule %s: %s fired %llu time%s (first at ", rs->r->name,
			    scenario_action_name(rs->r->action), (unsigned long long)rs->fired,
			    rs->fired == 1 ? "" : "s");
			if (rs->npos > 0)
				fault_pos_text(&s, &rs->pos[0]);
			fault_str_addf(&s, ")%s\n", scenario_rule_timed(rs->r) ? " [timing-dependent]" : "");
		} else
			fault_str_addf(&s, "rule %s: %s (%s; matched %llu)\n", rs->r->name,
			    rs->r->optional ? "not fired (optional)" : "NOT_TRIGGERED",
			    fault_reason(e, rs), (unsigned long long)rs->matched);
	}
	return s.buf;
}

/* Keys a pinned rule loses (they decided the firing). */
static int
fault_pin_drops(const char *key)
{
	static const char *const drop[] = {
		"probability", "burst_enter", "burst_exit", "burst_loss", "every", "times", "nth",
		"burst-enter", "burst-exit", "burst-loss",
	};
	size_t i;

	for (i = 0; i < nitems(drop); i++)
		if (strcmp(key, drop[i]) == 0)
			return 1;
	return 0;
}

static void
fault_pin_kv(struct fault_str *s, const struct scenario_kv *kv)
{
	fault_str_addf(s, "%s = %s\n", kv->key, kv->value);
}

char *
fault_engine_pin(const struct fault_engine *e)
{
	const struct scenario *sc = e->sc;
	struct fault_str s = { NULL, 0, 0 };
	size_t i, j;
	int have_seed = 0;

	fault_str_addf(&s, "; pinned by sliptap from %s, seed %llu: each probabilistic rule\n"
	    "; fires at the match ordinals (nth) where it fired in that run.\n",
	    sc->file != NULL ? sc->file : "?", (unsigned long long)e->seed);
	fault_str_addf(&s, "[scenario]\n");
	for (i = 0; i < sc->nscenario_kv; i++) {
		if (strcmp(sc->scenario_kv[i].key, "seed") == 0) {
			fault_str_addf(&s, "seed = %llu\n", (unsigned long long)e->seed);
			have_seed = 1;
		} else
			fault_pin_kv(&s, &sc->scenario_kv[i]);
	}
	if (!have_seed)
		fault_str_addf(&s, "seed = %llu\n", (unsigned long long)e->seed);
	fault_str_addf(&s, "\n[expect]\n");
	for (i = 0; i < sc->nexpect_kv; i++)
		fault_pin_kv(&s, &sc->expect_kv[i]);
	for (i = 0; i < sc->noverrides; i++) {
		fault_str_addf(&s, "\n[expect %s]\n", sc->overrides[i].tool);
		for (j = 0; j < sc->overrides[i].nkv; j++)
			fault_pin_kv(&s, &sc->overrides[i].kv[j]);
	}
	for (i = 0; i < e->nrs; i++) {
		const struct fault_rule_state *rs = &e->rs[i];
		const struct scenario_rule *r = rs->r;
		int random = scenario_rule_random(r);
		int have_optional = 0;

		fault_str_addf(&s, "\n[rule %s]\n", r->name);
		for (j = 0; j < r->nkv; j++) {
			if (strcmp(r->kv[j].key, "optional") == 0)
				have_optional = 1;
			if (random && fault_pin_drops(r->kv[j].key))
				continue;
			fault_pin_kv(&s, &r->kv[j]);
		}
		if (!random)
			continue;
		if (rs->npos == 0) {
			fault_str_addf(&s, "; never fired in the pinned run\ntimes = 0\n");
			if (!have_optional)
				fault_str_addf(&s, "optional = yes\n");
			continue;
		}
		for (j = 0; j < rs->npos && j < SCENARIO_MAX_NTH; j++) {
			fault_str_addf(&s, "; fired at ");
			fault_pos_text(&s, &rs->pos[j]);
			fault_str_addf(&s, "\n");
		}
		if (rs->fired > SCENARIO_MAX_NTH)
			fault_str_addf(&s, "; XXX fired %llu times; only the first %d are pinned\n",
			    (unsigned long long)rs->fired, SCENARIO_MAX_NTH);
		fault_str_addf(&s, "nth =");
		for (j = 0; j < rs->npos && j < SCENARIO_MAX_NTH; j++) {
			if (j > 0 && j % 12 == 0)
				fault_str_addf(&s, "\n   ");
			fault_str_addf(&s, "%s %llu", j % 12 ? "," : "", (unsigned long long)rs->pos[j].match_no);
		}
		fault_str_addf(&s, "\n");
	}
	return s.buf;
}
