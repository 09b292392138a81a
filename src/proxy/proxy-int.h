/*
 * proxy-int.h — the proxy's insides, shared by src/proxy/proxy*.c only.
 * The fault code uses proxy.h, never this.
 */
#ifndef SLIPTAP_PROXY_INT_H
#define SLIPTAP_PROXY_INT_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "loop.h"
#include "proxy.h"
#include "rfc2217.h"
#include "reset.h"
#include "session.h"
#include "slip.h"

struct endpoint;
struct reset_player;
struct rfc2217_server;
struct pty;

#define PROXY_READ_MAX		65536		/* one read */
/*
 * Back-pressure. When a destination cannot take bytes (EAGAIN, a full
 * socket buffer), the sender's own writes are made to block at once as on
 * the real port (a pty client's writes are frozen with tcflow, see
 * hold_sender below) and the proxy stops reading that source once
 * PROXY_BACKPRESSURE bytes are queued (what the client wrote before the
 * freeze). Bytes held back on purpose (a stall, a delay, a throttle) are
 * queued up to PROXY_QUEUE_MAX before the source is paused (a memory bound
 * only).
 */
#define PROXY_BACKPRESSURE	4096u
#define PROXY_QUEUE_MAX		(4u << 20)
#define PROXY_PEND_MAX		(1u << 20)	/* undecided raw bytes kept per direction */
#define PROXY_PRESSURE_RECORDS	1000	/* WRITE_BLOCKED/UNBLOCKED pairs recorded at most */

/* What an endpoint's write returns besides a byte count (>= 0). */
enum proxy_write_result {
	PROXY_WRITE_BLOCKED = -1,	/* would block: the queue waits for POLLOUT */
	PROXY_WRITE_GONE = -2,		/* nobody to deliver to (client or device gone): dropped */
};

/*
 * The data path's view of the two endpoints. proxy_new uses the host and
 * device sides below; the data-path unit suite plugs in its own.
 */
struct proxy_path_ops {
	/* Write bytes of `dir` to its destination: a count or an enum proxy_write_result. */
	ssize_t	(*write)(struct proxy *p, enum link_dir dir, const uint8_t *buf, size_t len);
	/* The paused/blocked state of a stream changed: update poll interest. */
	void	(*want)(struct proxy *p);
	/* Someone has the client side open (device bytes reach a tool). */
	int	(*has_client)(struct proxy *p);
	/*
	 * The destination of `dir` blocks (1) or takes bytes again (0): make
	 * the sender's own writes block as on the real port (h2d: freeze the
	 * client pty's writes). May be NULL.
	 */
	void	(*hold_sender)(struct proxy *p, enum link_dir dir, int on);
};
#define PROXY_RETRY_NS		(100ULL * NS_PER_MS)	/* device reappearance poll */
#define PROXY_PROBE_NS		(10ULL * NS_PER_MS)	/* device flow-stop poll (tty devices) */
#define PROXY_BAUD_POLL_NS	(20ULL * NS_PER_MS)	/* termios poll besides TIOCPKT_IOCTL */

/* A growable byte buffer; consuming from the front only moves `b`. */
struct proxy_buf {
	uint8_t		*base;		/* the allocation */
	uint8_t		*b;		/* the data: len bytes from here */
	size_t		 len, cap;
};

/* One queued delivery. */
struct proxy_chunk {
	struct proxy_chunk *next;
	uint64_t	 when;		/* not before (monotonic ns) */
	int		 record;	/* write a DELIVERED record once it has gone out */
	unsigned	 capflags;	/* capture flags of that record */
	uint32_t	 ref;		/* the ORIGINAL record it derives from (CAPTURE_REF_NONE) */
	int		 rec;		/* enum proxy_rec of that record, -1 = from the bytes */
	size_t		 len, off;	/* data[0, off) is delivered */
	uint8_t		 data[];
};

/* One direction. */
struct proxy_stream {
	struct proxy	*proxy;
	enum link_dir	 dir;
	struct slip_decoder *dec;

