/*
 * rom.c — the ROM serial loader of the ESP32, ESP32-S3 and ESP32-C3 as the
 * simulator plays it: SYNC (eight identical replies, value 0x20120707),
 * register reads and writes, RAM upload (MEM_*, whose MEM_END with an entry
 * starts the flasher stub), flash writes (FLASH_* erasing the region up
 * front, 0x400-byte blocks; FLASH_DEFL_*), SPI_ATTACH/SPI_SET_PARAMS,
 * SPI_FLASH_MD5 (32 lowercase hex characters), READ_FLASH_SLOW (64-byte
 * blocks), CHANGE_BAUDRATE, GET_SECURITY_INFO (S3, C3).
 *
 * Every response carries 4 status bytes: status (1 = failed), error, 0, 0.
 * An op the ROM does not know gets status 1, error 5 (invalid message),
 * as esptool expects when it probes (GET_SECURITY_INFO on the ESP32).
 */
#include <stdio.h>
#include <string.h>

#include "sim-dev.h"
#include "sim-loader.h"
#include "util.h"

static void
sim_rom_ok(struct sim_device *dev, uint8_t op)
{
	sim_reply(dev, op, 0, NULL, 0, 0);
}

static void
sim_rom_err(struct sim_device *dev, uint8_t op, uint8_t err)
{
	sim_reply(dev, op, 0, NULL, 0, err);
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
}

static void
sim_rom_flash_begin(struct sim_device *dev, const struct esp_packet *pkt)
{
	struct sim_flash_op *fl = &dev->fl;
	uint32_t size, blocks, bsize, offset;
	/* The S3/C3 ROMs take a fifth word (begin encrypted); the ESP32 ROM four. */
	int ok_len = pkt->data_len == 16 ||
	    (pkt->data_len == 20 && dev->chip->id != SIM_CHIP_ESP32);

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
	/* The ROM erases the whole region before it answers, in whole sectors. */
	if (size > 0) {
		uint32_t start = offset / SIM_SECTOR * SIM_SECTOR;
		uint64_t end = ((uint64_t)offset + size + SIM_SECTOR - 1) / SIM_SECTOR * SIM_SECTOR;

		if (end > dev->cfg.flash_size ||
		    sim_flash_erase(dev, start, (uint32_t)(end - start)) < 0) {
			sim_log(dev, "%s: 0x%x bytes at 0x%x leave the %zu-byte flash",
			    esp_op_name(pkt->op), size, offset, dev->cfg.flash_size);
			sim_rom_err(dev, pkt->op, ESP_ROM_FAILED_TO_ACT);
			return;
		}
	}
	fl->active = 1;
	fl->deflate = pkt->op == ESP_OP_FLASH_DEFL_BEGIN;
	fl->offset = offset;
	fl->size = size;
	fl->blocks = blocks;
	fl->block_size = bsize;
	fl->next_write = offset;
	fl->remaining = size;
	sim_log(dev, "%s: 0x%x bytes at 0x%x, %u blocks of 0x%x", esp_op_name(pkt->op),
	    size, offset, blocks, bsize);
	sim_rom_ok(dev, pkt->op);
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
	if (esp_checksum(dh.payload, dh.payload_len) != (pkt->value & 0xFF)) {
		sim_log(dev, "%s seq %u: bad checksum 0x%02x, data says 0x%02x",
		    esp_op_name(pkt->op), dh.seq, pkt->value & 0xFF,
		    esp_checksum(dh.payload, dh.payload_len));
		sim_rom_err(dev, pkt->op, ESP_ROM_BAD_CHECKSUM);
		return;
	}
	if (!fl->active || fl->deflate != (pkt->op == ESP_OP_FLASH_DEFL_DATA)) {
		sim_rom_err(dev, pkt->op, ESP_ROM_FAILED_TO_ACT);
		return;
	}
	if (dh.seq != fl->next_seq)
		sim_log(dev, "%s: seq %u, expected %u", esp_op_name(pkt->op), dh.seq,
		    fl->next_seq);
	if (fl->deflate) {
		int r = sim_flash_inflate(dev, dh.payload, dh.payload_len, 0);

		if (r < 0) {
			sim_log(dev, "FLASH_DEFL_DATA seq %u: %s", dh.seq,
			    r == -1 ? "inflate error" : "write past the end of flash");
			sim_rom_err(dev, pkt->op, r == -1 ? ESP_ROM_DEFLATE_ERR :
			    ESP_ROM_FLASH_WRITE_ERR);
			return;
		}
	} else {
		uint32_t addr = fl->offset + dh.seq * fl->block_size;

		/* Blocks land where their seq says, so a retried block rewrites itself. */
		if (sim_flash_write(dev, addr, dh.payload, (uint32_t)dh.payload_len) < 0) {
			sim_rom_err(dev, pkt->op, ESP_ROM_FLASH_WRITE_ERR);
			return;
		}
	}
	fl->next_seq = dh.seq + 1;
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
	sim_rom_ok(dev, pkt->op);
}

static void
sim_rom_mem_data(struct sim_device *dev, const struct esp_packet *pkt)
{
	struct sim_mem_op *m = &dev->mem;
	struct esp_data_header dh;

	if (esp_data_header_parse(pkt, &dh) < 0 || dh.size != dh.payload_len) {
		sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
		return;
	}
	if (esp_checksum(dh.payload, dh.payload_len) != (pkt->value & 0xFF)) {
		sim_rom_err(dev, pkt->op, ESP_ROM_BAD_CHECKSUM);
		return;
	}
	if (!m->active) {
		sim_rom_err(dev, pkt->op, ESP_ROM_FAILED_TO_ACT);
		return;
	}
	m->loaded += (uint32_t)dh.payload_len;
	m->remaining -= dh.payload_len > m->remaining ? m->remaining : (uint32_t)dh.payload_len;
	m->next_seq = dh.seq + 1;
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
		sim_log(dev, "MEM_END: running the %u uploaded bytes at entry 0x%08x as the stub",
		    dev->mem.loaded, entry);
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

	if (!dev->chip->has_security_info) {
		sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
		return;
	}
	memset(si, 0, sizeof(si));
	/* flags, flash_crypt_cnt, 7 key purposes: all clear; then chip id, api version */
	put_le32(si + 12, dev->chip->chip_id);
	put_le32(si + 16, dev->chip->api_version);
	sim_reply(dev, pkt->op, 0, si, sizeof(si), 0);
}

void
sim_rom_command(struct sim_device *dev, const struct esp_packet *pkt)
{
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
		if (pkt->data_len != 8 || le32(pkt->data) == 0) {
			sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
			break;
		}
		sim_rom_ok(dev, pkt->op);
		sim_set_baud_after_reply(dev, le32(pkt->data));
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
		sim_log(dev, "ROM: unsupported op 0x%02x (%s)", pkt->op,
		    esp_op_name(pkt->op) ? esp_op_name(pkt->op) : "unknown");
		sim_rom_err(dev, pkt->op, ESP_ROM_INVALID_MESSAGE);
		break;
	}
}
