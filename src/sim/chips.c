/*
 * chips.c — what the simulator knows about each chip: the values esptool
 * and esptool-js read to identify it (the magic word at 0x40001000, the
 * GET_SECURITY_INFO chip id), the eFuse words behind the chip description
 * and MAC, the SPI controller and RTC watchdog register addresses, and the
 * ROM boot log texts.
 *
 * Addresses come from esptool's target classes (targets/NAME.py, 3.3 to
 * 5.3); the eFuse values are chosen so that esptool prints a plausible
 * description: ESP8266EX, ESP32-D0WD-V3 (revision v3.0), ESP32-S2
 * (revision v0.0), ESP32-S3 (QFN56) (revision v0.2), ESP32-C3 (QFN32)
 * (revision v0.3), ESP32-C6 (QFN40) (revision v0.1), ESP32-C2 (revision
 * v1.0), ESP32-H2 (revision v0.1), MACs in Espressif's
 * OUIs. Boot log texts are those the real ROMs print (docs/simulator.md
 * says which were checked how). Adding a chip is adding a row here, an
 * enum value in sim.h, and named quirks (sim-dev.h) where its ROM differs.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sim-dev.h"

/* Chip names compare without case and dashes: "ESP32-S3" is "esp32s3". */
static int
sim_chip_name_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == '-' || *a == '_')
			a++;
		while (*b == '-' || *b == '_')
			b++;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		if (*a == '\0')
			return 1;
		a++, b++;
	}
}

static const struct sim_reg sim_esp8266_regs[] = {
	{ 0x3FF00050, 0xA7000000 },	/* OTP MAC0: MAC byte 5 in the top byte, not an ESP8285 */
	{ 0x3FF00054, 0x0000C2D1 },	/* OTP MAC1: bytes 3-4; OUI index 0 (18:fe:34) */
	{ 0x3FF00058, 0x00000000 },
	{ 0x3FF0005C, 0x00000000 },	/* OTP MAC3: no explicit OUI */
	{ 0, 0 },
};

static const struct sim_reg sim_esp32_regs[] = {
	{ 0x3FF5A004, 0xC4005E32 },	/* EFUSE_BLK0_RDATA1: MAC low word */
	{ 0x3FF5A008, 0x0000240A },	/* EFUSE_BLK0_RDATA2: MAC high half (CRC 0) */
	{ 0x3FF5A00C, 1 << 15 | 1 << 9 },	/* RDATA3: rev bit0, pkg D0WD */
	{ 0x3FF5A010, 80 },		/* RDATA4: CK8M_FREQ (8 MHz clock calibration) */
	{ 0x3FF5A014, 1 << 20 },	/* RDATA5: rev bit1 */
	{ 0x3FF6607C, 0x96042000 },	/* APB_CTL_DATE: rev bit2 (bit 31) */
	{ 0x3FF5F06C, 1296 << 7 },	/* RTCCALICFG1: the ROM's XTAL estimate is 40.5 MHz */
	{ 0, 0 },
};

static const struct sim_reg sim_esp32s2_regs[] = {
	{ 0x3F41A044, 0xA1005E35 },	/* MAC_EFUSE_REG (BLOCK1 word 0): MAC low word */
	{ 0x3F41A048, 0x00007CDF },	/* MAC high half */
	{ 0, 0 },			/* BLOCK1 words 3, 4: rev v0.0, no flash/PSRAM in package */
};

static const struct sim_reg sim_esp32c6_regs[] = {
	{ 0x600B0844, 0xCA5E3C10 },	/* MAC_EFUSE_REG: MAC low word */
	{ 0x600B0848, 0xFFFE404C },	/* MAC high half, EUI-64 extension ff:fe on top */
	{ 0x600B0850, 1 << 18 },	/* BLOCK1 word 3: minor rev 1, major 0, pkg 0 (QFN40) */
	{ 0, 0 },
};

static const struct sim_reg sim_esp32s3_regs[] = {
	{ 0x60007044, 0xA1005E33 },	/* MAC_EFUSE_REG: MAC low word */
	{ 0x60007048, 0x00007CDF },	/* MAC high half */
	{ 0x60007050, 2 << 18 },	/* BLOCK1 word3: minor rev 2, pkg 0 */
	{ 0x6000706C, 1 },		/* BLOCK2 word4: blk version major 1 */
	{ 0, 0 },
};

