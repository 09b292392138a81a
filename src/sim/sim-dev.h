/*
 * sim-dev.h — the simulated device's state and the services of its parts
 * (wire, registers, flash, boot) that the loaders build on. The loaders
 * themselves (rom.c, stub.c) are in sim-loader.h, which only the dispatcher
 * includes. Not a public interface.
 */
#ifndef SLIPTAP_SIM_DEV_H
#define SLIPTAP_SIM_DEV_H

#include <stdint.h>
#include <zlib.h>

#include "esp.h"
#include "sim.h"
#include "slip.h"
#include "units.h"

#define SIM_SECTOR		0x1000
#define SIM_MAX_REGS		256	/* host-written registers remembered */
#define SIM_IN_MAX		(256 * 1024)	/* input queued before backpressure */
#define SIM_OUT_MAX		(4 * 1024 * 1024)	/* output kept for a slow or absent reader */
#define SIM_EN_RC_NS		(2 * NS_PER_MS)	/* EN rise time: IO0 sampled then */
#define SIM_APP_TICK_NS		(1000 * NS_PER_MS)	/* app heartbeat / invalid-header loop */
#define SIM_WDT_GRACE_NS	(1000 * NS_PER_MS)	/* longest wait for a packet boundary */
#define SIM_ESP8266_BOOT_BAUD	74880	/* the ESP8266 ROM prints at 74880 (26 MHz crystal) */
#define SIM_RTC_SLOW_HZ		136000	/* RTC slow clock (RC_SLOW): WDT config units */

/* Where a chip's ROM differs from the ESP32-S3/C3 ROM the model starts from. */
enum sim_quirk {
	SIM_Q_ROM_STATUS2	= 1 << 0,	/* ROM replies carry 2 status bytes (ESP8266) */
	SIM_Q_ROM_BEGIN_4W	= 1 << 1,	/* ROM FLASH_BEGIN takes 4 words only (ESP32, ESP8266) */
	SIM_Q_ROM_ERASE_SIZE	= 1 << 2,	/* ROM FLASH_BEGIN erase-size bug (ESP8266, see rom.c) */
	SIM_Q_ROM_BAUD_CAL	= 1 << 3,	/* ROM CHANGE_BAUDRATE uses its own XTAL estimate (ESP32) */
	SIM_Q_BOOT_74880	= 1 << 4,	/* boot log at 74880 baud: noise at 115200 (ESP8266) */
	SIM_Q_USB_OTG		= 1 << 5,	/* USB-OTG CDC: the port re-enumerates on reset (ESP32-S2) */
	SIM_Q_NO_MAGIC_WORD	= 1 << 6,	/* 0x40001000 is no chip-detect word (chip id only) */
	SIM_Q_ROM_BASIC_OPS	= 1 << 7,	/* ROM knows 0x02..0x0A only (ESP8266) */
};

/* Fixed register read of a chip (eFuses, magic, ...). */
struct sim_reg {
	uint32_t addr;
	uint32_t value;
};

struct sim_chip_info {
	enum sim_chip id;
	const char *name;		/* "esp32s3" */
	const char *label;		/* "ESP32-S3" */
	uint32_t magic;			/* READ_REG 0x40001000 */
	int has_security_info;		/* ROM answers GET_SECURITY_INFO */
	uint32_t chip_id;		/* IMAGE_CHIP_ID in GET_SECURITY_INFO */
	uint32_t api_version;
	size_t security_info_len;	/* GET_SECURITY_INFO reply length (0 = 20) */
	int usb_jtag;			/* has USB-Serial/JTAG */
	int usb_otg;			/* has USB-OTG (CDC-ACM in the ROM) */
	/* SPI0/1 controller used by esptool's run_spiflash_command */
	uint32_t spi_base, spi_usr, spi_usr1, spi_usr2, spi_w0;
	uint32_t uart_clkdiv_reg;
	uint32_t xtal_hz;
	uint32_t uartdev_buf_no;	/* 0 when the ROM has no such variable */
	uint32_t uartdev_usb_jtag;	/* its value over USB-Serial/JTAG */
	uint32_t uartdev_usb_otg;	/* its value over USB-OTG */
	/* RTC watchdog (0 = not modelled) */
	uint32_t wdt_wprotect, wdt_config0, wdt_config1;
	uint32_t swd_wprotect, swd_conf, swd_key;
	uint32_t bootloader_offset;	/* where the 2nd stage bootloader lives in flash */
	/* boot log pieces */
	const char *banner;		/* printed first after every reset */
	const char *boot_download;	/* "boot:0x0 (DOWNLOAD(USB/UART0))" */
	const char *boot_spi;
	const char *rst_poweron;
	const char *rst_usb;		/* reset through USB-Serial/JTAG */
	const char *rst_rtcwdt;
	const char *rst_sw;		/* software reset (FLASH_END reboot, RUN_USER_CODE) */
	const char *download_extra;	/* extra line before "waiting for download" */
	const struct sim_reg *regs;	/* fixed reads, {0,0} terminated */
	/* GPIO_STRAP: what the boot log's "boot:0x.." prints */
	uint32_t gpio_strap_reg, strap_download, strap_spi;
	/* ESP32 ROM baud calibration (SIM_Q_ROM_BAUD_CAL): where esptool reads it */
	uint32_t rtccalicfg1, efuse_ck8m;
	unsigned quirks;		/* SIM_Q_* */
};

