/*
 * sim-net.c — the simulated device behind an RFC 2217 server (see
 * sim-net.h). A poll loop over the listening socket and at most one
 * client; the shared codec (rfc2217.h, server role) turns the client's
 * bytes into serial data and port commands, and everything we send
 * (answers and escaped device output) goes through one buffer in order.
 *
 * Input is fed to the codec a byte at a time so that serial data and
 * SET-CONTROL commands reach the device in the order the client sent
 * them: bytes written before a reset are taken before the reset.
 *
 * Two ways to treat DTR/RTS (sim_net_params.esp_reset):
 *  - direct: every SET-CONTROL reaches the circuit when it arrives (ser2net,
 *    pySerial's rfc2217_server). pySerial's client waits >= 50 ms for each
 *    answer, so the classic sequence passes DTR=RTS=1 long enough for EN
 *    to rise with IO0 high: the chip boots from flash, as a real board
 *    does behind such a server. Latch-based logic (USB-Serial/JTAG) works.
 *  - esp: esptool's esp_rfc2217_server (EspPortManager): a DTR-on outside a
 *    reset starts the unix-tight reset into download mode with board
 *    timings, an RTS-off outside it a hard reset, a DTR-off is applied and
 *    ends the reset window; other line changes are ignored. Opening the
 *    port with DTR asserted (pySerial's default) therefore resets too.
 */
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rfc2217.h"
#include "sim-net.h"
#include "sim.h"
#include "tcp.h"
#include "util.h"

#define SIM_NET_NS		1000000000ULL
#define SIM_NET_OUT_HIGH	(64 * 1024)	/* stop taking device output above this */
#define SIM_NET_IN_CHUNK	4096
#define SIM_NET_MS		1000000ULL
#define SIM_NET_STEPS		8

/* One scheduled change of the lines (-1 keeps a line). */
struct sim_net_step {
	uint64_t	 at;
	int		 dtr, rts;
};

struct sim_net {
	int		 lfd;
	int		 cfd;
	char		 url[320];
	char		 peer[96];
	struct rfc2217	*codec;
	const struct sim_net_params *p;
	uint64_t	 now;
	/* to the client: answers and escaped data, in order */
	uint8_t		*out;
	size_t		 out_len, out_size;
	/* client data decoded but not yet given to the device */
	uint8_t		 pend[SIM_NET_IN_CHUNK];
	size_t		 pend_len;
	uint32_t	 client_baud;
	unsigned long	 clients;
	/* USB-Serial/JTAG detach */
	int		 stalled;	/* device gone: the client is not read */
	int		 gone;		/* no client is accepted */
	uint64_t	 hangup_at, reattach_at;
	/* the circuit's lines and the esp-mode reset in progress */
	int		 dtr, rts;
	int		 esp_download;	/* EspPortManager.is_download_mode */
	struct sim_net_step steps[SIM_NET_STEPS];
	size_t		 nsteps, step_i;
	int		 release_after;	/* the client left during a reset: release after it */
};

static void sim_net_logf(struct sim_net *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static uint64_t
sim_net_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * SIM_NET_NS + (uint64_t)ts.tv_nsec;
}

static void
sim_net_logf(struct sim_net *n, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n->p->log_cb(line, n->p->arg);
}

struct sim_net *
sim_net_listen(const char *spec, char *err, size_t errlen)
{
	struct sim_net *n;
	char host[256], port[32], name[300];
	int fd;

	if (tcp_split(spec, "127.0.0.1", host, sizeof(host), port, sizeof(port), err,
	    errlen) == -1)
		return NULL;
	if ((fd = tcp_listen(host, port, err, errlen)) == -1)
		return NULL;
	n = xcalloc(1, sizeof(*n));
	n->lfd = fd;
	n->cfd = -1;
	if (tcp_local_name(fd, name, sizeof(name)) == -1)
		snprintf(name, sizeof(name), "%s:%s", host, port);
	snprintf(n->url, sizeof(n->url), "rfc2217://%s", name);
	return n;
}

const char *
sim_net_url(const struct sim_net *n)
{
	return n->url;
}

void
sim_net_free(struct sim_net *n)
{
	if (n == NULL)
		return;
	if (n->cfd != -1)
		close(n->cfd);
	if (n->lfd != -1)
		close(n->lfd);
	rfc2217_free(n->codec);
	free(n->out);
	free(n);
}

