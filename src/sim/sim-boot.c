/*
 * sim-boot.c — resets and boots: the auto-reset circuit (UART's two
 * transistors, USB-Serial/JTAG's own logic), the straps, the ROM boot log
 * and the app's, the RTC watchdog firing, the loader state cleared at each
 * reset, and the start of an uploaded flasher stub. Pure.
 */
#include <stdio.h>
#include <string.h>

#include "sim-dev.h"
#include "util.h"

static void sim_usb_detach(struct sim_device *dev, enum sim_rst why, enum sim_boot boot);

/* ---- boot ---- */

void
sim_loader_reset(struct sim_device *dev)
{
	sim_flash_op_reset(dev);
	memset(&dev->mem, 0, sizeof(dev->mem));
	memset(&dev->rd, 0, sizeof(dev->rd));
	sim_ram_clear(dev);
	dev->stub_kind = SIM_STUB_LEGACY;
	dev->stub2_pending = 0;
	dev->stub2_fill = 0;
	dev->rom_last_op = 0;
	dev->rom_value = 0;
	dev->rom_last_err = 0;
	dev->rom_last_count = 0;
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

/* The ESP8266 ROM's SPI boot: the segments of an image in flash, at 74880 baud. */
static void
sim_app_boot_log_8266(struct sim_device *dev)
{
	const uint8_t *img = dev->cfg.flash;
	char line[128];
	uint32_t off = 8, i, nseg;

	dev->app_valid = img[0] == 0xE9;
	if (!dev->app_valid)
		return;	/* an erased flash: the ROM says nothing more */
	nseg = img[1] > 16 ? 16 : img[1];
	for (i = 0; i < nseg && (uint64_t)off + 8 <= dev->cfg.flash_size; i++) {
		uint32_t a = le32(img + off), l = le32(img + off + 4);

		snprintf(line, sizeof(line), "load 0x%08x, len %u, room 16 \r\n", a, l);
		sim_emit_text_at(dev, line, SIM_ESP8266_BOOT_BAUD);
		off += 8 + l;
		if (off > 0x100000)
			break;
	}
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

	if (ci->quirks & SIM_Q_BOOT_74880) {
		/* ESP8266: one line at 74880 baud (26 MHz crystal), nothing more in download mode */
		snprintf(line, sizeof(line), "%s%s, %s\r\n\r\n", ci->banner, sim_rst_text(dev, why),
		    boot == SIM_BOOT_DOWNLOAD ? ci->boot_download : ci->boot_spi);
		sim_emit_text_at(dev, line, SIM_ESP8266_BOOT_BAUD);
		if (boot == SIM_BOOT_SPI)
			sim_app_boot_log_8266(dev);
	} else {
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
	}
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
			enum sim_boot boot = dev->usb_dl_latch ? SIM_BOOT_DOWNLOAD : SIM_BOOT_SPI;

			dev->usb_in_reset = 0;
			dev->usb_dl_latch = 0;
			if (dev->cfg.transport == SIM_TRANSPORT_USB_OTG) {
				/* The ROM's CDC device goes with the reset and enumerates anew. */
				sim_usb_detach(dev, SIM_RST_USB, boot);
			} else
				sim_boot(dev, SIM_RST_USB, boot);
		} else if (!dtr && !rts)
			dev->usb_dl_latch = 0;
	}
	dev->dtr = dtr;
	dev->rts = rts;
	sim_device_tick(dev, now);
}

/* The chip reset while on USB: the device leaves the bus; it boots when the host is back. */
static void
sim_usb_detach(struct sim_device *dev, enum sim_rst why, enum sim_boot boot)
{
	sim_loader_reset(dev);
	dev->state = SIM_STATE_DETACHED;
	dev->attach_rst = why;
	dev->attach_boot = boot;
	if (why != SIM_RST_SW)
		dev->strap_boot = boot;
	sim_log(dev, "%s device detached by the reset", dev->cfg.transport == SIM_TRANSPORT_USB_OTG ?
	    "USB-OTG CDC" : "USB-Serial/JTAG");
	sim_event(dev, SIM_EV_DETACH);
}

void
sim_wdt_fire(struct sim_device *dev)
{
	dev->wdt_armed = 0;
	dev->stats.wdt_fires++;
	sim_log(dev, "RTC watchdog fired: chip reset (RTCWDT_RTC_RST)");
	if (dev->cfg.transport != SIM_TRANSPORT_UART) {
		/* Replies already on their way still reach the host; nothing new will. */
		sim_usb_detach(dev, SIM_RST_RTCWDT, SIM_BOOT_SPI);
		return;
	}
	sim_boot(dev, SIM_RST_RTCWDT, SIM_BOOT_SPI);
}


void
sim_device_usb_attach(struct sim_device *dev, uint64_t now)
{
	dev->now = now;
	if (dev->state != SIM_STATE_DETACHED)
		return;
	dev->out_wire = now;
	dev->state = SIM_STATE_RESET;
	sim_boot(dev, dev->attach_rst, dev->attach_boot);
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

