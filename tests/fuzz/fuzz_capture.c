/*
 * fuzz_capture.c — the capture reader on arbitrary bytes: the pure record
 * parser, the logfmt event-text scanner, and whole files through libpcap
 * (fmemopen). An input that does not start with a pcap magic is also read
 * as the record stream of a nanosecond LINKTYPE_USER0 file, so record-level
 * seeds exercise the file path too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned fuzz_sink;

static void
fuzz_touch(const struct capture_record *rec)
{
	char key[64], value[256];
	size_t i, pos = 0;
	unsigned s = rec->type + rec->dir + rec->flags + rec->seq + rec->ref;

	/* Read every borrowed byte so ASan sees any out-of-bounds pointer. */
	for (i = 0; i < rec->raw_len; i++)
		s += rec->raw[i];
	for (i = 0; i < rec->text_len; i++)
		s += (unsigned char)rec->text[i];
	if (rec->type == CAPTURE_T_EVENT)
		while (capture_kv_next(rec->text, rec->text_len, &pos, key, sizeof(key), value,
		    sizeof(value)))
			s += (unsigned)strlen(key) + (unsigned)strlen(value);
	s += capture_stage_name(rec->flags)[0];
	fuzz_sink = s;
}

static void
fuzz_file(const uint8_t *buf, size_t len)
{
	struct capture_reader *r;
	struct capture_record rec;
	char err[512];
	FILE *fp;
	int rc, n = 0;

	if (len == 0 || (fp = fmemopen((void *)buf, len, "rb")) == NULL)
		return;
	if ((r = capture_reader_open_fp(fp, "fuzz", err, sizeof(err))) == NULL)
		return;
	while (n++ < 10000) {
		rc = capture_reader_next(r, &rec);
		if (rc == 1)
			fuzz_touch(&rec);
		else if (rc == 0 || rc == CAPTURE_ERR_TRUNCATED || rc == CAPTURE_ERR_IO ||
		    rc == CAPTURE_ERR_VERSION)
			break;
	}
	fuzz_sink = (unsigned)strlen(capture_reader_error(r));
	capture_reader_close(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t ghdr[24] = {
		0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x00, 0x04, 0x00, CAPTURE_LINKTYPE, 0, 0, 0,
	};
	struct capture_record rec;
	char key[32], value[64];
	size_t pos = 0;
	uint8_t *copy;

	/* An exact-size heap copy, so any overread is caught. */
	copy = xmalloc(size > 0 ? size : 1);
	if (size > 0)
		memcpy(copy, data, size);
	if (capture_record_parse(copy, size, &rec) == 0)
		fuzz_touch(&rec);
	while (capture_kv_next((const char *)copy, size, &pos, key, sizeof(key), value,
	    sizeof(value)))
		;
	if (size >= 4 && (le32(copy) == 0xa1b2c3d4 || le32(copy) == 0xa1b23c4d ||
	    le32(copy) == 0xd4c3b2a1 || le32(copy) == 0x4d3cb2a1))
		fuzz_file(copy, size);
	free(copy);

	copy = xmalloc(sizeof(ghdr) + size);
	memcpy(copy, ghdr, sizeof(ghdr));
	if (size > 0)
		memcpy(copy + sizeof(ghdr), data, size);
	fuzz_file(copy, sizeof(ghdr) + size);
	free(copy);
	return 0;
}
