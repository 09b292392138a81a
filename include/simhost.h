/*
 * simhost.h — a simulated device (sim.h) living on the event loop: one
 * timer drives sim_device_tick, device output is handed to a consumer at
 * the pace the model sets (and kept while the consumer cannot take it),
 * input is taken as far as the device has room, and the USB-Serial/JTAG
 * detach story (stall, gone, back) runs on the same loop.
 *
 * Two consumers share it: `sliptap sim` (simserve.c: a pty or an RFC 2217
 * server in front) and the proxy's in-process `sim:` device endpoint
 * (endpoint-sim.c). No fds of its own; the flash image may be a file.
 */
#ifndef SLIPTAP_SIMHOST_H
#define SLIPTAP_SIMHOST_H

#include <stddef.h>
#include <stdint.h>

#include "sim.h"

struct loop;
struct simhost;

struct simhost_config {
	struct sim_config sim;		/* flash / flash_size / log_cb / event_cb are set here */
	const char	*flash_path;	/* NULL: erased flash in memory, gone with the host */
	uint64_t	 flash_size;	/* bytes (power of two, 256 KB .. 128 MB) */
	uint64_t	 vanish_ns;	/* after a USB detach: stall this long, then gone */
	uint64_t	 reenum_ns;	/* then gone this long, then back */
	/* Log lines (no newline), valid during the call. May be NULL. */
	void		(*log_cb)(const char *line, void *arg);
	void		*log_arg;
};

/* The USB side of the device, as a consumer sees it. */
enum simhost_usb {
	SIMHOST_USB_STALL,	/* the device stopped taking data (watchdog reset over USB) */
	SIMHOST_USB_GONE,	/* the USB device is gone */
	SIMHOST_USB_BACK,	/* it re-enumerated (the chip boots again) */
};

struct simhost_cbs {
	/*
	 * Device output due now: return how many bytes were taken; the rest
	 * is kept and offered again after simhost_kick(). Required.
	 */
	size_t	(*out_cb)(const uint8_t *buf, size_t len, void *arg);
	/* The device has input room again after a short simhost_input. May be NULL. */
	void	(*room_cb)(void *arg);
	/* The USB story (see enum simhost_usb). May be NULL. */
	void	(*usb_cb)(enum simhost_usb ev, void *arg);
	void	*arg;
};

/* Defaults for a config: uart, download boot, 115200, 4 MB, 9 s watchdog, 15 s / 1 s. */
void simhost_config_init(struct simhost_config *c, enum sim_chip chip);
/*
 * Parse "esp32s3[,transport=usb-jtag][,boot=spi][,flash=FILE][,flash-size=4MB]
 * [,baud=N][,pace][,wdt-timeout=DUR][,no-wdt][,vanish-after=DUR]
 * [,reenumerate-after=DUR][,verbose]" (the part after "sim:") into c;
 * DUR as units.h's parse_duration reads it.
 * 0, or -1 with a message naming the bad key in err.
 */
int simhost_parse_spec(const char *spec, struct simhost_config *c, char *err, size_t errlen);

/*
 * A device powered on now, on loop l. Returns NULL with a message in err
 * (bad config, flash file). Free with simhost_free.
 */
struct simhost *simhost_new(struct loop *l, const struct simhost_config *c, char *err,
    size_t errlen);
void simhost_free(struct simhost *h);	/* NULL is a no-op */
/* Set (or replace) the consumer; output starts flowing. */
void simhost_set_cbs(struct simhost *h, const struct simhost_cbs *cbs);

/*
 * How many input bytes the device takes now (0 while stalled). When 0,
 * room_cb follows once it takes some again.
 */
size_t simhost_input_room(struct simhost *h);
/* Host to device: returns the bytes taken (0 while stalled or full; room_cb follows). */
size_t simhost_input(struct simhost *h, const uint8_t *buf, size_t len);
/* DTR/RTS into the auto-reset circuit (1 asserted, 0 released, -1 leave). */
void simhost_set_lines(struct simhost *h, int dtr, int rts);
void simhost_get_lines(const struct simhost *h, int *dtr, int *rts);
/* The consumer can take output again. */
void simhost_kick(struct simhost *h);
/* Drop output not yet taken (PURGE-DATA, nobody listening). */
void simhost_drop_output(struct simhost *h);
/* Nonzero while stalled or gone (the USB device does not take data). */
int simhost_stalled(const struct simhost *h);
int simhost_gone(const struct simhost *h);

struct sim_device *simhost_device(struct simhost *h);
const struct simhost_config *simhost_config(const struct simhost *h);
/* Log a line through the config's log_cb (printf-style). */
void simhost_logf(struct simhost *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