	/* Raw bytes read but not yet accounted for by a unit: [pend_off, pend_off + pend_len). */
	struct proxy_buf pend;
	uint64_t	 pend_off;
	uint64_t	 in_total;	/* bytes read from the source */
	uint64_t	 now;		/* time of the current read */
	uint64_t	 wall;		/* wall clock of the current read */
	int		 unit_recorded;	/* the unit in the filter has its capture record */
	uint32_t	 unit_seq;	/* ... its seq (the ref of what derives from it) */
	uint64_t	 discard_until;	/* stream bytes before this offset reached nobody */
	int		 feeding;	/* inside the decoder: the unit callbacks run */
	int		 gone_pending;	/* proxy_source_gone was asked for while feeding */
	/* A run of garbage units recorded as one CHUNK (no filter): [co_off, +co_len) at co_ptr. */
	const uint8_t	*co_ptr;
	uint64_t	 co_off;
	size_t		 co_len;
	unsigned	 co_stage;
	int		 co_first;	/* enum proxy_rec of a run of one */
	struct loop_timer *hold_timer;	/* releases a held open frame after PROXY_HOLD_GAP */

	/* Output queue. */
	struct proxy_chunk *head, *tail;
	size_t		 queued;
	uint64_t	 out_total;	/* bytes written to the destination */
	uint64_t	 stall_until;	/* 0 = not stalled */
	uint32_t	 throttle;	/* baud, 0 = off */
	size_t		 slice;
	uint64_t	 slice_gap;
	uint64_t	 next_write;	/* pacing: not before */
	struct loop_timer *timer;
	int		 blocked;	/* destination said EAGAIN: waiting for POLLOUT */
	int		 paused;	/* source reading paused (back-pressure or queue full) */
	int		 pressure;	/* a WRITE_BLOCKED record is open (UNBLOCKED pending) */
	uint64_t	 pressure_at;	/* when it opened */
	unsigned	 pressure_records;
};

enum proxy_host_kind { PROXY_HOST_PTY, PROXY_HOST_RFC2217 };

struct proxy_host {
	enum proxy_host_kind kind;
	int		 up;		/* the client side exists (pty created / listening) */
	/* pty */
	struct pty	*pty;
	char		 slave_name[PATH_MAX];
	struct loop_fd	*mfd;
	int		 ino;		/* inotify fd watching the slave's open/close */
	int		 wd;
	uint64_t	 discarded;	/* device bytes dropped while no client had the port */
	struct loop_fd	*ifd;
	int		 clients;	/* opens minus closes seen on the slave */
	uint32_t	 baud;		/* last termios speed seen */
	uint64_t	 baud_checked;	/* when the termios speed was last polled */
	int		 frozen;	/* by a fault: the tool's writes are frozen (pty: tcflow; rfc2217: not read) */
	int		 held;		/* by back-pressure (proxy_host_hold_writes) */
	/* rfc2217 server (rfc2217-server.h) */
	struct rfc2217_server *srv;
	char		 url[320];
	int		 esp_in_reset;	/* esp server: EspPortManager.is_download_mode */
	/* hang-up */
	struct loop_timer *reappear;
	int		 hung;		/* hung up by a fault (not the device) */
};

/* The device side: an endpoint (endpoint.h) plus what the proxy keeps about it. */
struct proxy_dev {
	struct endpoint	*ep;
	char		 name[PATH_MAX];	/* port name / path / host:port / sim:CHIP */
	int		 present;
	uint32_t	 baud;
	int		 dtr, rts;
	struct loop_timer *retry;
	uint64_t	 gone_at;
	/* the device's own flow stop, mirrored onto the client (proxy_dev_probe_cb) */
	struct loop_timer *probe;
	int		 stopped;
	unsigned	 stop_records;	/* NOTEs about it, at most PROXY_PRESSURE_RECORDS */
	/* reset sequences (reset.h) played on the device's lines */
	struct reset_player *rs;
	int		 rs_release;	/* release DTR and RTS once the sequence ends */
};

struct proxy {
	struct proxy_config cfg;
	struct loop	*loop;
	struct proxy_stream s[2];
	struct proxy_host host;
	struct proxy_dev dev;
	struct session	*session;
	struct capture	*cap;
	int		 capture_failed;