static const struct sim_reg sim_esp32c3_regs[] = {
	{ 0x60008844, 0xA1005E34 },	/* MAC_EFUSE_REG: MAC low word */
	{ 0x60008848, 0x00007CDF },	/* MAC high half */
	{ 0x60008850, 3 << 18 },	/* BLOCK1 word3: minor rev 3, pkg 0 */
	{ 0x6000886C, 1 },		/* BLOCK2 word4: blk version major 1 */
	{ 0, 0 },
};

static const struct sim_reg sim_esp32c2_regs[] = {
	{ 0x60008840, 0xA1005E36 },	/* BLOCK2 word 0 (MAC_EFUSE_REG): MAC low word */
	{ 0x60008844, 1 << 20 | 0x00007CDF },	/* word 1: MAC high half; major rev 1, minor 0, pkg 0 */
	{ 0, 0 },
};

static const struct sim_reg sim_esp32h2_regs[] = {
	{ 0x600B0844, 0xCA5E3C11 },	/* MAC_EFUSE_REG: MAC low word */
	{ 0x600B0848, 0xFFFE404C },	/* MAC high half, EUI-64 extension ff:fe on top */
	{ 0x600B0850, 1 << 18 },	/* BLOCK1 word 3: minor rev 1, major 0 */
	{ 0, 0 },
};

