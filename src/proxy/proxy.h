/*
 * proxy.h — the man-in-the-middle: a client side (a pty sliptap creates, or
 * an RFC 2217 server) and a device side (a serial adapter, a tty/pty, an
 * rfc2217:// or tcp:// device), one poll loop, byte-exact in-order
 * forwarding, SLIP decoding, the session tracker, the capture, and the seam
 * the fault engine plugs into.
 *
 * ---- Forwarding units -------------------------------------------------
 *
 * Each direction's byte stream is cut into UNITS: a complete SLIP frame
 * (C0 ... C0 as on the wire), a run of bytes outside frames, or RAW bytes
 * with no framing claim (a frame still open after PROXY_HOLD_GAP of
 * silence, an oversize frame, a frame cut by the device vanishing, a stray
 * C0 of an empty frame). Concatenating a direction's units in order gives
 * exactly the bytes the sender sent.
 *
 * Without a filter hook (no scenario) bytes are written to the other side
 * the moment they are read (lowest latency); the decoder, the tracker and
 * the capture follow on the side. With a filter hook, bytes are HELD until
 * their unit is complete (outside bytes are released as soon as the decoder
 * is not inside a frame), and each unit goes through the filter first.
 *
 * ---- The fault seam ---------------------------------------------------
 *
 * The scenario side (include/fault.h + src/core/fault.c decide,
 * src/proxy/proxy-fault.c applies) attaches with proxy_set_hooks() before
 * proxy_run(). cmd-proxy.c calls the scenario setup at the marked place
 * (search "SCENARIO SEAM"). Hooks:
 *
 *  filter(p, unit, arg)  every unit, in stream order per direction, before
 *      it is forwarded. unit->state is the tracker state AFTER this unit
 *      was fed to it (so a FLASH_DATA unit sees its own seq and percent).
 *      Return PROXY_PASS to forward the unit unchanged (recorded UNCHANGED),
 *      or PROXY_HANDLED when the hook took it over: the proxy then records
 *      the unit as ORIGINAL (if proxy_record_fault did not already) and
 *      forwards nothing; the hook sends whatever should be delivered with
 *      proxy_send_at() (modified bytes, the same bytes later, twice, ...).
 *  event(p, ev, arg)     session and harness events (client open/close,
 *      first SYNC, baud change, reset, stub start, device gone/back, and
 *      every session tracker event). Called after the proxy acted on them.
 *  tick(p, now, arg)     called once the time given to proxy_wakeup_at()
 *      has come (time-based triggers, jitter, releases).
 *  done(p, arg)          once at shutdown, before the capture is closed
 *      (write NOT_TRIGGERED records, the seed, a summary).
 *
 * Primitives the hooks may call at any time (all take effect in order with
 * the bytes already queued; `dir` is LINK_H2D or LINK_D2H):
 *  proxy_send_at      queue bytes for delivery at a monotonic time
 *  proxy_stall        hold a direction until a time (or PROXY_FOREVER)
 *  proxy_throttle     deliver a direction at most at `baud` (10 bits/byte)
 *  proxy_slice        deliver in fragments of `size` bytes with `gap` ns between
 *  proxy_freeze_host  tcflow(TCOOFF) on the client pty: the tool's writes
 *                     block (the real "Write timeout"); 0 thaws
 *  proxy_hangup_client  close the client side like a vanished device (the
 *                     tool sees EIO); reappear under the same link after
 *                     `reappear_ns`, or never (PROXY_FOREVER)
 *  proxy_ignore_next_baud  the next device-side baud change is not applied
 *  proxy_reset_device run a DTR/RTS reset sequence on the device
 *  proxy_record_fault / proxy_record  write capture events
 *
 * Units and events are borrowed: valid only during the callback.
 */
#ifndef SLIPTAP_PROXY_H
#define SLIPTAP_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "esp.h"
#include "session.h"
#include "units.h"

#define PROXY_FOREVER	UINT64_MAX	/* "indefinitely" for stall / hang-up */
#define PROXY_HOLD_GAP	(200ULL * NS_PER_MS)	/* ns of silence after which a held open frame is released as RAW */

enum proxy_unit_type {
	PROXY_UNIT_FRAME,	/* a complete SLIP frame; body is decoded */
	PROXY_UNIT_OUTSIDE,	/* bytes outside frames (boot log, app output, noise) */
	PROXY_UNIT_RAW,		/* bytes with no framing claim (see above) */
};

