/*
 * simserve.h — `sliptap sim`: a simulated device (simhost.h) served to a
 * flashing tool on a pty or over RFC 2217 (rfc2217-server.h), all on one
 * event loop (loop.h), until SIGINT, SIGTERM or SIGHUP.
 *
 * On a pty the USB-Serial/JTAG detach freezes the port (the client's next
 * write blocks), hangs it up and brings a new pair up under the same link.
 * Over RFC 2217 the client drives the auto-reset circuit: SET-CONTROL
 * DTR/RTS reach sim_device_set_lines as they arrive (direct) or are read
 * like esptool's esp_rfc2217_server (reset.h: DTR on plays the reset into
 * download mode, RTS off a hard reset); PURGE-DATA drops output not yet
 * sent; a client that leaves releases DTR and RTS; the detach stops reading
 * the client, then drops it and refuses clients until the device is back.
 */
#ifndef SLIPTAP_SIMSERVE_H
#define SLIPTAP_SIMSERVE_H

#include <stdio.h>

#include "simhost.h"

struct simserve_config {
	struct simhost_config host;	/* log_cb is set by simserve */
	const char	*link;		/* pty: a symlink to the slave, or NULL */
	const char	*rfc2217;	/* "host:port": serve RFC 2217 instead of a pty */
	int		 esp_reset;	/* RFC 2217: 1 esp_rfc2217_server style, 0 direct */
	int		 verbose;	/* log port commands and termios changes */
	FILE		*log;		/* log lines go here ("[  secs] text") */
};

/*
 * Serve until a signal. Prints the ready line on stdout ("sliptap sim:
 * CHIP (TRANSPORT) on WHERE [(link PATH)]"). Returns the exit status: 0
 * after a signal, 1 when setting up or the loop failed (message on stderr
 * or in the log).
 */
int simserve_run(const struct simserve_config *c);

#endif