static const struct sim_chip_info sim_chips[] = {
	{
		.id = SIM_CHIP_ESP8266,
		.name = "esp8266",
		.label = "ESP8266",
		.magic = 0xFFF0C101,
		.has_security_info = 0,
		.spi_base = 0x60000200, .spi_usr = 0x1C, .spi_usr1 = 0x20,
		.spi_usr2 = 0x24, .spi_w0 = 0x40,
		.uart_clkdiv_reg = 0x60000014,
		.xtal_hz = 52000000,		/* UART clock: 26 MHz crystal x 2 */
		.bootloader_offset = 0x0,
		/* one line at 74880 baud: "\r\n ets Jan  8 2013,rst cause:2, boot mode:(1,7)" */
		.banner = "\r\n ets Jan  8 2013,",
		.boot_download = "boot mode:(1,7)",
		.boot_spi = "boot mode:(3,6)",
		.rst_poweron = "rst cause:2",	/* EN pin reset (a cold power-on says 1) */
		.rst_usb = "rst cause:2",
		.rst_rtcwdt = "rst cause:4",
		.rst_sw = "rst cause:2",
		.regs = sim_esp8266_regs,
		.quirks = SIM_Q_ROM_STATUS2 | SIM_Q_ROM_BEGIN_4W | SIM_Q_ROM_ERASE_SIZE |
		    SIM_Q_BOOT_74880 | SIM_Q_ROM_BASIC_OPS,
	},
	{
		.id = SIM_CHIP_ESP32,
		.name = "esp32",
		.label = "ESP32",
		.magic = 0x00F01D83,
		.has_security_info = 0,
		.chip_id = 0,
		.usb_jtag = 0,
		.spi_base = 0x3FF42000, .spi_usr = 0x1C, .spi_usr1 = 0x20,
		.spi_usr2 = 0x24, .spi_w0 = 0x80,
		.uart_clkdiv_reg = 0x3FF40014,
		.xtal_hz = 40000000,
		.bootloader_offset = 0x1000,
		/* the revision v3 ROM's banner */
		.banner = "ets Jul 29 2019 12:21:46\r\n\r\n",
		.boot_download = "boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))",
		.boot_spi = "boot:0x13 (SPI_FAST_FLASH_BOOT)",
		.rst_poweron = "rst:0x1 (POWERON_RESET)",
		.rst_usb = "rst:0x1 (POWERON_RESET)",
		.rst_rtcwdt = "rst:0x10 (RTCWDT_RTC_RESET)",
		.rst_sw = "rst:0x3 (SW_RESET)",
		.download_extra = NULL,
		.regs = sim_esp32_regs,
		.gpio_strap_reg = 0x3FF44038, .strap_download = 0x03, .strap_spi = 0x13,
		.rtccalicfg1 = 0x3FF5F06C, .efuse_ck8m = 0x3FF5A010,
		.quirks = SIM_Q_ROM_BEGIN_4W | SIM_Q_ROM_BAUD_CAL,
	},
	{
		.id = SIM_CHIP_ESP32S2,
		.name = "esp32s2",
		.label = "ESP32-S2",
		.magic = 0x000007C6,
		.has_security_info = 1,
		.security_info_len = 12,	/* flags, crypt count, key purposes: no chip id */
		.chip_id = 2,
		.usb_otg = 1,
		.spi_base = 0x3F402000, .spi_usr = 0x18, .spi_usr1 = 0x1C,
		.spi_usr2 = 0x20, .spi_w0 = 0x58,
		.uart_clkdiv_reg = 0x3F400014,
		.xtal_hz = 40000000,
		.uartdev_buf_no = 0x3FFFFD14,
		.uartdev_usb_otg = 2,
		.wdt_wprotect = 0x3F4080AC,
		.wdt_config0 = 0x3F408094,
		.wdt_config1 = 0x3F408098,
		.bootloader_offset = 0x1000,
		.banner = "ESP-ROM:esp32s2-rc4-20191025\r\nBuild:Oct 25 2019\r\n",
		.boot_download = "boot:0x0 (DOWNLOAD(USB/UART0/1))",
		.boot_spi = "boot:0x8 (SPI_FAST_FLASH_BOOT)",
		.rst_poweron = "rst:0x1 (POWERON)",
		.rst_usb = "rst:0x3 (RTC_SW_SYS_RST)",	/* reset asked over USB-OTG CDC */
		.rst_rtcwdt = "rst:0x10 (RTCWDT_RTC_RST)",
		.rst_sw = "rst:0x3 (RTC_SW_SYS_RST)",
		.download_extra = NULL,
		.regs = sim_esp32s2_regs,
		.gpio_strap_reg = 0x3F404038, .strap_download = 0x0, .strap_spi = 0x8,
		.quirks = SIM_Q_USB_OTG,
	},
	{
		.id = SIM_CHIP_ESP32S3,
		.name = "esp32s3",
		.label = "ESP32-S3",
		.magic = 0x00000009,
		.has_security_info = 1,
		.chip_id = 9,
		.api_version = 0,
		.usb_jtag = 1,
		.spi_base = 0x60002000, .spi_usr = 0x18, .spi_usr1 = 0x1C,
		.spi_usr2 = 0x20, .spi_w0 = 0x58,
		.uart_clkdiv_reg = 0x60000014,
		.xtal_hz = 40000000,
		.uartdev_buf_no = 0x3FCEF14C,
		.uartdev_usb_jtag = 4,
		.wdt_wprotect = 0x600080B0,
		.wdt_config0 = 0x60008098,
		.wdt_config1 = 0x6000809C,
		.swd_wprotect = 0x600080B8,
		.swd_conf = 0x600080B4,
		.swd_key = 0x8F1D312A,
		.bootloader_offset = 0x0,
		.banner = "ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\n",
		.boot_download = "boot:0x0 (DOWNLOAD(USB/UART0))",
		.boot_spi = "boot:0x8 (SPI_FAST_FLASH_BOOT)",
		.rst_poweron = "rst:0x1 (POWERON)",
		.rst_usb = "rst:0x15 (USB_UART_CHIP_RESET)",
		.rst_rtcwdt = "rst:0x10 (RTCWDT_RTC_RST)",
		.rst_sw = "rst:0x3 (RTC_SW_SYS_RST)",
		.download_extra = NULL,
		.regs = sim_esp32s3_regs,
		.gpio_strap_reg = 0x60004038, .strap_download = 0x0, .strap_spi = 0x8,
	},
	{
		.id = SIM_CHIP_ESP32C3,
		.name = "esp32c3",
		.label = "ESP32-C3",
		.magic = 0x1B31506F,
		.has_security_info = 1,
		.chip_id = 5,
		.api_version = 1,
		.usb_jtag = 1,
		.spi_base = 0x60002000, .spi_usr = 0x18, .spi_usr1 = 0x1C,
		.spi_usr2 = 0x20, .spi_w0 = 0x58,
		.uart_clkdiv_reg = 0x60000014,
		.xtal_hz = 40000000,
		.uartdev_buf_no = 0x3FCDF07C,
		.uartdev_usb_jtag = 3,
		.wdt_wprotect = 0x600080A8,
		.wdt_config0 = 0x60008090,
		.wdt_config1 = 0x60008094,
		.swd_wprotect = 0x600080B0,
		.swd_conf = 0x600080AC,
		.swd_key = 0x8F1D312A,
		.bootloader_offset = 0x0,
		.banner = "ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n",
		.boot_download = "boot:0x4 (DOWNLOAD(USB/UART0/1))",
		.boot_spi = "boot:0xc (SPI_FAST_FLASH_BOOT)",
		.rst_poweron = "rst:0x1 (POWERON)",
		.rst_usb = "rst:0x15 (USB_UART_CHIP_RESET)",
		.rst_rtcwdt = "rst:0x10 (RTCWDT_RTC_RST)",
		.rst_sw = "rst:0x3 (RTC_SW_SYS_RST)",
		.download_extra = "Saved PC:0x400462e2\r\n",
		.regs = sim_esp32c3_regs,
		.gpio_strap_reg = 0x60004038, .strap_download = 0x4, .strap_spi = 0xc,
	},
	{
		.id = SIM_CHIP_ESP32C6,
		.name = "esp32c6",
		.label = "ESP32-C6",
		.magic = 0x2CE0806F,		/* read by old clients only; esptool uses the chip id */
		.has_security_info = 1,
		.chip_id = 13,
		.api_version = 0,
		.usb_jtag = 1,
		.spi_base = 0x60003000, .spi_usr = 0x18, .spi_usr1 = 0x1C,
		.spi_usr2 = 0x20, .spi_w0 = 0x58,
		.uart_clkdiv_reg = 0x60000014,
		.xtal_hz = 40000000,
		.uartdev_buf_no = 0x4087F580,
		.uartdev_usb_jtag = 3,
		.wdt_wprotect = 0x600B1C18,	/* LP_WDT_RWDT_WPROTECT */
		.wdt_config0 = 0x600B1C00,
		.wdt_config1 = 0x600B1C04,
		.swd_wprotect = 0x600B1C20,
		.swd_conf = 0x600B1C1C,
		.swd_key = 0x50D83AA1,		/* the C6's SWD key is the WDT's */
		.bootloader_offset = 0x0,
		.banner = "ESP-ROM:esp32c6-20220919\r\nBuild:Sep 19 2022\r\n",
		.boot_download = "boot:0x4 (DOWNLOAD(USB/UART/SDIO_REI_FEO))",
		.boot_spi = "boot:0xc (SPI_FAST_FLASH_BOOT)",
		.rst_poweron = "rst:0x1 (POWERON)",
		.rst_usb = "rst:0x15 (USB_UART_HPSYS)",
		.rst_rtcwdt = "rst:0x10 (LP_WDT_SYS)",
		.rst_sw = "rst:0xc (SW_CPU_RESET)",
		.download_extra = "Saved PC:0x4001975a\r\n",
		.regs = sim_esp32c6_regs,
	},
	{
		.id = SIM_CHIP_ESP32C2,
		.name = "esp32c2",
		.label = "ESP32-C2",
		.magic = 0x7C41A06F,		/* ECO1; esptool >= 4 uses the chip id */
		.has_security_info = 1,
		.chip_id = 12,
		.api_version = 2,
		.spi_base = 0x60002000, .spi_usr = 0x18, .spi_usr1 = 0x1C,
		.spi_usr2 = 0x20, .spi_w0 = 0x58,
		.uart_clkdiv_reg = 0x60000014,
		.xtal_hz = 40000000,		/* the 40 MHz variant: no 26 MHz ROM baud quirk */
		.wdt_wprotect = 0x6000809C,
		.wdt_config0 = 0x60008084,
		.wdt_config1 = 0x60008088,
		.bootloader_offset = 0x0,
		.banner = "ESP-ROM:esp8684-api2-20220127\r\nBuild:Jan 27 2022\r\n",
		.boot_download = "boot:0x4 (DOWNLOAD(UART0))",
		.boot_spi = "boot:0x8 (SPI_FAST_FLASH_BOOT)",
		.rst_poweron = "rst:0x1 (POWERON)",
		.rst_usb = "rst:0x1 (POWERON)",
		.rst_rtcwdt = "rst:0x10 (RTCWDT_RTC_RST)",
		.rst_sw = "rst:0x3 (RTC_SW_SYS_RST)",
		.regs = sim_esp32c2_regs,
	},
	{
		.id = SIM_CHIP_ESP32H2,
		.name = "esp32h2",
		.label = "ESP32-H2",
		.magic = 0xD7B73E80,		/* read by old clients only */
		.has_security_info = 1,
		.chip_id = 16,
		.api_version = 0,
		.usb_jtag = 1,
		.spi_base = 0x60003000, .spi_usr = 0x18, .spi_usr1 = 0x1C,
		.spi_usr2 = 0x20, .spi_w0 = 0x58,
		.uart_clkdiv_reg = 0x60000014,
		.xtal_hz = 32000000,		/* the H2's crystal is 32 MHz */
		.uartdev_buf_no = 0x4084FEFC,
		.uartdev_usb_jtag = 3,
		.wdt_wprotect = 0x600B1C1C,
		.wdt_config0 = 0x600B1C00,
		.wdt_config1 = 0x600B1C04,
		.swd_wprotect = 0x600B1C24,
		.swd_conf = 0x600B1C20,
		.swd_key = 0x50D83AA1,
		.bootloader_offset = 0x0,
		.banner = "ESP-ROM:esp32h2-20221101\r\nBuild:Nov  1 2022\r\n",
		.boot_download = "boot:0x4 (DOWNLOAD(USB/UART0))",
		.boot_spi = "boot:0xc (SPI_FAST_FLASH_BOOT)",
		.rst_poweron = "rst:0x1 (POWERON)",
		.rst_usb = "rst:0x15 (USB_UART_HPSYS)",
		.rst_rtcwdt = "rst:0x10 (LP_WDT_SYS)",
		.rst_sw = "rst:0xc (SW_CPU_RESET)",
		.regs = sim_esp32h2_regs,
	},
};

