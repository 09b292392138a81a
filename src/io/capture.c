/*
 * capture.c — the sliptap capture file: writer, reader and record parser
 * (the logfmt event text is in capture-kv.c, the stream rebuild in
 * capture-streams.c). Format: docs/capture-format.md. This is the only file
 * in sliptap that includes <pcap.h>.
 *
 * Writing goes through libpcap's dumper (pcap_open_dead with nanosecond
 * precision, pcap_dump), reading through pcap_open_offline with nanosecond
 * precision. Each record is assembled in one buffer and handed to pcap_dump,
 * then (by default) flushed, so a killed writer leaves whole records plus at
 * most one partial one, which the reader reports as a truncation.
 *
 * Where it deliberately differs from plain libpcap use: a read error whose
 * libpcap message says "truncated dump file" is reported as
 * CAPTURE_ERR_TRUNCATED after all whole records, not as an I/O error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap.h>

#include "capture.h"
#include "units.h"
#include "util.h"

struct capture {
	pcap_t		*pcap;
	pcap_dumper_t	*dumper;
	char		*path;
	int		 flush_each;
	uint32_t	 seq;
	uint64_t	 bytes;
	/* per direction (index = enum capture_dir) */
	uint64_t	 sent_off[3];
	uint64_t	 deliv_off[3];
	uint32_t	 last_sent[3];
	uint32_t	 next_ref;	/* capture_set_ref, CAPTURE_REF_NONE = none */
	uint64_t	 last_ts;
	char		*errmsg;
	uint8_t		 buf[CAPTURE_SNAPLEN];
};

struct capture_reader {
	pcap_t		*pcap;
	char		*name;
	uint64_t	 count;
	int		 final;		/* sticky error code, 0 = none */
	char		 err[PCAP_ERRBUF_SIZE + 512];
};

/* ---- names ---------------------------------------------------------- */

const char *
capture_type_name(unsigned type)
{
	switch (type) {
	case CAPTURE_T_FRAME:		return "FRAME";
	case CAPTURE_T_OUTSIDE:		return "OUTSIDE";
	case CAPTURE_T_SLIP_ERROR:	return "SLIP_ERROR";
	case CAPTURE_T_EVENT:		return "EVENT";
	case CAPTURE_T_CHUNK:		return "CHUNK";
	}
	return NULL;
}

const char *
capture_dir_name(unsigned dir)
{
	switch (dir) {
	case CAPTURE_DIR_NONE:	return "none";
	case CAPTURE_DIR_H2D:	return "h2d";
	case CAPTURE_DIR_D2H:	return "d2h";
	}
	return NULL;
}

const char *
capture_stage_name(unsigned flags)
{
	switch (flags & CAPTURE_STAGE_MASK) {
	case CAPTURE_STAGE_UNCHANGED:	return "unchanged";
	case CAPTURE_STAGE_ORIGINAL:	return "original";
	case CAPTURE_STAGE_DELIVERED:	return "delivered";
	}
	return "stage3";
}

const char *
capture_slip_error_name(unsigned kind)
{
	switch (kind) {
	case CAPTURE_SLIP_BAD_ESCAPE:	return "BAD_ESCAPE";
	case CAPTURE_SLIP_OVERSIZE:	return "OVERSIZE";
	case CAPTURE_SLIP_TRUNCATED:	return "TRUNCATED";
	}
	return NULL;
}

const char *
capture_event_name(unsigned code)
{
	static const char *const names[] = {
		NULL, "START", "END", "PORT_OPEN", "PORT_CLOSE", "HANGUP",
		"BAUD", "LINES", "RESET", "FAULT", "SESSION", "NOT_TRIGGERED",
		"NOTE", "ERROR", "VERDICT", "DISCARDED",
		"DEVICE_WRITE_BLOCKED", "DEVICE_WRITE_UNBLOCKED",
		"HOST_WRITE_BLOCKED", "HOST_WRITE_UNBLOCKED",
	};

	if (code < nitems(names))
		return names[code];
	return NULL;
}

