/*
 * proxy-host.c — the client side: a pty (include/pty.h) the flashing tool
 * opens, or the RFC 2217 server (rfc2217-server.h) it connects to. It
 * reports to proxy.c only (client open/close, data, baud, DTR/RTS through
 * proxy_client_control); what the device does about it is proxy.c's call.
 *
 * Client open/close on the pty: we keep our own slave fd open (so the
 * tool closing its port never hangs the master up), which also hides the
 * tool's opens and closes from the master. inotify reports them instead:
 * IN_OPEN and IN_CLOSE_* on the slave device node fire for every open file
 * description of it (the VFS generates them for device nodes too), so
 * opens minus closes counts the tool's handles exactly. The watch is added
 * after our own open, so our fd is never counted.
 *
 * The tool's baud on the pty: TIOCPKT with EXTPROC on the slave makes the
 * master report TIOCPKT_IOCTL on every termios change; the speed is then
 * read with TCGETS2 on the master (which returns the slave's termios), and
 * re-checked before every data read in case the tool cleared EXTPROC.
 */
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "proxy-int.h"
#include "caps.h"
#include "pty.h"
#include "rfc2217-server.h"
#include "tty.h"
#include "util.h"

static struct pty *proxy_host_pty(struct proxy *p) { return p->host.pty; }

const char *
proxy_host_name(const struct proxy *p)
{
	if (p->host.kind == PROXY_HOST_RFC2217)
		return p->host.url;
	if (p->cfg.link != NULL)
		return p->cfg.link;
	return p->host.slave_name;
}

static void proxy_host_ino_read(struct proxy *);

int
proxy_host_has_client(struct proxy *p)
{
	if (p->host.up && p->host.kind == PROXY_HOST_PTY && p->host.clients == 0)
		proxy_host_ino_read(p);	/* an open not dispatched yet */
	return p->host.up && p->host.clients > 0;
}

/* ---- pty: client open/close through inotify ---------------------------- */

static void
proxy_host_ino_read(struct proxy *p)
{
	union {
		struct inotify_event ev;
		char buf[4096];
	} u;
	ssize_t n, i;
	struct inotify_event *ev;

	if (p->host.ino == -1)
		return;
	while ((n = read(p->host.ino, u.buf, sizeof(u.buf))) > 0) {
		for (i = 0; i < n; i += (ssize_t)(sizeof(*ev) + ev->len)) {
			ev = (struct inotify_event *)(u.buf + i);
			if (ev->mask & IN_OPEN) {
				if (p->host.clients++ == 0) {
					if (p->host.discarded > 0) {
						proxy_eventf(p, CAPTURE_EV_NOTE, CAPTURE_DIR_D2H,
						    "text=\"%llu device bytes discarded while the port was closed\"",
						    (unsigned long long)p->host.discarded);
						p->host.discarded = 0;
					}
					proxy_client_opened(p);
				}
			}
			if (ev->mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE)) {
				if (p->host.clients > 0 && --p->host.clients == 0) {
					/* What the tool did not read is gone, as on a real port. */
					if (pty_slave_fd(proxy_host_pty(p)) != -1)
						tcflush(pty_slave_fd(proxy_host_pty(p)), TCIFLUSH);
					proxy_client_closed(p);
				}
			}
		}
	}
}

static void
proxy_host_ino_cb(int fd, short revents, void *arg)
{
	proxy_host_ino_read(arg);
}

