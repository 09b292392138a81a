/*
 * reset.c — the DTR/RTS reset sequences (see reset.h).
 *
 * Sources: esptool's reset.py (ClassicReset, UnixTightReset,
 * USBJTAGSerialReset, HardReset) with its default delays (0.1 s reset,
 * 0.05 s for the IO0 strap); esp_rfc2217_server.py (EspPortManager) for
 * reset_esp_control. Where we differ: UnixTightReset's initial
 * "DTR=0 RTS=0, then DTR=1 RTS=1" pair is kept (it releases EN through
 * the transistor pair without a glitch on boards that need it); the
 * classic sequence ends with DTR released as esptool's does.
 */
#include <string.h>

#include "reset.h"
#include "util.h"

static const struct reset_step reset_classic[] = {
	{ 0, 1, 0, 100 }, { 1, 0, 0, 50 }, { 0, -1, 0, 0 },
};
static const struct reset_step reset_unix_tight[] = {
	{ 0, 0, 1, 0 }, { 1, 1, 1, 0 }, { 0, 1, 1, 100 }, { 1, 0, 1, 50 }, { 0, 0, 1, 0 },
	{ 0, -1, 0, 0 },
};
static const struct reset_step reset_usb_jtag[] = {
	{ -1, 0, 0, 0 }, { 0, -1, 0, 100 }, { 1, -1, 0, 0 }, { -1, 0, 0, 100 },
	{ -1, 1, 0, 0 }, { 0, -1, 0, 0 }, { -1, 1, 0, 100 }, { 0, -1, 0, 0 }, { -1, 0, 0, 0 },
};
static const struct reset_step reset_hard[] = {
	{ -1, 1, 0, 100 }, { -1, 0, 0, 0 },
};

static const struct {
	enum reset_kind		 kind;
	const char		*name;
	const struct reset_step	*steps;
	size_t			 n;
} reset_table[] = {
	{ RESET_NONE, "none", NULL, 0 },
	{ RESET_CLASSIC, "classic", reset_classic, nitems(reset_classic) },
	{ RESET_UNIX_TIGHT, "unix-tight", reset_unix_tight, nitems(reset_unix_tight) },
	{ RESET_USB_JTAG, "usb-jtag", reset_usb_jtag, nitems(reset_usb_jtag) },
	{ RESET_HARD, "hard", reset_hard, nitems(reset_hard) },
};

const struct reset_step *
reset_sequence(enum reset_kind kind, size_t *n)
{
	size_t i;

	*n = 0;
	for (i = 0; i < nitems(reset_table); i++) {
		if (reset_table[i].kind == kind) {
			*n = reset_table[i].n;
			return reset_table[i].steps;
		}
	}
	return NULL;
}

unsigned
reset_duration_ms(enum reset_kind kind)
{
	const struct reset_step *st;
	unsigned ms = 0;
	size_t i, n;

	st = reset_sequence(kind, &n);
	for (i = 0; i < n; i++)
		ms += st[i].delay_ms;
	return ms;
}

const char *
reset_name(enum reset_kind kind)
{
	size_t i;

	for (i = 0; i < nitems(reset_table); i++) {
		if (reset_table[i].kind == kind)
			return reset_table[i].name;
	}
	return "none";
}

int
reset_parse(const char *s, enum reset_kind *out)
{
	size_t i;

	for (i = 0; i < nitems(reset_table); i++) {
		if (strcmp(s, reset_table[i].name) == 0) {
			*out = reset_table[i].kind;
			return 0;
		}
	}
	return -1;
}

const char *
reset_names_list(void)
{
	return "classic, unix-tight, usb-jtag, hard or none";
}

enum reset_esp_action
reset_esp_control(int *in_download, enum reset_line line, int on)
{
	if (line == RESET_LINE_DTR) {
		if (!on) {
			*in_download = 0;
			return RESET_ESP_DTR_OFF;
		}
		if (*in_download)
			return RESET_ESP_IGNORE;
		*in_download = 1;
		return RESET_ESP_BOOTLOADER;
	}
	if (!on && !*in_download)
		return RESET_ESP_HARD_RESET;
	return RESET_ESP_IGNORE;
}

enum reset_kind
reset_esp_sequence(enum reset_esp_action a)
{
	switch (a) {
	case RESET_ESP_BOOTLOADER:
		return RESET_UNIX_TIGHT;
	case RESET_ESP_HARD_RESET:
		return RESET_HARD;
	default:
		return RESET_NONE;
	}
}
