/*
 * proxy-fault.c — carries the fault engine's decisions out through the
 * proxy's seam (src/proxy/proxy.h): every unit goes through
 * fault_engine_on_unit(), the session events through
 * fault_engine_on_event(), and each decision becomes proxy primitives:
 * proxy_send_at (modified, delayed, sliced, duplicated, injected and
 * synthesised bytes), proxy_stall, proxy_throttle, proxy_freeze_host,
 * proxy_hangup_client, proxy_ignore_next_baud, proxy_reset_device. Timed
 * ends (thaw, freeze-then-disconnect, stall and throttle durations) are kept
 * here and run from the tick hook.
 *
 * Capture: each fired rule is one FAULT event (rule= action= fire= match=
 * dir= op= seq= progress= changed=), written between the ORIGINAL unit and
 * its DELIVERED bytes; at the end each rule that never fired is a
 * NOT_TRIGGERED event. The scenario name and the seed go into the START
 * event (proxy_fault_start_extra).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "fault.h"
#include "scenario.h"
#include "session.h"
#include "units.h"
#include "util.h"
#include "proxy.h"
#include "proxy-fault.h"

#define PROXY_FAULT_MAX_TIMERS	32
#define PROXY_FAULT_SETTLE_AFTER	(2ULL * NS_PER_MS)	/* deliver a settled unit this long after the freeze */

enum proxy_fault_timer_kind {
	PROXY_FAULT_T_THAW,		/* freeze ended: thaw */
	PROXY_FAULT_T_FREEZE_DISCONNECT,	/* freeze ended: hang up (then maybe reappear) */
	PROXY_FAULT_T_UNTHROTTLE,
	PROXY_FAULT_T_FREEZE,		/* a settled freeze starts */
};

struct proxy_fault_timer {
	int		 used;
	uint64_t	 when;
	enum proxy_fault_timer_kind kind;
	enum link_dir	 dir;
	int		 reappear;
	uint64_t	 reappear_ns;
	uint64_t	 freeze_ns;	/* PROXY_FAULT_T_FREEZE: how long (0 = until the end) */
	int		 then_disconnect;
};

struct proxy_fault {
	struct scenario	 sc;
	struct fault_engine *engine;
	struct proxy	*proxy;
	uint64_t	 seed;
	const char	*pin;
	int		 quiet;
	char		 start_extra[CAPTURE_MAX_TEXT + 1];
	struct proxy_fault_timer	 timers[PROXY_FAULT_MAX_TIMERS];
	int		 reported;
	int		 fired_total;
};

