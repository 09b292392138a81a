/*
 * stub2.c — esp-flasher-stub ("stub v2": esptool 5.3's default stub, and
 * the one esptool-js ships) as the simulator plays it, next to the legacy
 * stub of stub.c. The simulator runs it when the uploaded image looks like
 * it (sim_stub_kind()).
 *
 * What a client sees of it, modelled from its behaviour on the wire (no
 * code taken from it):
 *  - "OHAI" on start; SYNC gets eight replies with value 0.
 *  - Every reply: the header, any data, then a 16-bit big-endian response
 *    code, so the bytes are (code >> 8, 0): 00 00, C0 00, ... FF 00.
 *  - The frame is checked first: a direction byte other than 0 gets C3
 *    (invalid command), a length word that disagrees with the frame C0.
 *  - Work that follows the reply (writing a FLASH_DATA block, inflating a
 *    FLASH_DEFL_DATA block, streaming READ_FLASH, switching the baud rate,
 *    jumping to MEM_END's entry) reports a failure on the NEXT command,
 *    which is answered with that error and not carried out.
 *  - FLASH_BEGIN / FLASH_DEFL_BEGIN take 16 or 20 bytes (the fifth word
 *    asks for an encrypted write), any block size, and erase lazily: one
 *    sector (or 64 KiB block) at the start, the rest as the writes reach
 *    it. Data blocks are checked (C8 short, C6 not begun, C9 length
 *    mismatch, C1 checksum) but their seq is not: blocks are written in
 *    arrival order. Compressed data goes through a 32 KiB window written
 *    when full or at the end of the stream. FLASH_END with bytes missing
 *    is C0; its reboot flag is ignored (the stub stays).
 *  - READ_FLASH sends one packet at a time whatever the host allows in
 *    flight (packets over 4096 bytes: C0 on the next command), then the
 *    16-byte MD5; a flash read failure ends the stream without it.
 *  - ERASE_REGION unaligned: C0. GET_SECURITY_INFO on a chip without it
 *    (ESP32, ESP8266): FF. Plugin opcodes 0xD5..0xEF with no plugin: FF.
 *    Anything else unknown, FLASH_ENCRYPT_DATA included: C3.
 *    RUN_USER_CODE: no reply, nothing happens.
 *  - Frames over 8 + 0x40FF bytes overflow its receive buffer: dropped.
 */
#include <string.h>

#include "sim-dev.h"
#include "sim-loader.h"
#include "util.h"

#define S2_FRAME_MAX		(8 + 0x4000 + 0xFF)
#define S2_READ_PACKET_MAX	4096
#define S2_PLUGIN_FIRST		0xD5
#define S2_PLUGIN_LAST		0xEF
#define S2_DONE			(-1)	/* the reply is already out */

static void
s2_reply(struct sim_device *dev, uint8_t op, uint8_t err)
{
	sim_reply(dev, op, 0, NULL, 0, err);
}

void
sim_stub2_bad_frame(struct sim_device *dev, uint8_t op, uint8_t err)
{
	s2_reply(dev, op, err);
}

/* Erase the next sector, or 64 KiB block where aligned, of the region begun. */
static uint8_t
s2_erase_step(struct sim_device *dev)
{
	struct sim_flash_op *fl = &dev->fl;
	uint32_t n;

	if (fl->erase_next >= fl->erase_end)
		return 0;
	n = fl->erase_next % 0x10000 == 0 && fl->erase_end - fl->erase_next >= 0x10000 ?
	    0x10000 : SIM_SECTOR;
	if (sim_flash_erase(dev, fl->erase_next, n) < 0) {
		sim_log(dev, "esp-flasher-stub: erase at 0x%x leaves the flash", fl->erase_next);
		return ESP_STUB_FAILED_SPI_OP;
	}
	sim_busy(dev, sim_flash_erase_ns(fl->erase_next, n));
	fl->erase_next += n;
	return 0;
}

