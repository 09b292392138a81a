/*
 * check_sim_rom.c — the simulated ROM loader against what the real ESP32
 * mask ROM does (issue 12, "Against real ROM code"), one test per finding:
 * *_DATA sequence numbers, unknown ops and response packets answered with
 * the previous reply's header, the value word and error byte that stay,
 * the ROM-mode baud change with the ESP32's crystal estimate, the boot
 * texts, MEM_DATA kept in RAM, GPIO_STRAP, --pace erase and program time,
 * the legacy stub's 0x01 error paths, and the ESP8266 ROM's quirks.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "sim.h"
#include "simdev.h"
#include "util.h"

/* Begin a 4-block ROM write at 0x20000. */
static void
rom_begin(struct h *h, uint32_t blocks)
{
	h_words(h, ESP_OP_FLASH_BEGIN, 4, blocks * 0x400, blocks, 0x400, 0x20000, 0);
	h_expect_ok(h, ESP_OP_FLASH_BEGIN, 4);
}

START_TEST(test_seq_in_order)
{
	struct h *h = h_new(SIM_CHIP_ESP32);
	uint8_t blk[4][0x400];
	int i;

	rom_begin(h, 4);
	for (i = 0; i < 4; i++) {
		fill_pattern(blk[i], 0x400, (uint32_t)i + 10);
		h_data(h, ESP_OP_FLASH_DATA, blk[i], 0x400, (uint32_t)i, 0);
		h_expect_ok(h, ESP_OP_FLASH_DATA, 4);
	}
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(memcmp(h->flash + 0x20000 + i * 0x400, blk[i], 0x400), 0);
	h_free(h);
}
END_TEST

/* A bad checksum uses up the number: the resend of it is refused (esptool: "result was 0105"). */
START_TEST(test_seq_bad_checksum_uses_number)
{
	struct h *h = h_new(SIM_CHIP_ESP32);
	uint8_t blk[0x400], next[0x400];

	fill_pattern(blk, sizeof(blk), 1);
	fill_pattern(next, sizeof(next), 2);
	rom_begin(h, 4);
	h_data(h, ESP_OP_FLASH_DATA, blk, sizeof(blk), 0, 0);
	h_expect_ok(h, ESP_OP_FLASH_DATA, 4);
	h_data(h, ESP_OP_FLASH_DATA, next, sizeof(next), 1, 1);
	h_expect_err(h, ESP_OP_FLASH_DATA, 4, ESP_ROM_BAD_CHECKSUM);
	h_data(h, ESP_OP_FLASH_DATA, next, sizeof(next), 1, 0);
	h_expect_err(h, ESP_OP_FLASH_DATA, 4, ESP_ROM_INVALID_MESSAGE);
	/* the ROM expects seq 2 now; it lands right after block 0 (arrival order) */
	h_data(h, ESP_OP_FLASH_DATA, next, sizeof(next), 2, 0);
	h_expect_ok(h, ESP_OP_FLASH_DATA, 4);
	ck_assert_int_eq(memcmp(h->flash + 0x20400, next, sizeof(next)), 0);
	ck_assert_int_eq(h->flash[0x20800], 0xFF);
	h_free(h);
}
END_TEST

START_TEST(test_seq_duplicate_and_out_of_order)
{
	struct h *h = h_new(SIM_CHIP_ESP32S3);
	uint8_t blk[0x400];

	fill_pattern(blk, sizeof(blk), 3);
	rom_begin(h, 4);
	h_data(h, ESP_OP_FLASH_DATA, blk, sizeof(blk), 0, 0);
	h_expect_ok(h, ESP_OP_FLASH_DATA, 4);
	h_data(h, ESP_OP_FLASH_DATA, blk, sizeof(blk), 0, 0);	/* duplicate */
	h_expect_err(h, ESP_OP_FLASH_DATA, 4, ESP_ROM_INVALID_MESSAGE);
	h_data(h, ESP_OP_FLASH_DATA, blk, sizeof(blk), 3, 0);	/* skips ahead */
	h_expect_err(h, ESP_OP_FLASH_DATA, 4, ESP_ROM_INVALID_MESSAGE);
	ck_assert_int_eq(h->flash[0x20400], 0xFF);
	/* MEM_DATA follows the same rule */
	h_words(h, ESP_OP_MEM_BEGIN, 4, 0x800, 2, 0x400, 0x3FFB0000, 0);
	h_expect_ok(h, ESP_OP_MEM_BEGIN, 4);
	h_data(h, ESP_OP_MEM_DATA, blk, 0x400, 1, 0);
	h_expect_err(h, ESP_OP_MEM_DATA, 4, ESP_ROM_INVALID_MESSAGE);
	h_free(h);
}
END_TEST

