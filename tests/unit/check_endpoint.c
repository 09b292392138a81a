/*
 * check_endpoint.c — the endpoint interface (endpoint.h) against real
 * peers on one event loop: a tty endpoint on a real pty pair (data both
 * ways, exclusive open, hang-up reported once), tcp:// against a loopback
 * listener, rfc2217:// against the RFC 2217 server (data, baud, DTR/RTS
 * reaching the server in order), and the in-process simulator (a scripted
 * SYNC exchange, DTR/RTS into its reset circuit, back-pressure). The RFC
 * 2217 server's pause_read makes a client's writes block. A tty whose
 * output is stopped (tcflow) is reported by endpoint_write_stopped. Time is never
 * asserted: every wait is "until the condition, at most N loop turns".
 */
#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "endpoint.h"
#include "loop.h"
#include "rfc2217-server.h"
#include "sim.h"
#include "tcp.h"

#define TURNS	2000	/* loop iterations a wait may take (10 ms each at most) */

static const uint8_t sync_frame[] = {
	0xc0, 0x00, 0x08, 0x24, 0x00, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20,
	0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
	0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
	0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xc0,
};

/* What an endpoint told us. */
struct rx {
	uint8_t	 buf[65536];
	size_t	 len;
	int	 gone;
	char	 why[128];
	int	 writable;
	int	 notes;
};

static void
rx_data(const uint8_t *buf, size_t len, void *arg)
{
	struct rx *r = arg;

	if (len > sizeof(r->buf) - r->len)
		len = sizeof(r->buf) - r->len;
	memcpy(r->buf + r->len, buf, len);
	r->len += len;
}

static void rx_writable(void *arg) { ((struct rx *)arg)->writable++; }
static void rx_note(const char *text, void *arg) { ((struct rx *)arg)->notes++; }

static void
rx_gone(const char *why, void *arg)
{
	struct rx *r = arg;

	r->gone++;
	snprintf(r->why, sizeof(r->why), "%s", why);
}

static struct endpoint_cbs
rx_cbs(struct rx *r)
{
	struct endpoint_cbs cbs;

	memset(&cbs, 0, sizeof(cbs));
	cbs.data_cb = rx_data;
	cbs.writable_cb = rx_writable;
	cbs.gone_cb = rx_gone;
	cbs.note_cb = rx_note;
	cbs.arg = r;
	return cbs;
}

static int
rx_has(const struct rx *r, const void *pat, size_t n)
{
	return r->len >= n && memmem(r->buf, r->len, pat, n) != NULL;
}

/* Turn the loop until *flag is nonzero (or TURNS pass). */
static void
spin(struct loop *l, const int *flag)
{
	int i;

	for (i = 0; i < TURNS && !*flag; i++)
		loop_run_once(l, 10 * NS_PER_MS);
}

/* ---- tty on a real pty pair ------------------------------------------------ */

