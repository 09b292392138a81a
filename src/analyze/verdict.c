/*
 * verdict.c — append the VERDICT event (docs/capture-format.md, code 14)
 * to a capture: one pcap record in the file's own byte order and timestamp
 * precision, numbered after the last record, stamped 1 ns after it. A
 * capture that ends mid-record is left alone (appending would hide the cut).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analyze-int.h"

static void
an_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
an_put32(uint8_t *p, uint32_t v)
{
	an_put16(p, (uint16_t)v);
	an_put16(p + 2, (uint16_t)(v >> 16));
}

/* A pcap header field: the file's byte order (host order unless swapped; hosts are little endian). */
static void
an_put32_order(uint8_t *p, uint32_t v, int swap)
{
	if (!swap) {
		memcpy(p, &v, 4);
	} else {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

int
analyze_write_verdict(const char *path, const struct analysis *a, char *err, size_t errlen)
{
	struct capture_reader *r;
	struct capture_record rec;
	struct capture_kv kv;
	uint8_t ghdr[24], rhdr[16], hdr[CAPTURE_HDR_LEN + CAPTURE_EVENT_HDR_LEN];
	uint64_t last_ts = 0, ts;
	uint32_t count = 0, magic, tsfrac;
	int rc, swap, nano;
	FILE *fp;

	if ((r = capture_reader_open(path, err, errlen)) == NULL)
		return -1;
	while ((rc = capture_reader_next(r, &rec)) != 0) {
		if (rc == 1) {
			last_ts = rec.ts_ns;
			count = rec.seq + 1 > count ? rec.seq + 1 : count;
			continue;
		}
		if (rc == CAPTURE_ERR_MAGIC || rc == CAPTURE_ERR_SHORT || rc == CAPTURE_ERR_BODY)
			continue;
		snprintf(err, errlen, "%s; VERDICT not written", capture_reader_error(r));
		capture_reader_close(r);
		return -1;
	}
	if (capture_reader_count(r) > count)
		count = (uint32_t)capture_reader_count(r);
	capture_reader_close(r);

	if ((fp = fopen(path, "r+b")) == NULL || fread(ghdr, 1, sizeof(ghdr), fp) != sizeof(ghdr)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fp != NULL)
			fclose(fp);
		return -1;
	}
	memcpy(&magic, ghdr, 4);
	swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	nano = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;

	capture_kv_init(&kv);
	capture_kv_adds(&kv, "class", a->class_name);
	capture_kv_add(&kv, "confidence", "%d", a->confidence);
	if (a->where.command != NULL)
		capture_kv_adds(&kv, "command", a->where.command);
	if (a->where.seq >= 0)
		capture_kv_add(&kv, "seq", "%lld", (long long)a->where.seq);
	if (a->where.percent >= 0)
		capture_kv_add(&kv, "progress", "%d", a->where.percent);
	if (a->where.record >= 0)
		capture_kv_add(&kv, "record", "%lld", (long long)a->where.record);
	capture_kv_adds(&kv, "reason", a->headline != NULL ? a->headline : "");
	capture_kv_adds(&kv, "by", "sliptap analyze");

	memset(hdr, 0, sizeof(hdr));
	hdr[0] = CAPTURE_MAGIC;
	hdr[1] = CAPTURE_VERSION;
	hdr[2] = CAPTURE_HDR_LEN;
	hdr[3] = CAPTURE_T_EVENT;
	hdr[4] = CAPTURE_DIR_NONE;
	an_put32(hdr + 8, count);
	an_put32(hdr + 12, CAPTURE_REF_NONE);
	an_put16(hdr + CAPTURE_HDR_LEN, CAPTURE_EV_VERDICT);

	ts = last_ts + 1;
	tsfrac = nano ? (uint32_t)(ts % NS_PER_SEC) : (uint32_t)(ts % NS_PER_SEC / 1000u);
	an_put32_order(rhdr, (uint32_t)(ts / NS_PER_SEC), swap);
	an_put32_order(rhdr + 4, tsfrac, swap);
	an_put32_order(rhdr + 8, (uint32_t)(sizeof(hdr) + kv.len), swap);
	an_put32_order(rhdr + 12, (uint32_t)(sizeof(hdr) + kv.len), swap);
	if (fseek(fp, 0, SEEK_END) != 0 || fwrite(rhdr, 1, sizeof(rhdr), fp) != sizeof(rhdr) ||
	    fwrite(hdr, 1, sizeof(hdr), fp) != sizeof(hdr) ||
	    fwrite(kv.buf, 1, kv.len, fp) != kv.len || fclose(fp) != 0) {
		snprintf(err, errlen, "%s: cannot append the VERDICT record: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