static uint64_t
proxy_fault_random_seed(void)
{
	uint64_t s = 0;
	int fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
		if (read(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
			s = 0;
		close(fd);
	}
	if (s == 0)
		s = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	/* keep it short enough to type: 9 decimal digits */
	return s % 1000000000ULL;
}

/* Can the --pin file be written? Checked before anything runs; leaves no file behind. */
static int
proxy_fault_pin_check(const char *path, char *err, size_t errlen)
{
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd != -1) {
		close(fd);
		unlink(path);
		return 0;
	}
	if (errno == EEXIST)
		fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "sliptap proxy: --pin %s: %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

struct proxy_fault *
proxy_fault_new(const struct proxy_fault_config *cfg, char *err, size_t errlen)
{
	struct proxy_fault *pf;
	uint64_t seed;
	char *end;

	pf = xcalloc(1, sizeof(*pf));
	if (scenario_parse_file(cfg->scenario, &pf->sc, err, errlen) != 0) {
		free(pf);
		return NULL;
	}
	if (cfg->seed != NULL) {
		errno = 0;
		seed = strtoull(cfg->seed, &end, 0);
		if (errno != 0 || *end != '\0' || *cfg->seed == '\0' || *cfg->seed == '-') {
			snprintf(err, errlen, "--seed %s: want a number\n", cfg->seed);
			scenario_free(&pf->sc);
			free(pf);
			return NULL;
		}
	} else if (pf->sc.have_seed)
		seed = pf->sc.seed;
	else
		seed = proxy_fault_random_seed();
	if (cfg->pin != NULL && proxy_fault_pin_check(cfg->pin, err, errlen) != 0) {
		scenario_free(&pf->sc);
		free(pf);
		return NULL;
	}
	pf->seed = seed;
	pf->pin = cfg->pin;
	pf->quiet = cfg->quiet;
	pf->engine = fault_engine_new(&pf->sc, 1, seed, 0);
	{
		struct capture_kv kv;

		capture_kv_init(&kv);
		capture_kv_adds(&kv, "scenario", pf->sc.name);
		capture_kv_add(&kv, "seed", "%llu", (unsigned long long)seed);
		capture_kv_add(&kv, "rules", "%zu", pf->sc.nrules);
		memcpy(pf->start_extra, kv.buf, kv.len + 1);
	}
	return pf;
}

const char *
proxy_fault_start_extra(const struct proxy_fault *pf)
{
	return pf->start_extra;
}

/* ---- timers --------------------------------------------------------------- */

static void
proxy_fault_rearm(struct proxy_fault *pf)
{
	uint64_t next = UINT64_MAX;
	int i;

	for (i = 0; i < PROXY_FAULT_MAX_TIMERS; i++)
		if (pf->timers[i].used && pf->timers[i].when < next)
			next = pf->timers[i].when;
	if (next != UINT64_MAX)
		proxy_wakeup_at(pf->proxy, next);
}

static void
proxy_fault_timer_add(struct proxy_fault *pf, const struct proxy_fault_timer *t)
{
	int i;

	for (i = 0; i < PROXY_FAULT_MAX_TIMERS; i++) {
		if (!pf->timers[i].used) {
			pf->timers[i] = *t;
			pf->timers[i].used = 1;
			proxy_fault_rearm(pf);
			return;
		}
	}
	proxy_status_clear(pf->proxy);
	fprintf(stderr, "sliptap proxy: fault: too many pending timed actions; one dropped\n");
}

static void proxy_fault_freeze(struct proxy_fault *, uint64_t, uint64_t, int, int, uint64_t);

static void
proxy_fault_tick(struct proxy *p, uint64_t now, void *arg)
{
	struct proxy_fault *pf = arg;
	struct proxy_fault_timer t;
	int i;

	for (i = 0; i < PROXY_FAULT_MAX_TIMERS; i++) {
		if (!pf->timers[i].used || pf->timers[i].when > now)
			continue;
		t = pf->timers[i];
		pf->timers[i].used = 0;
		switch (t.kind) {
		case PROXY_FAULT_T_THAW:
			proxy_freeze_host(p, 0);
			break;
		case PROXY_FAULT_T_FREEZE_DISCONNECT:
			proxy_freeze_host(p, 0);
			proxy_record(p, CAPTURE_EV_NOTE, CAPTURE_DIR_NONE,
			    "text=\"fault: freeze ended, the device vanishes\"");
			proxy_hangup_client(p, t.reappear ? t.reappear_ns : PROXY_FOREVER);
			break;
		case PROXY_FAULT_T_UNTHROTTLE:
			proxy_throttle(p, t.dir, 0);
			break;
		case PROXY_FAULT_T_FREEZE:
			proxy_fault_freeze(pf, now, t.freeze_ns, t.then_disconnect, t.reappear, t.reappear_ns);
			break;
		}
	}
	proxy_fault_rearm(pf);
}

/* ---- applying a decision ---------------------------------------------------- */

static enum link_dir
proxy_fault_pdir(enum link_dir d)
{
	return d == LINK_H2D ? LINK_H2D : LINK_D2H;
}

static void
proxy_fault_record(struct proxy_fault *pf, const struct proxy_unit *u, const struct fault_fired *f,
    enum scenario_event ev)
{
	struct capture_kv kv;

	capture_kv_init(&kv);
	capture_kv_adds(&kv, "rule", f->rule->name);
	capture_kv_adds(&kv, "action", scenario_action_name(f->action));
	capture_kv_add(&kv, "fire", "%llu", (unsigned long long)f->fire_no);
	capture_kv_add(&kv, "match", "%llu", (unsigned long long)f->match_no);
	if (u != NULL)
		capture_kv_adds(&kv, "dir", proxy_dir_name(u->dir));
	else
		capture_kv_adds(&kv, "on", scenario_event_name(ev));
	if (f->have_op && esp_op_name(f->op) != NULL)
		capture_kv_adds(&kv, "op", esp_op_name(f->op));
	if (f->have_seq)
		capture_kv_add(&kv, "seq", "%u", f->seq);
	if (f->progress >= 0)
		capture_kv_add(&kv, "progress", "%d", f->progress);
	capture_kv_adds(&kv, "changed", f->changed);
	proxy_record_fault(pf->proxy, u, kv.buf);
	pf->fired_total++;
	if (!pf->quiet) {
		char where[64] = "";

		if (u == NULL)
			snprintf(where, sizeof(where), " on %s", scenario_event_name(ev));
		else if (f->have_op && esp_op_name(f->op) != NULL && f->have_seq)
			snprintf(where, sizeof(where), " at %s seq %u %s", esp_op_name(f->op), f->seq,
			    u->dir == LINK_H2D ? "command" : "reply");
		else if (f->have_op && esp_op_name(f->op) != NULL)
			snprintf(where, sizeof(where), " at %s %s", esp_op_name(f->op),
			    u->dir == LINK_H2D ? "command" : "reply");
		proxy_status_clear(pf->proxy);
		fprintf(stderr, "sliptap proxy: fault %s (%s)%s: %s\n", f->rule->name,
		    scenario_action_name(f->action), where, f->changed);
	}
}

/* Freeze the host's writes now, and schedule the end of the freeze. */
static void
proxy_fault_freeze(struct proxy_fault *pf, uint64_t now, uint64_t freeze_ns, int then_disconnect,
    int reappear, uint64_t reappear_ns)
{
	struct proxy_fault_timer t;

	if (proxy_freeze_host(pf->proxy, 1) == -1) {
		proxy_status_clear(pf->proxy);
		fprintf(stderr, "sliptap proxy: fault: cannot freeze host writes "
		    "(no client side is up)\n");
	}
	if (freeze_ns != 0) {
		memset(&t, 0, sizeof(t));
		t.when = now + freeze_ns;
		t.kind = then_disconnect ? PROXY_FAULT_T_FREEZE_DISCONNECT : PROXY_FAULT_T_THAW;
		t.reappear = reappear;
		t.reappear_ns = reappear_ns;
		proxy_fault_timer_add(pf, &t);
	}
}

/*
 * Effects on the link, shared by units and events. A freeze triggered by a
 * unit with a settle time starts after it (the unit is held until then, see
 * proxy_fault_filter): pySerial waits for the port to be writable again after each
 * write, so freezing while the tool is still inside the write that preceded
 * this unit would catch that write instead of the next one.
 */
static void
proxy_fault_link(struct proxy_fault *pf, const struct fault_decision *d, uint64_t now)
{
	struct proxy *p = pf->proxy;
	struct proxy_fault_timer t;

	memset(&t, 0, sizeof(t));
	if (d->freeze && d->freeze_settle_ns != 0) {
		t.when = now + d->freeze_settle_ns;
		t.kind = PROXY_FAULT_T_FREEZE;
		t.freeze_ns = d->freeze_ns;
		t.then_disconnect = d->freeze_then_disconnect;
		t.reappear = d->reappear;
		t.reappear_ns = d->reappear_ns;
		proxy_fault_timer_add(pf, &t);
		memset(&t, 0, sizeof(t));
	} else if (d->freeze)
		proxy_fault_freeze(pf, now, d->freeze_ns, d->freeze_then_disconnect, d->reappear,
		    d->reappear_ns);
	if (d->stall)
		proxy_stall(p, proxy_fault_pdir(d->stall_dir), d->stall_ns ? now + d->stall_ns : PROXY_FOREVER);
	if (d->throttle) {
		proxy_throttle(p, proxy_fault_pdir(d->throttle_dir), d->throttle_baud);
		if (d->throttle_ns != 0) {
			t.when = now + d->throttle_ns;
			t.kind = PROXY_FAULT_T_UNTHROTTLE;
			t.dir = proxy_fault_pdir(d->throttle_dir);
			proxy_fault_timer_add(pf, &t);
		}
	}
	if (d->ignore_baud)
		proxy_ignore_next_baud(p);
	if (d->reset) {
		enum proxy_reset how = PROXY_RESET_HARD;

		if (d->reset_boot == SCENARIO_BOOT_DOWNLOAD)
			how = pf->sc.flash.transport != NULL && strcmp(pf->sc.flash.transport, "usb-jtag") == 0 ?
			    PROXY_RESET_USB_JTAG : PROXY_RESET_CLASSIC;
		proxy_reset_device(p, how);
	}
}

static void
proxy_fault_sends(struct proxy_fault *pf, const struct fault_decision *d, int after, uint64_t when)
{
	int i;

	for (i = 0; i < d->nsends; i++)
		if (d->sends[i].after == after)
			proxy_send_at(pf->proxy, proxy_fault_pdir(d->sends[i].dir), d->sends[i].data, d->sends[i].len,
			    when, d->sends[i].injected ? PROXY_SEND_INJECTED : PROXY_SEND_DERIVED);
}

static int
proxy_fault_filter(struct proxy *p, const struct proxy_unit *u, void *arg)
{
	struct proxy_fault *pf = arg;
	struct fault_unit fu;
	struct fault_decision d;
	const uint8_t *bytes;
	size_t len, off, n;
	uint64_t when;
	unsigned c;
	int i;

	memset(&fu, 0, sizeof(fu));
	fu.dir = u->dir == LINK_H2D ? LINK_H2D : LINK_D2H;
	fu.outside = u->type != PROXY_UNIT_FRAME;
	fu.raw = u->raw;
	fu.raw_len = u->raw_len;
	if (u->type == PROXY_UNIT_FRAME) {
		fu.body = u->body;
		fu.body_len = u->body_len;
		fu.pkt = u->parsed ? &u->pkt : NULL;
	}
	fu.state = u->state;
	fu.now = u->now;
	if (fault_engine_on_unit(pf->engine, &fu, &d) == 0)
		return PROXY_PASS;
	for (i = 0; i < d.nfired; i++)
		proxy_fault_record(pf, u, &d.fired[i], SCENARIO_EV_NONE);
	proxy_fault_link(pf, &d, u->now);
	if (d.disconnect) {
		/* the device is gone: the unit goes nowhere */
		proxy_hangup_client(p, d.reappear ? d.reappear_ns : PROXY_FOREVER);
		return PROXY_HANDLED;
	}
	if (!d.drop && !d.modified && d.copies == 0 && d.delay_ns == 0 && d.slice_size == 0 &&
	    d.nsends == 0 && !(d.freeze && d.freeze_settle_ns != 0))
		return PROXY_PASS;	/* link effects only (stall, freeze, ...): forward as is */

	when = d.delay_ns != 0 ? u->now + d.delay_ns : 0;
	if (d.freeze && d.freeze_settle_ns != 0 && when < u->now + d.freeze_settle_ns + PROXY_FAULT_SETTLE_AFTER)
		when = u->now + d.freeze_settle_ns + PROXY_FAULT_SETTLE_AFTER;	/* after the freeze began */
	proxy_fault_sends(pf, &d, 0, when);
	if (!d.drop) {
		bytes = d.modified ? d.data : u->raw;
		len = d.modified ? d.len : u->raw_len;
		for (c = 0; c <= d.copies; c++) {
			if (d.slice_size == 0 || len <= d.slice_size) {
				if (len > 0)
					proxy_send_at(p, u->dir, bytes, len, when, PROXY_SEND_DERIVED);
				continue;
			}
			for (off = 0; off < len; off += n) {
				n = len - off < d.slice_size ? len - off : d.slice_size;
				proxy_send_at(p, u->dir, bytes + off, n, when, PROXY_SEND_DERIVED);
				when = (when != 0 ? when : u->now) + d.slice_gap_ns;
			}
		}
	}
	proxy_fault_sends(pf, &d, 1, when);
	return PROXY_HANDLED;
}

static void
proxy_fault_event(struct proxy *p, const struct proxy_event *ev, void *arg)
{
	struct proxy_fault *pf = arg;
	struct fault_decision d;
	enum scenario_event sev;
	int i;

	switch (ev->type) {
	case PROXY_EV_CLIENT_OPEN:
		sev = SCENARIO_EV_CLIENT_OPEN;
		break;
	case PROXY_EV_FIRST_SYNC:
		sev = SCENARIO_EV_FIRST_SYNC;
		break;
	case PROXY_EV_BAUD:
		sev = SCENARIO_EV_BAUD_CHANGE;
		break;
	case PROXY_EV_RESET:
		sev = SCENARIO_EV_RESET;
		break;
	case PROXY_EV_STUB_START:
		sev = SCENARIO_EV_STUB_START;
		break;
	default:
		return;
	}
	if (fault_engine_on_event(pf->engine, sev, proxy_state(p), ev->now, &d) == 0)
		return;
	for (i = 0; i < d.nfired; i++)
		proxy_fault_record(pf, NULL, &d.fired[i], sev);
	proxy_fault_link(pf, &d, ev->now);
	if (d.disconnect)
		proxy_hangup_client(p, d.reappear ? d.reappear_ns : PROXY_FOREVER);
	proxy_fault_sends(pf, &d, 0, 0);
	proxy_fault_sends(pf, &d, 1, 0);
}

static void
proxy_fault_done(struct proxy *p, void *arg)
{
	struct proxy_fault *pf = arg;
	struct fault_rule_report rep;
	struct capture_kv kv;
	char *report, *line, *nl;
	size_t i;

	if (pf->reported)
		return;
	pf->reported = 1;
	for (i = 0; i < fault_engine_nrules(pf->engine); i++) {
		if (fault_engine_rule_report(pf->engine, i, &rep) != 0 || rep.fired > 0)
			continue;
		capture_kv_init(&kv);
		capture_kv_adds(&kv, "rule", rep.rule->name);
		capture_kv_adds(&kv, "action", scenario_action_name(rep.rule->action));
		capture_kv_adds(&kv, "reason", rep.reason != NULL ? rep.reason : "never fired");
		capture_kv_add(&kv, "matched", "%llu", (unsigned long long)rep.matched);
		if (rep.rule->optional)
			capture_kv_adds(&kv, "optional", "yes");
		proxy_record(p, CAPTURE_EV_NOT_TRIGGERED, CAPTURE_DIR_NONE, kv.buf);
	}
	capture_kv_init(&kv);
	capture_kv_adds(&kv, "scenario", pf->sc.name);
	capture_kv_add(&kv, "seed", "%llu", (unsigned long long)pf->seed);
	capture_kv_add(&kv, "fired", "%d", pf->fired_total);
	capture_kv_add(&kv, "not_triggered", "%zu", fault_engine_not_triggered(pf->engine));
	proxy_record(p, CAPTURE_EV_NOTE, CAPTURE_DIR_NONE, kv.buf);

	fprintf(stderr, "sliptap proxy: scenario %s, seed %llu: %zu of %zu rules fired\n", pf->sc.name,
	    (unsigned long long)pf->seed,
	    fault_engine_nrules(pf->engine) - fault_engine_not_triggered(pf->engine),
	    fault_engine_nrules(pf->engine));
	report = fault_engine_report(pf->engine);
	for (line = report; line != NULL && *line != '\0'; line = nl + 1) {
		if ((nl = strchr(line, '\n')) == NULL)
			break;
		fprintf(stderr, "sliptap proxy:   %.*s\n", (int)(nl - line), line);
	}
	free(report);
}

int
proxy_fault_check(struct proxy_fault *pf, struct proxy *p, char *err, size_t errlen)
{
	unsigned front, device;

	proxy_caps(p, &front, &device);
	return scenario_check_front(&pf->sc, front, device, err, errlen) == 0 ? 0 : -1;
}

void
proxy_fault_attach(struct proxy_fault *pf, struct proxy *p)
{
	struct proxy_hooks hooks;

	pf->proxy = p;
	fault_engine_set_start(pf->engine, proxy_now(p));
	memset(&hooks, 0, sizeof(hooks));
	hooks.filter = proxy_fault_filter;
	hooks.event = proxy_fault_event;
	hooks.tick = proxy_fault_tick;
	hooks.done = proxy_fault_done;
	proxy_set_hooks(p, &hooks, pf);
	fprintf(stderr, "sliptap proxy: scenario %s (%zu rule%s), seed %llu\n", pf->sc.name,
	    pf->sc.nrules, pf->sc.nrules == 1 ? "" : "s", (unsigned long long)pf->seed);
}

int
proxy_fault_finish(struct proxy_fault *pf)
{
	FILE *f;
	char *text;
	int rc = fault_engine_not_triggered(pf->engine) > 0 ? PROXY_FAULT_EXIT_NOT_TRIGGERED : 0;

	if (pf->pin == NULL)
		return rc;
	text = fault_engine_pin(pf->engine);
	if ((f = fopen(pf->pin, "w")) == NULL) {
		fprintf(stderr, "sliptap proxy: --pin %s: %s\n", pf->pin, strerror(errno));
		rc = 1;
	} else if (fputs(text, f) == EOF || ferror(f)) {
		fclose(f);
		fprintf(stderr, "sliptap proxy: --pin %s: write failed\n", pf->pin);
		rc = 1;
	} else if (fclose(f) == EOF) {
		fprintf(stderr, "sliptap proxy: --pin %s: %s\n", pf->pin, strerror(errno));
		rc = 1;
	} else
		fprintf(stderr, "sliptap proxy: pinned scenario written to %s\n", pf->pin);
	free(text);
	return rc;
}

void
proxy_fault_free(struct proxy_fault *pf)
{
	if (pf == NULL)
		return;
	fault_engine_free(pf->engine);
	scenario_free(&pf->sc);
	free(pf);
}
