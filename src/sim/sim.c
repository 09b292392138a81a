/*
 * sim.c — the simulated device: its public API (sim.h), input paced at 10
 * bits per byte, the SLIP decoder, and the dispatch of each frame to the
 * ROM loader (rom.c) or whichever flasher stub runs (stub.c, stub2.c).
 * The wire, registers, flash and boot live in sim-wire.c, sim-regs.c,
 * sim-flash.c and sim-boot.c. Pure: no fds, no clocks; time comes in with
 * every call.
 *
 * Follows the real chips where the clients can tell: the boot log texts, the
 * register values esptool reads to describe the chip, the SPI flash
 * commands esptool runs through the SPI controller without the stub, NOR
 * flash semantics (a write can only clear bits, erase sets 0xFF), and the
 * USB-Serial/JTAG watchdog story (a download-mode entry over USB is only a
 * core reset, so the RTC watchdog the app had armed keeps running until the
 * host disarms it with the right register writes).
 *
 * Simplifications: no code runs, so an image started by MEM_END is taken to
 * be a flasher stub (which one, from its size); the super watchdog (SWD) is
 * accepted but never fires.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim-dev.h"
#include "sim-loader.h"
#include "util.h"

/* ---- frames in ---- */

static void
sim_frame(struct sim_device *dev, const uint8_t *body, size_t len)
{
	struct esp_packet pkt;
	int r;

	dev->stats.frames_in++;
	if (dev->state != SIM_STATE_ROM && dev->state != SIM_STATE_STUB)
		return;
	if (dev->state == SIM_STATE_STUB && dev->rd.active) {
		sim_stub_read_frame(dev, body, len);
		return;
	}
	r = esp_packet_parse(body, len, &pkt);
	if (dev->state == SIM_STATE_STUB && dev->stub_kind == SIM_STUB_FLASHER &&
	    r != ESP_ERR_SHORT && (r == ESP_ERR_DIR || pkt.dir != ESP_DIR_COMMAND ||
	    r == ESP_ERR_LENGTH)) {
		/* esp-flasher-stub answers a bad header: C3 for the direction, C0 for the length. */
		dev->stats.bad_frames++;
		sim_log(dev, "esp-flasher-stub: %zu-byte frame: %s", len,
		    r < 0 ? esp_parse_error(r) : "a response");
		sim_stub2_bad_frame(dev, body[1], r == ESP_ERR_LENGTH ? ESP_STUB_BAD_DATA_LEN :
		    ESP_STUB_INVALID_COMMAND);
		return;
	}
	if (r == ESP_ERR_SHORT || r == ESP_ERR_DIR ||
	    (r == 0 && pkt.dir != ESP_DIR_COMMAND && dev->state == SIM_STATE_STUB)) {
		/* The legacy stub drops frames that are no command, silently; so does the ROM a short one. */
		dev->stats.bad_frames++;
		sim_log(dev, "dropped a %zu-byte frame that is no command (%s)", len,
		    r < 0 ? esp_parse_error(r) : "a response");
		return;
	}
	if (r == ESP_ERR_LENGTH) {
		dev->stats.bad_frames++;
		sim_log(dev, "%s: header says %u bytes, frame has %zu",
		    esp_op_name(pkt.op) ? esp_op_name(pkt.op) : "command",
		    pkt.len, pkt.data_len);
		if (dev->state == SIM_STATE_STUB)
			sim_reply(dev, pkt.op, 0, NULL, 0, ESP_STUB_BAD_DATA_LEN);
		else
			sim_reply(dev, pkt.op, dev->rom_value, NULL, 0, ESP_ROM_INVALID_MESSAGE);
		return;
	}
	dev->stats.commands++;
	if (dev->cfg.verbose) {
		const char *name = esp_op_name(pkt.op);
		struct esp_data_header dh;

		if (esp_data_header_parse(&pkt, &dh) == 0)
			sim_log(dev, "> %s len %u seq %u size %u chk 0x%02x",
			    name ? name : "?", pkt.len, dh.seq, dh.size, pkt.value & 0xFF);
		else if (pkt.data_len >= 8)
			sim_log(dev, "> %s len %u args 0x%08x 0x%08x%s", name ? name : "?",
			    pkt.len, le32(pkt.data), le32(pkt.data + 4),
			    pkt.data_len > 8 ? " ..." : "");
		else if (pkt.data_len >= 4)
			sim_log(dev, "> %s len %u arg 0x%08x", name ? name : "?", pkt.len,
			    le32(pkt.data));
		else
			sim_log(dev, "> %s (0x%02x) len %u", name ? name : "?", pkt.op, pkt.len);
	}
	if (dev->state == SIM_STATE_ROM)
		sim_rom_command(dev, &pkt);
	else if (dev->stub_kind == SIM_STUB_FLASHER)
		sim_stub2_command(dev, &pkt);
	else
		sim_stub_command(dev, &pkt);
}