const char *
capture_strerror(int err)
{
	switch (err) {
	case 0:				return "no error";
	case CAPTURE_ERR_IO:		return "read error";
	case CAPTURE_ERR_TRUNCATED:	return "file ends mid-record";
	case CAPTURE_ERR_MAGIC:		return "record does not start with the sliptap magic 0x53";
	case CAPTURE_ERR_VERSION:	return "unknown record-header version";
	case CAPTURE_ERR_SHORT:		return "record too short";
	case CAPTURE_ERR_BODY:		return "inconsistent record body";
	}
	return "unknown error";
}

/* ---- record parser (pure) ------------------------------------------ */

int
capture_record_parse(const uint8_t *bytes, size_t len, struct capture_record *out)
{
	const uint8_t *body;
	size_t blen;
	uint32_t aux;

	memset(out, 0, sizeof(*out));
	out->ref = CAPTURE_REF_NONE;
	out->bytes = bytes;
	out->len = len;
	if (len < 1)
		return CAPTURE_ERR_SHORT;
	if (bytes[0] != CAPTURE_MAGIC)
		return CAPTURE_ERR_MAGIC;
	if (len < 2)
		return CAPTURE_ERR_SHORT;
	out->version = bytes[1];
	if (out->version != CAPTURE_VERSION)
		return CAPTURE_ERR_VERSION;
	if (len < CAPTURE_HDR_LEN)
		return CAPTURE_ERR_SHORT;
	out->hdr_len = bytes[2];
	out->type = bytes[3];
	out->dir = bytes[4];
	out->flags = le16(bytes + 6);
	out->seq = le32(bytes + 8);
	out->ref = le32(bytes + 12);
	out->offset = (uint64_t)le32(bytes + 16) | (uint64_t)le32(bytes + 20) << 32;
	if (out->hdr_len < CAPTURE_HDR_LEN || out->hdr_len > len)
		return CAPTURE_ERR_BODY;
	body = bytes + out->hdr_len;
	blen = len - out->hdr_len;

	switch (out->type) {
	case CAPTURE_T_FRAME:
	case CAPTURE_T_OUTSIDE:
	case CAPTURE_T_SLIP_ERROR:
	case CAPTURE_T_CHUNK:
		if (blen < CAPTURE_BYTES_HDR_LEN)
			return CAPTURE_ERR_SHORT;
		out->wire_len = le32(body);
		aux = le32(body + 4);
		out->raw = body + CAPTURE_BYTES_HDR_LEN;
		out->raw_len = blen - CAPTURE_BYTES_HDR_LEN;
		if (out->type == CAPTURE_T_FRAME)
			out->decoded_len = aux;
		else if (out->type == CAPTURE_T_SLIP_ERROR) {
			out->slip_error = (uint8_t)aux;
			out->bad_byte = (uint8_t)(aux >> 8);
		}
		if (out->raw_len > out->wire_len)
			return CAPTURE_ERR_BODY;
		if (out->raw_len < out->wire_len &&
		    (out->flags & CAPTURE_F_RAW_PARTIAL) == 0)
			return CAPTURE_ERR_BODY;
		break;
	case CAPTURE_T_EVENT:
		if (blen < CAPTURE_EVENT_HDR_LEN)
			return CAPTURE_ERR_SHORT;
		out->event = le16(body);
		out->text = (const char *)body + CAPTURE_EVENT_HDR_LEN;
		out->text_len = blen - CAPTURE_EVENT_HDR_LEN;
		break;
	default:
		/* A newer record type: keep the body for hex dumps. */
		out->raw = body;
		out->raw_len = blen;
		break;
	}
	return 0;
}

/* ---- writer --------------------------------------------------------- */

static void
capture_set_errmsg(struct capture *c, const char *what)
{
	free(c->errmsg);
	xasprintf(&c->errmsg, "%s: %s: %s", c->path, what, strerror(errno));
}

