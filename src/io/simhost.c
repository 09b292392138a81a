/*
 * simhost.c — a simulated device on the event loop (see simhost.h).
 *
 * One timer: it fires at the device model's next deadline (paced output,
 * watchdog, boot steps) or at the next step of the USB detach story,
 * whichever is first. Output the consumer did not take waits in obuf and
 * nothing more is taken from the model until simhost_kick(): the model's
 * own queue then holds the rest, as a UART's FIFO would.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "loop.h"
#include "simhost.h"
#include "units.h"
#include "util.h"

#define SIMHOST_OBUF	8192

struct simhost {
	struct loop	*loop;
	struct simhost_config cfg;
	struct sim_device *dev;
	struct sim_flashfile *ff;
	uint8_t		*mem;			/* flash when no file */
	struct simhost_cbs cbs;
	struct loop_timer *timer;
	uint8_t		 obuf[SIMHOST_OBUF];
	size_t		 olen;
	int		 out_blocked;		/* the consumer took less than offered */
	int		 in_blocked;		/* an input was short: call room_cb */
	int		 dtr, rts;
	/* USB detach */
	int		 detach_pending, stalled, gone;
	uint64_t	 hangup_at, reattach_at;	/* 0 = not armed */
	int		 pumping;
};

static void simhost_arm(struct simhost *h);

