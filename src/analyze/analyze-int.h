/*
 * analyze-int.h — the streaming analyzer shared by the files of
 * src/analyze/. Pure: records, rebuilt wire bytes and log lines go in with
 * the timestamps the caller passes; facts accumulate; classify turns them
 * into a struct analysis at the end. No fds, no clocks.
 *
 * Three feeders:
 *   analyzer_record()  a capture record (capture_record_parse's output)
 *   analyzer_wire()    wire bytes of one direction (rebuilt from a trace)
 *   analyzer_text()    bytes of a text log (console output or a trace),
 *                      split into lines here; trace lines become wire bytes
 */
#ifndef SLIPTAP_ANALYZE_INT_H
#define SLIPTAP_ANALYZE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "analyze.h"
#include "capture.h"
#include "esp.h"
#include "session.h"
#include "sim.h"
#include "slip.h"
#include "units.h"

#define AN_LINE_MAX	4096
#define AN_MAX_EVIDENCE	24
#define AN_MAX_ADVICE	8
#define AN_MAX_ALT	6
#define AN_JS_LEFT_MAX	(64 * 1024)
#define AN_PROGRESS_MAX	512	/* progress points kept for the HTML curve */

/* One observed point where something happened (a "fact" worth citing). */
struct an_mark {
	int		 set;
	int64_t		 record;	/* capture record seq or rebuilt record, -1 */
	int64_t		 line;		/* log line, -1 */
	uint64_t	 ts;		/* ns, session clock */
	int		 op;		/* -1 */
	int64_t		 seq;		/* -1 */
	int64_t		 nth;		/* the Nth command of its op (1-based), -1 */
	int		 percent;	/* -1 */
	int64_t		 offset;	/* -1 */
	int		 phase;		/* enum session_phase */
	uint8_t		 error;		/* error code (error responses) */
	uint32_t	 count;
	char		 text[160];
};

/* Facts from the wire (captures and traces). */
struct an_wire {
	int		 seen;		/* any frame or byte */
	uint64_t	 h2d_frames, d2h_frames, d2h_packets;
	uint32_t	 sync_cmds;
	int		 sync_answered;
	int		 boot_download;	/* "waiting for download" in device text */
	int		 boot_spi;	/* "boot:0x.." not DOWNLOAD */
	char		 boot_line[120];
	struct an_mark	 boot;
	uint64_t	 outside_after_sync;	/* d2h bytes outside frames after the first reply */
	struct an_mark	 noise;		/* first such byte run */
	int		 reset_seen;	/* a reset/boot log after sync (outside text is then legit) */
	struct an_mark	 garbage;	/* d2h frame that is not a packet */
	struct an_mark	 truncated;	/* d2h frame cut off at the end of the stream */
	struct an_mark	 err_resp;	/* the first error response */
	struct an_mark	 last_err_resp;
	uint32_t	 err_resps;
	struct an_mark	 last_cmd;	/* latest command sent */
	int		 last_cmd_answered;
	uint32_t	 op_count[256];	/* commands seen per op (for an_mark.nth) */
	struct an_mark	 last_resp;	/* latest response */
	struct an_mark	 unanswered;	/* latest command superseded, after a pause, without a reply */
	int		 vanish_recovered;	/* flashing went on after the port came back */
	struct an_mark	 vanish_cmd;	/* the latest command when the port went away */
	int		 vanish_cmd_answered;
	struct an_mark	 vanish_progress;
	struct session_region vanish_region;
	uint64_t	 vanish_last_ts;	/* the last bytes before it */
	uint64_t	 last_ts_before_close;	/* the last bytes before the tool closed the port */
	struct an_mark	 missing;	/* latest MISSING_REPLY / TIMEOUT anomaly */
	uint32_t	 missing_count;
	struct an_mark	 mem_end;	/* MEM_END acked (stub upload done) */
	int		 ohai;
	struct an_mark	 baud_cmd;	/* CHANGE_BAUDRATE acked */
	uint64_t	 packets_after_baud;
	struct an_mark	 md5;		/* SPI_FLASH_MD5 answered */
	int		 md5_checked;	/* 1 matches the data sent, -1 differs, 0 unknown, 2 pending */
	uint8_t		 md5_want[16];
	struct an_mark	 md5_bad;
	uint32_t	 cmds_after_md5;
	struct an_mark	 vanish;	/* HANGUP / device close / port error */
	int		 vanish_host_closed;	/* the client closed the port itself */
	struct an_mark	 client_close;
	uint64_t	 last_h2d_ts, last_d2h_ts, first_ts, last_ts;
	int		 have_ts;
	unsigned	 retransmits;
	unsigned	 port_opens;
	int		 flash_end_acked;
	int		 success_tail;	/* after MD5 ok: FLASH_BEGIN 0 / FLASH_END / reset */
	int		 stuck_in_loader;
	int		 end_reboot;	/* the latest FLASH_(DEFL_)END asked the chip to reboot */
	int		 reset_after_md5;	/* a RESET event after the verify */
	struct an_mark	 progress;	/* latest progress block sent */
	int		 max_percent;
};

