/*
 * check_sim.c — the simulated device model, driven directly: packets built
 * with esp.h and slip.h go in, the replies coming out are decoded and
 * checked, and time is the one the test passes in. SYNC, chip detection,
 * ROM flash writes and errors, the stub upload and the stub's compressed
 * writes, MD5, READ_FLASH with acks, the USB-Serial/JTAG watchdog (fires
 * unless disarmed by the right register writes), SPI boot, the reset
 * circuit, pacing, and malformed input.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "esp.h"
#include "sim.h"
#include "slip.h"
#include "simdev.h"
#include "util.h"

static const struct {
	enum sim_chip chip;
	uint32_t magic;
} chips[] = {
	{ SIM_CHIP_ESP32, 0x00F01D83 },
	{ SIM_CHIP_ESP32S3, 0x00000009 },
	{ SIM_CHIP_ESP32C3, 0x1B31506F },
	{ SIM_CHIP_ESP32S2, 0x000007C6 },
	{ SIM_CHIP_ESP32C6, 0x2CE0806F },
	{ SIM_CHIP_ESP32C2, 0x7C41A06F },
	{ SIM_CHIP_ESP32H2, 0xD7B73E80 },
};

START_TEST(test_md5_vectors)
{
	static const char *const in[] = { "", "abc",
	    "12345678901234567890123456789012345678901234567890123456789012345678901234567890" };
	static const char *const want[] = { "d41d8cd98f00b204e9800998ecf8427e",
	    "900150983cd24fb0d6963f7d28e17f72", "57edf4a22be3c955ac49da2e2107b67a" };
	uint8_t d[16];
	char hex[33];
	int i, j;

	for (i = 0; i < 3; i++) {
		md5_of((const uint8_t *)in[i], strlen(in[i]), d);
		for (j = 0; j < 16; j++)
			snprintf(hex + 2 * j, 3, "%02x", d[j]);
		ck_assert_str_eq(hex, want[i]);
	}
}
END_TEST

START_TEST(test_sync_replies)
{
	struct h *h = h_new(chips[_i].chip);
	struct esp_packet p;
	int i;

	h_sync(h);
	ck_assert_int_eq(h->nframes, 8);
	for (i = 0; i < 8; i++) {
		p = h_resp(h, i, ESP_OP_SYNC);
		ck_assert_uint_eq(p.value, ESP_SYNC_VALUE);
		ck_assert_int_eq(p.data_len, 4);
		ck_assert_int_eq(p.data[0], 0);
	}
	h_free(h);
}
END_TEST

START_TEST(test_magic)
{
	struct h *h = h_new(chips[_i].chip);

	ck_assert_uint_eq(h_read_reg(h, 0x40001000), chips[_i].magic);
	h_free(h);
}
END_TEST

START_TEST(test_security_info)
{
	struct h *h = h_new(SIM_CHIP_ESP32);
	struct esp_packet p;

	/* The ESP32 ROM does not know GET_SECURITY_INFO: invalid message. */
	h_cmd(h, ESP_OP_GET_SECURITY_INFO, NULL, 0, 0);
	h_expect_err(h, ESP_OP_GET_SECURITY_INFO, 4, ESP_ROM_INVALID_MESSAGE);
	h_free(h);

	h = h_new(SIM_CHIP_ESP32S3);
	h_cmd(h, ESP_OP_GET_SECURITY_INFO, NULL, 0, 0);
	p = h_resp(h, 0, ESP_OP_GET_SECURITY_INFO);
	ck_assert_int_eq(p.data_len, 24);
	ck_assert_uint_eq(le32(p.data + 12), 9);
	ck_assert_int_eq(p.data[20], 0);
	h_free(h);
}
END_TEST

