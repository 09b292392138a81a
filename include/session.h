/*
 * session.h — the flashing-session tracker. Pure: decoded frames, outside
 * text and harness events go in, in stream order, each with a timestamp
 * (uint64_t nanoseconds, any epoch, passed in by the caller); events come
 * out through one callback and the current state can be read at any time.
 *
 * It follows what esptool and esptool-js do: phase (connecting, synced,
 * stub running, flashing, verifying, done), chip (READ_REG of the magic
 * register 0x40001000 or GET_SECURITY_INFO's chip id), status length (4 for
 * ESP32+ ROMs, 2 for the stub and the ESP8266 ROM), baud (CHANGE_BAUDRATE,
 * effective after its ack), flash regions and the progress line esptool
 * prints before each block ("Writing at 0x00077c00... (93 %)", and 5.x's bar
 * with byte counts), which flasher stub was uploaded (legacy or
 * esp-flasher-stub, from the image's text segment), the ROM's answer to an
 * op it does not know (the previous reply's header with 01 05), command /
 * response pairing with latency, and anomalies (orphan responses, error
 * status, retransmissions, missing replies, garbage frames).
 */
#ifndef SLIPTAP_SESSION_H
#define SLIPTAP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "esp.h"
#include "slip.h"

enum session_phase {
	SESSION_PHASE_CONNECTING,	/* before any SYNC reply */
	SESSION_PHASE_SYNCED,		/* the ROM loader answers */
	SESSION_PHASE_STUB_RUNNING,	/* after "OHAI" (or a stub answering SYNC) */
	SESSION_PHASE_FLASHING,		/* inside a FLASH_BEGIN / FLASH_DEFL_BEGIN region */
	SESSION_PHASE_VERIFYING,	/* SPI_FLASH_MD5 / READ_FLASH(_SLOW) */
	SESSION_PHASE_DONE,		/* FLASH_END / FLASH_DEFL_END, or a reset after flashing */
};

enum session_event_type {
	SESSION_EV_PHASE,	/* phase changed: ev->phase */
	SESSION_EV_CHIP,	/* chip detected: ev->chip */
	SESSION_EV_BAUD,	/* baud changed: ev->baud */
	SESSION_EV_REGION_BEGIN,/* FLASH_(DEFL_)BEGIN with blocks: ev->region */
	SESSION_EV_PROGRESS,	/* a new data block: ev->seq, ev->percent, ev->address; text = esptool's line */
	SESSION_EV_REGION_END,	/* the last block of the region was acked */
	SESSION_EV_COMMAND,	/* a command was sent: ev->op (seq for *_DATA) */
	SESSION_EV_COMMAND_DONE,/* its response: ev->op, status, error, latency_ns */
	SESSION_EV_ANOMALY,	/* ev->anomaly, text says what */
	SESSION_EV_STUB_START,	/* the stub said "OHAI" */
	SESSION_EV_NOTE,	/* anything else worth a log line (boot log, READ_FLASH end, ...) */
};

enum session_anomaly {
	SESSION_AN_NONE,
	SESSION_AN_ORPHAN_RESPONSE,	/* a response no pending command matches */
	SESSION_AN_ERROR_STATUS,	/* a response with a failure status (ev->error named) */
	SESSION_AN_RETRANSMIT,		/* a *_DATA seq sent again (ev->seq) */
	SESSION_AN_SEQ_GAP,		/* a *_DATA seq skipped ahead or beyond num_blocks */
	SESSION_AN_MISSING_REPLY,	/* superseded by the next command without a response */
	SESSION_AN_TIMEOUT,		/* no response within the timeout (session_tick) */
	SESSION_AN_GARBAGE,		/* a frame that is not a packet (and not OHAI / READ_FLASH data) */
	SESSION_AN_BAD_CHECKSUM,	/* a *_DATA command whose checksum does not match its payload */
	SESSION_AN_BAD_LENGTH,		/* a *_DATA sub-header size that disagrees with the payload */
	SESSION_AN_SLIP,		/* a SLIP-level error (bad escape, oversize, truncated) */
	SESSION_AN_INFLATE,		/* FLASH_DEFL_DATA that does not inflate (addresses now estimated) */
};

