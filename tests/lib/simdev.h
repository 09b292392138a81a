/*
 * simdev.h — the shared test fixture for the simulated device (src/sim):
 * a device on plain memory flash at a test-chosen clock, the host's side
 * as a SLIP decoder (frames and the text between them) plus the raw bytes,
 * and helpers to send loader commands and check their replies. Used by
 * check_sim*.c.
 */
#ifndef SLIPTAP_TEST_SIMDEV_H
#define SLIPTAP_TEST_SIMDEV_H

#include <stddef.h>
#include <stdint.h>

#include "esp.h"
#include "sim.h"
#include "slip.h"

#define MS		1000000ULL
#define SEC		1000000000ULL
#define FLASH_SIZE	(4 * 1024 * 1024)
#define MAX_FRAMES	256

struct h {
	struct sim_device *dev;
	uint8_t *flash;
	uint64_t now;
	struct slip_decoder *dec;
	uint8_t *frames[MAX_FRAMES];	/* SLIP frames from the device */
	size_t flen[MAX_FRAMES];
	int nframes;
	char text[65536];		/* bytes outside frames (boot logs), NUL-terminated */
	size_t tlen;
	uint8_t out[65536];		/* everything the device sent, raw, NUL-terminated */
	size_t len;
	int events[8];
};

/* A device powered on at a fixed time, its boot log taken. */
struct h *h_new_cfg(enum sim_chip chip, enum sim_transport tr, enum sim_boot boot,
    uint64_t wdt, int pace);
/* UART, download mode, boot log cleared. */
struct h *h_new(enum sim_chip chip);
void h_free(struct h *h);
/* Forget what was received (frames, text, raw). */
void h_clear(struct h *h);
/* Run timers due by h->now and take what the device sent. */
void h_pump(struct h *h);
/* Advance the clock by dt and pump. */
void h_run(struct h *h, uint64_t dt);
/* Nonzero when the raw output so far contains s. */
int h_has(const struct h *h, const char *s);

/* Host to device: a raw SLIP frame body; a command; a command of 32-bit words. */
void h_raw(struct h *h, const uint8_t *body, size_t len);
void h_cmd(struct h *h, uint8_t op, const uint8_t *data, size_t len, uint32_t chk);
void h_words(struct h *h, uint8_t op, int nw, uint32_t w0, uint32_t w1, uint32_t w2,
    uint32_t w3, uint32_t w4);
/* A data block (FLASH_DATA, MEM_DATA, ...): 16-byte header, checksum (corrupt: wrong). */
void h_data(struct h *h, uint8_t op, const uint8_t *data, size_t len, uint32_t seq, int corrupt);

/* Frame i as a response to op (asserted). */
struct esp_packet h_resp(struct h *h, int i, uint8_t op);
/* The only reply is ok / is the error `want`, with status_len status bytes; then cleared. */
void h_expect_ok(struct h *h, uint8_t op, int status_len);
void h_expect_err(struct h *h, uint8_t op, int status_len, uint8_t want);
void h_sync(struct h *h);
uint32_t h_read_reg(struct h *h, uint32_t addr);
void h_write_reg(struct h *h, uint32_t addr, uint32_t value);
/*
 * Upload an image of `size` bytes at 0x40380000 and start it with MEM_END,
 * as a client starts its flasher stub; OHAI asserted. The simulator tells
 * the stubs apart by size: h_start_stub uploads a legacy-sized one.
 */
void h_start_stub_sized(struct h *h, uint32_t size);
void h_start_stub(struct h *h);

void md5_of(const uint8_t *d, size_t len, uint8_t out[16]);
void fill_pattern(uint8_t *d, size_t len, uint32_t seed);

#endif
