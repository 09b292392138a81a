/*
 * rom.c — the ROM serial loader as the simulator plays it: SYNC (eight
 * identical replies, value 0x20120707), register reads and writes, RAM
 * upload (MEM_*; MEM_END with an entry starts the uploaded flasher stub),
 * flash writes (FLASH_* erasing the region up front, 0x400-byte blocks;
 * FLASH_DEFL_*), SPI_ATTACH/SPI_SET_PARAMS, SPI_FLASH_MD5 (32 lowercase
 * hex characters), READ_FLASH_SLOW (64-byte blocks), CHANGE_BAUDRATE,
 * GET_SECURITY_INFO (chips that have it).
 *
 * What the real ROM does and the model follows (pinned by check_sim_rom.c):
 *  - a response carries status, error (and two zero bytes except on the
 *    ESP8266); the value word and the error byte are what the previous
 *    reply left unless this one sets them (READ_REG, SYNC; an error);
 *  - *_DATA blocks must carry the next expected seq: a block rejected for
 *    a bad checksum still uses up its number, and a resent, duplicate or
 *    out-of-order block gets 01 05; data lands in arrival order;
 *  - an op it does not know (GET_SECURITY_INFO on the ESP32, the stub-only
 *    ops) and a packet whose direction byte is 1 are answered by resending
 *    the previous reply's header with status 01 05, as many times as that
 *    reply went out (eight after SYNC);
 *  - the ESP32 ROM's CHANGE_BAUDRATE divides by its own estimate of the
 *    crystal, from RTCCALICFG1 and the CK8M_FREQ eFuse byte, as esptool
 *    compensates for;
 *  - the ESP8266 ROM's FLASH_BEGIN erases more than asked (see
 *    sim_rom_erase_8266) and takes four words only, like the ESP32's.
 * With --pace, FLASH_BEGIN answers after the erase and each block after
 * its page programs (datasheet typical times, sim-dev.h).
 */
#include <stdio.h>
#include <string.h>

#include "sim-dev.h"
#include "sim-loader.h"
#include "util.h"

#define SIM_ROM_XTAL_HZ		40000000ULL	/* the crystal the ESP32 really has */

/* The ROM's crystal estimate in Hz: cali * 15625 * CK8M_FREQ / 40 (esptool's formula). */
static uint64_t
sim_rom_xtal_estimate(struct sim_device *dev)
{
	uint32_t cali = (sim_reg_read(dev, dev->chip->rtccalicfg1) >> 7) & 0x01FFFFFF;
	uint32_t ck8m = sim_reg_read(dev, dev->chip->efuse_ck8m) & 0xFF;

	return (uint64_t)cali * 15625 * ck8m / 40;
}

static void
sim_rom_ok(struct sim_device *dev, uint8_t op)
{
	sim_reply(dev, op, dev->rom_value, NULL, 0, 0);
}

static void
sim_rom_err(struct sim_device *dev, uint8_t op, uint8_t err)
{
	sim_reply(dev, op, dev->rom_value, NULL, 0, err);
}

/* Unknown op, or a packet that is a response: the previous reply's header again, 01 05. */
static void
sim_rom_unsupported(struct sim_device *dev, const struct esp_packet *pkt)
{
	int i, n = dev->rom_last_count > 0 ? dev->rom_last_count : 1;
	uint8_t op = dev->rom_last_count > 0 ? dev->rom_last_op : pkt->op;

	sim_log(dev, "ROM: %s 0x%02x (%s): previous reply (%s) resent %d time%s with 01 05",
	    pkt->dir == ESP_DIR_COMMAND ? "unsupported op" : "a response with op", pkt->op,
	    esp_op_name(pkt->op) ? esp_op_name(pkt->op) : "unknown",
	    esp_op_name(op) ? esp_op_name(op) : "?", n, n == 1 ? "" : "s");
	dev->rom_last_err = ESP_ROM_INVALID_MESSAGE;
	for (i = 0; i < n; i++)
		sim_reply_raw(dev, op, dev->rom_value, NULL, 0, 1, ESP_ROM_INVALID_MESSAGE);
}