	const struct proxy_hooks *hooks;
	struct proxy_hooks hooks_copy;
	const struct proxy_path_ops *path;
	int		 detached;	/* proxy_new_path: no host or device side */
	int		 exiting;	/* proxy_free: nothing is delivered any more */
	void		*hooks_arg;
	struct loop_timer *wakeup;

	int		 hold;		/* a filter is attached: hold units */
	int		 ignore_baud;	/* proxy_ignore_next_baud armed */
	uint32_t	 ignored_baud;	/* the baud being ignored (termios may repeat it) */
	int		 in_harness;	/* inside session_harness: its BAUD event is ours */
	const struct proxy_unit *cur_unit;	/* the unit in the filter */
	int		 cur_rec;	/* its record type (proxy.c's enum proxy_rec) */
	int		 stop_signal;
	/* Session notes produced while a unit is decoded are written after its record. */
	int		 deferring;
	char		*deferred[32];
	int		 ndeferred;
	uint64_t	 rec_wall;	/* timestamp for records of the current read, 0 = now */
	int		 sync_seen;	/* a SYNC since the client opened */
	int		 reset_done;	/* --reset ran since the client opened */
	uint32_t	 pending_baud;	/* CHANGE_BAUDRATE acked: apply once d2h written past mark */
	uint64_t	 pending_mark;
	int		 exit_status;
	uint64_t	 anomalies_recorded;

	/* the client pty's read buffer (one read with its TIOCPKT byte) */
	uint8_t		 host_rbuf[PROXY_READ_MAX + 1];

	/* status line / JSON */
	int		 status_tty;
	uint64_t	 status_at;
	char		 status[200];
	int		 status_shown;
};

/* proxy.c */
/*
 * A proxy with no host or device side: the data path, the tracker and the
 * capture (cfg->pcap) only, writing through `ops` (the data-path suite).
 */
struct proxy *proxy_new_path(const struct proxy_config *cfg, const struct proxy_path_ops *ops);
struct loop *proxy_loop(struct proxy *p);
int proxy_capdir(enum link_dir dir);
void proxy_capture_check(struct proxy *p, int rc);
void proxy_emit_simple(struct proxy *p, enum proxy_event_type type, const char *how);
void proxy_flush_deferred(struct proxy *p);

/* proxy-unit.c: units, holding, the decoder and the capture of units */
enum proxy_rec {
	PROXY_REC_FRAME,
	PROXY_REC_OUTSIDE,
	PROXY_REC_CHUNK,
	PROXY_REC_TRUNCATED,
	PROXY_REC_OVERSIZE,
};
void proxy_input(struct proxy *p, enum link_dir dir, const uint8_t *buf, size_t len);
void proxy_source_gone(struct proxy *p, enum link_dir dir);
void proxy_hold_timer(void *arg);
void proxy_slip_cb(const struct slip_event *ev, void *arg);
/* Write a byte record of `dir` stamped ts (0 = the current read's time). */
void proxy_write_unit(struct proxy *p, enum link_dir dir, enum proxy_rec rec, unsigned flags,
    const uint8_t *raw, size_t len, uint64_t ts);
enum proxy_rec proxy_rec_guess(const uint8_t *b, size_t len);
/* Write out the pending run of coalesced garbage units of both directions. */
void proxy_flush_runs(struct proxy *p);

/* proxy-queue.c: the output queues (pacing, stall, throttle, slice, back-pressure) */
/*
 * Queue len bytes of `dir` for delivery at `when`. ref: the ORIGINAL record
 * they derive from; record: write a DELIVERED record (capflags) once they
 * are out; held: the unit passed a filter and is recorded by the queue
 * (UNCHANGED if it goes out at once, else ORIGINAL now + DELIVERED later).
 */
void proxy_queue(struct proxy *p, enum link_dir dir, const uint8_t *buf, size_t len,
    uint64_t when, int record, unsigned capflags, uint32_t ref);
/* Record (unit) the bytes a unit passed unchanged by a filter and queue them. */
void proxy_queue_unit(struct proxy *p, enum link_dir dir, enum proxy_rec rec,
    const uint8_t *raw, size_t len);
