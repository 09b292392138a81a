/*
 * capture.h — sliptap's capture file: classic pcap (nanosecond timestamps,
 * link type LINKTYPE_USER0 = 147) whose every record is a small versioned
 * sliptap record header followed by a type-specific body. The byte layout is
 * specified in docs/capture-format.md; docs/sliptap.lua dissects it in
 * Wireshark. src/io/capture.c is the only file that includes <pcap.h>.
 *
 * Record types: FRAME (one SLIP frame, raw wire bytes C0 ... C0 exactly as
 * sent), OUTSIDE (bytes outside any frame: boot log, app output, noise),
 * SLIP_ERROR (bad escape, oversize, truncated frame, with its raw bytes),
 * EVENT (harness events as key=value text) and CHUNK (raw stream bytes with
 * no framing claim, e.g. a passthrough stretch).
 *
 * Directions and stages. Byte-bearing records (FRAME, OUTSIDE, SLIP_ERROR,
 * CHUNK) carry a direction (host->device or device->host) and a stage in
 * their flags:
 *   CAPTURE_STAGE_UNCHANGED  the bytes as sent AND as delivered (no fault
 *                            changed them); recorded once.
 *   CAPTURE_STAGE_ORIGINAL   the bytes as the sender sent them, when a fault
 *                            changed or dropped them (not delivered as is).
 *   CAPTURE_STAGE_DELIVERED  the bytes as forwarded to the receiver after a
 *                            fault (corrupted, truncated, duplicated,
 *                            injected with CAPTURE_F_INJECTED).
 * What side X sent   = concatenation, in file order, of the raw bytes of
 *                      dir X records with stage UNCHANGED or ORIGINAL.
 * What the peer got  = concatenation, in file order, of the raw bytes of
 *                      dir X records with stage UNCHANGED or DELIVERED.
 * (records with CAPTURE_F_ANNOTATION are skipped in both.) So a corrupt
 * fault is ORIGINAL + DELIVERED, a drop is ORIGINAL alone, a duplicate is
 * UNCHANGED + DELIVERED, an injection is DELIVERED|INJECTED alone. Write the
 * ORIGINAL when the bytes arrive and the DELIVERED when they are forwarded,
 * and write the FAULT event (rule, action, what changed) in between.
 *
 * The writer numbers records (seq, from 0), computes each record's stream
 * offset and, for DELIVERED records, the reference to the sent record they
 * derive from: the one given with capture_set_ref, else the latest
 * UNCHANGED/ORIGINAL record of the same direction. Timestamps never go
 * back: a record stamped before its predecessor gets the predecessor's time,
 * so records are in time order.
 *
 * Bytes queued for a receiver and then thrown away (the receiver vanished)
 * are a DISCARDED event in their direction: bytes=N in all, recorded=K of
 * them already counted in the delivered stream (the last K bytes of it are
 * not delivered after all), ref = the ORIGINAL record when one unit was
 * thrown away whole. capture_rebuild_streams applies all this.
 * By default every record is flushed to the kernel when written, so a killed
 * process loses at most the record being written; a writer may turn that
 * off (capture_set_flush) and flush itself: the proxy flushes before its
 * loop sleeps, so a killed proxy loses at most one loop iteration's records.
 */
#ifndef SLIPTAP_CAPTURE_H
#define SLIPTAP_CAPTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "slip.h"

/* pcap link type (LINKTYPE_USER0 / DLT_USER0; Wireshark: wtap_encap USER0). */
#define CAPTURE_LINKTYPE	147
/* pcap snaplen of the files we write; no record is longer. */
#define CAPTURE_SNAPLEN		262144

/* Record header. */
#define CAPTURE_MAGIC		0x53	/* 'S', first byte of every record */
#define CAPTURE_VERSION		1	/* record-header version this code writes and reads */
#define CAPTURE_HDR_LEN		24	/* record header length in version 1 */
#define CAPTURE_BYTES_HDR_LEN	8	/* wire_len + aux before the raw bytes */
#define CAPTURE_EVENT_HDR_LEN	4	/* event code + reserved before the text */
/* Longest raw payload of one record; longer OUTSIDE/CHUNK data is split, longer FRAME/SLIP_ERROR raw is clipped (CAPTURE_F_RAW_PARTIAL). */
#define CAPTURE_MAX_RAW		(CAPTURE_SNAPLEN - CAPTURE_HDR_LEN - CAPTURE_BYTES_HDR_LEN)
/* Longest event text (bytes, no NUL in the file). */
#define CAPTURE_MAX_TEXT	4096
/* "none" value of the ref field. */
#define CAPTURE_REF_NONE	0xFFFFFFFFu

