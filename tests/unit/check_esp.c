/*
 * check_esp.c — the ESP bootloader protocol model: every op built and parsed
 * back, names, checksum vectors, data sub-header, 2- and 4-byte status.
 */
#include <check.h>
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "esp.h"
#include "util.h"

static const struct {
	uint8_t		 op;
	const char	*name;
} ops[] = {
	{ ESP_OP_FLASH_BEGIN, "FLASH_BEGIN" },
	{ ESP_OP_FLASH_DATA, "FLASH_DATA" },
	{ ESP_OP_FLASH_END, "FLASH_END" },
	{ ESP_OP_MEM_BEGIN, "MEM_BEGIN" },
	{ ESP_OP_MEM_END, "MEM_END" },
	{ ESP_OP_MEM_DATA, "MEM_DATA" },
	{ ESP_OP_SYNC, "SYNC" },
	{ ESP_OP_WRITE_REG, "WRITE_REG" },
	{ ESP_OP_READ_REG, "READ_REG" },
	{ ESP_OP_SPI_SET_PARAMS, "SPI_SET_PARAMS" },
	{ ESP_OP_SPI_ATTACH, "SPI_ATTACH" },
	{ ESP_OP_READ_FLASH_SLOW, "READ_FLASH_SLOW" },
	{ ESP_OP_CHANGE_BAUDRATE, "CHANGE_BAUDRATE" },
	{ ESP_OP_FLASH_DEFL_BEGIN, "FLASH_DEFL_BEGIN" },
	{ ESP_OP_FLASH_DEFL_DATA, "FLASH_DEFL_DATA" },
	{ ESP_OP_FLASH_DEFL_END, "FLASH_DEFL_END" },
	{ ESP_OP_SPI_FLASH_MD5, "SPI_FLASH_MD5" },
	{ ESP_OP_GET_SECURITY_INFO, "GET_SECURITY_INFO" },
	{ ESP_OP_ERASE_FLASH, "ERASE_FLASH" },
	{ ESP_OP_ERASE_REGION, "ERASE_REGION" },
	{ ESP_OP_READ_FLASH, "READ_FLASH" },
	{ ESP_OP_RUN_USER_CODE, "RUN_USER_CODE" },
	{ ESP_OP_FLASH_ENCRYPT_DATA, "FLASH_ENCRYPT_DATA" },
};

START_TEST(test_op_roundtrip)
{
	uint8_t data[40], buf[64];
	struct esp_packet p;
	char lower[32];
	size_t i, n, dlen = (size_t)_i % 5 * 8;
	int has_hdr;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + ops[_i].op);
	/* command */
	n = esp_command_build(ops[_i].op, data, dlen, 0xA5A5A5u + (uint32_t)_i, buf);
	ck_assert_uint_eq(n, ESP_HDR_LEN + dlen);
	ck_assert_uint_eq(buf[0], 0x00);
	ck_assert_uint_eq(buf[1], ops[_i].op);
	ck_assert_int_eq(esp_packet_parse(buf, n, &p), 0);
	ck_assert_int_eq(p.dir, ESP_DIR_COMMAND);
	ck_assert_uint_eq(p.op, ops[_i].op);
	ck_assert_uint_eq(p.len, dlen);
	ck_assert_uint_eq(p.data_len, dlen);
	ck_assert_uint_eq(p.value, 0xA5A5A5u + (uint32_t)_i);
	ck_assert_ptr_eq(p.data, buf + ESP_HDR_LEN);
	ck_assert_mem_eq(p.data, data, dlen);
	/* response */
	n = esp_response_build(ops[_i].op, 0x20120707, data, dlen + 2, buf);
	ck_assert_uint_eq(n, ESP_HDR_LEN + dlen + 2);
	ck_assert_int_eq(esp_packet_parse(buf, n, &p), 0);
	ck_assert_int_eq(p.dir, ESP_DIR_RESPONSE);
	ck_assert_uint_eq(p.op, ops[_i].op);
	ck_assert_uint_eq(p.len, dlen + 2);
	ck_assert_uint_eq(p.value, 0x20120707);
	ck_assert_mem_eq(p.data, data, dlen + 2);
	/* names */
	ck_assert_str_eq(esp_op_name(ops[_i].op), ops[_i].name);
	ck_assert_int_eq(esp_op_by_name(ops[_i].name), ops[_i].op);
	for (i = 0; ops[_i].name[i] != '\0'; i++)
		lower[i] = (char)tolower((unsigned char)ops[_i].name[i]);
	lower[i] = '\0';
	ck_assert_int_eq(esp_op_by_name(lower), ops[_i].op);
	has_hdr = ops[_i].op == ESP_OP_FLASH_DATA || ops[_i].op == ESP_OP_FLASH_DEFL_DATA ||
	    ops[_i].op == ESP_OP_MEM_DATA || ops[_i].op == ESP_OP_FLASH_ENCRYPT_DATA;
	ck_assert_int_eq(esp_op_has_data_header(ops[_i].op), has_hdr);
}
END_TEST