static void
sim_dec_cb(const struct slip_event *ev, void *arg)
{
	struct sim_device *dev = arg;

	switch (ev->type) {
	case SLIP_EV_FRAME:
		sim_frame(dev, ev->data, ev->len);
		break;
	case SLIP_EV_OUTSIDE:
		if (dev->cfg.verbose)
			sim_log(dev, "ignored %zu bytes outside frames", ev->len);
		break;
	case SLIP_EV_BAD_ESCAPE:
		sim_log(dev, "bad SLIP escape DB %02X", ev->bad_byte);
		break;
	case SLIP_EV_OVERSIZE:
		dev->stats.bad_frames++;
		sim_log(dev, "oversize frame dropped (%zu bytes)", ev->raw_len);
		break;
	case SLIP_EV_TRUNCATED:
		break;
	}
}

/* Feed the decoder the input bytes that have arrived by dev->now. */
static void
sim_process_input(struct sim_device *dev)
{
	size_t n = dev->in.len;
	uint64_t arrived = 0, saved_now;

	if (dev->dec_reset) {
		slip_decoder_free(dev->dec);
		dev->dec = slip_decoder_new(0, sim_dec_cb, dev);
		dev->dec_reset = 0;
	}
	if (n == 0)
		return;
	if (dev->state == SIM_STATE_DETACHED || dev->state == SIM_STATE_RESET ||
	    dev->state == SIM_STATE_APP) {
		/* Nobody listens: a held or gone chip, or an app that does not speak SLIP. */
		sim_buf_drop(&dev->in, n);
		return;
	}
	if (dev->cfg.pace && dev->in_wire > dev->now) {
		uint64_t bns = sim_byte_ns(dev->baud);
		uint64_t pending = (dev->in_wire - dev->now + bns - 1) / bns;

		n = pending >= n ? 0 : n - (size_t)pending;
		arrived = dev->in_wire - pending * bns;
	} else if (dev->cfg.pace)
		arrived = dev->in_wire;
	/* Replies start when the command's last byte came in, not when we looked. */
	if (arrived > dev->now || arrived == 0)
		arrived = dev->now;
	saved_now = dev->now;
	dev->now = arrived;
	while (n > 0) {
		/* Feed in slices: a reply may change state (reset, stub) mid-stream. */
		size_t chunk = n > 4096 ? 4096 : n;
		enum sim_state before = dev->state;

		slip_decoder_feed(dev->dec, dev->in.data + dev->in.head, chunk);
		sim_buf_drop(&dev->in, chunk);
		n -= chunk;
		if (dev->dec_reset) {
			/* the device reset while decoding: the rest of the input is lost */
			sim_buf_drop(&dev->in, dev->in.len);
			slip_decoder_free(dev->dec);
			dev->dec = slip_decoder_new(0, sim_dec_cb, dev);
			dev->dec_reset = 0;
			break;
		}
		if (dev->state != before && (dev->state == SIM_STATE_APP ||
		    dev->state == SIM_STATE_DETACHED || dev->state == SIM_STATE_RESET)) {
			sim_buf_drop(&dev->in, dev->in.len);
			break;
		}
	}
	if (dev->state == SIM_STATE_STUB && dev->rd.active)
		sim_stub_read_pump(dev);
	dev->now = saved_now;
}

