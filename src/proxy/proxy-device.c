/*
 * proxy-device.c — the device side: a serial adapter (libserialport, by
 * name or usb:VID:PID[:SERIAL]), a tty or pty (plain termios), an
 * rfc2217:// device (our RFC 2217 client) or a raw tcp:// device; DTR/RTS
 * reset sequences; vanishing and coming back.
 *
 * When the device goes (EIO/HUP on its fd, EOF on a socket), the proxy
 * records it, hangs the client side up the way a vanished USB device does
 * (the pty master is closed: the tool sees EIO; the link goes away), and
 * polls every PROXY_RETRY_NS for the same device: the same name / path, or
 * the same USB VID:PID[:serial] under whatever name it re-enumerates as, or
 * the same host:port. When it is back the client side is recreated under
 * the same link.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy-int.h"
#include "tcp.h"
#include "tty.h"
#include "util.h"

static const struct proxy_reset_step proxy_seq_classic[] = {
	{ 0, 1, 0, 100 }, { 1, 0, 0, 50 }, { 0, -1, 0, 0 },
};
static const struct proxy_reset_step proxy_seq_tight[] = {
	{ 0, 0, 1, 0 }, { 1, 1, 1, 0 }, { 0, 1, 1, 100 }, { 1, 0, 1, 50 }, { 0, 0, 1, 0 },
	{ 0, -1, 0, 0 },
};
static const struct proxy_reset_step proxy_seq_usb_jtag[] = {
	{ -1, 0, 0, 0 }, { 0, -1, 0, 100 }, { 1, -1, 0, 0 }, { -1, 0, 0, 100 },
	{ -1, 1, 0, 0 }, { 0, -1, 0, 0 }, { -1, 1, 0, 100 }, { 0, -1, 0, 0 }, { -1, 0, 0, 0 },
};
static const struct proxy_reset_step proxy_seq_hard[] = {
	{ -1, 1, 0, 100 }, { -1, 0, 0, 0 },
};

static void proxy_dev_read_cb(int fd, short revents, void *arg);
static void proxy_dev_retry_cb(void *arg);
static void proxy_dev_lost_cb(void *arg);
static void proxy_reset_step_cb(void *arg);

/* Is `path` a pty slave (directly or through a link)? */
static int
proxy_dev_path_is_pty(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1 || !S_ISCHR(st.st_mode))
		return 0;
	return major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143;
}

int
proxy_dev_setup(struct proxy *p, char *err, size_t errlen)
{
	struct proxy_dev *d = &p->dev;
	const char *spec = p->cfg.device;
	int rc;

	snprintf(d->spec, sizeof(d->spec), "%s", spec);
	d->fd = -1;
	if (strncmp(spec, "rfc2217://", 10) == 0 || strncmp(spec, "tcp://", 6) == 0) {
		d->kind = spec[0] == 'r' ? PROXY_DEV_RFC2217 : PROXY_DEV_TCP;
		if (tcp_split(strchr(spec, '/') + 2, "127.0.0.1", d->host, sizeof(d->host), d->port,
		    sizeof(d->port), err, errlen) == -1)
			return -1;
		snprintf(d->name, sizeof(d->name), "%s", spec);
		return 0;
	}
	rc = serial_parse_usb(spec, &d->usb, err, errlen);
	if (rc == -1)
		return -1;
	if (rc == 1) {
		d->kind = PROXY_DEV_SERIAL;
		d->is_usb = 1;
		return serial_find_usb(&d->usb, d->name, sizeof(d->name), err, errlen);
	}
	snprintf(d->name, sizeof(d->name), "%s", spec);
	if (proxy_dev_path_is_pty(spec)) {
		d->kind = PROXY_DEV_TTY;
		return 0;
	}
	if (serial_exists(spec)) {
		d->kind = PROXY_DEV_SERIAL;
		return 0;
	}
	if (access(spec, F_OK) == 0) {
		d->kind = PROXY_DEV_TTY;	/* a tty libserialport does not list */
		return 0;
	}
	serial_explain_open_error(spec, ENOENT, err, errlen);
	return -1;
}

static void
proxy_dev_net_out(const uint8_t *buf, size_t len, void *arg)
{
	struct proxy *p = arg;

	proxy_buf_add(&p->dev.net, buf, len);
}

static void
proxy_dev_net_flush(struct proxy *p)
{
	struct proxy_dev *d = &p->dev;
	ssize_t n;

	while (d->fd != -1 && d->net.len > 0) {
		n = write(d->fd, d->net.b, d->net.len);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				loop_timer_at(d->lost_timer, 0);
			break;
		}
		proxy_buf_consume(&d->net, (size_t)n);
	}
}