static void
sim_net_queue(struct sim_net *n, const uint8_t *buf, size_t len)
{
	if (n->out_len + len > n->out_size) {
		size_t sz = n->out_size ? n->out_size : 4096;

		while (sz < n->out_len + len)
			sz *= 2;
		n->out = xrealloc(n->out, sz);
		n->out_size = sz;
	}
	memcpy(n->out + n->out_len, buf, len);
	n->out_len += len;
}

static void
sim_net_codec_out(const uint8_t *buf, size_t len, void *arg)
{
	struct sim_net *n = arg;

	if (n->cfd != -1)
		sim_net_queue(n, buf, len);
}

/* Client data decoded so far goes to the device (before a command is applied). */
static void
sim_net_flush_in(struct sim_net *n)
{
	if (n->pend_len == 0)
		return;
	sim_device_input(n->p->dev, n->pend, n->pend_len, n->now);
	n->pend_len = 0;
}

/* Device output not yet on the network is lost (PURGE-DATA, no client). */
static void
sim_net_drop_output(struct sim_net *n)
{
	uint8_t scratch[4096];

	while (sim_device_output(n->p->dev, scratch, sizeof(scratch), n->now) > 0)
		;
}

static void
sim_net_lines(struct sim_net *n, int dtr, int rts)
{
	if (dtr != -1)
		n->dtr = dtr;
	if (rts != -1)
		n->rts = rts;
	sim_device_set_lines(n->p->dev, n->dtr, n->rts, n->now);
}

/* Run the scheduled line changes due by now. */
static void
sim_net_steps(struct sim_net *n)
{
	while (n->step_i < n->nsteps && n->steps[n->step_i].at <= n->now) {
		const struct sim_net_step *st = &n->steps[n->step_i++];

		sim_net_lines(n, st->dtr, st->rts);
	}
	if (n->step_i == n->nsteps) {
		n->nsteps = n->step_i = 0;
		if (n->release_after) {
			n->release_after = 0;
			sim_net_lines(n, 0, 0);
		}
	}
}

static uint64_t
sim_net_steps_deadline(const struct sim_net *n)
{
	return n->step_i < n->nsteps ? n->steps[n->step_i].at : UINT64_MAX;
}

/* Replace the scheduled changes with `seq` (delays in ms from now) and run what is due. */
static void
sim_net_schedule(struct sim_net *n, const struct sim_net_step *seq, size_t len)
{
	size_t i;

	n->nsteps = n->step_i = 0;
	for (i = 0; i < len && i < SIM_NET_STEPS; i++) {
		n->steps[i] = seq[i];
		n->steps[i].at = n->now + seq[i].at * SIM_NET_MS;
	}
	n->nsteps = i;
	sim_net_steps(n);
}

/* esp_rfc2217_server's handling of one SET-CONTROL DTR/RTS value. */
static void
sim_net_esp_control(struct sim_net *n, uint32_t v)
{
	/* esptool's UnixTightReset (0.05 s) and HardReset, as run by the server */
	static const struct sim_net_step tight[] = {
		{ 0, 0, 0 }, { 0, 1, 1 }, { 0, 0, 1 }, { 100, 1, 0 }, { 150, 0, 0 },
	};
	static const struct sim_net_step hard[] = {
		{ 0, -1, 1 }, { 100, -1, 0 },
	};

	switch (rfc2217_esp_control(&n->esp_download, v)) {
	case RFC2217_ESP_DTR_OFF:
		sim_net_lines(n, 0, -1);
		break;
	case RFC2217_ESP_HARD_RESET:
		sim_net_logf(n, "RTS off: hard reset (EN low for 100 ms)");
		sim_net_schedule(n, hard, nitems(hard));
		break;
	case RFC2217_ESP_BOOTLOADER:
		sim_net_logf(n, "DTR on: reset into download mode (unix-tight sequence)");
		sim_net_schedule(n, tight, nitems(tight));
		break;
	case RFC2217_ESP_IGNORE:
		/* part of a sequence the server plays itself */
		break;
	}
}