void
simhost_logf(struct simhost *h, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (h->cfg.log_cb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	h->cfg.log_cb(line, h->cfg.log_arg);
}

void
simhost_config_init(struct simhost_config *c, enum sim_chip chip)
{
	memset(c, 0, sizeof(*c));
	c->sim.chip = chip;
	c->sim.transport = SIM_TRANSPORT_UART;
	c->sim.boot = SIM_BOOT_DOWNLOAD;
	c->sim.baud = ESP_DEFAULT_BAUD;
	c->sim.wdt_timeout_ns = 9 * NS_PER_SEC;
	c->flash_size = 4 * 1024 * 1024;
	c->vanish_ns = 15 * NS_PER_SEC;
	c->reenum_ns = 1 * NS_PER_SEC;
}

/* One key[=value] of a sim: spec. */
static int
simhost_parse_key(struct simhost_config *c, char *kv, int *no_wdt, char *err, size_t errlen)
{
	char *val = strchr(kv, '=');

	if (val != NULL)
		*val++ = '\0';
	if (strcmp(kv, "pace") == 0 && val == NULL)
		c->sim.pace = 1;
	else if (strcmp(kv, "no-wdt") == 0 && val == NULL)
		*no_wdt = 1;
	else if (strcmp(kv, "verbose") == 0 && val == NULL)
		c->sim.verbose = 1;
	else if (val == NULL) {
		snprintf(err, errlen, "sim: \"%s\" needs a value (%s=...)", kv, kv);
		return -1;
	} else if (strcmp(kv, "transport") == 0) {
		if (sim_transport_by_name(val) < 0)
			goto bad;
		c->sim.transport = (enum sim_transport)sim_transport_by_name(val);
	} else if (strcmp(kv, "boot") == 0) {
		if (strcmp(val, "download") == 0)
			c->sim.boot = SIM_BOOT_DOWNLOAD;
		else if (strcmp(val, "spi") == 0 || strcmp(val, "flash") == 0)
			c->sim.boot = SIM_BOOT_SPI;
		else
			goto bad;
	} else if (strcmp(kv, "flash") == 0)
		c->flash_path = val;
	else if (strcmp(kv, "flash-size") == 0) {
		if (parse_size(val, &c->flash_size) < 0)
			goto bad;
	} else if (strcmp(kv, "baud") == 0) {
		if (parse_u32(val, &c->sim.baud) < 0 || c->sim.baud < 300)
			goto bad;
	} else if (strcmp(kv, "wdt-timeout") == 0) {
		if (parse_duration(val, &c->sim.wdt_timeout_ns, NULL) < 0)
			goto bad;
	} else if (strcmp(kv, "vanish-after") == 0) {
		if (parse_duration(val, &c->vanish_ns, NULL) < 0)
			goto bad;
	} else if (strcmp(kv, "reenumerate-after") == 0) {
		if (parse_duration(val, &c->reenum_ns, NULL) < 0)
			goto bad;
	} else {
		snprintf(err, errlen, "sim: unknown key \"%s\" (transport, boot, flash, "
		    "flash-size, baud, pace, wdt-timeout, no-wdt, vanish-after, "
		    "reenumerate-after, verbose)", kv);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "sim: bad %s \"%s\"", kv, val);
	return -1;
}

int
simhost_parse_spec(const char *spec, struct simhost_config *c, char *err, size_t errlen)
{
	char *copy, *tok, *save = NULL;
	int chip, no_wdt = 0, rc = -1;

	copy = xstrdup(spec);
	tok = strtok_r(copy, ",", &save);
	if (tok == NULL || (chip = sim_chip_by_name(tok)) < 0) {
		snprintf(err, errlen, "sim: unknown chip \"%s\" (%s)", tok != NULL ? tok : "",
		    sim_chip_names());
		goto out;
	}
	simhost_config_init(c, (enum sim_chip)chip);
	while ((tok = strtok_r(NULL, ",", &save)) != NULL) {
		if (simhost_parse_key(c, tok, &no_wdt, err, errlen) == -1)
			goto out;
	}
	if (no_wdt)
		c->sim.wdt_timeout_ns = 0;
	/* The strings point into spec from here on (flash=): re-point them. */
	if (c->flash_path != NULL)
		c->flash_path = spec + (c->flash_path - copy);
	rc = 0;
out:
	free(copy);
	return rc;
}

static void
simhost_sim_log(const char *line, void *arg)
{
	struct simhost *h = arg;

	if (h->cfg.log_cb != NULL)
		h->cfg.log_cb(line, h->cfg.log_arg);
}

static void
simhost_sim_event(enum sim_event ev, void *arg)
{
	struct simhost *h = arg;

	if (ev == SIM_EV_DETACH) {
		h->detach_pending = 1;
		simhost_arm(h);
	}
}

/* Offer obuf, then what the device has due, to the consumer. */
static void
simhost_pump(struct simhost *h, uint64_t now)
{
	size_t took;

	if (h->pumping || h->cbs.out_cb == NULL)
		return;
	h->pumping = 1;
	for (;;) {
		if (h->olen == 0)
			h->olen = sim_device_output(h->dev, h->obuf, sizeof(h->obuf), now);
		if (h->olen == 0)
			break;
		took = h->cbs.out_cb(h->obuf, h->olen, h->cbs.arg);
		if (took > h->olen)
			took = h->olen;
		memmove(h->obuf, h->obuf + took, h->olen - took);
		h->olen -= took;
		if (h->olen > 0) {
			h->out_blocked = 1;
			break;
		}
	}
	h->pumping = 0;
}

static void
simhost_usb(struct simhost *h, enum simhost_usb ev)
{
	if (h->cbs.usb_cb != NULL)
		h->cbs.usb_cb(ev, h->cbs.arg);
}

/* The USB detach story: stall, then gone, then back. */
static void
simhost_usb_steps(struct simhost *h, uint64_t now)
{
	if (h->detach_pending) {
		h->detach_pending = 0;
		h->stalled = 1;
		h->hangup_at = now + h->cfg.vanish_ns;
		simhost_logf(h, "USB device stalled (it takes no data); gone in %.3f s",
		    (double)h->cfg.vanish_ns / NS_PER_SEC);
		simhost_usb(h, SIMHOST_USB_STALL);
	}
	if (h->hangup_at != 0 && now >= h->hangup_at) {
		h->hangup_at = 0;
		h->gone = 1;
		h->reattach_at = now + h->cfg.reenum_ns;
		h->olen = 0;
		simhost_logf(h, "USB device gone; back in %.3f s",
		    (double)h->cfg.reenum_ns / NS_PER_SEC);
		simhost_usb(h, SIMHOST_USB_GONE);
	}
	if (h->reattach_at != 0 && now >= h->reattach_at) {
		h->reattach_at = 0;
		h->gone = h->stalled = 0;
		sim_device_usb_attach(h->dev, now);
		simhost_usb(h, SIMHOST_USB_BACK);
	}
}

static void
simhost_arm(struct simhost *h)
{
	uint64_t next = sim_device_next_deadline(h->dev);

	if (h->detach_pending)
		next = 0;
	if (h->hangup_at != 0 && h->hangup_at < next)
		next = h->hangup_at;
	if (h->reattach_at != 0 && h->reattach_at < next)
		next = h->reattach_at;
	/*
	 * The consumer is full: output due now must not spin the loop; other
	 * deadlines (paced input, the watchdog) still run, at most every 10 ms
	 * until simhost_kick.
	 */
	if (h->out_blocked && next != 0) {
		uint64_t soon = loop_now() + 10 * NS_PER_MS;

		if (next < soon)
			next = soon;
	}
	loop_timer_at(h->timer, next == UINT64_MAX ? LOOP_NEVER : next);
}

static void
simhost_timer_cb(void *arg)
{
	struct simhost *h = arg;
	uint64_t now = loop_now();

	sim_device_tick(h->dev, now);
	simhost_usb_steps(h, now);
	if (!h->out_blocked)
		simhost_pump(h, now);
	if (h->in_blocked && !h->stalled && !h->gone && sim_device_input_room(h->dev) > 0) {
		h->in_blocked = 0;
		if (h->cbs.room_cb != NULL)
			h->cbs.room_cb(h->cbs.arg);
	}
	simhost_arm(h);
}

struct simhost *
simhost_new(struct loop *l, const struct simhost_config *c, char *err, size_t errlen)
{
	struct simhost *h;
	const char *why = NULL;
	uint64_t sz = c->flash_size;
	int created;

	if (sz < 256 * 1024 || sz > 128 * 1024 * 1024 || (sz & (sz - 1)) != 0) {
		snprintf(err, errlen, "flash size must be a power of two from 256KB to 128MB");
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->loop = l;
	h->cfg = *c;
	if (c->flash_path != NULL) {
		h->ff = sim_flashfile_open(c->flash_path, (size_t)sz, &created, err, errlen);
		if (h->ff == NULL)
			goto fail;
		h->cfg.sim.flash = sim_flashfile_data(h->ff);
		h->cfg.sim.flash_size = sim_flashfile_size(h->ff);
		simhost_logf(h, "flash %s: %s, %zu bytes", c->flash_path,
		    created ? "created (erased)" : "opened", h->cfg.sim.flash_size);
	} else {
		h->mem = xmalloc((size_t)sz);
		memset(h->mem, 0xff, (size_t)sz);
		h->cfg.sim.flash = h->mem;
		h->cfg.sim.flash_size = (size_t)sz;
	}
	h->cfg.sim.log_cb = simhost_sim_log;
	h->cfg.sim.event_cb = simhost_sim_event;
	h->cfg.sim.arg = h;
	h->dtr = h->rts = 0;
	h->timer = loop_timer_new(l, simhost_timer_cb, h);
	h->dev = sim_device_new(&h->cfg.sim, loop_now(), &why);
	if (h->dev == NULL) {
		snprintf(err, errlen, "%s", why != NULL ? why : "cannot create the device");
		goto fail;
	}
	simhost_arm(h);
	return h;
fail:
	simhost_free(h);
	return NULL;
}

void
simhost_free(struct simhost *h)
{
	if (h == NULL)
		return;
	loop_timer_free(h->timer);
	sim_device_free(h->dev);
	sim_flashfile_close(h->ff);
	free(h->mem);
	free(h);
}

void
simhost_set_cbs(struct simhost *h, const struct simhost_cbs *cbs)
{
	if (cbs == NULL)
		memset(&h->cbs, 0, sizeof(h->cbs));
	else
		h->cbs = *cbs;
	simhost_kick(h);
}

size_t
simhost_input_room(struct simhost *h)
{
	size_t room = h->stalled || h->gone ? 0 : sim_device_input_room(h->dev);

	if (room == 0) {
		h->in_blocked = 1;
		/* the device drains its input on its own deadlines: look again then */
		simhost_arm(h);
	}
	return room;
}

size_t
simhost_input(struct simhost *h, const uint8_t *buf, size_t len)
{
	size_t room;

	if (h->stalled || h->gone) {
		h->in_blocked = 1;
		return 0;
	}
	room = sim_device_input_room(h->dev);
	if (len > room) {
		len = room;
		h->in_blocked = 1;
	}
	if (len > 0) {
		sim_device_input(h->dev, buf, len, loop_now());
		/* A reply may be due at once: let the timer pump it. */
		loop_timer_at(h->timer, 0);
	}
	return len;
}

void
simhost_set_lines(struct simhost *h, int dtr, int rts)
{
	if (dtr != -1)
		h->dtr = dtr;
	if (rts != -1)
		h->rts = rts;
	sim_device_set_lines(h->dev, h->dtr, h->rts, loop_now());
	loop_timer_at(h->timer, 0);
}

void
simhost_get_lines(const struct simhost *h, int *dtr, int *rts)
{
	*dtr = h->dtr;
	*rts = h->rts;
}

void
simhost_kick(struct simhost *h)
{
	h->out_blocked = 0;
	loop_timer_at(h->timer, 0);
}

void
simhost_drop_output(struct simhost *h)
{
	uint8_t scratch[4096];

	h->olen = 0;
	while (sim_device_output(h->dev, scratch, sizeof(scratch), loop_now()) > 0)
		;
}

int
simhost_stalled(const struct simhost *h)
{
	return h->stalled || h->gone;
}

int
simhost_gone(const struct simhost *h)
{
	return h->gone;
}

struct sim_device *
simhost_device(struct simhost *h)
{
	return h->dev;
}

const struct simhost_config *
simhost_config(const struct simhost *h)
{
	return &h->cfg;
}