static void
proxy_dev_net_cmd(const struct rfc2217_cmd *cmd, void *arg)
{
	struct proxy *p = arg;

	if (cmd->code == RFC2217_SERVER_OFFSET + RFC2217_NOTIFY_MODEMSTATE)
		return;		/* periodic, not worth a record */
	proxy_eventf(p, CAPTURE_EV_NOTE, CAPTURE_DIR_NONE, "text=\"device rfc2217 %s %u\"",
	    rfc2217_code_name(cmd->code), cmd->value);
}

/* Open quietly (retry) or not; 0 or -1 with err. */
static int
proxy_dev_try_open(struct proxy *p, char *err, size_t errlen)
{
	struct proxy_dev *d = &p->dev;
	struct pollfd pfd;
	int fd = -1, e;

	switch (d->kind) {
	case PROXY_DEV_SERIAL:
		if (d->is_usb && serial_find_usb(&d->usb, d->name, sizeof(d->name), err,
		    errlen) == -1)
			return -1;
		d->sp = serial_open(d->name, d->baud, err, errlen);
		if (d->sp == NULL)
			return -1;
		fd = serial_fd(d->sp);
		break;
	case PROXY_DEV_TTY:
		fd = tty_open(d->name, d->baud, err, errlen);
		if (fd == -1) {
			e = errno;
			if (e == EBUSY || e == EACCES || e == ENOENT)
				serial_explain_open_error(d->name, e, err, errlen);
			return -1;
		}
		/* A pty whose master is already gone reports HUP at once. */
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR))) {
			close(fd);
			snprintf(err, errlen, "%s: hung up", d->name);
			return -1;
		}
		break;
	case PROXY_DEV_TCP:
	case PROXY_DEV_RFC2217:
		fd = tcp_connect(d->host, d->port, 2000, err, errlen);
		if (fd == -1)
			return -1;
		break;
	}
	d->fd = fd;
	d->present = 1;
	if (d->kind == PROXY_DEV_RFC2217) {
		d->codec = rfc2217_new(RFC2217_ROLE_CLIENT, d->baud, proxy_dev_net_out,
		    proxy_dev_net_cmd, p);
		rfc2217_start(d->codec);
		rfc2217_client_set_baud(d->codec, d->baud);
		rfc2217_client_set_8n1(d->codec);
		if (d->dtr != -1 || d->rts != -1)
			rfc2217_client_set_lines(d->codec, d->dtr, d->rts);
		proxy_dev_net_flush(p);
	}
	d->lfd = loop_fd_add(p->loop, fd, POLLIN, proxy_dev_read_cb, p);
	proxy_dev_want(p);
	return 0;
}

int
proxy_dev_open(struct proxy *p, char *err, size_t errlen)
{
	struct proxy_dev *d = &p->dev;

	if (d->retry == NULL) {
		d->retry = loop_timer_new(p->loop, proxy_dev_retry_cb, p);
		d->lost_timer = loop_timer_new(p->loop, proxy_dev_lost_cb, p);
		d->rs_timer = loop_timer_new(p->loop, proxy_reset_step_cb, p);
	}
	return proxy_dev_try_open(p, err, errlen);
}

void
proxy_dev_close(struct proxy *p)
{
	struct proxy_dev *d = &p->dev;

	if (d->lfd != NULL) {
		loop_fd_del(d->lfd);
		d->lfd = NULL;
	}
	if (d->sp != NULL) {
		serial_close(d->sp);
		d->sp = NULL;
	} else if (d->fd != -1)
		close(d->fd);
	d->fd = -1;
	rfc2217_free(d->codec);
	d->codec = NULL;
	proxy_buf_free(&d->net);
	d->present = 0;
}

void
proxy_dev_free(struct proxy *p)
{
	proxy_dev_close(p);
	loop_timer_free(p->dev.retry);
	loop_timer_free(p->dev.lost_timer);
	loop_timer_free(p->dev.rs_timer);
	p->dev.retry = p->dev.lost_timer = p->dev.rs_timer = NULL;
}

void
proxy_dev_lost(struct proxy *p, const char *why)
{
	struct proxy_dev *d = &p->dev;
	struct proxy_event ev;

	if (!d->present)
		return;
	proxy_warn(p, "%s: device gone (%s); waiting for it to come back", d->name, why);
	proxy_source_gone(p, PROXY_D2H);
	proxy_dev_close(p);
	proxy_eventf(p, CAPTURE_EV_PORT_CLOSE, CAPTURE_DIR_NONE, "side=device port=%s reason=\"%s\"",
	    d->name, why);
	proxy_discard_queue(p, PROXY_H2D);
	loop_timer_stop(d->rs_timer);
	d->rs = NULL;
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
	d->gone_at = loop_now();
	loop_timer_after(d->retry, PROXY_RETRY_NS);
}

