/*
 * check_sim_stub2.c — esp-flasher-stub ("stub v2") in the simulator: told
 * apart from the legacy stub by the uploaded image, its reply format
 * (2-byte big-endian code), 20-byte FLASH_BEGIN, uncompressed and
 * compressed writes (32 KiB window), the error carried to the next
 * command, READ_FLASH one packet at a time, MD5, erase, baud change,
 * and its error codes.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "esp.h"
#include "session.h"
#include "sim.h"
#include "simdev.h"
#include "util.h"

#define V2_SIZE		0x1800	/* an upload esp-flasher-stub sized (entry 0x1700 in) */

static struct h *
v2_new(enum sim_chip chip)
{
	struct h *h = h_new(chip);

	h_start_stub_sized(h, V2_SIZE);
	return h;
}

/* The two stubs as esptool 5.3.1 and esptool-js 0.7 ship them, by text segment. */
START_TEST(test_stub_kind_rule)
{
	static const struct {
		uint32_t start, len, entry;
		enum session_stub want;
	} img[] = {
		{ 0x400be000, 3540, 0x400be658, SESSION_STUB_LEGACY },	/* esp32 v1 */
		{ 0x400a8000, 6140, 0x400a9074, SESSION_STUB_FLASHER },	/* esp32 v2 */
		{ 0x40378000, 5676, 0x40378c94, SESSION_STUB_LEGACY },	/* esp32s3 v1 */
		{ 0x40378000, 7644, 0x40379474, SESSION_STUB_FLASHER },	/* esp32s3 v2 */
		{ 0x40380000, 3812, 0x403806d2, SESSION_STUB_LEGACY },	/* esp32c3 v1 */
		{ 0x40380000, 5816, 0x40380f90, SESSION_STUB_FLASHER },	/* esp32c2 v2 (js) */
		{ 0x40800000, 5864, 0x40800e92, SESSION_STUB_FLASHER },	/* esp32h2 v2 (js) */
		{ 0x40028000, 4476, 0x400288ac, SESSION_STUB_LEGACY },	/* esp32s2 v1 */
		{ 0x40028000, 6724, 0x40029144, SESSION_STUB_FLASHER },	/* esp32s2 v2 */
		{ 0x4010d000, 8276, 0x4010d004, SESSION_STUB_LEGACY },	/* esp8266 v1 */
		{ 0x4010c500, 13740, 0x4010c504, SESSION_STUB_FLASHER },	/* esp8266 v2 */
	};
	size_t i;

	for (i = 0; i < sizeof(img) / sizeof(img[0]); i++)
		ck_assert_msg(session_stub_kind(img[i].start, img[i].len, img[i].entry) ==
		    img[i].want, "image %zu", i);
	ck_assert_str_eq(session_stub_name(SESSION_STUB_FLASHER), "esp-flasher-stub");
	ck_assert_str_eq(session_stub_name(SESSION_STUB_LEGACY), "legacy");
}
END_TEST

/* esptool 5.3's first FLASH_BEGIN is 20 bytes: C000 from the legacy model was the bug. */
START_TEST(test_flash_begin_20)
{
	struct h *h = v2_new(SIM_CHIP_ESP32S3);
	struct esp_packet p;

	h_words(h, ESP_OP_FLASH_BEGIN, 5, 0x8000, 2, 0x4000, 0x10000, 0);
	p = h_resp(h, 0, ESP_OP_FLASH_BEGIN);
	ck_assert_uint_eq(p.data_len, 2);
	ck_assert_int_eq(p.data[0], 0x00);
	ck_assert_int_eq(p.data[1], 0x00);
	h_clear(h);
	h_words(h, ESP_OP_FLASH_BEGIN, 3, 0x8000, 2, 0x4000, 0, 0);
	h_expect_err(h, ESP_OP_FLASH_BEGIN, 2, ESP_STUB_BAD_DATA_LEN);
	h_free(h);
}
END_TEST

