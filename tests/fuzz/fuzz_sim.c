/*
 * fuzz_sim.c — libFuzzer target for the simulated device's input: the
 * bytes a client sends to the ROM loader, the legacy stub or
 * esp-flasher-stub of any simulated chip.
 *
 * Input layout: byte 0 picks the chip, byte 1 the setup (bits 0-1: no stub,
 * a legacy-sized or an esp-flasher-stub-sized upload started before the
 * stream; bit 2: --pace; bits 3-7 seed the chunk sizes), the rest is the
 * stream, fed in chunks with the clock advancing between them.
 * Invariants checked:
 *  - the device never takes more than sim_device_input_room() asks for
 *    without dropping (the queue stays bounded);
 *  - output stays under its cap and every byte taken was queued;
 *  - whatever the stream did, a power cycle into download mode and a SYNC
 *    get the ROM's eight SYNC replies (the device recovers).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "sim.h"
#include "slip.h"
#include "util.h"

#define FZ_FLASH	(256 * 1024)

static uint64_t fz_now;
static int fz_sync_replies;

static void
fz_dec_cb(const struct slip_event *ev, void *arg)
{
	struct esp_packet p;

	(void)arg;
	if (ev->type == SLIP_EV_FRAME && esp_packet_parse(ev->data, ev->len, &p) == 0 &&
	    p.dir == ESP_DIR_RESPONSE && p.op == ESP_OP_SYNC && p.value == ESP_SYNC_VALUE)
		fz_sync_replies++;
}

static void
fz_send(struct sim_device *dev, uint8_t op, const uint8_t *data, size_t len, uint32_t chk)
{
	uint8_t body[ESP_HDR_LEN + 0x1810], enc[2 * sizeof(body) + 2];
	size_t n = esp_command_build(op, data, len, chk, body);

	n = slip_encode(body, n, enc);
	sim_device_input(dev, enc, n, fz_now);
}

static void
fz_drain(struct sim_device *dev, struct slip_decoder *dec)
{
	uint8_t buf[8192];
	size_t n;

	sim_device_tick(dev, fz_now);
	while ((n = sim_device_output(dev, buf, sizeof(buf), fz_now)) > 0)
		if (dec != NULL)
			slip_decoder_feed(dec, buf, n);
}

static void
fz_sync(struct sim_device *dev)
{
	uint8_t d[36] = { 0x07, 0x07, 0x12, 0x20 };

	memset(d + 4, 0x55, 32);
	fz_send(dev, ESP_OP_SYNC, d, sizeof(d), 0);
}

/* Upload `size` bytes at 0x40380000 and start them: the stub the size says. */
static void
fz_upload(struct sim_device *dev, uint32_t size, uint32_t entry_off)
{
	static uint8_t code[0x1800 + 16];
	uint32_t off, seq = 0;
	uint8_t w[16];

	put_le32(w, size);
	put_le32(w + 4, (size + 0x17FF) / 0x1800);
	put_le32(w + 8, 0x1800);
	put_le32(w + 12, 0x40380000);
	fz_send(dev, ESP_OP_MEM_BEGIN, w, 16, 0);
	for (off = 0; off < size; off += 0x1800, seq++) {
		uint32_t n = size - off < 0x1800 ? size - off : 0x1800;

		memset(code, 0, 16);
		put_le32(code, n);
		put_le32(code + 4, seq);
		memset(code + 16, 0x13, n);
		fz_send(dev, ESP_OP_MEM_DATA, code, n + 16, esp_checksum(code + 16, n));
	}
	put_le32(w, 0);
	put_le32(w + 4, 0x40380000 + entry_off);
	fz_send(dev, ESP_OP_MEM_END, w, 8, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t flash[FZ_FLASH];
	struct sim_config cfg;
	struct sim_device *dev;
	struct slip_decoder *dec;
	const struct sim_stats *st;
	uint32_t seed;
	size_t off;

	if (size < 2)
		return 0;
	memset(flash, 0xFF, sizeof(flash));
	memset(&cfg, 0, sizeof(cfg));
	cfg.chip = (enum sim_chip)(data[0] % SIM_CHIP_COUNT);
	cfg.flash = flash;
	cfg.flash_size = sizeof(flash);
	cfg.pace = (data[1] & 4) != 0;
	fz_now = 1000000000ULL;
	dev = sim_device_new(&cfg, fz_now, NULL);
	if (dev == NULL)
		abort();
	fz_sync(dev);
	if ((data[1] & 3) == 1)
		fz_upload(dev, 0x100, 0);
	else if ((data[1] & 3) == 2)
		fz_upload(dev, 0x1800, 0x1700);
	fz_now += 10000000ULL;
	fz_drain(dev, NULL);

	seed = data[1] >> 3;
	for (off = 2; off < size;) {
		size_t n = 1 + (seed = seed * 1103515245 + 12345) % 512, room;

		if (n > size - off)
			n = size - off;
		room = sim_device_input_room(dev);
		if (room == 0) {
			fz_now += 100000000ULL;
			fz_drain(dev, NULL);
			continue;
		}
		if (n > room)
			n = room;
		sim_device_input(dev, data + off, n, fz_now);
		off += n;
		fz_now += (seed >> 8) % 3000000;
		if (seed & 1)
			fz_drain(dev, NULL);
	}
	fz_now += 60ULL * 1000000000ULL;
	fz_drain(dev, NULL);
	st = sim_device_stats(dev);
	if (sim_device_output_pending(dev) > 4 * 1024 * 1024 + 8192)
		abort();
	if (st->bytes_out > st->bytes_out + sim_device_output_pending(dev))
		abort();

	/* the device recovers: power cycle into download mode, SYNC answered eight times */
	sim_device_power_cycle(dev, SIM_BOOT_DOWNLOAD, fz_now);
	fz_now += 1000000000ULL;
	fz_drain(dev, NULL);
	fz_sync_replies = 0;
	dec = slip_decoder_new(0, fz_dec_cb, NULL);
	fz_sync(dev);
	fz_now += 1000000000ULL;	/* with --pace the SYNC takes its wire time */
	fz_drain(dev, dec);
	slip_decoder_flush(dec);
	slip_decoder_free(dec);
	if (fz_sync_replies != 8)
		abort();
	sim_device_free(dev);
	return 0;
}