static void
sim_rom_sync(struct sim_device *dev, const struct esp_packet *pkt)
{
	int i;

	if (!sim_is_sync_payload(pkt)) {
		sim_log(dev, "SYNC with a malformed payload (%zu bytes)", pkt->data_len);
		sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
		return;
	}
	/* The ROM answers a SYNC with eight identical replies. */
	for (i = 0; i < 8; i++)
		sim_reply(dev, ESP_OP_SYNC, ESP_SYNC_VALUE, NULL, 0, 0);
	dev->rom_last_count = 8;
}

/*
 * The ESP8266 ROM's erase (SPIEraseArea): it erases sector by sector up to
 * the next 64 KiB boundary, then as many sectors again as it was asked for
 * in total, forgetting those it already did: head + n sectors for n asked
 * (2n when n fits before the boundary). esptool's ESP8266 get_erase_size()
 * sends the size that makes this come out right.
 */
static uint32_t
sim_rom_erase_8266(uint32_t offset, uint32_t size)
{
	uint32_t n = (size + SIM_SECTOR - 1) / SIM_SECTOR;
	uint32_t head = 16 - (offset / SIM_SECTOR) % 16;

	if (head > n)
		head = n;
	return (head + n) * SIM_SECTOR;
}

static void
sim_rom_flash_begin(struct sim_device *dev, const struct esp_packet *pkt)
{
	struct sim_flash_op *fl = &dev->fl;
	uint32_t size, blocks, bsize, offset, erase;
	/* The S2/S3/C3/C6 ROMs take a fifth word (begin encrypted); ESP32 and ESP8266 four. */
	int ok_len = pkt->data_len == 16 ||
	    (pkt->data_len == 20 && !(dev->chip->quirks & SIM_Q_ROM_BEGIN_4W));

	if (!ok_len) {
		sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
		return;
	}
	size = le32(pkt->data);
	blocks = le32(pkt->data + 4);
	bsize = le32(pkt->data + 8);
	offset = le32(pkt->data + 12);
	if (pkt->data_len == 20 && le32(pkt->data + 16) != 0)
		sim_log(dev, "%s: encrypted write requested; written in plain text",
		    esp_op_name(pkt->op));
	sim_flash_op_reset(dev);
	if (bsize == 0 || bsize > 0x10000) {
		sim_rom_err(dev, pkt->op, ESP_ROM_FAILED_TO_ACT);
		return;
	}
	erase = size;
	if ((dev->chip->quirks & SIM_Q_ROM_ERASE_SIZE) && size > 0)
		erase = sim_rom_erase_8266(offset, size);
	/* The ROM erases the whole region before it answers, in whole sectors. */
	if (erase > 0) {
		uint32_t start = offset / SIM_SECTOR * SIM_SECTOR;
		uint64_t end = ((uint64_t)offset + erase + SIM_SECTOR - 1) / SIM_SECTOR * SIM_SECTOR;

		if (end > dev->cfg.flash_size ||
		    sim_flash_erase(dev, start, (uint32_t)(end - start)) < 0) {
			sim_log(dev, "%s: 0x%x bytes at 0x%x leave the %zu-byte flash",
			    esp_op_name(pkt->op), erase, offset, dev->cfg.flash_size);
			sim_rom_err(dev, pkt->op, ESP_ROM_FAILED_TO_ACT);
			return;
		}
		sim_busy(dev, sim_flash_erase_ns(start, (uint32_t)(end - start)));
	}
	fl->active = 1;
	fl->deflate = pkt->op == ESP_OP_FLASH_DEFL_BEGIN;
	fl->offset = offset;
	fl->size = size;
	fl->blocks = blocks;
	fl->block_size = bsize;
	fl->next_write = offset;
	fl->remaining = size;
	sim_log(dev, "%s: 0x%x bytes at 0x%x, %u blocks of 0x%x%s", esp_op_name(pkt->op),
	    size, offset, blocks, bsize, erase != size ? " (ROM erase-size quirk)" : "");
	sim_rom_ok(dev, pkt->op);
}