enum capture_type {
	CAPTURE_T_FRAME = 1,
	CAPTURE_T_OUTSIDE = 2,
	CAPTURE_T_SLIP_ERROR = 3,
	CAPTURE_T_EVENT = 4,
	CAPTURE_T_CHUNK = 5,
};

enum capture_dir {
	CAPTURE_DIR_NONE = 0,	/* harness-level (events not tied to a direction) */
	CAPTURE_DIR_H2D = 1,	/* host (flashing tool) -> device */
	CAPTURE_DIR_D2H = 2,	/* device -> host */
};

/* Flags (u16). Bits 0-1: the stage. */
#define CAPTURE_STAGE_MASK	0x0003
#define CAPTURE_STAGE_UNCHANGED	0x0000	/* sent and delivered as recorded */
#define CAPTURE_STAGE_ORIGINAL	0x0001	/* as sent; a fault changed or dropped it */
#define CAPTURE_STAGE_DELIVERED	0x0002	/* as delivered after a fault */
#define CAPTURE_F_INJECTED	0x0004	/* DELIVERED bytes nobody sent (ref = none) */
#define CAPTURE_F_ANNOTATION	0x0008	/* bytes repeat another record's; not part of any stream */
#define CAPTURE_F_RAW_PARTIAL	0x0010	/* fewer raw bytes stored than wire_len (dropped/clipped) */
#define CAPTURE_F_STATUS2	0x0020	/* FRAME response: status field is 2 bytes (stub, ESP8266 ROM) */
#define CAPTURE_F_STATUS4	0x0040	/* FRAME response: status field is 4 bytes (ESP32+ ROM) */
#define CAPTURE_F_STUB		0x0080	/* the flasher stub was running when this was recorded */
/* Flags the writer computes itself and ignores from callers. */
#define CAPTURE_F_WRITER_MASK	(CAPTURE_F_RAW_PARTIAL)

/* SLIP_ERROR kinds (body aux byte 0). */
enum capture_slip_error {
	CAPTURE_SLIP_BAD_ESCAPE = 1,	/* DB + bad_byte; an annotation, the frame goes on */
	CAPTURE_SLIP_OVERSIZE = 2,	/* frame over the limit; raw bytes dropped */
	CAPTURE_SLIP_TRUNCATED = 3,	/* stream ended (port closed) inside a frame */
};

/*
 * Event codes (u16). The text is logfmt: `key=value` fields separated by one
 * space, a value double-quoted (with \" \\ \n \t \xHH escapes) when it is
 * empty or has a space, quote, backslash, '=' or control byte. Keys per
 * code are listed in docs/capture-format.md; unknown keys are allowed.
 */
enum capture_event {
	CAPTURE_EV_START = 1,		/* tool= version= libpcap= seed= mode= cmd= ... */
	CAPTURE_EV_END = 2,		/* records= reason= */
	CAPTURE_EV_PORT_OPEN = 3,	/* side=host|device port= baud= */
	CAPTURE_EV_PORT_CLOSE = 4,	/* side= port= reason= */
	CAPTURE_EV_HANGUP = 5,		/* side= (the peer closed its end) */
	CAPTURE_EV_BAUD = 6,		/* side= baud= from= */
	CAPTURE_EV_LINES = 7,		/* side= dtr=0|1 rts=0|1 */
	CAPTURE_EV_RESET = 8,		/* how= (e.g. classic, usb-jtag, hard) */
	CAPTURE_EV_FAULT = 9,		/* rule= action= op= seq= changed= ref= ... */
	CAPTURE_EV_SESSION = 10,	/* chip= stub= phase= progress= ... (session tracker note) */
	CAPTURE_EV_NOT_TRIGGERED = 11,	/* rule= reason= (rule never fired) */
	CAPTURE_EV_NOTE = 12,		/* text= (free-form note) */
	CAPTURE_EV_ERROR = 13,		/* what= msg= (harness error) */
	CAPTURE_EV_VERDICT = 14,	/* class= reason= (classifier result) */
	CAPTURE_EV_DISCARDED = 15,	/* bytes= recorded= reason= (queued bytes thrown away; ref = their ORIGINAL) */
	CAPTURE_EV_DEVICE_WRITE_BLOCKED = 16,	/* queued= (the device side stopped taking bytes) */
	CAPTURE_EV_DEVICE_WRITE_UNBLOCKED = 17,	/* after_ms= */
	CAPTURE_EV_HOST_WRITE_BLOCKED = 18,	/* queued= (the tool stopped reading) */
	CAPTURE_EV_HOST_WRITE_UNBLOCKED = 19,	/* after_ms= */
};

