/*
 * fault-report.c — what the engine tells afterwards: per-rule reports, the
 * NOT_TRIGGERED reason (which trigger never held, and how close the session
 * came), the text report and the pinned regression scenario.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "fault-int.h"
#include "scenario.h"
#include "session.h"
#include "units.h"
#include "util.h"


size_t
fault_engine_nrules(const struct fault_engine *e)
{
	return e->nrs;
}

/* The value a stage compares, when the unit has one. */
static int
fault_near_value(enum fault_stage st, const struct fault_info *in, uint64_t *v)
{
	switch (st) {
	case FS_SEQ:
		*v = in->seq;
		return in->have_seq;
	case FS_PROGRESS:
		*v = (uint64_t)in->progress;
		return in->progress >= 0;
	case FS_BEFORE:
		*v = (uint64_t)in->next_progress;
		return in->next_progress >= 0;
	case FS_OFFSET:
		*v = in->address;
		return in->have_address;
	case FS_BYTES:
		*v = in->bytes;
		return 1;
	default:
		return 0;
	}
}

void
fault_near_note(struct fault_rule_state *rs, enum fault_stage stage, const struct fault_info *in)
{
	struct fault_near *n = &rs->near;
	uint64_t v;

	if (stage < n->stage)
		return;
	if (stage > n->stage) {
		n->stage = stage;
		n->have = 0;
	}
	if (in == NULL || !fault_near_value(stage, in, &v))
		return;
	if (!n->have || v < n->lo)
		n->lo = v;
	if (!n->have || v > n->hi)
		n->hi = v;
	n->have = 1;
}

/* One value as the reason prints it: "92 %", "0x10000", "17". */
static void
fault_why_value(char *buf, size_t n, uint64_t v, const char *kind)
{
	if (strcmp(kind, "%") == 0)
		snprintf(buf, n, "%llu %%", (unsigned long long)v);
	else if (strcmp(kind, "hex") == 0)
		snprintf(buf, n, "0x%llx", (unsigned long long)v);
	else
		snprintf(buf, n, "%llu", (unsigned long long)v);
}

/* "progress reached 92 % at most", "seq was 3 at least", "... never in A..B (X..Y seen)". */
static void
fault_why_range(char *buf, size_t n, const char *what, uint64_t want_lo, uint64_t want_hi,
    const struct fault_near *near, const char *kind)
{
	char lo[32], hi[32], wlo[32], whi[32];

	fault_why_value(lo, sizeof(lo), near->lo, kind);
	fault_why_value(hi, sizeof(hi), near->hi, kind);
	fault_why_value(wlo, sizeof(wlo), want_lo, kind);
	fault_why_value(whi, sizeof(whi), want_hi, kind);
	if (near->hi < want_lo)
		snprintf(buf, n, "%s reached %s at most", what, hi);
	else if (near->lo > want_hi)
		snprintf(buf, n, "%s was %s at least", what, lo);
	else
		snprintf(buf, n, "%s never in %s..%s (%s..%s seen)", what, wlo, whi, lo, hi);
}

static int
fault_has(const uint8_t map[32], uint8_t op)
{
	return (map[op / 8] >> (op % 8)) & 1;
}

/* Why no unit had the rule's op: what the tool sent instead, where that is telling. */
static void
fault_why_ops(const struct fault_engine *e, const struct scenario_rule *r, char *buf, size_t n)
{
	static const struct {
		uint8_t plain, defl;
	} pairs[] = {
		{ ESP_OP_FLASH_DATA, ESP_OP_FLASH_DEFL_DATA },
		{ ESP_OP_FLASH_BEGIN, ESP_OP_FLASH_DEFL_BEGIN },
		{ ESP_OP_FLASH_END, ESP_OP_FLASH_DEFL_END },
	};
	const uint8_t *want = r->have_command ? r->command : r->response_to;
	const uint8_t *seen = e->ops_seen[r->have_command ? 0 : 1];
	char names[80] = "";
	const char *hint = "";
	size_t i, len = 0, nops = 0;

	for (i = 0; i < 256; i++) {
		if (!fault_has(want, (uint8_t)i))
			continue;
		if (nops++ < 2)
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
			    nops > 1 ? " or " : "", fault_opname((uint8_t)i));
		if (len >= sizeof(names))
			len = sizeof(names) - 1;
	}
	if (nops > 2)
		snprintf(names + len, sizeof(names) - len, " (or %zu more)", nops - 2);
	for (i = 0; i < nitems(pairs); i++) {
		if (fault_has(want, pairs[i].plain) && !fault_has(want, pairs[i].defl) &&
		    fault_has(seen, pairs[i].defl))
			hint = ": the tool used compressed writes (any-flash-data etc. match both)";
		if (fault_has(want, pairs[i].defl) && !fault_has(want, pairs[i].plain) &&
		    fault_has(seen, pairs[i].plain))
			hint = ": the tool used plain writes (no compression)";
	}
	if (*hint == '\0' && !fault_has(e->ops_seen[0], ESP_OP_MEM_BEGIN) &&
	    (fault_has(want, ESP_OP_ERASE_REGION) || fault_has(want, ESP_OP_READ_FLASH) ||
	    fault_has(want, ESP_OP_ERASE_FLASH) || fault_has(want, ESP_OP_MEM_DATA)))
		hint = ": the tool never uploaded the flasher stub";
	if (r->have_command)
		snprintf(buf, n, "no %s command seen%s", names, hint);
	else
		snprintf(buf, n, "no reply to %s seen%s", names, hint);
}