void proxy_drain(struct proxy *p, enum link_dir dir);
/* Throw the queue away ("device gone" / "client gone" in its DISCARDED record). */
void proxy_discard_queue(struct proxy *p, enum link_dir dir);
void proxy_stream_timer(void *arg);
void proxy_check_baud_mark(struct proxy *p);
void proxy_emit(struct proxy *p, const struct proxy_event *ev);
void proxy_eventf(struct proxy *p, unsigned code, int capdir, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void proxy_set_device_baud(struct proxy *p, uint32_t baud, const char *how);
void proxy_set_device_lines(struct proxy *p, int dtr, int rts, const char *how);
void proxy_client_opened(struct proxy *p);
void proxy_client_closed(struct proxy *p);
void proxy_warn(struct proxy *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void proxy_buf_add(struct proxy_buf *b, const uint8_t *data, size_t len);
void proxy_buf_consume(struct proxy_buf *b, size_t n);
void proxy_buf_free(struct proxy_buf *b);

/* proxy-host.c: the client side */
int proxy_host_open(struct proxy *p, char *err, size_t errlen);
void proxy_host_close(struct proxy *p, int hangup);
/* Write d2h bytes: count written, or an enum proxy_write_result. */
ssize_t proxy_host_write(struct proxy *p, const uint8_t *buf, size_t len);
void proxy_host_want(struct proxy *p);
int proxy_host_has_client(struct proxy *p);
/* Back-pressure from the device: the client's writes block (pty) or not. */
void proxy_host_hold_writes(struct proxy *p, int on);
/* At exit: read what the tool wrote and the proxy did not (recorded, not delivered). */
void proxy_host_drain_input(struct proxy *p);
const char *proxy_host_name(const struct proxy *p);
/* The client side's capabilities (caps.h): what a fault can do to it. */
unsigned proxy_host_caps(const struct proxy *p);

/*
 * proxy.c: what the sides report (they never act on each other).
 * proxy_device_gone: the device vanished (already closed; it is polled for).
 * proxy_device_back: it is open again.
 * proxy_client_control: an RFC 2217 client's SET-CONTROL DTR/RTS (line, on).
 * proxy_client_left: the client port closed (DTR and RTS drop, as HUPCL does).
 */
void proxy_device_gone(struct proxy *p, const char *why);
void proxy_device_back(struct proxy *p);
void proxy_client_control(struct proxy *p, enum reset_line line, int on);
void proxy_client_left(struct proxy *p);

/* proxy-device.c: the device side (an endpoint) */
int proxy_dev_setup(struct proxy *p, char *err, size_t errlen);
int proxy_dev_open(struct proxy *p, char *err, size_t errlen);
void proxy_dev_close(struct proxy *p);
/* Write h2d bytes: count written, -1 would block, -2 device gone. */
ssize_t proxy_dev_write(struct proxy *p, const uint8_t *buf, size_t len);
void proxy_dev_want(struct proxy *p);
/* A write to the device failed for good: keep the client frozen until its hang-up. */
void proxy_dev_hold_until_gone(struct proxy *p);
int proxy_dev_set_baud(struct proxy *p, uint32_t baud, char *err, size_t errlen);
int proxy_dev_set_lines(struct proxy *p, int dtr, int rts, int tight, char *err, size_t errlen);
void proxy_dev_free(struct proxy *p);
/* The device endpoint's capabilities (caps.h). */
unsigned proxy_dev_caps(const struct proxy *p);
/* Nonzero when the device is an RFC 2217 server that reads DTR/RTS itself (pass them on). */
int proxy_dev_lines_remote(const struct proxy *p);
/* Drop DTR and RTS (the client port closed); after a reset sequence in progress. */
void proxy_dev_release_lines(struct proxy *p);
/* A new client: a release asked for by the previous one no longer applies. */
void proxy_dev_reset_cancel_release(struct proxy *p);
enum reset_kind proxy_reset_kind(enum proxy_reset how);

/* proxy-report.c: status line and JSON events */
void proxy_report_init(struct proxy *p);
void proxy_report_event(struct proxy *p, const struct proxy_event *ev);
void proxy_report_idle(struct proxy *p);
void proxy_report_end(struct proxy *p);

#endif
