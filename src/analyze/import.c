/*
 * import.c — `sliptap import`: a trace log's rebuilt wire bytes written as
 * a capture, so dump, the Wireshark dissector and analyze read it like any
 * other. The START event says where the records came from (mode=import
 * rebuilt=trace source= format=); each direction goes through its own SLIP
 * decoder so frames, outside bytes and a frame cut off at the end of the
 * log become FRAME, OUTSIDE and SLIP_ERROR records as the proxy writes them.
 * Timestamps are the trace's own clock (seconds since the log began).
 */
#include <stdio.h>
#include <string.h>

#include "analyze-int.h"
#include "util.h"

struct imp {
	struct capture *cap;
	struct slip_decoder *dec[2];
	int dir;
	uint64_t ts;
	int failed;
};

static void
imp_slip_cb(const struct slip_event *ev, void *arg)
{
	struct imp *im = arg;

	if (capture_write_slip_event(im->cap, im->ts, im->dir == 0 ? CAPTURE_DIR_H2D :
	    CAPTURE_DIR_D2H, CAPTURE_STAGE_UNCHANGED, ev) != 0)
		im->failed = 1;
}

static void
imp_wire_cb(int dir, const uint8_t *buf, size_t len, uint64_t ts, void *arg)
{
	struct imp *im = arg;

	im->dir = dir;
	im->ts = ts;
	slip_decoder_feed(im->dec[dir], buf, len);
	if (dir == 1 && !slip_decoder_in_frame(im->dec[1]))
		slip_decoder_flush(im->dec[1]);
}

int
analyze_import(const char *path, const char *out, char *err, size_t errlen)
{
	struct analyzer *an = analyzer_new(NULL);
	struct imp im;
	struct capture_kv kv;
	char warn[256];
	int rc, i;

	memset(&im, 0, sizeof(im));
	if ((im.cap = capture_open(out, err, errlen)) == NULL) {
		analyzer_free(an);
		return -1;
	}
	capture_set_flush(im.cap, 0);
	capture_kv_init(&kv);
	capture_kv_adds(&kv, "mode", "import");
	capture_kv_adds(&kv, "rebuilt", "trace");
	capture_kv_adds(&kv, "source", path);
	if (capture_write_start(im.cap, 0, kv.buf) != 0)
		im.failed = 1;
	for (i = 0; i < 2; i++)
		im.dec[i] = slip_decoder_new(0, imp_slip_cb, &im);
	analyzer_set_wire_cb(an, imp_wire_cb, &im);
	rc = an_stream_file(an, path, warn, sizeof(warn), err, errlen);
	analyzer_text_end(an);
	if (rc == ANALYZE_OK && an->input != ANALYZE_IN_TRACE) {
		snprintf(err, errlen, "%s: not a trace log (%s): import needs esptool or esptool-js "
		    "--trace output with Write/Read dumps", path, an->input == ANALYZE_IN_CAPTURE ?
		    "it is already a capture" : "no TRACE lines");
		rc = -1;
	}
	for (i = 0; i < 2; i++) {
		im.dir = i;
		slip_decoder_finish(im.dec[i]);
		slip_decoder_free(im.dec[i]);
	}
	if (rc == ANALYZE_OK) {
		capture_kv_init(&kv);
		capture_kv_adds(&kv, "reason", "import");
		capture_kv_adds(&kv, "format", analyze_trace_format_name(an->tfmt));
		capture_kv_add(&kv, "rebuilt_records", "%llu", (unsigned long long)an->rebuilt);
		if (capture_write_event(im.cap, an->t_clock, CAPTURE_DIR_NONE, CAPTURE_EV_END,
		    kv.buf) != 0)
			im.failed = 1;
	}
	if (capture_close(im.cap) != 0 || im.failed) {
		if (rc == ANALYZE_OK)
			snprintf(err, errlen, "%s: write error", out);
		rc = -1;
	}
	analyzer_free(an);
	return rc == ANALYZE_OK ? 0 : -1;
}