START_TEST(test_unknown_op)
{
	struct h *h = h_new(SIM_CHIP_ESP32S3);

	h_cmd(h, 0x55, NULL, 0, 0);
	h_expect_err(h, 0x55, 4, ESP_ROM_INVALID_MESSAGE);
	/* stub-only commands are unknown to the ROM too */
	h_cmd(h, ESP_OP_ERASE_FLASH, NULL, 0, 0);
	h_expect_err(h, ESP_OP_ERASE_FLASH, 4, ESP_ROM_INVALID_MESSAGE);
	/* and in the stub an unknown op is "not implemented" */
	h_start_stub(h);
	h_cmd(h, 0x55, NULL, 0, 0);
	h_expect_err(h, 0x55, 2, ESP_STUB_CMD_NOT_IMPLEMENTED);
	h_free(h);
}
END_TEST

START_TEST(test_rom_flash_write)
{
	struct h *h = h_new(chips[_i].chip);
	uint8_t img[0x700], blk[0x400];
	int nw = chips[_i].chip == SIM_CHIP_ESP32 ? 4 : 5;

	fill_pattern(img, sizeof(img), 7);
	memset(h->flash + 0x10000, 0x00, 0x2000);	/* must be erased by FLASH_BEGIN */
	h_words(h, ESP_OP_FLASH_BEGIN, nw, sizeof(img), 2, 0x400, 0x10000, 0);
	h_expect_ok(h, ESP_OP_FLASH_BEGIN, 4);
	h_data(h, ESP_OP_FLASH_DATA, img, 0x400, 0, 0);
	h_expect_ok(h, ESP_OP_FLASH_DATA, 4);
	memset(blk, 0xFF, sizeof(blk));
	memcpy(blk, img + 0x400, sizeof(img) - 0x400);	/* last block padded with FF */
	h_data(h, ESP_OP_FLASH_DATA, blk, 0x400, 1, 0);
	h_expect_ok(h, ESP_OP_FLASH_DATA, 4);
	ck_assert_int_eq(memcmp(h->flash + 0x10000, img, sizeof(img)), 0);
	ck_assert_int_eq(h->flash[0x10000 + sizeof(img)], 0xFF);
	ck_assert_int_eq(h->flash[0x10FFF], 0xFF);	/* whole sector erased */
	ck_assert_int_eq(h->flash[0x11000], 0x00);	/* the next one untouched */
	/* FLASH_END(1): the ROM leaves the loader and runs the app */
	h_words(h, ESP_OP_FLASH_END, 1, 1, 0, 0, 0, 0);
	ck_assert_int_ge(h->nframes, 1);
	h_resp(h, 0, ESP_OP_FLASH_END);
	ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_APP);
	h_free(h);
}
END_TEST

START_TEST(test_rom_bad_checksum)
{
	struct h *h = h_new(SIM_CHIP_ESP32S3);
	uint8_t blk[0x400];

	fill_pattern(blk, sizeof(blk), 3);
	h_words(h, ESP_OP_FLASH_BEGIN, 5, 0x400, 1, 0x400, 0x20000, 0);
	h_expect_ok(h, ESP_OP_FLASH_BEGIN, 4);
	h_data(h, ESP_OP_FLASH_DATA, blk, sizeof(blk), 0, 1);
	h_expect_err(h, ESP_OP_FLASH_DATA, 4, ESP_ROM_BAD_CHECKSUM);
	ck_assert_int_eq(h->flash[0x20000], 0xFF);	/* nothing written */
	/* the ROM used up seq 0: the retry is refused (check_sim_rom.c has the rest) */
	h_data(h, ESP_OP_FLASH_DATA, blk, sizeof(blk), 0, 0);
	h_expect_err(h, ESP_OP_FLASH_DATA, 4, ESP_ROM_INVALID_MESSAGE);
	ck_assert_int_eq(h->flash[0x20000], 0xFF);
	h_free(h);
}
END_TEST