/*
 * The seq rule of the ROM's *_DATA: the expected number or 01 05; the number
 * is used up as soon as the block is taken, even if its checksum is then bad.
 * Returns 0 when the block may be written.
 */
static int
sim_rom_data_check(struct sim_device *dev, const struct esp_packet *pkt,
    const struct esp_data_header *dh, uint32_t *next_seq)
{
	if (dh->seq != *next_seq) {
		sim_log(dev, "%s: seq %u, expected %u: rejected", esp_op_name(pkt->op), dh->seq,
		    *next_seq);
		sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
		return -1;
	}
	(*next_seq)++;
	if (esp_checksum(dh->payload, dh->payload_len) != (pkt->value & 0xFF)) {
		sim_log(dev, "%s seq %u: bad checksum 0x%02x, data says 0x%02x (seq used up)",
		    esp_op_name(pkt->op), dh->seq, pkt->value & 0xFF,
		    esp_checksum(dh->payload, dh->payload_len));
		sim_rom_err(dev, pkt->op, ESP_ROM_BAD_CHECKSUM);
		return -1;
	}
	return 0;
}

static void
sim_rom_flash_data(struct sim_device *dev, const struct esp_packet *pkt)
{
	struct sim_flash_op *fl = &dev->fl;
	struct esp_data_header dh;

	if (esp_data_header_parse(pkt, &dh) < 0 || dh.size != dh.payload_len) {
		sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
		return;
	}
	if (!fl->active || fl->deflate != (pkt->op == ESP_OP_FLASH_DEFL_DATA)) {
		sim_rom_err(dev, pkt->op, ESP_ROM_FAILED_TO_ACT);
		return;
	}
	if (sim_rom_data_check(dev, pkt, &dh, &fl->next_seq) < 0)
		return;
	if (fl->deflate) {
		uint32_t before = fl->next_write;
		int r = sim_flash_inflate(dev, dh.payload, dh.payload_len, 0);

		if (r < 0) {
			sim_log(dev, "FLASH_DEFL_DATA seq %u: %s", dh.seq,
			    r == -1 ? "inflate error" : "write past the end of flash");
			sim_rom_err(dev, pkt->op, r == -1 ? ESP_ROM_DEFLATE_ERR :
			    ESP_ROM_FLASH_WRITE_ERR);
			return;
		}
		sim_busy(dev, sim_flash_prog_ns(fl->next_write - before));
	} else {
		/* In arrival order: the ROM keeps its own write pointer. */
		if (sim_flash_write(dev, fl->next_write, dh.payload, (uint32_t)dh.payload_len) < 0) {
			sim_rom_err(dev, pkt->op, ESP_ROM_FLASH_WRITE_ERR);
			return;
		}
		fl->next_write += (uint32_t)dh.payload_len;
		sim_busy(dev, sim_flash_prog_ns((uint32_t)dh.payload_len));
	}
	sim_rom_ok(dev, pkt->op);
}

static void
sim_rom_flash_end(struct sim_device *dev, const struct esp_packet *pkt)
{
	uint32_t stay;

	if (pkt->data_len != 4) {
		sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
		return;
	}
	stay = le32(pkt->data);
	sim_flash_op_reset(dev);
	sim_rom_ok(dev, pkt->op);
	/*
	 * Either way the ROM leaves the loader: 0 reboots (the straps decide
	 * where to), anything else jumps into the app in flash (esptool's
	 * `run` and --no-stub soft_reset send 1).
	 */
	if (stay == 0)
		sim_reboot(dev, SIM_RST_SW, dev->strap_boot);
	else
		sim_run_app(dev);
}

static void
sim_rom_mem_begin(struct sim_device *dev, const struct esp_packet *pkt)
{
	struct sim_mem_op *m = &dev->mem;

	if (pkt->data_len != 16) {
		sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
		return;
	}
	m->active = 1;
	m->size = le32(pkt->data);
	m->blocks = le32(pkt->data + 4);
	m->block_size = le32(pkt->data + 8);
	m->addr = le32(pkt->data + 12);
	m->remaining = m->size;
	m->next_seq = 0;
	sim_ram_begin(dev, m->addr, m->size);
	sim_rom_ok(dev, pkt->op);
}

