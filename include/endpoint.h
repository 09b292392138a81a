/*
 * endpoint.h — one interface for every kind of device the proxy talks to,
 * modelled on ser2net's gensio (struct sergensio_functions): the caller
 * never switches on a kind; it calls the ops and reads the capability mask
 * (caps.h) to know before a run what the kind can do.
 *
 * Kinds, chosen from the spec:
 *   rfc2217://HOST:PORT    our RFC 2217 client
 *   tcp://HOST:PORT        a raw TCP byte stream (no baud, no lines)
 *   sim:CHIP[,key=val...]  the simulator in-process (simhost.h keys)
 *   usb:VID:PID[:SERIAL]   a USB serial adapter by identity (libserialport)
 *   a path                 a port libserialport lists, else a tty/pty (termios)
 *
 * Everything runs from the event loop (loop.h). Data the device sends is
 * pushed to data_cb as it arrives unless reading is paused; a write that
 * cannot be taken now returns ENDPOINT_AGAIN and writable_cb follows. When
 * the device goes away (EOF, EIO, hang-up, the simulator's USB detach),
 * the endpoint closes itself and calls gone_cb once; endpoint_open() may
 * be retried to see whether it is back.
 */
#ifndef SLIPTAP_ENDPOINT_H
#define SLIPTAP_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "caps.h"

struct loop;
struct endpoint;
struct sim_device;

/* endpoint_write results besides a count. */
#define ENDPOINT_AGAIN	(-1)	/* nothing taken now: writable_cb follows */
#define ENDPOINT_GONE	(-2)	/* the device is not there (gone_cb is or was called) */

struct endpoint_cbs {
	/* Bytes from the device (borrowed during the call). Required. */
	void	(*data_cb)(const uint8_t *buf, size_t len, void *arg);
	/* A write may proceed again after ENDPOINT_AGAIN. May be NULL. */
	void	(*writable_cb)(void *arg);
	/* The device went away; the endpoint is closed. `why` is short ("hang-up"). */
	void	(*gone_cb)(const char *why, void *arg);
	/* Something worth a capture note (an RFC 2217 answer, a simulator log line). May be NULL. */
	void	(*note_cb)(const char *text, void *arg);
	void	*arg;
};

struct endpoint_ops {
	const char *kind;		/* "serial", "tty", "tcp", "rfc2217", "sim" */
	unsigned caps;			/* CAP_* this kind has (an instance may have fewer) */
	/* Parse the spec into the instance (no I/O beyond lookups). 0 or -1 with err. */
	int	(*setup)(struct endpoint *ep, char *err, size_t errlen);
	/* Open; fd kinds set ep->fd. 0 or -1 with err. */
	int	(*open)(struct endpoint *ep, char *err, size_t errlen);
	/* Close what open made (ep->fd is closed by the caller unless the op cleared it). */
	void	(*close)(struct endpoint *ep);
	/* Free the instance's private state. May be NULL. */
	void	(*free)(struct endpoint *ep);
	/*
	 * Read from the device: raw bytes into buf, the serial data they carry
	 * into data (room for len) with its length in *dlen. Returns the raw
	 * count, 0 at EOF, -1 with errno. NULL: read(2), data = raw.
	 */
	ssize_t	(*read)(struct endpoint *ep, uint8_t *buf, size_t len, uint8_t *data, size_t *dlen);
	/* Write: count taken, or -1 with errno (EAGAIN: full). NULL: write(2). */
	ssize_t	(*write)(struct endpoint *ep, const uint8_t *buf, size_t len);
	int	(*set_baud)(struct endpoint *ep, uint32_t baud, char *err, size_t errlen);
	/* DTR/RTS (1, 0, -1 = leave); tight = both in one call. */
	int	(*set_lines)(struct endpoint *ep, int dtr, int rts, int tight, char *err,
		    size_t errlen);
	int	(*get_lines)(struct endpoint *ep, int *dtr, int *rts);
	/* Reading paused (0) or resumed (1) for kinds without an fd. May be NULL. */
	void	(*want_read)(struct endpoint *ep, int on);
};

/*
 * An endpoint for `spec` at `baud`, not yet open. Returns NULL with a
 * message in err for a malformed spec or a device that does not exist.
 * The loop and cbs are borrowed for the endpoint's life.
 */
struct endpoint *endpoint_new(struct loop *l, const char *spec, uint32_t baud,
    const struct endpoint_cbs *cbs, char *err, size_t errlen);
/* Close and free; NULL is a no-op. */
void endpoint_free(struct endpoint *ep);

/*
 * Open (exclusively where the kind can: a second opener, in this process
 * or another, is refused with a message naming the holder's pid). 0, or -1
 * with err. Opening an open endpoint is a no-op.
 */
int endpoint_open(struct endpoint *ep, char *err, size_t errlen);
/* Close (no gone_cb); NULL-safe on a closed endpoint. */
void endpoint_close(struct endpoint *ep);
int endpoint_is_open(const struct endpoint *ep);

/* Write: bytes taken, ENDPOINT_AGAIN or ENDPOINT_GONE. */
ssize_t endpoint_write(struct endpoint *ep, const uint8_t *buf, size_t len);
/* 0, or -1 with err (a kind without baud accepts and ignores it: check CAP_SET_BAUD). */
int endpoint_set_baud(struct endpoint *ep, uint32_t baud, char *err, size_t errlen);
/* 0, or -1 with err (no lines on this kind, or the driver refused). */
int endpoint_set_lines(struct endpoint *ep, int dtr, int rts, int tight, char *err,
    size_t errlen);
/* 0, or -1 (unknown). */
int endpoint_get_lines(struct endpoint *ep, int *dtr, int *rts);
/* Stop / restart calling data_cb: the device's bytes wait in the kernel (or the model). */
void endpoint_pause_read(struct endpoint *ep);
void endpoint_resume_read(struct endpoint *ep);
/* Ask for writable_cb once the device can take bytes (after ENDPOINT_AGAIN, automatic). */
void endpoint_want_write(struct endpoint *ep);
/*
 * 1 when a tty device takes no bytes now with none of its own pending: its
 * output is stopped (tcflow TCOOFF, as the simulator does when its USB
 * device stalls) or its peer's buffer is full, so a write would block.
 * 0 when it takes bytes; -1 when it hung up, is closed, is another kind,
 * or when unsure.
 */
int endpoint_write_stopped(struct endpoint *ep);

unsigned endpoint_caps(const struct endpoint *ep);
/* "serial", "tty", "tcp", "rfc2217", "sim". */
const char *endpoint_kind(const struct endpoint *ep);
/* The device's name: a port path, host:port, sim:CHIP (borrowed). */
const char *endpoint_name(const struct endpoint *ep);
/* Nonzero when DTR/RTS changes should reach a downstream ESP-style RFC 2217 server as sent. */
int endpoint_lines_remote(const struct endpoint *ep);
/* The in-process simulator's device (for tests and `run`), or NULL for other kinds. */
struct sim_device *endpoint_sim_device(struct endpoint *ep);

#endif