/* An `on` rule that never fired: its event, phase or time. */
static void
fault_why_event(const struct fault_rule_state *rs, char *buf, size_t n)
{
	const struct scenario_rule *r = rs->r;

	if (rs->near.events == 0)
		snprintf(buf, n, "its event (%s) never happened", scenario_event_name(r->on));
	else if (rs->near.stage == FS_PHASE)
		snprintf(buf, n, "its event (%s) happened %llu time%s, never in phase %s",
		    scenario_event_name(r->on), (unsigned long long)rs->near.events,
		    rs->near.events == 1 ? "" : "s",
		    session_phase_name((enum session_phase)r->phase));
	else
		snprintf(buf, n, "its event (%s) happened only before after = %llu ms",
		    scenario_event_name(r->on), (unsigned long long)(r->after_ns / NS_PER_MS));
}

/* A unit rule that never matched: the furthest trigger any unit reached, and how close. */
static void
fault_why_unit(const struct fault_engine *e, const struct fault_rule_state *rs, char *buf,
    size_t n)
{
	const struct scenario_rule *r = rs->r;
	const struct fault_near *near = &rs->near;

	switch (near->stage) {
	case FS_NONE:
	case FS_MATCH:
		snprintf(buf, n, "no unit passed the proxy");
		break;
	case FS_DIR:
		snprintf(buf, n, "no unit went %s", scenario_dir_name(r->dir));
		break;
	case FS_KIND:
		snprintf(buf, n, "no unit of kind %s went that way",
		    r->kind == SCENARIO_KIND_OHAI ? "ohai" : r->kind == SCENARIO_KIND_TEXT ? "text" :
		    r->kind == SCENARIO_KIND_GARBAGE ? "garbage" : r->kind == SCENARIO_KIND_COMMAND ?
		    "command" : r->kind == SCENARIO_KIND_RESPONSE ? "response" : "frame");
		break;
	case FS_OP:
		fault_why_ops(e, r, buf, n);
		break;
	case FS_SEQ:
		if (!near->have)
			snprintf(buf, n, "no *_DATA unit matched its other triggers (seq needs one)");
		else
			fault_why_range(buf, n, "seq", r->seq.lo, r->seq.hi, near, "");
		break;
	case FS_PROGRESS:
		if (!near->have)
			snprintf(buf, n, "no flash block seen (progress counts FLASH_DATA and "
			    "FLASH_DEFL_DATA blocks)");
		else
			fault_why_range(buf, n, "progress", r->progress.lo, r->progress.hi, near, "%");
		break;
	case FS_BEFORE:
		if (!near->have)
			snprintf(buf, n, "no successful reply before a flash block seen");
		else if (near->hi < (uint64_t)r->before_progress)
			snprintf(buf, n, "the next block's progress reached %llu %% at most",
			    (unsigned long long)near->hi);
		else
			snprintf(buf, n, "the reply before the first block at %d %% was not seen "
			    "(or failed)", r->before_progress);
		break;
	case FS_OFFSET:
		if (!near->have)
			snprintf(buf, n, "no flash block with a known address seen");
		else
			fault_why_range(buf, n, "offset", r->offset.lo, r->offset.hi, near, "hex");
		break;
	case FS_BYTES:
		fault_why_range(buf, n, "bytes", r->bytes.lo, r->bytes.hi, near, "");
		break;
	case FS_PHASE:
		snprintf(buf, n, "its other triggers held only outside phase %s",
		    session_phase_name((enum session_phase)r->phase));
		break;
	case FS_ACTION:
		snprintf(buf, n, "units matched, but none had anything for %s to change",
		    scenario_action_name(r->action));
		break;
	case FS_TIME:
		snprintf(buf, n, "units matched its triggers only before after = %llu ms",
		    (unsigned long long)(r->after_ns / NS_PER_MS));
		break;
	}
}

/* Why the rule did not fire (NULL when it did); may build the text in rs->why. */
static const char *
fault_reason(const struct fault_engine *e, struct fault_rule_state *rs)
{
	const struct scenario_rule *r = rs->r;

	if (rs->fired > 0)
		return NULL;
	if (r->after_rule_idx >= 0 && e->rs[r->after_rule_idx].fired == 0)
		return "the rule it follows (after_rule) never fired";
	if (rs->matched == 0) {
		if (r->on != SCENARIO_EV_NONE)
			fault_why_event(rs, rs->why, sizeof(rs->why));
		else
			fault_why_unit(e, rs, rs->why, sizeof(rs->why));
		return rs->why;
	}
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
	struct fault_rule_state *rs;

	memset(out, 0, sizeof(*out));
	if (i >= e->nrs)
		return -1;
	/* the reason text is a cache in the rule's state: the engine is logically const */
	rs = (struct fault_rule_state *)&e->rs[i];
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
	fault_str_addf(s, " %s (match %llu)", p->dir == LINK_H2D ? "to-device" : "to-host",
	    (unsigned long long)p->match_no);
}

char *
fault_engine_report(const struct fault_engine *e)
{
	struct fault_str s = { NULL, 0, 0 };
	size_t i;

	fault_str_addf(&s, "%s", "");
	for (i = 0; i < e->nrs; i++) {
		/* fault_reason caches its text in the rule's state */
		struct fault_rule_state *rs = (struct fault_rule_state *)&e->rs[i];

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