/* GET_SECURITY_INFO on the ESP32: eight copies of the SYNC reply's header, status 01 05. */
START_TEST(test_unknown_op_after_sync)
{
	struct h *h = h_new(SIM_CHIP_ESP32);
	int i;

	h_sync(h);
	ck_assert_int_eq(h->nframes, 8);
	h_clear(h);
	h_cmd(h, ESP_OP_GET_SECURITY_INFO, NULL, 0, 0);
	ck_assert_int_eq(h->nframes, 8);
	for (i = 0; i < 8; i++) {
		struct esp_packet p = h_resp(h, i, ESP_OP_SYNC);
		uint8_t st, err;

		ck_assert_uint_eq(p.value, ESP_SYNC_VALUE);
		ck_assert_int_eq(esp_response_status(&p, 4, &st, &err), 0);
		ck_assert_int_eq(st, 1);
		ck_assert_int_eq(err, ESP_ROM_INVALID_MESSAGE);
	}
	h_clear(h);
	/* after a single reply (READ_REG) an unknown op is answered once, with its header */
	ck_assert_uint_eq(h_read_reg(h, 0x40001000), 0x00F01D83);
	h_cmd(h, ESP_OP_ERASE_FLASH, NULL, 0, 0);
	ck_assert_int_eq(h->nframes, 1);
	ck_assert_uint_eq(h_resp(h, 0, ESP_OP_READ_REG).value, 0x00F01D83);
	h_free(h);
}
END_TEST

/* A packet whose direction byte is 1 is no command: 01 05 the same way. */
START_TEST(test_direction_response)
{
	struct h *h = h_new(SIM_CHIP_ESP32);
	static const uint8_t resp[] = { 0x01, 0x0A, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0 };

	ck_assert_uint_eq(h_read_reg(h, 0x3FF5A004), 0xC4005E32);
	h_raw(h, resp, sizeof(resp));
	h_pump(h);
	ck_assert_int_eq(h->nframes, 1);
	ck_assert_uint_eq(h_resp(h, 0, ESP_OP_READ_REG).value, 0xC4005E32);
	h_expect_err(h, ESP_OP_READ_REG, 4, ESP_ROM_INVALID_MESSAGE);
	h_free(h);
}
END_TEST

/* The value word stays until READ_REG or SYNC sets it; the error byte stays after a success. */
START_TEST(test_value_and_error_stay)
{
	struct h *h = h_new(SIM_CHIP_ESP32S3);
	struct esp_packet p;
	uint8_t st, err;

	ck_assert_uint_eq(h_read_reg(h, 0x40001000), 9);
	h_write_reg(h, 0x60008000, 1);	/* nframes checked by h_write_reg */
	h_words(h, ESP_OP_WRITE_REG, 4, 0x60008000, 2, 0xFFFFFFFF, 0, 0);
	p = h_resp(h, 0, ESP_OP_WRITE_REG);
	ck_assert_uint_eq(p.value, 9);
	h_clear(h);
	/* an error, then a success: status 0, the error byte still 0x07 */
	h_words(h, ESP_OP_FLASH_BEGIN, 5, 0x400, 1, 0x400, 0x20000, 0);
	h_clear(h);
	{
		uint8_t blk[0x400];

		fill_pattern(blk, sizeof(blk), 4);
		h_data(h, ESP_OP_FLASH_DATA, blk, sizeof(blk), 0, 1);
	}
	h_expect_err(h, ESP_OP_FLASH_DATA, 4, ESP_ROM_BAD_CHECKSUM);
	h_words(h, ESP_OP_WRITE_REG, 4, 0x60008000, 3, 0xFFFFFFFF, 0, 0);
	p = h_resp(h, 0, ESP_OP_WRITE_REG);
	ck_assert_int_eq(esp_response_status(&p, 4, &st, &err), 0);
	ck_assert_int_eq(st, 0);
	ck_assert_int_eq(err, ESP_ROM_BAD_CHECKSUM);
	h_free(h);
}
END_TEST