START_TEST(test_op_unknown)
{
	ck_assert_ptr_null(esp_op_name(0x00));
	ck_assert_ptr_null(esp_op_name(0x01));
	ck_assert_ptr_null(esp_op_name(0x0C));
	ck_assert_ptr_null(esp_op_name(0xFF));
	ck_assert_int_eq(esp_op_by_name("FLASH"), -1);
	ck_assert_int_eq(esp_op_by_name(""), -1);
	ck_assert_int_eq(esp_op_by_name(NULL), -1);
	ck_assert_int_eq(esp_op_has_data_header(ESP_OP_FLASH_BEGIN), 0);
}
END_TEST

/* The exact bytes esptool sends for SYNC and a ROM reply (from a capture of esptool 4.x). */
START_TEST(test_sync_bytes)
{
	uint8_t data[36], buf[64];
	const uint8_t want[8] = { 0x00, 0x08, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00 };
	const uint8_t reply[] = { 0x01, 0x08, 0x04, 0x00, 0x07, 0x07, 0x12, 0x20,
	    0x00, 0x00, 0x00, 0x00 };
	struct esp_packet p;
	uint8_t st, er;
	size_t n;

	data[0] = 0x07; data[1] = 0x07; data[2] = 0x12; data[3] = 0x20;
	memset(data + 4, 0x55, 32);
	n = esp_command_build(ESP_OP_SYNC, data, sizeof(data), 0, buf);
	ck_assert_uint_eq(n, 44);
	ck_assert_mem_eq(buf, want, 8);
	ck_assert_int_eq(esp_packet_parse(reply, sizeof(reply), &p), 0);
	ck_assert_uint_eq(p.value, ESP_SYNC_VALUE);
	ck_assert_int_eq(esp_response_status(&p, 4, &st, &er), 0);
	ck_assert_uint_eq(st, 0);
	ck_assert_uint_eq(er, 0);
}
END_TEST

static const struct {
	const char	*name;
	uint8_t		 buf[12];
	size_t		 len;
	int		 rc;
	int		 dir;
	uint8_t		 op;
	uint16_t	 hlen;
	size_t		 data_len;
} parse_vectors[] = {
	{ "empty", { 0 }, 0, ESP_ERR_SHORT, 0, 0, 0, 0 },
	{ "one byte", { 0x01 }, 1, ESP_ERR_SHORT, 1, 0, 0, 0 },
	{ "seven bytes", { 0x01, 0x0A, 0x02, 0x00, 0, 0, 0 }, 7, ESP_ERR_SHORT, 1, 0x0A, 2, 0 },
	{ "bad direction", { 0x4F, 0x48, 0x41, 0x49, 0, 0, 0, 0 }, 8, ESP_ERR_DIR, 0x4F, 0x48, 0x4941, 0 },
	{ "length too big", { 0x01, 0x0A, 0x04, 0x00, 1, 2, 3, 4, 0, 0 }, 10, ESP_ERR_LENGTH, 1, 0x0A, 4, 2 },
	{ "length too small", { 0x01, 0x08, 0x02, 0x00, 1, 2, 3, 4, 0, 0, 0, 0 }, 12, ESP_ERR_LENGTH, 1, 0x08, 2, 4 },
	{ "header only", { 0x00, 0x0A, 0x00, 0x00, 0, 0, 0, 0 }, 8, 0, 0, 0x0A, 0, 0 },
};

START_TEST(test_parse_errors)
{
	struct esp_packet p;
	int rc;

	memset(&p, 0xAA, sizeof(p));
	rc = esp_packet_parse(parse_vectors[_i].buf, parse_vectors[_i].len, &p);
	ck_assert_msg(rc == parse_vectors[_i].rc, "%s: rc %d", parse_vectors[_i].name, rc);
	ck_assert_int_eq((int)p.dir, parse_vectors[_i].dir);
	ck_assert_uint_eq(p.op, parse_vectors[_i].op);
	ck_assert_uint_eq(p.len, parse_vectors[_i].hlen);
	ck_assert_uint_eq(p.data_len, parse_vectors[_i].data_len);
	if (parse_vectors[_i].len < ESP_HDR_LEN)
		ck_assert_ptr_null(p.data);
	else
		ck_assert_ptr_eq(p.data, parse_vectors[_i].buf + ESP_HDR_LEN);
	ck_assert_ptr_nonnull(esp_parse_error(rc));
}
END_TEST