START_TEST(test_rom_md5_and_read_slow)
{
	struct h *h = h_new(SIM_CHIP_ESP32);
	struct esp_packet p;
	uint8_t d[16];
	char hex[33];
	int j;

	fill_pattern(h->flash + 0x1000, 0x3000, 11);
	md5_of(h->flash + 0x1000, 0x3000, d);
	for (j = 0; j < 16; j++)
		snprintf(hex + 2 * j, 3, "%02x", d[j]);
	h_words(h, ESP_OP_SPI_FLASH_MD5, 4, 0x1000, 0x3000, 0, 0, 0);
	p = h_resp(h, 0, ESP_OP_SPI_FLASH_MD5);
	ck_assert_int_eq(p.data_len, 36);
	ck_assert_int_eq(memcmp(p.data, hex, 32), 0);
	ck_assert_int_eq(p.data[32], 0);
	h_clear(h);

	h_words(h, ESP_OP_READ_FLASH_SLOW, 2, 0x1010, 16, 0, 0, 0);
	p = h_resp(h, 0, ESP_OP_READ_FLASH_SLOW);
	ck_assert_int_eq(p.data_len, 64 + 4);
	ck_assert_int_eq(memcmp(p.data, h->flash + 0x1010, 16), 0);
	h_free(h);
}
END_TEST

START_TEST(test_spi_flash_id)
{
	struct h *h = h_new(SIM_CHIP_ESP32S3);

	/* esptool's run_spiflash_command for RDID (0x9F), 24 bits back */
	h_write_reg(h, 0x60002028, 23);
	h_write_reg(h, 0x60002018, 0x90000000);
	h_write_reg(h, 0x60002020, 0x7000009F);
	h_write_reg(h, 0x60002058, 0);
	h_write_reg(h, 0x60002000, 1 << 18);
	ck_assert_uint_eq(h_read_reg(h, 0x60002000) & (1 << 18), 0);
	ck_assert_uint_eq(h_read_reg(h, 0x60002058), 0x164020);
	h_free(h);
}
END_TEST

START_TEST(test_stub_start)
{
	struct h *h = h_new(SIM_CHIP_ESP32S3);
	struct esp_packet p;
	int i;

	h_start_stub(h);
	h_sync(h);
	/* eight replies like the ROM's, but value 0 and a 2-byte status */
	ck_assert_int_eq(h->nframes, 8);
	for (i = 0; i < 8; i++) {
		p = h_resp(h, i, ESP_OP_SYNC);
		ck_assert_uint_eq(p.value, 0);
		ck_assert_int_eq(p.data_len, 2);
	}
	h_clear(h);
	ck_assert_uint_eq(h_read_reg(h, 0x40001000), 9);
	h_free(h);
}
END_TEST

START_TEST(test_mem_end_without_upload)
{
	struct h *h = h_new(SIM_CHIP_ESP32C3);

	h_words(h, ESP_OP_MEM_END, 2, 0, 0x40380400, 0, 0, 0);
	h_expect_ok(h, ESP_OP_MEM_END, 4);
	ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_ROM);
	h_free(h);
}
END_TEST

START_TEST(test_stub_deflate_write)
{
	struct h *h = h_new(chips[_i].chip);
	size_t len = 100000, i;
	uint8_t *img = xmalloc(len), *comp;
	uLongf clen = compressBound(len);
	uint32_t nblk, seq;
	uint8_t d[16];
	struct esp_packet p;

	for (i = 0; i < len; i++)
		img[i] = (uint8_t)(i % 251 < 100 ? i : i * 7);
	comp = xmalloc(clen);
	ck_assert_int_eq(compress2(comp, &clen, img, len, 9), Z_OK);
	h_start_stub(h);
	nblk = (uint32_t)((clen + 0x3FFF) / 0x4000);
	h_words(h, ESP_OP_FLASH_DEFL_BEGIN, 4, (uint32_t)len, nblk, 0x4000, 0x10000, 0);
	h_expect_ok(h, ESP_OP_FLASH_DEFL_BEGIN, 2);
	for (seq = 0; seq < nblk; seq++) {
		size_t off = (size_t)seq * 0x4000, n = clen - off > 0x4000 ? 0x4000 : clen - off;

		h_data(h, ESP_OP_FLASH_DEFL_DATA, comp + off, n, seq, 0);
		h_expect_ok(h, ESP_OP_FLASH_DEFL_DATA, 2);
	}
	ck_assert_int_eq(memcmp(h->flash + 0x10000, img, len), 0);
	ck_assert_int_eq(h->flash[0x10000 + len], 0xFF);
	/* the stub's MD5: 16 raw bytes */
	md5_of(img, len, d);
	h_words(h, ESP_OP_SPI_FLASH_MD5, 4, 0x10000, (uint32_t)len, 0, 0, 0);
	p = h_resp(h, 0, ESP_OP_SPI_FLASH_MD5);
	ck_assert_int_eq(p.data_len, 18);
	ck_assert_int_eq(memcmp(p.data, d, 16), 0);
	h_clear(h);
	h_words(h, ESP_OP_FLASH_DEFL_END, 1, 1, 0, 0, 0, 0);
	h_expect_ok(h, ESP_OP_FLASH_DEFL_END, 2);
	free(img);
	free(comp);
	h_free(h);
}
END_TEST