static void
sim_net_cmd(const struct rfc2217_cmd *cmd, void *arg)
{
	struct sim_net *n = arg;
	const struct rfc2217_port *port = rfc2217_port(n->codec);
	struct sim_device *dev = n->p->dev;

	sim_net_flush_in(n);
	switch (cmd->code) {
	case RFC2217_SET_BAUDRATE:
		if (port->baud != n->client_baud) {
			n->client_baud = port->baud;
			if (n->p->verbose)
				sim_net_logf(n, "client set %u baud (device at %u)",
				    port->baud, sim_device_baud(dev));
		}
		break;
	case RFC2217_SET_CONTROL:
		if (cmd->value != RFC2217_CTL_DTR_ON && cmd->value != RFC2217_CTL_DTR_OFF &&
		    cmd->value != RFC2217_CTL_RTS_ON && cmd->value != RFC2217_CTL_RTS_OFF)
			break;
		if (n->p->verbose)
			sim_net_logf(n, "client: %s %s", cmd->value <= RFC2217_CTL_DTR_OFF ?
			    "DTR" : "RTS", cmd->value == RFC2217_CTL_DTR_ON ||
			    cmd->value == RFC2217_CTL_RTS_ON ? "on" : "off");
		if (n->p->esp_reset)
			sim_net_esp_control(n, cmd->value);
		else
			sim_net_lines(n, port->dtr == 1, port->rts == 1);
		break;
	case RFC2217_PURGE_DATA:
		if (n->p->verbose)
			sim_net_logf(n, "client: purge %s", cmd->value == RFC2217_PURGE_RX ?
			    "receive buffer" : cmd->value == RFC2217_PURGE_TX ?
			    "transmit buffer" : "both buffers");
		/* Our receive buffer is the device output not yet sent; the device takes input at once. */
		if (cmd->value == RFC2217_PURGE_RX || cmd->value == RFC2217_PURGE_BOTH)
			sim_net_drop_output(n);
		break;
	default:
		break;
	}
}

static void
sim_net_peer(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char h[64], s[16];

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, sl, h, sizeof(h), s, sizeof(s),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, "%s:%s", h, s);
}

static void
sim_net_accept(struct sim_net *n)
{
	int fd;

	if ((fd = tcp_accept(n->lfd)) == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			sim_net_logf(n, "accept: %s", strerror(errno));
		return;
	}
	if (n->cfd != -1 || n->gone) {
		sim_net_logf(n, "refused a client: %s", n->gone ? "the USB device is gone" :
		    "one client at a time");
		close(fd);
		return;
	}
	n->cfd = fd;
	n->clients++;
	n->out_len = 0;
	n->pend_len = 0;
	n->client_baud = 0;
	n->esp_download = 0;
	n->release_after = 0;
	sim_net_peer(fd, n->peer, sizeof(n->peer));
	n->codec = rfc2217_new(RFC2217_ROLE_SERVER, sim_device_baud(n->p->dev),
	    sim_net_codec_out, sim_net_cmd, n);
	rfc2217_set_modemstate(n->codec, RFC2217_MODEM_CTS | RFC2217_MODEM_DSR);
	rfc2217_start(n->codec);
	sim_net_logf(n, "client %lu connected from %s", n->clients, n->peer);
}

static void
sim_net_drop_client(struct sim_net *n, const char *why)
{
	if (n->cfd == -1)
		return;
	sim_net_flush_in(n);
	close(n->cfd);
	n->cfd = -1;
	rfc2217_free(n->codec);
	n->codec = NULL;
	n->out_len = 0;
	sim_net_logf(n, "client %lu gone (%s); DTR and RTS released", n->clients, why);
	/* A closed port drops DTR and RTS (HUPCL): a held reset ends (after one in progress). */
	if (n->nsteps > 0)
		n->release_after = 1;
	else
		sim_net_lines(n, 0, 0);
}

static void
sim_net_read(struct sim_net *n)
{
	uint8_t ibuf[SIM_NET_IN_CHUNK];
	size_t room = sim_device_input_room(n->p->dev), i;
	ssize_t r;

	if (room > sizeof(ibuf))
		room = sizeof(ibuf);
	if (room == 0)
		return;
	r = read(n->cfd, ibuf, room);
	if (r == 0) {
		sim_net_drop_client(n, "closed");
		return;
	}
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		sim_net_drop_client(n, strerror(errno));
		return;
	}
	for (i = 0; i < (size_t)r && n->codec != NULL; i++) {
		n->pend_len += rfc2217_feed(n->codec, ibuf + i, 1, n->pend + n->pend_len);
		if (n->pend_len == sizeof(n->pend))
			sim_net_flush_in(n);
	}
	sim_net_flush_in(n);
}

static void
sim_net_write(struct sim_net *n)
{
	ssize_t w;

	if (n->cfd == -1 || n->out_len == 0)
		return;
	w = write(n->cfd, n->out, n->out_len);
	if (w < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		sim_net_drop_client(n, strerror(errno));
		return;
	}
	memmove(n->out, n->out + w, n->out_len - (size_t)w);
	n->out_len -= (size_t)w;
}