START_TEST(test_write_uncompressed)
{
	struct h *h = v2_new(SIM_CHIP_ESP32);
	uint8_t *img = xmalloc(0x6000), blk[0x4000];
	uint8_t digest[16], want[16];
	uint32_t seq;

	fill_pattern(img, 0x6000, 7);
	memset(h->flash + 0x10000, 0x00, 0x10000);	/* dirty: the erase is visible */
	h_words(h, ESP_OP_FLASH_BEGIN, 5, 0x6000, 2, 0x4000, 0x10000, 0);
	h_expect_ok(h, ESP_OP_FLASH_BEGIN, 2);
	for (seq = 0; seq < 2; seq++) {
		uint32_t n = seq == 0 ? 0x4000 : 0x2000;

		memset(blk, 0xFF, sizeof(blk));
		memcpy(blk, img + seq * 0x4000, n);
		h_data(h, ESP_OP_FLASH_DATA, blk, sizeof(blk), seq, 0);
		h_expect_ok(h, ESP_OP_FLASH_DATA, 2);
	}
	h_words(h, ESP_OP_FLASH_END, 1, 1, 0, 0, 0, 0);
	h_expect_ok(h, ESP_OP_FLASH_END, 2);
	ck_assert_int_eq(memcmp(h->flash + 0x10000, img, 0x6000), 0);
	/* erased lazily: up to the last sector written, not beyond */
	ck_assert_int_eq(h->flash[0x16000], 0x00);
	/* MD5: 16 raw bytes, then the status */
	h_words(h, ESP_OP_SPI_FLASH_MD5, 4, 0x10000, 0x6000, 0, 0, 0);
	ck_assert_int_eq(h->nframes, 1);
	ck_assert_uint_eq(h_resp(h, 0, ESP_OP_SPI_FLASH_MD5).data_len, 18);
	memcpy(digest, h_resp(h, 0, ESP_OP_SPI_FLASH_MD5).data, 16);
	md5_of(img, 0x6000, want);
	ck_assert_int_eq(memcmp(digest, want, 16), 0);
	h_clear(h);
	free(img);
	h_free(h);
}
END_TEST

/* Seq numbers are not checked: a resent block is written again, after the first. */
START_TEST(test_seq_not_checked)
{
	struct h *h = v2_new(SIM_CHIP_ESP32C3);
	uint8_t a[0x400], b[0x400];

	fill_pattern(a, sizeof(a), 1);
	fill_pattern(b, sizeof(b), 2);
	h_words(h, ESP_OP_FLASH_BEGIN, 5, 0x800, 2, 0x400, 0x20000, 0);
	h_expect_ok(h, ESP_OP_FLASH_BEGIN, 2);
	h_data(h, ESP_OP_FLASH_DATA, a, sizeof(a), 0, 0);
	h_expect_ok(h, ESP_OP_FLASH_DATA, 2);
	h_data(h, ESP_OP_FLASH_DATA, b, sizeof(b), 0, 0);
	h_expect_ok(h, ESP_OP_FLASH_DATA, 2);
	ck_assert_int_eq(memcmp(h->flash + 0x20000, a, sizeof(a)), 0);
	ck_assert_int_eq(memcmp(h->flash + 0x20400, b, sizeof(b)), 0);
	h_free(h);
}
END_TEST

