/*
 * fuzz_slip.c — libFuzzer target for the streaming SLIP decoder.
 *
 * Input layout: byte 0 picks the decoder's max_frame (1..128, 4096, or the
 * default for 0xFF; small values reach OVERSIZE quickly), byte 1 seeds the chunk sizes, the rest is the stream.
 * Invariants checked:
 *  - feeding in input-derived chunks (with slip_decoder_flush calls in
 *    between) gives the same events as one feed, outside bytes regrouped;
 *  - FRAME/OUTSIDE/BAD_ESCAPE raw bytes are the stream's bytes at the offset;
 *    FRAME raw starts and ends with C0, decoded len <= max_frame, raw_len <=
 *    2 * max_frame + 2; events come in stream order;
 *  - decode(encode(x)) == x for x = the stream itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "slip.h"

struct fz {
	const uint8_t	*in;
	size_t		 in_len;
	size_t		 max_frame;
	uint64_t	 hash;		/* of the event sequence */
	uint64_t	 last_offset;
	size_t		 frames;
	uint8_t		*frame;		/* last frame, for the round trip */
	size_t		 frame_len;
};

static void
fz_mix(struct fz *f, uint64_t v)
{
	f->hash = (f->hash ^ v) * 0x100000001b3ULL;
}

static void
fz_cb(const struct slip_event *ev, void *arg)
{
	struct fz *f = arg;
	size_t i;

	if (ev->type != SLIP_EV_BAD_ESCAPE && ev->offset < f->last_offset)
		abort();
	if (ev->type != SLIP_EV_BAD_ESCAPE)
		f->last_offset = ev->offset;
	if (ev->type == SLIP_EV_OUTSIDE) {
		/* flush may split outside runs anywhere: hash bytes, not runs */
		for (i = 0; i < ev->len; i++)
			fz_mix(f, 0x100 | ev->data[i]);
	} else {
		fz_mix(f, ev->type);
		fz_mix(f, ev->offset);
		fz_mix(f, ev->len);
		fz_mix(f, ev->raw_len);
		fz_mix(f, ev->bad_byte);
		for (i = 0; i < ev->len; i++)
			fz_mix(f, ev->data[i]);
	}
	if (ev->raw != NULL) {
		if (ev->offset + ev->raw_len > f->in_len ||
		    memcmp(f->in + ev->offset, ev->raw, ev->raw_len) != 0)
			abort();
	}
	switch (ev->type) {
	case SLIP_EV_FRAME:
		if (ev->len == 0 || ev->len > f->max_frame ||
		    ev->raw_len > SLIP_ENCODED_MAX(f->max_frame) ||
		    ev->raw[0] != SLIP_END || ev->raw[ev->raw_len - 1] != SLIP_END)
			abort();
		f->frames++;
		if (f->frame != NULL) {
			memcpy(f->frame, ev->data, ev->len);
			f->frame_len = ev->len;
		}
		break;
	case SLIP_EV_TRUNCATED:
		if (ev->len > f->max_frame || ev->raw_len > SLIP_ENCODED_MAX(f->max_frame))
			abort();
		break;
	case SLIP_EV_OUTSIDE:
		if (ev->len == 0 || ev->len > SLIP_MAX_OUTSIDE || memchr(ev->data, SLIP_END, ev->len))
			abort();
		break;
	case SLIP_EV_BAD_ESCAPE:
		if (ev->raw_len != 2 || ev->raw[0] != SLIP_ESC || ev->raw[1] != ev->bad_byte)
			abort();
		break;
	case SLIP_EV_OVERSIZE:
		if (ev->raw != NULL || ev->raw_len == 0)
			abort();
		break;
	}
}

static uint64_t
fz_run(const uint8_t *in, size_t len, size_t max_frame, unsigned seed, int chunked,
    size_t *frames, uint8_t *frame_buf, size_t *frame_len)
{
	struct fz f;
	struct slip_decoder *d;
	size_t off = 0, n;
	uint32_t x = seed * 2654435761u + 1;

	memset(&f, 0, sizeof(f));
	f.in = in;
	f.in_len = len;
	f.max_frame = max_frame;
	f.hash = 0xcbf29ce484222325ULL;
	f.frame = frame_buf;
	d = slip_decoder_new(max_frame, fz_cb, &f);
	while (off < len) {
		n = len - off;
		if (chunked) {
			x = x * 1103515245u + 12345u;
			n = 1 + (x >> 16) % 17;
			if (n > len - off)
				n = len - off;
		}
		slip_decoder_feed(d, in + off, n);
		off += n;
		if (chunked && (x & 0x100000) != 0)
			slip_decoder_flush(d);	/* regroups OUTSIDE bytes only */
	}
	if (slip_decoder_offset(d) != len)
		abort();
	slip_decoder_finish(d);
	if (slip_decoder_in_frame(d))
		abort();
	slip_decoder_free(d);
	if (frames != NULL)
		*frames = f.frames;
	if (frame_len != NULL)
		*frame_len = f.frame_len;
	return f.hash;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t max_frame, len, frames, flen;
	uint8_t *enc, *dec;
	unsigned seed;

	if (size < 2)
		return 0;
	/* 0xFF: the default limit (slow to allocate under ASan, so not always) */
	max_frame = data[0] == 0xFF ? SLIP_MAX_FRAME : data[0] < 128 ? (size_t)data[0] + 1 : 4096;
	seed = data[1];
	data += 2;
	len = size - 2;

	if (fz_run(data, len, max_frame, seed, 0, NULL, NULL, NULL) !=
	    fz_run(data, len, max_frame, seed, 1, NULL, NULL, NULL))
		abort();

	/* round trip: the whole input as one body */
	if (len == 0 || len > SLIP_MAX_FRAME)
		return 0;
	enc = malloc(SLIP_ENCODED_MAX(len));
	dec = malloc(len);
	flen = slip_encode(data, len, enc);
	if (flen > SLIP_ENCODED_MAX(len))
		abort();
	fz_run(enc, flen, len, seed, 1, &frames, dec, &flen);
	if (frames != 1 || flen != len || memcmp(dec, data, len) != 0)
		abort();
	free(enc);
	free(dec);
	return 0;
}