START_TEST(test_tty_pty)
{
	struct loop *l = loop_new();
	struct rx r = { .len = 0 }, r2 = { .len = 0 };
	struct endpoint_cbs cbs = rx_cbs(&r), cbs2 = rx_cbs(&r2);
	struct endpoint *ep, *ep2;
	char name[64], err[512], got[16];
	int master, slave, have = 0, dtr, rts;
	ssize_t n;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ne(master, -1);
	ck_assert_int_eq(grantpt(master), 0);
	ck_assert_int_eq(unlockpt(master), 0);
	snprintf(name, sizeof(name), "%s", ptsname(master));
	/* hold the slave open, as a simulator does: the endpoint's close is no hang-up */
	slave = open(name, O_RDWR | O_NOCTTY);
	ck_assert_int_ne(slave, -1);
	ep = endpoint_new(l, name, 115200, &cbs, err, sizeof(err));
	ck_assert_msg(ep != NULL, "%s", err);
	ck_assert_str_eq(endpoint_kind(ep), "tty");
	/* a pty has no modem lines: the mask says so before any run */
	ck_assert_uint_eq(endpoint_caps(ep) & CAP_LINES, 0);
	ck_assert_uint_ne(endpoint_caps(ep) & CAP_EXCLUSIVE, 0);
	ck_assert_int_eq(endpoint_set_lines(ep, 1, 0, 1, err, sizeof(err)), -1);
	ck_assert_int_eq(endpoint_open(ep, err, sizeof(err)), 0);

	/* device to us */
	ck_assert_int_eq(write(master, "hello", 5), 5);
	while (r.len < 5 && have++ < TURNS)
		loop_run_once(l, 10 * NS_PER_MS);
	ck_assert(rx_has(&r, "hello", 5));
	/* us to the device */
	ck_assert_int_eq(endpoint_write(ep, (const uint8_t *)"world", 5), 5);
	n = read(master, got, sizeof(got));
	ck_assert_int_eq(n, 5);
	ck_assert(memcmp(got, "world", 5) == 0);
	ck_assert_int_eq(endpoint_set_baud(ep, 460800, err, sizeof(err)), 0);
	/* no modem lines on a pty: reading them fails too */
	ck_assert_int_eq(endpoint_get_lines(ep, &dtr, &rts), -1);

	/* the device's output stopped (tcflow TCOOFF, as the sim's stall does): seen, and a write blocks */
	ck_assert_int_eq(endpoint_write_stopped(ep), 0);
	ck_assert_int_eq(tcflow(slave, TCOOFF), 0);
	ck_assert_int_eq(endpoint_write_stopped(ep), 1);
	ck_assert_int_eq(endpoint_write(ep, (const uint8_t *)"x", 1), ENDPOINT_AGAIN);
	ck_assert_int_eq(tcflow(slave, TCOON), 0);
	ck_assert_int_eq(endpoint_write_stopped(ep), 0);
	ck_assert_int_eq(endpoint_write(ep, (const uint8_t *)"y", 1), 1);
	ck_assert_int_eq(read(master, got, sizeof(got)), 1);
	ck_assert_int_eq(got[0], 'y');

	/* exclusive: a second opener is refused while the first has it */
	ep2 = endpoint_new(l, name, 115200, &cbs2, err, sizeof(err));
	ck_assert_ptr_nonnull(ep2);
	ck_assert_int_eq(endpoint_open(ep2, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "port busy") != NULL, "%s", err);
	endpoint_close(ep);
	ck_assert_int_eq(endpoint_open(ep2, err, sizeof(err)), 0);
	endpoint_free(ep2);

	/* the device vanishes: gone_cb once, the endpoint is closed */
	ck_assert_int_eq(endpoint_open(ep, err, sizeof(err)), 0);
	close(master);
	close(slave);
	spin(l, &r.gone);
	ck_assert_int_eq(r.gone, 1);
	ck_assert(!endpoint_is_open(ep));
	ck_assert_int_eq(endpoint_write(ep, (const uint8_t *)"x", 1), ENDPOINT_GONE);
	ck_assert_int_eq(endpoint_write_stopped(ep), -1);	/* closed: not "takes bytes" */
	endpoint_free(ep);
	loop_free(l);
}
END_TEST

/* ---- tcp:// against a loopback listener ------------------------------------ */

