/*
 * simserve.c — `sliptap sim`'s serving (see simserve.h): a simhost with a
 * pty or the RFC 2217 server in front, on the one event loop.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>

#include "esp.h"
#include "loop.h"
#include "pty.h"
#include "reset-player.h"
#include "reset.h"
#include "rfc2217-server.h"
#include "simserve.h"
#include "util.h"

#define SIMSERVE_IN	4096
#define SIMSERVE_EIO_NS	(10 * NS_PER_MS)	/* no slave side: look again after this */

struct simserve {
	const struct simserve_config *cfg;
	struct loop	*loop;
	struct simhost	*h;
	uint64_t	 t0;
	int		 signo;
	/* pty */
	struct pty	*pty;
	struct loop_fd	*mfd;
	struct loop_timer *eio;
	int		 eio_wait;
	uint32_t	 client_baud;
	/* rfc2217 */
	struct rfc2217_server *srv;
	unsigned long	 clients;
	int		 esp_download;		/* EspPortManager.is_download_mode */
	struct reset_player *rs;		/* resets the esp server plays */
	int		 release_after;		/* the client left during a reset */
};

static void simserve_logf(struct simserve *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
simserve_logf(struct simserve *s, const char *fmt, ...)
{
	va_list ap;

	fprintf(s->cfg->log, "[%8.3f] ", (double)(loop_now() - s->t0) / NS_PER_SEC);
	va_start(ap, fmt);
	vfprintf(s->cfg->log, fmt, ap);
	va_end(ap);
	fputc('\n', s->cfg->log);
	fflush(s->cfg->log);
}

static void
simserve_log_cb(const char *line, void *arg)
{
	simserve_logf(arg, "%s", line);
}

static void
simserve_signal(int signo, void *arg)
{
	struct simserve *s = arg;

	s->signo = signo;
	loop_break(s->loop);
}

/* ---- pty ------------------------------------------------------------------ */

/* Poll for input when the device takes it, for output when `out` (-1: as now). */
static void
simserve_pty_want(struct simserve *s, int out)
{
	short ev = 0;

	if (s->mfd == NULL)
		return;
	if (out == -1)
		out = (loop_fd_events(s->mfd) & POLLOUT) != 0;
	if (!simhost_stalled(s->h) && !s->eio_wait && simhost_input_room(s->h) > 0)
		ev |= POLLIN;
	if (out)
		ev |= POLLOUT;
	loop_fd_set(s->mfd, ev);
}

static size_t
simserve_pty_out(const uint8_t *buf, size_t len, void *arg)
{
	struct simserve *s = arg;
	ssize_t n;

	if (pty_master_fd(s->pty) < 0)
		return 0;	/* hung up: the model keeps it */
	n = pty_write(s->pty, buf, len);
	if (n < 0) {
		if (errno == EIO)
			return len;	/* nothing on the other side; a UART loses the bytes */
		if (errno != EAGAIN && errno != EINTR)
			simserve_logf(s, "pty write: %s", strerror(errno));
		n = 0;
	}
	if ((size_t)n < len)
		simserve_pty_want(s, 1);
	return (size_t)n;
}

static void
simserve_pty_read(struct simserve *s)
{
	uint8_t buf[SIMSERVE_IN + 1];
	size_t room = simhost_input_room(s->h);
	ssize_t n;
	uint32_t b;
	int ctl;

	if (room > SIMSERVE_IN)
		room = SIMSERVE_IN;
	if (room == 0)
		return;
	n = pty_read(s->pty, buf, room + 1, &ctl);
	if (n > 0)
		simhost_input(s->h, buf, (size_t)n);
	else if (n < 0 && errno == EIO) {
		/* no slave side at the moment: do not spin */
		s->eio_wait = 1;
		loop_timer_after(s->eio, SIMSERVE_EIO_NS);
	} else if (n < 0 && errno != EAGAIN && errno != EINTR)
		simserve_logf(s, "pty read: %s", strerror(errno));
	if ((ctl & PTY_CTL_TERMIOS) && (b = pty_client_baud(s->pty)) != 0 &&
	    b != s->client_baud) {
		s->client_baud = b;
		if (s->cfg->verbose)
			simserve_logf(s, "client set %u baud (device at %u)", b,
			    sim_device_baud(simhost_device(s->h)));
	}
}

static void
simserve_pty_cb(int fd, short revents, void *arg)
{
	struct simserve *s = arg;

	if (revents & POLLOUT) {
		simserve_pty_want(s, 0);
		simhost_kick(s->h);
	}
	if (s->mfd != NULL && (revents & (POLLIN | POLLHUP | POLLERR)) &&
	    !simhost_stalled(s->h) && !s->eio_wait)
		simserve_pty_read(s);
	simserve_pty_want(s, -1);
}

static void
simserve_eio_cb(void *arg)
{
	struct simserve *s = arg;

	s->eio_wait = 0;
	simserve_pty_want(s, -1);
}

static void
simserve_pty_usb(enum simhost_usb ev, void *arg)
{
	struct simserve *s = arg;
	char err[256];

	switch (ev) {
	case SIMHOST_USB_STALL:
		/*
		 * The device stopped taking data: freeze the client's writes
		 * (tcflow), so its next write blocks whatever its size and
		 * pySerial raises "Write timeout". The new pair after the
		 * hang-up starts unfrozen.
		 */
		if (pty_freeze(s->pty, 1) < 0)
			simserve_logf(s, "freezing the port: %s", strerror(errno));
		simserve_logf(s, "port stalled (frozen: the client's next write blocks)");
		simserve_pty_want(s, -1);
		break;
	case SIMHOST_USB_GONE:
		loop_fd_del(s->mfd);
		s->mfd = NULL;
		pty_hangup(s->pty);
		simserve_logf(s, "port hung up (USB device gone)");
		break;
	case SIMHOST_USB_BACK:
		if (pty_reopen(s->pty, err, sizeof(err)) < 0) {
			simserve_logf(s, "re-enumeration failed: %s", err);
			s->signo = SIGTERM;
			loop_break(s->loop);
			return;
		}
		s->mfd = loop_fd_add(s->loop, pty_master_fd(s->pty), POLLIN, simserve_pty_cb, s);
		simserve_logf(s, "USB device back on %s%s%s%s", pty_slave_path(s->pty),
		    pty_link_path(s->pty) ? " (link " : "",
		    pty_link_path(s->pty) ? pty_link_path(s->pty) : "",
		    pty_link_path(s->pty) ? ")" : "");
		break;
	}
}

static void
simserve_pty_room(void *arg)
{
	simserve_pty_want(arg, -1);
}

static void
simserve_pty_up(struct simserve *s)
{
	struct simhost_cbs cbs;

	s->eio = loop_timer_new(s->loop, simserve_eio_cb, s);
	s->mfd = loop_fd_add(s->loop, pty_master_fd(s->pty), POLLIN, simserve_pty_cb, s);
	cbs = (struct simhost_cbs) {
		.out_cb = simserve_pty_out,
		.room_cb = simserve_pty_room,
		.usb_cb = simserve_pty_usb,
		.arg = s,
	};
	simhost_set_cbs(s->h, &cbs);
}

/* ---- RFC 2217 ------------------------------------------------------------- */

static void
simserve_rs_step(const struct reset_step *st, void *arg)
{
	simhost_set_lines(((struct simserve *)arg)->h, st->dtr, st->rts);
}

static void
simserve_rs_done(void *arg)
{
	struct simserve *s = arg;

	if (s->release_after) {
		s->release_after = 0;
		simhost_set_lines(s->h, 0, 0);
	}
}

static void
simserve_net_lines(struct simserve *s, uint32_t v, const struct rfc2217_port *port)
{
	enum reset_line line = v <= RFC2217_CTL_DTR_OFF ? RESET_LINE_DTR : RESET_LINE_RTS;
	int on = v == RFC2217_CTL_DTR_ON || v == RFC2217_CTL_RTS_ON;

	if (s->cfg->verbose)
		simserve_logf(s, "client: %s %s", line == RESET_LINE_DTR ? "DTR" : "RTS",
		    on ? "on" : "off");
	if (!s->cfg->esp_reset) {
		simhost_set_lines(s->h, port->dtr == 1, port->rts == 1);
		return;
	}
	switch (reset_esp_control(&s->esp_download, line, on)) {
	case RESET_ESP_DTR_OFF:
		simhost_set_lines(s->h, 0, -1);
		break;
	case RESET_ESP_HARD_RESET:
		simserve_logf(s, "RTS off: hard reset (EN low for 100 ms)");
		reset_player_start(s->rs, RESET_HARD);
		break;
	case RESET_ESP_BOOTLOADER:
		simserve_logf(s, "DTR on: reset into download mode (unix-tight sequence)");
		reset_player_start(s->rs, RESET_UNIX_TIGHT);
		break;
	case RESET_ESP_IGNORE:
		break;	/* part of a sequence the server plays itself */
	}
}

static void
simserve_net_cmd(const struct rfc2217_cmd *cmd, const struct rfc2217_port *port, void *arg)
{
	struct simserve *s = arg;

	switch (cmd->code) {
	case RFC2217_SET_BAUDRATE:
		if (port->baud != s->client_baud) {
			s->client_baud = port->baud;
			if (s->cfg->verbose)
				simserve_logf(s, "client set %u baud (device at %u)", port->baud,
				    sim_device_baud(simhost_device(s->h)));
		}
		break;
	case RFC2217_SET_CONTROL:
		if (cmd->value >= RFC2217_CTL_DTR_ON && cmd->value <= RFC2217_CTL_RTS_OFF &&
		    cmd->value != RFC2217_CTL_REQ_RTS)
			simserve_net_lines(s, cmd->value, port);
		break;
	case RFC2217_PURGE_DATA:
		if (s->cfg->verbose)
			simserve_logf(s, "client: purge %s", cmd->value == RFC2217_PURGE_RX ?
			    "receive buffer" : cmd->value == RFC2217_PURGE_TX ?
			    "transmit buffer" : "both buffers");
		/* Our receive buffer is the device output not yet sent; input is taken at once. */
		if (cmd->value == RFC2217_PURGE_RX || cmd->value == RFC2217_PURGE_BOTH)
			simhost_drop_output(s->h);
		break;
	default:
		break;
	}
}

static void
simserve_net_data(const uint8_t *buf, size_t len, void *arg)
{
	struct simserve *s = arg;

	simhost_input(s->h, buf, len);	/* never more than room_cb said */
}

static size_t
simserve_net_room(void *arg)
{
	struct simserve *s = arg;

	return simhost_input_room(s->h);
}

static void
simserve_net_open(const char *peer, void *arg)
{
	struct simserve *s = arg;

	s->clients++;
	s->client_baud = 0;
	s->esp_download = 0;
	s->release_after = 0;
	simserve_logf(s, "client %lu connected from %s", s->clients, peer);
}

static void
simserve_net_close(const char *why, void *arg)
{
	struct simserve *s = arg;

	simserve_logf(s, "client %lu gone (%s); DTR and RTS released", s->clients, why);
	/* A closed port drops DTR and RTS (HUPCL): a held reset ends (after one in progress). */
	if (reset_player_busy(s->rs))
		s->release_after = 1;
	else
		simhost_set_lines(s->h, 0, 0);
}

static size_t
simserve_net_out(const uint8_t *buf, size_t len, void *arg)
{
	struct simserve *s = arg;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = rfc2217_server_write(s->srv, buf + done, len - done);
		if (n == -2)
			return len;	/* nobody connected: a UART nobody listens to */
		if (n < 0)
			break;		/* writable_cb kicks the host */
		done += (size_t)n;
	}
	return done;
}

