/*
 * stub.c — the flasher stub as the simulator plays it once MEM_END has
 * started an uploaded image: 2-byte status (error, 0) on every reply,
 * 0x4000-byte FLASH_DATA blocks written in order, FLASH_DEFL_* inflated as
 * they come, each data block acked on receipt with the previous block's
 * error, ERASE_FLASH/ERASE_REGION, READ_FLASH (0x1000-byte SLIP frames,
 * acked by the host with the running byte count, then a 16-byte MD5
 * frame), SPI_FLASH_MD5 as 16 raw bytes, CHANGE_BAUDRATE (new, old).
 *
 * Follows the reply formats of esptool's flasher stub (flasher_stub/ in
 * esptool 3.3: stub_flasher.c cmd_loop, stub_commands.c, stub_write_flash.c);
 * no code is taken from it. SYNC gets eight replies (value 0), as the
 * ROM's. Its length checks on SPI_ATTACH, ERASE_REGION and SPI_FLASH_MD5,
 * and a misaligned ERASE_REGION, answer 0x01 (a C boolean), as the real
 * stub does. esp-flasher-stub ("v2") is stub2.c.
 */
#include <string.h>

#include "sim-dev.h"
#include "sim-loader.h"
#include "util.h"

#define SIM_STUB_MAX_BLOCK	0x4000
#define SIM_STUB_ERR_BOOL	0x01	/* `error = check() || op()`: a failure is just 1 */

static void
sim_stub_reply(struct sim_device *dev, uint8_t op, uint8_t err)
{
	sim_reply(dev, op, 0, NULL, 0, err);
}

static uint8_t
sim_stub_len(const struct esp_packet *pkt, size_t len)
{
	return pkt->data_len == len ? 0 : ESP_STUB_BAD_DATA_LEN;
}

static uint8_t
sim_stub_begin(struct sim_device *dev, uint32_t total, uint32_t offset)
{
	struct sim_flash_op *fl = &dev->fl;
	uint64_t end;
	uint32_t start;

	sim_flash_op_reset(dev);
	fl->active = 1;
	fl->offset = offset;
	fl->next_write = offset;
	fl->remaining = total;
	fl->size = total;
	/* The stub erases sector by sector ahead of the writes; same end state. */
	if (total == 0)
		return 0;
	start = offset / SIM_SECTOR * SIM_SECTOR;
	end = ((uint64_t)offset + total + SIM_SECTOR - 1) / SIM_SECTOR * SIM_SECTOR;
	if (end > dev->cfg.flash_size ||
	    sim_flash_erase(dev, start, (uint32_t)(end - start)) < 0) {
		sim_log(dev, "stub: 0x%x bytes at 0x%x leave the %zu-byte flash", total,
		    offset, dev->cfg.flash_size);
		fl->last_error = ESP_STUB_FAILED_SPI_OP;
	}
	return 0;
}

/* FLASH_DATA after the ack: write in order, trimming the padding of the last block. */
static void
sim_stub_write(struct sim_device *dev, const uint8_t *data, uint32_t len)
{
	struct sim_flash_op *fl = &dev->fl;

	if (len > fl->remaining)
		len = fl->remaining;
	if (len == 0)
		return;
	if (sim_flash_write(dev, fl->next_write, data, len) < 0)
		fl->last_error = ESP_STUB_FAILED_SPI_OP;
	fl->next_write += len;
	fl->remaining -= len;
}

static void
sim_stub_inflate(struct sim_device *dev, const uint8_t *data, uint32_t len)
{
	struct sim_flash_op *fl = &dev->fl;
	int r;

	if (fl->remaining == 0)
		return;
	r = sim_flash_inflate(dev, data, len, 1);
	if (r == -1)
		fl->last_error = ESP_STUB_INFLATE_ERROR;
	else if (r == -2)
		fl->last_error = ESP_STUB_FAILED_SPI_OP;
	else if (fl->zdone && fl->remaining > 0)
		fl->last_error = ESP_STUB_NOT_ENOUGH_DATA;
	if (fl->last_error)
		sim_log(dev, "stub: %s while inflating (reported with the next ack)",
		    esp_error_name(fl->last_error));
}

