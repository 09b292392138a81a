/*
 * proxy-host.c — the client side: a pty (include/pty.h) the flashing tool
 * opens, or an RFC 2217 server it connects to.
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
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "proxy-int.h"
#include "pty.h"
#include "tcp.h"
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

/*
 * pty_read() with a 64 KiB packet: one syscall per read however much the
 * tool wrote (the packet-mode status byte comes first, TIOCPKT_DATA = 0).
 */
static ssize_t
proxy_host_pty_read(struct proxy *p, uint8_t *pkt, size_t size, int *ctl)
{
	ssize_t n;

	*ctl = 0;
	n = read(pty_master_fd(p->host.pty), pkt, size);
	if (n <= 0)
		return n == 0 ? (errno = EAGAIN, -1) : -1;
	if (pkt[0] != TIOCPKT_DATA) {
		if (pkt[0] & TIOCPKT_IOCTL)
			*ctl |= PTY_CTL_TERMIOS;
		if (pkt[0] & (TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE))
			*ctl |= PTY_CTL_FLUSH;
		return 0;
	}
	return n - 1;
}

static void
proxy_host_pty_cb(int fd, short revents, void *arg)
{
	struct proxy *p = arg;
	uint8_t *pkt = p->host_rbuf, *buf = pkt + 1;
	ssize_t n;
	int ctl, rounds;

	if (revents & POLLOUT)
		proxy_drain(p, PROXY_D2H);
	if (p->host.pty == NULL || !(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	/* Open events first: data from a client that just opened belongs to it. */
	proxy_host_ino_read(p);
	for (rounds = 0; rounds < 64 && p->host.pty != NULL && !p->s[PROXY_H2D].paused; rounds++) {
		n = proxy_host_pty_read(p, pkt, sizeof(p->host_rbuf), &ctl);
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
		proxy_input(p, PROXY_H2D, buf, (size_t)n);
		if ((size_t)n < sizeof(p->host_rbuf) - 1)
			break;		/* drained: skip the read that would say EAGAIN */
	}
}

/* ---- RFC 2217 server ------------------------------------------------------ */

static void proxy_host_net_close(struct proxy *p, const char *why);

static void
proxy_host_net_flush(struct proxy *p)
{
	ssize_t n;

	while (p->host.cfd != -1 && p->host.net.len > 0) {
		n = send(p->host.cfd, p->host.net.b, p->host.net.len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			proxy_host_net_close(p, strerror(errno));
			return;
		}
		proxy_buf_consume(&p->host.net, (size_t)n);
	}
	proxy_host_want(p);
}

static void
proxy_host_net_out(const uint8_t *buf, size_t len, void *arg)
{
	struct proxy *p = arg;

	proxy_buf_add(&p->host.net, buf, len);
}

/* Client data decoded so far goes in first: it was sent before the command. */
static void
proxy_host_net_flush_in(struct proxy *p)
{
	size_t len = p->host.in_len;

	if (len == 0 || p->host.in_data == NULL)
		return;
	p->host.in_len = 0;
	proxy_input(p, PROXY_H2D, p->host.in_data, len);
}

/* --rfc2217-reset esp: esptool's esp_rfc2217_server for one DTR/RTS value. */
static void
proxy_host_esp_control(struct proxy *p, uint32_t value)
{
	switch (rfc2217_esp_control(&p->host.esp_in_reset, value)) {
	case RFC2217_ESP_DTR_OFF:
		proxy_set_device_lines(p, 0, -1, "rfc2217");
		break;
	case RFC2217_ESP_BOOTLOADER:
		proxy_eventf(p, CAPTURE_EV_NOTE, CAPTURE_DIR_NONE,
		    "text=\"rfc2217 esp server: DTR on: reset into download mode\"");
		proxy_reset_device(p, PROXY_RESET_UNIX_TIGHT);
		break;
	case RFC2217_ESP_HARD_RESET:
		proxy_eventf(p, CAPTURE_EV_NOTE, CAPTURE_DIR_NONE,
		    "text=\"rfc2217 esp server: RTS off: hard reset\"");
		proxy_reset_device(p, PROXY_RESET_HARD);
		break;
	case RFC2217_ESP_IGNORE:
		break;	/* part of a sequence the server plays itself */
	}
}

static void
proxy_host_net_cmd(const struct rfc2217_cmd *cmd, void *arg)
{
	struct proxy *p = arg;

	proxy_host_net_flush_in(p);
	proxy_eventf(p, CAPTURE_EV_NOTE, CAPTURE_DIR_NONE, "text=\"rfc2217 %s %u\"",
	    rfc2217_code_name(cmd->code), cmd->value);
	switch (cmd->code) {
	case RFC2217_SET_BAUDRATE:
		if (cmd->value != 0)
			proxy_set_device_baud(p, cmd->value, "rfc2217");
		break;
	case RFC2217_SET_CONTROL:
		if (!p->cfg.rfc2217_direct) {
			proxy_host_esp_control(p, cmd->value);
			break;
		}
		switch (cmd->value) {
		case RFC2217_CTL_DTR_ON:
		case RFC2217_CTL_DTR_OFF:
			proxy_set_device_lines(p, cmd->value == RFC2217_CTL_DTR_ON, -1, "rfc2217");
			break;
		case RFC2217_CTL_RTS_ON:
		case RFC2217_CTL_RTS_OFF:
			proxy_set_device_lines(p, -1, cmd->value == RFC2217_CTL_RTS_ON, "rfc2217");
			break;
		}
		break;
	case RFC2217_PURGE_DATA:
		if (cmd->value & RFC2217_PURGE_RX)
			proxy_discard_queue(p, PROXY_D2H);
		if (cmd->value & RFC2217_PURGE_TX)
			proxy_discard_queue(p, PROXY_H2D);
		break;
	default:
		break;
	}
}

static void
proxy_host_net_close(struct proxy *p, const char *why)
{
	if (p->host.cfd == -1)
		return;
	loop_fd_del(p->host.cfdh);
	p->host.cfdh = NULL;
	close(p->host.cfd);
	p->host.cfd = -1;
	rfc2217_free(p->host.codec);
	p->host.codec = NULL;
	proxy_buf_free(&p->host.net);
	proxy_discard_queue(p, PROXY_D2H);
	if (p->host.clients > 0) {
		p->host.clients = 0;
		proxy_client_closed(p);
	}
	/* A closed port drops DTR and RTS (as esp_rfc2217_server does). */
	p->host.esp_in_reset = 0;
	proxy_dev_release_lines(p);
}

static void
proxy_host_net_cb(int fd, short revents, void *arg)
{
	struct proxy *p = arg;
	uint8_t in[8192], data[8192];
	ssize_t n;
	size_t i;

	if (revents & POLLOUT) {
		proxy_host_net_flush(p);
		proxy_drain(p, PROXY_D2H);
	}
	if (p->host.cfd == -1 || !(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	n = recv(p->host.cfd, in, sizeof(in), 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		proxy_host_net_close(p, n == 0 ? "closed" : strerror(errno));
		return;
	}
	if (n < 0)
		return;
	/*
	 * A byte at a time, so that serial data and commands reach the device
	 * in the order the client sent them (proxy_host_net_cmd flushes the
	 * data decoded before the command first).
	 */
	p->host.in_data = data;
	p->host.in_len = 0;
	for (i = 0; i < (size_t)n && p->host.codec != NULL; i++)
		p->host.in_len += rfc2217_feed(p->host.codec, in + i, 1,
		    data + p->host.in_len);
	proxy_host_net_flush_in(p);
	p->host.in_data = NULL;
	p->host.in_len = 0;
	proxy_host_net_flush(p);
}

static void
proxy_host_accept_cb(int fd, short revents, void *arg)
{
	struct proxy *p = arg;
	int cfd;

	if ((cfd = tcp_accept(fd)) == -1)
		return;
	if (p->host.cfd != -1 || !p->host.up || !p->dev.present) {
		/* One client at a time; none while the port is "unplugged". */
		close(cfd);
		return;
	}
	p->host.cfd = cfd;
	p->host.esp_in_reset = 0;
	p->dev.rs_release = 0;
	p->host.codec = rfc2217_new(RFC2217_ROLE_SERVER, p->dev.baud, proxy_host_net_out,
	    proxy_host_net_cmd, p);
	p->host.cfdh = loop_fd_add(p->loop, cfd, POLLIN, proxy_host_net_cb, p);
	rfc2217_start(p->host.codec);
	proxy_host_net_flush(p);
	p->host.clients = 1;
	proxy_client_opened(p);
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
	char host[256], port[32];

	if (p->cfg.rfc2217 == NULL) {
		p->host.kind = PROXY_HOST_PTY;
		return proxy_host_pty_up(p, err, errlen);
	}
	p->host.kind = PROXY_HOST_RFC2217;
	if (p->host.lfd == -1) {
		if (tcp_split(p->cfg.rfc2217, "127.0.0.1", host, sizeof(host), port, sizeof(port),
		    err, errlen) == -1)
			return -1;
		p->host.lfd = tcp_listen(host, port, err, errlen);
		if (p->host.lfd == -1)
			return -1;
		if (tcp_local_name(p->host.lfd, host, sizeof(host)) == -1)
			snprintf(host, sizeof(host), "%s", p->cfg.rfc2217);
		snprintf(p->host.url, sizeof(p->host.url), "rfc2217://%s", host);
		p->host.lfdh = loop_fd_add(p->loop, p->host.lfd, POLLIN, proxy_host_accept_cb, p);
	}
	p->host.up = 1;
	return 0;
}

/* Tear the client side down; hangup = 1 leaves the pty object for a later reopen. */
void
proxy_host_close(struct proxy *p, int hangup)
{
	int had = p->host.clients > 0;

	if (p->host.kind == PROXY_HOST_RFC2217) {
		proxy_host_net_close(p, "hangup");
		if (!hangup && p->host.lfd != -1) {
			loop_fd_del(p->host.lfdh);
			close(p->host.lfd);
			p->host.lfd = -1;
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
	proxy_discard_queue(p, PROXY_D2H);
}

ssize_t
proxy_host_write(struct proxy *p, const uint8_t *buf, size_t len)
{
	ssize_t n;
	size_t take;
	uint8_t esc[2 * 16384];

	if (!p->host.up) {
		p->host.discarded += len;
		return PROXY_WRITE_GONE;
	}
	if (p->host.kind == PROXY_HOST_RFC2217) {
		if (p->host.cfd == -1) {
			p->host.discarded += len;
			return PROXY_WRITE_GONE;
		}
		if (p->host.net.len >= PROXY_NETBUF_MAX || (p->host.codec != NULL &&
		    rfc2217_port(p->host.codec)->suspended))
			return PROXY_WRITE_BLOCKED;
		take = len > 16384 ? 16384 : len;
		proxy_buf_add(&p->host.net, esc, rfc2217_escape(buf, take, esc));
		proxy_host_net_flush(p);
		return (ssize_t)take;
	}
	if (p->host.clients == 0)
		proxy_host_ino_read(p);
	if (p->host.clients == 0) {
		/* Nobody has the port open: a real port drops what arrives. */
		p->host.discarded += len;
		return (ssize_t)len;
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

	if (!p->s[PROXY_H2D].paused)
		ev |= POLLIN;
	if (p->host.kind == PROXY_HOST_PTY) {
		if (p->s[PROXY_D2H].blocked)
			ev |= POLLOUT;
		if (p->host.mfd != NULL)
			loop_fd_set(p->host.mfd, ev);
		return;
	}
	if (p->s[PROXY_D2H].blocked || p->host.net.len > 0)
		ev |= POLLOUT;
	if (p->host.cfdh != NULL)
		loop_fd_set(p->host.cfdh, ev);
}

/* ---- Hang-up primitives ----------------------------------------------------- */

int
proxy_freeze_host(struct proxy *p, int on)
{
	if (p->host.kind != PROXY_HOST_PTY || p->host.pty == NULL || !p->host.up)
		return -1;
	if (pty_freeze(p->host.pty, on || p->host.held) == -1)
		return -1;
	p->host.frozen = on;
	proxy_eventf(p, CAPTURE_EV_NOTE, CAPTURE_DIR_H2D, "text=\"host writes %s\"",
	    on ? "frozen (tcflow TCOOFF)" : "thawed");
	return 0;
}

/* Back-pressure: the device takes nothing, so the tool's writes block (pty: tcflow). */
void
proxy_host_hold_writes(struct proxy *p, int on)
{
	p->host.held = on;
	if (p->host.kind == PROXY_HOST_PTY && p->host.pty != NULL && p->host.up)
		(void)pty_freeze(p->host.pty, on || p->host.frozen);
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