START_TEST(test_stub_errors)
{
	struct h *h = h_new(SIM_CHIP_ESP32);
	uint8_t blk[0x4000], junk[64];

	fill_pattern(blk, sizeof(blk), 5);
	h_start_stub(h);
	/* data outside flash mode */
	h_data(h, ESP_OP_FLASH_DATA, blk, 16, 0, 0);
	h_expect_err(h, ESP_OP_FLASH_DATA, 2, ESP_STUB_NOT_IN_FLASH_MODE);
	/* block size too big */
	h_words(h, ESP_OP_FLASH_BEGIN, 4, 0x8000, 1, 0x8000, 0x10000, 0);
	h_expect_err(h, ESP_OP_FLASH_BEGIN, 2, ESP_STUB_BAD_BLOCKSIZE);
	h_words(h, ESP_OP_FLASH_BEGIN, 4, 0x4000, 1, 0x4000, 0x10000, 0);
	h_expect_ok(h, ESP_OP_FLASH_BEGIN, 2);
	h_data(h, ESP_OP_FLASH_DATA, blk, sizeof(blk), 0, 1);
	h_expect_err(h, ESP_OP_FLASH_DATA, 2, ESP_STUB_BAD_DATA_CHECKSUM);
	/* END before all data: not enough data */
	h_words(h, ESP_OP_FLASH_END, 1, 1, 0, 0, 0, 0);
	h_expect_err(h, ESP_OP_FLASH_END, 2, ESP_STUB_NOT_ENOUGH_DATA);
	h_data(h, ESP_OP_FLASH_DATA, blk, sizeof(blk), 0, 0);
	h_expect_ok(h, ESP_OP_FLASH_DATA, 2);
	ck_assert_int_eq(memcmp(h->flash + 0x10000, blk, sizeof(blk)), 0);
	h_words(h, ESP_OP_FLASH_END, 1, 1, 0, 0, 0, 0);
	h_expect_ok(h, ESP_OP_FLASH_END, 2);

	/* a broken deflate stream: the error comes with the next ack */
	fill_pattern(junk, sizeof(junk), 9);
	junk[0] = 0x78;
	junk[1] = 0x9C;
	junk[2] = 0xFF;
	h_words(h, ESP_OP_FLASH_DEFL_BEGIN, 4, 0x1000, 2, 0x4000, 0x20000, 0);
	h_expect_ok(h, ESP_OP_FLASH_DEFL_BEGIN, 2);
	h_data(h, ESP_OP_FLASH_DEFL_DATA, junk, sizeof(junk), 0, 0);
	h_expect_ok(h, ESP_OP_FLASH_DEFL_DATA, 2);
	h_data(h, ESP_OP_FLASH_DEFL_DATA, junk, sizeof(junk), 1, 0);
	h_expect_err(h, ESP_OP_FLASH_DEFL_DATA, 2, ESP_STUB_INFLATE_ERROR);
	/* erase region alignment */
	h_words(h, ESP_OP_ERASE_REGION, 2, 0x10001, 0x1000, 0, 0, 0);
	ck_assert_int_eq(h->nframes, 1);
	ck_assert_int_ne(h->frames[0][8], 0);
	h_clear(h);
	h_words(h, ESP_OP_ERASE_REGION, 2, 0x10000, 0x1000, 0, 0, 0);
	h_expect_ok(h, ESP_OP_ERASE_REGION, 2);
	ck_assert_int_eq(h->flash[0x10000], 0xFF);
	h_free(h);
}
END_TEST

