/*
 * sim-regs.c — the register file the host reads and writes: fixed chip
 * values (magic, eFuses), registers the host wrote, the UART divider, the
 * SPI controller's user commands (RDID, RDSR, WRSR, ...) run the way
 * esptool drives them without a stub, and the RTC watchdog's registers
 * (write protection, enable, timeout). Pure.
 */
#include <string.h>

#include "sim-dev.h"
#include "util.h"

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

uint32_t
sim_reg_read(struct sim_device *dev, uint32_t addr)
{
	const struct sim_chip_info *ci = dev->chip;
	const struct sim_reg *r;
	uint32_t v;

	if (addr == 0x40001000 && !(ci->quirks & SIM_Q_NO_MAGIC_WORD))
		return ci->magic;
	if (ci->uartdev_buf_no != 0 && addr == ci->uartdev_buf_no)
		return dev->cfg.transport == SIM_TRANSPORT_USB_JTAG ? ci->uartdev_usb_jtag :
		    dev->cfg.transport == SIM_TRANSPORT_USB_OTG ? ci->uartdev_usb_otg : 0;
	if (addr == ci->uart_clkdiv_reg)
		return (uint32_t)(ci->xtal_hz / (dev->baud ? dev->baud : ESP_DEFAULT_BAUD));
	if (addr == ci->spi_base)
		return 0;	/* SPI_CMD: the user command has completed */
	if (ci->gpio_strap_reg != 0 && addr == ci->gpio_strap_reg)
		return dev->strap_boot == SIM_BOOT_DOWNLOAD ? ci->strap_download : ci->strap_spi;
	if ((r = sim_reg_find(dev, addr)) != NULL)
		return r->value;
	if (sim_ram_read(dev, addr, &v))
		return v;	/* what MEM_DATA put there */
	for (r = ci->regs; r->addr != 0; r++)
		if (r->addr == addr)
			return r->value;
	return 0;
}

void
sim_wdt_arm(struct sim_device *dev, uint64_t timeout, const char *why)
{
	dev->wdt_armed = 1;
	dev->wdt_deadline = dev->now + timeout;
	sim_log(dev, "RTC watchdog armed (%s): fires in %.3f s", why,
	    (double)timeout / NS_PER_SEC);
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
			t = (uint64_t)cycles * NS_PER_SEC / SIM_RTC_SLOW_HZ;
			sim_wdt_arm(dev, t, "by the host");
		} else if (dev->wdt_armed) {
			dev->wdt_armed = 0;
			sim_log(dev, "RTC watchdog disabled by the host");
		}
	} else if (ci->swd_wprotect != 0 && addr == ci->swd_wprotect) {
		dev->swd_unlocked = v == ci->swd_key;
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


size_t
sim_security_info(const struct sim_device *dev, uint8_t si[20])
{
	if (!dev->chip->has_security_info)
		return 0;
	memset(si, 0, 20);
	/* flags, flash_crypt_cnt, 7 key purposes: all clear; then chip id, api version */
	put_le32(si + 12, dev->chip->chip_id);
	put_le32(si + 16, dev->chip->api_version);
	/* The ESP32-S2 ROM stops after the key purposes (12 bytes). */
	return dev->chip->security_info_len ? dev->chip->security_info_len : 20;
}