static void
sim_stub_data(struct sim_device *dev, const struct esp_packet *pkt)
{
	struct sim_flash_op *fl = &dev->fl;
	struct esp_data_header dh;
	uint8_t err;

	if (esp_data_header_parse(pkt, &dh) < 0) {
		sim_stub_reply(dev, pkt->op, ESP_STUB_BAD_DATA_LEN);
		return;
	}
	if (fl->active) {
		err = fl->last_error;
		if (dh.size != dh.payload_len)
			err = ESP_STUB_BAD_DATA_LEN;
		if (esp_checksum(dh.payload, dh.payload_len) != (pkt->value & 0xFF))
			err = ESP_STUB_BAD_DATA_CHECKSUM;
	} else
		err = ESP_STUB_NOT_IN_FLASH_MODE;
	/* Acked on receipt; the write happens after (its error goes with the next ack). */
	sim_stub_reply(dev, pkt->op, err);
	if (err != 0)
		return;
	fl->next_seq = dh.seq + 1;
	if (pkt->op == ESP_OP_FLASH_DEFL_DATA)
		sim_stub_inflate(dev, dh.payload, (uint32_t)dh.payload_len);
	else {
		if (pkt->op == ESP_OP_FLASH_ENCRYPT_DATA)
			sim_log(dev, "stub: FLASH_ENCRYPT_DATA written in plain text");
		sim_stub_write(dev, dh.payload, (uint32_t)dh.payload_len);
	}
}

static void
sim_stub_end(struct sim_device *dev, const struct esp_packet *pkt)
{
	struct sim_flash_op *fl = &dev->fl;
	uint32_t reboot = pkt->data_len >= 4 ? le32(pkt->data) == 0 : 1;
	uint8_t err;

	if (!fl->active)
		err = ESP_STUB_NOT_IN_FLASH_MODE;
	else if (fl->remaining > 0)
		err = ESP_STUB_NOT_ENOUGH_DATA;
	else {
		err = fl->last_error;
		sim_flash_op_reset(dev);
	}
	sim_stub_reply(dev, pkt->op, err);
	if (err == 0 && reboot)
		/* software_reset(): the latched straps decide, so usually the ROM loader again */
		sim_reboot(dev, SIM_RST_SW, dev->strap_boot);
}

static uint8_t
sim_stub_erase_region(struct sim_device *dev, uint32_t addr, uint32_t len)
{
	/* The ROM's SPIEraseArea result (1 = error) for misaligned or outside requests. */
	if (addr % SIM_SECTOR != 0 || len % SIM_SECTOR != 0 ||
	    sim_flash_erase(dev, addr, len) < 0)
		return SIM_STUB_ERR_BOOL;
	sim_busy(dev, sim_flash_erase_ns(addr, len));
	return 0;
}

static void
sim_stub_mem(struct sim_device *dev, const struct esp_packet *pkt)
{
	struct sim_mem_op *m = &dev->mem;
	struct esp_data_header dh;
	uint8_t err = 0;

	switch (pkt->op) {
	case ESP_OP_MEM_BEGIN:
		if ((err = sim_stub_len(pkt, 16)) == 0) {
			m->active = 1;
			m->size = m->remaining = le32(pkt->data);
			m->addr = le32(pkt->data + 12);
		}
		break;
	case ESP_OP_MEM_DATA:
		if (esp_data_header_parse(pkt, &dh) < 0)
			err = ESP_STUB_BAD_DATA_LEN;
		else if (!m->active && dh.payload_len > 0)
			err = ESP_STUB_NOT_IN_FLASH_MODE;
		else if (dh.payload_len > m->remaining)
			err = ESP_STUB_TOO_MUCH_DATA;
		else if (dh.payload_len % 4 != 0)
			err = ESP_STUB_BAD_DATA_LEN;
		else
			m->remaining -= (uint32_t)dh.payload_len;
		break;
	case ESP_OP_MEM_END:
		if ((err = sim_stub_len(pkt, 8)) == 0) {
			err = m->remaining > 0 ? ESP_STUB_NOT_ENOUGH_DATA : 0;
			if (err == 0 && le32(pkt->data + 4) != 0)
				sim_log(dev, "stub: MEM_END entry 0x%08x: not run (simulated)",
				    le32(pkt->data + 4));
			memset(m, 0, sizeof(*m));
		}
		break;
	}
	sim_stub_reply(dev, pkt->op, err);
}

/* READ_FLASH: the ack, then data frames paced by the host's acks (sim_stub_read_pump). */
static void
sim_stub_read_flash(struct sim_device *dev, const struct esp_packet *pkt)
{
	uint8_t err;

	if ((err = sim_stub_len(pkt, 16)) != 0) {
		sim_stub_reply(dev, pkt->op, err);
		return;
	}
	sim_stub_reply(dev, pkt->op, 0);
	memset(&dev->rd, 0, sizeof(dev->rd));
	dev->rd.addr = le32(pkt->data);
	dev->rd.len = le32(pkt->data + 4);
	dev->rd.block = le32(pkt->data + 8);
	dev->rd.max_inflight = le32(pkt->data + 12);
	if (dev->rd.block > SIM_SECTOR || dev->rd.block == 0) {
		/* The stub's buffer is one sector: it quietly sends nothing. */
		sim_log(dev, "stub READ_FLASH: block size 0x%x too large, nothing sent",
		    dev->rd.block);
		return;
	}
	dev->rd.active = 1;
	sim_md5_init(&dev->rd.md5);
	sim_log(dev, "stub READ_FLASH: 0x%x bytes at 0x%x", dev->rd.len, dev->rd.addr);
	sim_stub_read_pump(dev);
}

