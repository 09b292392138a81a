/*
 * fuzz_tracelog.c — libFuzzer target for the trace-log reader (esptool
 * 2.x-4.x, 5.x and esptool-js --trace output): lines, TRACE stamps, hex
 * dumps inline and over several lines, the esptool-js read-buffer replay,
 * then the rebuilt bytes through the SLIP decoder, the session tracker and
 * the classifier.
 *
 * Input layout: byte 0 seeds the chunk sizes, the rest is the log.
 * Invariants checked:
 *  - feeding in input-derived chunks gives the same class, where and frame
 *    counts as one feed (the reader is a streaming parser);
 *  - the result is well formed: a known class, confidence 0..100, evidence
 *    and advice strings present, the text and JSON reports can be written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/analyze/analyze-int.h"

static struct analysis *
fz_run(const uint8_t *buf, size_t len, unsigned seed)
{
	struct analyzer *an = analyzer_new(NULL);
	struct analysis *a;
	size_t off = 0;

	while (off < len) {
		size_t n = seed ? 1 + (seed * 7 + off) % 97 : len - off;

		if (n > len - off)
			n = len - off;
		analyzer_text(an, buf + off, n);
		off += n;
	}
	a = analyzer_finish(an, "fuzz");
	analyzer_free(an);
	return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct analysis *a, *b;
	FILE *null;
	size_t i;

	if (size < 1)
		return 0;
	a = fz_run(data + 1, size - 1, 0);
	b = fz_run(data + 1, size - 1, data[0] | 1);
	if (strcmp(a->class_name, b->class_name) != 0 || a->where.seq != b->where.seq ||
	    a->summary.frames_h2d != b->summary.frames_h2d ||
	    a->summary.frames_d2h != b->summary.frames_d2h)
		abort();
	if (!analyze_class_known(a->class_name) || a->confidence < 0 || a->confidence > 100)
		abort();
	for (i = 0; i < a->nevidence; i++)
		if (a->evidence[i].text == NULL)
			abort();
	null = fopen("/dev/null", "w");
	if (null != NULL) {
		analysis_print_text(a, null);
		if (analysis_write_json(a, null) != 0)
			abort();
		fclose(null);
	}
	analysis_free(a);
	analysis_free(b);
	return 0;
}
