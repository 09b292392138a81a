/*
 * check_analyze.c — the classifier's readers: line cleaning, the console
 * wording table, each trace dialect's parser (hex dumps inline and over
 * lines, dumps wrapped by a forum, logs cut mid-line, CRLF, ANSI colour,
 * timestamp prefixes, two runs pasted into one file, esptool-js's re-read
 * buffer), content detection, captures (whole and cut off), and the real
 * client outputs kept in tests/data (see tools/gen-testdata.sh).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/analyze/analyze-int.h"

static struct analysis *
run_text(const char *text)
{
	struct analysis *a = NULL;
	char err[512];
	int rc = analyze_buffer((const uint8_t *)text, strlen(text), "test", NULL, &a, err,
	    sizeof(err));

	ck_assert_msg(rc == ANALYZE_OK, "analyze_buffer: %s", err);
	return a;
}

/* ---- line cleaning --------------------------------------------------- */

static const struct {
	const char *in, *out;
} clean_vectors[] = {
	{ "\033[1;31mA fatal error occurred\033[0m", "A fatal error occurred" },
	{ "[2024-05-01 10:00:01.123] esptool.py v4.5.1", "esptool.py v4.5.1" },
	{ "10:00:01.123 > Writing at 0x00010000... (10 %)", "Writing at 0x00010000... (10 %)" },
	{ "2024-05-01T10:00:01Z Connecting....", "Connecting...." },
	{ "[10:00:01] [10:00:02] Leaving...", "Leaving..." },
	{ "TRACE +0.012 Write 10 bytes: c00014000000000000c0",
	  "TRACE +0.012 Write 10 bytes: c00014000000000000c0" },
	{ "    c000082400000000 0007071220555555 | ...$........ UUU",
	  "    c000082400000000 0007071220555555 | ...$........ UUU" },
	{ "\033]0;title\007Chip is ESP32", "Chip is ESP32" },
	{ "trailing   ", "trailing" },
};

START_TEST(test_clean_line)
{
	char buf[256];
	size_t n;

	snprintf(buf, sizeof(buf), "%s", clean_vectors[_i].in);
	n = an_clean_line(buf, strlen(buf));
	ck_assert_str_eq(buf, clean_vectors[_i].out);
	ck_assert_uint_eq(n, strlen(clean_vectors[_i].out));
}
END_TEST

/* ---- console wording ------------------------------------------------- */

static const struct {
	const char *line, *cls;
} word_vectors[] = {
	{ "A fatal error occurred: Failed to connect to ESP32: No serial data received.", "NO_RESPONSE" },
	{ "A fatal error occurred: Failed to connect to ESP32: Wrong boot mode detected (0x13)! "
	  "The chip needs to be in download mode.", "WRONG_BOOT_MODE" },
	{ "Download mode successfully detected, but getting no sync reply: The serial TX path "
	  "seems to be down.", "TX_PATH_DOWN" },
	{ "A fatal error occurred: Invalid head of packet (0x49): Possible serial noise or "
	  "corruption.", "NOISE_INVALID_HEAD" },
	{ "A fatal error occurred: Packet content transfer stopped (received 6 bytes)", "PARTIAL_FRAME" },
	{ "A fatal error occurred: The chip stopped responding.", "ACK_STALL" },
	{ "A fatal error occurred: Failed to write to target RAM (result was 01070000: "
	  "Checksum error)", "RAM_UPLOAD_CORRUPT" },
	{ "A fatal error occurred: Failed to start stub flasher", "STUB_NO_START" },
	{ "A fatal error occurred: Failed to write to target Flash after seq 5 (result was "
	  "C100: Bad data checksum)", "BLOCK_REJECTED" },
	{ "serial.serialutil.SerialTimeoutException: Write timeout", "WRITE_TIMEOUT" },
	{ "Could not configure port: (5, 'Input/output error')", "DEVICE_VANISHED" },
	{ "A fatal error occurred: MD5 of file does not match data in flash!", "VERIFY_MISMATCH" },
	{ "A fatal error occurred: Could not open /dev/ttyUSB0, the port is busy or doesn't "
	  "exist.", "PORT_UNAVAILABLE" },
	{ "A fatal error occurred: This command (0x2) is not supported in Secure Download Mode",
	  "UNSUPPORTED_IN_SDM" },
	{ "error: Invalid state: WritableStream is locked", "WRITE_TIMEOUT" },
	{ "Writing at 0x00010000... (10 %)", NULL },
};