/* Device output to the client (escaped), or lost while nobody is connected. */
static void
sim_net_pump(struct sim_net *n)
{
	uint8_t buf[4096], esc[2 * sizeof(buf)];
	size_t got;

	if (n->cfd == -1) {
		sim_net_drop_output(n);
		return;
	}
	while (n->out_len < SIM_NET_OUT_HIGH &&
	    (got = sim_device_output(n->p->dev, buf, sizeof(buf), n->now)) > 0)
		sim_net_queue(n, esc, rfc2217_escape(buf, got, esc));
}

static void
sim_net_timers(struct sim_net *n)
{
	const struct sim_net_params *p = n->p;

	if (p->detach_pending != NULL && *p->detach_pending) {
		*p->detach_pending = 0;
		n->stalled = 1;
		n->hangup_at = n->now + p->vanish_ns;
		if (n->hangup_at == 0)
			n->hangup_at = 1;
		sim_net_logf(n, "USB device stalled (the client is no longer read); "
		    "connection dropped in %.3f s", (double)p->vanish_ns / SIM_NET_NS);
	}
	if (n->hangup_at != 0 && n->now >= n->hangup_at) {
		n->hangup_at = 0;
		n->gone = 1;
		n->stalled = 0;
		if (n->cfd != -1) {
			close(n->cfd);
			n->cfd = -1;
			rfc2217_free(n->codec);
			n->codec = NULL;
			n->out_len = n->pend_len = 0;
		}
		n->reattach_at = n->now + p->reenum_ns;
		if (n->reattach_at == 0)
			n->reattach_at = 1;
		sim_net_logf(n, "USB device gone: connection dropped; back in %.3f s",
		    (double)p->reenum_ns / SIM_NET_NS);
	}
	if (n->reattach_at != 0 && n->now >= n->reattach_at) {
		n->reattach_at = 0;
		n->gone = 0;
		sim_net_logf(n, "USB device back on %s", n->url);
		sim_device_usb_attach(p->dev, n->now);
	}
}

int
sim_net_run(struct sim_net *n, const struct sim_net_params *p)
{
	n->p = p;
	while (!*p->quit) {
		struct pollfd pfd[2];
		struct timespec ts, *tsp = NULL;
		uint64_t deadline;
		nfds_t nfds = 0;
		int ci = -1;

		n->now = sim_net_clock();
		sim_net_steps(n);
		sim_device_tick(p->dev, n->now);
		sim_net_timers(n);
		sim_net_pump(n);
		sim_net_write(n);

		deadline = sim_device_next_deadline(p->dev);
		if (n->hangup_at != 0 && n->hangup_at < deadline)
			deadline = n->hangup_at;
		if (n->reattach_at != 0 && n->reattach_at < deadline)
			deadline = n->reattach_at;
		if (sim_net_steps_deadline(n) < deadline)
			deadline = sim_net_steps_deadline(n);
		if (n->cfd != -1 && n->out_len < SIM_NET_OUT_HIGH &&
		    sim_device_output_pending(p->dev) > 0 && deadline > n->now + 1000000)
			deadline = n->now + 1000000;	/* output that did not fit: soon */
		if (deadline != UINT64_MAX) {
			uint64_t d = deadline > n->now ? deadline - n->now : 0;

			ts.tv_sec = (time_t)(d / SIM_NET_NS);
			ts.tv_nsec = (long)(d % SIM_NET_NS);
			tsp = &ts;
		}
		pfd[nfds].fd = n->lfd;
		pfd[nfds].events = POLLIN;
		pfd[nfds].revents = 0;
		nfds++;
		if (n->cfd != -1) {
			ci = (int)nfds;
			pfd[nfds].fd = n->cfd;
			pfd[nfds].events = 0;
			if (!n->stalled && sim_device_input_room(p->dev) > 0)
				pfd[nfds].events |= POLLIN;
			if (n->out_len > 0)
				pfd[nfds].events |= POLLOUT;
			pfd[nfds].revents = 0;
			nfds++;
		}
		if (ppoll(pfd, nfds, tsp, NULL) < 0) {
			if (errno == EINTR)
				continue;
			sim_net_logf(n, "poll: %s", strerror(errno));
			return 1;
		}
		n->now = sim_net_clock();
		if (ci != -1 && pfd[ci].revents != 0) {
			if (n->stalled && (pfd[ci].revents & (POLLHUP | POLLERR)))
				sim_net_drop_client(n, "hung up");
			else if (pfd[ci].revents & POLLOUT)
				sim_net_write(n);
			if (n->cfd != -1 && !n->stalled &&
			    (pfd[ci].revents & (POLLIN | POLLHUP | POLLERR)))
				sim_net_read(n);
		}
		if (pfd[0].revents & POLLIN)
			sim_net_accept(n);
	}
	return 0;
}