static void
sim_rom_mem_data(struct sim_device *dev, const struct esp_packet *pkt)
{
	struct sim_mem_op *m = &dev->mem;
	struct esp_data_header dh;
	uint32_t n;

	if (esp_data_header_parse(pkt, &dh) < 0 || dh.size != dh.payload_len) {
		sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
		return;
	}
	if (!m->active) {
		sim_rom_err(dev, pkt->op, ESP_ROM_FAILED_TO_ACT);
		return;
	}
	if (sim_rom_data_check(dev, pkt, &dh, &m->next_seq) < 0)
		return;
	n = (uint32_t)dh.payload_len;
	sim_ram_store(dev, m->addr + (m->size - m->remaining), dh.payload, n);
	m->loaded += n;
	m->remaining -= n > m->remaining ? m->remaining : n;
	sim_rom_ok(dev, pkt->op);
}

static void
sim_rom_mem_end(struct sim_device *dev, const struct esp_packet *pkt)
{
	uint32_t no_entry, entry;

	if (pkt->data_len != 8) {
		sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
		return;
	}
	no_entry = le32(pkt->data);
	entry = le32(pkt->data + 4);
	sim_rom_ok(dev, pkt->op);
	if (no_entry == 0 && dev->mem.loaded > 0) {
		dev->stub_kind = sim_stub_kind(dev, entry);
		sim_log(dev, "MEM_END: running the %u uploaded bytes at entry 0x%08x as the %s",
		    dev->mem.loaded, entry, dev->stub_kind == SIM_STUB_FLASHER ?
		    "esp-flasher-stub" : "legacy flasher stub");
		sim_start_stub(dev);
	} else if (no_entry == 0)
		sim_log(dev, "MEM_END with entry 0x%08x but nothing uploaded: stays in the ROM",
		    entry);
	memset(&dev->mem, 0, sizeof(dev->mem));
}

