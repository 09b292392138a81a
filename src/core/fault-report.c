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
#include "units.h"
#include "util.h"


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

