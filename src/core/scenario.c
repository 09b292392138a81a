/*
 * scenario.c — the strict scenario-file parser (docs/sliptap-scenario.5).
 *
 * libinih splits lines into sections and key = value pairs; everything
 * else is ours. inih 55 as Debian ships it calls the handler without a line
 * number (INI_HANDLER_LINENO is 0 in the library build), so the text is fed
 * through ini_parse_stream() with our own line reader: one reader call is
 * one physical line, which gives us the line number of every handler call,
 * lets us reject what inih would accept silently (overlong lines, which it
 * splits; section names it truncates; "key: value"; indented lines that it
 * takes as continuations of the previous value) and name the line.
 *
 * Pure apart from scenario_parse_file(), which reads the whole file into
 * memory first. XXX that one read is the only fd this module touches.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "esp.h"
#include "scenario.h"
#include "session.h"
#include "util.h"

/* Longest line we accept (inih's stack buffer is 200 bytes with \r\n\0). */
#define SCENARIO_LINE_MAX	196
/* inih truncates section names at 49 bytes. */
#define SCENARIO_SECTION_MAX	48

const char *const scenario_classes[] = {
	"NO_RESPONSE", "WRONG_BOOT_MODE", "TX_PATH_DOWN", "NOISE_INVALID_HEAD",
	"PARTIAL_FRAME", "ACK_STALL", "BAUD_SWITCH_FAILED", "RAM_UPLOAD_CORRUPT",
	"STUB_NO_START", "BLOCK_REJECTED", "WRITE_TIMEOUT", "DEVICE_VANISHED",
	"VERIFY_MISMATCH", "READBACK_CORRUPT", "PORT_UNAVAILABLE", "STUCK_IN_LOADER",
	"UNSUPPORTED_IN_SDM", "SUCCESS", NULL
};

/* NULL-terminated: scenario_lookup walks them. */
static const char *const scenario_action_names[SCENARIO_ACT_COUNT + 1] = {
	[SCENARIO_ACT_NONE] = "none",
	[SCENARIO_ACT_PASS] = "pass",
	[SCENARIO_ACT_DROP] = "drop",
	[SCENARIO_ACT_DUPLICATE] = "duplicate",
	[SCENARIO_ACT_DELAY] = "delay",
	[SCENARIO_ACT_STALL] = "stall",
	[SCENARIO_ACT_THROTTLE] = "throttle",
	[SCENARIO_ACT_SLICE] = "slice",
	[SCENARIO_ACT_CORRUPT] = "corrupt",
	[SCENARIO_ACT_TRUNCATE] = "truncate",
	[SCENARIO_ACT_INJECT] = "inject",
	[SCENARIO_ACT_REPLY] = "reply",
	[SCENARIO_ACT_DISCONNECT] = "disconnect",
	[SCENARIO_ACT_IGNORE_BAUD] = "ignore-baud-change",
	[SCENARIO_ACT_RESET] = "reset",
	[SCENARIO_ACT_FREEZE] = "freeze-host-writes",
};

static const char *const scenario_event_names[SCENARIO_EV_COUNT + 1] = {
	[SCENARIO_EV_NONE] = "none",
	[SCENARIO_EV_CLIENT_OPEN] = "client-open",
	[SCENARIO_EV_FIRST_SYNC] = "first-sync",
	[SCENARIO_EV_BAUD_CHANGE] = "baud-change",
	[SCENARIO_EV_RESET] = "reset",
	[SCENARIO_EV_STUB_START] = "stub-start",
};

static const char *const scenario_outcome_names[] = {
	[SCENARIO_OUT_NONE] = "none",
	[SCENARIO_OUT_PASS] = "pass",
	[SCENARIO_OUT_RECOVERED] = "recovered",
	[SCENARIO_OUT_FAIL_CLEAN] = "fail-clean",
	[SCENARIO_OUT_FAIL_DIRTY] = "fail-dirty",
	[SCENARIO_OUT_HANG] = "hang",
	[SCENARIO_OUT_SILENT_CORRUPTION] = "silent-corruption",
	[SCENARIO_OUT_NOT_TRIGGERED] = "not-triggered",
	NULL
};

/* Op families accepted wherever op names are. */
static const struct {
	const char	*name;
	uint8_t		 ops[4];
} scenario_families[] = {
	{ "any-flash-data", { ESP_OP_FLASH_DATA, ESP_OP_FLASH_DEFL_DATA } },
	{ "any-mem-data", { ESP_OP_MEM_DATA } },
	{ "any-data", { ESP_OP_FLASH_DATA, ESP_OP_FLASH_DEFL_DATA, ESP_OP_MEM_DATA } },
	{ "any-flash-begin", { ESP_OP_FLASH_BEGIN, ESP_OP_FLASH_DEFL_BEGIN } },
	{ "any-begin", { ESP_OP_FLASH_BEGIN, ESP_OP_FLASH_DEFL_BEGIN, ESP_OP_MEM_BEGIN } },
	{ "any-flash-end", { ESP_OP_FLASH_END, ESP_OP_FLASH_DEFL_END } },
	{ "any-end", { ESP_OP_FLASH_END, ESP_OP_FLASH_DEFL_END, ESP_OP_MEM_END } },
	{ "any-read", { ESP_OP_READ_FLASH, ESP_OP_READ_FLASH_SLOW } },
};

static const char *const scenario_chips[] = {
	"esp8266", "esp32", "esp32s2", "esp32s3", "esp32c2", "esp32c3", "esp32c5",
	"esp32c6", "esp32c61", "esp32h2", "esp32p4", "any", NULL
};
static const char *const scenario_transports[] = { "uart", "usb-jtag", "usb-otg", "any", NULL };
static const char *const scenario_clients[] = { "any", "esptool", "esptool-js", NULL };
static const char *const scenario_dirs[] = { "any", "to-device", "to-host", NULL };
static const char *const scenario_kinds[] = {
	"any", "frame", "command", "response", "ohai", "garbage", "text", NULL
};
static const char *const scenario_targets[] = {
	"payload", "checksum", "header", "status", "framing", "any", NULL
};
static const char *const scenario_positions[] = { "before", "after", "instead", NULL };
static const char *const scenario_boots[] = { "download", "spi", NULL };
static const char *const scenario_thens[] = { "resume", "disconnect", NULL };
static const char *const scenario_phases[] = {
	"connecting", "synced", "stub-running", "flashing", "verifying", "done", NULL
};

enum scenario_section {
	SCENARIO_SEC_NONE,		/* before any section */
	SCENARIO_SEC_SCENARIO,
	SCENARIO_SEC_EXPECT,
	SCENARIO_SEC_RULE,
	SCENARIO_SEC_BAD,		/* an invalid header: its keys are skipped */
};

struct scenario_parser {
	const char	*file;
	const char	*text;
	size_t		 pos;
	int		 line;		/* current physical line (1-based) */
	int		 line_cont;	/* the current line is an indented continuation */
	int		 line_bad;	/* the reader replaced the line (already reported) */
	char		*err;
	size_t		 errlen, errpos;
	int		 nerr;
	struct scenario	*sc;
	enum scenario_section sec;
	struct scenario_rule *rule;	/* SCENARIO_SEC_RULE */
	struct scenario_override *ovr;	/* SCENARIO_SEC_EXPECT of an [expect TOOL] */
	int		 seen_scenario, seen_expect;
	char		 last_key[64];	/* previous key of the section, for continuations */
	struct scenario_rule_aux *aux;	/* per rule, parallel to sc->rules */
	size_t		 naux;
};

/* ---- Small helpers --------------------------------------------------- */

static void scenario_error(struct scenario_parser *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
scenario_error(struct scenario_parser *p, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	p->nerr++;
	if (p->nerr > SCENARIO_MAX_ERRORS || p->err == NULL || p->errlen == 0)
		return;
	if (p->errpos + 1 >= p->errlen)
		return;
	if (line > 0)
		n = snprintf(p->err + p->errpos, p->errlen - p->errpos, "%s:%d: ", p->file, line);
	else
		n = snprintf(p->err + p->errpos, p->errlen - p->errpos, "%s: ", p->file);
	if (n < 0 || (size_t)n >= p->errlen - p->errpos) {
		p->errpos = p->errlen - 1;
		return;
	}
	p->errpos += (size_t)n;
	va_start(ap, fmt);
	n = vsnprintf(p->err + p->errpos, p->errlen - p->errpos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= p->errlen - p->errpos) {
		p->errpos = p->errlen - 1;
		return;
	}
	p->errpos += (size_t)n;
	if (p->errpos + 1 < p->errlen) {
		p->err[p->errpos++] = '\n';
		p->err[p->errpos] = '\0';
	}
}

/* Edit distance with transpositions (optimal string alignment), case-blind. */
static size_t
scenario_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, c, v;
	size_t d[48][48];

	if (la >= 48 || lb >= 48)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			c = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			v = d[i - 1][j - 1] + c;
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* The closest of `names` to `s` within a small distance, or NULL. */
static const char *
scenario_suggest(const char *s, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t i, d, bestd = 99, limit;

	limit = strlen(s) <= 4 ? 1 : strlen(s) <= 8 ? 2 : 3;
	for (i = 0; i < n && names[i] != NULL; i++) {
		d = scenario_distance(s, names[i]);
		/* an edit of every character is no suggestion ("b" for "a") */
		if (d >= strlen(s) && d >= strlen(names[i]))
			continue;
		if (d < bestd) {
			bestd = d;
			best = names[i];
		}
	}
	return bestd <= limit ? best : NULL;
}

static size_t
scenario_count(const char *const *names)
{
	size_t n = 0;

	while (names[n] != NULL)
		n++;
	return n;
}

/* Index of `s` in a NULL-terminated table, or -1; reports the error with a suggestion. */
static int
scenario_lookup(struct scenario_parser *p, const char *what, const char *s,
    const char *const *names)
{
	const char *hint;
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	hint = scenario_suggest(s, names, scenario_count(names));
	if (hint != NULL)
		scenario_error(p, p->line, "unknown %s \"%s\" (did you mean \"%s\"?)", what, s, hint);
	else
		scenario_error(p, p->line, "unknown %s \"%s\"", what, s);
	return -1;
}

static int
scenario_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int base = 10, d, any = 0;

	*out = 0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s != '\0'; s++) {
		if (isdigit((unsigned char)*s))
			d = *s - '0';
		else if (base == 16 && isxdigit((unsigned char)*s))
			d = tolower((unsigned char)*s) - 'a' + 10;
		else if (*s == '_' && any)
			continue;
		else
			return -1;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
		any = 1;
	}
	if (!any)
		return -1;
	*out = v;
	return 0;
}