static const struct {
	uint8_t		 data[8];
	size_t		 len;
	uint8_t		 sum;
} sum_vectors[] = {
	{ { 0 }, 0, 0xEF },
	{ { 0xEF }, 1, 0x00 },
	{ { 0x01, 0x02 }, 2, 0xEC },
	{ { 0xFF, 0xFF, 0xFF, 0xFF }, 4, 0xEF },
	{ { 0xFF }, 1, 0x10 },
	{ { 0x12, 0x34, 0x56, 0x78 }, 4, 0xEF ^ 0x12 ^ 0x34 ^ 0x56 ^ 0x78 },
};

START_TEST(test_checksum)
{
	ck_assert_uint_eq(esp_checksum(sum_vectors[_i].data, sum_vectors[_i].len),
	    sum_vectors[_i].sum);
}
END_TEST

START_TEST(test_checksum_block)
{
	uint8_t block[ESP_ROM_BLOCK];
	size_t i;

	memset(block, 0xFF, sizeof(block));	/* a padded all-FF block: even count cancels */
	ck_assert_uint_eq(esp_checksum(block, sizeof(block)), 0xEF);
	for (i = 0; i < sizeof(block); i++)
		block[i] = (uint8_t)i;		/* 0..255 four times: XOR 0 */
	ck_assert_uint_eq(esp_checksum(block, sizeof(block)), 0xEF);
	block[5] ^= 0x40;
	ck_assert_uint_eq(esp_checksum(block, sizeof(block)), 0xAF);
}
END_TEST

START_TEST(test_data_header)
{
	uint8_t data[16 + 8], buf[64];
	struct esp_packet p;
	struct esp_data_header h;
	size_t n;

	memset(data, 0, sizeof(data));
	data[0] = 8;			/* size */
	data[4] = 0x0E; data[5] = 0x01;	/* seq 0x10E */
	memset(data + 16, 0x5A, 8);
	n = esp_command_build(ESP_OP_FLASH_DATA, data, sizeof(data), esp_checksum(data + 16, 8), buf);
	ck_assert_int_eq(esp_packet_parse(buf, n, &p), 0);
	ck_assert_uint_eq(p.value, 0xEF);
	ck_assert_int_eq(esp_data_header_parse(&p, &h), 0);
	ck_assert_uint_eq(h.size, 8);
	ck_assert_uint_eq(h.seq, 0x10E);
	ck_assert_uint_eq(h.payload_len, 8);
	ck_assert_ptr_eq(h.payload, buf + ESP_HDR_LEN + 16);

	/* header only, no payload */
	n = esp_command_build(ESP_OP_MEM_DATA, data, 16, 0, buf);
	ck_assert_int_eq(esp_packet_parse(buf, n, &p), 0);
	ck_assert_int_eq(esp_data_header_parse(&p, &h), 0);
	ck_assert_uint_eq(h.payload_len, 0);

	/* too short */
	n = esp_command_build(ESP_OP_FLASH_DEFL_DATA, data, 15, 0, buf);
	ck_assert_int_eq(esp_packet_parse(buf, n, &p), 0);
	ck_assert_int_eq(esp_data_header_parse(&p, &h), -1);
	ck_assert_ptr_null(h.payload);

	/* not a data op */
	n = esp_command_build(ESP_OP_FLASH_BEGIN, data, 16, 0, buf);
	ck_assert_int_eq(esp_packet_parse(buf, n, &p), 0);
	ck_assert_int_eq(esp_data_header_parse(&p, &h), -1);

	/* a response is never a data command */
	n = esp_response_build(ESP_OP_FLASH_DATA, 0, data, 16, buf);
	ck_assert_int_eq(esp_packet_parse(buf, n, &p), 0);
	ck_assert_int_eq(esp_data_header_parse(&p, &h), -1);

	/* length field larger than the frame: only the bytes present count */
	n = esp_command_build(ESP_OP_FLASH_DATA, data, sizeof(data), 0, buf);
	ck_assert_int_eq(esp_packet_parse(buf, n - 4, &p), ESP_ERR_LENGTH);
	ck_assert_int_eq(esp_data_header_parse(&p, &h), 0);
	ck_assert_uint_eq(h.payload_len, 4);
}
END_TEST

