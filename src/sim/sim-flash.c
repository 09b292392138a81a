/*
 * sim-flash.c — the simulated NOR flash: range checks, erase (0xFF),
 * program (bits only clear), MD5 of a range, the JEDEC ID, and the zlib
 * stream FLASH_DEFL_DATA feeds, datasheet erase and program times for
 * --pace; and the RAM the host uploads with MEM_DATA (kept so READ_REG
 * reads it back, and so the uploaded stub can be recognised). The flash
 * bytes live in the caller's buffer. Pure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "sim-dev.h"
#include "util.h"

uint32_t
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


uint64_t
sim_flash_erase_ns(uint32_t addr, uint32_t len)
{
	uint64_t t = 0;
	uint32_t a = addr / SIM_SECTOR * SIM_SECTOR;
	uint64_t end = (uint64_t)addr + len;

	while (a < end) {
		if (a % 0x10000 == 0 && end - a >= 0x10000) {
			t += SIM_T_BLOCK_ERASE_NS;
			a += 0x10000;
		} else {
			t += SIM_T_SECTOR_ERASE_NS;
			a += SIM_SECTOR;
		}
	}
	return t;
}

uint64_t
sim_flash_prog_ns(uint32_t len)
{
	return (uint64_t)((len + 255) / 256) * SIM_T_PAGE_PROG_NS;
}

/* ---- uploaded RAM ---- */

void
sim_ram_clear(struct sim_device *dev)
{
	size_t i;

	for (i = 0; i < dev->nram; i++)
		free(dev->ram[i].data);
	dev->nram = 0;
}

void
sim_ram_begin(struct sim_device *dev, uint32_t addr, uint32_t len)
{
	struct sim_ram_seg *r;

	if (dev->nram == SIM_RAM_SEGS) {
		free(dev->ram[0].data);
		memmove(&dev->ram[0], &dev->ram[1], (SIM_RAM_SEGS - 1) * sizeof(dev->ram[0]));
		dev->nram--;
	}
	r = &dev->ram[dev->nram++];
	r->addr = addr;
	r->len = len;
	r->filled = 0;
	/* Kept up to 64 KiB (a stub segment is a few KiB); the rest is only counted. */
	r->data = xcalloc(1, len < SIM_RAM_SEG_MAX ? (len ? len : 1) : SIM_RAM_SEG_MAX);
}

void
sim_ram_store(struct sim_device *dev, uint32_t addr, const uint8_t *data, uint32_t len)
{
	struct sim_ram_seg *r;
	uint32_t cap, off;

	if (dev->nram == 0)
		return;
	r = &dev->ram[dev->nram - 1];
	cap = r->len < SIM_RAM_SEG_MAX ? r->len : SIM_RAM_SEG_MAX;
	off = addr - r->addr;
	if (addr >= r->addr && off < cap)
		memcpy(r->data + off, data, len < cap - off ? len : cap - off);
	r->filled += len;
}

int
sim_ram_read(const struct sim_device *dev, uint32_t addr, uint32_t *value)
{
	size_t i;

	for (i = dev->nram; i-- > 0;) {
		const struct sim_ram_seg *r = &dev->ram[i];
		uint32_t cap = r->len < SIM_RAM_SEG_MAX ? r->len : SIM_RAM_SEG_MAX;
		uint32_t have = r->filled < cap ? r->filled : cap;

		if (addr >= r->addr && addr - r->addr + 4 <= have) {
			*value = le32(r->data + (addr - r->addr));
			return 1;
		}
	}
	return 0;
}

enum sim_stub_kind
sim_stub_kind(const struct sim_device *dev, uint32_t entry)
{
	const struct sim_ram_seg *text = NULL;
	size_t i;

	for (i = 0; i < dev->nram; i++)
		if (entry >= dev->ram[i].addr && entry - dev->ram[i].addr < dev->ram[i].len)
			text = &dev->ram[i];
	if (text == NULL && dev->nram > 0)
		text = &dev->ram[0];
	if (text == NULL)
		return SIM_STUB_LEGACY;
	return session_stub_kind(text->addr, text->len, entry) == SESSION_STUB_FLASHER ?
	    SIM_STUB_FLASHER : SIM_STUB_LEGACY;
}