struct capture *
capture_open(const char *path, char *err, size_t errlen)
{
	struct capture *c;
	int i;

	c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	c->flush_each = 1;
	for (i = 0; i < 3; i++)
		c->last_sent[i] = CAPTURE_REF_NONE;
	c->next_ref = CAPTURE_REF_NONE;
	c->pcap = pcap_open_dead_with_tstamp_precision(CAPTURE_LINKTYPE, CAPTURE_SNAPLEN,
	    PCAP_TSTAMP_PRECISION_NANO);
	if (c->pcap == NULL) {
		snprintf(err, errlen, "%s: pcap_open_dead failed", path);
		goto fail;
	}
	if ((c->dumper = pcap_dump_open(c->pcap, path)) == NULL) {
		/* libpcap's message already names the file. */
		snprintf(err, errlen, "%s", pcap_geterr(c->pcap));
		goto fail;
	}
	if (pcap_dump_flush(c->dumper) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	return c;
fail:
	capture_close(c);
	return NULL;
}

void
capture_set_flush(struct capture *c, int every_record)
{
	c->flush_each = every_record;
}

void
capture_set_ref(struct capture *c, uint32_t ref)
{
	c->next_ref = ref;
}

uint32_t
capture_next_seq(const struct capture *c)
{
	return c->seq;
}

uint64_t
capture_bytes(const struct capture *c)
{
	return c->bytes;
}

const char *
capture_errmsg(const struct capture *c)
{
	return c->errmsg;
}

int
capture_flush(struct capture *c)
{
	if (c->dumper == NULL)
		return -1;
	if (pcap_dump_flush(c->dumper) != 0) {
		capture_set_errmsg(c, "write");
		return -1;
	}
	return 0;
}

/*
 * Fill the common header into c->buf and compute seq, ref and offset.
 * `stream_len` is how far the record advances its direction's streams.
 */
static void
capture_put_header(struct capture *c, unsigned type, int dir, unsigned flags,
    uint64_t stream_len)
{
	uint8_t *h = c->buf;
	unsigned d = (dir >= 0 && dir <= 2) ? (unsigned)dir : 0;
	unsigned stage = flags & CAPTURE_STAGE_MASK;
	uint32_t ref = CAPTURE_REF_NONE;
	uint64_t off = 0;
	int bytes_rec = type != CAPTURE_T_EVENT;
	uint32_t given = c->next_ref;

	c->next_ref = CAPTURE_REF_NONE;
	if (d != CAPTURE_DIR_NONE) {
		if (!bytes_rec) {
			/* An event on a stream: where it happened, and the record it concerns. */
			off = c->sent_off[d];
			ref = given != CAPTURE_REF_NONE ? given : c->last_sent[d];
		} else if (flags & CAPTURE_F_ANNOTATION) {
			off = stage == CAPTURE_STAGE_DELIVERED ? c->deliv_off[d] : c->sent_off[d];
		} else if (stage == CAPTURE_STAGE_DELIVERED) {
			off = c->deliv_off[d];
			c->deliv_off[d] += stream_len;
			if ((flags & CAPTURE_F_INJECTED) == 0)
				ref = given != CAPTURE_REF_NONE ? given : c->last_sent[d];
		} else {
			off = c->sent_off[d];
			c->sent_off[d] += stream_len;
			if (stage == CAPTURE_STAGE_UNCHANGED)
				c->deliv_off[d] += stream_len;
			c->last_sent[d] = c->seq;
		}
	}
	h[0] = CAPTURE_MAGIC;
	h[1] = CAPTURE_VERSION;
	h[2] = CAPTURE_HDR_LEN;
	h[3] = (uint8_t)type;
	h[4] = (uint8_t)dir;
	h[5] = 0;
	put_le16(h + 6, (uint16_t)flags);
	put_le32(h + 8, c->seq);
	put_le32(h + 12, ref);
	put_le32(h + 16, (uint32_t)off);
	put_le32(h + 20, (uint32_t)(off >> 32));
}

static int
capture_emit(struct capture *c, uint64_t ts_ns, size_t len)
{
	struct pcap_pkthdr ph;

	if (c->dumper == NULL)
		return -1;
	if (ts_ns < c->last_ts)
		ts_ns = c->last_ts;	/* records stay in time order */
	c->last_ts = ts_ns;
	memset(&ph, 0, sizeof(ph));
	ph.ts.tv_sec = (time_t)(ts_ns / NS_PER_SEC);
	ph.ts.tv_usec = (suseconds_t)(ts_ns % NS_PER_SEC);	/* ns: nano dumper */
	ph.caplen = ph.len = (bpf_u_int32)len;
	pcap_dump((u_char *)c->dumper, &ph, c->buf);
	c->seq++;
	c->bytes += len;
	if (c->flush_each)
		return capture_flush(c);
	if (ferror(pcap_dump_file(c->dumper))) {
		capture_set_errmsg(c, "write");
		return -1;
	}
	return 0;
}

/*
 * The decoded length of a raw SLIP frame, with the core decoder's rules: a
 * bad escape keeps both bytes, a DB before the closing C0 is kept.
 */
static uint32_t
capture_decoded_len(const uint8_t *raw, size_t len)
{
	const uint8_t *p, *end, *db;
	size_t n;

	p = raw;
	end = raw + len;
	if (p < end && *p == SLIP_END)
		p++;
	if (end > p && end[-1] == SLIP_END)
		end--;
	n = (size_t)(end - p);
	/* Only escapes shrink the body: find them with memchr (this is the hot path). */
	while (p < end && (db = memchr(p, SLIP_ESC, (size_t)(end - p))) != NULL) {
		if (db + 1 >= end)
			break;		/* a DB right before the closing C0 is kept */
		if (db[1] == SLIP_ESC_END || db[1] == SLIP_ESC_ESC)
			n--;		/* DB DC / DB DD: one body byte */
		p = db + 2;		/* a bad escape keeps both bytes; the next is not reinterpreted */
	}
	return (uint32_t)n;
}

static int
capture_write_bytes(struct capture *c, uint64_t ts_ns, unsigned type, int dir,
    unsigned flags, uint32_t aux, const uint8_t *raw, size_t len, size_t wire_len)
{
	size_t n = raw == NULL ? 0 : len;

	flags &= ~(unsigned)CAPTURE_F_WRITER_MASK;
	if (n > CAPTURE_MAX_RAW)
		n = CAPTURE_MAX_RAW;
	if (n < wire_len)
		flags |= CAPTURE_F_RAW_PARTIAL;
	capture_put_header(c, type, dir, flags, wire_len);
	put_le32(c->buf + CAPTURE_HDR_LEN, (uint32_t)wire_len);
	put_le32(c->buf + CAPTURE_HDR_LEN + 4, aux);
	if (n > 0)
		memcpy(c->buf + CAPTURE_HDR_LEN + CAPTURE_BYTES_HDR_LEN, raw, n);
	return capture_emit(c, ts_ns, CAPTURE_HDR_LEN + CAPTURE_BYTES_HDR_LEN + n);
}

int
capture_write_frame(struct capture *c, uint64_t ts_ns, int dir, unsigned flags,
    const uint8_t *raw, size_t len)
{
	return capture_write_bytes(c, ts_ns, CAPTURE_T_FRAME, dir, flags,
	    capture_decoded_len(raw, len), raw, len, len);
}

static int
capture_write_split(struct capture *c, uint64_t ts_ns, unsigned type, int dir,
    unsigned flags, const uint8_t *raw, size_t len)
{
	size_t n;
	int rc = 0;

	do {
		n = len > CAPTURE_MAX_RAW ? CAPTURE_MAX_RAW : len;
		if (capture_write_bytes(c, ts_ns, type, dir, flags, 0, raw, n, n) != 0)
			rc = -1;
		raw += n;
		len -= n;
	} while (len > 0);
	return rc;
}

int
capture_write_outside(struct capture *c, uint64_t ts_ns, int dir, unsigned flags,
    const uint8_t *raw, size_t len)
{
	return capture_write_split(c, ts_ns, CAPTURE_T_OUTSIDE, dir, flags, raw, len);
}

int
capture_write_chunk(struct capture *c, uint64_t ts_ns, int dir, unsigned flags,
    const uint8_t *raw, size_t len)
{
	return capture_write_split(c, ts_ns, CAPTURE_T_CHUNK, dir, flags, raw, len);
}

int
capture_write_slip_error(struct capture *c, uint64_t ts_ns, int dir, unsigned flags,
    int kind, uint8_t bad_byte, const uint8_t *raw, size_t len)
{
	if (kind == CAPTURE_SLIP_BAD_ESCAPE)
		flags |= CAPTURE_F_ANNOTATION;
	return capture_write_bytes(c, ts_ns, CAPTURE_T_SLIP_ERROR, dir, flags,
	    (uint32_t)(kind & 0xff) | (uint32_t)bad_byte << 8, raw, len, len);
}

int
capture_write_slip_event(struct capture *c, uint64_t ts_ns, int dir, unsigned flags,
    const struct slip_event *ev)
{
	switch (ev->type) {
	case SLIP_EV_FRAME:
		return capture_write_frame(c, ts_ns, dir, flags, ev->raw, ev->raw_len);
	case SLIP_EV_OUTSIDE:
		return capture_write_outside(c, ts_ns, dir, flags, ev->raw, ev->raw_len);
	case SLIP_EV_BAD_ESCAPE:
		return capture_write_slip_error(c, ts_ns, dir, flags, CAPTURE_SLIP_BAD_ESCAPE,
		    ev->bad_byte, ev->raw, ev->raw_len);
	case SLIP_EV_OVERSIZE:
		return capture_write_slip_error(c, ts_ns, dir, flags, CAPTURE_SLIP_OVERSIZE,
		    0, ev->raw, ev->raw_len);
	case SLIP_EV_TRUNCATED:
		return capture_write_slip_error(c, ts_ns, dir, flags, CAPTURE_SLIP_TRUNCATED,
		    0, ev->raw, ev->raw_len);
	}
	return capture_write_chunk(c, ts_ns, dir, flags, ev->raw, ev->raw_len);
}

int
capture_write_event(struct capture *c, uint64_t ts_ns, int dir, unsigned code,
    const char *text)
{
	size_t n = text == NULL ? 0 : strlen(text);

	if (n > CAPTURE_MAX_TEXT)
		n = CAPTURE_MAX_TEXT;
	capture_put_header(c, CAPTURE_T_EVENT, dir, 0, 0);
	put_le16(c->buf + CAPTURE_HDR_LEN, (uint16_t)code);
	put_le16(c->buf + CAPTURE_HDR_LEN + 2, 0);
	if (n > 0)
		memcpy(c->buf + CAPTURE_HDR_LEN + CAPTURE_EVENT_HDR_LEN, text, n);
	return capture_emit(c, ts_ns, CAPTURE_HDR_LEN + CAPTURE_EVENT_HDR_LEN + n);
}

int
capture_write_discarded(struct capture *c, uint64_t ts_ns, int dir, uint64_t bytes,
    uint64_t recorded, uint32_t ref, const char *reason)
{
	struct capture_kv kv;
	unsigned d = (dir >= 1 && dir <= 2) ? (unsigned)dir : 0;

	capture_kv_init(&kv);
	capture_kv_add(&kv, "bytes", "%llu", (unsigned long long)bytes);
	capture_kv_add(&kv, "recorded", "%llu", (unsigned long long)recorded);
	capture_kv_adds(&kv, "reason", reason);
	if (d != 0)
		c->deliv_off[d] -= recorded <= c->deliv_off[d] ? recorded : c->deliv_off[d];
	c->next_ref = ref;
	return capture_write_event(c, ts_ns, dir, CAPTURE_EV_DISCARDED, kv.buf);
}

int
capture_write_eventf(struct capture *c, uint64_t ts_ns, int dir, unsigned code,
    const char *fmt, ...)
{
	char text[CAPTURE_MAX_TEXT + 1];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return capture_write_event(c, ts_ns, dir, code, text);
}

int
capture_write_start(struct capture *c, uint64_t ts_ns, const char *extra)
{
	struct capture_kv kv;
	char *text;
	int rc;

	capture_kv_init(&kv);
	capture_kv_adds(&kv, "tool", "sliptap");
	capture_kv_adds(&kv, "version", SLIPTAP_VERSION);
	capture_kv_adds(&kv, "format", "1");
	capture_kv_adds(&kv, "libpcap", pcap_lib_version());
	if (extra != NULL && *extra != '\0') {
		xasprintf(&text, "%s %s", kv.buf, extra);
		rc = capture_write_event(c, ts_ns, CAPTURE_DIR_NONE, CAPTURE_EV_START, text);
		free(text);
		return rc;
	}
	return capture_write_event(c, ts_ns, CAPTURE_DIR_NONE, CAPTURE_EV_START, kv.buf);
}

int
capture_close(struct capture *c)
{
	int rc = 0;

	if (c == NULL)
		return 0;
	if (c->dumper != NULL) {
		if (pcap_dump_flush(c->dumper) != 0 || ferror(pcap_dump_file(c->dumper))) {
			capture_set_errmsg(c, "write");
			rc = -1;
		}
		pcap_dump_close(c->dumper);	/* fclose; its error is not reported by libpcap */
	}
	if (c->errmsg != NULL)
		rc = -1;
	if (c->pcap != NULL)
		pcap_close(c->pcap);
	free(c->errmsg);
	free(c->path);
	free(c);
	return rc;
}

/* ---- reader --------------------------------------------------------- */

static struct capture_reader *
capture_reader_check(struct capture_reader *r, char *err, size_t errlen)
{
	int dlt = pcap_datalink(r->pcap);
	const char *dname;

	if (dlt != CAPTURE_LINKTYPE) {
		dname = pcap_datalink_val_to_name(dlt);
		snprintf(err, errlen, "%s: not a sliptap capture: link type %d (%s),"
		    " expected %d (USER0)", r->name, dlt, dname != NULL ? dname : "unknown",
		    CAPTURE_LINKTYPE);
		capture_reader_close(r);
		return NULL;
	}
	return r;
}

struct capture_reader *
capture_reader_open(const char *path, char *err, size_t errlen)
{
	struct capture_reader *r;
	char ebuf[PCAP_ERRBUF_SIZE];

	ebuf[0] = '\0';
	r = xcalloc(1, sizeof(*r));
	r->name = xstrdup(path);
	r->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (r->pcap == NULL) {
		if (strstr(ebuf, path) != NULL)
			snprintf(err, errlen, "%s", ebuf);
		else
			snprintf(err, errlen, "%s: %s", path, ebuf);
		capture_reader_close(r);
		return NULL;
	}
	return capture_reader_check(r, err, errlen);
}

struct capture_reader *
capture_reader_open_fp(FILE *fp, const char *name, char *err, size_t errlen)
{
	struct capture_reader *r;
	char ebuf[PCAP_ERRBUF_SIZE];

	ebuf[0] = '\0';
	r = xcalloc(1, sizeof(*r));
	r->name = xstrdup(name);
	r->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (r->pcap == NULL) {
		fclose(fp);	/* libpcap only owns it on success */
		snprintf(err, errlen, "%s: %s", name, ebuf);
		capture_reader_close(r);
		return NULL;
	}
	return capture_reader_check(r, err, errlen);
}

int
capture_reader_next(struct capture_reader *r, struct capture_record *out)
{
	struct pcap_pkthdr *ph;
	const u_char *data;
	const char *perr;
	uint64_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (r->final != 0)
		return r->final;
	r->err[0] = '\0';
	rc = pcap_next_ex(r->pcap, &ph, &data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		perr = pcap_geterr(r->pcap);
		if (strstr(perr, "truncated") != NULL) {
			snprintf(r->err, sizeof(r->err), "%s: capture truncated after %llu"
			    " records (file ends mid-record)", r->name,
			    (unsigned long long)r->count);
			r->final = CAPTURE_ERR_TRUNCATED;
		} else {
			snprintf(r->err, sizeof(r->err), "%s: after %llu records: %s",
			    r->name, (unsigned long long)r->count, perr);
			r->final = CAPTURE_ERR_IO;
		}
		return r->final;
	}
	n = r->count++;
	rc = capture_record_parse(data, ph->caplen, out);
	/* The file holds u32 seconds; libpcap sign-extends them (2038): undo that. */
	out->ts_ns = (uint64_t)(uint32_t)ph->ts.tv_sec * NS_PER_SEC + (uint64_t)ph->ts.tv_usec;
	switch (rc) {
	case 0:
		return 1;
	case CAPTURE_ERR_VERSION:
		snprintf(r->err, sizeof(r->err), "%s: record %llu: unknown record-header"
		    " version %u (this sliptap reads version %d; a newer sliptap wrote it?)",
		    r->name, (unsigned long long)n, out->version, CAPTURE_VERSION);
		r->final = rc;
		return rc;
	default:
		snprintf(r->err, sizeof(r->err), "%s: record %llu (%u bytes): %s", r->name,
		    (unsigned long long)n, ph->caplen, capture_strerror(rc));
		return rc;
	}
}

const char *
capture_reader_error(const struct capture_reader *r)
{
	return r->err;
}

uint64_t
capture_reader_count(const struct capture_reader *r)
{
	return r->count;
}

void
capture_reader_close(struct capture_reader *r)
{
	if (r == NULL)
		return;
	if (r->pcap != NULL)
		pcap_close(r->pcap);
	free(r->name);
	free(r);
}
