/*
 * serial.h — real serial adapters through libserialport: find a port by
 * name or by USB identity (usb:VID:PID[:SERIAL]), list ports with their USB
 * details, open one at a baud, drive DTR/RTS. src/io/serial.c is the only
 * file that includes <libserialport.h>.
 *
 * Errors a user can fix come back as one line in err: the port is busy (and
 * which process holds it), permission denied (and the group to join), no
 * such port (and which ports exist).
 */
#ifndef SLIPTAP_SERIAL_H
#define SLIPTAP_SERIAL_H

#include <stddef.h>
#include <stdint.h>

enum serial_transport {
	SERIAL_TRANSPORT_NATIVE,	/* on-board UART (ttyS*, ttyAMA*) */
	SERIAL_TRANSPORT_USB,
	SERIAL_TRANSPORT_BLUETOOTH,
};

/* One port as listed; strings are owned by the list (never NULL, "" when unknown). */
struct serial_info {
	char		*name;		/* /dev/ttyUSB0, COM5 */
	char		*description;
	enum serial_transport transport;
	int		 usb;		/* the USB fields are valid */
	uint16_t	 vid, pid;
	int		 bus, address;	/* -1 when unknown */
	char		*serial;
	char		*manufacturer;
	char		*product;
};

/*
 * List the serial ports libserialport knows. Returns the count (>= 0) and
 * an array in *out to free with serial_list_free, or -1 with a message in
 * err. Never opens a port.
 */
int serial_list(struct serial_info **out, char *err, size_t errlen);
void serial_list_free(struct serial_info *list, int n);
/* "native", "usb", "bluetooth". */
const char *serial_transport_name(enum serial_transport t);

/* A device spec "usb:VID:PID[:SERIAL]" (hex VID/PID). */
struct serial_usb_spec {
	uint16_t vid, pid;
	char	 serial[128];	/* "" = any */
};
/* 1 and *out filled when spec is a usb: spec, 0 when it is not one, -1 when malformed (message in err). */
int serial_parse_usb(const char *spec, struct serial_usb_spec *out, char *err, size_t errlen);
/*
 * The port name of the first listed port matching a usb: spec, in name
 * (size bytes). 0 found, -1 not found (message in err listing the USB
 * ports that exist).
 */
int serial_find_usb(const struct serial_usb_spec *spec, char *name, size_t size, char *err,
    size_t errlen);
/* Nonzero when libserialport knows a port called `name` right now (no open). */
int serial_exists(const char *name);

struct serial_port;

/*
 * Open the port `name` read-write, 8N1, no flow control, at `baud`. The fd
 * (serial_fd) is non-blocking. Returns NULL with the one-line, fixable
 * message in err: busy (naming the holder), permission (naming the group),
 * or no such port (listing what exists).
 */
struct serial_port *serial_open(const char *name, uint32_t baud, char *err, size_t errlen);
/* The OS handle, for poll/read/write. */
int serial_fd(const struct serial_port *sp);
/* Set the baud: 0 or -1 (message in err). */
int serial_set_baud(struct serial_port *sp, uint32_t baud, char *err, size_t errlen);
/* Set DTR/RTS (0, 1, or -1 = leave): 0 or -1 (message in err). */
int serial_set_lines(struct serial_port *sp, int dtr, int rts, char *err, size_t errlen);
/* Close and free; NULL is a no-op. */
void serial_close(struct serial_port *sp);

/*
 * Explain why `path` cannot be opened for errno `err_no` in one line into
 * msg: EBUSY/EACCES/ENOENT get the holder (scanning /proc/PID/fd), the group
 * to join, or the list of ports. Shared with the tty path.
 */
void serial_explain_open_error(const char *path, int err_no, char *msg, size_t size);

#endif