/* ---- public API ---- */

struct sim_device *
sim_device_new(const struct sim_config *cfg, uint64_t now, const char **why)
{
	struct sim_device *dev;
	const struct sim_chip_info *ci = sim_chip_info(cfg->chip);
	size_t sz = cfg->flash_size;

	if (why != NULL)
		*why = NULL;
	if (ci == NULL) {
		if (why != NULL)
			*why = "unknown chip";
		return NULL;
	}
	if (cfg->flash == NULL || sz < 256 * 1024 || sz > 128 * 1024 * 1024 ||
	    (sz & (sz - 1)) != 0) {
		if (why != NULL)
			*why = "flash size must be a power of two from 256KB to 128MB";
		return NULL;
	}
	if (cfg->transport == SIM_TRANSPORT_USB_JTAG && !ci->usb_jtag) {
		if (why != NULL)
			*why = "this chip has no USB-Serial/JTAG (use --transport uart)";
		return NULL;
	}
	if (cfg->transport == SIM_TRANSPORT_USB_OTG && !ci->usb_otg) {
		if (why != NULL)
			*why = "this chip's ROM has no USB-OTG console (use --transport uart)";
		return NULL;
	}
	dev = xcalloc(1, sizeof(*dev));
	dev->cfg = *cfg;
	if (dev->cfg.baud == 0)
		dev->cfg.baud = ESP_DEFAULT_BAUD;
	dev->chip = ci;
	dev->now = now;
	dev->first_boot = cfg->boot;
	dev->strap_boot = cfg->boot;
	dev->baud = dev->cfg.baud;
	dev->dec = slip_decoder_new(0, sim_dec_cb, dev);
	sim_reboot(dev, cfg->transport != SIM_TRANSPORT_UART ? SIM_RST_USB :
	    SIM_RST_POWERON, cfg->boot);
	return dev;
}

void
sim_device_free(struct sim_device *dev)
{
	if (dev == NULL)
		return;
	sim_flash_op_reset(dev);
	sim_ram_clear(dev);
	free(dev->stub2_buf);
	slip_decoder_free(dev->dec);
	free(dev->in.data);
	free(dev->out.data);
	free(dev);
}

void
sim_device_input(struct sim_device *dev, const uint8_t *buf, size_t len, uint64_t now)
{
	dev->now = now;
	dev->stats.bytes_in += len;
	dev->stats.wire_in_ns += len * sim_byte_ns(dev->baud);
	if (len == 0)
		return;
	if (dev->state == SIM_STATE_DETACHED || dev->state == SIM_STATE_RESET)
		return;
	sim_buf_push(&dev->in, buf, len);
	if (dev->cfg.pace) {
		if (dev->in_wire < now)
			dev->in_wire = now;
		dev->in_wire += len * sim_byte_ns(dev->baud);
	}
	sim_device_tick(dev, now);
}

size_t
sim_device_input_room(const struct sim_device *dev)
{
	return dev->in.len >= SIM_IN_MAX ? 0 : SIM_IN_MAX - dev->in.len;
}

size_t
sim_device_output(struct sim_device *dev, uint8_t *buf, size_t max, uint64_t now)
{
	size_t total = 0;

	dev->now = now;
	while (max > 0 && dev->out.len > 0) {
		size_t n = dev->out.len < max ? dev->out.len : max;
		uint64_t mark = dev->baud_switch_at;

		if (dev->cfg.pace) {
			uint64_t bns = sim_byte_ns(dev->out_baud);
			uint64_t due;

			if (dev->out_wire > now)
				break;
			due = (now - dev->out_wire) / bns;
			if (due == 0)
				break;
			if (n > due)
				n = (size_t)due;
		}
		if (mark > dev->out_taken && dev->out_taken + n > mark)
			n = (size_t)(mark - dev->out_taken);
		memcpy(buf + total, dev->out.data + dev->out.head, n);
		sim_buf_drop(&dev->out, n);
		dev->out_taken += n;
		dev->stats.bytes_out += n;
		dev->stats.wire_out_ns += n * sim_byte_ns(dev->out_baud);
		total += n;
		max -= n;
		if (dev->cfg.pace)
			dev->out_wire += n * sim_byte_ns(dev->out_baud);
		if (dev->out_taken >= mark && dev->out_baud != dev->baud_next)
			dev->out_baud = dev->baud_next;
	}
	if (dev->out.len == 0 && dev->out_baud != dev->baud_next &&
	    dev->out_taken >= dev->baud_switch_at)
		dev->out_baud = dev->baud_next;
	return total;
}

