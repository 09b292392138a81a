/*
 * sim.c — the simulated device: wire (input and output queues, optional
 * pacing at 10 bits per byte), the reset circuit, boot and boot log, the
 * register file the host reads and writes, the RTC watchdog, and the
 * dispatch of SLIP frames to the ROM loader (rom.c) or the flasher stub
 * (stub.c). Pure: no fds, no clocks; time comes in with every call.
 *
 * Follows the real chips where the clients can tell: the boot log texts, the
 * register values esptool reads to describe the chip, the SPI flash
 * commands esptool runs through the SPI controller without the stub, NOR
 * flash semantics (a write can only clear bits, erase sets 0xFF), and the
 * USB-Serial/JTAG watchdog story (a download-mode entry over USB is only a
 * core reset, so the RTC watchdog the app had armed keeps running until the
 * host disarms it with the right register writes).
 *
 * Simplifications: no code runs, so any image started by MEM_END is taken
 * to be the flasher stub; flash operations take no time; the super
 * watchdog (SWD) is accepted but never fires.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim-int.h"
#include "util.h"

static void sim_dec_cb(const struct slip_event *ev, void *arg);
static void sim_boot(struct sim_device *dev, enum sim_rst why, enum sim_boot boot);

/* ---- queues ---- */

static void
sim_buf_push(struct sim_buf *b, const uint8_t *data, size_t len)
{
	if (b->head > 0 && b->head + b->len + len > b->cap) {
		memmove(b->data, b->data + b->head, b->len);
		b->head = 0;
	}
	if (b->len + len > b->cap) {
		size_t ncap = b->cap ? b->cap : 4096;

		while (ncap < b->len + len)
			ncap *= 2;
		b->data = xrealloc(b->data, ncap);
		b->cap = ncap;
	}
	memcpy(b->data + b->head + b->len, data, len);
	b->len += len;
}

static void
sim_buf_drop(struct sim_buf *b, size_t n)
{
	if (n > b->len)
		n = b->len;
	b->head += n;
	b->len -= n;
	if (b->len == 0)
		b->head = 0;
}

static uint64_t
sim_byte_ns(uint32_t baud)
{
	return 10 * SIM_NS_PER_SEC / (baud ? baud : 115200);
}

/* ---- logging and output ---- */