/* A flash region, as announced by FLASH_BEGIN / FLASH_DEFL_BEGIN. */
struct session_region {
	int		 active;	/* blocks still expected */
	int		 compressed;	/* FLASH_DEFL_BEGIN */
	uint32_t	 offset;	/* flash address */
	uint32_t	 erase_size;	/* first word: uncompressed size (stub DEFL), rounded (ROM DEFL) or erase size */
	uint32_t	 num_blocks;
	uint32_t	 block_size;
	uint32_t	 seq;		/* seq of the latest new block sent */
	uint32_t	 blocks_sent;	/* distinct blocks sent */
	uint32_t	 blocks_acked;	/* blocks acked with status 0 */
	int		 percent;	/* esptool's percent for `seq`: 100 * (seq + 1) / num_blocks */
	uint32_t	 address;	/* the address esptool printed for `seq` */
	uint64_t	 bytes_sent;	/* payload bytes on the wire (compressed for DEFL) */
	uint64_t	 bytes_written;	/* uncompressed bytes of the blocks sent (padded for FLASH_DATA) */
	int		 inflate_ok;	/* DEFL: the inflate follows the stream, so address is exact */
	/* esptool 5.x's progress bar: "<bytes_before>/<bytes_total> bytes" */
	uint64_t	 bytes_before;	/* payload bytes sent before the latest block */
	uint64_t	 bytes_total;	/* image size: exact uncompressed; DEFL: blocks x size until the last */
	int		 total_exact;	/* DEFL: the last block was seen, bytes_total is exact */
};

/* The current state; valid until the next call into the tracker. */
struct session_state {
	enum session_phase phase;
	int		 error;		/* an error status, timeout or missing reply was seen */
	int		 stub;		/* the flasher stub runs */
	int		 stub_kind;	/* enum session_stub: which one (from the upload seen) */
	const char	*chip;		/* "ESP32-S3", ... or NULL while unknown */
	int		 status_len;	/* 2 or 4; 0 while unknown */
	uint32_t	 baud;		/* current baud (initial one until CHANGE_BAUDRATE is acked) */
	int		 have_last_op;
	uint8_t		 last_op;	/* op of the latest command */
	uint64_t	 last_command_ts;
	struct session_region region;	/* the current (or latest) flash region */
	unsigned	 regions;	/* regions begun so far */
	unsigned	 regions_done;	/* regions whose every block was acked */
	unsigned	 pending;	/* commands waiting for a response */
	uint64_t	 commands, responses, anomalies;
	/* READ_FLASH (stub): raw data frames and host acks, not packets. */
	int		 reading;
	uint32_t	 read_offset, read_length;
	uint64_t	 read_bytes;
	uint32_t	 read_blocks, read_acks;
};

struct session_event {
	enum session_event_type type;
	uint64_t	 ts;		/* timestamp of the input that caused it */
	enum link_dir dir;
	enum session_phase phase;	/* PHASE: the new phase (also set on every event) */
	enum session_anomaly anomaly;	/* ANOMALY */
	uint8_t		 op;		/* COMMAND, COMMAND_DONE, ANOMALY (0 when none) */
	uint8_t		 status;	/* COMMAND_DONE, ANOMALY(ERROR_STATUS) */
	uint8_t		 error;		/* ditto: error code, esp_error_name() names it */
	uint64_t	 latency_ns;	/* COMMAND_DONE: response ts - command ts */
	uint32_t	 value;		/* COMMAND_DONE: the response's value word */
	uint32_t	 seq;		/* PROGRESS, COMMAND (*_DATA), RETRANSMIT, SEQ_GAP */
	int		 percent;	/* PROGRESS */
	uint32_t	 address;	/* PROGRESS: address printed */
	uint64_t	 bytes_sent;	/* PROGRESS: esptool 5.x's byte count before the block */
	uint64_t	 bytes_total;	/* PROGRESS: and its total */
	uint32_t	 baud;		/* BAUD */
	const char	*chip;		/* CHIP */
	const struct session_region *region;	/* REGION_BEGIN, PROGRESS, REGION_END */
	const char	*text;		/* human-readable, one line, no newline; valid during the callback */
};

/* Called synchronously from the feeding call; it must not feed the tracker again. */
typedef void (*session_event_cb)(const struct session_event *ev, void *arg);

/* Harness events: things the proxy / simulator knows that are not bytes. */
enum session_harness {
	SESSION_HARNESS_PORT_OPEN,	/* the client (re)opened the port; arg unused */
	SESSION_HARNESS_PORT_CLOSE,	/* the client closed the port */
	SESSION_HARNESS_RESET,		/* the chip was reset (EN pulse, hard reset); stub lost */
	SESSION_HARNESS_BOOTLOADER,	/* the chip was reset into download mode */
	SESSION_HARNESS_BAUD,		/* the line speed changed to arg (e.g. pty termios) */
};

struct session;