/* Reset causes, for the boot log. */
enum sim_rst {
	SIM_RST_POWERON,
	SIM_RST_USB,
	SIM_RST_RTCWDT,
	SIM_RST_SW,
};

struct sim_buf {
	uint8_t *data;
	size_t head, len, cap;
};

struct sim_flash_op {
	int active;			/* between FLASH_(DEFL_)BEGIN and END */
	int deflate;
	uint32_t offset;
	uint32_t size;			/* ROM: erase size; stub: bytes to write */
	uint32_t blocks, block_size;
	uint32_t next_seq;
	uint32_t next_write;		/* stub / inflate: next flash address */
	uint32_t remaining;		/* stub: bytes still to write */
	uint32_t remaining_comp;	/* stub deflate: compressed bytes announced */
	uint8_t last_error;		/* stub: reported with the next ack */
	uint32_t erase_next, erase_end;	/* esp-flasher-stub: erased lazily up to the writes */
	int zinit;
	int zdone;
	z_stream zs;
};

struct sim_mem_op {
	int active;
	uint32_t addr, size, remaining;
	uint32_t blocks, block_size, next_seq;
	uint32_t loaded;		/* bytes uploaded since the last MEM_END */
};

struct sim_read_op {
	int active;			/* stub READ_FLASH streaming */
	int flasher;			/* esp-flasher-stub: a failed read ends without the digest */
	uint32_t addr, len, block, max_inflight;
	uint32_t sent, acked;
	struct sim_md5 md5;
};

/* RAM the host uploaded with MEM_DATA (READ_REG reads it back; the stub is recognised by it). */
#define SIM_RAM_SEGS		8
#define SIM_RAM_SEG_MAX		(64 * 1024)
struct sim_ram_seg {
	uint32_t addr, len;		/* as MEM_BEGIN announced it */
	uint32_t filled;		/* bytes stored so far */
	uint8_t *data;
};

/* Which flasher stub runs (told apart by the uploaded image, see sim_stub_kind()). */
enum sim_stub_kind {
	SIM_STUB_LEGACY,		/* esptool's legacy stub ("v1") */
	SIM_STUB_FLASHER,		/* esp-flasher-stub ("v2", esptool >= 5.3 default) */
};

/* Flash timing with --pace (datasheet typicals of a 3.3 V SPI NOR, e.g. GD25Q32/XM25QH32). */
#define SIM_T_SECTOR_ERASE_NS	(45 * NS_PER_MS)	/* 4 KiB sector erase */
#define SIM_T_BLOCK_ERASE_NS	(150 * NS_PER_MS)	/* 64 KiB block erase */
#define SIM_T_PAGE_PROG_NS	(400 * 1000ULL)		/* 256-byte page program */
#define SIM_STUB2_BUF		(32 * 1024)		/* esp-flasher-stub's inflate window */

struct sim_device {
	struct sim_config cfg;
	const struct sim_chip_info *chip;
	enum sim_state state;
	struct sim_stats stats;

	struct slip_decoder *dec;
	int dec_reset;			/* replace dec before feeding more */
	uint64_t now;			/* time of the event being handled */

	/* wire */
	struct sim_buf in, out;
	uint32_t baud;			/* input side (and what the device reports) */
	uint32_t out_baud;		/* output side: lags until a CHANGE_BAUDRATE reply is out */
	uint64_t in_wire;		/* pace: when the last queued input byte arrives */
	uint64_t out_wire;		/* pace: when the line is free again */
	uint64_t out_total;		/* bytes ever queued for output */
	uint64_t out_taken;		/* bytes ever taken by the host */
	uint64_t baud_switch_at;	/* switch to baud_next once out_taken reaches it */
	uint32_t baud_next;

	/* lines and reset */
	int dtr, rts;
	int en_low;			/* UART: EN held low */
	uint64_t boot_at;		/* UART: EN rose, sample IO0 then (0 = none) */
	int usb_dl_latch;		/* USB-Serial/JTAG: DTR=1,RTS=0 seen */
	int usb_in_reset;
	enum sim_rst attach_rst;	/* USB: how it boots when the host side is back */
	enum sim_boot attach_boot;
	enum sim_boot first_boot;
	enum sim_boot strap_boot;	/* latched at the last chip reset; a software reset reuses it */

	/* registers */
	struct sim_reg regs[SIM_MAX_REGS];
	size_t nregs;
	uint32_t spi_status;		/* flash status register (RDSR) */

	/* RTC watchdog */
	int wdt_armed;
	uint64_t wdt_deadline;
	int wdt_unlocked;
	int swd_unlocked;

