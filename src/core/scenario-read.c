/*
 * scenario-read.c — reading a scenario text: the physical-line reader fed
 * to inih, section headers, the key handler that dispatches to the
 * section's keys, error collection and did-you-mean suggestions.
 *
 * libinih splits lines into sections and key = value pairs; everything
 * else is ours. inih 55 as Debian ships it calls the handler without a line
 * number (INI_HANDLER_LINENO is 0 in the library build), so the text is fed
 * through ini_parse_stream() with our own line reader: one reader call is
 * one physical line, which gives us the line number of every handler call,
 * lets us reject what inih would accept silently (overlong lines, which it
 * splits; section names it truncates; "key: value"; indented lines that it
 * takes as continuations of the previous value) and name the line.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "esp.h"
#include "scenario-int.h"
#include "units.h"
#include "util.h"

void
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
const char *
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
int
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

/* The per-rule seen-key table (a side array owned by the parse call). */
struct scenario_seen *
scenario_seen_of(struct scenario_parser *p, size_t i)
{
	if (i >= p->nseen)
		fatalx("scenario: rule index %zu out of range", i);
	return &p->seen[i];
}

/* [expect TOOL]: an override section. */
static void
scenario_section_override(struct scenario_parser *p, const char *hdr)
{
	struct scenario *sc = p->sc;
	struct scenario_override o;
	size_t i;

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
}

/* [rule NAME]: a new rule with its defaults. */
static void
scenario_section_rule(struct scenario_parser *p, const char *hdr)
{
	struct scenario *sc = p->sc;
	struct scenario_rule *r;
	char *name;
	size_t i;

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
	p->seen = xrealloc(p->seen, (sc->nrules + 1) * sizeof(*p->seen));
	p->nseen = sc->nrules + 1;
	memset(&p->seen[sc->nrules], 0, sizeof(*p->seen));
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
	r->settle_ns = 50 * NS_PER_MS;
	p->rule = r;
	p->sec = SCENARIO_SEC_RULE;
}

static void
scenario_section_start(struct scenario_parser *p, const char *hdr)
{
	static const char *const secs[] = { "scenario", "expect", "rule", NULL };
	char word[SCENARIO_SECTION_MAX + 1];
	const char *hint;
	size_t wl;

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
		scenario_section_override(p, hdr);
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
		scenario_section_rule(p, hdr);
		return;
	}
	wl = strcspn(hdr, " \t");
	snprintf(word, sizeof(word), "%.*s", (int)wl, hdr);
	hint = scenario_suggest(word, secs, 3);
	if (hint != NULL)
		scenario_error(p, p->line, "unknown section [%s] (did you mean [%s]?)", hdr, hint);
	else
		scenario_error(p, p->line, "unknown section [%s] (use [scenario], [expect] or [rule NAME])",
		    hdr);
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
		if (*value == ';') {
			/* "k =;x" is ";x" to inih but "k = ;x" a comment: neither survives pinning */
			scenario_error(p, p->line, "value of \"%s\" starts with ';' (a comment "
			    "after a blank); remove it", key);
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

int
scenario_parse_string(const char *file, const char *text, struct scenario *sc,
    char *err, size_t errlen)
{
	struct scenario_parser p;
	int rc;

	memset(sc, 0, sizeof(*sc));
	sc->flash.stub = -1;
	sc->flash.compress = -1;
	sc->flash.image_size = SCENARIO_DEFAULT_IMAGE_SIZE;
	sc->flash.offset = SCENARIO_DEFAULT_OFFSET;
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

	free(p.seen);
	if (p.nerr > SCENARIO_MAX_ERRORS && err != NULL && p.errpos + 1 < errlen)
		snprintf(err + p.errpos, errlen - p.errpos, "%s: too many errors (%d), stopped listing\n",
		    file, p.nerr);
	if (p.nerr > 0) {
		scenario_free(sc);
		return -1;
	}
	return 0;
}