static int
scenario_parse_u32v(const char *s, uint32_t *out)
{
	uint64_t v;

	*out = 0;
	if (scenario_parse_u64(s, &v) != 0 || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/*
 * A decimal "12", "1.5" into an integer scaled by 10^scale digits
 * (fraction digits beyond scale must be zero). Returns the end or NULL.
 */
static const char *
scenario_parse_decimal(const char *s, int scale, uint64_t *out)
{
	uint64_t ip = 0, fp = 0;
	int digits = 0, fd = 0, i;

	*out = 0;
	while (isdigit((unsigned char)*s)) {
		if (ip > 1000000000000ULL)
			return NULL;
		ip = ip * 10 + (uint64_t)(*s++ - '0');
		digits++;
	}
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			if (fd < scale) {
				fp = fp * 10 + (uint64_t)(*s - '0');
				fd++;
			} else if (*s != '0')
				return NULL;
			s++;
			digits++;
		}
	}
	if (digits == 0)
		return NULL;
	for (i = fd; i < scale; i++)
		fp *= 10;
	for (i = 0; i < scale; i++)
		ip *= 10;
	*out = ip + fp;
	return s;
}

int
scenario_parse_duration(const char *s, uint64_t *ns, const char **why)
{
	static const struct {
		const char *unit;
		int scale;		/* digits of fraction allowed */
		uint64_t mul;		/* ns per unit / 10^scale */
	} units[] = {
		{ "us", 3, 1 }, { "ms", 6, 1 }, { "s", 9, 1 }, { "min", 9, 60 },
	};
	const char *end, *u;
	uint64_t v;
	size_t i;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	*ns = 0;
	*why = NULL;
	while (isspace((unsigned char)*s))
		s++;
	/* Parse with the largest scale; re-parse per unit below. */
	if ((end = scenario_parse_decimal(s, 9, &v)) == NULL) {
		*why = "not a number";
		return -1;
	}
	u = end;
	while (isspace((unsigned char)*u))
		u++;
	if (*u == '\0') {
		*why = "needs a unit (us, ms, s or min)";
		return -1;
	}
	for (i = 0; i < nitems(units); i++) {
		size_t ul = strlen(units[i].unit);

		if (strncmp(u, units[i].unit, ul) != 0)
			continue;
		if (u[ul] != '\0' && !isspace((unsigned char)u[ul]))
			continue;
		while (isspace((unsigned char)u[ul]))
			ul++;
		if (u[ul] != '\0')
			break;
		if (scenario_parse_decimal(s, units[i].scale, &v) == NULL) {
			*why = "has more fraction digits than its unit allows";
			return -1;
		}
		if (v > 86400ULL * 1000000000ULL / units[i].mul) {
			*why = "is longer than a day";
			return -1;
		}
		*ns = v * units[i].mul;
		return 0;
	}
	*why = "has an unknown unit (use us, ms, s or min)";
	return -1;
}

int
scenario_parse_percent(const char *s, uint32_t *ppb)
{
	const char *end;
	uint64_t v;

	*ppb = 0;
	while (isspace((unsigned char)*s))
		s++;
	if ((end = scenario_parse_decimal(s, 7, &v)) == NULL)
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end == '%')
		end++;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0' || v > 100ULL * 10000000ULL)
		return -1;
	*ppb = (uint32_t)v;	/* percent * 10^7 == parts per billion */
	return 0;
}

static int
scenario_parse_bool(const char *s, int *out)
{
	if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 || strcmp(s, "on") == 0 ||
	    strcmp(s, "1") == 0) {
		*out = 1;
		return 0;
	}
	if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0 || strcmp(s, "off") == 0 ||
	    strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	return -1;
}

