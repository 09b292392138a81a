/*
 * simdev.c — the shared test fixture for the simulated device; see simdev.h.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "simdev.h"
#include "util.h"

static void
h_dec_cb(const struct slip_event *ev, void *arg)
{
	struct h *h = arg;

	if (ev->type == SLIP_EV_FRAME && h->nframes < MAX_FRAMES) {
		h->frames[h->nframes] = xmalloc(ev->len + 1);
		memcpy(h->frames[h->nframes], ev->data, ev->len);
		h->flen[h->nframes++] = ev->len;
	} else if (ev->type == SLIP_EV_OUTSIDE) {
		size_t n = ev->len;

		if (n > sizeof(h->text) - 1 - h->tlen)
			n = sizeof(h->text) - 1 - h->tlen;
		memcpy(h->text + h->tlen, ev->data, n);
		h->tlen += n;
		h->text[h->tlen] = '\0';
	}
}

static void
h_event_cb(enum sim_event ev, void *arg)
{
	struct h *h = arg;

	h->events[ev]++;
}

void
h_clear(struct h *h)
{
	int i;

	for (i = 0; i < h->nframes; i++)
		free(h->frames[i]);
	h->nframes = 0;
	h->tlen = 0;
	h->text[0] = '\0';
	h->len = 0;
	h->out[0] = '\0';
}

/* Take what the device sent by h->now. */
void
h_pump(struct h *h)
{
	uint8_t buf[8192];
	size_t n;

	sim_device_tick(h->dev, h->now);
	while ((n = sim_device_output(h->dev, buf, sizeof(buf), h->now)) > 0) {
		size_t k = n < sizeof(h->out) - 1 - h->len ? n : sizeof(h->out) - 1 - h->len;

		memcpy(h->out + h->len, buf, k);
		h->len += k;
		h->out[h->len] = '\0';
		slip_decoder_feed(h->dec, buf, n);
	}
	slip_decoder_flush(h->dec);
}

void
h_run(struct h *h, uint64_t dt)
{
	h->now += dt;
	h_pump(h);
}

int
h_has(const struct h *h, const char *s)
{
	return memmem(h->out, h->len, s, strlen(s)) != NULL;
}

struct h *
h_new_cfg(enum sim_chip chip, enum sim_transport tr, enum sim_boot boot,
    uint64_t wdt, int pace)
{
	struct h *h = xcalloc(1, sizeof(*h));
	struct sim_config cfg;
	const char *why;

	h->flash = xmalloc(FLASH_SIZE);
	memset(h->flash, 0xFF, FLASH_SIZE);
	h->now = 1000 * SEC;
	h->dec = slip_decoder_new(0, h_dec_cb, h);
	memset(&cfg, 0, sizeof(cfg));
	cfg.chip = chip;
	cfg.transport = tr;
	cfg.boot = boot;
	cfg.flash = h->flash;
	cfg.flash_size = FLASH_SIZE;
	cfg.baud = 115200;
	cfg.pace = pace;
	cfg.wdt_timeout_ns = wdt;
	cfg.event_cb = h_event_cb;
	cfg.arg = h;
	h->dev = sim_device_new(&cfg, h->now, &why);
	ck_assert_msg(h->dev != NULL, "sim_device_new: %s", why ? why : "?");
	h_pump(h);
	return h;
}

struct h *
h_new(enum sim_chip chip)
{
	struct h *h = h_new_cfg(chip, SIM_TRANSPORT_UART, SIM_BOOT_DOWNLOAD, 0, 0);

	h_clear(h);
	return h;
}

void
h_free(struct h *h)
{
	h_clear(h);
	sim_device_free(h->dev);
	slip_decoder_free(h->dec);
	free(h->flash);
	free(h);
}

void
h_raw(struct h *h, const uint8_t *body, size_t len)
{
	uint8_t *enc = xmalloc(SLIP_ENCODED_MAX(len));
	size_t n = slip_encode(body, len, enc);

	sim_device_input(h->dev, enc, n, h->now);
	free(enc);
}

void
h_cmd(struct h *h, uint8_t op, const uint8_t *data, size_t len, uint32_t chk)
{
	uint8_t *body = xmalloc(len + ESP_HDR_LEN);
	size_t n = esp_command_build(op, data, len, chk, body);

	h_raw(h, body, n);
	free(body);
	h_pump(h);
}

void
h_words(struct h *h, uint8_t op, int nw, uint32_t w0, uint32_t w1, uint32_t w2,
    uint32_t w3, uint32_t w4)
{
	uint8_t d[24];
	uint32_t w[5] = { w0, w1, w2, w3, w4 };
	int i;

	for (i = 0; i < nw; i++)
		put_le32(d + 4 * i, w[i]);
	h_cmd(h, op, d, (size_t)nw * 4, 0);
}