START_TEST(test_tcp)
{
	struct loop *l = loop_new();
	struct rx r = { .len = 0 };
	struct endpoint_cbs cbs = rx_cbs(&r);
	struct endpoint *ep;
	char err[512], name[300], spec[320], got[16];
	int lfd, cfd = -1, i;
	ssize_t n = -1;

	lfd = tcp_listen("127.0.0.1", "0", err, sizeof(err));
	ck_assert_msg(lfd != -1, "%s", err);
	ck_assert_int_eq(tcp_local_name(lfd, name, sizeof(name)), 0);
	snprintf(spec, sizeof(spec), "tcp://%s", name);
	ep = endpoint_new(l, spec, 115200, &cbs, err, sizeof(err));
	ck_assert_msg(ep != NULL, "%s", err);
	ck_assert_str_eq(endpoint_kind(ep), "tcp");
	ck_assert_uint_eq(endpoint_caps(ep) & (CAP_LINES | CAP_SET_BAUD), 0);
	ck_assert_int_eq(endpoint_set_lines(ep, 1, 1, 0, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no DTR/RTS"));
	ck_assert_int_eq(endpoint_open(ep, err, sizeof(err)), 0);
	for (i = 0; i < TURNS && cfd == -1; i++) {
		cfd = tcp_accept(lfd);
		if (cfd == -1)
			loop_run_once(l, NS_PER_MS);
	}
	ck_assert_int_ne(cfd, -1);
	ck_assert_int_eq(write(cfd, "\xff\x01" "ab", 4), 4);
	while (r.len < 4 && i++ < TURNS)
		loop_run_once(l, 10 * NS_PER_MS);
	ck_assert(rx_has(&r, "\xff\x01" "ab", 4));	/* raw: nothing is unescaped */
	ck_assert_int_eq(endpoint_write(ep, (const uint8_t *)"\xffxy", 3), 3);
	for (i = 0; i < TURNS && n <= 0; i++) {
		n = read(cfd, got, sizeof(got));
		if (n <= 0)
			loop_run_once(l, NS_PER_MS);
	}
	ck_assert_int_eq(n, 3);
	ck_assert(memcmp(got, "\xffxy", 3) == 0);
	close(cfd);
	spin(l, &r.gone);
	ck_assert_int_eq(r.gone, 1);
	ck_assert_str_eq(r.why, "end of stream");
	endpoint_free(ep);
	close(lfd);
	loop_free(l);
}
END_TEST

/* ---- rfc2217:// against the server ------------------------------------------ */

struct srv_seen {
	struct rx rx;
	int	 opened, closed;
	char	 ctl[64];	/* SET-CONTROL values in order: "8 12 ..." */
	uint32_t baud;
};

static void srv_open(const char *peer, void *arg) { ((struct srv_seen *)arg)->opened++; }
static void srv_close(const char *why, void *arg) { ((struct srv_seen *)arg)->closed++; }

static void
srv_data(const uint8_t *buf, size_t len, void *arg)
{
	rx_data(buf, len, &((struct srv_seen *)arg)->rx);
}

static void
srv_cmd(const struct rfc2217_cmd *cmd, const struct rfc2217_port *port, void *arg)
{
	struct srv_seen *s = arg;
	size_t n = strlen(s->ctl);

	if (cmd->code == RFC2217_SET_CONTROL && cmd->value >= RFC2217_CTL_DTR_ON &&
	    n + 4 < sizeof(s->ctl))
		snprintf(s->ctl + n, sizeof(s->ctl) - n, "%s%u", n ? " " : "", cmd->value);
	if (cmd->code == RFC2217_SET_BAUDRATE)
		s->baud = port->baud;
}

static struct rfc2217_server *
srv_new(struct loop *l, struct srv_seen *s)
{
	struct rfc2217_server_cbs cbs;
	struct rfc2217_server *srv;
	char err[256];

	memset(&cbs, 0, sizeof(cbs));
	cbs.open_cb = srv_open;
	cbs.close_cb = srv_close;
	cbs.data_cb = srv_data;
	cbs.cmd_cb = srv_cmd;
	cbs.arg = s;
	srv = rfc2217_server_listen(l, "127.0.0.1:0", 115200, &cbs, err, sizeof(err));
	ck_assert_msg(srv != NULL, "%s", err);
	return srv;
}

START_TEST(test_rfc2217_client_server)
{
	struct loop *l = loop_new();
	struct srv_seen s;
	struct rx r = { .len = 0 };
	struct endpoint_cbs cbs = rx_cbs(&r);
	struct rfc2217_server *srv;
	struct endpoint *ep;
	char err[512];
	int i, done = 0;

	memset(&s, 0, sizeof(s));
	srv = srv_new(l, &s);
	ck_assert_ptr_null(endpoint_new(l, "rfc2217://127.0.0.1:99999", 115200, &cbs, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "out of range"));
	ep = endpoint_new(l, rfc2217_server_url(srv), 115200, &cbs, err, sizeof(err));
	ck_assert_msg(ep != NULL, "%s", err);
	ck_assert_str_eq(endpoint_kind(ep), "rfc2217");
	ck_assert(endpoint_lines_remote(ep));
	ck_assert_uint_ne(endpoint_caps(ep) & CAP_LINES, 0);
	ck_assert_int_eq(endpoint_open(ep, err, sizeof(err)), 0);
	spin(l, &s.opened);
	ck_assert_int_eq(s.opened, 1);

	/* data with 0xFF both ways, DTR/RTS and baud in the order they were asked */
	ck_assert_int_eq(endpoint_write(ep, (const uint8_t *)"a\xff" "b", 3), 3);
	ck_assert_int_eq(endpoint_set_lines(ep, 1, 0, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(endpoint_set_baud(ep, 921600, err, sizeof(err)), 0);
	for (i = 0; i < TURNS && !(s.rx.len >= 3 && s.baud == 921600); i++)
		loop_run_once(l, 10 * NS_PER_MS);
	ck_assert_uint_eq(s.rx.len, 3);
	ck_assert(memcmp(s.rx.buf, "a\xff" "b", 3) == 0);
	ck_assert_str_eq(s.ctl, "8 12");
	ck_assert_uint_eq(s.baud, 921600);
	ck_assert_int_eq(rfc2217_server_write(srv, (const uint8_t *)"\xff\xff" "z", 3), 3);
	while (r.len < 3 && i++ < TURNS)
		loop_run_once(l, 10 * NS_PER_MS);
	ck_assert_uint_eq(r.len, 3);
	ck_assert(memcmp(r.buf, "\xff\xff" "z", 3) == 0);

	/* the server drops the client: the endpoint is gone */
	rfc2217_server_drop(srv, "test");
	ck_assert_int_eq(s.closed, 1);
	spin(l, &r.gone);
	ck_assert_int_eq(r.gone, 1);
	/* a refusing server: the reconnect is closed at once */
	rfc2217_server_refuse(srv, 1);
	ck_assert_int_eq(endpoint_open(ep, err, sizeof(err)), 0);
	r.gone = 0;
	spin(l, &r.gone);
	ck_assert_int_eq(r.gone, 1);
	ck_assert_int_eq(s.opened, 1);
	(void)done;
	endpoint_free(ep);
	rfc2217_server_free(srv);
	loop_free(l);
}
END_TEST

/* Pausing the server's reads makes a client's writes block (EAGAIN), resuming delivers all. */
START_TEST(test_rfc2217_server_pause)
{
	struct loop *l = loop_new();
	struct srv_seen s;
	struct rfc2217_server *srv;
	char host[256], port[32], err[256];
	static uint8_t chunk[16384];
	size_t sent = 0;
	ssize_t n;
	int fd, i, blocked = 0;

	memset(&s, 0, sizeof(s));
	memset(chunk, 'x', sizeof(chunk));
	srv = srv_new(l, &s);
	ck_assert_int_eq(tcp_split(rfc2217_server_url(srv) + 10, "127.0.0.1", host, sizeof(host),
	    port, sizeof(port), err, sizeof(err)), 0);
	fd = tcp_connect(host, port, 2000, err, sizeof(err));
	ck_assert_msg(fd != -1, "%s", err);
	spin(l, &s.opened);
	rfc2217_server_pause_read(srv);
	ck_assert(rfc2217_server_read_paused(srv));
	/* the client writes until its writes would block: nobody reads the socket */
	for (i = 0; i < 100000 && !blocked; i++) {
		n = write(fd, chunk, sizeof(chunk));
		if (n > 0)
			sent += (size_t)n;
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			blocked = 1;
		if ((i & 15) == 0)
			loop_run_once(l, 0);	/* the server runs, but must not read */
	}
	ck_assert_msg(blocked, "the client's writes never blocked (%zu bytes sent)", sent);
	ck_assert_uint_eq(s.rx.len, 0);
	/* thawed: every byte arrives */
	rfc2217_server_resume_read(srv);
	{
		size_t total = 0;
		int turns = 0;

		while (total < sent && turns++ < 100 * TURNS) {
			loop_run_once(l, 10 * NS_PER_MS);
			total += s.rx.len;
			s.rx.len = 0;
		}
		ck_assert_uint_eq(total, sent);
	}
	close(fd);
	rfc2217_server_free(srv);
	loop_free(l);
}
END_TEST

/* ---- the simulator in-process ------------------------------------------------ */

static const uint8_t sync_reply[] = { 0xc0, 0x01, 0x08 };

START_TEST(test_sim_sync)
{
	struct loop *l = loop_new();
	struct rx r = { .len = 0 };
	struct endpoint_cbs cbs = rx_cbs(&r);
	struct endpoint *ep;
	char err[512];
	int i, dtr, rts;

	ck_assert_ptr_null(endpoint_new(l, "sim:esp32,bogus=1", 115200, &cbs, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "unknown key \"bogus\""));
	ck_assert_ptr_null(endpoint_new(l, "sim:esp32,transport=usb-jtag", 115200, &cbs, err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "no USB-Serial/JTAG"));

	ep = endpoint_new(l, "sim:esp32", 115200, &cbs, err, sizeof(err));
	ck_assert_msg(ep != NULL, "%s", err);
	ck_assert_str_eq(endpoint_kind(ep), "sim");
	ck_assert_ptr_nonnull(endpoint_sim_device(ep));
	ck_assert_uint_ne(endpoint_caps(ep) & CAP_LINES, 0);
	ck_assert_uint_eq(endpoint_caps(ep) & CAP_VANISH, 0);	/* a UART bridge stays */
	ck_assert_int_eq(endpoint_open(ep, err, sizeof(err)), 0);
	/* the boot log comes first */
	for (i = 0; i < TURNS && !rx_has(&r, "waiting for download", 20); i++)
		loop_run_once(l, 10 * NS_PER_MS);
	ck_assert(rx_has(&r, "waiting for download", 20));
	ck_assert_int_eq(endpoint_write(ep, sync_frame, sizeof(sync_frame)),
	    (ssize_t)sizeof(sync_frame));
	for (; i < 2 * TURNS && !rx_has(&r, sync_reply, sizeof(sync_reply)); i++)
		loop_run_once(l, 10 * NS_PER_MS);
	ck_assert(rx_has(&r, sync_reply, sizeof(sync_reply)));
	/* paused: nothing is delivered; resumed: it comes */
	endpoint_pause_read(ep);
	r.len = 0;
	ck_assert_int_eq(endpoint_write(ep, sync_frame, sizeof(sync_frame)),
	    (ssize_t)sizeof(sync_frame));
	for (i = 0; i < 20; i++)
		loop_run_once(l, 10 * NS_PER_MS);
	ck_assert_uint_eq(r.len, 0);
	endpoint_resume_read(ep);
	for (i = 0; i < TURNS && !rx_has(&r, sync_reply, sizeof(sync_reply)); i++)
		loop_run_once(l, 10 * NS_PER_MS);
	ck_assert(rx_has(&r, sync_reply, sizeof(sync_reply)));
	/* DTR/RTS reach its circuit: RTS alone holds EN low (reset) */
	ck_assert_int_eq(endpoint_set_lines(ep, 0, 1, 1, err, sizeof(err)), 0);
	ck_assert_int_eq(endpoint_get_lines(ep, &dtr, &rts), 0);
	ck_assert_int_eq(dtr, 0);
	ck_assert_int_eq(rts, 1);
	loop_run_once(l, 10 * NS_PER_MS);
	ck_assert_int_eq(sim_device_state(endpoint_sim_device(ep)), SIM_STATE_RESET);
	endpoint_free(ep);
	loop_free(l);
}
END_TEST

/* usb-jtag: the watchdog's detach is the device vanishing, then coming back. */
START_TEST(test_sim_vanish)
{
	struct loop *l = loop_new();
	struct rx r = { .len = 0 };
	struct endpoint_cbs cbs = rx_cbs(&r);
	struct endpoint *ep;
	char err[512];
	int i, back = 0;

	ep = endpoint_new(l, "sim:esp32s3,transport=usb-jtag,wdt-timeout=200ms,"
	    "vanish-after=100ms,reenumerate-after=100ms", 115200, &cbs, err, sizeof(err));
	ck_assert_msg(ep != NULL, "%s", err);
	ck_assert_uint_ne(endpoint_caps(ep) & CAP_VANISH, 0);
	ck_assert_int_eq(endpoint_open(ep, err, sizeof(err)), 0);
	/* the USB-Serial/JTAG reset into download mode (leaves the RTC watchdog running) */
	endpoint_set_lines(ep, 0, 0, 1, err, sizeof(err));
	endpoint_set_lines(ep, 1, 0, 1, err, sizeof(err));
	loop_run_once(l, 10 * NS_PER_MS);
	endpoint_set_lines(ep, 0, 1, 1, err, sizeof(err));
	loop_run_once(l, 10 * NS_PER_MS);
	endpoint_set_lines(ep, 0, 0, 1, err, sizeof(err));
	spin(l, &r.gone);
	ck_assert_msg(r.gone == 1, "no vanish (state %s)",
	    sim_state_name(sim_device_state(endpoint_sim_device(ep))));
	ck_assert_str_eq(r.why, "USB device gone");
	ck_assert_int_eq(endpoint_write(ep, sync_frame, sizeof(sync_frame)), ENDPOINT_GONE);
	for (i = 0; i < TURNS && !back; i++) {
		loop_run_once(l, 10 * NS_PER_MS);
		back = endpoint_open(ep, err, sizeof(err)) == 0;
	}
	ck_assert_msg(back, "%s", err);
	endpoint_free(ep);
	loop_free(l);
}
END_TEST

/*
 * One loop, one ppoll: an RFC 2217 server (a proxy's front), the simulator
 * in-process (its device) and an rfc2217:// client endpoint (the tool),
 * bridged the way the proxy bridges them. A SYNC goes all the way.
 */
struct bridge {
	struct rfc2217_server *srv;
	struct endpoint *dev;
	int opened;
};

static void
bridge_h2d(const uint8_t *buf, size_t len, void *arg)
{
	struct bridge *b = arg;

	ck_assert_int_eq(endpoint_write(b->dev, buf, len), (ssize_t)len);
}

static void
bridge_d2h(const uint8_t *buf, size_t len, void *arg)
{
	struct bridge *b = arg;

	if (rfc2217_server_has_client(b->srv))
		ck_assert_int_eq(rfc2217_server_write(b->srv, buf, len), (ssize_t)len);
}

static void bridge_open(const char *peer, void *arg) { ((struct bridge *)arg)->opened = 1; }

START_TEST(test_one_loop)
{
	struct loop *l = loop_new();
	struct bridge b;
	struct rx tool = { .len = 0 };
	struct endpoint_cbs tcbs = rx_cbs(&tool), dcbs;
	struct rfc2217_server_cbs scbs;
	struct endpoint *client;
	char err[512];
	int i;

	memset(&b, 0, sizeof(b));
	memset(&dcbs, 0, sizeof(dcbs));
	dcbs.data_cb = bridge_d2h;
	dcbs.arg = &b;
	b.dev = endpoint_new(l, "sim:esp32c3", 115200, &dcbs, err, sizeof(err));
	ck_assert_msg(b.dev != NULL, "%s", err);
	memset(&scbs, 0, sizeof(scbs));
	scbs.open_cb = bridge_open;
	scbs.data_cb = bridge_h2d;
	scbs.arg = &b;
	b.srv = rfc2217_server_listen(l, "127.0.0.1:0", 115200, &scbs, err, sizeof(err));
	ck_assert_msg(b.srv != NULL, "%s", err);
	client = endpoint_new(l, rfc2217_server_url(b.srv), 115200, &tcbs, err, sizeof(err));
	ck_assert_msg(client != NULL, "%s", err);
	ck_assert_int_eq(endpoint_open(client, err, sizeof(err)), 0);
	spin(l, &b.opened);
	ck_assert_int_eq(endpoint_open(b.dev, err, sizeof(err)), 0);
	ck_assert_int_eq(endpoint_write(client, sync_frame, sizeof(sync_frame)),
	    (ssize_t)sizeof(sync_frame));
	for (i = 0; i < 2 * TURNS && !rx_has(&tool, sync_reply, sizeof(sync_reply)); i++)
		loop_run_once(l, 10 * NS_PER_MS);
	ck_assert(rx_has(&tool, sync_reply, sizeof(sync_reply)));
	endpoint_free(client);
	rfc2217_server_free(b.srv);
	endpoint_free(b.dev);
	loop_free(l);
}
END_TEST

static Suite *
endpoint_suite(void)
{
	Suite *s = suite_create("endpoint");
	TCase *tc = tcase_create("kinds");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_tty_pty);
	tcase_add_test(tc, test_tcp);
	tcase_add_test(tc, test_rfc2217_client_server);
	tcase_add_test(tc, test_rfc2217_server_pause);
	tcase_add_test(tc, test_sim_sync);
	tcase_add_test(tc, test_sim_vanish);
	tcase_add_test(tc, test_one_loop);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(endpoint_suite());
	int failed;

	signal(SIGPIPE, SIG_IGN);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
