/*
 * file.c — analyze_file / analyze_buffer: detect the input by content and
 * stream it through the analyzer. Captures are read record by record
 * through capture.h (a cut-off capture gives every whole record and a
 * warning); text is read in fixed-size chunks. Memory stays flat.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze-int.h"
#include "util.h"

#define AN_CHUNK	(256 * 1024)

enum analyze_input
analyze_detect(const uint8_t *buf, size_t len)
{
	size_t i, text = 0;

	if (len >= 4) {
		uint32_t m = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
		    (uint32_t)buf[2] << 8 | buf[3];

		if (m == 0xa1b2c3d4 || m == 0xd4c3b2a1 || m == 0xa1b23c4d || m == 0x4d3cb2a1)
			return ANALYZE_IN_CAPTURE;
	}
	for (i = 0; i < len; i++) {
		uint8_t c = buf[i];

		if (c == '\n' || c == '\r' || c == '\t' || c == 0x1b || (c >= 0x20 && c != 0x7f))
			text++;
	}
	if (len == 0 || text * 100 < len * 95)
		return ANALYZE_IN_UNKNOWN;
	/* a trace is a text with TRACE stamps */
	for (i = 0; i + 7 < len; i++) {
		if (buf[i] == 'T' && memcmp(buf + i, "TRACE ", 6) == 0 &&
		    (buf[i + 6] == '+' || (buf[i + 6] >= '0' && buf[i + 6] <= '9')))
			return ANALYZE_IN_TRACE;
	}
	return ANALYZE_IN_CONSOLE;
}

/* The result, or a format error when nothing in a text was recognised. */
static int
an_finish(struct analyzer *an, const char *name, struct analysis **out, char *err,
    size_t errlen, const char *warning)
{
	int text = an->input == ANALYZE_IN_CONSOLE || an->input == ANALYZE_IN_TRACE;

	analyzer_text_end(an);
	if (text && !an->w.seen && !an->c.seen && !an->c.error.set && !an->c.connecting &&
	    an->sum.tool == NULL) {
		snprintf(err, errlen, "%s: not a sliptap capture, an esptool trace or an esptool "
		    "console log (no line of esptool, esptool-js or their wrappers found)", name);
		return ANALYZE_ERR_FORMAT;
	}
	*out = analyzer_finish(an, name);
	if (warning != NULL && *warning != '\0')
		(*out)->warnings = xstrdup(warning);
	return ANALYZE_OK;
}

static int
an_capture_stream(struct analyzer *an, struct capture_reader *r, char *warn, size_t warnlen,
    char *err, size_t errlen)
{
	struct capture_record rec;
	int rc;

	an->input = ANALYZE_IN_CAPTURE;
	while ((rc = capture_reader_next(r, &rec)) != 0) {
		if (rc == 1) {
			analyzer_record(an, &rec);
			continue;
		}
		if (rc == CAPTURE_ERR_MAGIC || rc == CAPTURE_ERR_SHORT || rc == CAPTURE_ERR_BODY) {
			if (warn[0] == '\0')
				snprintf(warn, warnlen, "%s", capture_reader_error(r));
			continue;
		}
		snprintf(warn, warnlen, "%s", capture_reader_error(r));
		if (rc == CAPTURE_ERR_VERSION || (rc == CAPTURE_ERR_IO && an->sum.records == 0)) {
			snprintf(err, errlen, "%s", capture_reader_error(r));
			return ANALYZE_ERR_FORMAT;
		}
		break;
	}
	return ANALYZE_OK;
}

int
analyze_buffer(const uint8_t *buf, size_t len, const char *name,
    const struct analyze_opts *opts, struct analysis **out, char *err, size_t errlen)
{
	struct analyzer *an;
	enum analyze_input in = analyze_detect(buf, len < 65536 ? len : 65536);
	int rc;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (in == ANALYZE_IN_UNKNOWN) {
		snprintf(err, errlen, "%s: %s", name, len == 0 ? "empty file" :
		    "not a sliptap capture, an esptool trace or a console log (binary data)");
		return ANALYZE_ERR_FORMAT;
	}
	an = analyzer_new(opts);
	if (in == ANALYZE_IN_CAPTURE) {
		FILE *fp = fmemopen((void *)(uintptr_t)buf, len, "rb");
		struct capture_reader *r;

		if (fp == NULL) {
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
			analyzer_free(an);
			return ANALYZE_ERR_IO;
		}
		r = capture_reader_open_fp(fp, name, err, errlen);
		if (r == NULL) {
			analyzer_free(an);
			return ANALYZE_ERR_FORMAT;
		}
		char warn[512] = "";

		rc = an_capture_stream(an, r, warn, sizeof(warn), err, errlen);
		capture_reader_close(r);
		if (rc == ANALYZE_OK)
			rc = an_finish(an, name, out, err, errlen, warn);
	} else {
		analyzer_text(an, buf, len);
		rc = an_finish(an, name, out, err, errlen, NULL);
	}
	analyzer_free(an);
	return rc;
}

int
an_stream_file(struct analyzer *an, const char *path, char *warn, size_t warnlen,
    char *err, size_t errlen)
{
	enum analyze_input in;
	uint8_t *buf;
	size_t n;
	FILE *fp;
	int rc = ANALYZE_OK;

	if (warnlen > 0)
		warn[0] = '\0';
	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ANALYZE_ERR_IO;
	}
	buf = xmalloc(AN_CHUNK);
	n = fread(buf, 1, AN_CHUNK, fp);
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(fp);
		free(buf);
		return ANALYZE_ERR_IO;
	}
	in = analyze_detect(buf, n < 65536 ? n : 65536);
	if (in == ANALYZE_IN_UNKNOWN) {
		snprintf(err, errlen, "%s: %s", path, n == 0 ? "empty file" :
		    "not a sliptap capture, an esptool trace or a console log (binary data)");
		fclose(fp);
		free(buf);
		return ANALYZE_ERR_FORMAT;
	}
	if (in == ANALYZE_IN_CAPTURE) {
		struct capture_reader *r;

		fclose(fp);
		free(buf);
		if ((r = capture_reader_open(path, err, errlen)) == NULL)
			return ANALYZE_ERR_FORMAT;
		rc = an_capture_stream(an, r, warn, warnlen, err, errlen);
		capture_reader_close(r);
		return rc;
	}
	while (n > 0) {
		analyzer_text(an, buf, n);
		n = fread(buf, 1, AN_CHUNK, fp);
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = ANALYZE_ERR_IO;
	}
	fclose(fp);
	free(buf);
	return rc;
}

int
analyze_file(const char *path, const struct analyze_opts *opts, struct analysis **out,
    char *err, size_t errlen)
{
	struct analyzer *an;
	char warn[512];
	int rc;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	an = analyzer_new(opts);
	rc = an_stream_file(an, path, warn, sizeof(warn), err, errlen);
	if (rc == ANALYZE_OK)
		rc = an_finish(an, path, out, err, errlen, warn);
	analyzer_free(an);
	return rc;
}
