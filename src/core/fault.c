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

#include "fault-int.h"

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
uint32_t
fault_draw_ppb(uint64_t *rng)
{
	return (uint32_t)(((fault_splitmix64(rng) >> 32) * (uint64_t)SCENARIO_PPB_ONE) >> 32);
}

/* A uniform draw in [0, n). */
uint64_t
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
		e->rs[i].near.stage = FS_NONE;
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
	in->bytes = e->bytes[u->dir == LINK_H2D ? 0 : 1];
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
	    (in->pkt.dir == ESP_DIR_COMMAND && u->dir != LINK_H2D) ||
	    (in->pkt.dir == ESP_DIR_RESPONSE && u->dir != LINK_D2H)) {
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
	e->bytes[u->dir == LINK_H2D ? 0 : 1] += u->raw_len;
	if (in->is_packet)
		e->ops_seen[in->kind == SCENARIO_KIND_COMMAND ? 0 : 1][in->op / 8] |=
		    (uint8_t)(1u << (in->op % 8));
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

/* The stage at which the unit fails the rule's unit triggers, or FS_TIME when all hold. */
static enum fault_stage
fault_match_unit(const struct fault_rule_state *rs, const struct fault_unit *u,
    const struct fault_info *in)
{
	const struct scenario_rule *r = rs->r;

	if (r->dir == SCENARIO_DIR_TO_DEVICE && u->dir != LINK_H2D)
		return FS_DIR;
	if (r->dir == SCENARIO_DIR_TO_HOST && u->dir != LINK_D2H)
		return FS_DIR;
	switch (r->kind) {
	case SCENARIO_KIND_ANY:
		break;
	case SCENARIO_KIND_FRAME:
		if (in->kind == SCENARIO_KIND_TEXT)
			return FS_KIND;
		break;
	default:
		if (in->kind != r->kind)
			return FS_KIND;
	}
	if (r->have_command && (in->kind != SCENARIO_KIND_COMMAND || !fault_bit(r->command, in->op)))
		return FS_OP;
	if (r->have_response_to &&
	    (in->kind != SCENARIO_KIND_RESPONSE || !fault_bit(r->response_to, in->op)))
		return FS_OP;
	if (r->seq.set && (!in->have_seq || !fault_in_range(&r->seq, in->seq)))
		return FS_SEQ;
	if (r->progress.set && (in->progress < 0 || !fault_in_range(&r->progress, (uint64_t)in->progress)))
		return FS_PROGRESS;
	if (r->before_progress >= 0) {
		if (in->next_progress < 0 || in->next_progress < r->before_progress)
			return FS_BEFORE;
		if (in->prev_next_progress >= r->before_progress)
			return FS_BEFORE;
	}
	if (r->offset.set && (!in->have_address || !fault_in_range(&r->offset, in->address)))
		return FS_OFFSET;
	if (r->bytes.set && !fault_in_range(&r->bytes, in->bytes))
		return FS_BYTES;
	if (r->phase != SCENARIO_PHASE_ANY &&
	    (u->state == NULL || (int)u->state->phase != r->phase))
		return FS_PHASE;
	if (!fault_action_applies(r, u, in))
		return FS_ACTION;
	return FS_TIME;
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

		enum fault_stage st;

		if (rs->r->on != SCENARIO_EV_NONE)
			continue;
		if ((st = fault_match_unit(rs, u, &in)) == FS_TIME && fault_match_time(e, rs, u->now))
			st = FS_MATCH;
		fault_near_note(rs, st, &in);
		if (st != FS_MATCH)
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
		rs->near.events++;
		if (r->phase != SCENARIO_PHASE_ANY && (state == NULL || (int)state->phase != r->phase)) {
			fault_near_note(rs, FS_PHASE, NULL);
			continue;
		}
		if (!fault_match_time(e, rs, now)) {
			fault_near_note(rs, FS_TIME, NULL);
			continue;
		}
		fault_near_note(rs, FS_MATCH, NULL);
		if (!fault_gate(rs))
			continue;
		f = fault_record(rs, NULL, -1, ev, now, d);
		if (r->action == SCENARIO_ACT_INJECT) {
			enum link_dir to = fault_sdir(r->to, LINK_D2H);

			fault_send_add(e, d, to, 0, r->data, r->data_len, r);
			fault_changed(f, "injected %zu bytes %s on %s", r->data_len, fault_dirname(to),
			    scenario_event_name(ev));
		} else
			fault_apply_link(r, LINK_D2H, d, f);
	}
	return d->nfired;
}