START_TEST(test_wording)
{
	const char *c = an_console_class(word_vectors[_i].line, NULL);

	if (word_vectors[_i].cls == NULL)
		ck_assert_ptr_null(c);
	else {
		ck_assert_ptr_nonnull(c);
		ck_assert_str_eq(c, word_vectors[_i].cls);
	}
}
END_TEST

/* ---- console logs --------------------------------------------------- */

START_TEST(test_console_write_timeout)
{
	struct analysis *a = run_text(
	    "esptool.py v3.3.2\r\n"
	    "Serial port COM7\r\n"
	    "Connecting....\r\n"
	    "Chip is ESP32-S3 (revision v0.1)\r\n"
	    "Writing at 0x00077400... (92 %)\r"
	    "Writing at 0x00077c00... (93 %)\r\n"
	    "Traceback (most recent call last):\r\n"
	    "serial.serialutil.SerialTimeoutException: Write timeout\r\n"
	    "serial.serialutil.SerialException: Cannot configure port, something went wrong. "
	    "Original message: OSError(22, 'A device which does not exist was specified.', None, 433)\r\n");

	ck_assert_str_eq(a->class_name, "WRITE_TIMEOUT");
	ck_assert_int_eq(a->where.percent, 93);
	ck_assert_int_eq(a->where.offset, 0x77c00);
	ck_assert_str_eq(a->summary.tool_version, "3.3.2");
	ck_assert_str_eq(a->summary.chip, "ESP32-S3");
	ck_assert_uint_ge(a->nadvice, 1);
	/* the known bug: esptool < 4.6.1 on an S3 */
	ck_assert_ptr_nonnull(strstr(a->advice[0], "4.6.1"));
	ck_assert_int_eq(analysis_exit_status(a), ANALYZE_EXIT_FAILURE);
	analysis_free(a);
}
END_TEST

START_TEST(test_console_progress_bar_5x)
{
	struct analysis *a = run_text(
	    "esptool v5.1.0\n"
	    "Connected to ESP32 on /dev/ttyUSB0:\n"
	    "Writing at 0x00010000 [>                             ]   0.0% 0/65536 bytes...\r"
	    "\033[2KWriting at 0x00014000 [=====>                     ]  24.9% 16384/65536 bytes...\r"
	    "\033[2KWriting at 0x00018000 [=============>             ]  49.9% 32768/65536 bytes...\n"
	    "\n"
	    "A fatal error occurred: Packet content transfer stopped (received 8 bytes).\n");

	ck_assert_str_eq(a->class_name, "PARTIAL_FRAME");
	ck_assert_int_eq(a->where.percent, 49);
	ck_assert_int_eq(a->where.offset, 0x18000);
	analysis_free(a);
}
END_TEST

START_TEST(test_console_two_runs)
{
	struct analysis *a = run_text(
	    "esptool.py v4.5.1\n"
	    "Connecting........_____....._____\n"
	    "A fatal error occurred: Failed to connect to ESP32: No serial data received.\n"
	    "esptool.py v4.5.1\n"
	    "Connecting....\n"
	    "Chip is ESP32-D0WD-V3 (revision v3.0)\n"
	    "Writing at 0x00010000... (100 %)\n"
	    "Hash of data verified.\n"
	    "Leaving...\n");

	ck_assert_uint_eq(a->summary.runs, 2);
	ck_assert_str_eq(a->class_name, "SUCCESS");
	ck_assert_int_eq(analysis_exit_status(a), ANALYZE_EXIT_SUCCESS);
	analysis_free(a);
}
END_TEST

START_TEST(test_console_wrapped_error)
{
	/* a forum wrapped the error at 60 columns */
	struct analysis *a = run_text(
	    "esptool.py v4.5.1\n"
	    "Chip is ESP32-D0WD-V3 (revision v3.0)\n"
	    "Writing at 0x00024000... (75 %)\n"
	    "A fatal error occurred: Failed to write to target Flash after\n"
	    "seq 5 (result was C100: Bad data checksum)\n");

	ck_assert_str_eq(a->class_name, "BLOCK_REJECTED");
	ck_assert_int_eq(a->where.seq, 5);
	analysis_free(a);
}
END_TEST

