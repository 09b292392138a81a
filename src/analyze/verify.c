/*
 * verify.c — the MD5 of the data the host sent, to check the device's
 * SPI_FLASH_MD5 reply against (VERIFY_MISMATCH from the wire alone). Plain
 * FLASH_DATA payloads are hashed as they go; FLASH_DEFL_DATA payloads are
 * inflated first (a second zlib stream, independent of the session
 * tracker's). The newest bytes are held back because the ROM pads the last
 * block and the MD5 command names the exact length. Pure.
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "analyze-int.h"
#include "esp.h"
#include "util.h"

/* ---- MD5 of the data the host sent -------------------------------- */

void
analyze_md5_reset(struct analyzer *an, uint32_t offset, int compressed)
{
	sim_md5_init(&an->md5);
	an->md5_bytes = 0;
	an->md5_last_len = 0;
	an->md5_region_offset = offset;
	an->md5_valid = 1;
	an->region_compressed = compressed;
	if (an->zs != NULL) {
		inflateEnd(an->zs);
		free(an->zs);
		an->zs = NULL;
	}
	if (compressed) {
		an->zs = xcalloc(1, sizeof(z_stream));
		if (inflateInit(an->zs) != Z_OK) {
			free(an->zs);
			an->zs = NULL;
			an->md5_valid = 0;
		}
	}
}

/* Hold the newest uncompressed bytes back: the ROM pads the last block. */
static void
analyze_md5_add(struct analyzer *an, const uint8_t *buf, size_t len)
{
	if (an->md5_last == NULL)
		an->md5_last = xmalloc(ESP_STUB_BLOCK * 4);
	while (len > 0) {
		size_t room = ESP_STUB_BLOCK * 4 - an->md5_last_len;
		size_t n;

		if (room == 0) {
			/* keep the last ESP_STUB_BLOCK bytes, hash the rest */
			size_t keep = ESP_STUB_BLOCK;
			size_t out = an->md5_last_len - keep;

			sim_md5_update(&an->md5, an->md5_last, out);
			an->md5_bytes += out;
			memmove(an->md5_last, an->md5_last + out, keep);
			an->md5_last_len = keep;
			continue;
		}
		n = len < room ? len : room;
		memcpy(an->md5_last + an->md5_last_len, buf, n);
		an->md5_last_len += n;
		buf += n;
		len -= n;
	}
}

void
analyze_md5_data(struct analyzer *an, const uint8_t *payload, size_t len)
{
	uint8_t out[8192];
	z_stream *zs = an->zs;
	int rc;

	if (!an->md5_valid)
		return;
	if (!an->region_compressed) {
		analyze_md5_add(an, payload, len);
		return;
	}
	if (zs == NULL) {
		an->md5_valid = 0;
		return;
	}
	zs->next_in = (Bytef *)(uintptr_t)payload;
	zs->avail_in = (uInt)len;
	do {
		zs->next_out = out;
		zs->avail_out = sizeof(out);
		rc = inflate(zs, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
			an->md5_valid = 0;
			return;
		}
		analyze_md5_add(an, out, sizeof(out) - zs->avail_out);
	} while (zs->avail_out == 0 && rc != Z_STREAM_END);
}

/* Expected digest of `size` bytes at `addr`, or -1 when the stream cannot say. */
int
analyze_md5_expect(struct analyzer *an, uint32_t addr, uint32_t size, uint8_t digest[16])
{
	struct sim_md5 m;

	if (!an->md5_valid || addr != an->md5_region_offset || size < an->md5_bytes ||
	    size > an->md5_bytes + an->md5_last_len)
		return -1;
	m = an->md5;
	sim_md5_update(&m, an->md5_last, size - an->md5_bytes);
	sim_md5_final(&m, digest);
	return 0;
}