START_TEST(test_data_errors)
{
	struct h *h = v2_new(SIM_CHIP_ESP32S3);
	uint8_t blk[0x400];
	uint8_t hdr[16];

	fill_pattern(blk, sizeof(blk), 3);
	h_data(h, ESP_OP_FLASH_DATA, blk, sizeof(blk), 0, 0);
	h_expect_err(h, ESP_OP_FLASH_DATA, 2, ESP_STUB_NOT_IN_FLASH_MODE);
	h_words(h, ESP_OP_FLASH_BEGIN, 4, 0x800, 2, 0x400, 0x20000, 0);
	h_expect_ok(h, ESP_OP_FLASH_BEGIN, 2);
	h_data(h, ESP_OP_FLASH_DATA, blk, sizeof(blk), 0, 1);
	h_expect_err(h, ESP_OP_FLASH_DATA, 2, ESP_STUB_BAD_DATA_CHECKSUM);
	/* a size word that disagrees with the payload */
	memset(hdr, 0, sizeof(hdr));
	put_le32(hdr, 0x400);
	h_cmd(h, ESP_OP_FLASH_DATA, hdr, sizeof(hdr), 0xEF);
	h_expect_err(h, ESP_OP_FLASH_DATA, 2, ESP_STUB_TOO_MUCH_DATA);
	h_cmd(h, ESP_OP_FLASH_DATA, hdr, 8, 0);
	h_expect_err(h, ESP_OP_FLASH_DATA, 2, ESP_STUB_NOT_ENOUGH_DATA);
	/* END with bytes missing: C0 */
	h_words(h, ESP_OP_FLASH_END, 1, 1, 0, 0, 0, 0);
	h_expect_err(h, ESP_OP_FLASH_END, 2, ESP_STUB_BAD_DATA_LEN);
	h_free(h);
}
END_TEST

static size_t
deflate_buf(const uint8_t *in, size_t n, uint8_t *out, size_t max)
{
	uLongf len = max;

	ck_assert_int_eq(compress2(out, &len, in, n, 9), Z_OK);
	return len;
}

/* Compressed: written through a 32 KiB window, when full or at the end of the stream. */
START_TEST(test_write_compressed_window)
{
	struct h *h = v2_new(SIM_CHIP_ESP32C6);
	size_t isz = 0x12000, csz, off;
	uint8_t *img = xmalloc(isz), *z = xmalloc(isz + 1024);
	uint32_t seq = 0, nblk;

	/* compressible but not trivial: a pattern repeating every 251 bytes */
	for (off = 0; off < isz; off++)
		img[off] = (uint8_t)((off % 251) * 7);
	csz = deflate_buf(img, isz, z, isz + 1024);
	nblk = (uint32_t)((csz + 0xFF) / 0x100);
	h_words(h, ESP_OP_FLASH_DEFL_BEGIN, 5, (uint32_t)isz, nblk, 0x100, 0x40000, 0);
	h_expect_ok(h, ESP_OP_FLASH_DEFL_BEGIN, 2);
	for (off = 0; off < csz; off += 0x100, seq++) {
		size_t n = csz - off < 0x100 ? csz - off : 0x100;

		h_data(h, ESP_OP_FLASH_DEFL_DATA, z + off, n, seq, 0);
		h_expect_ok(h, ESP_OP_FLASH_DEFL_DATA, 2);
		if (off + n < csz) {
			/* before the end only whole 32 KiB windows are in flash */
			size_t k;

			for (k = 0; k < isz; k += 0x8000)
				if (h->flash[0x40000 + k] != 0xFF)
					ck_assert_int_eq(memcmp(h->flash + 0x40000 + k, img + k,
					    0x8000), 0);
		}
	}
	h_words(h, ESP_OP_FLASH_DEFL_END, 1, 1, 0, 0, 0, 0);
	h_expect_ok(h, ESP_OP_FLASH_DEFL_END, 2);
	ck_assert_int_eq(memcmp(h->flash + 0x40000, img, isz), 0);
	free(img);
	free(z);
	h_free(h);
}
END_TEST

/* A failure after the reply (inflate) answers the next command, which is not run. */
START_TEST(test_error_carried_to_next)
{
	struct h *h = v2_new(SIM_CHIP_ESP32);
	uint8_t junk[0x100];

	memset(junk, 0xA5, sizeof(junk));
	h_words(h, ESP_OP_FLASH_DEFL_BEGIN, 4, 0x1000, 1, 0x100, 0x30000, 0);
	h_expect_ok(h, ESP_OP_FLASH_DEFL_BEGIN, 2);
	h_data(h, ESP_OP_FLASH_DEFL_DATA, junk, sizeof(junk), 0, 0);
	h_expect_ok(h, ESP_OP_FLASH_DEFL_DATA, 2);	/* acked before inflating */
	h_words(h, ESP_OP_READ_REG, 1, 0x40001000, 0, 0, 0, 0);
	h_expect_err(h, ESP_OP_READ_REG, 2, ESP_STUB_INFLATE_ERROR);
	ck_assert_uint_eq(h_read_reg(h, 0x40001000), 0x00F01D83);	/* next one runs */
	h_free(h);
}
END_TEST