const struct sim_chip_info *
sim_chip_info(enum sim_chip chip)
{
	size_t i;

	for (i = 0; i < sizeof(sim_chips) / sizeof(sim_chips[0]); i++)
		if (sim_chips[i].id == chip)
			return &sim_chips[i];
	return NULL;
}

int
sim_chip_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(sim_chips) / sizeof(sim_chips[0]); i++)
		if (sim_chip_name_eq(sim_chips[i].name, name))
			return (int)sim_chips[i].id;
	return -1;
}

const char *
sim_chip_name(enum sim_chip chip)
{
	const struct sim_chip_info *ci = sim_chip_info(chip);

	return ci != NULL ? ci->name : "?";
}

const char *
sim_chip_label(enum sim_chip chip)
{
	const struct sim_chip_info *ci = sim_chip_info(chip);

	return ci != NULL ? ci->label : "?";
}

int
sim_chip_has_usb_jtag(enum sim_chip chip)
{
	const struct sim_chip_info *ci = sim_chip_info(chip);

	return ci != NULL && ci->usb_jtag;
}

int
sim_chip_has_usb_otg(enum sim_chip chip)
{
	const struct sim_chip_info *ci = sim_chip_info(chip);

	return ci != NULL && ci->usb_otg;
}

int
sim_transport_by_name(const char *name)
{
	if (strcmp(name, "uart") == 0)
		return SIM_TRANSPORT_UART;
	if (strcmp(name, "usb-jtag") == 0 || strcmp(name, "usb-serial-jtag") == 0)
		return SIM_TRANSPORT_USB_JTAG;
	if (strcmp(name, "usb-otg") == 0)
		return SIM_TRANSPORT_USB_OTG;
	return -1;
}

const char *
sim_transport_name(enum sim_transport t)
{
	switch (t) {
	case SIM_TRANSPORT_UART:	return "uart";
	case SIM_TRANSPORT_USB_JTAG:	return "usb-jtag";
	case SIM_TRANSPORT_USB_OTG:	return "usb-otg";
	}
	return "?";
}

const char *
sim_transport_check(enum sim_chip chip, enum sim_transport t)
{
	static char why[96];

	if ((t == SIM_TRANSPORT_USB_JTAG && !sim_chip_has_usb_jtag(chip)) ||
	    (t == SIM_TRANSPORT_USB_OTG && !sim_chip_has_usb_otg(chip))) {
		snprintf(why, sizeof(why), "the %s has no %s", sim_chip_label(chip),
		    t == SIM_TRANSPORT_USB_JTAG ? "USB-Serial/JTAG" : "USB-OTG download mode");
		return why;
	}
	return NULL;
}

const char *
sim_chip_names(void)
{
	static char names[256];
	size_t i, n = 0;

	if (names[0] != '\0')
		return names;
	for (i = 0; i < sizeof(sim_chips) / sizeof(sim_chips[0]); i++)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
		    sim_chips[i].name);
	return names;
}