START_TEST(test_stub_read_flash)
{
	struct h *h = h_new(SIM_CHIP_ESP32S3);
	uint32_t len = 0x2800, got = 0;
	uint8_t *back = xmalloc(len), d[16], ack[4];
	int blocks = 0;

	fill_pattern(h->flash + 0x30000, len, 21);
	h_start_stub(h);
	h_words(h, ESP_OP_READ_FLASH, 4, 0x30000, len, 0x1000, 64, 0);
	ck_assert_int_ge(h->nframes, 2);
	h_resp(h, 0, ESP_OP_READ_FLASH);
	/* one block in flight until it is acked */
	ck_assert_int_eq(h->nframes, 2);
	while (got < len) {
		ck_assert_int_eq(h->nframes, blocks == 0 ? 2 : 1);
		{
			int i = h->nframes - 1;

			memcpy(back + got, h->frames[i], h->flen[i]);
			got += (uint32_t)h->flen[i];
			ck_assert_int_eq(h->flen[i], got < len ? 0x1000 : 0x800);
		}
		blocks++;
		h_clear(h);
		put_le32(ack, got);
		h_raw(h, ack, 4);
		h_pump(h);
	}
	ck_assert_int_eq(blocks, 3);
	ck_assert_int_eq(memcmp(back, h->flash + 0x30000, len), 0);
	/* then the digest */
	ck_assert_int_eq(h->nframes, 1);
	ck_assert_int_eq(h->flen[0], 16);
	md5_of(back, len, d);
	ck_assert_int_eq(memcmp(h->frames[0], d, 16), 0);
	h_clear(h);
	/* and commands work again */
	ck_assert_uint_eq(h_read_reg(h, 0x40001000), 9);
	free(back);
	h_free(h);
}
END_TEST

/* The watchdog over USB-Serial/JTAG: mode 0 nothing done, 1 esptool >= 4.6.1's writes, 2 v4.5.1's wrong address. */
START_TEST(test_wdt_usb_jtag)
{
	struct h *h = h_new_cfg(SIM_CHIP_ESP32S3, SIM_TRANSPORT_USB_JTAG,
	    SIM_BOOT_DOWNLOAD, 5 * SEC, 0);

	ck_assert_ptr_nonnull(strstr(h->text, "rst:0x15 (USB_UART_CHIP_RESET),boot:0x0 (DOWNLOAD(USB/UART0))"));
	ck_assert_int_eq(sim_device_wdt_armed(h->dev), 1);
	h_clear(h);
	/* esptool sees USB-Serial/JTAG in UARTDEV_BUF_NO */
	ck_assert_uint_eq(h_read_reg(h, 0x3FCEF14C), 4);
	if (_i == 1) {
		h_write_reg(h, 0x600080B0, 0x50D83AA1);
		h_write_reg(h, 0x60008098, 0);
		h_write_reg(h, 0x600080B0, 0);
	} else if (_i == 2) {
		h_write_reg(h, 0x600080B0, 0x50D83AA1);
		h_write_reg(h, 0x60008090, 0);
		h_write_reg(h, 0x600080B0, 0);
	}
	h->now += 4 * SEC;
	h_pump(h);
	ck_assert_int_eq(h->events[SIM_EV_DETACH], 0);
	h->now += 2 * SEC;
	h_pump(h);
	if (_i == 1) {
		ck_assert_int_eq(h->events[SIM_EV_DETACH], 0);
		ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_ROM);
		ck_assert_uint_eq(h_read_reg(h, 0x40001000), 9);
	} else {
		ck_assert_int_eq(h->events[SIM_EV_DETACH], 1);
		ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_DETACHED);
		/* gone: nothing answers */
		h_sync(h);
		ck_assert_int_eq(h->nframes, 0);
		h->now += 3 * SEC;
		sim_device_usb_attach(h->dev, h->now);
		h_pump(h);
		ck_assert_ptr_nonnull(strstr(h->text, "rst:0x10 (RTCWDT_RTC_RST),boot:0x8 (SPI_FAST_FLASH_BOOT)"));
		ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_APP);
	}
	h_free(h);
}
END_TEST

