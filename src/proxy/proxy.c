/*
 * proxy.c — the proxy's life cycle and what ties its parts together: the
 * capture of events, the session tracker's events, device control (baud,
 * lines), client open/close, the hook seam and the primitives of proxy.h
 * that are not about queues. The data path is in proxy-unit.c (units,
 * holding, the filter) and proxy-queue.c (output queues, back-pressure);
 * the two sides in proxy-host.c and proxy-device.c.
 *
 * Records are flushed to the kernel before the loop sleeps (capture_flush
 * in the idle hook), so a killed proxy loses at most what one loop
 * iteration produced; per-record fflush would cost a syscall per frame on
 * a 1 GB run.
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
#include "units.h"
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
proxy_dir_name(enum link_dir dir)
{
	return dir == LINK_H2D ? "h2d" : "d2h";
}

int
proxy_capdir(enum link_dir dir)
{
	return dir == LINK_H2D ? CAPTURE_DIR_H2D : CAPTURE_DIR_D2H;
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
	proxy_status_clear(p);
	fputs("sliptap proxy: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
proxy_capture_check(struct proxy *p, int rc)
{
	if (rc == 0 || p->capture_failed)
		return;
	p->capture_failed = 1;
	proxy_status_clear(p);
	fprintf(stderr, "sliptap proxy: capture: %s (capture stopped, forwarding goes on)\n",
	    capture_errmsg(p->cap));
}

void
proxy_record(struct proxy *p, unsigned code, int capdir, const char *text)
{
	if (p->cap == NULL || p->capture_failed)
		return;
	proxy_flush_runs(p);	/* byte records before the events that follow them */
	proxy_capture_check(p, capture_write_event(p->cap,
	    p->rec_wall != 0 ? p->rec_wall : loop_wallclock(), capdir, code, text));
}

void
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

void
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

void
proxy_caps(const struct proxy *p, unsigned *front, unsigned *device)
{
	*front = proxy_host_caps(p);
	*device = proxy_dev_caps(p);
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

/* ---- Session tracker events -------------------------------------------- */

static void
proxy_session_cb(const struct session_event *sev, void *arg)
{
	struct proxy *p = arg;
	struct proxy_event ev;
	struct capture_kv kv;

	switch (sev->type) {
	case SESSION_EV_BAUD:
		if (sev->dir == LINK_D2H && !p->in_harness) {
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

	proxy_source_gone(p, LINK_H2D);
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
			if (p->cap != NULL && !p->capture_failed)
				s->unit_seq = capture_next_seq(p->cap);
			proxy_write_unit(p, u->dir, (enum proxy_rec)p->cur_rec, CAPTURE_STAGE_ORIGINAL,
			    u->raw, u->raw_len, 0);
			s->unit_recorded = 1;
		}
	}
	if (text == NULL)
		return;
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

/* ---- The two sides as the data path sees them ---------------------------- */

static ssize_t
proxy_sides_write(struct proxy *p, enum link_dir dir, const uint8_t *buf, size_t len)
{
	if (p->exiting)
		return PROXY_WRITE_GONE;
	return dir == LINK_H2D ? proxy_dev_write(p, buf, len) : proxy_host_write(p, buf, len);
}

static void
proxy_sides_want(struct proxy *p)
{
	proxy_host_want(p);
	proxy_dev_want(p);
}

static void
proxy_sides_hold(struct proxy *p, enum link_dir dir, int on)
{
	/* A device has no flow control: not reading it is all there is. */
	if (dir == LINK_H2D)
		proxy_host_hold_writes(p, on);
}

static const struct proxy_path_ops proxy_sides = {
	.write = proxy_sides_write,
	.want = proxy_sides_want,
	.has_client = proxy_host_has_client,
	.hold_sender = proxy_sides_hold,
};

/* Everything but the two sides: streams, timers, tracker, capture. */
static struct proxy *
proxy_alloc(const struct proxy_config *cfg, const struct proxy_path_ops *ops)
{
	struct proxy *p;
	int i;

	p = xcalloc(1, sizeof(*p));
	p->cfg = *cfg;
	p->path = ops;
	if (p->cfg.baud == 0)
		p->cfg.baud = ESP_DEFAULT_BAUD;
	p->loop = loop_new();
	p->host.ino = p->host.wd = -1;
	for (i = 0; i < 2; i++) {
		struct proxy_stream *s = &p->s[i];

		s->proxy = p;
		s->dir = (enum link_dir)i;
		s->dec = slip_decoder_new(0, proxy_slip_cb, s);
		s->timer = loop_timer_new(p->loop, proxy_stream_timer, s);
		s->hold_timer = loop_timer_new(p->loop, proxy_hold_timer, s);
	}
	p->wakeup = loop_timer_new(p->loop, proxy_wakeup_timer, p);
	p->session = session_new(p->cfg.baud, proxy_session_cb, p);
	p->dev.baud = p->cfg.baud;
	p->dev.dtr = p->dev.rts = -1;
	return p;
}

static int
proxy_capture_start(struct proxy *p, char *err, size_t errlen)
{
	struct capture_kv kv;

	p->cap = capture_open(p->cfg.pcap, err, errlen);
	if (p->cap == NULL)
		return -1;
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
	return 0;
}

struct proxy *
proxy_new(const struct proxy_config *cfg, char *err, size_t errlen)
{
	struct proxy *p = proxy_alloc(cfg, &proxy_sides);

	if (proxy_dev_setup(p, err, errlen) == -1 || proxy_dev_open(p, err, errlen) == -1)
		goto fail;
	if (p->cfg.pcap != NULL && proxy_capture_start(p, err, errlen) == -1)
		goto fail;
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

struct proxy *
proxy_new_path(const struct proxy_config *cfg, const struct proxy_path_ops *ops)
{
	struct proxy *p = proxy_alloc(cfg, ops);
	char err[512];

	p->detached = 1;
	if (p->cfg.pcap != NULL && proxy_capture_start(p, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		proxy_free(p);
		return NULL;
	}
	return p;
}

struct loop *
proxy_loop(struct proxy *p)
{
	return p->loop;
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
	/* What the tool wrote and was never read: recorded, not delivered. */
	if (!p->detached) {
		p->exiting = 1;
		proxy_host_drain_input(p);
	}
	/* Streams end: open frames are recorded as truncated. */
	for (i = 0; i < 2; i++) {
		if (p->s[i].dec != NULL && (p->dev.present || p->detached || i == LINK_H2D))
			proxy_source_gone(p, (enum link_dir)i);
	}
	proxy_report_end(p);	/* the status line goes before the exit summary */
	if (p->hooks != NULL && p->hooks->done != NULL)
		p->hooks->done(p, p->hooks_arg);
	if (!p->detached) {
		proxy_host_close(p, 0);
		proxy_dev_free(p);
	}
	for (i = 0; i < 2; i++)
		proxy_discard_queue(p, (enum link_dir)i);	/* recorded DISCARDED */
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
	proxy_source_gone(p, LINK_D2H);
	proxy_eventf(p, CAPTURE_EV_PORT_CLOSE, CAPTURE_DIR_NONE, "side=device port=%s reason=\"%s\"",
	    p->dev.name, why);
	proxy_discard_queue(p, LINK_H2D);
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
	    (double)(loop_now() - p->dev.gone_at) / (double)NS_PER_SEC);
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
