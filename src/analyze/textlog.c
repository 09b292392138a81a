/*
 * textlog.c — text logs: console output of esptool 3.x/4.x/5.x, esptool-js
 * and the tools that wrap them, and `--trace` logs of all three. Pure.
 *
 * Bytes are split into lines at \n and \r (a progress bar redrawn with \r
 * is a line per redraw, CRLF an empty line that is skipped); each line is
 * cleaned (ANSI escapes, timestamp prefixes a terminal program or a forum
 * added) and then either parsed as trace (a "TRACE" stamp, or hex dump
 * lines that follow one) or scanned as console text.
 *
 * Trace dialects (the wire bytes are rebuilt from Write/Read dumps only;
 * "command op=..." / "--- Cmd ..." lines repeat the command's data and
 * "Received full packet" lines repeat decoded bytes, so both are skipped):
 *   esptool 2.x-4.x  "TRACE +0.012 Write 46 bytes: " + hex (inline or dump lines)
 *   esptool 5.x      "  TRACE +0.000   Write 46 bytes:       " + hex
 *   esptool-js       "TRACE 5.000 Write 46 bytes: " + hex; its Read dumps
 *                    repeat the bytes it put back into its read buffer
 *                    after a packet, which are removed here.
 * Stamps: Python prints seconds since the previous trace line; esptool-js
 * milliseconds (since its trace clock started).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "analyze-int.h"
#include "esp.h"
#include "util.h"

/* ---- cleaning ---------------------------------------------------------- */

static size_t
an_strip_ansi(char *l, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned char c = (unsigned char)l[i];

		if (c == 0x1b) {
			i++;
			if (i < n && l[i] == '[') {
				i++;
				while (i < n && !(l[i] >= 0x40 && l[i] <= 0x7e))
					i++;
				i++;
			} else if (i < n && l[i] == ']') {
				while (i < n && l[i] != 0x07)
					i++;
				i++;
			} else
				i++;
			continue;
		}
		if (c == '\t')
			c = ' ';
		if (c < 0x20 && c != ' ') {
			i++;
			continue;
		}
		l[o++] = (char)c;
		i++;
	}
	return o;
}

/* Length of a time-of-day or date-time prefix at l ("2024-01-02 10:11:12.345 ", "[10:11:12] "). */
static size_t
an_stamp_len(const char *l, size_t n)
{
	size_t i = 0, digits = 0, colons = 0;
	int bracket = 0;

	if (n > 0 && l[0] == '[') {
		bracket = 1;
		i = 1;
	}
	while (i < n && (isdigit((unsigned char)l[i]) || l[i] == ':' || l[i] == '-' ||
	    l[i] == '.' || l[i] == ',' || l[i] == 'T' || l[i] == 'Z' || l[i] == '/' ||
	    (l[i] == ' ' && bracket) || (l[i] == '+' && digits > 0))) {
		if (isdigit((unsigned char)l[i]))
			digits++;
		if (l[i] == ':')
			colons++;
		i++;
	}
	if (digits < 4 || colons < 1)
		return 0;
	if (bracket) {
		if (i >= n || l[i] != ']')
			return 0;
		i++;
	}
	/* separators after the stamp */
	while (i < n && (l[i] == ' ' || l[i] == '>' || l[i] == '-' || l[i] == '|' || l[i] == ':'))
		i++;
	return i;
}

size_t
an_clean_line(char *l, size_t n)
{
	size_t k;

	n = an_strip_ansi(l, n);
	for (;;) {
		k = an_stamp_len(l, n);
		if (k == 0 || k >= n)
			break;
		memmove(l, l + k, n - k);
		n -= k;
	}
	while (n > 0 && l[n - 1] == ' ')
		n--;
	l[n] = '\0';
	return n;
}

/* ---- console wording ---------------------------------------------------- */

struct an_wording {
	const char *text;
	const char *cls;
	int confidence;
};