/* esptool --no-stub --baud 460800 on an ESP32: it reads RTCCALICFG1 and CK8M_FREQ. */
START_TEST(test_rom_baud_calibration)
{
	struct h *h = h_new(SIM_CHIP_ESP32);
	uint32_t cali = (h_read_reg(h, 0x3FF5F06C) >> 7) & 0x01FFFFFF;
	uint32_t ck8m = h_read_reg(h, 0x3FF5A010) & 0xFF;
	double rom_freq = (double)cali * 15625 * ck8m / 40;
	uint32_t valid = rom_freq > 33000000 ? 40000000 : 26000000;
	uint32_t false_baud = (uint32_t)((uint64_t)460800 * (uint64_t)rom_freq / valid);

	ck_assert(cali != 0 && ck8m != 0);
	ck_assert_uint_eq(valid, 40000000);
	ck_assert_uint_ne(false_baud, 460800);	/* the ROM's estimate is off, as on real chips */
	h_words(h, ESP_OP_CHANGE_BAUDRATE, 2, false_baud, 0, 0, 0, 0);
	h_expect_ok(h, ESP_OP_CHANGE_BAUDRATE, 4);
	ck_assert_uint_eq(sim_device_baud(h->dev), 460800);
	/* CHANGE_BAUDRATE(0, 0), what esptool sent when both read 0: refused */
	h_words(h, ESP_OP_CHANGE_BAUDRATE, 2, 0, 0, 0, 0, 0);
	h_expect_err(h, ESP_OP_CHANGE_BAUDRATE, 4, ESP_ROM_INVALID_MESSAGE);
	h_free(h);
}
END_TEST

/* The v3 ROM's banner; the legacy stub's FLASH_END(0) is a software reset, rst:0x3. */
START_TEST(test_boot_texts)
{
	struct h *h = h_new_cfg(SIM_CHIP_ESP32, SIM_TRANSPORT_UART, SIM_BOOT_DOWNLOAD, 0, 0);

	ck_assert_ptr_nonnull(strstr(h->text, "ets Jul 29 2019 12:21:46\r\n"));
	h_clear(h);
	h_start_stub(h);
	h_words(h, ESP_OP_FLASH_BEGIN, 4, 0, 0, 0x4000, 0x10000, 0);
	h_expect_ok(h, ESP_OP_FLASH_BEGIN, 2);
	h_words(h, ESP_OP_FLASH_END, 1, 0, 0, 0, 0, 0);
	ck_assert_ptr_nonnull(strstr(h->text, "rst:0x3 (SW_RESET),boot:0x3"));
	ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_ROM);
	h_free(h);
}
END_TEST

/* What MEM_DATA uploaded reads back with READ_REG. */
START_TEST(test_mem_data_stored)
{
	struct h *h = h_new(SIM_CHIP_ESP32C3);
	uint8_t blk[16];
	int i;

	for (i = 0; i < 16; i++)
		blk[i] = (uint8_t)(0x10 + i);
	h_words(h, ESP_OP_MEM_BEGIN, 4, 16, 1, 0x1800, 0x3FC90000, 0);
	h_expect_ok(h, ESP_OP_MEM_BEGIN, 4);
	h_data(h, ESP_OP_MEM_DATA, blk, sizeof(blk), 0, 0);
	h_expect_ok(h, ESP_OP_MEM_DATA, 4);
	ck_assert_uint_eq(h_read_reg(h, 0x3FC90000), 0x13121110);
	ck_assert_uint_eq(h_read_reg(h, 0x3FC9000C), 0x1F1E1D1C);
	ck_assert_uint_eq(h_read_reg(h, 0x3FC90010), 0);	/* past the upload */
	h_free(h);
}
END_TEST

/* GPIO_STRAP reads what the boot log printed as boot:0x.. */
START_TEST(test_gpio_strap)
{
	struct h *h = h_new_cfg(SIM_CHIP_ESP32, SIM_TRANSPORT_UART, SIM_BOOT_DOWNLOAD, 0, 0);

	ck_assert_uint_eq(h_read_reg(h, 0x3FF44038), 0x03);
	h_free(h);
	h = h_new_cfg(SIM_CHIP_ESP32S3, SIM_TRANSPORT_UART, SIM_BOOT_DOWNLOAD, 0, 0);
	ck_assert_uint_eq(h_read_reg(h, 0x60004038), 0x0);
	/* after an EN pulse with IO0 high the strap says SPI boot */
	sim_device_set_lines(h->dev, 0, 1, h->now);
	h_run(h, 10 * MS);
	sim_device_set_lines(h->dev, 0, 0, h->now);
	h_run(h, 10 * MS);
	ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_APP);
	ck_assert(h_has(h, "boot:0x8 (SPI_FAST_FLASH_BOOT)"));
	h_free(h);
}
END_TEST