START_TEST(test_console_wrapper_partial)
{
	/* PlatformIO paste, cut before any error */
	struct analysis *a = run_text(
	    "Uploading .pio/build/esp32dev/firmware.bin\n"
	    "esptool.py v4.5.1\n"
	    "Serial port /dev/ttyUSB0\n"
	    "Writing at 0x00020000... (40 %)");

	ck_assert_str_eq(a->summary.wrapper, "PlatformIO");
	ck_assert_str_eq(a->class_name, "UNKNOWN");
	ck_assert_int_eq(a->where.percent, 40);
	analysis_free(a);
}
END_TEST

/* ---- traces --------------------------------------------------------- */

#define PY4_SYNC \
	"esptool.py v4.9.1\n" \
	"Connecting...\n" \
	"TRACE +0.000 command op=0x08 data len=36 wait_response=1 timeout=0.100 data=\n" \
	"    0707122055555555 5555555555555555 | ... UUUUUUUUUUUU\n" \
	"    5555555555555555 5555555555555555 | UUUUUUUUUUUUUUUU\n" \
	"    55555555                          | UUUU\n" \
	"TRACE +0.000 Write 46 bytes: \n" \
	"    c000082400000000 0007071220555555 | ...$........ UUU\n" \
	"    5555555555555555 5555555555555555 | UUUUUUUUUUUUUUUU\n" \
	"    5555555555555555 5555555555c0     | UUUUUUUUUUUUU.\n" \
	"TRACE +0.001 Read 1 bytes: c0\n" \
	"TRACE +0.000 Read 13 bytes: 010804000707122000000000c0\n" \
	"TRACE +0.000 Received full packet: 010804000707122000000000\n" \
	"\nDetecting chip type...TRACE +0.000 command op=0x0a data len=4 wait_response=1 " \
	"timeout=3.000 data=00100040\n" \
	"TRACE +0.000 Write 14 bytes: c0000a04000000000000100040c0\n" \
	"TRACE +0.001 Read 1 bytes: c0\n" \
	"TRACE +0.002 Read 13 bytes: 010a0400831df00000000000c0\n"

static void
assert_sync(struct analysis *a, enum analyze_trace_format f)
{
	ck_assert_int_eq(a->input, ANALYZE_IN_TRACE);
	ck_assert_int_eq(a->summary.trace_format, f);
	ck_assert_uint_eq(a->summary.frames_h2d, 2);
	ck_assert_uint_eq(a->summary.frames_d2h, 2);
	ck_assert_str_eq(a->summary.chip, "ESP32");
}

START_TEST(test_trace_py4)
{
	struct analysis *a = run_text(PY4_SYNC);

	assert_sync(a, ANALYZE_TRACE_PY4);
	analysis_free(a);
}
END_TEST

START_TEST(test_trace_py4_crlf_ansi_stamps)
{
	const char *src = PY4_SYNC;
	char *buf = malloc(strlen(src) * 3 + 64), *o = buf;
	struct analysis *a;

	/* every line: a timestamp, colour, CRLF */
	o += sprintf(o, "[12:00:00.000] ");
	for (; *src != '\0'; src++) {
		if (*src == '\n') {
			o += sprintf(o, "\033[0m\r\n[12:00:00.001] ");
			continue;
		}
		*o++ = *src;
	}
	*o = '\0';
	a = run_text(buf);
	assert_sync(a, ANALYZE_TRACE_PY4);
	analysis_free(a);
	free(buf);
}
END_TEST

START_TEST(test_trace_wrapped_dump)
{
	/* a forum wrapped each dump line after the first 8 bytes */
	struct analysis *a = run_text(
	    "TRACE +0.000 Write 46 bytes: \n"
	    "    c000082400000000\n0007071220555555 | ...$........ UUU\n"
	    "    5555555555555555\n5555555555555555 | UUUUUUUUUUUUUUUU\n"
	    "    5555555555555555\n5555555555c0     | UUUUUUUUUUUUU.\n"
	    "TRACE +0.001 Read 14 bytes: c0010804000707122000000000c0\n");

	ck_assert_uint_eq(a->summary.frames_h2d, 1);
	ck_assert_uint_eq(a->summary.frames_d2h, 1);
	analysis_free(a);
}
END_TEST

START_TEST(test_trace_cut_mid_line)
{
	/* the paste ends inside the write's dump: the frame stays open */
	struct analysis *a = run_text(
	    "TRACE +0.000 Write 46 bytes: \n"
	    "    c000082400000000 0007071220555555 | ...$........ UUU\n"
	    "    55555555555555");

	ck_assert_int_eq(a->input, ANALYZE_IN_TRACE);
	ck_assert_uint_eq(a->summary.frames_h2d, 0);
	analysis_free(a);
}
END_TEST