static int
scenario_valid_name(const char *s)
{
	size_t n = 0;

	if (!isalnum((unsigned char)*s))
		return 0;
	for (; *s != '\0'; s++, n++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return 0;
	return n <= SCENARIO_NAME_MAX;
}

/* Copy with whitespace trimmed at both ends. */
static char *
scenario_trim(const char *s, size_t len)
{
	char *r;

	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	r = xmalloc(len + 1);
	memcpy(r, s, len);
	r[len] = '\0';
	return r;
}

/* ---- Values ---------------------------------------------------------- */

/*
 * A numeric condition: "N", "A..B", ">= N", "> N", "<= N", "< N". `op` is an
 * operator carried over from the key ("seq >= 5" splits as "seq >" "5").
 */
static int
scenario_parse_range(const char *op, const char *v, uint64_t max, struct scenario_range *r)
{
	char buf[64], *dots;
	uint64_t a, b;
	char opbuf[3] = "";

	memset(r, 0, sizeof(*r));
	while (isspace((unsigned char)*v))
		v++;
	if (op != NULL && *op != '\0') {
		/* "seq >= 5": key "seq >", value "5" */
		snprintf(opbuf, sizeof(opbuf), "%s=", op);
	} else if (*v == '>' || *v == '<') {
		opbuf[0] = *v++;
		if (*v == '=') {
			opbuf[1] = '=';
			v++;
		}
	}
	while (isspace((unsigned char)*v))
		v++;
	if (strlen(v) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", v);
	if (opbuf[0] == '\0' && (dots = strstr(buf, "..")) != NULL) {
		*dots = '\0';
		{
			char *x = scenario_trim(buf, strlen(buf));
			char *y = scenario_trim(dots + 2, strlen(dots + 2));
			int bad = scenario_parse_u64(x, &a) != 0 || scenario_parse_u64(y, &b) != 0;

			free(x);
			free(y);
			if (bad || a > b || b > max)
				return -1;
		}
		r->lo = a;
		r->hi = b;
		r->set = 1;
		return 0;
	}
	if (scenario_parse_u64(buf, &a) != 0 || a > max)
		return -1;
	r->set = 1;
	if (strcmp(opbuf, ">=") == 0) {
		r->lo = a;
		r->hi = max;
	} else if (strcmp(opbuf, ">") == 0) {
		if (a >= max)
			return -1;
		r->lo = a + 1;
		r->hi = max;
	} else if (strcmp(opbuf, "<=") == 0) {
		r->lo = 0;
		r->hi = a;
	} else if (strcmp(opbuf, "<") == 0) {
		if (a == 0)
			return -1;
		r->lo = 0;
		r->hi = a - 1;
	} else if (opbuf[0] == '\0') {
		r->lo = r->hi = a;
	} else
		return -1;
	return 0;
}

/* Op names (case-insensitive, '-' for '_') and families into a bitmap. */
static int
scenario_parse_ops(struct scenario_parser *p, const char *v, uint8_t map[32])
{
	const char *names[256 + nitems(scenario_families)];
	char word[64];
	size_t nnames = 0, i, j, len;
	const char *s = v, *e, *hint;
	int op, any = 0;

	memset(map, 0, 32);
	for (i = 0; i < 256; i++)
		if (esp_op_name((uint8_t)i) != NULL)
			names[nnames++] = esp_op_name((uint8_t)i);
	for (i = 0; i < nitems(scenario_families); i++)
		names[nnames++] = scenario_families[i].name;
	for (;;) {
		while (isspace((unsigned char)*s) || *s == ',')
			s++;
		if (*s == '\0')
			break;
		e = s;
		while (*e != '\0' && *e != ',' && !isspace((unsigned char)*e))
			e++;
		len = (size_t)(e - s);
		if (len >= sizeof(word)) {
			scenario_error(p, p->line, "op name too long");
			return -1;
		}
		memcpy(word, s, len);
		word[len] = '\0';
		s = e;
		any = 1;
		if (strcmp(word, "any") == 0) {
			memset(map, 0xff, 32);
			continue;
		}
		for (i = 0; i < nitems(scenario_families); i++)
			if (strcasecmp(word, scenario_families[i].name) == 0)
				break;
		if (i < nitems(scenario_families)) {
			for (j = 0; j < nitems(scenario_families[i].ops); j++)
				if (scenario_families[i].ops[j] != 0)
					map[scenario_families[i].ops[j] / 8] |=
					    (uint8_t)(1u << (scenario_families[i].ops[j] % 8));
			continue;
		}
		{
			char norm[64];

			for (j = 0; j <= len; j++)
				norm[j] = word[j] == '-' ? '_' : word[j];
			uint32_t code;

			op = esp_op_by_name(norm);
			if (op < 0 && strncmp(word, "0x", 2) == 0 &&
			    scenario_parse_u32v(word, &code) == 0 && code < 256)
				op = (int)code;	/* a raw op code "0x42" */
			if (op < 0) {
				/* Suggest against upper-case names with '_' and families. */
				for (j = 0; j <= len; j++)
					norm[j] = (char)toupper((unsigned char)norm[j]);
				hint = scenario_suggest(norm, names, nnames);
				if (hint == NULL)
					hint = scenario_suggest(word, names, nnames);
				if (hint != NULL)
					scenario_error(p, p->line,
					    "unknown op \"%s\" (did you mean \"%s\"?)", word, hint);
				else
					scenario_error(p, p->line, "unknown op \"%s\"", word);
				return -1;
			}
		}
		map[op / 8] |= (uint8_t)(1u << (op % 8));
	}
	if (!any) {
		scenario_error(p, p->line, "empty op list");
		return -1;
	}
	return 0;
}

/* Hex bytes "c0 01 08", "c0:01:08" or "c00108". */
static int
scenario_parse_hex(const char *v, uint8_t *out, size_t max, size_t *len)
{
	int hi = -1, d;

	*len = 0;
	for (; *v != '\0'; v++) {
		if (isspace((unsigned char)*v) || *v == ':' || *v == ',') {
			if (hi >= 0)
				return -1;
			continue;
		}
		if (!isxdigit((unsigned char)*v))
			return -1;
		d = isdigit((unsigned char)*v) ? *v - '0' : tolower((unsigned char)*v) - 'a' + 10;
		if (hi < 0)
			hi = d;
		else {
			if (*len >= max)
				return -1;
			out[(*len)++] = (uint8_t)(hi << 4 | d);
			hi = -1;
		}
	}
	return hi >= 0 || *len == 0 ? -1 : 0;
}

/* Text with C escapes (\r \n \t \\ \" \xHH \e \0); optional surrounding quotes. */
static int
scenario_parse_text(const char *v, uint8_t *out, size_t max, size_t *len, const char **why)
{
	size_t n = strlen(v);
	int quoted = 0, d, k;

	*len = 0;
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		quoted = 1;
		v++;
		n -= 2;
	}
	for (; n > 0; v++, n--) {
		uint8_t c = (uint8_t)*v;

		if (c == '"' && quoted) {
			*why = "unescaped '\"' inside a quoted text";
			return -1;
		}
		if (c == '\\') {
			if (n < 2) {
				*why = "ends with a lone backslash";
				return -1;
			}
			v++;
			n--;
			switch (*v) {
			case 'r': c = '\r'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'e': c = 0x1b; break;
			case '0': c = 0; break;
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'x':
				c = 0;
				for (k = 0; k < 2; k++) {
					if (n < 2 || !isxdigit((unsigned char)v[1])) {
						*why = "\\x needs two hex digits";
						return -1;
					}
					v++;
					n--;
					d = isdigit((unsigned char)*v) ? *v - '0' :
					    tolower((unsigned char)*v) - 'a' + 10;
					c = (uint8_t)(c << 4 | d);
				}
				break;
			default:
				*why = "has an unknown escape (use \\r \\n \\t \\e \\0 \\\\ \\\" \\xHH)";
				return -1;
			}
		}
		if (*len >= max) {
			*why = "is too long";
			return -1;
		}
		out[(*len)++] = c;
	}
	if (*len == 0) {
		*why = "is empty";
		return -1;
	}
	return 0;
}

/* ---- Keys ------------------------------------------------------------ */

/* Rule keys; the action-parameter keys name the actions they apply to. */
enum scenario_rkey {
	RK_DIRECTION, RK_KIND, RK_COMMAND, RK_RESPONSE_TO, RK_SEQ, RK_PROGRESS,
	RK_BEFORE_PROGRESS, RK_OFFSET, RK_BYTES, RK_PHASE, RK_ON, RK_AFTER, RK_AFTER_RULE,
	RK_NTH, RK_EVERY, RK_TIMES, RK_PROBABILITY, RK_BURST_ENTER, RK_BURST_EXIT,
	RK_BURST_LOSS, RK_OPTIONAL, RK_ACTION,
	/* action parameters */
	RK_DURATION, RK_LATENCY, RK_JITTER, RK_BAUD, RK_SIZE, RK_GAP, RK_BITS, RK_TARGET,
	RK_KEEP, RK_COUNT, RK_HEX, RK_TEXT, RK_TO, RK_POSITION, RK_STATUS, RK_ERROR,
	RK_STATUS_LEN, RK_REAPPEAR, RK_THEN, RK_BOOT, RK_SETTLE,
	RK_COUNT_
};

#define A(x)	(1u << SCENARIO_ACT_##x)
static const struct {
	const char	*name;
	unsigned	 actions;	/* parameter keys: the actions using it; 0 = trigger key */
	int		 multiline;	/* indented continuation lines allowed */
	int		 range;		/* takes an operator in the key ("seq >= 5") */
} scenario_rkeys[RK_COUNT_] = {
	[RK_DIRECTION] = { "direction", 0, 0, 0 },
	[RK_KIND] = { "kind", 0, 0, 0 },
	[RK_COMMAND] = { "command", 0, 1, 0 },
	[RK_RESPONSE_TO] = { "response_to", 0, 1, 0 },
	[RK_SEQ] = { "seq", 0, 0, 1 },
	[RK_PROGRESS] = { "progress", 0, 0, 1 },
	[RK_BEFORE_PROGRESS] = { "before_progress", 0, 0, 0 },
	[RK_OFFSET] = { "offset", 0, 0, 1 },
	[RK_BYTES] = { "bytes", 0, 0, 1 },
	[RK_PHASE] = { "phase", 0, 0, 0 },
	[RK_ON] = { "on", 0, 0, 0 },
	[RK_AFTER] = { "after", 0, 0, 0 },
	[RK_AFTER_RULE] = { "after_rule", 0, 0, 0 },
	[RK_NTH] = { "nth", 0, 1, 0 },
	[RK_EVERY] = { "every", 0, 0, 0 },
	[RK_TIMES] = { "times", 0, 0, 0 },
	[RK_PROBABILITY] = { "probability", 0, 0, 0 },
	[RK_BURST_ENTER] = { "burst_enter", 0, 0, 0 },
	[RK_BURST_EXIT] = { "burst_exit", 0, 0, 0 },
	[RK_BURST_LOSS] = { "burst_loss", 0, 0, 0 },
	[RK_OPTIONAL] = { "optional", 0, 0, 0 },
	[RK_ACTION] = { "action", 0, 0, 0 },
	[RK_DURATION] = { "duration", A(STALL) | A(THROTTLE) | A(FREEZE), 0, 0 },
	[RK_LATENCY] = { "latency", A(DELAY), 0, 0 },
	[RK_JITTER] = { "jitter", A(DELAY), 0, 0 },
	[RK_BAUD] = { "baud", A(THROTTLE), 0, 0 },
	[RK_SIZE] = { "size", A(SLICE), 0, 0 },
	[RK_GAP] = { "gap", A(SLICE), 0, 0 },
	[RK_BITS] = { "bits", A(CORRUPT), 0, 0 },
	[RK_TARGET] = { "target", A(CORRUPT), 0, 0 },
	[RK_KEEP] = { "keep", A(TRUNCATE), 0, 0 },
	[RK_COUNT] = { "count", A(DUPLICATE), 0, 0 },
	[RK_HEX] = { "hex", A(INJECT), 1, 0 },
	[RK_TEXT] = { "text", A(INJECT), 1, 0 },
	[RK_TO] = { "to", A(INJECT), 0, 0 },
	[RK_POSITION] = { "position", A(INJECT), 0, 0 },
	[RK_STATUS] = { "status", A(REPLY), 0, 0 },
	[RK_ERROR] = { "error", A(REPLY), 0, 0 },
	[RK_STATUS_LEN] = { "status_len", A(REPLY), 0, 0 },
	[RK_REAPPEAR] = { "reappear", A(DISCONNECT) | A(FREEZE), 0, 0 },
	[RK_THEN] = { "then", A(FREEZE), 0, 0 },
	[RK_BOOT] = { "boot", A(RESET), 0, 0 },
	[RK_SETTLE] = { "settle", A(FREEZE), 0, 0 },
};
#undef A

/* Actions that need a unit (a frame or text) rather than an `on` event. */
#define SCENARIO_UNIT_ONLY ((1u << SCENARIO_ACT_DROP) | (1u << SCENARIO_ACT_DUPLICATE) | \
    (1u << SCENARIO_ACT_DELAY) | (1u << SCENARIO_ACT_SLICE) | (1u << SCENARIO_ACT_CORRUPT) | \
    (1u << SCENARIO_ACT_TRUNCATE) | (1u << SCENARIO_ACT_REPLY))

enum scenario_skey {
	SK_NAME, SK_SUMMARY, SK_SEED, SK_DEADLINE, SK_CHIP, SK_TRANSPORT, SK_CLIENT, SK_STUB,
	SK_COMPRESS, SK_IMAGE_SIZE, SK_BAUD, SK_CHANGE_BAUD, SK_COUNT_
};
static const struct {
	const char *name;
	int multiline;
} scenario_skeys[SK_COUNT_] = {
	[SK_NAME] = { "name", 0 }, [SK_SUMMARY] = { "summary", 1 }, [SK_SEED] = { "seed", 0 },
	[SK_DEADLINE] = { "deadline", 0 }, [SK_CHIP] = { "chip", 0 },
	[SK_TRANSPORT] = { "transport", 0 }, [SK_CLIENT] = { "client", 0 },
	[SK_STUB] = { "stub", 0 }, [SK_COMPRESS] = { "compress", 0 },
	[SK_IMAGE_SIZE] = { "image_size", 0 }, [SK_BAUD] = { "baud", 0 },
	[SK_CHANGE_BAUD] = { "change_baud", 0 },
};

enum scenario_ekey { EK_OUTCOME, EK_CLASS, EK_MESSAGE, EK_KNOWN_BUG, EK_LAST_PROGRESS, EK_COUNT_ };
static const struct {
	const char *name;
	int multiline;
} scenario_ekeys[EK_COUNT_] = {
	[EK_OUTCOME] = { "outcome", 0 }, [EK_CLASS] = { "class", 0 },
	[EK_MESSAGE] = { "message", 1 }, [EK_KNOWN_BUG] = { "known_bug", 0 },
	[EK_LAST_PROGRESS] = { "last_progress", 0 },
};

/* Per-section bookkeeping of which keys were seen (and where). */
struct scenario_seen {
	int line[RK_COUNT_];
};

/* Keys may be written with '-' for '_'; compare normalised. */
static void
scenario_normkey(const char *in, char *out, size_t size, char *op)
{
	size_t i, n = strlen(in);

	*op = '\0';
	/* "seq >" from "seq >= 5", "progress <" from "progress <= 50" */
	if (n > 0 && (in[n - 1] == '>' || in[n - 1] == '<')) {
		*op = in[n - 1];
		n--;
		while (n > 0 && isspace((unsigned char)in[n - 1]))
			n--;
	}
	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		out[i] = in[i] == '-' ? '_' : in[i];
	out[n] = '\0';
}

static void
scenario_kv_add(struct scenario_kv **kv, size_t *n, const char *key, const char *value, int line)
{
	*kv = xrealloc(*kv, (*n + 1) * sizeof(**kv));
	(*kv)[*n].key = xstrdup(key);
	(*kv)[*n].value = xstrdup(value);
	(*kv)[*n].line = line;
	(*n)++;
}

/* Per-rule seen-key lines live next to the rule while parsing. */
struct scenario_rule_aux {
	struct scenario_seen seen;
};

static struct scenario_rule_aux *scenario_aux_of(struct scenario_parser *, size_t);

/* ---- [scenario] and [expect] ----------------------------------------- */