/* --pace: FLASH_BEGIN answers after the datasheet erase time of the region. */
START_TEST(test_pace_erase_time)
{
	struct h *h = h_new_cfg(SIM_CHIP_ESP32S3, SIM_TRANSPORT_UART, SIM_BOOT_DOWNLOAD, 0, 1);
	uint64_t t0;

	h_run(h, SEC);
	h_clear(h);
	/* 1 MiB at 0x100000: 16 blocks of 64 KiB at 150 ms = 2.4 s */
	h_words(h, ESP_OP_FLASH_BEGIN, 5, 0x100000, 1024, 0x400, 0x100000, 0);
	t0 = h->now;
	h_run(h, 2300 * MS);
	ck_assert_int_eq(h->nframes, 0);
	h_run(h, 200 * MS);
	h_expect_ok(h, ESP_OP_FLASH_BEGIN, 4);
	ck_assert_uint_ge(h->now - t0, 2400 * MS);
	/* without --pace the same answer is immediate */
	h_free(h);
	h = h_new(SIM_CHIP_ESP32S3);
	h_words(h, ESP_OP_FLASH_BEGIN, 5, 0x100000, 1024, 0x400, 0x100000, 0);
	h_expect_ok(h, ESP_OP_FLASH_BEGIN, 4);
	h_free(h);
}
END_TEST

/* The legacy stub answers these error paths with 0x01 (a C boolean), not C0/32/33. */
START_TEST(test_legacy_stub_error_one)
{
	struct h *h = h_new(SIM_CHIP_ESP32);

	h_start_stub(h);
	h_words(h, ESP_OP_SPI_ATTACH, 2, 0, 0, 0, 0, 0);
	h_expect_err(h, ESP_OP_SPI_ATTACH, 2, 0x01);
	h_words(h, ESP_OP_ERASE_REGION, 2, 0x1001, 0x1000, 0, 0, 0);
	h_expect_err(h, ESP_OP_ERASE_REGION, 2, 0x01);
	h_words(h, ESP_OP_ERASE_REGION, 2, 0x1000, 0x800, 0, 0, 0);
	h_expect_err(h, ESP_OP_ERASE_REGION, 2, 0x01);
	h_words(h, ESP_OP_SPI_FLASH_MD5, 3, 0, 0x1000, 0, 0, 0);
	h_expect_err(h, ESP_OP_SPI_FLASH_MD5, 2, 0x01);
	/* 20-byte FLASH_BEGIN (esptool >= 5.3 always adds the encryption word) is fine */
	h_words(h, ESP_OP_FLASH_BEGIN, 5, 0x4000, 1, 0x4000, 0x10000, 0);
	h_expect_ok(h, ESP_OP_FLASH_BEGIN, 2);
	h_free(h);
}
END_TEST

/* ESP8266 ROM: 2-byte status, no GET_SECURITY_INFO, no ops past READ_REG, the erase bug. */
START_TEST(test_esp8266_rom)
{
	struct h *h = h_new(SIM_CHIP_ESP8266);
	uint8_t blk[0x400];

	h_sync(h);
	ck_assert_int_eq(h->nframes, 8);
	ck_assert_int_eq(h->flen[0], ESP_HDR_LEN + 2);
	h_clear(h);
	ck_assert_uint_eq(h_read_reg(h, 0x40001000), 0xFFF0C101);
	h_cmd(h, ESP_OP_GET_SECURITY_INFO, NULL, 0, 0);
	ck_assert_int_eq(h->nframes, 1);
	h_expect_err(h, ESP_OP_READ_REG, 2, ESP_ROM_INVALID_MESSAGE);
	h_words(h, ESP_OP_SPI_FLASH_MD5, 4, 0, 0x1000, 0, 0, 0);
	h_expect_err(h, ESP_OP_READ_REG, 2, ESP_ROM_INVALID_MESSAGE);
	/* four words only */
	h_words(h, ESP_OP_FLASH_BEGIN, 5, 0x1000, 4, 0x400, 0x3000, 0);
	h_expect_err(h, ESP_OP_FLASH_BEGIN, 2, ESP_ROM_INVALID_MESSAGE);
	/*
	 * Asked to erase 2 sectors at 0x3000 (13 sectors before the 64 KiB
	 * boundary): the ROM erases 2 + 2. esptool's get_erase_size() would ask
	 * for 1 to get 2.
	 */
	memset(h->flash + 0x3000, 0x00, 0x5000);
	h_words(h, ESP_OP_FLASH_BEGIN, 4, 0x2000, 8, 0x400, 0x3000, 0);
	h_expect_ok(h, ESP_OP_FLASH_BEGIN, 2);
	ck_assert_int_eq(h->flash[0x6FFF], 0xFF);
	ck_assert_int_eq(h->flash[0x7000], 0x00);
	fill_pattern(blk, sizeof(blk), 5);
	h_data(h, ESP_OP_FLASH_DATA, blk, sizeof(blk), 0, 0);
	h_expect_ok(h, ESP_OP_FLASH_DATA, 2);
	ck_assert_int_eq(memcmp(h->flash + 0x3000, blk, sizeof(blk)), 0);
	h_free(h);
}
END_TEST

