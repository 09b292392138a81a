/*
 * slip.h — streaming SLIP (RFC 1055 as the ESP bootloader uses it) decoder
 * and encoder. Pure: bytes in, events out; no fds, no clocks, no globals.
 *
 * Framing: every packet is C0 <body> C0; inside the body C0 is DB DC and DB
 * is DB DD. Bytes that arrive while no frame is open (the ROM's boot log,
 * app output, noise) are reported as SLIP_EV_OUTSIDE. An empty frame (C0 C0)
 * produces no event: the second C0 opens the next frame.
 */
#ifndef SLIPTAP_SLIP_H
#define SLIPTAP_SLIP_H

#include <stddef.h>
#include <stdint.h>

#define SLIP_END	0xC0
#define SLIP_ESC	0xDB
#define SLIP_ESC_END	0xDC
#define SLIP_ESC_ESC	0xDD

/* Largest decoded frame: a stub FLASH_DATA block (0x4000) with headers, with room. */
#define SLIP_MAX_FRAME	(64 * 1024)
/* Largest run of outside-frame bytes reported in one event. */
#define SLIP_MAX_OUTSIDE 4096

enum slip_event_type {
	SLIP_EV_FRAME,		/* a complete frame: data = decoded body */
	SLIP_EV_OUTSIDE,	/* bytes outside any frame (text, noise) */
	SLIP_EV_BAD_ESCAPE,	/* DB followed by something other than DC/DD; the frame goes on */
	SLIP_EV_OVERSIZE,	/* frame longer than the limit; its bytes are dropped until C0 */
	SLIP_EV_TRUNCATED,	/* an open frame ended by slip_decoder_finish() */
};

struct slip_event {
	enum slip_event_type type;
	const uint8_t *data;	/* decoded body / outside bytes; valid during the callback */
	size_t len;
	const uint8_t *raw;	/* the bytes exactly as on the wire, C0s included */
	size_t raw_len;		/* (for OVERSIZE: raw is NULL, raw_len is the count dropped) */
	uint8_t bad_byte;	/* BAD_ESCAPE: the byte that followed DB */
	uint64_t offset;	/* stream offset of the event's first raw byte */
};

typedef void (*slip_event_cb)(const struct slip_event *ev, void *arg);

struct slip_decoder;

/* A decoder with `max_frame` bytes of decoded body at most (0 = SLIP_MAX_FRAME). Free with slip_decoder_free. */
struct slip_decoder *slip_decoder_new(size_t max_frame, slip_event_cb cb, void *arg);
void slip_decoder_free(struct slip_decoder *d);	/* NULL is a no-op */
/* Feed any number of bytes; callbacks fire synchronously, in stream order. */
void slip_decoder_feed(struct slip_decoder *d, const uint8_t *buf, size_t len);
/* Report pending outside-frame bytes now (after a quiet gap). Open frames are kept. */
void slip_decoder_flush(struct slip_decoder *d);
/* End of stream: flush outside bytes and report an open frame as SLIP_EV_TRUNCATED. */
void slip_decoder_finish(struct slip_decoder *d);
/* Nonzero when a frame is open (a C0 seen and no closing C0 yet). */
int slip_decoder_in_frame(const struct slip_decoder *d);
/* Total bytes fed so far. */
uint64_t slip_decoder_offset(const struct slip_decoder *d);

/* Worst-case encoded size of a `len`-byte body: 2 * len + 2. */
#define SLIP_ENCODED_MAX(len) (2 * (size_t)(len) + 2)
/* Encode body into out (room for SLIP_ENCODED_MAX(len)); returns bytes written. */
size_t slip_encode(const uint8_t *body, size_t len, uint8_t *out);

const char *slip_event_name(enum slip_event_type t);

#endif