struct proxy_unit {
	enum link_dir	 dir;
	enum proxy_unit_type type;
	const uint8_t	*raw;		/* the bytes as the sender sent them */
	size_t		 raw_len;
	const uint8_t	*body;		/* FRAME: the decoded body */
	size_t		 body_len;
	int		 parsed;	/* FRAME: 1 when pkt holds a parsed ESP packet */
	struct esp_packet pkt;		/* borrows from body */
	uint64_t	 offset;	/* stream offset (as sent) of raw[0] in this direction */
	uint64_t	 now;		/* monotonic ns (loop_now) when the unit completed */
	const struct session_state *state;	/* tracker state including this unit */
};

/* Filter verdicts. */
#define PROXY_PASS	0	/* forward unchanged */
#define PROXY_HANDLED	1	/* the hook took the unit over (see above) */

enum proxy_event_type {
	PROXY_EV_CLIENT_OPEN,	/* the tool opened the pty / connected (RFC 2217) */
	PROXY_EV_CLIENT_CLOSE,	/* ... closed it */
	PROXY_EV_FIRST_SYNC,	/* the first SYNC since the client opened */
	PROXY_EV_BAUD,		/* the device side changed baud: ev->baud, ev->how = source */
	PROXY_EV_LINES,		/* DTR/RTS set on the device: ev->dtr, ev->rts */
	PROXY_EV_RESET,		/* a reset sequence ran: ev->how */
	PROXY_EV_STUB_START,	/* the flasher stub said OHAI */
	PROXY_EV_DEVICE_GONE,	/* the device vanished (client hung up) */
	PROXY_EV_DEVICE_BACK,	/* the device came back (client side recreated) */
	PROXY_EV_CLIENT_HANGUP,	/* the client side was hung up (fault or device gone) */
	PROXY_EV_CLIENT_BACK,	/* the client side is back (new pty under the same link) */
	PROXY_EV_SESSION,	/* a session tracker event: ev->session */
};

struct proxy_event {
	enum proxy_event_type type;
	uint64_t	 now;		/* monotonic ns */
	uint32_t	 baud;		/* BAUD */
	int		 dtr, rts;	/* LINES (-1 = unchanged) */
	const char	*how;		/* BAUD: "protocol", "termios", "rfc2217", "fault"; RESET: the sequence */
	const struct session_event *session;	/* SESSION */
};

struct proxy;

struct proxy_hooks {
	int	(*filter)(struct proxy *p, const struct proxy_unit *u, void *arg);
	void	(*event)(struct proxy *p, const struct proxy_event *ev, void *arg);
	void	(*tick)(struct proxy *p, uint64_t now, void *arg);
	void	(*done)(struct proxy *p, void *arg);
};

/* Reset sequences (esptool's, see the protocol notes). */
enum proxy_reset {
	PROXY_RESET_NONE,
	PROXY_RESET_CLASSIC,	/* DTR=0 RTS=1 · 100 ms · DTR=1 RTS=0 · 50 ms · DTR=0 */
	PROXY_RESET_UNIX_TIGHT,	/* the same through TIOCMSET, both lines at once */
	PROXY_RESET_USB_JTAG,	/* RTS=0 DTR=0 · DTR=1 RTS=0 · RTS=1 DTR=0 RTS=1 · DTR=0 RTS=0 */
	PROXY_RESET_HARD,	/* RTS=1 · 100 ms · RTS=0 (run the app) */
};

#define PROXY_RFC2217_AUTO	0
#define PROXY_RFC2217_DIRECT	1
#define PROXY_RFC2217_ESP	2

struct proxy_config {
	const char	*device;	/* DEVICE as given */
	const char	*link;		/* --link PATH or NULL */
	const char	*rfc2217;	/* --rfc2217 ADDR:PORT or NULL (then no pty) */
	int		 rfc2217_direct;	/* --rfc2217-reset: PROXY_RFC2217_AUTO (the
					   default: like esptool's esp_rfc2217_server,
					   except that an rfc2217:// device gets the
					   client's DTR/RTS as sent, to read them itself),
					   _DIRECT (every change as it arrives) or _ESP
					   (always play the reset; reset.h) */
	uint32_t	 baud;		/* initial device baud (115200) */
	enum proxy_reset reset;		/* --reset: on client open / first SYNC, hard at the end */
	const char	*pcap;		/* --pcap FILE or NULL */
	int		 json_events;	/* --json-events */
	int		 quiet;		/* --quiet: no status line, no notices */
	const char	*cmdline;	/* for the capture's START event */
	const char	*start_extra;	/* more logfmt fields for START (scenario=, seed=) or NULL */
};