/* READ_FLASH: one packet in flight whatever max_inflight says, then the MD5. */
START_TEST(test_read_flash)
{
	struct h *h = v2_new(SIM_CHIP_ESP32S3);
	uint8_t want[16], ack[4];
	uint32_t got = 0;

	fill_pattern(h->flash + 0x1000, 0x3000, 9);
	h_words(h, ESP_OP_READ_FLASH, 4, 0x1000, 0x3000, 0x1000, 64, 0);
	ck_assert_int_eq(h->nframes, 2);	/* the reply and one packet */
	h_resp(h, 0, ESP_OP_READ_FLASH);
	ck_assert_uint_eq(h->flen[1], 0x1000);
	while (got < 0x3000) {
		int last = h->nframes - 1;

		ck_assert_uint_eq(h->flen[last], 0x1000);
		ck_assert_int_eq(memcmp(h->frames[last], h->flash + 0x1000 + got, 0x1000), 0);
		got += 0x1000;
		h_clear(h);
		put_le32(ack, got);
		h_raw(h, ack, 4);
		h_pump(h);
		ck_assert_int_eq(h->nframes, 1);
	}
	md5_of(h->flash + 0x1000, 0x3000, want);
	ck_assert_uint_eq(h->flen[0], 16);
	ck_assert_int_eq(memcmp(h->frames[0], want, 16), 0);
	h_clear(h);
	/* a packet size over 4096: the reply is ok, nothing is sent, the next command gets C0 */
	h_words(h, ESP_OP_READ_FLASH, 4, 0, 0x2000, 0x2000, 1, 0);
	h_expect_ok(h, ESP_OP_READ_FLASH, 2);
	h_words(h, ESP_OP_SPI_ATTACH, 1, 0, 0, 0, 0, 0);
	h_expect_err(h, ESP_OP_SPI_ATTACH, 2, ESP_STUB_BAD_DATA_LEN);
	h_free(h);
}
END_TEST