START_TEST(test_wdt_write_protected)
{
	struct h *h = h_new_cfg(SIM_CHIP_ESP32C3, SIM_TRANSPORT_USB_JTAG,
	    SIM_BOOT_DOWNLOAD, 5 * SEC, 0);

	/* without the unlock key the config write does nothing */
	h_write_reg(h, 0x60008090, 0);
	ck_assert_int_eq(sim_device_wdt_armed(h->dev), 1);
	/* C3's addresses */
	h_write_reg(h, 0x600080A8, 0x50D83AA1);
	h_write_reg(h, 0x60008090, 0);
	ck_assert_int_eq(sim_device_wdt_armed(h->dev), 0);
	h_free(h);
}
END_TEST

START_TEST(test_wdt_uart_not_armed)
{
	struct h *h = h_new_cfg(SIM_CHIP_ESP32S3, SIM_TRANSPORT_UART,
	    SIM_BOOT_DOWNLOAD, 5 * SEC, 0);

	ck_assert_int_eq(sim_device_wdt_armed(h->dev), 0);
	ck_assert_uint_eq(h_read_reg(h, 0x3FCEF14C), 0);
	h->now += 60 * SEC;
	h_pump(h);
	ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_ROM);
	h_free(h);
}
END_TEST

START_TEST(test_spi_boot_ignores_sync)
{
	struct h *h = h_new_cfg(chips[_i].chip, SIM_TRANSPORT_UART, SIM_BOOT_SPI, 0, 0);

	ck_assert_ptr_nonnull(strstr(h->text, "SPI_FAST_FLASH_BOOT"));
	ck_assert_ptr_nonnull(strstr(h->text, "invalid header: 0xffffffff"));
	ck_assert_ptr_null(strstr(h->text, "waiting for download"));
	h_clear(h);
	h_sync(h);
	ck_assert_int_eq(h->nframes, 0);
	ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_APP);
	h_free(h);
}
END_TEST

START_TEST(test_download_boot_log)
{
	static const char *const want[] = {
		"ets Jul 29 2019 12:21:46\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n",
		"ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\nrst:0x1 (POWERON),boot:0x0 (DOWNLOAD(USB/UART0))\r\nwaiting for download\r\n",
		"rst:0x1 (POWERON),boot:0x4 (DOWNLOAD(USB/UART0/1))\r\n",
		"ESP-ROM:esp32s2-rc4-20191025\r\nBuild:Oct 25 2019\r\nrst:0x1 (POWERON),boot:0x0 (DOWNLOAD(USB/UART0/1))\r\nwaiting for download\r\n",
		"ESP-ROM:esp32c6-20220919\r\nBuild:Sep 19 2022\r\nrst:0x1 (POWERON),boot:0x4 (DOWNLOAD(USB/UART/SDIO_REI_FEO))\r\n",
		"ESP-ROM:esp8684-api2-20220127\r\nBuild:Jan 27 2022\r\nrst:0x1 (POWERON),boot:0x4 (DOWNLOAD(UART0))\r\nwaiting for download\r\n",
		"ESP-ROM:esp32h2-20221101\r\nBuild:Nov  1 2022\r\nrst:0x1 (POWERON),boot:0x4 (DOWNLOAD(USB/UART0))\r\nwaiting for download\r\n",
	};
	struct h *h = h_new_cfg(chips[_i].chip, SIM_TRANSPORT_UART, SIM_BOOT_DOWNLOAD, 0, 0);

	ck_assert_ptr_nonnull(strstr(h->text, want[_i]));
	h_free(h);
}
END_TEST