/* Facts from console text. */
struct an_console {
	int		 seen;		/* any esptool-ish line */
	struct an_mark	 error;		/* the final error line */
	char		 error_class[32];	/* class the wording says, "" */
	int		 error_conf;
	struct an_mark	 progress;	/* last "Writing at 0x... (NN %)" */
	int		 hash_ok;	/* "Hash of data verified." */
	int		 leaving;
	int		 traceback;
	int		 stub_running;
	int		 running_stub;	/* "Running stub..." seen */
	int		 baud_changed;	/* "Changing baud rate to N" */
	uint32_t	 baud_to;
	int		 usb_jtag;	/* "USB-Serial/JTAG" / esp32s3 / c3 */
	int		 write_timeout;	/* "Write timeout" seen */
	int		 vanished;	/* I/O error wording seen */
	int		 stream_locked;	/* esptool-js "WritableStream is locked" */
	int		 no_stub;	/* --no-stub: "Enabling default SPI flash mode" etc. */
	int		 connected;	/* "Chip is ..." / "Connected to" */
	int		 connecting;
	struct an_mark	 seq_line;	/* "after seq N" */
	uint32_t	 first_addr, block;	/* progress lines: the first address, the step */
	int		 nprogress;
	uint64_t	 erase_size;	/* "Flash will be erased from A to B" */
	uint64_t	 compressed_from;	/* "Compressed N bytes to M" */
};

struct analyzer {
	struct analyze_opts opts;
	enum analyze_input input;
	struct session	*sess;
	struct slip_decoder *dec[2];	/* [0] h2d, [1] d2h */
	int		 cur_dir;	/* 0/1 while feeding a decoder */
	uint8_t		*fast_buf;	/* a FRAME record's body, unescaped (SLIP_MAX_FRAME) */
	uint64_t	 cur_ts;
	int64_t		 cur_record;
	int64_t		 cur_line;
	uint64_t	 rebuilt;	/* records rebuilt from a trace */
	/* the pending *_DATA command, for error responses */
	int		 pend_op;
	int64_t		 pend_seq;
	int64_t		 pend_record;
	uint32_t	 pend_seq_count;	/* times the latest seq was sent */
	/* verify: MD5 over the data the host sent for the current region */
	struct sim_md5	 md5;
	uint64_t	 md5_bytes;
	uint32_t	 md5_region_offset;
	int		 md5_valid;	/* the data stream is known byte-exact */
	uint8_t		*md5_last;	/* the latest block, held back (padding) */
	size_t		 md5_last_len;
	void		*zs;		/* z_stream for FLASH_DEFL regions */
	int		 region_compressed;
	struct an_wire	 w;
	struct an_console c;
	struct analysis_summary sum;
	enum session_phase phase;
	uint64_t	 phase_since;
	/* text splitting */
	char		 line[AN_LINE_MAX];
	size_t		 line_len;
	int		 line_cr;	/* the previous byte was \r */
	int64_t		 lineno;
	char		 prev_error[256];	/* the previous line, when an error line (wrapped messages) */
	/* trace state */
	enum analyze_trace_format tfmt;
	int		 t_hexdir;	/* -1 none, else dir of the hex dump being read */
	uint8_t		*t_buf;
	size_t		 t_len, t_cap, t_want;
	uint64_t	 t_clock;	/* ns, from the TRACE stamps */
	int		 t_runs;
	uint8_t		*js_left;	/* esptool-js: bytes put back in the read buffer */
	size_t		 js_left_len;
	int		 js_in_packet;
	/* wire callback (import) */
	void		(*wire_cb)(int dir, const uint8_t *buf, size_t len, uint64_t ts, void *arg);
	void		*wire_arg;
	/* every decoded packet (HTML report) */
	void		(*packet_cb)(int dir, const struct esp_packet *p, uint64_t ts, void *arg);
	void		*packet_arg;
	/* progress curve */
	struct { double t; int percent; } curve[AN_PROGRESS_MAX];
	int		 ncurve;
	int		 curve_step;
	/* faults */
	char		*injected_class;
};

/* analyze.c */
struct analyzer *analyzer_new(const struct analyze_opts *opts);
void analyzer_free(struct analyzer *an);
void analyzer_record(struct analyzer *an, const struct capture_record *r);
void analyzer_wire(struct analyzer *an, int dir, const uint8_t *buf, size_t len, uint64_t ts);
void analyzer_set_wire_cb(struct analyzer *an,
    void (*cb)(int dir, const uint8_t *buf, size_t len, uint64_t ts, void *arg), void *arg);
void analyzer_end(struct analyzer *an);
void an_mark_set(struct analyzer *an, struct an_mark *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *an_strdup(const char *s);
void an_set_str(char **dst, const char *s);
double an_time_s(const struct analyzer *an, uint64_t ts);

void an_new_run(struct analyzer *an);

/* verify.c */
void analyze_md5_reset(struct analyzer *an, uint32_t offset, int compressed);
void analyze_md5_data(struct analyzer *an, const uint8_t *payload, size_t len);
int analyze_md5_expect(struct analyzer *an, uint32_t addr, uint32_t size, uint8_t digest[16]);

/* textlog.c */
void an_trace_reset(struct analyzer *an);
void analyzer_text(struct analyzer *an, const uint8_t *buf, size_t len);
void analyzer_text_end(struct analyzer *an);
/* Clean one line in place (ANSI, timestamps, \r overwrites); returns the new length. */
size_t an_clean_line(char *l, size_t n);
/* Console wording table: the class a tool message names, or NULL. */
const char *an_console_class(const char *line, int *confidence);

/* file.c: stream a file (capture or text) into an; warn gets a cut-off message */
int an_stream_file(struct analyzer *an, const char *path, char *warn, size_t warnlen,
    char *err, size_t errlen);

/* classify.c */
struct analysis *analyzer_finish(struct analyzer *an, const char *name);
void an_summary_free(struct analysis_summary *s);

#endif
