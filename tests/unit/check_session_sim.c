/*
 * check_session_sim.c — the session tracker fed by the simulated device:
 * what esptool does against an ESP32 ROM (GET_SECURITY_INFO answered by
 * eight copies of the SYNC reply's header with 01 05) gives no false
 * "no reply"; the uploaded stub is named (legacy or esp-flasher-stub);
 * esptool 5.x's progress bar with byte counts.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "esp.h"
#include "session.h"
#include "sim.h"
#include "simdev.h"
#include "util.h"

struct trk {
	struct session *s;
	int anomalies[16];
	int missing;
	char last_text[256];
	char stub_text[256];
	int done_status[256];		/* last COMMAND_DONE status by op (+1; 0 = none) */
};

static void
trk_cb(const struct session_event *ev, void *arg)
{
	struct trk *t = arg;

	if (ev->type == SESSION_EV_ANOMALY && ev->anomaly < 16)
		t->anomalies[ev->anomaly]++;
	if (ev->type == SESSION_EV_COMMAND_DONE)
		t->done_status[ev->op] = ev->status + 1;
	if (ev->type == SESSION_EV_STUB_START && ev->text != NULL)
		snprintf(t->stub_text, sizeof(t->stub_text), "%s", ev->text);
	if (ev->text != NULL)
		snprintf(t->last_text, sizeof(t->last_text), "%s", ev->text);
}

/* A command to the device and the tracker, the replies to the tracker. */
static void
xcmd(struct h *h, struct trk *t, uint8_t op, const uint8_t *data, size_t len, uint32_t chk)
{
	uint8_t *body = xmalloc(len + ESP_HDR_LEN);
	size_t n = esp_command_build(op, data, len, chk, body);
	int i;

	h_clear(h);
	session_frame(t->s, LINK_H2D, body, n, h->now);
	h_raw(h, body, n);
	free(body);
	h_pump(h);
	for (i = 0; i < h->nframes; i++)
		session_frame(t->s, LINK_D2H, h->frames[i], h->flen[i], h->now);
	h->now += MS;
}

static void
xwords(struct h *h, struct trk *t, uint8_t op, int nw, uint32_t w0, uint32_t w1, uint32_t w2,
    uint32_t w3, uint32_t w4)
{
	uint8_t d[20];
	uint32_t w[5] = { w0, w1, w2, w3, w4 };
	int i;

	for (i = 0; i < nw; i++)
		put_le32(d + 4 * i, w[i]);
	xcmd(h, t, op, d, (size_t)nw * 4, 0);
}

static void
xdata(struct h *h, struct trk *t, uint8_t op, const uint8_t *data, size_t len, uint32_t seq)
{
	uint8_t *d = xmalloc(len + 16);

	memset(d, 0, 16);
	put_le32(d, (uint32_t)len);
	put_le32(d + 4, seq);
	memcpy(d + 16, data, len);
	xcmd(h, t, op, d, len + 16, esp_checksum(data, len));
	free(d);
}

static void
xsync(struct h *h, struct trk *t)
{
	uint8_t d[36] = { 0x07, 0x07, 0x12, 0x20 };

	memset(d + 4, 0x55, 32);
	xcmd(h, t, ESP_OP_SYNC, d, sizeof(d), 0);
}

/* Upload an image of `size` at 0x40380000 with the entry `entry_off` in, and start it. */
static void
xupload(struct h *h, struct trk *t, uint32_t size, uint32_t entry_off)
{
	uint8_t *code = xmalloc(size);
	uint32_t off, seq = 0;

	memset(code, 0x13, size);
	xwords(h, t, ESP_OP_MEM_BEGIN, 4, size, (size + 0x17FF) / 0x1800, 0x1800, 0x40380000, 0);
	for (off = 0; off < size; off += 0x1800, seq++)
		xdata(h, t, ESP_OP_MEM_DATA, code + off, size - off < 0x1800 ? size - off : 0x1800,
		    seq);
	free(code);
	xwords(h, t, ESP_OP_MEM_END, 2, 0, 0x40380000 + entry_off, 0, 0, 0);
	ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_STUB);
}

static void
trk_init(struct trk *t)
{
	memset(t, 0, sizeof(*t));
	t->s = session_new(115200, trk_cb, t);
}