void
h_data(struct h *h, uint8_t op, const uint8_t *data, size_t len, uint32_t seq, int corrupt)
{
	uint8_t *d = xmalloc(len + 16);

	put_le32(d, (uint32_t)len);
	put_le32(d + 4, seq);
	put_le32(d + 8, 0);
	put_le32(d + 12, 0);
	memcpy(d + 16, data, len);
	h_cmd(h, op, d, len + 16, esp_checksum(data, len) ^ (corrupt ? 0x5A : 0));
	free(d);
}

/* Frame i as a response: checks direction and op, returns the packet. */
struct esp_packet
h_resp(struct h *h, int i, uint8_t op)
{
	struct esp_packet p;

	ck_assert_int_gt(h->nframes, i);
	ck_assert_int_eq(esp_packet_parse(h->frames[i], h->flen[i], &p), 0);
	ck_assert_int_eq(p.dir, ESP_DIR_RESPONSE);
	ck_assert_int_eq(p.op, op);
	return p;
}

/* The only reply is ok (status 0) with status_len status bytes. */
void
h_expect_ok(struct h *h, uint8_t op, int status_len)
{
	struct esp_packet p;
	uint8_t st, err;

	ck_assert_int_eq(h->nframes, 1);
	p = h_resp(h, 0, op);
	ck_assert_int_eq(esp_response_status(&p, status_len, &st, &err), 0);
	ck_assert_msg(st == 0, "%s failed: status %u error 0x%02x", esp_op_name(op), st, err);
	h_clear(h);
}

void
h_expect_err(struct h *h, uint8_t op, int status_len, uint8_t want)
{
	struct esp_packet p;
	uint8_t st, err;

	ck_assert_int_eq(h->nframes, 1);
	p = h_resp(h, 0, op);
	ck_assert_int_eq(p.data_len, (size_t)status_len);
	ck_assert_int_eq(esp_response_status(&p, status_len, &st, &err), 0);
	if (status_len == 4 || (p.data[0] == 1 && p.data[1] == want)) {
		ck_assert_int_eq(st, 1);	/* the ROM: status 1, then the error (ESP8266: 2 bytes) */
		ck_assert_int_eq(err, want);
	} else
		ck_assert_int_eq(p.data[0], want);	/* the stub: error byte first */
	h_clear(h);
}

void
h_sync(struct h *h)
{
	uint8_t d[36];

	d[0] = 0x07;
	d[1] = 0x07;
	d[2] = 0x12;
	d[3] = 0x20;
	memset(d + 4, 0x55, 32);
	h_cmd(h, ESP_OP_SYNC, d, sizeof(d), 0);
}

uint32_t
h_read_reg(struct h *h, uint32_t addr)
{
	struct esp_packet p;
	uint32_t v;

	h_words(h, ESP_OP_READ_REG, 1, addr, 0, 0, 0, 0);
	p = h_resp(h, 0, ESP_OP_READ_REG);
	v = p.value;
	h_clear(h);
	return v;
}

void
h_write_reg(struct h *h, uint32_t addr, uint32_t value)
{
	h_words(h, ESP_OP_WRITE_REG, 4, addr, value, 0xFFFFFFFF, 0, 0);
	ck_assert_int_eq(h->nframes, 1);
	h_clear(h);
}

void
h_start_stub_sized(struct h *h, uint32_t size)
{
	uint8_t *code = xmalloc(size);
	uint32_t off, bs = 0x1800, seq = 0;

	memset(code, 0x13, size);
	h_words(h, ESP_OP_MEM_BEGIN, 4, size, (size + bs - 1) / bs, bs, 0x40380000, 0);
	h_expect_ok(h, ESP_OP_MEM_BEGIN, 4);
	for (off = 0; off < size; off += bs, seq++) {
		uint32_t n = size - off < bs ? size - off : bs;

		h_data(h, ESP_OP_MEM_DATA, code + off, n, seq, 0);
		h_expect_ok(h, ESP_OP_MEM_DATA, 4);
	}
	free(code);
	/* entry near the end of a big image (esp-flasher-stub's shape), at the start of a small one */
	h_words(h, ESP_OP_MEM_END, 2, 0, 0x40380000 + (size >= 0x1000 ? size - 0x100 : 0), 0, 0, 0);
	ck_assert_int_eq(h->nframes, 2);
	h_resp(h, 0, ESP_OP_MEM_END);
	ck_assert_int_eq(h->flen[1], 4);
	ck_assert_int_eq(memcmp(h->frames[1], "OHAI", 4), 0);
	ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_STUB);
	h_clear(h);
}

void
h_start_stub(struct h *h)
{
	h_start_stub_sized(h, 0x100);
}

void
md5_of(const uint8_t *d, size_t len, uint8_t out[16])
{
	struct sim_md5 m;

	sim_md5_init(&m);
	sim_md5_update(&m, d, len);
	sim_md5_final(&m, out);
}

void
fill_pattern(uint8_t *d, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		d[i] = (uint8_t)(seed >> 16);
	}
}