static int
scenario_key_scenario(struct scenario_parser *p, const char *key, const char *value, int cont)
{
	struct scenario *sc = p->sc;
	const char *names[SK_COUNT_], *why, *hint;
	uint64_t v;
	size_t i;
	int k = -1, b;

	for (i = 0; i < SK_COUNT_; i++) {
		names[i] = scenario_skeys[i].name;
		if (strcmp(key, names[i]) == 0)
			k = (int)i;
	}
	if (k < 0) {
		hint = scenario_suggest(key, names, SK_COUNT_);
		if (hint != NULL)
			scenario_error(p, p->line, "unknown key \"%s\" in [scenario] (did you mean \"%s\"?)", key, hint);
		else
			scenario_error(p, p->line, "unknown key \"%s\" in [scenario]", key);
		return 0;
	}
	if (cont) {
		char *n;

		if (k != SK_SUMMARY) {
			scenario_error(p, p->line, "indented line continues \"%s\"; remove the indentation", key);
			return 0;
		}
		if (sc->summary != NULL) {
			xasprintf(&n, "%s %s", sc->summary, value);
			free(sc->summary);
			sc->summary = n;
		}
		return 0;
	}
	for (i = 0; i < sc->nscenario_kv; i++) {
		char norm[64], op;

		scenario_normkey(sc->scenario_kv[i].key, norm, sizeof(norm), &op);
		if (strcmp(norm, key) == 0) {
			scenario_error(p, p->line, "duplicate key \"%s\" (first on line %d)", key,
			    sc->scenario_kv[i].line);
			return 0;
		}
	}
	scenario_kv_add(&sc->scenario_kv, &sc->nscenario_kv, key, value, p->line);
	switch (k) {
	case SK_NAME:
		if (!scenario_valid_name(value)) {
			scenario_error(p, p->line, "bad name \"%s\" (letters, digits, '-', '_', '.', at most %d)",
			    value, SCENARIO_NAME_MAX);
			return 0;
		}
		sc->name = xstrdup(value);
		break;
	case SK_SUMMARY:
		if (*value == '\0') {
			scenario_error(p, p->line, "empty summary");
			return 0;
		}
		sc->summary = xstrdup(value);
		break;
	case SK_SEED:
		if (scenario_parse_u64(value, &sc->seed) != 0) {
			scenario_error(p, p->line, "bad seed \"%s\" (a 64-bit number)", value);
			return 0;
		}
		sc->have_seed = 1;
		break;
	case SK_DEADLINE:
		if (scenario_parse_duration(value, &sc->deadline_ns, &why) != 0 || sc->deadline_ns == 0) {
			scenario_error(p, p->line, "bad duration \"%s\": %s", value,
			    why != NULL ? why : "must not be zero");
			return 0;
		}
		sc->have_deadline = 1;
		break;
	case SK_CHIP:
		if (scenario_lookup(p, "chip", value, scenario_chips) < 0)
			return 0;
		sc->chip = xstrdup(value);
		break;
	case SK_TRANSPORT:
		if (scenario_lookup(p, "transport", value, scenario_transports) < 0)
			return 0;
		sc->transport = xstrdup(value);
		break;
	case SK_CLIENT:
		if (scenario_lookup(p, "client", value, scenario_clients) < 0)
			return 0;
		sc->client = xstrdup(value);
		break;
	case SK_STUB:
	case SK_COMPRESS:
		if (scenario_parse_bool(value, &b) != 0) {
			scenario_error(p, p->line, "bad %s \"%s\" (yes or no)", key, value);
			return 0;
		}
		*(k == SK_STUB ? &sc->stub : &sc->compress) = b;
		break;
	case SK_IMAGE_SIZE:
		if (parse_size(value, &v) != 0 || v == 0 || v > 64ULL * 1024 * 1024) {
			scenario_error(p, p->line, "bad image_size \"%s\" (e.g. 512K, 1M; at most 64M)", value);
			return 0;
		}
		sc->image_size = v;
		break;
	case SK_BAUD:
	case SK_CHANGE_BAUD: {
		uint32_t baud;

		if (scenario_parse_u32v(value, &baud) != 0 || baud < 300 || baud > 16000000) {
			scenario_error(p, p->line, "bad %s \"%s\" (300 to 16000000)", key, value);
			return 0;
		}
		*(k == SK_BAUD ? &sc->baud : &sc->change_baud) = baud;
		break;
	}
	}
	return 0;
}

/* Where an [expect] or [expect TOOL] section's values go. */
struct scenario_expect_dst {
	const char	*sec;
	enum scenario_outcome *outcome;
	char		**class, **message, **known_bug;
	int		*last_progress;
	struct scenario_kv **kv;
	size_t		*nkv;
};

static int
scenario_key_expect(struct scenario_parser *p, const char *key, const char *value, int cont)
{
	struct scenario *sc = p->sc;
	struct scenario_expect_dst dst;
	const char *names[EK_COUNT_], *hint;
	char secname[64];
	size_t i;
	int k = -1, o;

	if (p->ovr != NULL) {
		snprintf(secname, sizeof(secname), "[expect %s]", p->ovr->tool);
		dst.sec = secname;
		dst.outcome = &p->ovr->outcome;
		dst.class = &p->ovr->class;
		dst.message = &p->ovr->message;
		dst.known_bug = &p->ovr->known_bug;
		dst.last_progress = &p->ovr->last_progress;
		dst.kv = &p->ovr->kv;
		dst.nkv = &p->ovr->nkv;
	} else {
		dst.sec = "[expect]";
		dst.outcome = &sc->outcome;
		dst.class = &sc->class;
		dst.message = &sc->message;
		dst.known_bug = &sc->known_bug;
		dst.last_progress = &sc->last_progress;
		dst.kv = &sc->expect_kv;
		dst.nkv = &sc->nexpect_kv;
	}

	for (i = 0; i < EK_COUNT_; i++) {
		names[i] = scenario_ekeys[i].name;
		if (strcmp(key, names[i]) == 0)
			k = (int)i;
	}
	if (k < 0) {
		hint = scenario_suggest(key, names, EK_COUNT_);
		if (hint != NULL)
			scenario_error(p, p->line, "unknown key \"%s\" in %s (did you mean \"%s\"?)", key,
			    dst.sec, hint);
		else
			scenario_error(p, p->line, "unknown key \"%s\" in %s", key, dst.sec);
		return 0;
	}
	if (cont) {
		char *n;

		if (k != EK_MESSAGE) {
			scenario_error(p, p->line, "indented line continues \"%s\"; remove the indentation", key);
			return 0;
		}
		if (*dst.message != NULL && *dst.nkv > 0 &&
		    strcmp((*dst.kv)[*dst.nkv - 1].key, key) == 0) {
			struct scenario_kv *kv = &(*dst.kv)[*dst.nkv - 1];

			xasprintf(&n, "%s %s", *dst.message, value);
			free(*dst.message);
			*dst.message = n;
			xasprintf(&n, "%s\n    %s", kv->value, value);
			free(kv->value);
			kv->value = n;
		}
		return 0;
	}
	for (i = 0; i < *dst.nkv; i++) {
		char norm[64], op;

		scenario_normkey((*dst.kv)[i].key, norm, sizeof(norm), &op);
		if (strcmp(norm, key) == 0) {
			scenario_error(p, p->line, "duplicate key \"%s\" (first on line %d)", key,
			    (*dst.kv)[i].line);
			return 0;
		}
	}
	scenario_kv_add(dst.kv, dst.nkv, key, value, p->line);
	switch (k) {
	case EK_OUTCOME:
		o = scenario_lookup(p, "outcome", value, scenario_outcome_names + 1);
		if (o >= 0)
			*dst.outcome = (enum scenario_outcome)(o + 1);
		break;
	case EK_CLASS:
		if (scenario_lookup(p, "failure class", value, scenario_classes) >= 0)
			*dst.class = xstrdup(value);
		break;
	case EK_MESSAGE:
		if (*value == '\0')
			scenario_error(p, p->line, "empty message pattern");
		else
			*dst.message = xstrdup(value);
		break;
	case EK_KNOWN_BUG:
		if (strncmp(value, "https://", 8) != 0 && strncmp(value, "http://", 7) != 0)
			scenario_error(p, p->line, "known_bug must be an http(s) URL");
		else
			*dst.known_bug = xstrdup(value);
		break;
	case EK_LAST_PROGRESS: {
		uint32_t v;

		if (scenario_parse_u32v(value, &v) != 0 || v > 100)
			scenario_error(p, p->line, "bad last_progress \"%s\" (0 to 100)", value);
		else
			*dst.last_progress = (int)v;
		break;
	}
	}
	return 0;
}

/* "4.9.1" into up to three numbers; 0 or -1. */
static int
scenario_parse_version(const char *s, unsigned ver[3])
{
	int i;
	char *end;
	unsigned long v;

	ver[0] = ver[1] = ver[2] = 0;
	for (i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = strtoul(s, &end, 10);
		if (v > 100000)
			return -1;
		ver[i] = (unsigned)v;
		s = end;
		if (*s == '\0')
			return 0;
		if (*s != '.')
			return -1;
		s++;
	}
	return -1;
}

/* A tool spec "esptool", "esptool-js", "esptool<4", "esptool >= 4.8": 0 or -1 (reported). */
static int
scenario_parse_tool(struct scenario_parser *p, const char *spec, struct scenario_override *o)
{
	static const char *const clients[] = { "esptool", "esptool-js", NULL };
	char name[32], ver[32];
	const char *s = spec, *opstart;
	size_t n;

	n = strcspn(s, "<>= \t");
	if (n == 0 || n >= sizeof(name)) {
		scenario_error(p, p->line, "bad tool \"%s\" (esptool, esptool-js, esptool<4, esptool>=4.8)", spec);
		return -1;
	}
	memcpy(name, s, n);
	name[n] = '\0';
	if (scenario_lookup(p, "tool", name, clients) < 0)
		return -1;
	snprintf(o->client, sizeof(o->client), "%s", name);
	s += n;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return 0;
	opstart = s;
	while (*s == '<' || *s == '>' || *s == '=')
		s++;
	n = (size_t)(s - opstart);
	if (n == 0 || n > 2) {
		scenario_error(p, p->line, "bad tool \"%s\" (esptool, esptool-js, esptool<4, esptool>=4.8)", spec);
		return -1;
	}
	memcpy(o->op, opstart, n);
	o->op[n] = '\0';
	if (strcmp(o->op, "<") != 0 && strcmp(o->op, "<=") != 0 && strcmp(o->op, ">") != 0 &&
	    strcmp(o->op, ">=") != 0 && strcmp(o->op, "=") != 0) {
		scenario_error(p, p->line, "bad version comparison \"%s\" (<, <=, >, >= or =)", o->op);
		return -1;
	}
	while (isspace((unsigned char)*s))
		s++;
	snprintf(ver, sizeof(ver), "%s", s);
	if (scenario_parse_version(ver, o->ver) != 0) {
		scenario_error(p, p->line, "bad version \"%s\" (e.g. 4, 4.8 or 4.9.1)", s);
		return -1;
	}
	return 0;
}