	/* loader state */
	struct sim_flash_op fl;
	struct sim_mem_op mem;
	struct sim_read_op rd;
	uint32_t spi_flash_size;	/* from SPI_SET_PARAMS (0 = not set) */
	struct sim_ram_seg ram[SIM_RAM_SEGS];
	size_t nram;
	enum sim_stub_kind stub_kind;

	/* ROM reply registers: a reply reuses what the previous one left */
	uint8_t rom_last_op;		/* op of the previous reply */
	uint32_t rom_value;		/* its value word (READ_REG and SYNC set it) */
	uint8_t rom_last_err;		/* status byte 2: the last error stays */
	int rom_last_count;		/* how many times it was sent (8 after SYNC) */

	/* esp-flasher-stub */
	uint8_t stub2_pending;		/* a post-process failed: the next command gets this */
	uint8_t *stub2_buf;		/* inflated bytes not yet written */
	size_t stub2_fill;

	/* app mode */
	uint64_t app_next;		/* next heartbeat line */
	uint32_t app_count;
	int app_valid;
};

/* chips.c */
const struct sim_chip_info *sim_chip_info(enum sim_chip chip);

/* sim-wire.c: queues, log, events, frames and replies out */
void sim_buf_push(struct sim_buf *b, const uint8_t *data, size_t len);
void sim_buf_drop(struct sim_buf *b, size_t n);
uint64_t sim_byte_ns(uint32_t baud);
void sim_log(struct sim_device *dev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sim_event(struct sim_device *dev, enum sim_event ev);
void sim_emit(struct sim_device *dev, const uint8_t *buf, size_t len);
void sim_emit_text(struct sim_device *dev, const char *s);
/* Text the chip sends at tx_baud, as the host's UART at the device baud reads it. */
void sim_emit_text_at(struct sim_device *dev, const char *s, uint32_t tx_baud);

void sim_send_frame(struct sim_device *dev, const uint8_t *body, size_t len);
/* A response: data then the status (ROM: 4 bytes status,error,0,0; stub: 2 bytes error,0). */
void sim_reply(struct sim_device *dev, uint8_t op, uint32_t value, const uint8_t *data, size_t len, uint8_t error);
void sim_reply_raw(struct sim_device *dev, uint8_t op, uint32_t value, const uint8_t *data,
    size_t len, uint8_t status, uint8_t error);
void sim_set_baud_after_reply(struct sim_device *dev, uint32_t baud);
int sim_is_sync_payload(const struct esp_packet *pkt);

/* sim-regs.c: the register file, SPI user commands, RTC watchdog registers */
uint32_t sim_reg_read(struct sim_device *dev, uint32_t addr);
void sim_reg_write(struct sim_device *dev, uint32_t addr, uint32_t value, uint32_t mask);
void sim_wdt_arm(struct sim_device *dev, uint64_t timeout, const char *why);
/* GET_SECURITY_INFO's answer: its length, or 0 when the chip has none. */
size_t sim_security_info(const struct sim_device *dev, uint8_t si[20]);

/* Busy for `ns` (with --pace): what is sent next leaves that much later. */
void sim_busy(struct sim_device *dev, uint64_t ns);

/* sim-flash.c: flash access: 0, or -1 when the range leaves the flash */
uint32_t sim_flash_id(const struct sim_device *dev);
int sim_flash_erase(struct sim_device *dev, uint32_t addr, uint32_t len);
int sim_flash_write(struct sim_device *dev, uint32_t addr, const uint8_t *data, uint32_t len);
int sim_flash_md5(struct sim_device *dev, uint32_t addr, uint32_t len, uint8_t digest[16]);
/* Inflate `len` compressed bytes into flash at fl->next_write; 0, or -1 on a zlib error. */
int sim_flash_inflate(struct sim_device *dev, const uint8_t *data, size_t len, int limit_by_remaining);
void sim_flash_op_reset(struct sim_device *dev);
/* Datasheet time to erase [addr, addr+len) in 64 KiB blocks where aligned, else sectors. */
uint64_t sim_flash_erase_ns(uint32_t addr, uint32_t len);
uint64_t sim_flash_prog_ns(uint32_t len);
/* RAM uploaded by MEM_DATA: store, read a word (0 when none), forget. */
void sim_ram_begin(struct sim_device *dev, uint32_t addr, uint32_t len);
void sim_ram_store(struct sim_device *dev, uint32_t addr, const uint8_t *data, uint32_t len);
int sim_ram_read(const struct sim_device *dev, uint32_t addr, uint32_t *value);
void sim_ram_clear(struct sim_device *dev);
/* The stub an upload is, from the segment holding the entry point. */
enum sim_stub_kind sim_stub_kind(const struct sim_device *dev, uint32_t entry);

/* sim-boot.c: resets, boot logs, loader state */
void sim_loader_reset(struct sim_device *dev);
void sim_reboot(struct sim_device *dev, enum sim_rst why, enum sim_boot boot);
void sim_start_stub(struct sim_device *dev);
/* Leave the loader for the app in flash without a reset (ROM FLASH_END(1)). */
void sim_run_app(struct sim_device *dev);
void sim_wdt_fire(struct sim_device *dev);

#endif