/*
 * Open the device, create the client side, open the capture. On failure
 * returns NULL with a one-line, user-fixable message in err.
 */
struct proxy *proxy_new(const struct proxy_config *cfg, char *err, size_t errlen);
/* Attach the fault hooks (before proxy_run). */
void proxy_set_hooks(struct proxy *p, const struct proxy_hooks *hooks, void *arg);
/*
 * Print the ready line and run until SIGINT/SIGTERM/SIGHUP or a fatal
 * error. Returns the exit status (0 clean stop, 1 failure).
 */
int proxy_run(struct proxy *p);
/* Close everything (capture flushed, link removed); NULL is a no-op. */
void proxy_free(struct proxy *p);

/* Parse "classic", "unix-tight", "usb-jtag", "hard", "none": 0 or -1. */
int proxy_reset_parse(const char *s, enum proxy_reset *out);
const char *proxy_reset_name(enum proxy_reset r);
/* "h2d" / "d2h". */
const char *proxy_dir_name(enum link_dir dir);

/* ---- Primitives for the hooks ------------------------------------------ */

/* What the front (facing the tool) and the device side can do: CAP_* bits (caps.h). */
void proxy_caps(const struct proxy *p, unsigned *front, unsigned *device);
/* Monotonic ns (the loop's clock). */
uint64_t proxy_now(const struct proxy *p);
/* The tracker state (borrowed until the next unit). */
const struct session_state *proxy_state(const struct proxy *p);

/* proxy_send_at flags. */
#define PROXY_SEND_DERIVED	0x0	/* bytes derived from the last sent unit: recorded DELIVERED */
#define PROXY_SEND_INJECTED	0x1	/* bytes nobody sent: DELIVERED|INJECTED */
/*
 * Queue len bytes (copied) for `dir` at monotonic time `when` (0 = now).
 * Delivery is FIFO per direction: an item waits for the ones queued before
 * it. Recorded in the capture when forwarded.
 */
void proxy_send_at(struct proxy *p, enum link_dir dir, const uint8_t *bytes, size_t len,
    uint64_t when, unsigned flags);
/* Hold `dir` until `until` (PROXY_FOREVER = until released; 0 releases now). */
void proxy_stall(struct proxy *p, enum link_dir dir, uint64_t until);
/* Deliver `dir` at most at `baud` (10 bits per byte); 0 = unthrottled. */
void proxy_throttle(struct proxy *p, enum link_dir dir, uint32_t baud);
/* Deliver `dir` in writes of at most `size` bytes, `gap_ns` apart; size 0 = off. */
void proxy_slice(struct proxy *p, enum link_dir dir, size_t size, uint64_t gap_ns);
/* Freeze (1) or thaw (0) the tool's writes: tcflow(TCOOFF/TCOON) on the pty. 0, or -1 (no pty). */
int proxy_freeze_host(struct proxy *p, int on);
/* Hang the client side up now; recreate it after reappear_ns (PROXY_FOREVER = never). */
void proxy_hangup_client(struct proxy *p, uint64_t reappear_ns);
/* Do not apply the next device-side baud change (protocol or termios). */
void proxy_ignore_next_baud(struct proxy *p);
/* Run a reset sequence on the device (asynchronous, on timers). */
void proxy_reset_device(struct proxy *p, enum proxy_reset how);
/*
 * Write a FAULT event (logfmt text, e.g. "rule=r1 action=corrupt ...") for
 * unit u (may be NULL): records u as ORIGINAL first if it was not yet.
 */
void proxy_record_fault(struct proxy *p, const struct proxy_unit *u, const char *text);
/* Write any capture event (enum capture_event code, capture dir 0/1/2, logfmt text). */
void proxy_record(struct proxy *p, unsigned code, int capdir, const char *text);
/*
 * Clear the live status line (a terminal's last line) if it is shown, so a
 * notice printed next starts on a clean line. Call before writing to stderr.
 */
void proxy_status_clear(struct proxy *p);
/* Call hooks->tick at (or soon after) monotonic time `when`; LOOP_NEVER cancels. */
void proxy_wakeup_at(struct proxy *p, uint64_t when);

#endif
