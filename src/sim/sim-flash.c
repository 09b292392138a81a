/*
 * sim-flash.c — the simulated NOR flash: range checks, erase (0xFF),
 * program (bits only clear), MD5 of a range, the JEDEC ID, and the zlib
 * stream FLASH_DEFL_DATA feeds. The bytes live in the caller's buffer. Pure.
 */
#include <stdint.h>
#include <string.h>

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