/* ---- [rule NAME] ----------------------------------------------------- */

/* Append "3, 17, 42" to the rule's nth list (ascending, no repeats). */
static void
scenario_parse_nth(struct scenario_parser *p, struct scenario_rule *r, const char *value)
{
	const char *s = value;
	char *end;
	unsigned long v;

	for (;;) {
		while (isspace((unsigned char)*s) || *s == ',')
			s++;
		if (*s == '\0')
			break;
		if (!isdigit((unsigned char)*s)) {
			scenario_error(p, p->line, "bad nth \"%s\" (positive numbers, comma-separated)", value);
			return;
		}
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno != 0 || v == 0 || v > UINT32_MAX ||
		    (r->nnth > 0 && v <= r->nth[r->nnth - 1])) {
			scenario_error(p, p->line, "bad nth \"%s\" (positive, ascending, no repeats)", value);
			return;
		}
		if (r->nnth >= SCENARIO_MAX_NTH) {
			scenario_error(p, p->line, "nth lists at most %d positions", SCENARIO_MAX_NTH);
			return;
		}
		r->nth[r->nnth++] = (uint32_t)v;
		s = end;
	}
}

static int
scenario_key_rule(struct scenario_parser *p, const char *key, char op, const char *value, int cont)
{
	struct scenario_rule *r = p->rule;
	struct scenario_rule_aux *aux = scenario_aux_of(p, (size_t)(r - p->sc->rules));
	const char *names[RK_COUNT_], *hint, *why = NULL;
	size_t i;
	int k = -1, idx;
	uint32_t u;
	char opstr[2] = { op, '\0' };

	for (i = 0; i < RK_COUNT_; i++) {
		names[i] = scenario_rkeys[i].name;
		if (strcmp(key, names[i]) == 0)
			k = (int)i;
	}
	if (k < 0) {
		/* "action" mistyped as an action name, e.g. "drop = yes" */
		for (i = 1; i < SCENARIO_ACT_COUNT; i++)
			if (strcmp(key, scenario_action_names[i]) == 0)
				break;
		if (i < SCENARIO_ACT_COUNT)
			scenario_error(p, p->line, "unknown key \"%s\" in [rule %s] (write \"action = %s\")",
			    key, r->name, key);
		else if ((hint = scenario_suggest(key, names, RK_COUNT_)) != NULL)
			scenario_error(p, p->line, "unknown key \"%s\" in [rule %s] (did you mean \"%s\"?)",
			    key, r->name, hint);
		else
			scenario_error(p, p->line, "unknown key \"%s\" in [rule %s]", key, r->name);
		return 0;
	}
	if (op != '\0' && !scenario_rkeys[k].range) {
		scenario_error(p, p->line, "key \"%s\" takes no comparison operator", key);
		return 0;
	}
	if (cont) {
		uint8_t buf[SCENARIO_MAX_DATA];
		size_t n;

		if (!scenario_rkeys[k].multiline) {
			scenario_error(p, p->line, "indented line continues \"%s\"; remove the indentation", key);
			return 0;
		}
		if (r->nkv == 0 || strcmp(r->kv[r->nkv - 1].key, key) != 0) {
			/* its first line was rejected (and reported) */
			scenario_error(p, p->line, "indented line continues a rejected \"%s\"", key);
			return 0;
		}
		if (k == RK_COMMAND || k == RK_RESPONSE_TO) {
			struct scenario_kv *kv = &r->kv[r->nkv - 1];
			uint8_t more[32], *map = k == RK_COMMAND ? r->command : r->response_to;
			char *j;
			size_t b;

			if (scenario_parse_ops(p, value, more) == 0)
				for (b = 0; b < sizeof(more); b++)
					map[b] |= more[b];
			xasprintf(&j, "%s\n    %s", kv->value, value);
			free(kv->value);
			kv->value = j;
			return 0;
		}
		if (k == RK_NTH) {
			struct scenario_kv *kv = &r->kv[r->nkv - 1];
			char *j;

			scenario_parse_nth(p, r, value);
			xasprintf(&j, "%s\n    %s", kv->value, value);
			free(kv->value);
			kv->value = j;
			return 0;
		}
		if (r->data == NULL)
			return 0;	/* the first line was bad */
		if (k == RK_HEX ? scenario_parse_hex(value, buf, sizeof(buf), &n) != 0 :
		    scenario_parse_text(value, buf, sizeof(buf), &n, &why) != 0) {
			scenario_error(p, p->line, "bad %s continuation%s%s", key, why ? ": " : "",
			    why ? why : "");
			return 0;
		}
		if (r->data_len + n > SCENARIO_MAX_DATA) {
			scenario_error(p, p->line, "inject data longer than %d bytes", SCENARIO_MAX_DATA);
			return 0;
		}
		r->data = xrealloc(r->data, r->data_len + n);
		memcpy(r->data + r->data_len, buf, n);
		r->data_len += n;
		/* keep the raw text for pinning */
		{
			struct scenario_kv *kv = &r->kv[r->nkv - 1];
			char *j;

			xasprintf(&j, "%s\n    %s", kv->value, value);
			free(kv->value);
			kv->value = j;
		}
		return 0;
	}
	if (aux->seen.line[k] != 0) {
		scenario_error(p, p->line, "duplicate key \"%s\" (first on line %d)", key, aux->seen.line[k]);
		return 0;
	}
	aux->seen.line[k] = p->line;
	if (op != '\0') {
		char *v;

		xasprintf(&v, "%c= %s", op, value);
		scenario_kv_add(&r->kv, &r->nkv, key, v, p->line);
		free(v);
	} else
		scenario_kv_add(&r->kv, &r->nkv, key, value, p->line);

	switch (k) {
	case RK_DIRECTION: {
		const char *v = value;

		if (strcmp(v, "host") == 0)
			v = "to-device";
		else if (strcmp(v, "device") == 0)
			v = "to-host";
		if ((idx = scenario_lookup(p, "direction", v, scenario_dirs)) >= 0)
			r->dir = (enum scenario_dir)idx;
		break;
	}
	case RK_KIND:
		if ((idx = scenario_lookup(p, "kind", value, scenario_kinds)) >= 0)
			r->kind = (enum scenario_kind)idx;
		break;
	case RK_COMMAND:
		if (scenario_parse_ops(p, value, r->command) == 0)
			r->have_command = 1;
		break;
	case RK_RESPONSE_TO:
		if (scenario_parse_ops(p, value, r->response_to) == 0)
			r->have_response_to = 1;
		break;
	case RK_SEQ:
		if (scenario_parse_range(opstr, value, UINT32_MAX, &r->seq) != 0)
			scenario_error(p, p->line, "bad seq \"%s\" (N, A..B, >= N, <= N, > N or < N)", value);
		break;
	case RK_PROGRESS:
		if (scenario_parse_range(opstr, value, 100, &r->progress) != 0)
			scenario_error(p, p->line, "bad progress \"%s\" (a percent 0..100: N, A..B, >= N, <= N)",
			    value);
		break;
	case RK_BEFORE_PROGRESS:
		if (scenario_parse_u32v(value, &u) != 0 || u > 100)
			scenario_error(p, p->line, "bad before_progress \"%s\" (a percent 0..100)", value);
		else
			r->before_progress = (int)u;
		break;
	case RK_OFFSET:
		if (scenario_parse_range(opstr, value, UINT32_MAX, &r->offset) != 0)
			scenario_error(p, p->line, "bad offset \"%s\" (an address, A..B, >= A, ...)", value);
		break;
	case RK_BYTES:
		if (scenario_parse_range(opstr, value, UINT64_MAX, &r->bytes) != 0)
			scenario_error(p, p->line, "bad bytes \"%s\" (N, A..B, >= N, ...)", value);
		break;
	case RK_PHASE:
		if ((idx = scenario_lookup(p, "phase", value, scenario_phases)) >= 0)
			r->phase = idx;
		break;
	case RK_ON:
		if ((idx = scenario_lookup(p, "event", value, scenario_event_names + 1)) >= 0)
			r->on = (enum scenario_event)(idx + 1);
		break;
	case RK_AFTER:
		if (scenario_parse_duration(value, &r->after_ns, &why) != 0)
			scenario_error(p, p->line, "bad duration \"%s\": %s", value, why);
		else
			r->have_after = 1;
		break;
	case RK_AFTER_RULE:
		if (!scenario_valid_name(value))
			scenario_error(p, p->line, "bad rule name \"%s\"", value);
		else
			r->after_rule = xstrdup(value);
		break;
	case RK_NTH:
		scenario_parse_nth(p, r, value);
		if (r->nnth == 0)
			scenario_error(p, p->line, "empty nth");
		break;
	case RK_EVERY:
		if (scenario_parse_u32v(value, &r->every) != 0 || r->every == 0)
			scenario_error(p, p->line, "bad every \"%s\" (a positive number)", value);
		break;
	case RK_TIMES:
		if (scenario_parse_u32v(value, &r->times) != 0)
			scenario_error(p, p->line, "bad times \"%s\" (a number)", value);
		else
			r->have_times = 1;
		break;
	case RK_PROBABILITY:
		if (scenario_parse_percent(value, &r->probability) != 0)
			scenario_error(p, p->line, "bad percentage \"%s\" (0 to 100, e.g. 2 or 0.5%%)", value);
		else
			r->have_probability = 1;
		break;
	case RK_BURST_ENTER:
	case RK_BURST_EXIT:
	case RK_BURST_LOSS:
		if (scenario_parse_percent(value, k == RK_BURST_ENTER ? &r->burst_enter :
		    k == RK_BURST_EXIT ? &r->burst_exit : &r->burst_loss) != 0)
			scenario_error(p, p->line, "bad percentage \"%s\" (0 to 100, e.g. 2 or 0.5%%)", value);
		else
			r->burst = 1;
		break;
	case RK_OPTIONAL:
		if (scenario_parse_bool(value, &r->optional) != 0)
			scenario_error(p, p->line, "bad optional \"%s\" (yes or no)", value);
		break;
	case RK_ACTION:
		if ((idx = scenario_lookup(p, "action", value, scenario_action_names + 1)) >= 0)
			r->action = (enum scenario_action)(idx + 1);
		break;
	case RK_DURATION:
	case RK_LATENCY:
	case RK_JITTER:
	case RK_GAP:
	case RK_SETTLE:
	case RK_REAPPEAR: {
		uint64_t ns;

		if (scenario_parse_duration(value, &ns, &why) != 0) {
			scenario_error(p, p->line, "bad duration \"%s\": %s", value, why);
			break;
		}
		if (k == RK_DURATION) {
			r->duration_ns = ns;
			r->have_duration = 1;
		} else if (k == RK_LATENCY)
			r->latency_ns = ns;
		else if (k == RK_JITTER)
			r->jitter_ns = ns;
		else if (k == RK_GAP)
			r->gap_ns = ns;
		else if (k == RK_SETTLE)
			r->settle_ns = ns;
		else {
			r->reappear_ns = ns;
			r->have_reappear = 1;
		}
		break;
	}
	case RK_BAUD:
		if (scenario_parse_u32v(value, &r->baud) != 0 || r->baud < 50 || r->baud > 16000000)
			scenario_error(p, p->line, "bad baud \"%s\" (50 to 16000000)", value);
		break;
	case RK_SIZE:
		if (scenario_parse_u32v(value, &r->size) != 0 || r->size == 0 || r->size > 65536)
			scenario_error(p, p->line, "bad size \"%s\" (bytes per piece, 1 to 65536)", value);
		break;
	case RK_BITS:
		if (scenario_parse_u32v(value, &r->bits) != 0 || r->bits == 0 || r->bits > 64)
			scenario_error(p, p->line, "bad bits \"%s\" (1 to 64)", value);
		break;
	case RK_TARGET:
		if ((idx = scenario_lookup(p, "target", value, scenario_targets)) >= 0)
			r->target = (enum scenario_target)idx;
		break;
	case RK_KEEP:
		if (scenario_parse_u32v(value, &r->keep) != 0)
			scenario_error(p, p->line, "bad keep \"%s\" (raw bytes kept)", value);
		break;
	case RK_COUNT:
		if (scenario_parse_u32v(value, &r->count) != 0 || r->count == 0 || r->count > 16)
			scenario_error(p, p->line, "bad count \"%s\" (1 to 16 extra copies)", value);
		break;
	case RK_HEX:
	case RK_TEXT: {
		uint8_t buf[SCENARIO_MAX_DATA];
		size_t n;

		if (aux->seen.line[k == RK_HEX ? RK_TEXT : RK_HEX] != 0) {
			scenario_error(p, p->line, "use either hex or text, not both");
			break;
		}
		if (k == RK_HEX ? scenario_parse_hex(value, buf, sizeof(buf), &n) != 0 :
		    scenario_parse_text(value, buf, sizeof(buf), &n, &why) != 0) {
			if (k == RK_HEX)
				scenario_error(p, p->line, "bad hex \"%s\" (pairs of hex digits, e.g. c0 01 08)", value);
			else
				scenario_error(p, p->line, "bad text: %s", why);
			break;
		}
		r->data = xmalloc(n);
		memcpy(r->data, buf, n);
		r->data_len = n;
		break;
	}
	case RK_TO: {
		const char *v = value;

		if (strcmp(v, "host") == 0)
			v = "to-host";
		else if (strcmp(v, "device") == 0)
			v = "to-device";
		if (strcmp(v, "any") != 0 && (idx = scenario_lookup(p, "receiver", v, scenario_dirs)) >= 0)
			r->to = (enum scenario_dir)idx;
		else if (strcmp(v, "any") == 0)
			scenario_error(p, p->line, "bad to \"any\" (host or device)");
		break;
	}
	case RK_POSITION:
		if ((idx = scenario_lookup(p, "position", value, scenario_positions)) >= 0)
			r->position = (enum scenario_position)idx;
		break;
	case RK_STATUS:
		if (scenario_parse_u32v(value, &u) != 0 || u > 255)
			scenario_error(p, p->line, "bad status \"%s\" (0 to 255)", value);
		else
			r->status = (uint8_t)u;
		break;
	case RK_ERROR: {
		char norm[64];
		const char *enames[64];
		size_t ne = 0, j;
		int code;

		snprintf(norm, sizeof(norm), "%s", value);
		for (j = 0; norm[j] != '\0'; j++)
			if (norm[j] == '-')
				norm[j] = '_';
		if ((code = esp_error_by_name(norm)) >= 0) {
			r->error = (uint8_t)code;
			break;
		}
		if (scenario_parse_u32v(value, &u) == 0 && u <= 255) {
			r->error = (uint8_t)u;
			break;
		}
		for (j = 0; j < 256 && ne < nitems(enames); j++)
			if (esp_error_name((uint8_t)j) != NULL)
				enames[ne++] = esp_error_name((uint8_t)j);
		for (j = 0; norm[j] != '\0'; j++)
			norm[j] = (char)toupper((unsigned char)norm[j]);
		if ((hint = scenario_suggest(norm, enames, ne)) != NULL)
			scenario_error(p, p->line, "unknown error code \"%s\" (did you mean \"%s\"?)", value, hint);
		else
			scenario_error(p, p->line, "unknown error code \"%s\" (a name like BAD_CHECKSUM or a number)",
			    value);
		break;
	}
	case RK_STATUS_LEN:
		if (scenario_parse_u32v(value, &u) != 0 || (u != 2 && u != 4))
			scenario_error(p, p->line, "bad status_len \"%s\" (2 or 4)", value);
		else
			r->status_len = (int)u;
		break;
	case RK_THEN:
		if ((idx = scenario_lookup(p, "then", value, scenario_thens)) >= 0)
			r->then = (enum scenario_then)idx;
		break;
	case RK_BOOT:
		if ((idx = scenario_lookup(p, "boot mode", value, scenario_boots)) >= 0)
			r->boot = (enum scenario_boot)idx;
		break;
	}
	return 0;
}