/* esptool 4.x+ on an ESP32: SYNC, then GET_SECURITY_INFO, then the magic register. */
START_TEST(test_esp32_security_info_probe)
{
	struct h *h = h_new(SIM_CHIP_ESP32);
	struct trk t;

	trk_init(&t);
	xsync(h, &t);
	ck_assert_int_eq(session_state(t.s)->phase, SESSION_PHASE_SYNCED);
	xcmd(h, &t, ESP_OP_GET_SECURITY_INFO, NULL, 0, 0);
	ck_assert_int_eq(h->nframes, 8);	/* the ROM's eight copies */
	ck_assert_int_eq(t.done_status[ESP_OP_GET_SECURITY_INFO], 2);	/* status 1 */
	xwords(&*h, &t, ESP_OP_READ_REG, 1, 0x40001000, 0, 0, 0, 0);
	session_tick(t.s, h->now + 10 * SEC);
	ck_assert_int_eq(t.anomalies[SESSION_AN_MISSING_REPLY], 0);
	ck_assert_int_eq(t.anomalies[SESSION_AN_ORPHAN_RESPONSE], 0);
	ck_assert_int_eq(t.anomalies[SESSION_AN_TIMEOUT], 0);
	ck_assert_int_eq(t.anomalies[SESSION_AN_ERROR_STATUS], 0);
	ck_assert_str_eq(session_state(t.s)->chip, "ESP32");
	ck_assert_int_eq(session_state(t.s)->error, 0);
	session_free(t.s);
	h_free(h);
}
END_TEST

/* A stub-only op sent to the ROM is a failure the tracker names. */
START_TEST(test_rom_unsupported_is_error)
{
	struct h *h = h_new(SIM_CHIP_ESP32S3);
	struct trk t;

	trk_init(&t);
	xsync(h, &t);
	xwords(h, &t, ESP_OP_READ_REG, 1, 0x40001000, 0, 0, 0, 0);
	xcmd(h, &t, ESP_OP_ERASE_FLASH, NULL, 0, 0);
	ck_assert_int_eq(h->nframes, 1);
	ck_assert_int_eq(t.anomalies[SESSION_AN_ERROR_STATUS], 1);
	ck_assert_int_eq(t.anomalies[SESSION_AN_ORPHAN_RESPONSE], 0);
	session_free(t.s);
	h_free(h);
}
END_TEST

START_TEST(test_stub_named)
{
	static const struct {
		uint32_t size, entry_off;
		enum session_stub kind;
	} up[] = {
		{ 0xEE4, 0x6D2, SESSION_STUB_LEGACY },	/* esptool 5.3.1 --stub-version 1, C3 */
		{ 0x1788, 0xF2E, SESSION_STUB_FLASHER },	/* esptool 5.3.1 default, C3 */
	};
	struct h *h = h_new(SIM_CHIP_ESP32C3);
	struct trk t;

	trk_init(&t);
	xsync(h, &t);
	xupload(h, &t, up[_i].size, up[_i].entry_off);
	ck_assert_int_eq(session_state(t.s)->stub, 1);
	ck_assert_int_eq(session_state(t.s)->stub_kind, up[_i].kind);
	ck_assert_ptr_nonnull(strstr(t.stub_text, session_stub_name(up[_i].kind)));
	session_free(t.s);
	h_free(h);
}
END_TEST

/* esptool 5.x's bar: bytes sent before the block, of the image size. */
START_TEST(test_progress_v5)
{
	struct h *h = h_new(SIM_CHIP_ESP32S3);
	struct trk t;
	uint8_t blk[0x4000];
	char line[160];
	uint32_t seq;

	trk_init(&t);
	xsync(h, &t);
	xupload(h, &t, 0x1E00, 0x1474);
	ck_assert_int_eq(session_state(t.s)->stub_kind, SESSION_STUB_FLASHER);
	/* 204800 bytes uncompressed: 13 blocks of 0x4000 */
	xwords(h, &t, ESP_OP_FLASH_BEGIN, 5, 204800, 13, 0x4000, 0x10000, 0);
	memset(blk, 0x5A, sizeof(blk));
	for (seq = 0; seq < 2; seq++)
		xdata(h, &t, ESP_OP_FLASH_DATA, blk, sizeof(blk), seq);
	ck_assert_int_ge(session_progress_line_v5(t.s, line, sizeof(line)), 0);
	ck_assert_str_eq(line, "Writing at 0x00014000 [=>                            ]"
	    "   8.0% 16384/204800 bytes...");
	session_format_progress_v5(line, sizeof(line), 0x42000, 204800, 204800);
	ck_assert_str_eq(line, "Writing at 0x00042000 [==============================]"
	    " 100.0% 204800/204800 bytes...");
	session_format_progress_v5(line, sizeof(line), 0x10000, 0, 204800);
	ck_assert_str_eq(line, "Writing at 0x00010000 [                              ]"
	    "   0.0% 0/204800 bytes...");
	session_free(t.s);
	h_free(h);
}
END_TEST

static Suite *
session_sim_suite(void)
{
	Suite *s = suite_create("session_sim");
	TCase *tc = tcase_create("tracker+sim");

	tcase_add_test(tc, test_esp32_security_info_probe);
	tcase_add_test(tc, test_rom_unsupported_is_error);
	tcase_add_loop_test(tc, test_stub_named, 0, 2);
	tcase_add_test(tc, test_progress_v5);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(session_sim_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