START_TEST(test_commands_and_codes)
{
	struct h *h = v2_new(SIM_CHIP_ESP32);
	static const uint8_t resp[] = { 0x01, 0x0A, 0x00, 0x00, 0, 0, 0, 0 };
	static const uint8_t badlen[] = { 0x00, 0x0A, 0x08, 0x00, 0, 0, 0, 0, 1, 2 };

	/* SYNC: eight replies, value 0 */
	h_sync(h);
	ck_assert_int_eq(h->nframes, 8);
	ck_assert_uint_eq(h_resp(h, 7, ESP_OP_SYNC).value, 0);
	h_clear(h);
	/* GET_SECURITY_INFO on the ESP32: FF 00 */
	h_cmd(h, ESP_OP_GET_SECURITY_INFO, NULL, 0, 0);
	h_expect_err(h, ESP_OP_GET_SECURITY_INFO, 2, ESP_STUB_CMD_NOT_IMPLEMENTED);
	/* unknown op C3; FLASH_ENCRYPT_DATA too; a plugin opcode with no plugin FF */
	h_cmd(h, 0x55, NULL, 0, 0);
	h_expect_err(h, 0x55, 2, ESP_STUB_INVALID_COMMAND);
	h_cmd(h, ESP_OP_FLASH_ENCRYPT_DATA, NULL, 0, 0);
	h_expect_err(h, ESP_OP_FLASH_ENCRYPT_DATA, 2, ESP_STUB_INVALID_COMMAND);
	h_cmd(h, 0xD5, NULL, 0, 0);
	h_expect_err(h, 0xD5, 2, ESP_STUB_CMD_NOT_IMPLEMENTED);
	/* a response packet: C3; a length word that disagrees: C0 */
	h_raw(h, resp, sizeof(resp));
	h_pump(h);
	h_expect_err(h, ESP_OP_READ_REG, 2, ESP_STUB_INVALID_COMMAND);
	h_raw(h, badlen, sizeof(badlen));
	h_pump(h);
	h_expect_err(h, ESP_OP_READ_REG, 2, ESP_STUB_BAD_DATA_LEN);
	/* WRITE_REG with no tuple: C8; ERASE_REGION unaligned: C0 */
	h_cmd(h, ESP_OP_WRITE_REG, NULL, 0, 0);
	h_expect_err(h, ESP_OP_WRITE_REG, 2, ESP_STUB_NOT_ENOUGH_DATA);
	h_words(h, ESP_OP_ERASE_REGION, 2, 0x1001, 0x1000, 0, 0, 0);
	h_expect_err(h, ESP_OP_ERASE_REGION, 2, ESP_STUB_BAD_DATA_LEN);
	memset(h->flash + 0x2000, 0, 0x1000);
	h_words(h, ESP_OP_ERASE_REGION, 2, 0x2000, 0x1000, 0, 0, 0);
	h_expect_ok(h, ESP_OP_ERASE_REGION, 2);
	ck_assert_int_eq(h->flash[0x2FFF], 0xFF);
	/* RUN_USER_CODE: no reply, the stub stays */
	h_cmd(h, ESP_OP_RUN_USER_CODE, NULL, 0, 0);
	ck_assert_int_eq(h->nframes, 0);
	ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_STUB);
	/* CHANGE_BAUDRATE: reply at the old rate, then the new one */
	h_words(h, ESP_OP_CHANGE_BAUDRATE, 2, 921600, 115200, 0, 0, 0);
	h_expect_ok(h, ESP_OP_CHANGE_BAUDRATE, 2);
	ck_assert_uint_eq(sim_device_baud(h->dev), 921600);
	/* ERASE_FLASH */
	memset(h->flash, 0, 16);
	h_cmd(h, ESP_OP_ERASE_FLASH, NULL, 0, 0);
	h_expect_ok(h, ESP_OP_ERASE_FLASH, 2);
	ck_assert_int_eq(h->flash[0], 0xFF);
	h_free(h);
}
END_TEST

/* The same upload sizes give the legacy stub: FLASH_BEGIN of 16 bytes with a big block refused. */
START_TEST(test_legacy_still_served)
{
	struct h *h = h_new(SIM_CHIP_ESP32);

	h_start_stub(h);
	h_words(h, ESP_OP_FLASH_BEGIN, 4, 0x8000, 1, 0x8000, 0x10000, 0);
	h_expect_err(h, ESP_OP_FLASH_BEGIN, 2, ESP_STUB_BAD_BLOCKSIZE);
	h_free(h);
	h = v2_new(SIM_CHIP_ESP32);
	h_words(h, ESP_OP_FLASH_BEGIN, 4, 0x8000, 1, 0x8000, 0x10000, 0);
	h_expect_ok(h, ESP_OP_FLASH_BEGIN, 2);	/* esp-flasher-stub takes any block size */
	h_free(h);
}
END_TEST

static Suite *
sim_stub2_suite(void)
{
	Suite *s = suite_create("sim_stub2");
	TCase *tc = tcase_create("esp-flasher-stub");

	tcase_add_test(tc, test_stub_kind_rule);
	tcase_add_test(tc, test_flash_begin_20);
	tcase_add_test(tc, test_write_uncompressed);
	tcase_add_test(tc, test_seq_not_checked);
	tcase_add_test(tc, test_data_errors);
	tcase_add_test(tc, test_write_compressed_window);
	tcase_add_test(tc, test_error_carried_to_next);
	tcase_add_test(tc, test_read_flash);
	tcase_add_test(tc, test_commands_and_codes);
	tcase_add_test(tc, test_legacy_still_served);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sim_stub2_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