static uint8_t
s2_write(struct sim_device *dev, const uint8_t *data, uint32_t len)
{
	struct sim_flash_op *fl = &dev->fl;
	uint8_t err;

	while (fl->erase_next < fl->next_write + len && fl->erase_next < fl->erase_end)
		if ((err = s2_erase_step(dev)) != 0)
			return err;
	if (sim_flash_write(dev, fl->next_write, data, len) < 0)
		return ESP_STUB_FAILED_SPI_OP;
	sim_busy(dev, sim_flash_prog_ns(len));
	fl->next_write += len;
	fl->remaining -= len;	/* wraps when more was inflated than announced: END says C0 */
	return 0;
}

static int
s2_begin(struct sim_device *dev, const struct esp_packet *pkt)
{
	struct sim_flash_op *fl = &dev->fl;
	uint64_t end;

	if (pkt->data_len != 16 && pkt->data_len != 20)
		return ESP_STUB_BAD_DATA_LEN;
	sim_flash_op_reset(dev);
	fl->active = 1;
	fl->deflate = pkt->op == ESP_OP_FLASH_DEFL_BEGIN;
	fl->size = fl->remaining = le32(pkt->data);
	fl->blocks = le32(pkt->data + 4);
	fl->block_size = le32(pkt->data + 8);
	fl->offset = fl->next_write = le32(pkt->data + 12);
	fl->remaining_comp = fl->blocks * fl->block_size;
	if (pkt->data_len == 20 && le32(pkt->data + 16) != 0)
		sim_log(dev, "esp-flasher-stub: encrypted write requested; written in plain text");
	dev->stub2_fill = 0;
	fl->erase_next = fl->offset / SIM_SECTOR * SIM_SECTOR;
	end = ((uint64_t)fl->offset + fl->size + SIM_SECTOR - 1) / SIM_SECTOR * SIM_SECTOR;
	fl->erase_end = end > 0xFFFFFFFFu ? 0xFFFFF000u : (uint32_t)end;
	sim_log(dev, "esp-flasher-stub %s: 0x%x bytes at 0x%x, %u blocks of 0x%x",
	    esp_op_name(pkt->op), fl->size, fl->offset, fl->blocks, fl->block_size);
	return s2_erase_step(dev);
}