static int
proxy_host_ino_watch(struct proxy *p, char *err, size_t errlen)
{
	if (p->host.ino == -1) {
		p->host.ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (p->host.ino == -1) {
			snprintf(err, errlen, "inotify: %s", strerror(errno));
			return -1;
		}
		p->host.ifd = loop_fd_add(p->loop, p->host.ino, POLLIN, proxy_host_ino_cb, p);
	}
	p->host.wd = inotify_add_watch(p->host.ino, p->host.slave_name,
	    IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
	if (p->host.wd == -1) {
		snprintf(err, errlen, "inotify %s: %s", p->host.slave_name, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- pty: data ----------------------------------------------------------- */

static void
proxy_host_check_baud(struct proxy *p)
{
	uint32_t baud;
	int fd = pty_master_fd(proxy_host_pty(p));

	if (fd == -1 || (baud = tty_get_baud(fd)) == 0 || baud == p->host.baud)
		return;
	p->host.baud = baud;
	proxy_eventf(p, CAPTURE_EV_BAUD, CAPTURE_DIR_NONE, "side=host baud=%u from=termios", baud);
	p->in_harness = 1;
	session_harness(p->session, SESSION_HARNESS_BAUD, baud, loop_now());
	p->in_harness = 0;
	proxy_set_device_baud(p, baud, "termios");
}

static void
proxy_host_pty_cb(int fd, short revents, void *arg)
{
	struct proxy *p = arg;
	uint8_t *buf = p->host_rbuf;
	ssize_t n;
	int ctl, rounds;

	if (revents & POLLOUT)
		proxy_drain(p, LINK_D2H);
	if (p->host.pty == NULL || !(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	/* Open events first: data from a client that just opened belongs to it. */
	proxy_host_ino_read(p);
	for (rounds = 0; rounds < 64 && p->host.pty != NULL && !p->s[LINK_H2D].paused; rounds++) {
		n = pty_read(p->host.pty, buf, sizeof(p->host_rbuf), &ctl);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			/* EIO with our slave held: should not happen; treat as a hang-up. */
			proxy_warn(p, "%s: read: %s", p->host.slave_name, strerror(errno));
			break;
		}
		if (ctl & PTY_CTL_TERMIOS)
			proxy_host_check_baud(p);
		if (ctl & PTY_CTL_FLUSH)
			proxy_record(p, CAPTURE_EV_NOTE, CAPTURE_DIR_NONE,
			    "text=\"client flushed its buffers\"");
		if (n == 0)
			continue;
		if (p->host.clients == 0)
			proxy_host_ino_read(p);
		/*
		 * TIOCPKT_IOCTL reports termios changes while EXTPROC is set; a
		 * tool that clears it is still caught by this (cheap) poll, so
		 * the device never runs at a stale baud for long.
		 */
		if (loop_now() - p->host.baud_checked > PROXY_BAUD_POLL_NS) {
			p->host.baud_checked = loop_now();
			proxy_host_check_baud(p);
		}
		proxy_input(p, LINK_H2D, buf, (size_t)n);
		if ((size_t)n < sizeof(p->host_rbuf) - 1)
			break;		/* drained: skip the read that would say EAGAIN */
	}
}

/*
 * The proxy is ending: what the tool wrote and the proxy has not read yet is
 * read now and goes through the data path, which finds nobody to deliver
 * it to (p->exiting): it is recorded as sent and not delivered.
 */
void
proxy_host_drain_input(struct proxy *p)
{
	ssize_t n;
	int ctl, rounds;

	for (rounds = 0; rounds < 64 && p->host.kind == PROXY_HOST_PTY && p->host.pty != NULL;
	    rounds++) {
		n = pty_read(p->host.pty, p->host_rbuf, sizeof(p->host_rbuf), &ctl);
		if (n < 0)
			break;
		if (n > 0)
			proxy_input(p, LINK_H2D, p->host_rbuf, (size_t)n);
	}
}

/* ---- RFC 2217 server ------------------------------------------------------ */

static void
proxy_host_srv_data(const uint8_t *buf, size_t len, void *arg)
{
	proxy_input(arg, LINK_H2D, buf, len);
}

static void
proxy_host_srv_cmd(const struct rfc2217_cmd *cmd, const struct rfc2217_port *port, void *arg)
{
	struct proxy *p = arg;

	proxy_eventf(p, CAPTURE_EV_NOTE, CAPTURE_DIR_NONE, "text=\"rfc2217 %s %u\"",
	    rfc2217_code_name(cmd->code), cmd->value);
	switch (cmd->code) {
	case RFC2217_SET_BAUDRATE:
		if (cmd->value != 0)
			proxy_set_device_baud(p, cmd->value, "rfc2217");
		break;
	case RFC2217_SET_CONTROL:
		if (cmd->value == RFC2217_CTL_DTR_ON || cmd->value == RFC2217_CTL_DTR_OFF)
			proxy_client_control(p, RESET_LINE_DTR, cmd->value == RFC2217_CTL_DTR_ON);
		else if (cmd->value == RFC2217_CTL_RTS_ON || cmd->value == RFC2217_CTL_RTS_OFF)
			proxy_client_control(p, RESET_LINE_RTS, cmd->value == RFC2217_CTL_RTS_ON);
		break;
	case RFC2217_PURGE_DATA:
		if (cmd->value & RFC2217_PURGE_RX)
			proxy_discard_queue(p, LINK_D2H);
		if (cmd->value & RFC2217_PURGE_TX)
			proxy_discard_queue(p, LINK_H2D);
		break;
	default:
		break;
	}
}

static void
proxy_host_srv_open(const char *peer, void *arg)
{
	struct proxy *p = arg;

	p->host.esp_in_reset = 0;
	p->host.frozen = 0;
	proxy_dev_reset_cancel_release(p);
	p->host.clients = 1;
	proxy_host_want(p);
	proxy_client_opened(p);
}

static void
proxy_host_srv_close(const char *why, void *arg)
{
	struct proxy *p = arg;

	proxy_discard_queue(p, LINK_D2H);
	if (p->host.clients > 0) {
		p->host.clients = 0;
		proxy_client_closed(p);
	}
	proxy_client_left(p);
}

static void
proxy_host_srv_writable(void *arg)
{
	proxy_drain(arg, LINK_D2H);
}

static int
proxy_host_srv_up(struct proxy *p, char *err, size_t errlen)
{
	struct rfc2217_server_cbs cbs;

	if (p->host.srv == NULL) {
		cbs = (struct rfc2217_server_cbs) {
			.open_cb = proxy_host_srv_open,
			.close_cb = proxy_host_srv_close,
			.data_cb = proxy_host_srv_data,
			.cmd_cb = proxy_host_srv_cmd,
			.writable_cb = proxy_host_srv_writable,
			.arg = p,
		};
		p->host.srv = rfc2217_server_listen(p->loop, p->cfg.rfc2217, p->dev.baud, &cbs,
		    err, errlen);
		if (p->host.srv == NULL)
			return -1;
		snprintf(p->host.url, sizeof(p->host.url), "%s", rfc2217_server_url(p->host.srv));
	}
	rfc2217_server_set_baud(p->host.srv, p->dev.baud);
	rfc2217_server_refuse(p->host.srv, 0);
	p->host.up = 1;
	return 0;
}

/* ---- Common --------------------------------------------------------------- */

static int
proxy_host_pty_up(struct proxy *p, char *err, size_t errlen)
{
	struct pty *pt = p->host.pty;
	int fd;

	if (pt == NULL) {
		pt = pty_new(p->cfg.link, 1, err, errlen);
		if (pt == NULL)
			return -1;
		p->host.pty = pt;
	} else if (pty_reopen(pt, err, errlen) == -1)
		return -1;
	snprintf(p->host.slave_name, sizeof(p->host.slave_name), "%s", pty_slave_path(pt));
	/* Only the user running sliptap (and root) may open the port. */
	chmod(p->host.slave_name, 0600);
	fd = pty_slave_fd(pt);
	if (fd != -1 && p->dev.baud != 0)
		tty_set_baud(fd, p->dev.baud);
	p->host.baud = tty_get_baud(pty_master_fd(pt));
	p->host.clients = 0;
	if (proxy_host_ino_watch(p, err, errlen) == -1)
		return -1;
	p->host.mfd = loop_fd_add(p->loop, pty_master_fd(pt), POLLIN, proxy_host_pty_cb, p);
	p->host.up = 1;
	return 0;
}

int
proxy_host_open(struct proxy *p, char *err, size_t errlen)
{
	if (p->cfg.rfc2217 == NULL) {
		p->host.kind = PROXY_HOST_PTY;
		return proxy_host_pty_up(p, err, errlen);
	}
	p->host.kind = PROXY_HOST_RFC2217;
	return proxy_host_srv_up(p, err, errlen);
}

/* Tear the client side down; hangup = 1 leaves the pty object for a later reopen. */
void
proxy_host_close(struct proxy *p, int hangup)
{
	int had = p->host.clients > 0;

	if (p->host.kind == PROXY_HOST_RFC2217) {
		if (p->host.srv != NULL) {
			rfc2217_server_drop(p->host.srv, "hangup");
			rfc2217_server_refuse(p->host.srv, 1);
		}
		if (!hangup) {
			rfc2217_server_free(p->host.srv);
			p->host.srv = NULL;
		}
		p->host.up = 0;
		return;
	}
	if (p->host.mfd != NULL) {
		loop_fd_del(p->host.mfd);
		p->host.mfd = NULL;
	}
	if (p->host.ino != -1 && p->host.wd != -1) {
		proxy_host_ino_read(p);
		inotify_rm_watch(p->host.ino, p->host.wd);
		p->host.wd = -1;
	}
	if (p->host.pty != NULL) {
		if (hangup)
			pty_hangup(p->host.pty);
		else {
			pty_free(p->host.pty);
			p->host.pty = NULL;
		}
	}
	if (!hangup && p->host.ino != -1) {
		loop_fd_del(p->host.ifd);
		close(p->host.ino);
		p->host.ino = -1;
	}
	p->host.up = 0;
	p->host.clients = 0;
	if (had && hangup)
		proxy_client_closed(p);
	proxy_discard_queue(p, LINK_D2H);
}

ssize_t
proxy_host_write(struct proxy *p, const uint8_t *buf, size_t len)
{
	ssize_t n;

	if (!p->host.up) {
		p->host.discarded += len;
		return PROXY_WRITE_GONE;
	}
	if (p->host.kind == PROXY_HOST_RFC2217) {
		n = rfc2217_server_write(p->host.srv, buf, len);
		if (n == -2)
			p->host.discarded += len;
		return n;
	}
	if (p->host.clients == 0)
		proxy_host_ino_read(p);
	if (p->host.clients == 0) {
		/* Nobody has the port open: a real port drops what arrives (DISCARDED). */
		p->host.discarded += len;
		return PROXY_WRITE_GONE;
	}
	n = pty_write(p->host.pty, buf, len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return PROXY_WRITE_BLOCKED;
		return PROXY_WRITE_GONE;
	}
	return n;
}

void
proxy_host_want(struct proxy *p)
{
	short ev = 0;
	int read = !p->s[LINK_H2D].paused && !p->host.frozen;

	if (p->host.kind == PROXY_HOST_RFC2217) {
		if (p->host.srv == NULL)
			return;
		if (read)
			rfc2217_server_resume_read(p->host.srv);
		else
			rfc2217_server_pause_read(p->host.srv);
		return;
	}
	if (!p->s[LINK_H2D].paused)
		ev |= POLLIN;
	if (p->s[LINK_D2H].blocked)
		ev |= POLLOUT;
	if (p->host.mfd != NULL)
		loop_fd_set(p->host.mfd, ev);
}

unsigned
proxy_host_caps(const struct proxy *p)
{
	if (p->host.kind == PROXY_HOST_RFC2217)
		return CAP_FREEZE_WRITES | CAP_LINES | CAP_SET_BAUD | CAP_VANISH;
	return CAP_FREEZE_WRITES | CAP_SET_BAUD | CAP_VANISH | CAP_EXCLUSIVE;
}

/* ---- Hang-up primitives ----------------------------------------------------- */

int
proxy_freeze_host(struct proxy *p, int on)
{
	if (!p->host.up)
		return -1;
	if (p->host.kind == PROXY_HOST_RFC2217) {
		/* Stop reading its socket: once the kernel buffers fill, its writes block. */
		p->host.frozen = on;
		proxy_host_want(p);
		proxy_eventf(p, CAPTURE_EV_NOTE, CAPTURE_DIR_H2D, "text=\"host writes %s\"",
		    on ? "frozen (client socket no longer read)" : "thawed");
		return 0;
	}
	if (p->host.pty == NULL || pty_freeze(p->host.pty, on || p->host.held || p->dev.stopped) == -1)
		return -1;
	p->host.frozen = on;
	proxy_eventf(p, CAPTURE_EV_NOTE, CAPTURE_DIR_H2D, "text=\"host writes %s\"",
	    on ? "frozen (tcflow TCOOFF)" : "thawed");
	return 0;
}

/*
 * Back-pressure: the device takes nothing, so the tool's writes block (pty:
 * tcflow). A device seen flow-stopped (p->dev.stopped) holds them too.
 */
void
proxy_host_hold_writes(struct proxy *p, int on)
{
	p->host.held = on;
	if (p->host.kind == PROXY_HOST_PTY && p->host.pty != NULL && p->host.up)
		(void)pty_freeze(p->host.pty, on || p->host.frozen || p->dev.stopped);
}

static void
proxy_host_reappear_cb(void *arg)
{
	struct proxy *p = arg;
	char err[256];
	struct proxy_event ev;

	if (p->host.up || !p->dev.present)
		return;		/* the device's return recreates it */
	if (proxy_host_open(p, err, sizeof(err)) == -1) {
		proxy_warn(p, "cannot recreate the client side: %s", err);
		return;
	}
	p->host.hung = 0;
	proxy_eventf(p, CAPTURE_EV_PORT_OPEN, CAPTURE_DIR_NONE, "side=host port=%s reason=reappear",
	    proxy_host_name(p));
	memset(&ev, 0, sizeof(ev));
	ev.type = PROXY_EV_CLIENT_BACK;
	ev.now = loop_now();
	ev.dtr = ev.rts = -1;
	proxy_emit(p, &ev);
}

void
proxy_hangup_client(struct proxy *p, uint64_t reappear_ns)
{
	struct proxy_event ev;

	if (p->host.up) {
		proxy_eventf(p, CAPTURE_EV_HANGUP, CAPTURE_DIR_NONE, "side=host port=%s",
		    proxy_host_name(p));
		proxy_host_close(p, 1);
		memset(&ev, 0, sizeof(ev));
		ev.type = PROXY_EV_CLIENT_HANGUP;
		ev.now = loop_now();
		ev.dtr = ev.rts = -1;
		proxy_emit(p, &ev);
	}
	p->host.hung = 1;
	if (p->host.reappear == NULL)
		p->host.reappear = loop_timer_new(p->loop, proxy_host_reappear_cb, p);
	if (reappear_ns == PROXY_FOREVER)
		loop_timer_stop(p->host.reappear);
	else
		loop_timer_after(p->host.reappear, reappear_ns);
}
