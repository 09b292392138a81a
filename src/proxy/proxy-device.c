/*
 * proxy-device.c — the device side, through the endpoint interface
 * (endpoint.h): whatever the kind (serial adapter, tty/pty, rfc2217://,
 * tcp://, the in-process sim:), this file calls ops and never asks which
 * kind it is. It plays reset sequences (reset.h) on the device's lines and
 * polls for a vanished device every PROXY_RETRY_NS.
 *
 * It reports to proxy.c only: device bytes (proxy_input), room for more
 * (proxy_drain), the device gone (proxy_device_gone) and back
 * (proxy_device_back). What happens to the client side then is proxy.c's
 * decision.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "proxy-int.h"
#include "reset-player.h"
#include "reset.h"
#include "util.h"

static void proxy_dev_retry_cb(void *arg);
static void proxy_dev_probe_cb(void *arg);
static void proxy_reset_step_cb(const struct reset_step *st, void *arg);
static void proxy_reset_done_cb(void *arg);

static void
proxy_dev_data_cb(const uint8_t *buf, size_t len, void *arg)
{
	proxy_input(arg, LINK_D2H, buf, len);
}

static void
proxy_dev_writable_cb(void *arg)
{
	proxy_drain(arg, LINK_H2D);
}

static void
proxy_dev_gone_cb(const char *why, void *arg)
{
	struct proxy *p = arg;

	if (!p->dev.present)
		return;
	p->dev.present = 0;
	/*
	 * A stalled port that vanishes hangs its client up frozen (the sim:
	 * pty_hangup on a TCOOFF pty): releasing the hold on the queue thrown
	 * away first would let a blocked write complete just before it.
	 */
	p->dev.stopped = 1;
	reset_player_stop(p->dev.rs);
	proxy_device_gone(p, why);
	p->dev.stopped = 0;	/* a pair that comes back is never born frozen */
	loop_timer_after(p->dev.retry, PROXY_RETRY_NS);
}

static void
proxy_dev_note_cb(const char *text, void *arg)
{
	struct proxy *p = arg;
	char esc[512];
	size_t i, j;

	/* logfmt: no double quotes inside the quoted value */
	for (i = j = 0; text[i] != '\0' && j + 1 < sizeof(esc); i++)
		esc[j++] = text[i] == '"' ? '\'' : text[i];
	esc[j] = '\0';
	proxy_eventf(p, CAPTURE_EV_NOTE, CAPTURE_DIR_NONE, "text=\"%s\"", esc);
}

int
proxy_dev_setup(struct proxy *p, char *err, size_t errlen)
{
	struct proxy_dev *d = &p->dev;
	struct endpoint_cbs cbs;

	cbs = (struct endpoint_cbs) {
		.data_cb = proxy_dev_data_cb,
		.writable_cb = proxy_dev_writable_cb,
		.gone_cb = proxy_dev_gone_cb,
		.note_cb = proxy_dev_note_cb,
		.arg = p,
	};
	d->ep = endpoint_new(p->loop, p->cfg.device, d->baud, &cbs, err, errlen);
	if (d->ep == NULL)
		return -1;
	snprintf(d->name, sizeof(d->name), "%s", endpoint_name(d->ep));
	d->retry = loop_timer_new(p->loop, proxy_dev_retry_cb, p);
	d->probe = loop_timer_new(p->loop, proxy_dev_probe_cb, p);
	d->rs = reset_player_new(p->loop, proxy_reset_step_cb, proxy_reset_done_cb, p);
	return 0;
}

int
proxy_dev_open(struct proxy *p, char *err, size_t errlen)
{
	struct proxy_dev *d = &p->dev;
	char lerr[256];

	if (endpoint_open(d->ep, err, errlen) == -1)
		return -1;
	snprintf(d->name, sizeof(d->name), "%s", endpoint_name(d->ep));
	d->present = 1;
	d->stopped = 0;
	if (endpoint_set_baud(d->ep, d->baud, lerr, sizeof(lerr)) == -1)
		proxy_warn(p, "%s", lerr);
	/* Lines a reset set while the device was away. */
	if ((d->dtr != -1 || d->rts != -1) && (endpoint_caps(d->ep) & CAP_LINES))
		(void)endpoint_set_lines(d->ep, d->dtr, d->rts, 1, lerr, sizeof(lerr));
	proxy_dev_want(p);
	if (strcmp(endpoint_kind(d->ep), "tty") == 0 || strcmp(endpoint_kind(d->ep), "serial") == 0)
		loop_timer_after(d->probe, PROXY_PROBE_NS);
	return 0;
}

/*
 * The device's own flow stop, mirrored. A device whose output is stopped
 * (the simulator's stalled USB device: tcflow TCOOFF on its pty) blocks the
 * tool's next write at once when the tool talks to it directly. Waiting for
 * the proxy's own write to block would let one more write complete into
 * the client's pty, so the client's pty is frozen as soon as the device's
 * is seen stopped, and thawed when it takes bytes again.
 */
static void
proxy_dev_probe_cb(void *arg)
{
	struct proxy *p = arg;
	int st, changed;

	if (!p->dev.present)
		return;
	st = endpoint_write_stopped(p->dev.ep);
	if (st == -1) {		/* hung up: it stays held until proxy_dev_gone_cb */
		loop_timer_after(p->dev.probe, PROXY_PROBE_NS);
		return;
	}
	changed = st != p->dev.stopped;
	p->dev.stopped = st;
	if (st || changed)
		proxy_host_hold_writes(p, p->host.held);	/* also a client pty made anew */
	if (changed && p->dev.stop_records++ < 2 * PROXY_PRESSURE_RECORDS) {
		proxy_eventf(p, CAPTURE_EV_NOTE, CAPTURE_DIR_H2D, "text=\"device %s: host writes %s\"",
		    st ? "takes no data (flow stopped)" : "takes data again", st ? "held" : "released");
	}
	loop_timer_after(p->dev.probe, PROXY_PROBE_NS);
}