size_t
sim_device_output_pending(const struct sim_device *dev)
{
	return dev->out.len;
}

void
sim_device_tick(struct sim_device *dev, uint64_t now)
{
	dev->now = now;
	if (dev->boot_at != 0 && now >= dev->boot_at) {
		int io0_low = dev->dtr && !dev->rts;

		dev->boot_at = 0;
		sim_reboot(dev, SIM_RST_POWERON, io0_low ? SIM_BOOT_DOWNLOAD : SIM_BOOT_SPI);
	}
	sim_process_input(dev);
	/*
	 * The reset is taken at a packet boundary, right after a command was
	 * answered and before the host has the answer: what the host sees is
	 * its next write stalling (over USB the device stops taking data), not
	 * a lost reply. An idle host gets the reset after a grace period.
	 */
	if (dev->wdt_armed && now >= dev->wdt_deadline && dev->state != SIM_STATE_DETACHED &&
	    ((dev->in.len == 0 && !slip_decoder_in_frame(dev->dec) && dev->out.len > 0) ||
	    now >= dev->wdt_deadline + SIM_WDT_GRACE_NS))
		sim_wdt_fire(dev);
	if (dev->state == SIM_STATE_APP && now >= dev->app_next) {
		char line[96];

		dev->app_count++;
		dev->app_next = now + SIM_APP_TICK_NS;
		if (dev->app_valid)
			snprintf(line, sizeof(line), "I (%u) sliptap-sim: app running\r\n",
			    dev->app_count * 1000);
		else
			snprintf(line, sizeof(line), "invalid header: 0x%08x\r\n",
			    le32(dev->cfg.flash + dev->chip->bootloader_offset));
		sim_emit_text(dev, line);
	}
}

uint64_t
sim_device_next_deadline(const struct sim_device *dev)
{
	uint64_t d = UINT64_MAX;

	if (dev->boot_at != 0 && dev->boot_at < d)
		d = dev->boot_at;
	if (dev->wdt_armed && dev->state != SIM_STATE_DETACHED) {
		/* due but waiting for a packet boundary: input wakes us, or the grace ends */
		uint64_t t = dev->wdt_deadline > dev->now ? dev->wdt_deadline :
		    dev->wdt_deadline + SIM_WDT_GRACE_NS;

		if (t < d)
			d = t;
	}
	if (dev->state == SIM_STATE_APP && dev->app_next < d)
		d = dev->app_next;
	if (dev->cfg.pace && dev->in.len > 0 && dev->in_wire < d)
		d = dev->in_wire;
	if (dev->cfg.pace && dev->out.len > 0) {
		uint64_t t = dev->out_wire + sim_byte_ns(dev->out_baud);

		if (t < d)
			d = t;
	}
	return d;
}

enum sim_state
sim_device_state(const struct sim_device *dev)
{
	return dev->state;
}

uint32_t
sim_device_baud(const struct sim_device *dev)
{
	return dev->baud;
}

int
sim_device_wdt_armed(const struct sim_device *dev)
{
	return dev->wdt_armed;
}

const struct sim_stats *
sim_device_stats(const struct sim_device *dev)
{
	return &dev->stats;
}

const char *
sim_state_name(enum sim_state st)
{
	switch (st) {
	case SIM_STATE_RESET:
		return "reset";
	case SIM_STATE_ROM:
		return "rom";
	case SIM_STATE_STUB:
		return "stub";
	case SIM_STATE_APP:
		return "app";
	case SIM_STATE_DETACHED:
		return "detached";
	}
	return "?";
}