/* Ordered: the first match wins. Wording from esptool 3.x-5.x and esptool-js. */
static const struct an_wording an_wordings[] = {
	{ "Wrong boot mode detected", "WRONG_BOOT_MODE", 90 },
	{ "serial TX path seems to be down", "TX_PATH_DOWN", 90 },
	{ "not supported in Secure Download Mode", "UNSUPPORTED_IN_SDM", 95 },
	{ "Secure Download Mode is enabled", "UNSUPPORTED_IN_SDM", 80 },
	{ "Invalid head of packet", "NOISE_INVALID_HEAD", 90 },
	{ "Packet content transfer stopped", "PARTIAL_FRAME", 85 },
	{ "Timed out waiting for packet content", "PARTIAL_FRAME", 80 },
	{ "Failed to write to target RAM", "RAM_UPLOAD_CORRUPT", 90 },
	{ "Failed to start stub flasher", "STUB_NO_START", 90 },
	{ "Failed to write to target Flash after seq", "BLOCK_REJECTED", 90 },
	{ "Failed to write compressed data to flash after seq", "BLOCK_REJECTED", 90 },
	{ "MD5 of file does not match", "VERIFY_MISMATCH", 95 },
	{ "Corrupt data, expected", "READBACK_CORRUPT", 90 },
	{ "Write timeout", "WRITE_TIMEOUT", 85 },
	{ "WritableStream is locked", "WRITE_TIMEOUT", 45 },
	{ "device reports readiness to read but returned no data", "DEVICE_VANISHED", 85 },
	{ "Input/output error", "DEVICE_VANISHED", 80 },
	{ "Protocol error", "DEVICE_VANISHED", 70 },
	{ "Device not configured", "DEVICE_VANISHED", 80 },
	{ "device which does not exist was specified", "DEVICE_VANISHED", 80 },
	{ "The device has been lost", "DEVICE_VANISHED", 80 },
	{ "Lost connection, retrying", "DEVICE_VANISHED", 75 },
	{ "port is busy or doesn't exist", "PORT_UNAVAILABLE", 90 },
	{ "could not open port", "PORT_UNAVAILABLE", 85 },
	{ "Could not open", "PORT_UNAVAILABLE", 60 },
	{ "Permission denied", "PORT_UNAVAILABLE", 70 },
	{ "Unable to verify flash chip connection", "BAUD_SWITCH_FAILED", 60 },
	{ "stopped responding after changing baud rate", "BAUD_SWITCH_FAILED", 80 },
	{ "Failed to enter Flash download mode", "UNSUPPORTED_IN_SDM", 60 },
	{ "Failed to enter flash download mode", "UNSUPPORTED_IN_SDM", 60 },
	{ "Failed to enter compressed flash mode", "UNSUPPORTED_IN_SDM", 60 },
	{ "Serial data stream stopped", "ACK_STALL", 70 },
	{ "The chip stopped responding", "ACK_STALL", 75 },
	{ "No more data to read from the serial port", "ACK_STALL", 70 },
	{ "Timed out waiting for packet header", "ACK_STALL", 50 },
	{ "StopIteration", "ACK_STALL", 50 },	/* esptool 3.x: the reader ran dry mid-command */
	{ "Failed to connect to", "NO_RESPONSE", 75 },
	{ "Failed to connect with the device", "NO_RESPONSE", 50 },
	{ "No serial data received", "NO_RESPONSE", 60 },
	{ NULL, NULL, 0 }
};

const char *
an_console_class(const char *line, int *confidence)
{
	const struct an_wording *w;

	for (w = an_wordings; w->text != NULL; w++) {
		if (strcasestr(line, w->text) != NULL) {
			if (confidence != NULL)
				*confidence = w->confidence;
			return w->cls;
		}
	}
	return NULL;
}