static void
simserve_net_writable(void *arg)
{
	simhost_kick(((struct simserve *)arg)->h);
}

static void
simserve_net_room_back(void *arg)
{
	rfc2217_server_resume_read(((struct simserve *)arg)->srv);
}

static void
simserve_net_usb(enum simhost_usb ev, void *arg)
{
	struct simserve *s = arg;

	switch (ev) {
	case SIMHOST_USB_STALL:
		rfc2217_server_pause_read(s->srv);
		simserve_logf(s, "the client is no longer read");
		break;
	case SIMHOST_USB_GONE:
		rfc2217_server_refuse(s->srv, 1);
		rfc2217_server_drop(s->srv, "USB device gone");
		break;
	case SIMHOST_USB_BACK:
		rfc2217_server_refuse(s->srv, 0);
		simserve_logf(s, "USB device back on %s", rfc2217_server_url(s->srv));
		break;
	}
}

/* Listen (before the device exists: a port in use fails before any log). */
static int
simserve_net_listen(struct simserve *s)
{
	struct rfc2217_server_cbs scbs;
	char err[512];

	scbs = (struct rfc2217_server_cbs) {
		.open_cb = simserve_net_open,
		.close_cb = simserve_net_close,
		.data_cb = simserve_net_data,
		.cmd_cb = simserve_net_cmd,
		.writable_cb = simserve_net_writable,
		.room_cb = simserve_net_room,
		.arg = s,
	};
	s->srv = rfc2217_server_listen(s->loop, s->cfg->rfc2217,
	    s->cfg->host.sim.baud ? s->cfg->host.sim.baud : ESP_DEFAULT_BAUD, &scbs, err, sizeof(err));
	if (s->srv == NULL) {
		fprintf(stderr, "sliptap sim: --rfc2217: %s\n", err);
		return -1;
	}
	rfc2217_server_set_modemstate(s->srv, RFC2217_MODEM_CTS | RFC2217_MODEM_DSR);
	return 0;
}