void
sim_stub_command(struct sim_device *dev, const struct esp_packet *pkt)
{
	uint8_t err = 0;
	uint8_t digest[16];
	uint32_t i;

	if (pkt->data_len > SIM_STUB_MAX_BLOCK + 16) {
		uint8_t st[2] = { ESP_STUB_BAD_DATA_LEN, 0xEE };
		uint8_t body[ESP_HDR_LEN + 2];
		size_t n = esp_response_build(pkt->op, 0, st, 2, body);

		sim_send_frame(dev, body, n);
		sim_log(dev, "stub: %zu-byte command too long", pkt->data_len);
		return;
	}
	switch (pkt->op) {
	case ESP_OP_SYNC:
		err = sim_is_sync_payload(pkt) ? 0 : ESP_STUB_BAD_DATA_LEN;
		/*
		 * Eight replies like the ROM, value 0 (esptool-legacy-flasher-stub
		 * cmd_loop, as esptool 4.x and esptool-js ship it): a client
		 * reconnecting to a stub left running reads all eight
		 * ("Stub is already running"), one alone fails its sync.
		 */
		for (i = 0; i < (err == 0 ? 8u : 1u); i++)
			sim_stub_reply(dev, pkt->op, err);
		break;
	case ESP_OP_READ_REG:
		if ((err = sim_stub_len(pkt, 4)) == 0)
			sim_reply(dev, pkt->op, sim_reg_read(dev, le32(pkt->data)), NULL, 0, 0);
		else
			sim_stub_reply(dev, pkt->op, err);
		break;
	case ESP_OP_WRITE_REG:
		/* The stub takes any number of (addr, value, mask, delay) tuples. */
		if (pkt->data_len % 16 != 0)
			err = ESP_STUB_BAD_DATA_LEN;
		else
			for (i = 0; i < pkt->data_len; i += 16)
				sim_reg_write(dev, le32(pkt->data + i), le32(pkt->data + i + 4),
				    le32(pkt->data + i + 8));
		sim_stub_reply(dev, pkt->op, err);
		break;
	case ESP_OP_FLASH_BEGIN:
	case ESP_OP_FLASH_DEFL_BEGIN:
		/* 16 bytes, or 20 with the encrypted-write word esptool >= 5.3 always sends */
		if ((pkt->data_len == 16 || pkt->data_len == 20) &&
		    le32(pkt->data + 8) > SIM_STUB_MAX_BLOCK)
			err = ESP_STUB_BAD_BLOCKSIZE;
		else if ((err = pkt->data_len == 20 ? 0 : sim_stub_len(pkt, 16)) == 0) {
			err = sim_stub_begin(dev, le32(pkt->data), le32(pkt->data + 12));
			dev->fl.deflate = pkt->op == ESP_OP_FLASH_DEFL_BEGIN;
			dev->fl.blocks = le32(pkt->data + 4);
			dev->fl.block_size = le32(pkt->data + 8);
			dev->fl.remaining_comp = dev->fl.blocks * dev->fl.block_size;
			sim_log(dev, "stub %s: 0x%x bytes at 0x%x, %u blocks of 0x%x",
			    esp_op_name(pkt->op), le32(pkt->data), le32(pkt->data + 12),
			    dev->fl.blocks, dev->fl.block_size);
		}
		sim_stub_reply(dev, pkt->op, err);
		break;
	case ESP_OP_FLASH_DATA:
	case ESP_OP_FLASH_DEFL_DATA:
	case ESP_OP_FLASH_ENCRYPT_DATA:
		sim_stub_data(dev, pkt);
		break;
	case ESP_OP_FLASH_END:
	case ESP_OP_FLASH_DEFL_END:
		sim_stub_end(dev, pkt);
		break;
	case ESP_OP_SPI_SET_PARAMS:
		if ((err = sim_stub_len(pkt, 24)) == 0)
			dev->spi_flash_size = le32(pkt->data + 4);
		sim_stub_reply(dev, pkt->op, err);
		break;
	case ESP_OP_SPI_ATTACH:
		/* verify_data_len() || ...: a wrong length is a C boolean, 0x01 */
		sim_stub_reply(dev, pkt->op, pkt->data_len == 4 ? 0 : SIM_STUB_ERR_BOOL);
		break;
	case ESP_OP_CHANGE_BAUDRATE:
		err = sim_stub_len(pkt, 8);
		sim_stub_reply(dev, pkt->op, err);
		if (err == 0)
			sim_set_baud_after_reply(dev, le32(pkt->data));
		break;
	case ESP_OP_SPI_FLASH_MD5:
		if ((err = pkt->data_len == 16 ? 0 : SIM_STUB_ERR_BOOL) == 0 &&
		    sim_flash_md5(dev, le32(pkt->data), le32(pkt->data + 4), digest) < 0)
			err = ESP_STUB_FAILED_SPI_OP;
		if (err == 0)
			sim_reply(dev, pkt->op, 0, digest, 16, 0);
		else
			sim_stub_reply(dev, pkt->op, err);
		break;
	case ESP_OP_READ_FLASH:
		sim_stub_read_flash(dev, pkt);
		break;
	case ESP_OP_ERASE_FLASH:
		if ((err = sim_stub_len(pkt, 0)) == 0) {
			memset(dev->cfg.flash, 0xFF, dev->cfg.flash_size);
			sim_busy(dev, sim_flash_erase_ns(0, (uint32_t)dev->cfg.flash_size));
		}
		sim_stub_reply(dev, pkt->op, err);
		break;
	case ESP_OP_ERASE_REGION:
		if ((err = pkt->data_len == 8 ? 0 : SIM_STUB_ERR_BOOL) == 0)
			err = sim_stub_erase_region(dev, le32(pkt->data), le32(pkt->data + 4));
		sim_stub_reply(dev, pkt->op, err);
		break;
	case ESP_OP_MEM_BEGIN:
	case ESP_OP_MEM_DATA:
	case ESP_OP_MEM_END:
		sim_stub_mem(dev, pkt);
		break;
	case ESP_OP_GET_SECURITY_INFO:
		if (!dev->chip->has_security_info) {
			sim_stub_reply(dev, pkt->op, ESP_STUB_CMD_NOT_IMPLEMENTED);
			break;
		}
		if ((err = sim_stub_len(pkt, 0)) == 0) {
			uint8_t si[20];
			size_t n = sim_security_info(dev, si);

			sim_reply(dev, pkt->op, 0, si, n, 0);
		} else
			sim_stub_reply(dev, pkt->op, err);
		break;
	case ESP_OP_RUN_USER_CODE:
		/* No reply: the stub jumps into the app. */
		sim_log(dev, "stub: RUN_USER_CODE");
		sim_reboot(dev, SIM_RST_SW, SIM_BOOT_SPI);
		break;
	default:
		sim_log(dev, "stub: unsupported op 0x%02x", pkt->op);
		sim_stub_reply(dev, pkt->op, ESP_STUB_CMD_NOT_IMPLEMENTED);
		break;
	}
}