START_TEST(test_classic_reset)
{
	struct h *h = h_new(SIM_CHIP_ESP32);

	/* esptool's ClassicReset: DTR=0 RTS=1 (EN low), DTR=1 RTS=0 (IO0 low), DTR=0 */
	sim_device_set_lines(h->dev, 0, 1, h->now);
	h->now += 100 * MS;
	sim_device_set_lines(h->dev, 1, 1, h->now);
	sim_device_set_lines(h->dev, 1, 0, h->now);
	h->now += 50 * MS;
	h_pump(h);
	sim_device_set_lines(h->dev, 0, 0, h->now);
	h_pump(h);
	ck_assert_ptr_nonnull(strstr(h->text, "boot:0x3 (DOWNLOAD_BOOT"));
	ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_ROM);
	h_clear(h);
	/* hard reset: RTS pulse with IO0 high boots the app */
	sim_device_set_lines(h->dev, 0, 1, h->now);
	h->now += 100 * MS;
	sim_device_set_lines(h->dev, 0, 0, h->now);
	h->now += 10 * MS;
	h_pump(h);
	ck_assert_ptr_nonnull(strstr(h->text, "boot:0x13 (SPI_FAST_FLASH_BOOT)"));
	ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_APP);
	h_free(h);
}
END_TEST

START_TEST(test_usb_jtag_reset)
{
	struct h *h = h_new_cfg(SIM_CHIP_ESP32S3, SIM_TRANSPORT_USB_JTAG, SIM_BOOT_SPI, 0, 0);

	ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_APP);
	h_clear(h);
	/* esptool's USBJTAGSerialReset */
	sim_device_set_lines(h->dev, 0, 0, h->now);
	h->now += 100 * MS;
	sim_device_set_lines(h->dev, 1, 0, h->now);
	h->now += 100 * MS;
	sim_device_set_lines(h->dev, 0, 1, h->now);
	h->now += 100 * MS;
	sim_device_set_lines(h->dev, 0, 0, h->now);
	h_pump(h);
	ck_assert_ptr_nonnull(strstr(h->text, "rst:0x15 (USB_UART_CHIP_RESET),boot:0x0 (DOWNLOAD(USB/UART0))"));
	ck_assert_int_eq(sim_device_state(h->dev), SIM_STATE_ROM);
	h_free(h);
}
END_TEST

START_TEST(test_pace)
{
	struct h *h = h_new_cfg(SIM_CHIP_ESP32S3, SIM_TRANSPORT_UART, SIM_BOOT_DOWNLOAD, 0, 1);
	uint8_t blk[0x400];

	/* the boot log takes wire time too */
	h->now += 1 * SEC;
	h_pump(h);
	h_clear(h);
	h_words(h, ESP_OP_FLASH_BEGIN, 5, 0x400, 1, 0x400, 0x10000, 0);
	/*
	 * 30 bytes in (~2.6 ms at 115200), the ROM erases one 4 KiB sector
	 * before it answers (45 ms datasheet typical), a 16-byte reply out (~1.4 ms)
	 */
	ck_assert_int_eq(h->nframes, 0);
	h->now += 5 * MS;
	h_pump(h);
	ck_assert_int_eq(h->nframes, 0);
	h->now += 40 * MS;
	h_pump(h);
	ck_assert_int_eq(h->nframes, 0);
	h->now += 5 * MS;
	h_pump(h);
	h_expect_ok(h, ESP_OP_FLASH_BEGIN, 4);
	/* a 1 KB block takes ~90 ms to arrive: no ack before that */
	fill_pattern(blk, sizeof(blk), 1);
	h_data(h, ESP_OP_FLASH_DATA, blk, sizeof(blk), 0, 0);
	h->now += 50 * MS;
	h_pump(h);
	ck_assert_int_eq(h->nframes, 0);
	h->now += 50 * MS;
	h_pump(h);
	h_expect_ok(h, ESP_OP_FLASH_DATA, 4);
	h_free(h);
}
END_TEST