static void
simserve_net_up(struct simserve *s)
{
	struct simhost_cbs cbs;

	s->rs = reset_player_new(s->loop, simserve_rs_step, simserve_rs_done, s);
	cbs = (struct simhost_cbs) {
		.out_cb = simserve_net_out,
		.room_cb = simserve_net_room_back,
		.usb_cb = simserve_net_usb,
		.arg = s,
	};
	simhost_set_cbs(s->h, &cbs);
}

/* ---- Life ----------------------------------------------------------------- */

static void
simserve_stats(struct simserve *s)
{
	const struct sim_stats *st = sim_device_stats(simhost_device(s->h));

	simserve_logf(s, "%llu commands, %llu bad frames, %llu bytes in, %llu out, "
	    "%llu flash bytes written, %llu resets, %llu watchdog resets",
	    (unsigned long long)st->commands, (unsigned long long)st->bad_frames,
	    (unsigned long long)st->bytes_in, (unsigned long long)st->bytes_out,
	    (unsigned long long)st->flash_written, (unsigned long long)st->resets,
	    (unsigned long long)st->wdt_fires);
	simserve_logf(s, "wire time: in %.3f s, out %.3f s", (double)st->wire_in_ns / NS_PER_SEC,
	    (double)st->wire_out_ns / NS_PER_SEC);
}

