/*
 * fuzz_consolelog.c — libFuzzer target for the console-log reader: line
 * cleaning (ANSI escapes, timestamp prefixes, \r redraws), the wording
 * table, progress lines of every esptool version, wrappers, two runs in one
 * paste; through analyze_buffer, so content detection runs too.
 *
 * Invariants checked:
 *  - an_clean_line never grows a line, leaves no ESC or control byte, and
 *    is idempotent;
 *  - analyze_buffer either refuses the input with a message or returns a
 *    well-formed analysis (a known class, confidence 0..100) whose JSON
 *    can be written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/analyze/analyze-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fz_lines(const uint8_t *data, size_t size)
{
	char a[AN_LINE_MAX], b[AN_LINE_MAX];
	size_t start = 0, i;

	for (i = 0; i <= size; i++) {
		size_t n, m, k;

		if (i < size && data[i] != '\n')
			continue;
		n = i - start;
		if (n >= sizeof(a))
			n = sizeof(a) - 1;
		memcpy(a, data + start, n);
		start = i + 1;
		m = an_clean_line(a, n);
		if (m > n || a[m] != '\0')
			abort();
		for (k = 0; k < m; k++)
			if ((unsigned char)a[k] < 0x20)
				abort();
		memcpy(b, a, m + 1);
		if (an_clean_line(b, m) != m || memcmp(a, b, m) != 0)
			abort();
		(void)an_console_class(a, NULL);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct analysis *a = NULL;
	char err[512];
	FILE *null;
	int rc;

	fz_lines(data, size);
	rc = analyze_buffer(data, size, "fuzz", NULL, &a, err, sizeof(err));
	if (rc != ANALYZE_OK) {
		if (a != NULL || err[0] == '\0')
			abort();
		return 0;
	}
	if (a == NULL || !analyze_class_known(a->class_name) || a->confidence < 0 ||
	    a->confidence > 100)
		abort();
	null = fopen("/dev/null", "w");
	if (null != NULL) {
		if (analysis_write_json(a, null) != 0)
			abort();
		fclose(null);
	}
	analysis_free(a);
	return 0;
}