void
proxy_dev_close(struct proxy *p)
{
	if (p->dev.ep != NULL)
		endpoint_close(p->dev.ep);
	p->dev.present = 0;
}

void
proxy_dev_free(struct proxy *p)
{
	proxy_dev_close(p);
	endpoint_free(p->dev.ep);
	loop_timer_free(p->dev.retry);
	loop_timer_free(p->dev.probe);
	p->dev.probe = NULL;
	reset_player_free(p->dev.rs);
	p->dev.ep = NULL;
	p->dev.retry = NULL;
	p->dev.rs = NULL;
}

unsigned
proxy_dev_caps(const struct proxy *p)
{
	return p->dev.ep != NULL ? endpoint_caps(p->dev.ep) : 0;
}

int
proxy_dev_lines_remote(const struct proxy *p)
{
	return p->dev.ep != NULL && endpoint_lines_remote(p->dev.ep);
}

static void
proxy_dev_retry_cb(void *arg)
{
	struct proxy *p = arg;
	char err[512];

	if (p->dev.present)
		return;
	if (proxy_dev_open(p, err, sizeof(err)) == -1) {
		loop_timer_after(p->dev.retry, PROXY_RETRY_NS);
		return;
	}
	proxy_device_back(p);
}

ssize_t
proxy_dev_write(struct proxy *p, const uint8_t *buf, size_t len)
{
	if (!p->dev.present)
		return PROXY_WRITE_GONE;
	return endpoint_write(p->dev.ep, buf, len);	/* ENDPOINT_AGAIN / _GONE are -1 / -2 */
}

/* A write to the device failed for good: the client stays frozen until the hang-up that follows. */
void
proxy_dev_hold_until_gone(struct proxy *p)
{
	if (p->dev.present && !p->exiting)
		p->dev.stopped = 1;
}

void
proxy_dev_want(struct proxy *p)
{
	if (!p->dev.present)
		return;
	if (p->s[LINK_D2H].paused)
		endpoint_pause_read(p->dev.ep);
	else
		endpoint_resume_read(p->dev.ep);
	if (p->s[LINK_H2D].blocked)
		endpoint_want_write(p->dev.ep);
}

int
proxy_dev_set_baud(struct proxy *p, uint32_t baud, char *err, size_t errlen)
{
	return endpoint_set_baud(p->dev.ep, baud, err, errlen);
}

int
proxy_dev_set_lines(struct proxy *p, int dtr, int rts, int tight, char *err, size_t errlen)
{
	return endpoint_set_lines(p->dev.ep, dtr, rts, tight, err, errlen);
}

/* ---- Reset sequences (reset.h) --------------------------------------------- */

static void
proxy_reset_step_cb(const struct reset_step *st, void *arg)
{
	struct proxy *p = arg;
	struct proxy_dev *d = &p->dev;
	char err[256];
	int rc = 0;

	if (d->present)
		rc = proxy_dev_set_lines(p, st->dtr, st->rts, st->tight, err, sizeof(err));
	if (st->dtr != -1)
		d->dtr = st->dtr;
	if (st->rts != -1)
		d->rts = st->rts;
	proxy_eventf(p, CAPTURE_EV_LINES, CAPTURE_DIR_NONE, "side=device dtr=%d rts=%d from=reset%s",
	    d->dtr, d->rts, rc == -1 ? " applied=0" : "");
}

static void
proxy_reset_done_cb(void *arg)
{
	struct proxy *p = arg;

	if (p->dev.rs_release) {
		p->dev.rs_release = 0;
		proxy_set_device_lines(p, 0, 0, "close");
	}
}

void
proxy_dev_release_lines(struct proxy *p)
{
	struct proxy_dev *d = &p->dev;

	if (reset_player_busy(d->rs))
		d->rs_release = 1;
	else if (d->dtr == 1 || d->rts == 1)
		proxy_set_device_lines(p, 0, 0, "close");
}

void
proxy_dev_reset_cancel_release(struct proxy *p)
{
	p->dev.rs_release = 0;
}

void
proxy_reset_device(struct proxy *p, enum proxy_reset how)
{
	struct proxy_dev *d = &p->dev;
	struct proxy_event ev;

	if (how == PROXY_RESET_NONE)
		return;
	reset_player_stop(d->rs);
	proxy_eventf(p, CAPTURE_EV_RESET, CAPTURE_DIR_NONE, "how=%s", proxy_reset_name(how));
	session_harness(p->session, how == PROXY_RESET_HARD ? SESSION_HARNESS_RESET :
	    SESSION_HARNESS_BOOTLOADER, 0, loop_now());
	ev = (struct proxy_event) {
		.type = PROXY_EV_RESET,
		.now = loop_now(),
		.dtr = -1,
		.rts = -1,
		.how = proxy_reset_name(how),
	};
	proxy_emit(p, &ev);
	/* enum proxy_reset names the same sequences as enum reset_kind. */
	reset_player_start(d->rs, proxy_reset_kind(how));
}

enum reset_kind
proxy_reset_kind(enum proxy_reset how)
{
	switch (how) {
	case PROXY_RESET_CLASSIC:
		return RESET_CLASSIC;
	case PROXY_RESET_UNIX_TIGHT:
		return RESET_UNIX_TIGHT;
	case PROXY_RESET_USB_JTAG:
		return RESET_USB_JTAG;
	case PROXY_RESET_HARD:
		return RESET_HARD;
	case PROXY_RESET_NONE:
		break;
	}
	return RESET_NONE;
}