/* ---- Writer --------------------------------------------------------- */

struct capture;

/*
 * Create (truncate) the capture file `path` ("-" = stdout) and write the pcap
 * global header. Returns NULL and a message naming the file in err (errlen
 * bytes) on failure. Free with capture_close.
 */
struct capture *capture_open(const char *path, char *err, size_t errlen);

/*
 * Flush policy: 1 (default) = fflush after every record, so a killed
 * process loses at most the record in flight; 0 = stdio buffering only
 * (capture_flush/capture_close write it out).
 */
void capture_set_flush(struct capture *c, int every_record);

/*
 * Write one SLIP frame as it was on the wire (C0 ... C0, escapes intact).
 * ts_ns: ns since the Unix epoch. dir: enum capture_dir. flags: a stage plus
 * CAPTURE_F_* bits. Raw longer than CAPTURE_MAX_RAW is clipped (flagged).
 * All capture_write_* return 0, or -1 on a write error (see capture_errmsg;
 * the capture stays usable for capture_close).
 */
int capture_write_frame(struct capture *c, uint64_t ts_ns, int dir, unsigned flags,
    const uint8_t *raw, size_t len);
/* Bytes outside any frame; split into several records beyond CAPTURE_MAX_RAW. */
int capture_write_outside(struct capture *c, uint64_t ts_ns, int dir, unsigned flags,
    const uint8_t *raw, size_t len);
/* Raw stream bytes with no framing claim; split like outside. */
int capture_write_chunk(struct capture *c, uint64_t ts_ns, int dir, unsigned flags,
    const uint8_t *raw, size_t len);
/*
 * A SLIP decoding error: kind is enum capture_slip_error, bad_byte the byte
 * after DB (BAD_ESCAPE, else 0). raw == NULL means `len` stream bytes were
 * not kept (OVERSIZE): stored as wire_len = len with no raw bytes. BAD_ESCAPE
 * records are always flagged CAPTURE_F_ANNOTATION (the FRAME carries the bytes).
 */
int capture_write_slip_error(struct capture *c, uint64_t ts_ns, int dir, unsigned flags,
    int kind, uint8_t bad_byte, const uint8_t *raw, size_t len);
/*
 * Record one slip decoder event (FRAME, OUTSIDE, BAD_ESCAPE, OVERSIZE,
 * TRUNCATED) with the matching record type: the glue for slip_event_cb users.
 */
int capture_write_slip_event(struct capture *c, uint64_t ts_ns, int dir, unsigned flags,
    const struct slip_event *ev);
/*
 * An event: code is enum capture_event (or any u16), text logfmt key=value
 * (see struct capture_kv to build it), clipped at CAPTURE_MAX_TEXT bytes.
 * dir is usually CAPTURE_DIR_NONE; use a direction for faults on a stream.
 */
int capture_write_event(struct capture *c, uint64_t ts_ns, int dir, unsigned code,
    const char *text);
/*
 * A DISCARDED event: `bytes` queued bytes of dir were thrown away (reason,
 * e.g. "client gone"); `recorded` of them had been recorded as delivered
 * already (UNCHANGED); ref: their ORIGINAL record or CAPTURE_REF_NONE.
 */
int capture_write_discarded(struct capture *c, uint64_t ts_ns, int dir, uint64_t bytes,
    uint64_t recorded, uint32_t ref, const char *reason);