/* ESP8266 boot text at 74880 baud: noise to a host at 115200, the text at 74880. */
START_TEST(test_esp8266_boot_74880)
{
	struct h *h = h_new_cfg(SIM_CHIP_ESP8266, SIM_TRANSPORT_UART, SIM_BOOT_DOWNLOAD, 0, 0);
	static const char line[] = " ets Jan  8 2013,rst cause:2, boot mode:(1,7)";
	struct sim_config cfg;
	struct sim_device *dev;
	uint8_t buf[512];
	size_t n;

	ck_assert_uint_gt(h->len, 10);
	ck_assert_ptr_null(memmem(h->out, h->len, "ets Jan", 7));
	ck_assert_ptr_null(strstr(h->text, "waiting for download"));
	h_free(h);
	/* the same chip with the host at 74880 reads it plainly */
	memset(&cfg, 0, sizeof(cfg));
	cfg.chip = SIM_CHIP_ESP8266;
	cfg.flash = xmalloc(FLASH_SIZE);
	cfg.flash_size = FLASH_SIZE;
	cfg.baud = 74880;
	dev = sim_device_new(&cfg, 0, NULL);
	ck_assert_ptr_nonnull(dev);
	n = sim_device_output(dev, buf, sizeof(buf) - 1, 0);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr((char *)buf, line));
	sim_device_free(dev);
	free(cfg.flash);
}
END_TEST

/* The UART resampler: same baud is the identity; 8N1 bit timing. */
START_TEST(test_uart_resample)
{
	static const uint8_t in[] = "Hello";
	uint8_t out[16];
	size_t n;

	n = sim_uart_resample(in, 5, 115200, 115200, out, sizeof(out));
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(memcmp(out, in, 5), 0);
	/* a 0x00 byte at half speed: the receiver sees a long low, two bytes of 0 (framing) */
	n = sim_uart_resample((const uint8_t *)"\0", 1, 57600, 115200, out, sizeof(out));
	ck_assert_uint_ge(n, 1);
	ck_assert_int_eq(out[0], 0x00);
	/* 74880 read at 115200 yields more, different bytes */
	n = sim_uart_resample(in, 5, 74880, 115200, out, sizeof(out));
	ck_assert_uint_ge(n, 5);
	ck_assert_int_ne(memcmp(out, in, 5), 0);
}
END_TEST

static Suite *
sim_rom_suite(void)
{
	Suite *s = suite_create("sim_rom");
	TCase *tc = tcase_create("rom");

	tcase_add_test(tc, test_seq_in_order);
	tcase_add_test(tc, test_seq_bad_checksum_uses_number);
	tcase_add_test(tc, test_seq_duplicate_and_out_of_order);
	tcase_add_test(tc, test_unknown_op_after_sync);
	tcase_add_test(tc, test_direction_response);
	tcase_add_test(tc, test_value_and_error_stay);
	tcase_add_test(tc, test_rom_baud_calibration);
	tcase_add_test(tc, test_boot_texts);
	tcase_add_test(tc, test_mem_data_stored);
	tcase_add_test(tc, test_gpio_strap);
	tcase_add_test(tc, test_pace_erase_time);
	tcase_add_test(tc, test_legacy_stub_error_one);
	tcase_add_test(tc, test_esp8266_rom);
	tcase_add_test(tc, test_esp8266_boot_74880);
	tcase_add_test(tc, test_uart_resample);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sim_rom_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
