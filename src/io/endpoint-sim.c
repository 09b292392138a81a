/*
 * endpoint-sim.c — the simulator as an in-process device endpoint:
 * "sim:esp32s3[,transport=usb-jtag,boot=download,flash=FILE,...]" (keys
 * in simhost.h). A simhost on the caller's loop: writes go to the device's
 * RX (as far as it has room: back-pressure reaches the proxy like a full
 * UART), its output comes back through data_cb at the pace the model sets,
 * DTR/RTS drive its auto-reset circuit, and the USB-Serial/JTAG detach is
 * the device vanishing: writes stop being taken (stall), then the endpoint
 * is gone (gone_cb), and endpoint_open() succeeds again once it is back.
 *
 * The device is created at setup and lives as long as the endpoint: a
 * close and reopen is a port closed and reopened, not a power cycle.
 * Without flash= the flash is erased memory that lives as long.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint-int.h"
#include "loop.h"
#include "simhost.h"
#include "util.h"

struct endpoint_sim {
	struct simhost	*host;
	struct simhost_config cfg;
};

static struct endpoint_sim *
endpoint_sim(struct endpoint *ep)
{
	return ep->priv;
}

static void
endpoint_sim_log(const char *line, void *arg)
{
	endpoint_note(arg, "sim: %s", line);
}

static size_t
endpoint_sim_out(const uint8_t *buf, size_t len, void *arg)
{
	struct endpoint *ep = arg;

	if (!ep->open)
		return len;	/* nobody has the port open: a UART drops it */
	return endpoint_deliver(ep, buf, len);
}

static void
endpoint_sim_room(void *arg)
{
	struct endpoint *ep = arg;

	if (ep->open && ep->want_write) {
		ep->want_write = 0;
		if (ep->cbs.writable_cb != NULL)
			ep->cbs.writable_cb(ep->cbs.arg);
	}
}

static void
endpoint_sim_usb(enum simhost_usb ev, void *arg)
{
	struct endpoint *ep = arg;

	if (ev == SIMHOST_USB_GONE)
		endpoint_lost(ep, "USB device gone");
}

static int
endpoint_sim_setup(struct endpoint *ep, char *err, size_t errlen)
{
	struct endpoint_sim *s;
	struct simhost_cbs cbs;

	s = ep->priv = xcalloc(1, sizeof(*s));
	if (simhost_parse_spec(ep->spec + 4, &s->cfg, err, errlen) == -1)
		return -1;
	if (sim_transport_check(s->cfg.sim.chip, s->cfg.sim.transport) != NULL) {
		snprintf(err, errlen, "sim: %s (transport=uart)",
		    sim_transport_check(s->cfg.sim.chip, s->cfg.sim.transport));
		return -1;
	}
	s->cfg.log_cb = endpoint_sim_log;
	s->cfg.log_arg = ep;
	if (s->cfg.sim.transport == SIM_TRANSPORT_UART)
		ep->caps &= ~(unsigned)CAP_VANISH;
	s->host = simhost_new(ep->loop, &s->cfg, err, errlen);
	if (s->host == NULL)
		return -1;
	cbs = (struct simhost_cbs) {
		.out_cb = endpoint_sim_out,
		.room_cb = endpoint_sim_room,
		.usb_cb = endpoint_sim_usb,
		.arg = ep,
	};
	simhost_set_cbs(s->host, &cbs);
	return 0;
}

static int
endpoint_sim_open(struct endpoint *ep, char *err, size_t errlen)
{
	if (simhost_gone(endpoint_sim(ep)->host)) {
		snprintf(err, errlen, "%s: USB device gone", ep->name);
		return -1;
	}
	simhost_kick(endpoint_sim(ep)->host);
	return 0;
}

static void
endpoint_sim_close(struct endpoint *ep)
{
	/* A closed port drops DTR and RTS (HUPCL). */
	if (!simhost_gone(endpoint_sim(ep)->host))
		simhost_set_lines(endpoint_sim(ep)->host, 0, 0);
}

static void
endpoint_sim_free(struct endpoint *ep)
{
	struct endpoint_sim *s = endpoint_sim(ep);

	if (s != NULL)
		simhost_free(s->host);
	free(s);
	ep->priv = NULL;
}

static ssize_t
endpoint_sim_write(struct endpoint *ep, const uint8_t *buf, size_t len)
{
	size_t n = simhost_input(endpoint_sim(ep)->host, buf, len);

	if (n == 0 && len > 0) {
		errno = EAGAIN;
		return -1;
	}
	return (ssize_t)n;
}

static int
endpoint_sim_set_baud(struct endpoint *ep, uint32_t baud, char *err, size_t errlen)
{
	/* The device's UART follows the loader protocol (CHANGE_BAUDRATE), as on a board. */
	return 0;
}

static int
endpoint_sim_set_lines(struct endpoint *ep, int dtr, int rts, int tight, char *err,
    size_t errlen)
{
	simhost_set_lines(endpoint_sim(ep)->host, dtr, rts);
	return 0;
}

static int
endpoint_sim_get_lines(struct endpoint *ep, int *dtr, int *rts)
{
	simhost_get_lines(endpoint_sim(ep)->host, dtr, rts);
	return 0;
}

static void
endpoint_sim_want_read(struct endpoint *ep, int on)
{
	if (on)
		simhost_kick(endpoint_sim(ep)->host);
}

struct sim_device *
endpoint_sim_device(struct endpoint *ep)
{
	if (ep->ops != &endpoint_sim_ops)
		return NULL;
	return simhost_device(endpoint_sim(ep)->host);
}

const struct endpoint_ops endpoint_sim_ops = {
	.kind = "sim",
	.caps = CAP_LINES | CAP_SET_BAUD | CAP_VANISH | CAP_EXCLUSIVE,
	.setup = endpoint_sim_setup,
	.open = endpoint_sim_open,
	.close = endpoint_sim_close,
	.free = endpoint_sim_free,
	.write = endpoint_sim_write,
	.set_baud = endpoint_sim_set_baud,
	.set_lines = endpoint_sim_set_lines,
	.get_lines = endpoint_sim_get_lines,
	.want_read = endpoint_sim_want_read,
};