START_TEST(test_trace_py5)
{
	struct analysis *a = run_text(
	    "esptool v5.1.0\n"
	    "  TRACE +0.000   --- Cmd SYNC (0x08) | data_len 36 | wait_response 1 | timeout 0.100 | data \n"
	    "    0707122055555555 5555555555555555 | ... UUUUUUUUUUUU\n"
	    "    5555555555555555 5555555555555555 | UUUUUUUUUUUUUUUU\n"
	    "    55555555                          | UUUU ---\n"
	    "  TRACE +0.000   Write 46 bytes:       \n"
	    "    c000082400000000 0007071220555555 | ...$........ UUU\n"
	    "    5555555555555555 5555555555555555 | UUUUUUUUUUUUUUUU\n"
	    "    5555555555555555 5555555555c0     | UUUUUUUUUUUUU.\n"
	    "  TRACE +0.000   Read 1 bytes:         c0\n"
	    "  TRACE +0.000   Read 13 bytes:        010804000707122000000000c0\n"
	    "  TRACE +0.000   Received full packet: 010804000707122000000000\n");

	ck_assert_int_eq(a->summary.trace_format, ANALYZE_TRACE_PY5);
	ck_assert_uint_eq(a->summary.frames_h2d, 1);
	ck_assert_uint_eq(a->summary.frames_d2h, 1);
	ck_assert_str_eq(a->summary.tool_version, "5.1.0");
	analysis_free(a);
}
END_TEST

START_TEST(test_trace_js_reread)
{
	/* esptool-js dumps its whole buffer, then again what it put back */
	struct analysis *a = run_text(
	    "esptool.js\n"
	    "Connecting...TRACE 5.000 command op:0x08 data len=36 wait_response=1 timeout=0.100 data=\n"
	    "TRACE 5.000 Write 46 bytes: \n"
	    "    c000082400000000 0007071220555555 | ...$........ UUU\n"
	    "    5555555555555555 5555555555555555 | UUUUUUUUUUUUUUUU\n"
	    "    5555555555555555 5555555555c0     | UUUUUUUUUUUUU.\n"
	    "TRACE 10.000 Read 28 bytes: \n"
	    "    c001080400070712 2000000000c0c001 | ........ .......\n"
	    "    0804000707122000 000000c0         | ...... .....\n"
	    "TRACE 10.000 Received full packet: 010804000707122000000000\n"
	    "TRACE 11.000 Read 14 bytes: c0010804000707122000000000c0\n"
	    "TRACE 11.000 Received full packet: 010804000707122000000000\n");

	ck_assert_int_eq(a->summary.trace_format, ANALYZE_TRACE_JS);
	ck_assert_uint_eq(a->summary.frames_h2d, 1);
	ck_assert_uint_eq(a->summary.frames_d2h, 2);	/* not 3 */
	ck_assert_str_eq(a->summary.tool, "esptool-js");
	analysis_free(a);
}
END_TEST

START_TEST(test_trace_two_runs)
{
	char *buf = malloc(2 * strlen(PY4_SYNC) + 1);
	struct analysis *a;

	strcpy(buf, PY4_SYNC);
	strcat(buf, PY4_SYNC);
	a = run_text(buf);
	ck_assert_uint_eq(a->summary.runs, 2);
	ck_assert_uint_eq(a->summary.frames_h2d, 2);	/* the last run's */
	analysis_free(a);
	free(buf);
}
END_TEST

/* ---- detection and captures ------------------------------------------ */