static void
sim_rom_md5(struct sim_device *dev, const struct esp_packet *pkt)
{
	uint8_t digest[16];
	char hex[33];
	int i;

	if (pkt->data_len != 16) {
		sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
		return;
	}
	if (sim_flash_md5(dev, le32(pkt->data), le32(pkt->data + 4), digest) < 0) {
		sim_rom_err(dev, pkt->op, ESP_ROM_FLASH_READ_ERR);
		return;
	}
	for (i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	sim_reply(dev, pkt->op, 0, (const uint8_t *)hex, 32, 0);
}

static void
sim_rom_read_slow(struct sim_device *dev, const struct esp_packet *pkt)
{
	uint8_t buf[64];
	uint32_t addr, len;

	if (pkt->data_len != 8) {
		sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
		return;
	}
	addr = le32(pkt->data);
	len = le32(pkt->data + 4);
	if (len > 64) {
		sim_rom_err(dev, pkt->op, ESP_ROM_READ_LENGTH_ERR);
		return;
	}
	memset(buf, 0xFF, sizeof(buf));
	if ((uint64_t)addr + len > dev->cfg.flash_size) {
		sim_rom_err(dev, pkt->op, ESP_ROM_FLASH_READ_ERR);
		return;
	}
	memcpy(buf, dev->cfg.flash + addr, len);
	/* Always a 64-byte buffer, whatever the length asked. */
	sim_reply(dev, pkt->op, 0, buf, sizeof(buf), 0);
}

static void
sim_rom_security_info(struct sim_device *dev, const struct esp_packet *pkt)
{
	uint8_t si[20];
	size_t n = sim_security_info(dev, si);

	if (n == 0) {
		sim_rom_unsupported(dev, pkt);
		return;
	}
	sim_reply(dev, pkt->op, 0, si, n, 0);
}

/*
 * CHANGE_BAUDRATE: the ESP32 ROM computes the divider from its own crystal
 * estimate (RTC calibration x CK8M_FREQ eFuse); esptool sends a baud scaled
 * to compensate, so the line ends up at what the user asked for.
 */
static void
sim_rom_change_baud(struct sim_device *dev, const struct esp_packet *pkt)
{
	uint32_t baud;

	if (pkt->data_len != 8 || le32(pkt->data) == 0) {
		sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
		return;
	}
	baud = le32(pkt->data);
	if (dev->chip->quirks & SIM_Q_ROM_BAUD_CAL) {
		uint64_t cal = sim_rom_xtal_estimate(dev);

		if (cal == 0) {
			sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
			return;
		}
		baud = (uint32_t)(((uint64_t)baud * SIM_ROM_XTAL_HZ + cal / 2) / cal);
		sim_log(dev, "ROM CHANGE_BAUDRATE %u: divider from a %.3f MHz crystal estimate "
		    "gives %u baud", le32(pkt->data), (double)cal / 1e6, baud);
	}
	sim_rom_ok(dev, pkt->op);
	sim_set_baud_after_reply(dev, baud);
}

void
sim_rom_command(struct sim_device *dev, const struct esp_packet *pkt)
{
	if (pkt->dir != ESP_DIR_COMMAND ||
	    ((dev->chip->quirks & SIM_Q_ROM_BASIC_OPS) && pkt->op > ESP_OP_READ_REG)) {
		sim_rom_unsupported(dev, pkt);
		return;
	}
	switch (pkt->op) {
	case ESP_OP_SYNC:
		sim_rom_sync(dev, pkt);
		break;
	case ESP_OP_READ_REG:
		if (pkt->data_len != 4) {
			sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
			break;
		}
		sim_reply(dev, pkt->op, sim_reg_read(dev, le32(pkt->data)), NULL, 0, 0);
		break;
	case ESP_OP_WRITE_REG:
		if (pkt->data_len != 16) {
			sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
			break;
		}
		sim_reg_write(dev, le32(pkt->data), le32(pkt->data + 4), le32(pkt->data + 8));
		sim_rom_ok(dev, pkt->op);
		break;
	case ESP_OP_FLASH_BEGIN:
	case ESP_OP_FLASH_DEFL_BEGIN:
		sim_rom_flash_begin(dev, pkt);
		break;
	case ESP_OP_FLASH_DATA:
	case ESP_OP_FLASH_DEFL_DATA:
		sim_rom_flash_data(dev, pkt);
		break;
	case ESP_OP_FLASH_END:
	case ESP_OP_FLASH_DEFL_END:
		sim_rom_flash_end(dev, pkt);
		break;
	case ESP_OP_MEM_BEGIN:
		sim_rom_mem_begin(dev, pkt);
		break;
	case ESP_OP_MEM_DATA:
		sim_rom_mem_data(dev, pkt);
		break;
	case ESP_OP_MEM_END:
		sim_rom_mem_end(dev, pkt);
		break;
	case ESP_OP_SPI_ATTACH:
		/* The ROM takes the pin config and a 'legacy' word: 8 bytes. */
		if (pkt->data_len != 8) {
			sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
			break;
		}
		sim_rom_ok(dev, pkt->op);
		break;
	case ESP_OP_SPI_SET_PARAMS:
		if (pkt->data_len != 24) {
			sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
			break;
		}
		dev->spi_flash_size = le32(pkt->data + 4);
		sim_rom_ok(dev, pkt->op);
		break;
	case ESP_OP_CHANGE_BAUDRATE:
		sim_rom_change_baud(dev, pkt);
		break;
	case ESP_OP_SPI_FLASH_MD5:
		sim_rom_md5(dev, pkt);
		break;
	case ESP_OP_READ_FLASH_SLOW:
		sim_rom_read_slow(dev, pkt);
		break;
	case ESP_OP_GET_SECURITY_INFO:
		sim_rom_security_info(dev, pkt);
		break;
	default:
		sim_rom_unsupported(dev, pkt);
		break;
	}
}