int
simserve_run(const struct simserve_config *c)
{
	struct simserve s;
	struct simhost_config hc = c->host;
	const struct sim_config *sc = &c->host.sim;
	char err[512];
	int rc = 1;

	s = (struct simserve) {
		.cfg = c,
		.t0 = loop_now(),
		.loop = loop_new(),
	};
	hc.log_cb = simserve_log_cb;
	hc.log_arg = &s;
	loop_signal(s.loop, SIGINT, simserve_signal, &s);
	loop_signal(s.loop, SIGTERM, simserve_signal, &s);
	loop_signal(s.loop, SIGHUP, simserve_signal, &s);
	signal(SIGPIPE, SIG_IGN);
	if (c->rfc2217 != NULL) {
		if (simserve_net_listen(&s) == -1)
			goto out;
	} else if ((s.pty = pty_new(c->link, 1, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sliptap sim: %s\n", err);
		goto out;
	}
	if ((s.h = simhost_new(s.loop, &hc, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sliptap sim: %s\n", err);
		goto out;
	}
	if (s.srv != NULL)
		simserve_net_up(&s);
	else
		simserve_pty_up(&s);
	if (sc->transport == SIM_TRANSPORT_USB_JTAG)
		simserve_logf(&s, "RTC watchdog: %s; vanish after %.3f s, re-enumerate after %.3f s",
		    sc->wdt_timeout_ns ? "armed in download mode" : "off",
		    (double)c->host.vanish_ns / NS_PER_SEC, (double)c->host.reenum_ns / NS_PER_SEC);
	printf("sliptap sim: %s (%s) on %s", sim_chip_name(sc->chip),
	    sim_transport_name(sc->transport),
	    s.srv != NULL ? rfc2217_server_url(s.srv) : pty_slave_path(s.pty));
	if (c->link != NULL)
		printf(" (link %s)", c->link);
	printf("\n");
	fflush(stdout);
	if (loop_run(s.loop) == -1 && s.signo == 0)
		simserve_logf(&s, "event loop: %s", strerror(errno));
	else
		rc = 0;
	if (s.signo != 0)
		simserve_logf(&s, "signal %d: exiting", s.signo);
	simserve_stats(&s);
out:
	rfc2217_server_free(s.srv);
	loop_fd_del(s.mfd);
	pty_free(s.pty);
	loop_timer_free(s.eio);
	reset_player_free(s.rs);
	simhost_free(s.h);
	loop_free(s.loop);
	return rc;
}
