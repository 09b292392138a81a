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

#define SIM_NS_PER_SEC		1000000000ULL
#define SIM_NS_PER_MS		1000000ULL
#define SIM_SECTOR		0x1000
#define SIM_MAX_REGS		256	/* host-written registers remembered */
#define SIM_IN_MAX		(256 * 1024)	/* input queued before backpressure */
#define SIM_OUT_MAX		(4 * 1024 * 1024)	/* output kept for a slow or absent reader */
#define SIM_EN_RC_NS		(2 * SIM_NS_PER_MS)	/* EN rise time: IO0 sampled then */
#define SIM_APP_TICK_NS		(1000 * SIM_NS_PER_MS)	/* app heartbeat / invalid-header loop */
#define SIM_WDT_GRACE_NS	(1000 * SIM_NS_PER_MS)	/* longest wait for a packet boundary */
#define SIM_RTC_SLOW_HZ		136000	/* RTC slow clock (RC_SLOW): WDT config units */

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
	int usb_jtag;			/* has USB-Serial/JTAG */
	/* SPI0/1 controller used by esptool's run_spiflash_command */
	uint32_t spi_base, spi_usr, spi_usr1, spi_usr2, spi_w0;
	uint32_t uart_clkdiv_reg;
	uint32_t xtal_hz;
	uint32_t uartdev_buf_no;	/* 0 when the ROM has no such variable */
	uint32_t uartdev_usb_jtag;	/* its value over USB-Serial/JTAG */
	/* RTC watchdog (0 = not modelled) */
	uint32_t wdt_wprotect, wdt_config0, wdt_config1;
	uint32_t swd_wprotect, swd_conf;
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
	uint32_t addr, len, block, max_inflight;
	uint32_t sent, acked;
	struct sim_md5 md5;
};

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
void sim_send_frame(struct sim_device *dev, const uint8_t *body, size_t len);
/* A response: data then the status (ROM: 4 bytes status,error,0,0; stub: 2 bytes error,0). */
void sim_reply(struct sim_device *dev, uint8_t op, uint32_t value, const uint8_t *data, size_t len, uint8_t error);
void sim_set_baud_after_reply(struct sim_device *dev, uint32_t baud);
int sim_is_sync_payload(const struct esp_packet *pkt);

/* sim-regs.c: the register file, SPI user commands, RTC watchdog registers */
uint32_t sim_reg_read(struct sim_device *dev, uint32_t addr);
void sim_reg_write(struct sim_device *dev, uint32_t addr, uint32_t value, uint32_t mask);
void sim_wdt_arm(struct sim_device *dev, uint64_t timeout, const char *why);

/* sim-flash.c: flash access: 0, or -1 when the range leaves the flash */
uint32_t sim_flash_id(const struct sim_device *dev);
int sim_flash_erase(struct sim_device *dev, uint32_t addr, uint32_t len);
int sim_flash_write(struct sim_device *dev, uint32_t addr, const uint8_t *data, uint32_t len);
int sim_flash_md5(struct sim_device *dev, uint32_t addr, uint32_t len, uint8_t digest[16]);
/* Inflate `len` compressed bytes into flash at fl->next_write; 0, or -1 on a zlib error. */
int sim_flash_inflate(struct sim_device *dev, const uint8_t *data, size_t len, int limit_by_remaining);
void sim_flash_op_reset(struct sim_device *dev);

/* sim-boot.c: resets, boot logs, loader state */
void sim_loader_reset(struct sim_device *dev);
void sim_reboot(struct sim_device *dev, enum sim_rst why, enum sim_boot boot);
void sim_start_stub(struct sim_device *dev);
/* Leave the loader for the app in flash without a reset (ROM FLASH_END(1)). */
void sim_run_app(struct sim_device *dev);
void sim_wdt_fire(struct sim_device *dev);

#endif
