/*
 * reset.h — the one table of DTR/RTS reset sequences (esptool's, see
 * reset.c for where each comes from) and the one place that knows how
 * esptool's esp_rfc2217_server reads SET-CONTROL line changes. Pure: no
 * fds, no clocks; a sequence is data the caller plays on its own timers
 * (the proxy on its device endpoint, the simulator's RFC 2217 serving on
 * sim_device_set_lines, the tests on a device model).
 *
 * Line values: 1 asserted, 0 released, -1 left as it is.
 */
#ifndef SLIPTAP_RESET_H
#define SLIPTAP_RESET_H

#include <stddef.h>

enum reset_kind {
	RESET_NONE,
	RESET_CLASSIC,		/* DTR=0 RTS=1 · 100 ms · DTR=1 RTS=0 · 50 ms · DTR=0 */
	RESET_UNIX_TIGHT,	/* the same, both lines in one TIOCMSET per step */
	RESET_USB_JTAG,		/* the USB-Serial/JTAG peripheral's sequence */
	RESET_HARD,		/* RTS=1 · 100 ms · RTS=0 (run the app) */
};

struct reset_step {
	int		 dtr, rts;	/* 1, 0, or -1 = leave */
	int		 tight;		/* both lines in one call (TIOCMSET) */
	unsigned	 delay_ms;	/* wait after this step */
};

/*
 * The steps of `kind` (static storage) and their count in *n; NULL with
 * *n = 0 for RESET_NONE or an unknown kind.
 */
const struct reset_step *reset_sequence(enum reset_kind kind, size_t *n);
/* Total duration of a sequence in ms (the sum of its delays). */
unsigned reset_duration_ms(enum reset_kind kind);

/* "none", "classic", "unix-tight", "usb-jtag", "hard". */
const char *reset_name(enum reset_kind kind);
/* Parse one of the names above: 0, or -1 (out untouched). */
int reset_parse(const char *s, enum reset_kind *out);
/* "classic, unix-tight, usb-jtag, hard or none": for error messages. */
const char *reset_names_list(void);

/*
 * esptool's esp_rfc2217_server (EspPortManager): a client's reset sequence
 * cannot cross a network with its timing intact (pySerial waits for every
 * SET-CONTROL answer), so the server treats SET-CONTROL DTR/RTS as the
 * start of a reset it plays itself with board timings.
 */
enum reset_esp_action {
	RESET_ESP_IGNORE,	/* consumed: nothing to do (see reset_esp_control) */
	RESET_ESP_DTR_OFF,	/* apply DTR=0 now; the download window ends */
	RESET_ESP_BOOTLOADER,	/* play RESET_UNIX_TIGHT (reset into download mode) */
	RESET_ESP_HARD_RESET,	/* play RESET_HARD */
};

/* Which line a SET-CONTROL changes. */
enum reset_line { RESET_LINE_DTR, RESET_LINE_RTS };

/*
 * The esp server's decision for one line change. *in_download is its
 * is_download_mode flag (0 when a client connects), updated here: DTR on
 * outside the window starts a reset into download mode, DTR off ends the
 * window, RTS off outside it is a hard reset; everything else (RTS on, DTR
 * on inside the window, RTS off inside it) is ignored. (esptool's server
 * applies those as plain line changes; here the sequence it plays sets
 * both lines anyway, and an RTS on applied between a client's steps would
 * hold EN low across the window.)
 */
enum reset_esp_action reset_esp_control(int *in_download, enum reset_line line, int on);

/*
 * What the lines should be once the esp server's action is known: the
 * sequence to play (RESET_NONE for IGNORE and DTR_OFF).
 */
enum reset_kind reset_esp_sequence(enum reset_esp_action a);

#endif