/* ---- Sections, the reader and the handler ---------------------------- */

/* The per-rule seen-key table (a side array owned by the parse call). */
static struct scenario_rule_aux *
scenario_aux_of(struct scenario_parser *p, size_t i)
{
	if (i >= p->naux)
		fatalx("scenario: rule index %zu out of range", i);
	return &p->aux[i];
}

static void
scenario_section_start(struct scenario_parser *p, const char *hdr)
{
	struct scenario *sc = p->sc;
	struct scenario_rule *r;
	char *name;
	size_t i;
	static const char *const secs[] = { "scenario", "expect", "rule", NULL };

	p->last_key[0] = '\0';
	p->rule = NULL;
	p->sec = SCENARIO_SEC_BAD;
	if (strcmp(hdr, "scenario") == 0) {
		if (p->seen_scenario)
			scenario_error(p, p->line, "duplicate section [scenario] (first on line %d)",
			    p->seen_scenario);
		else {
			p->seen_scenario = p->line;
			p->sec = SCENARIO_SEC_SCENARIO;
		}
		return;
	}
	p->ovr = NULL;
	if (strncmp(hdr, "expect", 6) == 0 && isspace((unsigned char)hdr[6])) {
		struct scenario_override o;

		memset(&o, 0, sizeof(o));
		o.tool = scenario_trim(hdr + 6, strlen(hdr + 6));
		o.line = p->line;
		o.last_progress = -2;
		if (scenario_parse_tool(p, o.tool, &o) != 0) {
			free(o.tool);
			return;
		}
		for (i = 0; i < sc->noverrides; i++) {
			if (strcmp(sc->overrides[i].tool, o.tool) == 0) {
				scenario_error(p, p->line, "duplicate section [expect %s] (first on line %d)",
				    o.tool, sc->overrides[i].line);
				free(o.tool);
				return;
			}
		}
		sc->overrides = xrealloc(sc->overrides, (sc->noverrides + 1) * sizeof(*sc->overrides));
		sc->overrides[sc->noverrides] = o;
		p->ovr = &sc->overrides[sc->noverrides++];
		p->sec = SCENARIO_SEC_EXPECT;
		return;
	}
	if (strcmp(hdr, "expect") == 0) {
		if (p->seen_expect)
			scenario_error(p, p->line, "duplicate section [expect] (first on line %d)",
			    p->seen_expect);
		else {
			p->seen_expect = p->line;
			p->sec = SCENARIO_SEC_EXPECT;
		}
		return;
	}
	if (strncmp(hdr, "rule", 4) == 0 && (hdr[4] == '\0' || isspace((unsigned char)hdr[4]))) {
		name = scenario_trim(hdr + 4, strlen(hdr + 4));
		if (*name == '\0') {
			scenario_error(p, p->line, "rule without a name (write [rule NAME])");
			free(name);
			return;
		}
		if (!scenario_valid_name(name)) {
			scenario_error(p, p->line, "bad rule name \"%s\" (letters, digits, '-', '_', '.', at most %d)",
			    name, SCENARIO_NAME_MAX);
			free(name);
			return;
		}
		for (i = 0; i < sc->nrules; i++) {
			if (strcmp(sc->rules[i].name, name) == 0) {
				scenario_error(p, p->line, "duplicate rule name \"%s\" (first on line %d)",
				    name, sc->rules[i].line);
				free(name);
				return;
			}
		}
		if (sc->nrules >= SCENARIO_MAX_RULES) {
			scenario_error(p, p->line, "more than %d rules", SCENARIO_MAX_RULES);
			free(name);
			return;
		}
		sc->rules = xrealloc(sc->rules, (sc->nrules + 1) * sizeof(*sc->rules));
		p->aux = xrealloc(p->aux, (sc->nrules + 1) * sizeof(*p->aux));
		p->naux = sc->nrules + 1;
		memset(&p->aux[sc->nrules], 0, sizeof(*p->aux));
		r = &sc->rules[sc->nrules++];
		memset(r, 0, sizeof(*r));
		r->name = name;
		r->line = p->line;
		r->before_progress = -1;
		r->phase = SCENARIO_PHASE_ANY;
		r->after_rule_idx = -1;
		r->bits = 1;
		r->count = 1;
		r->status = 1;
		r->error = ESP_ROM_BAD_CHECKSUM;
		r->size = 1;
		r->burst_loss = SCENARIO_PPB_ONE;
		r->settle_ns = 50000000ULL;
		p->rule = r;
		p->sec = SCENARIO_SEC_RULE;
		return;
	}
	{
		char word[SCENARIO_SECTION_MAX + 1];
		const char *hint;
		size_t wl = strcspn(hdr, " \t");

		snprintf(word, sizeof(word), "%.*s", (int)wl, hdr);
		hint = scenario_suggest(word, secs, 3);

		if (hint != NULL)
			scenario_error(p, p->line, "unknown section [%s] (did you mean [%s]?)", hdr, hint);
		else
			scenario_error(p, p->line, "unknown section [%s] (use [scenario], [expect] or [rule NAME])",
			    hdr);
	}
}