START_TEST(test_change_baud)
{
	struct h *h = h_new(SIM_CHIP_ESP32C3);

	h_words(h, ESP_OP_CHANGE_BAUDRATE, 2, 921600, 0, 0, 0, 0);
	h_expect_ok(h, ESP_OP_CHANGE_BAUDRATE, 4);
	ck_assert_uint_eq(sim_device_baud(h->dev), 921600);
	ck_assert_int_eq(h->events[SIM_EV_BAUD], 1);
	h_free(h);
}
END_TEST

START_TEST(test_malformed)
{
	struct h *h = h_new(SIM_CHIP_ESP32S3);
	static const uint8_t shortf[] = { 0x00, 0x08, 0x00 };
	static const uint8_t resp[] = { 0x01, 0x08, 0x00, 0x00, 0, 0, 0, 0 };
	static const uint8_t badlen[] = { 0x00, 0x0A, 0x08, 0x00, 0, 0, 0, 0, 1, 2 };
	uint8_t noise[4096];
	uint32_t seed = 99;
	int round;

	h_raw(h, shortf, sizeof(shortf));
	h_pump(h);
	ck_assert_int_eq(h->nframes, 0);
	/* a response sent to the ROM: 01 05, as for an unknown op */
	h_raw(h, resp, sizeof(resp));
	h_pump(h);
	h_expect_err(h, ESP_OP_SYNC, 4, ESP_ROM_INVALID_MESSAGE);
	h_raw(h, badlen, sizeof(badlen));
	h_pump(h);
	h_expect_err(h, ESP_OP_READ_REG, 4, ESP_ROM_INVALID_MESSAGE);
	/* random bytes, in and out of the stub: no crash, and the device still answers */
	for (round = 0; round < 2; round++) {
		int i;

		for (i = 0; i < 50; i++) {
			fill_pattern(noise, sizeof(noise), seed++);
			sim_device_input(h->dev, noise, (size_t)(seed % sizeof(noise)), h->now);
			h_pump(h);
		}
		h_clear(h);
		sim_device_input(h->dev, (const uint8_t *)"\xC0\xC0", 2, h->now);
		if (sim_device_state(h->dev) == SIM_STATE_ROM)
			ck_assert_uint_eq(h_read_reg(h, 0x40001000), 9);
		else if (sim_device_state(h->dev) != SIM_STATE_STUB)
			break;	/* the noise made it reboot into the app: fine */
		if (round == 0 && sim_device_state(h->dev) == SIM_STATE_ROM)
			h_start_stub(h);
	}
	h_free(h);
}
END_TEST


static Suite *
sim_suite(void)
{
	Suite *s = suite_create("sim");
	TCase *tc = tcase_create("device");
	int nchips = (int)(sizeof(chips) / sizeof(chips[0]));

	tcase_add_test(tc, test_md5_vectors);
	tcase_add_loop_test(tc, test_sync_replies, 0, nchips);
	tcase_add_loop_test(tc, test_magic, 0, nchips);
	tcase_add_test(tc, test_security_info);
	tcase_add_test(tc, test_unknown_op);
	tcase_add_loop_test(tc, test_rom_flash_write, 0, nchips);
	tcase_add_test(tc, test_rom_bad_checksum);
	tcase_add_test(tc, test_rom_md5_and_read_slow);
	tcase_add_test(tc, test_spi_flash_id);
	tcase_add_test(tc, test_stub_start);
	tcase_add_test(tc, test_mem_end_without_upload);
	tcase_add_loop_test(tc, test_stub_deflate_write, 0, nchips);
	tcase_add_test(tc, test_stub_errors);
	tcase_add_test(tc, test_stub_read_flash);
	tcase_add_loop_test(tc, test_wdt_usb_jtag, 0, 3);
	tcase_add_test(tc, test_wdt_write_protected);
	tcase_add_test(tc, test_wdt_uart_not_armed);
	tcase_add_loop_test(tc, test_spi_boot_ignores_sync, 0, nchips);
	tcase_add_loop_test(tc, test_download_boot_log, 0, nchips);
	tcase_add_test(tc, test_classic_reset);
	tcase_add_test(tc, test_usb_jtag_reset);
	tcase_add_test(tc, test_pace);
	tcase_add_test(tc, test_change_baud);
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(sim_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