/* An error line the tool ends with (esptool "A fatal error occurred: ", js "error: "...). */
static int
an_is_error_line(const char *l)
{
	/* esptool 5.3 on a port without USB ids: a note, then it goes on */
	if (strstr(l, "Failed to get VID/PID") != NULL)
		return 0;
	return strstr(l, "A fatal error occurred") != NULL || strncmp(l, "error: ", 7) == 0 ||
	    strstr(l, "Error: ") != NULL || strstr(l, "Exception: ") != NULL ||
	    strstr(l, "esptool.py failed") != NULL || strstr(l, "Failed to ") != NULL ||
	    strstr(l, "WritableStream") != NULL || strstr(l, "OSError") != NULL ||
	    strstr(l, "SerialException") != NULL || strstr(l, "Errno") != NULL ||
	    strncmp(l, "StopIteration", 13) == 0;
}

/* "Writing at 0x00077c00... (93 %)", js "(93%)", 5.x "Writing at 0x00010000 [=>  ]  50.0% ..." */
static int
an_parse_progress(const char *l, uint32_t *addr, int *percent)
{
	const char *p = strstr(l, "Writing at 0x");
	const char *q;
	char *end;
	double pc;

	if (p == NULL)
		return 0;
	*addr = (uint32_t)strtoul(p + 11, &end, 16);
	q = strchr(end, '(');
	if (q != NULL) {
		pc = strtod(q + 1, &end);
		if (end != q + 1 && pc >= 0 && pc <= 100) {
			*percent = (int)pc;
			return 1;
		}
	}
	for (q = end; *q != '\0'; q++) {
		if (*q == '%') {
			const char *s = q;

			while (s > end && (isdigit((unsigned char)s[-1]) || s[-1] == '.'))
				s--;
			if (s < q) {
				pc = strtod(s, NULL);
				if (pc < 0 || pc > 100)
					return 0;
				*percent = (int)pc;
				return 1;
			}
		}
	}
	return 0;
}

static void
an_console_version(struct analyzer *an, const char *l)
{
	const char *p;
	char ver[32];
	size_t i = 0;

	if ((p = strstr(l, "esptool.py v")) != NULL)
		p += 12;
	else if (strncmp(l, "esptool v", 9) == 0)
		p = l + 9;
	else if (strncmp(l, "esptool.js", 10) == 0) {
		an_set_str(&an->sum.tool, "esptool-js");
		return;
	} else
		return;
	while (p[i] != '\0' && (isdigit((unsigned char)p[i]) || p[i] == '.' ||
	    isalpha((unsigned char)p[i]) || p[i] == '-') && i < sizeof(ver) - 1) {
		ver[i] = p[i];
		i++;
	}
	ver[i] = '\0';
	an_set_str(&an->sum.tool, "esptool.py");
	an_set_str(&an->sum.tool_version, ver);
}

static void
an_console_chip(struct analyzer *an, const char *l)
{
	const char *p = NULL;
	char chip[48], rev[24] = "";
	size_t i = 0;
	const char *r;

	if (strncmp(l, "Chip is ", 8) == 0)
		p = l + 8;
	else if (strncmp(l, "Chip type:", 10) == 0)
		p = l + 10;
	else if ((r = strstr(l, "Connected to ")) != NULL && strstr(l, " on ") != NULL)
		p = r + 13;
	if (p == NULL)
		return;
	while (*p == ' ')
		p++;
	while (p[i] != '\0' && p[i] != ' ' && p[i] != '(' && i < sizeof(chip) - 1) {
		chip[i] = p[i];
		i++;
	}
	chip[i] = '\0';
	if ((r = strstr(p, "(revision ")) != NULL) {
		size_t k = 0;

		r += 10;
		while (r[k] != '\0' && r[k] != ')' && k < sizeof(rev) - 1) {
			rev[k] = r[k];
			k++;
		}
		rev[k] = '\0';
	}
	if (chip[0] != '\0' && (an->sum.chip == NULL || strlen(chip) > strlen(an->sum.chip)))
		an_set_str(&an->sum.chip, chip);
	if (rev[0] != '\0')
		an_set_str(&an->sum.chip_revision, rev);
	an->c.connected = 1;
}