/*
 * inih reader: one physical line per call. Classifies the line first so
 * that what inih would accept loosely is reported here with its line.
 */
static char *
scenario_reader(char *str, int num, void *stream)
{
	struct scenario_parser *p = stream;
	const char *s, *eol, *start, *end;
	size_t len, n;

	if (p->text[p->pos] == '\0')
		return NULL;
	s = p->text + p->pos;
	eol = strchr(s, '\n');
	len = eol != NULL ? (size_t)(eol - s) : strlen(s);
	p->pos += len + (eol != NULL);
	p->line++;
	p->line_cont = 0;
	p->line_bad = 0;
	n = len;
	if (n > 0 && s[n - 1] == '\r')
		n--;

	/* An empty line as inih will see it (keeps its line count in step). */
	str[0] = '\n';
	str[1] = '\0';
	if (num < 4)
		return str;
	if (memchr(s, '\0', n) != NULL)
		goto bad_nul;
	if (n > SCENARIO_LINE_MAX || n + 3 > (size_t)num) {
		scenario_error(p, p->line, "line too long (at most %d characters)", SCENARIO_LINE_MAX);
		p->line_bad = 1;
		return str;
	}
	start = s;
	end = s + n;
	if (p->line == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		start += 3;
	while (start < end && isspace((unsigned char)*start))
		start++;
	if (start == end || *start == ';' || *start == '#') {
		/* blank or comment: inih keeps the previous key for continuations,
		 * we do too */
		goto pass;
	}
	if (*start == '[') {
		const char *close = memchr(start, ']', (size_t)(end - start));
		const char *after;
		char *hdr;

		if (close == NULL) {
			scenario_error(p, p->line, "section header without ']'");
			p->line_bad = 1;
			p->sec = SCENARIO_SEC_BAD;
			return str;
		}
		for (after = close + 1; after < end && isspace((unsigned char)*after); after++)
			;
		if (after < end && *after != ';' && *after != '#') {
			scenario_error(p, p->line, "text after the section header");
			p->line_bad = 1;
			p->sec = SCENARIO_SEC_BAD;
			return str;
		}
		if ((size_t)(close - start - 1) > SCENARIO_SECTION_MAX) {
			scenario_error(p, p->line, "section header too long (at most %d characters)",
			    SCENARIO_SECTION_MAX);
			p->line_bad = 1;
			p->sec = SCENARIO_SEC_BAD;
			return str;
		}
		hdr = scenario_trim(start + 1, (size_t)(close - start - 1));
		scenario_section_start(p, hdr);
		free(hdr);
		/* inih sees a harmless section line; the handler uses p->sec. */
		memcpy(str, "[s]\n", 5);
		return str;
	}
	if (start > s && p->last_key[0] != '\0') {
		/* indented: inih treats it as a continuation of the last key */
		p->line_cont = 1;
		goto pass;
	}
	{
		const char *eq = memchr(start, '=', (size_t)(end - start));
		const char *colon = memchr(start, ':', (size_t)(end - start));

		if (eq == NULL && colon == NULL) {
			scenario_error(p, p->line, "expected \"key = value\", a [section] or a comment");
			p->line_bad = 1;
			return str;
		}
		if (colon != NULL && (eq == NULL || colon < eq)) {
			scenario_error(p, p->line, "use '=' between key and value, not ':'");
			p->line_bad = 1;
			return str;
		}
		if (eq == start) {
			scenario_error(p, p->line, "missing key before '='");
			p->line_bad = 1;
			return str;
		}
		if (start > s) {
			/* leading blanks with no key before: inih would take the key */
			;
		}
	}
pass:
	/* Hand inih the line without its leading blanks unless it continues a value. */
	if (p->line_cont) {
		str[0] = ' ';
		memcpy(str + 1, start, (size_t)(end - start));
		str[1 + (end - start)] = '\n';
		str[2 + (end - start)] = '\0';
	} else {
		memcpy(str, start, (size_t)(end - start));
		str[end - start] = '\n';
		str[end - start + 1] = '\0';
	}
	return str;
bad_nul:
	scenario_error(p, p->line, "NUL byte in the line");
	p->line_bad = 1;
	return str;
}

static int
scenario_handler(void *user, const char *section, const char *name, const char *value)
{
	struct scenario_parser *p = user;
	char key[64], op;
	int cont = p->line_cont;

	(void)section;
	if (p->line_bad)
		return 1;
	if (name == NULL || value == NULL)
		return 1;
	if (cont) {
		/* inih passes the previous key's name */
		snprintf(key, sizeof(key), "%s", p->last_key);
		op = '\0';
	} else {
		scenario_normkey(name, key, sizeof(key), &op);
		snprintf(p->last_key, sizeof(p->last_key), "%s", key);
		if (*value == '\0') {
			scenario_error(p, p->line, "empty value for \"%s\"", key);
			return 1;
		}
	}
	switch (p->sec) {
	case SCENARIO_SEC_NONE:
		scenario_error(p, p->line, "key \"%s\" outside any section (start with [scenario])", key);
		break;
	case SCENARIO_SEC_BAD:
		break;
	case SCENARIO_SEC_SCENARIO:
		if (op != '\0')
			scenario_error(p, p->line, "key \"%s\" takes no comparison operator", key);
		else
			scenario_key_scenario(p, key, value, cont);
		break;
	case SCENARIO_SEC_EXPECT:
		if (op != '\0')
			scenario_error(p, p->line, "key \"%s\" takes no comparison operator", key);
		else
			scenario_key_expect(p, key, value, cont);
		break;
	case SCENARIO_SEC_RULE:
		scenario_key_rule(p, key, op, value, cont);
		break;
	}
	return 1;
}

/* ---- Whole-file checks ----------------------------------------------- */

static void
scenario_check_rule(struct scenario_parser *p, size_t ri)
{
	struct scenario *sc = p->sc;
	struct scenario_rule *r = &sc->rules[ri];
	struct scenario_rule_aux *aux = scenario_aux_of(p, ri);
	const int *seen = aux->seen.line;
	size_t i, k;
	unsigned bit;

	if (r->action == SCENARIO_ACT_NONE) {
		if (seen[RK_ACTION] == 0)
			scenario_error(p, r->line, "rule \"%s\" has no action (add \"action = ...\")", r->name);
		return;
	}
	bit = 1u << r->action;
	for (k = 0; k < RK_COUNT_; k++) {
		if (seen[k] == 0 || scenario_rkeys[k].actions == 0)
			continue;
		if ((scenario_rkeys[k].actions & bit) == 0)
			scenario_error(p, seen[k], "key \"%s\" does not apply to action \"%s\"",
			    scenario_rkeys[k].name, scenario_action_names[r->action]);
	}
	if (r->have_command && r->have_response_to)
		scenario_error(p, seen[RK_RESPONSE_TO],
		    "a rule matches either command or response_to, not both (use two rules)");
	if (r->have_command && r->dir == SCENARIO_DIR_TO_HOST)
		scenario_error(p, seen[RK_COMMAND], "command matches host commands but direction is to-host");
	if (r->have_response_to && r->dir == SCENARIO_DIR_TO_DEVICE)
		scenario_error(p, seen[RK_RESPONSE_TO],
		    "response_to matches device replies but direction is to-device");
	if (r->have_command && r->kind != SCENARIO_KIND_ANY && r->kind != SCENARIO_KIND_COMMAND)
		scenario_error(p, seen[RK_KIND], "kind \"%s\" contradicts command", scenario_kinds[r->kind]);
	if (r->have_response_to && r->kind != SCENARIO_KIND_ANY && r->kind != SCENARIO_KIND_RESPONSE)
		scenario_error(p, seen[RK_KIND], "kind \"%s\" contradicts response_to", scenario_kinds[r->kind]);
	if (r->before_progress >= 0 && (r->have_command || r->dir == SCENARIO_DIR_TO_DEVICE))
		scenario_error(p, seen[RK_BEFORE_PROGRESS],
		    "before_progress matches device replies, not host commands");
	if (r->on != SCENARIO_EV_NONE) {
		static const int unit_keys[] = {
			RK_KIND, RK_COMMAND, RK_RESPONSE_TO, RK_SEQ, RK_PROGRESS,
			RK_BEFORE_PROGRESS, RK_OFFSET, RK_BYTES,
		};

		for (i = 0; i < nitems(unit_keys); i++)
			if (seen[unit_keys[i]] != 0)
				scenario_error(p, seen[unit_keys[i]],
				    "\"%s\" matches units; it cannot be combined with \"on\"",
				    scenario_rkeys[unit_keys[i]].name);
		if (bit & SCENARIO_UNIT_ONLY)
			scenario_error(p, seen[RK_ACTION],
			    "action \"%s\" acts on a unit (a frame or text), not on an event",
			    scenario_action_names[r->action]);
		if ((r->action == SCENARIO_ACT_STALL || r->action == SCENARIO_ACT_THROTTLE) &&
		    r->dir == SCENARIO_DIR_ANY)
			scenario_error(p, seen[RK_ACTION], "action \"%s\" on an event needs a direction",
			    scenario_action_names[r->action]);
	}
	if (r->nnth > 0 && (r->every != 0 || r->have_probability || r->burst))
		scenario_error(p, seen[RK_NTH], "nth lists exact positions; drop every/probability/burst");
	if (r->have_probability && r->burst)
		scenario_error(p, seen[RK_PROBABILITY], "use probability or burst_*, not both");
	if (r->burst && (seen[RK_BURST_ENTER] == 0 || seen[RK_BURST_EXIT] == 0))
		scenario_error(p, seen[RK_BURST_ENTER] ? seen[RK_BURST_ENTER] :
		    seen[RK_BURST_EXIT] ? seen[RK_BURST_EXIT] : seen[RK_BURST_LOSS],
		    "the burst model needs burst_enter and burst_exit");
	if (seen[RK_AFTER_RULE] != 0 && r->after_rule != NULL) {
		for (i = 0; i < sc->nrules; i++)
			if (strcmp(sc->rules[i].name, r->after_rule) == 0)
				break;
		if (i == ri)
			scenario_error(p, seen[RK_AFTER_RULE], "rule \"%s\" cannot follow itself", r->name);
		else if (i == sc->nrules) {
			const char *names[SCENARIO_MAX_RULES], *hint;

			for (k = 0; k < sc->nrules; k++)
				names[k] = sc->rules[k].name;
			hint = scenario_suggest(r->after_rule, names, sc->nrules);
			if (hint != NULL)
				scenario_error(p, seen[RK_AFTER_RULE], "no rule \"%s\" (did you mean \"%s\"?)",
				    r->after_rule, hint);
			else
				scenario_error(p, seen[RK_AFTER_RULE], "no rule \"%s\"", r->after_rule);
		} else
			r->after_rule_idx = (int)i;
	}
	switch (r->action) {
	case SCENARIO_ACT_THROTTLE:
		if (seen[RK_BAUD] == 0)
			scenario_error(p, seen[RK_ACTION], "throttle needs \"baud\"");
		break;
	case SCENARIO_ACT_DELAY:
		if (seen[RK_LATENCY] == 0)
			scenario_error(p, seen[RK_ACTION], "delay needs \"latency\"");
		else if (r->jitter_ns > r->latency_ns)
			scenario_error(p, seen[RK_JITTER], "jitter larger than latency");
		break;
	case SCENARIO_ACT_SLICE:
		if (seen[RK_SIZE] == 0)
			scenario_error(p, seen[RK_ACTION], "slice needs \"size\"");
		break;
	case SCENARIO_ACT_TRUNCATE:
		if (seen[RK_KEEP] == 0)
			scenario_error(p, seen[RK_ACTION], "truncate needs \"keep\" (raw bytes kept)");
		break;
	case SCENARIO_ACT_INJECT:
		if (seen[RK_HEX] == 0 && seen[RK_TEXT] == 0)
			scenario_error(p, seen[RK_ACTION], "inject needs \"hex\" or \"text\"");
		if (r->on != SCENARIO_EV_NONE && r->position == SCENARIO_POS_INSTEAD)
			scenario_error(p, seen[RK_POSITION], "position \"instead\" needs a unit, not an event");
		break;
	case SCENARIO_ACT_FREEZE:
		if (seen[RK_THEN] != 0 && seen[RK_DURATION] == 0)
			scenario_error(p, seen[RK_THEN], "\"then\" needs a duration");
		if (seen[RK_REAPPEAR] != 0 && r->then != SCENARIO_THEN_DISCONNECT)
			scenario_error(p, seen[RK_REAPPEAR], "\"reappear\" needs then = disconnect");
		if (r->dir == SCENARIO_DIR_TO_HOST && seen[RK_DIRECTION] && r->on != SCENARIO_EV_NONE)
			scenario_error(p, seen[RK_DIRECTION], "freeze-host-writes always acts on the host's writes");
		break;
	default:
		break;
	}
}

static void
scenario_check(struct scenario_parser *p)
{
	struct scenario *sc = p->sc;
	size_t i;

	if (!p->seen_scenario)
		scenario_error(p, 0, "missing [scenario] section");
	else if (sc->name == NULL && p->nerr == 0)
		scenario_error(p, p->seen_scenario, "[scenario] needs \"name\"");
	if (!p->seen_expect)
		scenario_error(p, 0, "missing [expect] section");
	else {
		if (sc->outcome == SCENARIO_OUT_NONE && p->nerr == 0)
			scenario_error(p, p->seen_expect, "[expect] needs \"outcome\"");
		if (sc->class == NULL && p->nerr == 0)
			scenario_error(p, p->seen_expect, "[expect] needs \"class\"");
	}
	for (i = 0; i < sc->nrules; i++)
		scenario_check_rule(p, i);
}

/* ---- Public ---------------------------------------------------------- */

int
scenario_parse_string(const char *file, const char *text, struct scenario *sc,
    char *err, size_t errlen)
{
	struct scenario_parser p;
	int rc;

	memset(sc, 0, sizeof(*sc));
	sc->stub = -1;
	sc->compress = -1;
	sc->last_progress = -1;
	sc->file = xstrdup(file);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(&p, 0, sizeof(p));
	p.file = file;
	p.text = text;
	p.err = err;
	p.errlen = errlen;
	p.sc = sc;
	p.sec = SCENARIO_SEC_NONE;
	rc = ini_parse_stream(scenario_reader, &p, scenario_handler, &p);
	if (rc > 0 && p.nerr == 0)
		scenario_error(&p, rc, "syntax error");
	else if (rc < 0 && p.nerr == 0)
		scenario_error(&p, 0, "out of memory while parsing");
	scenario_check(&p);

	free(p.aux);
	if (p.nerr > SCENARIO_MAX_ERRORS && err != NULL && p.errpos + 1 < errlen)
		snprintf(err + p.errpos, errlen - p.errpos, "%s: too many errors (%d), stopped listing\n",
		    file, p.nerr);
	if (p.nerr > 0) {
		scenario_free(sc);
		return -1;
	}
	return 0;
}

int
scenario_parse_file(const char *path, struct scenario *sc, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	memset(sc, 0, sizeof(*sc));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap == 0 ? 8192 : cap * 2;
			if (cap > 4 * 1024 * 1024) {
				snprintf(err, errlen, "%s: file too large for a scenario\n", path);
				fclose(f);
				free(buf);
				return -1;
			}
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
		if (n < 4096)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s\n", path, strerror(errno));
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		snprintf(err, errlen, "%s: NUL byte in the file (not a text file)\n", path);
		free(buf);
		return -1;
	}
	rc = scenario_parse_string(path, buf, sc, err, errlen);
	free(buf);
	return rc;
}