static void
proxy_dev_lost_cb(void *arg)
{
	proxy_dev_lost(arg, "write failed");
}

static void
proxy_dev_retry_cb(void *arg)
{
	struct proxy *p = arg;
	struct proxy_dev *d = &p->dev;
	struct proxy_event ev;
	char err[512];

	if (d->present)
		return;
	if (proxy_dev_try_open(p, err, sizeof(err)) == -1) {
		loop_timer_after(d->retry, PROXY_RETRY_NS);
		return;
	}
	proxy_eventf(p, CAPTURE_EV_PORT_OPEN, CAPTURE_DIR_NONE,
	    "side=device port=%s baud=%u reason=reappear", d->name, d->baud);
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
	proxy_warn(p, "%s: device back after %.1f s", d->name,
	    (double)(loop_now() - d->gone_at) / 1e9);
}

static void
proxy_dev_read_cb(int fd, short revents, void *arg)
{
	struct proxy *p = arg;
	struct proxy_dev *d = &p->dev;
	uint8_t *buf = p->dev_rbuf, *data = p->dev_rdata;
	ssize_t n;
	size_t dn;
	int rounds;

	if (revents & POLLOUT) {
		proxy_dev_net_flush(p);
		proxy_drain(p, PROXY_H2D);
	}
	if (!d->present || !(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	for (rounds = 0; rounds < 16 && d->present && !p->s[PROXY_D2H].paused; rounds++) {
		n = read(d->fd, buf, sizeof(p->dev_rbuf));
		if (n > 0) {
			if (d->kind == PROXY_DEV_RFC2217) {
				dn = rfc2217_feed(d->codec, buf, (size_t)n, data);
				proxy_dev_net_flush(p);
				proxy_input(p, PROXY_D2H, data, dn);
			} else
				proxy_input(p, PROXY_D2H, buf, (size_t)n);
			if ((size_t)n < sizeof(p->dev_rbuf))
				break;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (revents & (POLLHUP | POLLERR) && rounds == 0)
				proxy_dev_lost(p, "hang-up");
			break;
		}
		proxy_dev_lost(p, n == 0 ? "end of stream" : strerror(errno));
		break;
	}
}

ssize_t
proxy_dev_write(struct proxy *p, const uint8_t *buf, size_t len)
{
	struct proxy_dev *d = &p->dev;
	uint8_t esc[2 * 16384];
	size_t take;
	ssize_t n;

	if (!d->present)
		return PROXY_WRITE_GONE;
	if (d->kind == PROXY_DEV_RFC2217) {
		if (d->net.len >= PROXY_NETBUF_MAX)
			return PROXY_WRITE_BLOCKED;
		take = len > 16384 ? 16384 : len;
		proxy_buf_add(&d->net, esc, rfc2217_escape(buf, take, esc));
		proxy_dev_net_flush(p);
		return (ssize_t)take;
	}
	n = write(d->fd, buf, len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return PROXY_WRITE_BLOCKED;
		/* Handle the loss outside the write path (the queue is being walked). */
		loop_timer_at(d->lost_timer, 0);
		return PROXY_WRITE_GONE;
	}
	return n;
}

void
proxy_dev_want(struct proxy *p)
{
	short ev = 0;

	if (p->dev.lfd == NULL)
		return;
	if (!p->s[PROXY_D2H].paused)
		ev |= POLLIN;
	if (p->s[PROXY_H2D].blocked || p->dev.net.len > 0)
		ev |= POLLOUT;
	loop_fd_set(p->dev.lfd, ev);
}

int
proxy_dev_set_baud(struct proxy *p, uint32_t baud, char *err, size_t errlen)
{
	struct proxy_dev *d = &p->dev;

	switch (d->kind) {
	case PROXY_DEV_SERIAL:
		return serial_set_baud(d->sp, baud, err, errlen);
	case PROXY_DEV_TTY:
		if (tty_set_baud(d->fd, baud) == -1) {
			snprintf(err, errlen, "%s: set baud %u: %s", d->name, baud, strerror(errno));
			return -1;
		}
		return 0;
	case PROXY_DEV_RFC2217:
		rfc2217_client_set_baud(d->codec, baud);
		proxy_dev_net_flush(p);
		proxy_dev_want(p);
		return 0;
	case PROXY_DEV_TCP:
		return 0;	/* a raw socket has no line speed */
	}
	return 0;
}

int
proxy_dev_set_lines(struct proxy *p, int dtr, int rts, int tight, char *err, size_t errlen)
{
	struct proxy_dev *d = &p->dev;
	int rc = 0;

	switch (d->kind) {
	case PROXY_DEV_SERIAL:
		if (tight)
			rc = tty_set_lines(d->fd, dtr, rts);
		else
			return serial_set_lines(d->sp, dtr, rts, err, errlen);
		break;
	case PROXY_DEV_TTY:
		if (tight)
			rc = tty_set_lines(d->fd, dtr, rts);
		else if ((rc = tty_set_lines(d->fd, dtr, -1)) == 0)
			rc = tty_set_lines(d->fd, -1, rts);
		break;
	case PROXY_DEV_RFC2217:
		rfc2217_client_set_lines(d->codec, dtr, rts);
		proxy_dev_net_flush(p);
		proxy_dev_want(p);
		return 0;
	case PROXY_DEV_TCP:
		snprintf(err, errlen, "%s: a raw TCP device has no DTR/RTS", d->name);
		return -1;
	}
	if (rc == -1)
		snprintf(err, errlen, "%s: DTR/RTS: %s", d->name,
		    errno == ENOTTY ? "no modem lines (a pty)" : strerror(errno));
	return rc;
}

/* ---- Reset sequences ------------------------------------------------------ */

static void
proxy_reset_step_cb(void *arg)
{
	struct proxy *p = arg;
	struct proxy_dev *d = &p->dev;
	const struct proxy_reset_step *st;
	char err[256];
	int rc = 0;

	while (d->rs != NULL && d->rs_i < d->rs_n) {
		st = &d->rs[d->rs_i++];
		if (d->present)
			rc = proxy_dev_set_lines(p, st->dtr, st->rts, st->tight, err, sizeof(err));
		if (st->dtr != -1)
			d->dtr = st->dtr;
		if (st->rts != -1)
			d->rts = st->rts;
		proxy_eventf(p, CAPTURE_EV_LINES, CAPTURE_DIR_NONE,
		    "side=device dtr=%d rts=%d from=reset%s", d->dtr, d->rts,
		    rc == -1 ? " applied=0" : "");
		if (st->delay_ms > 0) {
			loop_timer_after(d->rs_timer, (uint64_t)st->delay_ms * LOOP_MS);
			return;
		}
	}
	d->rs = NULL;
	if (d->rs_release) {
		d->rs_release = 0;
		proxy_set_device_lines(p, 0, 0, "close");
	}
}

void
proxy_dev_release_lines(struct proxy *p)
{
	struct proxy_dev *d = &p->dev;

	if (d->rs != NULL)
		d->rs_release = 1;
	else if (d->dtr == 1 || d->rts == 1)
		proxy_set_device_lines(p, 0, 0, "close");
}

void
proxy_reset_device(struct proxy *p, enum proxy_reset how)
{
	struct proxy_dev *d = &p->dev;
	struct proxy_event ev;

	switch (how) {
	case PROXY_RESET_CLASSIC:
		d->rs = proxy_seq_classic;
		d->rs_n = nitems(proxy_seq_classic);
		break;
	case PROXY_RESET_UNIX_TIGHT:
		d->rs = proxy_seq_tight;
		d->rs_n = nitems(proxy_seq_tight);
		break;
	case PROXY_RESET_USB_JTAG:
		d->rs = proxy_seq_usb_jtag;
		d->rs_n = nitems(proxy_seq_usb_jtag);
		break;
	case PROXY_RESET_HARD:
		d->rs = proxy_seq_hard;
		d->rs_n = nitems(proxy_seq_hard);
		break;
	case PROXY_RESET_NONE:
		return;
	}
	d->rs_i = 0;
	d->rs_how = how;
	loop_timer_stop(d->rs_timer);
	proxy_eventf(p, CAPTURE_EV_RESET, CAPTURE_DIR_NONE, "how=%s", proxy_reset_name(how));
	session_harness(p->session, how == PROXY_RESET_HARD ? SESSION_HARNESS_RESET :
	    SESSION_HARNESS_BOOTLOADER, 0, loop_now());
	memset(&ev, 0, sizeof(ev));
	ev.type = PROXY_EV_RESET;
	ev.now = loop_now();
	ev.dtr = ev.rts = -1;
	ev.how = proxy_reset_name(how);
	proxy_emit(p, &ev);
	proxy_reset_step_cb(p);
}