static void
an_console_wrapper(struct analyzer *an, const char *l)
{
	const char *w = NULL;

	if (strstr(l, "idf.py") != NULL || strstr(l, "Executing action: flash") != NULL)
		w = "idf.py";
	else if (strstr(l, "PlatformIO") != NULL || strstr(l, ".pio/build") != NULL ||
	    strstr(l, "pio run") != NULL)
		w = "PlatformIO";
	else if (strstr(l, "Sketch uses") != NULL || strstr(l, "arduino") != NULL ||
	    strstr(l, "Arduino") != NULL)
		w = "Arduino IDE";
	else if (strstr(l, "ESP-IDF: ") != NULL || strstr(l, "[Flash]") != NULL ||
	    strstr(l, "vscode") != NULL)
		w = "VS Code ESP-IDF extension";
	if (w != NULL && an->sum.wrapper == NULL)
		an->sum.wrapper = xstrdup(w);
}

/* A new run starts at a banner when the previous one already said something. */
static int
an_is_banner(const char *l)
{
	return strncmp(l, "esptool.py v", 12) == 0 || strncmp(l, "esptool v", 9) == 0 ||
	    strncmp(l, "esptool.js", 10) == 0;
}

static void
an_console_line(struct analyzer *an, const char *l)
{
	struct an_console *c = &an->c;
	const char *cls;
	uint32_t addr;
	int percent, conf = 0;
	const char *p;
	char joined[2 * 256 + 2];	/* outlives the join: l may point here */

	if (an_is_banner(l)) {
		if (c->seen || an->w.seen)
			an_new_run(an);
		an->sum.runs = an->sum.runs ? an->sum.runs : 1;
	}
	an_console_version(an, l);
	an_console_chip(an, l);
	an_console_wrapper(an, l);
	if (strstr(l, "Connecting...") != NULL)
		c->connecting = 1;
	if (strstr(l, "Detecting chip type") != NULL || strncmp(l, "Serial port ", 12) == 0)
		c->seen = 1;
	if (strstr(l, "Running stub") != NULL)
		c->running_stub = 1;
	if (strstr(l, "Stub running") != NULL || strstr(l, "Stub flasher running") != NULL) {
		c->stub_running = 1;
		an->sum.stub = 1;
	}
	if ((p = strstr(l, "Changing baud rate to ")) != NULL) {
		c->baud_changed = 1;
		c->baud_to = (uint32_t)strtoul(p + 22, NULL, 10);
		if (an->sum.nbauds < 8 && an->input == ANALYZE_IN_CONSOLE)
			an->sum.bauds[an->sum.nbauds++] = c->baud_to;
	}
	if ((p = strstr(l, "Compressed ")) != NULL && strstr(l, " bytes to ") != NULL) {
		an->sum.compressed = 1;
		c->compressed_from = strtoull(p + 11, NULL, 10);
	}
	if ((p = strstr(l, "Flash will be erased from 0x")) != NULL) {
		char *e;
		unsigned long long from = strtoull(p + 26, &e, 16), to;

		if ((e = strstr(e, " to 0x")) != NULL && (to = strtoull(e + 6, NULL, 16)) >= from)
			c->erase_size = to - from + 1;
	}
	if (strstr(l, "Hash of data verified") != NULL)
		c->hash_ok = 1;
	if (strncmp(l, "Leaving", 7) == 0)
		c->leaving = 1;
	if (strstr(l, "Traceback (most recent call last)") != NULL)
		c->traceback = 1;
	if (strstr(l, "MAC: ") != NULL || strncmp(l, "MAC:", 4) == 0) {
		p = strstr(l, "MAC:") + 4;
		while (*p == ' ')
			p++;
		an_set_str(&an->sum.mac, p);
	}
	if (strstr(l, "USB-Serial/JTAG") != NULL || strstr(l, "USB_SERIAL_JTAG") != NULL)
		c->usb_jtag = 1;
	if (an_parse_progress(l, &addr, &percent)) {
		c->seen = 1;
		an_mark_set(an, &c->progress, "%s", l);
		c->progress.percent = percent;
		c->progress.offset = addr;
		if (c->nprogress == 0)
			c->first_addr = addr;
		else if (c->block == 0 && addr > c->first_addr)
			c->block = addr - c->first_addr;
		c->nprogress++;
		if (an->input == ANALYZE_IN_CONSOLE && percent >= 0 && an->ncurve < AN_PROGRESS_MAX &&
		    (an->ncurve == 0 || an->curve[an->ncurve - 1].percent != percent)) {
			an->curve[an->ncurve].t = (double)an->lineno;
			an->curve[an->ncurve].percent = percent;
			an->ncurve++;
		}
	}
	if ((p = strstr(l, "after seq ")) != NULL) {
		an_mark_set(an, &c->seq_line, "%s", l);
		c->seq_line.seq = strtoll(p + 10, NULL, 10);
	}
	if (strstr(l, "Write timeout") != NULL)
		c->write_timeout = 1;
	if (strstr(l, "WritableStream is locked") != NULL)
		c->stream_locked = 1;
	cls = an_console_class(l, &conf);
	if (cls == NULL && an->prev_error[0] != '\0') {
		/* a forum or a terminal wrapped the error message: try it joined */
		snprintf(joined, sizeof(joined), "%s %.256s", an->prev_error, l);
		if ((cls = an_console_class(joined, &conf)) != NULL) {
			l = joined;
			if ((p = strstr(l, "after seq ")) != NULL) {
				an_mark_set(an, &c->seq_line, "%s", l);
				c->seq_line.seq = strtoll(p + 10, NULL, 10);
			}
		}
	}
	an->prev_error[0] = '\0';
	/* a line cut mid-sentence (no closing punctuation) may go on on the next one */
	if (an_is_error_line(l) && strlen(l) < 256 && strlen(l) > 0 &&
	    strchr(".!):", l[strlen(l) - 1]) == NULL)
		snprintf(an->prev_error, sizeof(an->prev_error), "%s", l);
	if (cls != NULL && (an_is_error_line(l) || conf >= 60)) {
		c->seen = 1;
		if (strcmp(cls, "DEVICE_VANISHED") == 0)
			c->vanished = 1;
		/*
		 * The first hard error decides; a later "vanished" after a write
		 * timeout is its consequence (the case sliptap starts from), and a
		 * traceback's repeated lines do not move it.
		 */
		if (!c->error.set || (c->error_conf < conf && strcmp(c->error_class, "WRITE_TIMEOUT") != 0
		    && strcmp(c->error_class, "BLOCK_REJECTED") != 0)) {
			an_mark_set(an, &c->error, "%s", l);
			snprintf(c->error_class, sizeof(c->error_class), "%s", cls);
			c->error_conf = conf;
		}
	} else if (an_is_error_line(l) && !c->error.set && strstr(l, "Failed to ") != NULL) {
		an_mark_set(an, &c->error, "%s", l);
	}
}