/* A tracker at `initial_baud`; cb may be NULL. Free with session_free. */
struct session *session_new(uint32_t initial_baud, session_event_cb cb, void *arg);
void session_free(struct session *s);	/* NULL is a no-op */
/*
 * Response timeout for session_tick in ns (default 3 s, esptool's
 * DEFAULT_TIMEOUT; 0 disables). Long operations get esptool's per-MB
 * allowance on top (erase 30 s/MB, MD5 8 s/MB, ERASE_FLASH 120 s).
 */
void session_set_timeout(struct session *s, uint64_t timeout_ns);

/*
 * A decoded SLIP frame body. Parses it itself: packets, the stub's "OHAI",
 * READ_FLASH data blocks / acks; anything else is a GARBAGE anomaly.
 */
void session_frame(struct session *s, enum link_dir dir, const uint8_t *body, size_t len,
    uint64_t now);
/* An already parsed packet (esp_packet_parse returned 0). */
void session_packet(struct session *s, enum link_dir dir, const struct esp_packet *p,
    uint64_t now);
/* Bytes outside frames (boot log, app output). Scans device text for boot-log lines. */
void session_outside(struct session *s, enum link_dir dir, const uint8_t *buf, size_t len,
    uint64_t now);
/* Convenience: forward any slip_event (FRAME, OUTSIDE, and errors as SLIP anomalies). */
void session_slip_event(struct session *s, enum link_dir dir, const struct slip_event *ev,
    uint64_t now);
/* A harness event; `arg` is the baud for SESSION_HARNESS_BAUD. */
void session_harness(struct session *s, enum session_harness what, uint32_t arg, uint64_t now);
/* Check pending commands against the timeout at time `now` (TIMEOUT anomalies). */
void session_tick(struct session *s, uint64_t now);

/* The current state (borrowed; valid until the next call that feeds the tracker). */
const struct session_state *session_state(const struct session *s);
/*
 * The line esptool printed before the latest block, "Writing at 0x%08x... (%d %%)",
 * into buf (always NUL-terminated when size > 0). Returns its length, or -1 (and "")
 * when no block has been sent yet.
 */
int session_progress_line(const struct session *s, char *buf, size_t size);

/*
 * The line esptool 5.x prints before the latest block, its progress bar:
 * "Writing at 0x00010000 [=>      ...]   8.0% 16384/204800 bytes..." (bar of
 * 30, percent of bytes sent before the block). For a compressed region the
 * total is num_blocks x block_size until the last block shows the exact
 * compressed size. Same return as session_progress_line.
 */
int session_progress_line_v5(const struct session *s, char *buf, size_t size);
int session_format_progress_v5(char *buf, size_t size, uint32_t address, uint64_t sent,
    uint64_t total);

/* esptool's percent for a block: esp_progress_percent() in esp.h. */
/* Format esptool's progress line for address and percent; returns snprintf's result. */
int session_format_progress(char *buf, size_t size, uint32_t address, int percent);

const char *session_phase_name(enum session_phase p);	/* "connecting", ... */
const char *session_event_name(enum session_event_type t);	/* "phase", ... */
const char *session_anomaly_name(enum session_anomaly a);	/* "orphan-response", ... */
/* Chip name for a magic value read from 0x40001000, or NULL. */
const char *session_chip_by_magic(uint32_t magic);
/* Chip name for GET_SECURITY_INFO's chip id (esptool's IMAGE_CHIP_ID), or NULL. */
const char *session_chip_by_id(uint32_t chip_id);

/* The flasher stub a client uploaded. */
enum session_stub {
	SESSION_STUB_NONE,	/* none seen (ROM loader, or a stub already running) */
	SESSION_STUB_LEGACY,	/* esptool's legacy stub ("v1"; esptool <= 5.2, --stub-version 1) */
	SESSION_STUB_FLASHER,	/* esp-flasher-stub ("v2"; esptool >= 5.3, esptool-js >= 0.6) */
};
/*
 * Which stub an uploaded image is, from its text segment (the one holding the
 * entry point): esp-flasher-stub's text is over 5 KiB with the entry at least
 * 0xD00 into it (0xE92..0x1524 in the released images), the legacy stub's entry
 * at most 0xC94 in; on the ESP8266 (text in IRAM at 0x4010xxxx) the legacy text
 * is about 8 KiB and esp-flasher-stub's over 10 KiB. Pure.
 */
enum session_stub session_stub_kind(uint32_t text_start, uint32_t text_len, uint32_t entry);
const char *session_stub_name(enum session_stub k);	/* "legacy", "esp-flasher-stub", "none" */

#define SESSION_MAGIC_REG	0x40001000	/* esptool's CHIP_DETECT_MAGIC_REG_ADDR */

#endif