void
sim_log(struct sim_device *dev, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (dev->cfg.log_cb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	dev->cfg.log_cb(line, dev->cfg.arg);
}

static void
sim_event(struct sim_device *dev, enum sim_event ev)
{
	if (dev->cfg.event_cb != NULL)
		dev->cfg.event_cb(ev, dev->cfg.arg);
}

void
sim_emit(struct sim_device *dev, const uint8_t *buf, size_t len)
{
	if (dev->state == SIM_STATE_DETACHED || dev->state == SIM_STATE_RESET)
		return;
	if (dev->out.len + len > SIM_OUT_MAX) {
		/* Nobody reads the port: a UART just loses the bytes. */
		dev->stats.out_dropped += len;
		return;
	}
	if (dev->out.len == 0 && dev->out_wire < dev->now)
		dev->out_wire = dev->now;	/* the line starts sending now */
	sim_buf_push(&dev->out, buf, len);
	dev->out_total += len;
}

void
sim_emit_text(struct sim_device *dev, const char *s)
{
	sim_emit(dev, (const uint8_t *)s, strlen(s));
}

void
sim_send_frame(struct sim_device *dev, const uint8_t *body, size_t len)
{
	uint8_t stackbuf[512], *enc;
	size_t n;

	enc = SLIP_ENCODED_MAX(len) <= sizeof(stackbuf) ? stackbuf :
	    xmalloc(SLIP_ENCODED_MAX(len));
	n = slip_encode(body, len, enc);
	sim_emit(dev, enc, n);
	if (enc != stackbuf)
		free(enc);
}

void
sim_reply(struct sim_device *dev, uint8_t op, uint32_t value, const uint8_t *data,
    size_t len, uint8_t error)
{
	uint8_t payload[4200], body[4200 + ESP_HDR_LEN];
	size_t n = 0, blen;
	const char *name = esp_op_name(op);

	if (len > sizeof(payload) - 4)
		fatalx("sim_reply: %zu bytes", len);
	if (len > 0)
		memcpy(payload, data, len);
	n = len;
	if (dev->state == SIM_STATE_STUB) {
		payload[n++] = error;
		payload[n++] = 0;
	} else {
		payload[n++] = error ? 1 : 0;
		payload[n++] = error;
		payload[n++] = 0;
		payload[n++] = 0;
	}
	blen = esp_response_build(op, value, payload, n, body);
	sim_send_frame(dev, body, blen);
	if (dev->cfg.verbose) {
		if (error)
			sim_log(dev, "< %s value 0x%08x error 0x%02x (%s)",
			    name ? name : "?", value, error,
			    esp_error_name(error) ? esp_error_name(error) : "?");
		else
			sim_log(dev, "< %s value 0x%08x ok%s", name ? name : "?",
			    value, len ? " +data" : "");
	}
}

/* ---- registers ---- */

static struct sim_reg *
sim_reg_find(struct sim_device *dev, uint32_t addr)
{
	size_t i;

	for (i = 0; i < dev->nregs; i++)
		if (dev->regs[i].addr == addr)
			return &dev->regs[i];
	return NULL;
}

static void
sim_reg_store(struct sim_device *dev, uint32_t addr, uint32_t value)
{
	struct sim_reg *r = sim_reg_find(dev, addr);

	if (r == NULL) {
		if (dev->nregs == SIM_MAX_REGS) {
			/* Forget the oldest; hosts write a few dozen at most. */
			memmove(&dev->regs[0], &dev->regs[1],
			    (SIM_MAX_REGS - 1) * sizeof(dev->regs[0]));
			dev->nregs--;
		}
		r = &dev->regs[dev->nregs++];
		r->addr = addr;
	}
	r->value = value;
}

static uint32_t
sim_flash_id(const struct sim_device *dev)
{
	uint32_t cap = 0;
	size_t sz = dev->cfg.flash_size;

	while (sz > 1) {
		sz >>= 1;
		cap++;
	}
	/* XMC 0x20, memory type 0x40, capacity log2(bytes): 4 MB is 0x164020 */
	return 0x20 | 0x40 << 8 | cap << 16;
}

uint32_t
sim_reg_read(struct sim_device *dev, uint32_t addr)
{
	const struct sim_chip_info *ci = dev->chip;
	const struct sim_reg *r;

	if (addr == 0x40001000)
		return ci->magic;
	if (ci->uartdev_buf_no != 0 && addr == ci->uartdev_buf_no)
		return dev->cfg.transport == SIM_TRANSPORT_USB_JTAG ?
		    ci->uartdev_usb_jtag : 0;
	if (addr == ci->uart_clkdiv_reg)
		return (uint32_t)(ci->xtal_hz / (dev->baud ? dev->baud : 115200));
	if (addr == ci->spi_base)
		return 0;	/* SPI_CMD: the user command has completed */
	if ((r = sim_reg_find(dev, addr)) != NULL)
		return r->value;
	for (r = ci->regs; r->addr != 0; r++)
		if (r->addr == addr)
			return r->value;
	return 0;
}

static void
sim_wdt_arm(struct sim_device *dev, uint64_t timeout, const char *why)
{
	dev->wdt_armed = 1;
	dev->wdt_deadline = dev->now + timeout;
	sim_log(dev, "RTC watchdog armed (%s): fires in %.3f s", why,
	    (double)timeout / SIM_NS_PER_SEC);
}

/* Run the user command esptool set up in the SPI controller. */
static void
sim_spi_command(struct sim_device *dev)
{
	const struct sim_chip_info *ci = dev->chip;
	uint32_t usr2 = sim_reg_read(dev, ci->spi_base + ci->spi_usr2);
	uint8_t cmd = usr2 & 0xFF;
	uint32_t w0 = 0;

	switch (cmd) {
	case 0x9F:	/* RDID */
		w0 = sim_flash_id(dev);
		break;
	case 0x05:	/* RDSR */
		w0 = dev->spi_status & 0xFF;
		break;
	case 0x35:	/* RDSR2 */
		w0 = (dev->spi_status >> 8) & 0xFF;
		break;
	case 0x15:	/* RDSR3 */
		w0 = (dev->spi_status >> 16) & 0xFF;
		break;
	case 0x06:	/* WREN */
		dev->spi_status |= 0x02;
		w0 = sim_reg_read(dev, ci->spi_base + ci->spi_w0);
		break;
	case 0x04:	/* WRDI */
		dev->spi_status &= ~0x02u;
		w0 = sim_reg_read(dev, ci->spi_base + ci->spi_w0);
		break;
	case 0x01:	/* WRSR: keep the bits the host wrote, WEL clears */
		w0 = sim_reg_read(dev, ci->spi_base + ci->spi_w0);
		dev->spi_status = w0 & 0xFFFF & ~0x03u;
		break;
	default:	/* SFDP and the rest read as zeros */
		w0 = 0;
		break;
	}
	sim_reg_store(dev, ci->spi_base + ci->spi_w0, w0);
	if (dev->cfg.verbose)
		sim_log(dev, "spi flash command 0x%02x -> W0 0x%08x", cmd, w0);
}

void
sim_reg_write(struct sim_device *dev, uint32_t addr, uint32_t value, uint32_t mask)
{
	const struct sim_chip_info *ci = dev->chip;
	uint32_t v = value & mask;

	if (mask != 0xFFFFFFFF)
		v |= sim_reg_read(dev, addr) & ~mask;

	if (ci->wdt_wprotect != 0 && addr == ci->wdt_wprotect) {
		dev->wdt_unlocked = v == 0x50D83AA1;
	} else if (ci->wdt_config0 != 0 && addr == ci->wdt_config0) {
		if (!dev->wdt_unlocked) {
			sim_log(dev, "RTC_CNTL_WDTCONFIG0 write 0x%08x ignored: "
			    "write-protected", v);
			return;
		}
		if (v & 0x80000000u) {
			uint32_t cycles = sim_reg_read(dev, ci->wdt_config1);
			uint64_t t;

			if (cycles == 0)
				cycles = SIM_RTC_SLOW_HZ;
			t = (uint64_t)cycles * SIM_NS_PER_SEC / SIM_RTC_SLOW_HZ;
			sim_wdt_arm(dev, t, "by the host");
		} else if (dev->wdt_armed) {
			dev->wdt_armed = 0;
			sim_log(dev, "RTC watchdog disabled by the host");
		}
	} else if (ci->swd_wprotect != 0 && addr == ci->swd_wprotect) {
		dev->swd_unlocked = v == 0x8F1D312A;
	} else if (ci->swd_conf != 0 && addr == ci->swd_conf) {
		if (!dev->swd_unlocked) {
			sim_log(dev, "RTC_CNTL_SWD_CONF write ignored: write-protected");
			return;
		}
	}
	sim_reg_store(dev, addr, v);
	if (addr == ci->spi_base && (v & (1u << 18)))
		sim_spi_command(dev);
}

/* ---- flash ---- */

static int
sim_flash_range(const struct sim_device *dev, uint32_t addr, uint32_t len)
{
	return (uint64_t)addr + len <= dev->cfg.flash_size ? 0 : -1;
}

int
sim_flash_erase(struct sim_device *dev, uint32_t addr, uint32_t len)
{
	if (sim_flash_range(dev, addr, len) < 0)
		return -1;
	memset(dev->cfg.flash + addr, 0xFF, len);
	return 0;
}

int
sim_flash_write(struct sim_device *dev, uint32_t addr, const uint8_t *data, uint32_t len)
{
	uint8_t *p;
	uint32_t i;

	if (sim_flash_range(dev, addr, len) < 0)
		return -1;
	/* NOR flash: programming only clears bits. */
	p = dev->cfg.flash + addr;
	for (i = 0; i < len; i++)
		p[i] &= data[i];
	dev->stats.flash_written += len;
	return 0;
}

int
sim_flash_md5(struct sim_device *dev, uint32_t addr, uint32_t len, uint8_t digest[16])
{
	struct sim_md5 m;

	if (sim_flash_range(dev, addr, len) < 0)
		return -1;
	sim_md5_init(&m);
	sim_md5_update(&m, dev->cfg.flash + addr, len);
	sim_md5_final(&m, digest);
	return 0;
}

void
sim_flash_op_reset(struct sim_device *dev)
{
	if (dev->fl.zinit)
		inflateEnd(&dev->fl.zs);
	memset(&dev->fl, 0, sizeof(dev->fl));
}

int
sim_flash_inflate(struct sim_device *dev, const uint8_t *data, size_t len, int limit)
{
	struct sim_flash_op *fl = &dev->fl;
	uint8_t out[16384];
	int zr;

	if (!fl->zinit) {
		memset(&fl->zs, 0, sizeof(fl->zs));
		if (inflateInit(&fl->zs) != Z_OK)
			return -1;
		fl->zinit = 1;
	}
	if (fl->zdone)
		return 0;	/* bytes after the end of the stream are ignored */
	fl->zs.next_in = (Bytef *)(uintptr_t)data;
	fl->zs.avail_in = (uInt)len;
	do {
		size_t n, w;

		fl->zs.next_out = out;
		fl->zs.avail_out = sizeof(out);
		zr = inflate(&fl->zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			return -1;
		n = sizeof(out) - fl->zs.avail_out;
		w = n;
		if (limit && w > fl->remaining)
			w = fl->remaining;
		if (w > 0 && sim_flash_write(dev, fl->next_write, out, (uint32_t)w) < 0)
			return -2;
		fl->next_write += (uint32_t)w;
		if (limit)
			fl->remaining -= (uint32_t)w;
		if (zr == Z_STREAM_END) {
			fl->zdone = 1;
			break;
		}
		if (zr == Z_BUF_ERROR && n == 0)
			break;
	} while (fl->zs.avail_in > 0 || fl->zs.avail_out == 0);
	return 0;
}

/* ---- baud ---- */

void
sim_set_baud_after_reply(struct sim_device *dev, uint32_t baud)
{
	if (baud == 0)
		return;
	/* Input after the reply already comes at the new rate; output switches once the reply is out. */
	dev->baud = baud;
	dev->baud_next = baud;
	dev->baud_switch_at = dev->out_total;
	sim_log(dev, "baud rate now %u", baud);
	sim_event(dev, SIM_EV_BAUD);
}

/* ---- boot ---- */

static void
sim_loader_reset(struct sim_device *dev)
{
	sim_flash_op_reset(dev);
	memset(&dev->mem, 0, sizeof(dev->mem));
	memset(&dev->rd, 0, sizeof(dev->rd));
	dev->nregs = 0;
	dev->spi_status = 0;
	dev->spi_flash_size = 0;
	dev->wdt_unlocked = dev->swd_unlocked = 0;
	dev->baud = dev->cfg.baud;
	dev->out_baud = dev->cfg.baud;
	dev->baud_next = dev->cfg.baud;
	dev->baud_switch_at = dev->out_total;
	dev->dec_reset = 1;	/* a fresh decoder before the next input (may be inside a callback now) */
	sim_buf_drop(&dev->in, dev->in.len);
	dev->in_wire = 0;
}

static const char *
sim_rst_text(const struct sim_device *dev, enum sim_rst why)
{
	switch (why) {
	case SIM_RST_USB:
		return dev->chip->rst_usb;
	case SIM_RST_RTCWDT:
		return dev->chip->rst_rtcwdt;
	case SIM_RST_SW:
		return dev->chip->rst_sw;
	case SIM_RST_POWERON:
		break;
	}
	return dev->chip->rst_poweron;
}

/* The app's boot: the ROM loads the 2nd stage bootloader, or complains. */
static void
sim_app_boot_log(struct sim_device *dev)
{
	const uint8_t *img = dev->cfg.flash + dev->chip->bootloader_offset;
	char line[128];
	uint32_t off, i, nseg;

	if (dev->chip->id == SIM_CHIP_ESP32)
		sim_emit_text(dev, "configsip: 0, SPIWP:0xee\r\n"
		    "clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n"
		    "mode:DIO, clock div:2\r\n");
	else
		sim_emit_text(dev, "SPIWP:0xee\r\nmode:DIO, clock div:1\r\n");
	dev->app_valid = img[0] == 0xE9;
	if (!dev->app_valid) {
		snprintf(line, sizeof(line), "invalid header: 0x%08x\r\n", le32(img));
		sim_emit_text(dev, line);
		return;
	}
	nseg = img[1] > 16 ? 16 : img[1];
	off = 24;
	for (i = 0; i < nseg; i++) {
		uint32_t a, l;

		if ((uint64_t)dev->chip->bootloader_offset + off + 8 > dev->cfg.flash_size)
			break;
		a = le32(img + off);
		l = le32(img + off + 4);
		snprintf(line, sizeof(line), "load:0x%08x,len:0x%x\r\n", a, l);
		sim_emit_text(dev, line);
		off += 8 + l;
		if (off > 0x100000)
			break;
	}
	snprintf(line, sizeof(line), "entry 0x%08x\r\n", le32(img + 4));
	sim_emit_text(dev, line);
	sim_emit_text(dev, "I (31) boot: sliptap sim: 2nd stage bootloader (simulated)\r\n"
	    "I (45) boot: Loaded app from partition at offset 0x10000\r\n");
}

static void
sim_boot(struct sim_device *dev, enum sim_rst why, enum sim_boot boot)
{
	char line[256];
	const struct sim_chip_info *ci = dev->chip;

	sim_loader_reset(dev);
	dev->stats.resets++;
	dev->state = boot == SIM_BOOT_DOWNLOAD ? SIM_STATE_ROM : SIM_STATE_APP;
	dev->app_count = 0;
	dev->app_next = dev->now + SIM_APP_TICK_NS;
	/* The RTC watchdog: a USB core reset into download mode leaves the app's running. */
	if (why == SIM_RST_USB && boot == SIM_BOOT_DOWNLOAD &&
	    dev->cfg.transport == SIM_TRANSPORT_USB_JTAG && dev->cfg.wdt_timeout_ns > 0) {
		if (!dev->wdt_armed)
			sim_wdt_arm(dev, dev->cfg.wdt_timeout_ns,
			    "left running by the app across the USB core reset");
	} else if (why == SIM_RST_POWERON || why == SIM_RST_RTCWDT) {
		dev->wdt_armed = 0;	/* these reset the RTC domain, watchdog included */
	}
	if (why != SIM_RST_SW)
		dev->strap_boot = boot;	/* straps latch at a chip reset, not a software one */
	if (boot == SIM_BOOT_SPI)
		dev->wdt_armed = 0;	/* the app feeds (or configures) its own */

	sim_emit_text(dev, ci->banner);
	snprintf(line, sizeof(line), "%s,%s\r\n", sim_rst_text(dev, why),
	    boot == SIM_BOOT_DOWNLOAD ? ci->boot_download : ci->boot_spi);
	sim_emit_text(dev, line);
	if (boot == SIM_BOOT_DOWNLOAD) {
		if (ci->download_extra != NULL)
			sim_emit_text(dev, ci->download_extra);
		sim_emit_text(dev, "waiting for download\r\n");
	} else
		sim_app_boot_log(dev);
	sim_log(dev, "boot: %s, %s", sim_rst_text(dev, why),
	    boot == SIM_BOOT_DOWNLOAD ? "download mode" : "SPI boot");
	sim_event(dev, SIM_EV_RESET);
}

void
sim_reboot(struct sim_device *dev, enum sim_rst why, enum sim_boot boot)
{
	sim_boot(dev, why, boot);
}

void
sim_run_app(struct sim_device *dev)
{
	sim_loader_reset(dev);
	dev->state = SIM_STATE_APP;
	dev->wdt_armed = 0;	/* the app (its bootloader) takes over the watchdog */
	dev->app_count = 0;
	dev->app_next = dev->now + SIM_APP_TICK_NS;
	sim_log(dev, "leaving the loader: running the app in flash");
	sim_app_boot_log(dev);
}

void
sim_start_stub(struct sim_device *dev)
{
	static const uint8_t ohai[] = { 'O', 'H', 'A', 'I' };

	dev->state = SIM_STATE_STUB;
	sim_flash_op_reset(dev);
	memset(&dev->mem, 0, sizeof(dev->mem));
	sim_send_frame(dev, ohai, sizeof(ohai));
	sim_log(dev, "flasher stub running (sent OHAI)");
	sim_event(dev, SIM_EV_STUB);
}

int
sim_is_sync_payload(const struct esp_packet *pkt)
{
	static const uint8_t head[4] = { 0x07, 0x07, 0x12, 0x20 };
	size_t i;

	if (pkt->data_len != 36 || memcmp(pkt->data, head, 4) != 0)
		return 0;
	for (i = 4; i < 36; i++)
		if (pkt->data[i] != 0x55)
			return 0;
	return 1;
}

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
	if (r == ESP_ERR_SHORT || r == ESP_ERR_DIR ||
	    (r == 0 && pkt.dir != ESP_DIR_COMMAND)) {
		/* The loaders drop frames that are no command, silently. */
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
			sim_reply(dev, pkt.op, 0, NULL, 0, ESP_ROM_INVALID_MESSAGE);
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
	if (dev->state == SIM_STATE_STUB)
		sim_stub_command(dev, &pkt);
	else
		sim_rom_command(dev, &pkt);
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
	dev = xcalloc(1, sizeof(*dev));
	dev->cfg = *cfg;
	if (dev->cfg.baud == 0)
		dev->cfg.baud = 115200;
	dev->chip = ci;
	dev->now = now;
	dev->first_boot = cfg->boot;
	dev->strap_boot = cfg->boot;
	dev->baud = dev->cfg.baud;
	dev->dec = slip_decoder_new(0, sim_dec_cb, dev);
	sim_boot(dev, cfg->transport == SIM_TRANSPORT_USB_JTAG ? SIM_RST_USB :
	    SIM_RST_POWERON, cfg->boot);
	return dev;
}

void
sim_device_free(struct sim_device *dev)
{
	if (dev == NULL)
		return;
	sim_flash_op_reset(dev);
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
sim_device_set_lines(struct sim_device *dev, int dtr, int rts, uint64_t now)
{
	dev->now = now;
	dtr = dtr != 0;
	rts = rts != 0;
	if (dev->cfg.transport == SIM_TRANSPORT_UART) {
		int en_low = rts && !dtr;

		if (en_low && !dev->en_low) {
			dev->en_low = 1;
			dev->boot_at = 0;
			dev->state = SIM_STATE_RESET;
			sim_buf_drop(&dev->out, dev->out.len);
			sim_buf_drop(&dev->in, dev->in.len);
			sim_log(dev, "EN low: chip held in reset");
		} else if (!en_low && dev->en_low) {
			dev->en_low = 0;
			dev->boot_at = now + SIM_EN_RC_NS;
		}
	} else {
		if (dtr && !rts)
			dev->usb_dl_latch = 1;
		if (rts && !dtr && !dev->usb_in_reset) {
			dev->usb_in_reset = 1;
			dev->state = SIM_STATE_RESET;
			sim_buf_drop(&dev->out, dev->out.len);
			sim_buf_drop(&dev->in, dev->in.len);
			sim_log(dev, "USB-Serial/JTAG: core reset asserted");
		} else if (!rts && dev->usb_in_reset) {
			dev->usb_in_reset = 0;
			sim_boot(dev, SIM_RST_USB, dev->usb_dl_latch ?
			    SIM_BOOT_DOWNLOAD : SIM_BOOT_SPI);
			dev->usb_dl_latch = 0;
		} else if (!dtr && !rts)
			dev->usb_dl_latch = 0;
	}
	dev->dtr = dtr;
	dev->rts = rts;
	sim_device_tick(dev, now);
}

static void
sim_wdt_fire(struct sim_device *dev)
{
	dev->wdt_armed = 0;
	dev->stats.wdt_fires++;
	sim_log(dev, "RTC watchdog fired: chip reset (RTCWDT_RTC_RST)");
	if (dev->cfg.transport == SIM_TRANSPORT_USB_JTAG) {
		/* Replies already on their way still reach the host; nothing new will. */
		sim_loader_reset(dev);
		dev->state = SIM_STATE_DETACHED;
		sim_log(dev, "USB-Serial/JTAG device detached by the reset");
		sim_event(dev, SIM_EV_DETACH);
		return;
	}
	sim_boot(dev, SIM_RST_RTCWDT, SIM_BOOT_SPI);
}

void
sim_device_tick(struct sim_device *dev, uint64_t now)
{
	dev->now = now;
	if (dev->boot_at != 0 && now >= dev->boot_at) {
		int io0_low = dev->dtr && !dev->rts;

		dev->boot_at = 0;
		sim_boot(dev, SIM_RST_POWERON, io0_low ? SIM_BOOT_DOWNLOAD : SIM_BOOT_SPI);
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

void
sim_device_usb_attach(struct sim_device *dev, uint64_t now)
{
	dev->now = now;
	if (dev->state != SIM_STATE_DETACHED)
		return;
	dev->out_wire = now;
	dev->state = SIM_STATE_RESET;
	sim_boot(dev, SIM_RST_RTCWDT, SIM_BOOT_SPI);
}

void
sim_device_power_cycle(struct sim_device *dev, enum sim_boot boot, uint64_t now)
{
	dev->now = now;
	dev->wdt_armed = 0;
	dev->en_low = 0;
	dev->boot_at = 0;
	dev->usb_in_reset = 0;
	dev->usb_dl_latch = 0;
	sim_buf_drop(&dev->out, dev->out.len);
	dev->state = SIM_STATE_RESET;
	sim_boot(dev, SIM_RST_POWERON, boot);
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