/* ---- trace ------------------------------------------------------------- */

void
an_trace_reset(struct analyzer *an)
{
	an->t_hexdir = -1;
	an->t_len = 0;
	an->t_want = 0;
}

static void
an_trace_emit(struct analyzer *an, int dir, const uint8_t *buf, size_t len)
{
	size_t i, start = 0;

	if (len == 0)
		return;
	an->rebuilt++;
	an->cur_record = (int64_t)an->rebuilt - 1;
	if (dir == 1 && an->tfmt == ANALYZE_TRACE_JS) {
		/* drop the bytes esptool-js put back into its buffer and reads again */
		if (an->js_left_len > 0 && len >= an->js_left_len &&
		    memcmp(buf, an->js_left, an->js_left_len) == 0)
			start = an->js_left_len;
		an->js_left_len = 0;
		for (i = 0; i < len; i++) {
			if (!an->js_in_packet) {
				if (buf[i] == SLIP_END)
					an->js_in_packet = 1;
				else {
					/* esptool-js throws: the rest of this read is gone */
					break;
				}
			} else if (buf[i] == SLIP_END) {
				an->js_in_packet = 0;
				if (i + 1 < len) {
					size_t n = len - i - 1;

					if (n > AN_JS_LEFT_MAX)
						n = AN_JS_LEFT_MAX;
					if (an->js_left == NULL)
						an->js_left = xmalloc(AN_JS_LEFT_MAX);
					memcpy(an->js_left, buf + i + 1, n);
					an->js_left_len = n;
				}
				break;
			}
		}
	}
	analyzer_wire(an, dir, buf + start, len - start, an->t_clock);
}