static const struct {
	const char	*name;
	uint8_t		 data[40];
	size_t		 len;
	int		 status_len;
	int		 rc;
	uint8_t		 status, error;
} status_vectors[] = {
	{ "stub ok", { 0, 0 }, 2, 2, 0, 0, 0 },
	{ "stub error", { 1, 0xC1 }, 2, 2, 0, 1, 0xC1 },
	{ "stub error as sent (C1 00)", { 0xC1, 0 }, 2, 2, 0, 1, 0xC1 },
	{ "stub inflate error (C7 00)", { 0xC7, 0 }, 2, 2, 0, 1, 0xC7 },
	{ "rom ok", { 0, 0, 0, 0 }, 4, 4, 0, 0, 0 },
	{ "rom bad checksum", { 1, 7, 0, 0 }, 4, 4, 0, 1, 7 },
	{ "rom unsupported", { 1, 5, 0, 0 }, 4, 4, 0, 1, 5 },
	{ "rom read as 2", { 1, 7, 0, 0 }, 4, 2, 0, 0, 0 },
	{ "stub md5", { [16] = 0, [17] = 0 }, 18, 2, 0, 0, 0 },
	{ "rom md5 (32 hex + 4)", { [32] = 1, [33] = 6 }, 36, 4, 0, 1, 6 },
	{ "too short for 4", { 0, 0 }, 2, 4, -1, 0, 0 },
	{ "empty", { 0 }, 0, 2, -1, 0, 0 },
	{ "bad status_len", { 0, 0, 0, 0 }, 4, 3, -1, 0, 0 },
	/* issue 9: a ROM status 04 00 00 00 is status 4 without a code, not error 4 */
	{ "rom status 4, no code", { 4, 0, 0, 0 }, 4, 4, 0, 4, 0 },
	{ "rom status C1 00 00 00 (not the stub form)", { 0xC1, 0, 0, 0 }, 4, 4, 0, 0xC1, 0 },
	{ "esp8266 rom 01 07", { 1, 7 }, 2, 2, 0, 1, 7 },
	{ "2-byte 04 00: not a stub code", { 4, 0 }, 2, 2, 0, 4, 0 },
	{ "stub CMD_NOT_IMPLEMENTED (FF 00)", { 0xFF, 0 }, 2, 2, 0, 1, 0xFF },
};

static const struct {
	const char	*name;
	uint8_t		 data[40];
	size_t		 len;
	int		 want;
} guess_vectors[] = {
	{ "empty", { 0 }, 0, 2 },
	{ "2 bytes", { 0, 0 }, 2, 2 },
	{ "3 bytes", { 0, 0, 0 }, 3, 2 },
	{ "4 bytes", { 1, 5, 0, 0 }, 4, 4 },
	{ "4 bytes, status 4", { 4, 0, 0, 0 }, 4, 4 },
	{ "rom md5 + 4", { [32] = 0, [33] = 0, [34] = 0, [35] = 0 }, 36, 4 },
	{ "rom md5 + 01 06 00 00", { [32] = 1, [33] = 6 }, 36, 4 },
	/* ambiguous without the recorder's flags: 16 bytes ending 00 00, then 00 00 */
	{ "stub md5 ending 00 00 + 00 00 reads as ROM", { [14] = 0, [15] = 0 }, 18, 4 },
	{ "stub md5 ending 00 00 after a byte > 1", { [14] = 7, [16] = 0, [17] = 0 }, 18, 2 },
	{ "stub error C1 00 after data", { 9, 9, 9, 0xC1, 0 }, 5, 2 },
};

START_TEST(test_status_len_guess)
{
	uint8_t buf[64];
	struct esp_packet p;
	size_t n;

	n = esp_response_build(ESP_OP_SPI_FLASH_MD5, 0, guess_vectors[_i].data,
	    guess_vectors[_i].len, buf);
	ck_assert_int_eq(esp_packet_parse(buf, n, &p), 0);
	ck_assert_msg(esp_status_len_guess(&p) == guess_vectors[_i].want, "%s: %d",
	    guess_vectors[_i].name, esp_status_len_guess(&p));
}
END_TEST

static const struct {
	uint32_t	 seq, blocks;
	int		 percent;
} percent_vectors[] = {
	{ 14, 16, 93 }, { 0, 16, 6 }, { 15, 16, 100 }, { 0, 1, 100 }, { 0, 3, 33 },
	{ 1, 3, 66 }, { 2, 3, 100 }, { 0, 450, 0 }, { 449, 450, 100 },
	{ 0xFFFFFFFE, 0xFFFFFFFF, 100 },
	/* a zero-length write has no blocks and no percent */
	{ 0, 0, -1 }, { 5, 0, -1 },
	/* past the last block: the formula goes on (a retransmission bug shows) */
	{ 16, 16, 106 },
};