static void
sim_stub_read_finish(struct sim_device *dev)
{
	uint8_t digest[16];

	sim_md5_final(&dev->rd.md5, digest);
	sim_send_frame(dev, digest, sizeof(digest));
	sim_log(dev, "stub READ_FLASH done: 0x%x of 0x%x bytes acked", dev->rd.acked,
	    dev->rd.len);
	dev->rd.active = 0;
}

void
sim_stub_read_pump(struct sim_device *dev)
{
	struct sim_read_op *rd = &dev->rd;

	if (!rd->active)
		return;
	if (!(rd->acked < rd->len && rd->acked <= rd->sent)) {
		sim_stub_read_finish(dev);
		return;
	}
	while (rd->sent < rd->len && rd->sent - rd->acked < rd->max_inflight) {
		uint32_t n = rd->len - rd->sent;
		uint32_t addr = rd->addr + rd->sent;
		uint8_t buf[SIM_SECTOR];

		if (n > rd->block)
			n = rd->block;
		if ((uint64_t)addr + n > dev->cfg.flash_size) {
			sim_log(dev, "stub READ_FLASH: 0x%x leaves the flash", addr);
			if (rd->flasher) {
				/* esp-flasher-stub: no digest; C4 goes to the next command */
				rd->active = 0;
				dev->stub2_pending = ESP_STUB_FAILED_SPI_OP;
				return;
			}
			/* The legacy stub: a failed SPI read ends the stream with the digest so far. */
			rd->len = rd->sent;
			sim_stub_read_finish(dev);
			return;
		}
		memcpy(buf, dev->cfg.flash + addr, n);
		sim_send_frame(dev, buf, n);
		sim_md5_update(&rd->md5, buf, n);
		rd->sent += n;
	}
}

void
sim_stub_read_frame(struct sim_device *dev, const uint8_t *body, size_t len)
{
	struct sim_read_op *rd = &dev->rd;

	if (len != 4) {
		/* Anything but an ack ends the read (the stub's SLIP_recv != 4). */
		sim_log(dev, "stub READ_FLASH: %zu-byte frame instead of an ack: stream ends", len);
		sim_stub_read_finish(dev);
		return;
	}
	rd->acked = le32(body);
	sim_stub_read_pump(dev);
}