/* Same with printf formatting (the caller quotes values that need it). */
int capture_write_eventf(struct capture *c, uint64_t ts_ns, int dir, unsigned code,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/*
 * The START event: "tool=sliptap version=<SLIPTAP_VERSION> libpcap=<...>"
 * followed by `extra` (logfmt, e.g. "mode=proxy seed=42"; may be NULL).
 */
int capture_write_start(struct capture *c, uint64_t ts_ns, const char *extra);

/*
 * The ref of the next DELIVERED byte record or stream event (one-shot):
 * the seq of the ORIGINAL record it derives from.
 */
void capture_set_ref(struct capture *c, uint32_t ref);
/* Sequence number the next record will get (== records written so far). */
uint32_t capture_next_seq(const struct capture *c);
/* Payload bytes (pcap record data) written so far. */
uint64_t capture_bytes(const struct capture *c);
/* Write buffered records out: 0 or -1. */
int capture_flush(struct capture *c);
/* Last write error ("capture.pcap: No space left on device"), or NULL. */
const char *capture_errmsg(const struct capture *c);
/* Flush and close; 0, or -1 if any write failed. NULL is a no-op (returns 0). */
int capture_close(struct capture *c);

/* ---- Event text builder (pure) ------------------------------------- */

struct capture_kv {
	char buf[CAPTURE_MAX_TEXT + 1];	/* NUL-terminated logfmt text */
	size_t len;
	int overflow;			/* a field did not fit and was dropped */
};

/* Empty the builder. */
void capture_kv_init(struct capture_kv *kv);
/* Append key=value (value printf-formatted, quoted/escaped as needed). Fields that do not fit are dropped and set overflow. */
void capture_kv_add(struct capture_kv *kv, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Append an already formatted value string (quoted as needed). */
void capture_kv_adds(struct capture_kv *kv, const char *key, const char *value);

/*
 * Iterate over the fields of logfmt text (pure, for readers). *pos starts at
 * 0. Copies the next key and unescaped value into key/value (NUL-terminated,
 * clipped to their sizes) and returns 1, or 0 at the end. Never fails: junk
 * (a word without '=') comes back as a key with an empty value.
 */
int capture_kv_next(const char *text, size_t len, size_t *pos, char *key, size_t keylen,
    char *value, size_t valuelen);

/* ---- Reader --------------------------------------------------------- */

/* One parsed record; pointers borrow from the reader (or the parse buffer) until the next call. */
struct capture_record {
	uint64_t ts_ns;		/* ns since the Unix epoch (from the pcap record header) */
	uint8_t version;
	uint8_t hdr_len;
	uint8_t type;		/* enum capture_type (unknown types are returned too) */
	uint8_t dir;		/* enum capture_dir */
	uint16_t flags;
	uint32_t seq;
	uint32_t ref;		/* DELIVERED: seq of the sent record it derives from, else CAPTURE_REF_NONE */
	uint64_t offset;	/* stream offset of the first byte (see docs) */
	/* FRAME, OUTSIDE, SLIP_ERROR, CHUNK */
	uint32_t wire_len;	/* stream bytes the record stands for */
	uint32_t decoded_len;	/* FRAME: decoded body length */
	uint8_t slip_error;	/* SLIP_ERROR: enum capture_slip_error */
	uint8_t bad_byte;	/* SLIP_ERROR BAD_ESCAPE: the byte after DB */
	const uint8_t *raw;
	size_t raw_len;
	/* EVENT */
	uint16_t event;		/* enum capture_event */
	const char *text;	/* logfmt, NOT NUL-terminated */
	size_t text_len;
	/* the whole record payload, for hex dumps */
	const uint8_t *bytes;
	size_t len;
};

/* Return codes of capture_record_parse / capture_reader_next. */
#define CAPTURE_ERR_IO		(-1)	/* read error (message from libpcap/stdio) */
#define CAPTURE_ERR_TRUNCATED	(-2)	/* the file ends mid-record (all whole records were returned) */
#define CAPTURE_ERR_MAGIC	(-3)	/* record does not start with CAPTURE_MAGIC */
#define CAPTURE_ERR_VERSION	(-4)	/* unknown record-header version */
#define CAPTURE_ERR_SHORT	(-5)	/* record shorter than its header/body needs */
#define CAPTURE_ERR_BODY	(-6)	/* inconsistent body (bad hdr_len, raw longer than wire_len, ...) */

/*
 * Parse one record payload (pure, never reads past bytes + len, safe on any
 * input). Fills *out (ts_ns left 0; pointers borrow from bytes) and returns
 * 0, or a negative CAPTURE_ERR_*. Unknown record types parse as headers
 * with raw = the body.
 */
int capture_record_parse(const uint8_t *bytes, size_t len, struct capture_record *out);
/* Short description of a CAPTURE_ERR_* code. */
const char *capture_strerror(int err);

struct capture_reader;

/*
 * Open a capture for reading. Rejects (NULL, message naming the file in err)
 * files that are not pcap or not CAPTURE_LINKTYPE. Free with capture_reader_close.
 */
struct capture_reader *capture_reader_open(const char *path, char *err, size_t errlen);
/* Same on an open stream (e.g. fmemopen); takes ownership of fp, even on failure. `name` labels messages. */
struct capture_reader *capture_reader_open_fp(FILE *fp, const char *name, char *err, size_t errlen);
/*
 * Next record: 1 (filled *out, borrowed until the next call), 0 at the clean
 * end, or a negative CAPTURE_ERR_* with capture_reader_error() saying
 * e.g. "x.pcap: capture truncated after 12 records (file ends mid-record)".
 * TRUNCATED, IO and VERSION are final (further calls return them again);
 * after MAGIC/SHORT/BODY (a garbage record) the next call goes on with the
 * following record.
 */
int capture_reader_next(struct capture_reader *r, struct capture_record *out);
/* Message of the last error, naming the file; "" when none. */
const char *capture_reader_error(const struct capture_reader *r);
/* Whole records returned so far (good or bad). */
uint64_t capture_reader_count(const struct capture_reader *r);
/* NULL is a no-op. */
void capture_reader_close(struct capture_reader *r);

/* ---- Rebuilt streams ------------------------------------------------ */

/* The four byte streams a capture describes (docs/capture-format.md §5). */
enum capture_stream {
	CAPTURE_S_HOST_SENT,		/* h2d UNCHANGED + ORIGINAL */
	CAPTURE_S_DEVICE_RECEIVED,	/* h2d UNCHANGED + DELIVERED - DISCARDED */
	CAPTURE_S_DEVICE_SENT,		/* d2h UNCHANGED + ORIGINAL */
	CAPTURE_S_HOST_RECEIVED,	/* d2h UNCHANGED + DELIVERED - DISCARDED */
	CAPTURE_S_COUNT
};

struct capture_streams {
	uint8_t	*data[CAPTURE_S_COUNT];	/* malloc'd (may be NULL when empty) */
	size_t	 len[CAPTURE_S_COUNT];
	size_t	 cap[CAPTURE_S_COUNT];	/* allocated */
	uint64_t records;		/* records read */
	int	 partial;		/* a record had fewer raw bytes than it stands for */
	int	 ended;			/* an END record was seen */
};

/*
 * Read every record of r and rebuild the four streams. Returns 0, or a
 * negative CAPTURE_ERR_* (TRUNCATED: the streams hold what the whole
 * records said) with capture_reader_error() saying why. Free with
 * capture_streams_free, also after an error.
 */
int capture_rebuild_streams(struct capture_reader *r, struct capture_streams *out);
/* Same, one record at a time (start from a zeroed struct). */
void capture_streams_add(struct capture_streams *st, const struct capture_record *rec);
void capture_streams_free(struct capture_streams *st);
/* "host-sent", "device-received", "device-sent", "host-received". */
const char *capture_stream_name(enum capture_stream s);

/* ---- Names (for dump, JSON, tests) ------------------------------------- */

/* "FRAME", "OUTSIDE", ... or NULL. */
const char *capture_type_name(unsigned type);
/* "h2d", "d2h", "none" or NULL. */
const char *capture_dir_name(unsigned dir);
/* "unchanged", "original", "delivered", or "stage3". */
const char *capture_stage_name(unsigned flags);
/* "BAD_ESCAPE", ... or NULL. */
const char *capture_slip_error_name(unsigned kind);
/* "START", "FAULT", ... or NULL. */
const char *capture_event_name(unsigned code);

#endif
