/*
 * scenario-value.c — the values of scenario keys: numbers, booleans, names,
 * numeric ranges, op lists and families, inject data (hex or text), tool
 * specs with versions, nth lists; and scenario_set_value(), which parses a
 * value into its field as the key tables of scenario-keys.c describe it.
 * Durations are units.h's parse_duration (the grammar shared with options).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "esp.h"
#include "scenario-int.h"
#include "units.h"
#include "util.h"

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

int
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

int
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
int
scenario_parse_percent(const char *s, uint32_t *ppb)
{
	const char *end;
	uint64_t v;

	*ppb = 0;
	while (isspace((unsigned char)*s))
		s++;
	if ((end = parse_decimal_scaled(s, 7, &v)) == NULL)
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

int
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

int
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
char *
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

/*
 * A numeric condition: "N", "A..B", ">= N", "> N", "<= N", "< N". `op` is an
 * operator carried over from the key ("seq >= 5" splits as "seq >" "5").
 */
int
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
int
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
int
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
int
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
/* "4.9.1" into up to three numbers; 0 or -1. */
int
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
int
scenario_parse_tool(struct scenario_parser *p, const char *spec, struct scenario_override *o)
{
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
	if (scenario_lookup(p, "tool", name, scenario_tools) < 0)
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

/* Append "3, 17, 42" to the rule's nth list (ascending, no repeats). */
void
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

/* "bad KEY \"VALUE\" (HINT)" for a value its key's parser refused. */
static void
scenario_bad_value(struct scenario_parser *p, const struct scenario_keydef *def,
    const char *value)
{
	if (def->hint != NULL)
		scenario_error(p, p->line, "bad %s \"%s\" %s", def->name, value, def->hint);
	else
		scenario_error(p, p->line, "bad %s \"%s\"", def->name, value);
}

/* The numeric kinds: a number in def->min..def->max stored at its width. */
static int
scenario_set_number(struct scenario_parser *p, const struct scenario_keydef *def, void *field,
    const char *value)
{
	uint64_t v;
	int bad;

	if (def->kind == SV_SIZE)
		bad = parse_size(value, &v) != 0;
	else
		bad = scenario_parse_u64(value, &v) != 0;
	if (bad || v < def->min || v > def->max) {
		scenario_bad_value(p, def, value);
		return -1;
	}
	switch (def->kind) {
	case SV_U8:
		*(uint8_t *)field = (uint8_t)v;
		break;
	case SV_U32:
		*(uint32_t *)field = (uint32_t)v;
		break;
	case SV_INT:
		*(int *)field = (int)v;
		break;
	default:
		*(uint64_t *)field = v;
		break;
	}
	return 0;
}

int
scenario_set_value(struct scenario_parser *p, const struct scenario_keydef *def, void *base,
    char op, const char *value)
{
	char *field = (char *)base + def->off;
	char opstr[2] = { op, '\0' };
	const char *why = NULL;
	int idx, rc = -1;

	switch (def->kind) {
	case SV_ENUM:
		if ((idx = scenario_lookup(p, def->hint, value, def->names)) < 0)
			return -1;
		*(int *)field = idx + def->base;
		rc = 0;
		break;
	case SV_STRING:
		if (scenario_lookup(p, def->hint, value, def->names) < 0)
			return -1;
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		rc = 0;
		break;
	case SV_OPS:
		rc = scenario_parse_ops(p, value, (uint8_t *)field);
		break;
	case SV_RANGE:
		if ((rc = scenario_parse_range(opstr, value, def->max,
		    (struct scenario_range *)(void *)field)) != 0)
			scenario_bad_value(p, def, value);
		break;
	case SV_U8:
	case SV_U32:
	case SV_INT:
	case SV_U64:
	case SV_SIZE:
		rc = scenario_set_number(p, def, field, value);
		break;
	case SV_PERCENT:
		if ((rc = scenario_parse_percent(value, (uint32_t *)(void *)field)) != 0)
			scenario_error(p, p->line, "bad percentage \"%s\" (0 to 100, e.g. 2 or 0.5%%)",
			    value);
		break;
	case SV_DURATION:
		if ((rc = parse_duration(value, (uint64_t *)(void *)field, &why)) != 0)
			scenario_error(p, p->line, "bad duration \"%s\": %s", value, why);
		else if (*(uint64_t *)(void *)field < def->min) {
			scenario_error(p, p->line, "bad duration \"%s\": must not be zero", value);
			rc = -1;
		}
		break;
	case SV_BOOL:
		if ((rc = scenario_parse_bool(value, (int *)(void *)field)) != 0)
			scenario_error(p, p->line, "bad %s \"%s\" (yes or no)", def->name, value);
		break;
	default:
		fatalx("scenario: key %s has no value parser", def->name);
	}
	if (rc == 0 && def->have != SCENARIO_NO_FLAG)
		*(int *)(void *)((char *)base + def->have) = 1;
	return rc;
}