static void
an_trace_flush(struct analyzer *an)
{
	if (an->t_hexdir >= 0 && an->t_len > 0)
		an_trace_emit(an, an->t_hexdir, an->t_buf, an->t_len);
	an->t_hexdir = -1;
	an->t_len = 0;
	an->t_want = 0;
}

/* Append hex digits of s (spaces allowed) to the trace buffer; -1 if s is not hex. */
static int
an_trace_hex(struct analyzer *an, const char *s, size_t n, int strict)
{
	size_t i;
	int hi = -1;

	for (i = 0; i < n; i++) {
		int c = (unsigned char)s[i], v;

		if (c == ' ')
			continue;
		v = hex_digit(c);
		if (v < 0)
			return strict ? -1 : 0;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (an->t_len == an->t_cap) {
			an->t_cap = an->t_cap ? 2 * an->t_cap : 4096;
			if (an->t_cap > SLIP_MAX_FRAME * 4) {
				an->t_cap /= 2;
				an_trace_flush(an);
				return 0;
			}
			an->t_buf = realloc(an->t_buf, an->t_cap);
			if (an->t_buf == NULL)
				fatalx("out of memory");
		}
		an->t_buf[an->t_len++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return 0;
}

/* A hex dump line: "    c000082400000000 0007071220555555 | ...$...." */
static int
an_trace_dump_line(struct analyzer *an, const char *l, size_t n)
{
	const char *bar = memchr(l, '|', n);
	size_t hn = bar != NULL ? (size_t)(bar - l) : n;
	size_t i, hex = 0;

	for (i = 0; i < hn; i++) {
		if (isxdigit((unsigned char)l[i]))
			hex++;
		else if (l[i] != ' ')
			return 0;
	}
	if (hex == 0 || hex % 2 != 0)
		return 0;
	if (an->t_hexdir == -2)
		return 1;	/* a command's data dump: not wire bytes */
	an_trace_hex(an, l, hn, 1);
	if (an->t_want > 0 && an->t_len >= an->t_want)
		an_trace_flush(an);
	return 1;
}

static void
an_trace_line(struct analyzer *an, const char *t, const char *msg)
{
	const char *p;
	double v;
	char *end;

	/* the stamp */
	p = t + 5;
	while (*p == ' ')
		p++;
	if (*p == '+') {
		v = strtod(p + 1, &end);
		if (end != p + 1 && v >= 0 && v < 1e6)
			an->t_clock += (uint64_t)(v * (double)NS_PER_SEC);
		if (an->tfmt == ANALYZE_TRACE_NONE || an->tfmt == ANALYZE_TRACE_JS)
			an->tfmt = ANALYZE_TRACE_PY4;
	} else {
		v = strtod(p, &end);
		if (end != p && v >= 0 && v < 1e9) {
			uint64_t ns = (uint64_t)(v * 1e6);

			if (ns > an->t_clock)
				an->t_clock = ns;
		}
		if (an->tfmt == ANALYZE_TRACE_NONE)
			an->tfmt = ANALYZE_TRACE_JS;
	}
	if (strncmp(msg, "--- Cmd ", 8) == 0) {
		an->tfmt = ANALYZE_TRACE_PY5;
		an->t_hexdir = -2;
		return;
	}
	if (strncmp(msg, "command op", 10) == 0) {
		an->t_hexdir = -2;
		return;
	}
	if (strncmp(msg, "Write ", 6) == 0 || strncmp(msg, "Read ", 5) == 0) {
		int dir = msg[0] == 'W' ? 0 : 1;
		unsigned long n;

		p = msg + (dir == 0 ? 6 : 5);
		n = strtoul(p, &end, 10);
		if (end == p || strncmp(end, " bytes:", 7) != 0) {
			an->t_hexdir = -1;
			return;
		}
		an->t_hexdir = dir;
		an->t_want = n;
		an->t_len = 0;
		an_trace_hex(an, end + 7, strlen(end + 7), 0);
		if (an->t_len >= an->t_want)
			an_trace_flush(an);
		return;
	}
	if (strncmp(msg, "Remaining data in serial buffer:", 32) == 0) {
		/*
		 * esptool flushes the port after bytes it cannot use ("Read
		 * invalid data"): what it drops there came from the device too,
		 * e.g. the rest of a boot log after its first byte
		 */
		an->t_hexdir = 1;
		an->t_want = 0;
		an->t_len = 0;
		an_trace_hex(an, msg + 32, strlen(msg + 32), 0);
		return;
	}
	if (strstr(msg, "Timed out waiting for packet") != NULL) {
		an_mark_set(an, &an->w.missing, "the tool timed out waiting for a reply (%s)", msg);
		an->w.missing_count++;
	}
	an->t_hexdir = -1;
}

static void
an_handle_line(struct analyzer *an, char *l, size_t n)
{
	char *t;

	n = an_clean_line(l, n);
	if (n == 0)
		return;
	an->sum.lines++;
	t = strstr(l, "TRACE ");
	if (t != NULL && (t[6] == '+' || isdigit((unsigned char)t[6]))) {
		const char *msg;

		an_trace_flush(an);
		if (t > l) {
			*t = '\0';
			an_console_line(an, l);
			*t = 'T';
		}
		if (an->input != ANALYZE_IN_CAPTURE)
			an->input = ANALYZE_IN_TRACE;
		/* message after the stamp */
		msg = t + 6;
		if (*msg == '+')
			msg++;
		while (isdigit((unsigned char)*msg) || *msg == '.')
			msg++;
		while (*msg == ' ')
			msg++;
		an_trace_line(an, t, msg);
		return;
	}
	if (an->t_hexdir != -1 && (l[0] == ' ' || isxdigit((unsigned char)l[0])) &&
	    an_trace_dump_line(an, l, n))
		return;
	if (an->t_hexdir == -2 && strstr(l, "---") != NULL)
		return;
	an_trace_flush(an);
	an_console_line(an, l);
}

void
analyzer_text(struct analyzer *an, const uint8_t *buf, size_t len)
{
	size_t i;

	if (an->input == ANALYZE_IN_UNKNOWN)
		an->input = ANALYZE_IN_CONSOLE;
	for (i = 0; i < len; i++) {
		uint8_t b = buf[i];

		if (b == '\n' || b == '\r') {
			if (b == '\n' && an->line_cr) {
				an->line_cr = 0;
				continue;
			}
			an->line_cr = b == '\r';
			an->lineno++;
			an->cur_line = an->lineno;
			an_handle_line(an, an->line, an->line_len);
			an->line_len = 0;
			continue;
		}
		an->line_cr = 0;
		if (an->line_len < AN_LINE_MAX - 1)
			an->line[an->line_len++] = (char)b;
	}
}

void
analyzer_text_end(struct analyzer *an)
{
	if (an->line_len > 0) {
		an->lineno++;
		an->cur_line = an->lineno;
		an_handle_line(an, an->line, an->line_len);
		an->line_len = 0;
	}
	an_trace_flush(an);
}