static void
scenario_kv_free(struct scenario_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void
scenario_free(struct scenario *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nrules; i++) {
		free(sc->rules[i].name);
		free(sc->rules[i].after_rule);
		free(sc->rules[i].data);
		scenario_kv_free(sc->rules[i].kv, sc->rules[i].nkv);
	}
	free(sc->rules);
	for (i = 0; i < sc->noverrides; i++) {
		free(sc->overrides[i].tool);
		free(sc->overrides[i].class);
		free(sc->overrides[i].message);
		free(sc->overrides[i].known_bug);
		scenario_kv_free(sc->overrides[i].kv, sc->overrides[i].nkv);
	}
	free(sc->overrides);
	scenario_kv_free(sc->scenario_kv, sc->nscenario_kv);
	scenario_kv_free(sc->expect_kv, sc->nexpect_kv);
	free(sc->file);
	free(sc->name);
	free(sc->summary);
	free(sc->chip);
	free(sc->transport);
	free(sc->client);
	free(sc->class);
	free(sc->message);
	free(sc->known_bug);
	memset(sc, 0, sizeof(*sc));
}

static int
scenario_version_cmp(const unsigned a[3], const unsigned b[3])
{
	int i;

	for (i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

void
scenario_expect_for(const struct scenario *sc, const char *client, const char *version,
    struct scenario_expect *out)
{
	const struct scenario_override *o;
	unsigned ver[3];
	int have_ver, c;
	size_t i;

	out->outcome = sc->outcome;
	out->class = sc->class;
	out->message = sc->message;
	out->known_bug = sc->known_bug;
	out->last_progress = sc->last_progress;
	if (client == NULL)
		return;
	if (strcmp(client, "js") == 0)
		client = "esptool-js";
	else if (strcmp(client, "py") == 0)
		client = "esptool";
	have_ver = version != NULL && scenario_parse_version(version, ver) == 0;
	for (i = 0; i < sc->noverrides; i++) {
		o = &sc->overrides[i];
		if (strcmp(o->client, client) != 0)
			continue;
		if (o->op[0] != '\0') {
			if (!have_ver)
				continue;
			c = scenario_version_cmp(ver, o->ver);
			if ((strcmp(o->op, "<") == 0 && !(c < 0)) ||
			    (strcmp(o->op, "<=") == 0 && !(c <= 0)) ||
			    (strcmp(o->op, ">") == 0 && !(c > 0)) ||
			    (strcmp(o->op, ">=") == 0 && !(c >= 0)) ||
			    (strcmp(o->op, "=") == 0 && c != 0))
				continue;
		}
		if (o->outcome != SCENARIO_OUT_NONE)
			out->outcome = o->outcome;
		if (o->class != NULL)
			out->class = o->class;
		if (o->message != NULL)
			out->message = o->message;
		if (o->known_bug != NULL)
			out->known_bug = o->known_bug;
		if (o->last_progress != -2)
			out->last_progress = o->last_progress;
	}
}

const struct scenario_rule *
scenario_rule_find(const struct scenario *sc, const char *name)
{
	size_t i;

	for (i = 0; i < sc->nrules; i++)
		if (strcmp(sc->rules[i].name, name) == 0)
			return &sc->rules[i];
	return NULL;
}

const char *
scenario_action_name(enum scenario_action a)
{
	return (unsigned)a < SCENARIO_ACT_COUNT ? scenario_action_names[a] : "?";
}

const char *
scenario_event_name(enum scenario_event ev)
{
	return (unsigned)ev < SCENARIO_EV_COUNT ? scenario_event_names[ev] : "?";
}

const char *
scenario_outcome_name(enum scenario_outcome o)
{
	return (unsigned)o < nitems(scenario_outcome_names) - 1 ? scenario_outcome_names[o] : "?";
}

const char *
scenario_dir_name(enum scenario_dir d)
{
	return (unsigned)d < 3 ? scenario_dirs[d] : "?";
}

int
scenario_class_valid(const char *name)
{
	size_t i;

	for (i = 0; scenario_classes[i] != NULL; i++)
		if (strcmp(scenario_classes[i], name) == 0)
			return 1;
	return 0;
}

int
scenario_rule_random(const struct scenario_rule *r)
{
	return r->have_probability || r->burst;
}

int
scenario_rule_timed(const struct scenario_rule *r)
{
	return r->have_after;
}