START_TEST(test_detect)
{
	static const uint8_t bin[] = { 0x00, 0x01, 0xfe, 0x80, 0x90, 0x00, 0x12, 0x07 };
	struct analysis *a = NULL;
	char err[256];

	ck_assert_int_eq(analyze_detect(bin, sizeof(bin)), ANALYZE_IN_UNKNOWN);
	ck_assert_int_eq(analyze_buffer(bin, sizeof(bin), "bin", NULL, &a, err, sizeof(err)),
	    ANALYZE_ERR_FORMAT);
	ck_assert_ptr_null(a);
	ck_assert_ptr_nonnull(strstr(err, "bin:"));
	ck_assert_int_eq(analyze_buffer((const uint8_t *)"", 0, "empty", NULL, &a, err,
	    sizeof(err)), ANALYZE_ERR_FORMAT);
	ck_assert_int_eq(analyze_buffer((const uint8_t *)"hello\nworld\n", 12, "txt", NULL, &a,
	    err, sizeof(err)), ANALYZE_ERR_FORMAT);
	ck_assert_int_eq(analyze_detect((const uint8_t *)"TRACE +0.000 Write", 18),
	    ANALYZE_IN_TRACE);
}
END_TEST

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;

	ck_assert_msg(fp != NULL, "%s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

START_TEST(test_capture_whole_and_cut)
{
	size_t len;
	uint8_t *buf = slurp("captures/esptool-v4.9.1-esp32-block-rejected-once.pcap", &len);
	struct analysis *a = NULL;
	char err[512];

	ck_assert_int_eq(analyze_buffer(buf, len, "cap", NULL, &a, err, sizeof(err)), ANALYZE_OK);
	ck_assert_str_eq(a->class_name, "SUCCESS");	/* the tool recovered */
	ck_assert_uint_ge(a->summary.retries, 1);
	ck_assert_ptr_null(a->warnings);
	analysis_free(a);
	/* a proxy killed mid-flash: cut in the middle of a record */
	ck_assert_int_eq(analyze_buffer(buf, len / 2 + 7, "cut", NULL, &a, err, sizeof(err)),
	    ANALYZE_OK);
	ck_assert_ptr_nonnull(a->warnings);
	ck_assert_ptr_nonnull(strstr(a->warnings, "truncated"));
	ck_assert_str_ne(a->class_name, "SUCCESS");
	analysis_free(a);
	free(buf);
}
END_TEST

/* ---- the real client outputs in tests/data ----------------------------- */

START_TEST(test_data_manifest)
{
	FILE *fp = fopen("tests/data/MANIFEST", "r");
	char line[512], path[400], want[64];
	int n = 0;

	ck_assert_msg(fp != NULL, "tests/data/MANIFEST is missing (tools/gen-testdata.sh)");
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct analysis *a = NULL;
		char err[512], full[512];
		size_t i;
		int ok;

		if (line[0] == '#' || sscanf(line, "%399s %63s", path, want) != 2)
			continue;
		snprintf(full, sizeof(full), "tests/data/%s", path);
		ck_assert_msg(analyze_file(full, NULL, &a, err, sizeof(err)) == ANALYZE_OK, "%s", err);
		ok = strcmp(a->class_name, want) == 0;
		/* a console log that cannot tell: the expected class among the alternatives */
		for (i = 0; !ok && a->input == ANALYZE_IN_CONSOLE && i < a->nalternatives; i++)
			ok = strcmp(a->alternatives[i].class_name, want) == 0;
		ck_assert_msg(ok, "%s: %s, expected %s", path, a->class_name, want);
		analysis_free(a);
		n++;
	}
	fclose(fp);
	ck_assert_int_gt(n, 20);
}
END_TEST

static Suite *
analyze_suite(void)
{
	Suite *s = suite_create("analyze");
	TCase *tc = tcase_create("lines");

	tcase_add_loop_test(tc, test_clean_line, 0, sizeof(clean_vectors) / sizeof(clean_vectors[0]));
	tcase_add_loop_test(tc, test_wording, 0, sizeof(word_vectors) / sizeof(word_vectors[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("console");
	tcase_add_test(tc, test_console_write_timeout);
	tcase_add_test(tc, test_console_progress_bar_5x);
	tcase_add_test(tc, test_console_two_runs);
	tcase_add_test(tc, test_console_wrapped_error);
	tcase_add_test(tc, test_console_wrapper_partial);
	suite_add_tcase(s, tc);
	tc = tcase_create("trace");
	tcase_add_test(tc, test_trace_py4);
	tcase_add_test(tc, test_trace_py4_crlf_ansi_stamps);
	tcase_add_test(tc, test_trace_wrapped_dump);
	tcase_add_test(tc, test_trace_cut_mid_line);
	tcase_add_test(tc, test_trace_py5);
	tcase_add_test(tc, test_trace_js_reread);
	tcase_add_test(tc, test_trace_two_runs);
	suite_add_tcase(s, tc);
	tc = tcase_create("inputs");
	tcase_add_test(tc, test_detect);
	tcase_add_test(tc, test_capture_whole_and_cut);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tc = tcase_create("data");
	tcase_add_test(tc, test_data_manifest);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(analyze_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