START_TEST(test_progress_percent)
{
	ck_assert_int_eq(esp_progress_percent(percent_vectors[_i].seq, percent_vectors[_i].blocks),
	    percent_vectors[_i].percent);
}
END_TEST

START_TEST(test_status)
{
	uint8_t buf[64];
	struct esp_packet p;
	uint8_t st = 0xAA, er = 0xAA;
	size_t n;
	int rc;

	n = esp_response_build(ESP_OP_READ_REG, 0x12345678, status_vectors[_i].data,
	    status_vectors[_i].len, buf);
	ck_assert_int_eq(esp_packet_parse(buf, n, &p), 0);
	rc = esp_response_status(&p, status_vectors[_i].status_len, &st, &er);
	ck_assert_msg(rc == status_vectors[_i].rc, "%s: rc %d", status_vectors[_i].name, rc);
	ck_assert_uint_eq(st, status_vectors[_i].status);
	ck_assert_uint_eq(er, status_vectors[_i].error);
}
END_TEST

static const struct {
	uint8_t		 code;
	const char	*name;
} errors[] = {
	{ 0x05, "INVALID_MESSAGE" }, { 0x06, "FAILED_TO_ACT" }, { 0x07, "BAD_CHECKSUM" },
	{ 0x08, "FLASH_WRITE_ERR" }, { 0x09, "FLASH_READ_ERR" }, { 0x0A, "READ_LENGTH_ERR" },
	{ 0x0B, "DEFLATE_ERR" },
	{ 0xC0, "BAD_DATA_LEN" }, { 0xC1, "BAD_DATA_CHECKSUM" }, { 0xC2, "BAD_BLOCKSIZE" },
	{ 0xC3, "INVALID_COMMAND" }, { 0xC4, "FAILED_SPI_OP" }, { 0xC5, "FAILED_SPI_UNLOCK" },
	{ 0xC6, "NOT_IN_FLASH_MODE" }, { 0xC7, "INFLATE_ERROR" }, { 0xC8, "NOT_ENOUGH_DATA" },
	{ 0xC9, "TOO_MUCH_DATA" }, { 0xFF, "CMD_NOT_IMPLEMENTED" },
};

START_TEST(test_error_names)
{
	ck_assert_str_eq(esp_error_name(errors[_i].code), errors[_i].name);
	ck_assert_ptr_nonnull(esp_error_text(errors[_i].code));
	ck_assert_int_eq(esp_error_by_name(errors[_i].name), errors[_i].code);
}
END_TEST

START_TEST(test_error_unknown)
{
	ck_assert_ptr_null(esp_error_name(0x00));
	ck_assert_ptr_null(esp_error_name(0x04));
	ck_assert_ptr_null(esp_error_name(0x0C));
	ck_assert_ptr_null(esp_error_name(0xCA));
	ck_assert_ptr_null(esp_error_text(0x42));
	ck_assert_int_eq(esp_error_by_name("nope"), -1);
	ck_assert_str_eq(esp_error_text(ESP_STUB_INFLATE_ERROR), "Inflate error");
	ck_assert_int_eq(esp_error_by_name("inflate_error"), 0xC7);
}
END_TEST

static Suite *
esp_suite(void)
{
	Suite *s = suite_create("esp");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_op_roundtrip, 0, (int)(sizeof(ops) / sizeof(ops[0])));
	tcase_add_test(tc, test_op_unknown);
	tcase_add_test(tc, test_sync_bytes);
	tcase_add_loop_test(tc, test_parse_errors, 0,
	    (int)(sizeof(parse_vectors) / sizeof(parse_vectors[0])));
	tcase_add_loop_test(tc, test_checksum, 0, (int)(sizeof(sum_vectors) / sizeof(sum_vectors[0])));
	tcase_add_test(tc, test_checksum_block);
	tcase_add_test(tc, test_data_header);
	tcase_add_loop_test(tc, test_status, 0,
	    (int)(sizeof(status_vectors) / sizeof(status_vectors[0])));
	tcase_add_loop_test(tc, test_status_len_guess, 0, (int)nitems(guess_vectors));
	tcase_add_loop_test(tc, test_progress_percent, 0, (int)nitems(percent_vectors));
	tcase_add_loop_test(tc, test_error_names, 0, (int)(sizeof(errors) / sizeof(errors[0])));
	tcase_add_test(tc, test_error_unknown);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(esp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