/* Inflate a block through the 32 KiB window; written when full or at the end. */
static uint8_t
s2_inflate(struct sim_device *dev, const uint8_t *data, uint32_t len, uint32_t seq)
{
	struct sim_flash_op *fl = &dev->fl;
	uint8_t err;
	int zr;

	if (dev->stub2_buf == NULL)
		dev->stub2_buf = xmalloc(SIM_STUB2_BUF);
	if (seq == 0)
		dev->stub2_fill = 0;
	if (!fl->zinit) {
		memset(&fl->zs, 0, sizeof(fl->zs));
		if (inflateInit(&fl->zs) != Z_OK)
			return ESP_STUB_INFLATE_ERROR;
		fl->zinit = 1;
	}
	if (fl->zdone)
		return 0;
	fl->zs.next_in = (Bytef *)(uintptr_t)data;
	fl->zs.avail_in = len;
	while (fl->zs.avail_in > 0) {
		size_t before = dev->stub2_fill;

		if ((err = s2_erase_step(dev)) != 0)	/* erases while it inflates */
			return err;
		fl->zs.next_out = dev->stub2_buf + dev->stub2_fill;
		fl->zs.avail_out = (uInt)(SIM_STUB2_BUF - dev->stub2_fill);
		zr = inflate(&fl->zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			return ESP_STUB_INFLATE_ERROR;
		dev->stub2_fill = SIM_STUB2_BUF - fl->zs.avail_out;
		if (zr == Z_STREAM_END || dev->stub2_fill == SIM_STUB2_BUF) {
			if ((err = s2_write(dev, dev->stub2_buf, (uint32_t)dev->stub2_fill)) != 0)
				return err;
			dev->stub2_fill = 0;
		}
		if (zr == Z_STREAM_END) {
			fl->zdone = 1;
			break;
		}
		if (zr == Z_BUF_ERROR && dev->stub2_fill == before)
			break;
	}
	fl->remaining_comp -= len < fl->remaining_comp ? len : fl->remaining_comp;
	return 0;
}

static int
s2_data(struct sim_device *dev, const struct esp_packet *pkt)
{
	struct esp_data_header dh;
	int defl = pkt->op == ESP_OP_FLASH_DEFL_DATA;
	uint32_t n;
	uint8_t err;

	if (esp_data_header_parse(pkt, &dh) < 0)
		return defl ? ESP_STUB_BAD_DATA_LEN : ESP_STUB_NOT_ENOUGH_DATA;
	if (!dev->fl.active)
		return ESP_STUB_NOT_IN_FLASH_MODE;
	if (!defl && dh.size != dh.payload_len)
		return ESP_STUB_TOO_MUCH_DATA;
	n = dh.size < dh.payload_len ? dh.size : (uint32_t)dh.payload_len;
	if (esp_checksum(dh.payload, n) != (pkt->value & 0xFF) || n != dh.size)
		return ESP_STUB_BAD_DATA_CHECKSUM;
	/* Acked now; written after the reply, a failure goes to the next command. */
	s2_reply(dev, pkt->op, 0);
	if (defl)
		err = s2_inflate(dev, dh.payload, n, dh.seq);
	else
		err = s2_write(dev, dh.payload, n < dev->fl.remaining ? n : dev->fl.remaining);
	if (err != 0) {
		sim_log(dev, "esp-flasher-stub: %s after %s seq %u (reported on the next command)",
		    esp_error_name(err) ? esp_error_name(err) : "error", esp_op_name(pkt->op), dh.seq);
		dev->stub2_pending = err;
	}
	return S2_DONE;	/* already answered */
}

static int
s2_end(struct sim_device *dev, const struct esp_packet *pkt)
{
	if (pkt->data_len != 4)
		return ESP_STUB_BAD_DATA_LEN;
	if (!dev->fl.active)
		return ESP_STUB_NOT_IN_FLASH_MODE;
	if (dev->fl.remaining != 0) {
		sim_log(dev, "esp-flasher-stub %s: 0x%x bytes still missing", esp_op_name(pkt->op),
		    dev->fl.remaining);
		return ESP_STUB_BAD_DATA_LEN;
	}
	if (le32(pkt->data) == 0)
		sim_log(dev, "esp-flasher-stub %s: reboot flag ignored (the stub stays)",
		    esp_op_name(pkt->op));
	sim_flash_op_reset(dev);
	dev->stub2_fill = 0;
	return 0;
}

static int
s2_mem(struct sim_device *dev, const struct esp_packet *pkt)
{
	struct sim_mem_op *m = &dev->mem;
	struct esp_data_header dh;

	switch (pkt->op) {
	case ESP_OP_MEM_BEGIN:
		if (pkt->data_len != 16)
			return ESP_STUB_BAD_DATA_LEN;
		memset(m, 0, sizeof(*m));
		m->active = 1;
		m->size = m->remaining = le32(pkt->data);
		m->addr = le32(pkt->data + 12);
		sim_ram_begin(dev, m->addr, m->size);
		return 0;
	case ESP_OP_MEM_DATA:
		if (esp_data_header_parse(pkt, &dh) < 0)
			return ESP_STUB_NOT_ENOUGH_DATA;
		if (!m->active)
			return ESP_STUB_NOT_IN_FLASH_MODE;
		if (m->remaining < dh.size || dh.size != dh.payload_len)
			return ESP_STUB_TOO_MUCH_DATA;
		sim_ram_store(dev, m->addr + (m->size - m->remaining), dh.payload, dh.size);
		m->remaining -= dh.size;
		return 0;
	default:	/* MEM_END */
		if (pkt->data_len != 8)
			return ESP_STUB_BAD_DATA_LEN;
		if (!m->active)
			return ESP_STUB_NOT_IN_FLASH_MODE;
		memset(m, 0, sizeof(*m));
		if (le32(pkt->data) == 0)
			sim_log(dev, "esp-flasher-stub: MEM_END jumps to 0x%08x: not run (simulated)",
			    le32(pkt->data + 4));
		return 0;
	}
}

static int
s2_read_flash(struct sim_device *dev, const struct esp_packet *pkt)
{
	struct sim_read_op *rd = &dev->rd;

	if (pkt->data_len != 16)
		return ESP_STUB_BAD_DATA_LEN;
	s2_reply(dev, pkt->op, 0);
	memset(rd, 0, sizeof(*rd));
	rd->addr = le32(pkt->data);
	rd->len = le32(pkt->data + 4);
	rd->block = le32(pkt->data + 8);
	if (rd->block > S2_READ_PACKET_MAX) {
		sim_log(dev, "esp-flasher-stub READ_FLASH: packet size 0x%x too large", rd->block);
		dev->stub2_pending = ESP_STUB_BAD_DATA_LEN;
		return S2_DONE;
	}
	if (rd->block == 0)
		rd->block = 1;	/* a zero packet size would never end; the stub's loop would hang */
	/* One packet in flight, whatever the host's max_inflight says. */
	rd->max_inflight = rd->block;
	rd->flasher = 1;
	rd->active = 1;
	sim_md5_init(&rd->md5);
	sim_log(dev, "esp-flasher-stub READ_FLASH: 0x%x bytes at 0x%x", rd->len, rd->addr);
	sim_stub_read_pump(dev);
	return S2_DONE;
}

static int
s2_erase_region(struct sim_device *dev, const struct esp_packet *pkt)
{
	uint32_t addr, len;

	if (pkt->data_len != 8)
		return ESP_STUB_BAD_DATA_LEN;
	addr = le32(pkt->data);
	len = le32(pkt->data + 4);
	if (addr % SIM_SECTOR != 0 || len % SIM_SECTOR != 0)
		return ESP_STUB_BAD_DATA_LEN;
	if (sim_flash_erase(dev, addr, len) < 0)
		return ESP_STUB_FAILED_SPI_OP;
	sim_busy(dev, sim_flash_erase_ns(addr, len));
	return 0;
}

/* The commands that only answer: an error code, 0, or S2_DONE when the reply is out. */
static int
s2_simple(struct sim_device *dev, const struct esp_packet *pkt)
{
	uint8_t digest[16], si[20];
	size_t n;
	uint32_t i;

	switch (pkt->op) {
	case ESP_OP_SYNC:
		if (pkt->data_len != 36)
			return ESP_STUB_BAD_DATA_LEN;
		for (i = 0; i < 7; i++)
			s2_reply(dev, pkt->op, 0);
		return 0;
	case ESP_OP_WRITE_REG:
		if (pkt->data_len == 0 || pkt->data_len % 16 != 0)
			return ESP_STUB_NOT_ENOUGH_DATA;
		for (i = 0; i < pkt->data_len; i += 16) {
			sim_busy(dev, (uint64_t)le32(pkt->data + i + 12) * 1000);
			sim_reg_write(dev, le32(pkt->data + i), le32(pkt->data + i + 4),
			    le32(pkt->data + i + 8));
		}
		return 0;
	case ESP_OP_READ_REG:
		if (pkt->data_len != 4)
			return ESP_STUB_BAD_DATA_LEN;
		sim_reply(dev, pkt->op, sim_reg_read(dev, le32(pkt->data)), NULL, 0, 0);
		return S2_DONE;
	case ESP_OP_SPI_ATTACH:
		return pkt->data_len == 4 ? 0 : ESP_STUB_BAD_DATA_LEN;
	case ESP_OP_SPI_SET_PARAMS:
		if (pkt->data_len != 24)
			return ESP_STUB_BAD_DATA_LEN;
		dev->spi_flash_size = le32(pkt->data + 4);
		return 0;
	case ESP_OP_SPI_FLASH_MD5:
		if (pkt->data_len != 16)
			return ESP_STUB_BAD_DATA_LEN;
		if (sim_flash_md5(dev, le32(pkt->data), le32(pkt->data + 4), digest) < 0)
			return ESP_STUB_FAILED_SPI_OP;
		sim_reply(dev, pkt->op, 0, digest, sizeof(digest), 0);
		return S2_DONE;
	case ESP_OP_GET_SECURITY_INFO:
		if (pkt->data_len != 0)
			return ESP_STUB_BAD_DATA_LEN;
		if ((n = sim_security_info(dev, si)) == 0)
			return ESP_STUB_CMD_NOT_IMPLEMENTED;
		sim_reply(dev, pkt->op, 0, si, n, 0);
		return S2_DONE;
	case ESP_OP_ERASE_FLASH:
		memset(dev->cfg.flash, 0xFF, dev->cfg.flash_size);
		sim_busy(dev, sim_flash_erase_ns(0, (uint32_t)dev->cfg.flash_size));
		return 0;
	case ESP_OP_ERASE_REGION:
		return s2_erase_region(dev, pkt);
	}
	if (pkt->op >= S2_PLUGIN_FIRST && pkt->op <= S2_PLUGIN_LAST)
		return ESP_STUB_CMD_NOT_IMPLEMENTED;	/* no plugin loaded */
	sim_log(dev, "esp-flasher-stub: unknown op 0x%02x", pkt->op);
	return ESP_STUB_INVALID_COMMAND;
}

void
sim_stub2_command(struct sim_device *dev, const struct esp_packet *pkt)
{
	int err;

	if (pkt->data_len + ESP_HDR_LEN > S2_FRAME_MAX) {
		sim_log(dev, "esp-flasher-stub: %zu-byte frame overflows its buffer: dropped",
		    pkt->data_len + ESP_HDR_LEN);
		return;
	}
	if (dev->stub2_pending != 0) {
		uint8_t e = dev->stub2_pending;

		dev->stub2_pending = 0;
		sim_log(dev, "esp-flasher-stub: %s answered with the earlier error 0x%02x, not run",
		    esp_op_name(pkt->op) ? esp_op_name(pkt->op) : "command", e);
		s2_reply(dev, pkt->op, e);
		return;
	}
	switch (pkt->op) {
	case ESP_OP_FLASH_BEGIN:
	case ESP_OP_FLASH_DEFL_BEGIN:
		err = s2_begin(dev, pkt);
		break;
	case ESP_OP_FLASH_DATA:
	case ESP_OP_FLASH_DEFL_DATA:
		err = s2_data(dev, pkt);
		break;
	case ESP_OP_FLASH_END:
	case ESP_OP_FLASH_DEFL_END:
		err = s2_end(dev, pkt);
		break;
	case ESP_OP_MEM_BEGIN:
	case ESP_OP_MEM_DATA:
	case ESP_OP_MEM_END:
		err = s2_mem(dev, pkt);
		break;
	case ESP_OP_CHANGE_BAUDRATE:
		if (pkt->data_len != 8) {
			err = ESP_STUB_BAD_DATA_LEN;
			break;
		}
		s2_reply(dev, pkt->op, 0);
		sim_set_baud_after_reply(dev, le32(pkt->data));
		return;
	case ESP_OP_READ_FLASH:
		err = s2_read_flash(dev, pkt);
		break;
	case ESP_OP_RUN_USER_CODE:
		sim_log(dev, "esp-flasher-stub: RUN_USER_CODE: no reply, nothing done");
		return;
	default:
		err = s2_simple(dev, pkt);
		break;
	}
	if (err != S2_DONE)
		s2_reply(dev, pkt->op, (uint8_t)err);
}
