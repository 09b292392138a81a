/*
 * run-judge.c — the observed outcome of a run and its verdict against the
 * scenario's expectation. Pure: text and numbers in, a judgement out (no
 * fd, no clock), so tests/unit/check_run.c drives every branch.
 *
 * Outcomes (sliptap-scenario(5)): the deadline = hang; exit 0 = pass,
 * silent-corruption when the flash was checked and differs, recovered when
 * the scenario expects that and a rule fired; a Python traceback = fail-dirty;
 * a failure whose output holds the expected message = fail-clean; any other
 * failure = fail-dirty. The message must match in every case where the
 * expectation gives one; its alternatives are literal substrings compared
 * without regard to case (esptool 5 writes "target flash" where 4.x wrote
 * "target Flash").
 *
 * Verdicts, in order of precedence: HARNESS_ERROR (the harness failed, or
 * the deadline passed where no hang was expected: the run says nothing about
 * the tool's handling of the fault), NOT_TRIGGERED (an armed rule never
 * fired: a pass would be a lie), MISMATCH (outcome, message or last
 * progress differ), else MATCH. With a known_bug, MISMATCH becomes KNOWN and
 * MATCH becomes XPASS (the known bug did not show: update the scenario).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "run.h"

static const char *const run_verdict_names[RUN_VERDICT_COUNT] = {
	"MATCH", "MISMATCH", "KNOWN", "XPASS", "NOT_TRIGGERED", "HARNESS_ERROR",
};

const char *
run_verdict_name(enum run_verdict v)
{
	return (unsigned)v < RUN_VERDICT_COUNT ? run_verdict_names[v] : "?";
}

int
run_verdict_parse(const char *name)
{
	int i;

	for (i = 0; i < RUN_VERDICT_COUNT; i++) {
		if (strcmp(name, run_verdict_names[i]) == 0)
			return i;
	}
	return -1;
}

int
run_verdict_exit(enum run_verdict v)
{
	switch (v) {
	case RUN_MATCH:		return 0;
	case RUN_MISMATCH:	return 1;
	case RUN_KNOWN:		return 3;
	case RUN_XPASS:		return 4;
	case RUN_NOT_TRIGGERED:	return 5;
	case RUN_HARNESS_ERROR:	return 6;
	default:		return 6;
	}
}

int
run_verdict_ok(enum run_verdict v)
{
	return v == RUN_MATCH || v == RUN_KNOWN || v == RUN_XPASS;
}

/* Is needle (nlen bytes) a substring of text (len bytes)? */
static int
run_judge_contains(const char *text, size_t len, const char *needle, size_t nlen)
{
	size_t i;

	if (nlen == 0 || nlen > len)
		return 0;
	for (i = 0; i + nlen <= len; i++) {
		if (text[i] == needle[0] && memcmp(text + i, needle, nlen) == 0)
			return 1;
	}
	return 0;
}

/* The same without regard to ASCII case (message patterns: "target Flash" / "target flash"). */
static int
run_judge_contains_nocase(const char *text, size_t len, const char *needle, size_t nlen)
{
	size_t i;

	if (nlen == 0 || nlen > len)
		return 0;
	for (i = 0; i + nlen <= len; i++) {
		if (tolower((unsigned char)text[i]) == tolower((unsigned char)needle[0]) &&
		    strncasecmp(text + i, needle, nlen) == 0)
			return 1;
	}
	return 0;
}

int
run_message_match(const char *text, size_t len, const char *pattern)
{
	const char *p, *sep, *end;

	if (pattern == NULL)
		return 0;
	for (p = pattern; *p != '\0'; p = sep) {
		sep = strstr(p, " | ");
		end = sep != NULL ? sep : p + strlen(p);
		while (p < end && *p == ' ')
			p++;
		while (end > p && end[-1] == ' ')
			end--;
		if (end > p && run_judge_contains_nocase(text, len, p, (size_t)(end - p)))
			return 1;
		if (sep == NULL)
			break;
		sep += 3;
	}
	return 0;
}

/* Iterate over lines split at \r or \n: returns 0 at the end. */
static int
run_judge_line(const char *text, size_t len, size_t *pos, const char **line, size_t *linelen)
{
	size_t s = *pos, e;

	while (s < len && (text[s] == '\r' || text[s] == '\n'))
		s++;
	if (s >= len)
		return 0;
	for (e = s; e < len && text[e] != '\r' && text[e] != '\n'; e++)
		;
	*line = text + s;
	*linelen = e - s;
	*pos = e;
	return 1;
}

int
run_last_progress(const char *text, size_t len, char *out, size_t outlen)
{
	const char *line;
	size_t ll, pos = 0, i, d;
	int pct = -1, v;

	if (outlen > 0)
		out[0] = '\0';
	while (run_judge_line(text, len, &pos, &line, &ll)) {
		if (!run_judge_contains(line, ll, "Writing at 0x", 13))
			continue;
		/*
		 * The last '%' of the line and the number before it: "(93 %)"
		 * (esptool 3, 4), "(93%)" (esptool-js), " 93.0% 237568/262144
		 * bytes" (esptool 5, bytes-based; its integer part counts).
		 */
		for (i = ll; i > 0 && line[i - 1] != '%'; i--)
			;
		if (i == 0)
			continue;
		i--;
		while (i > 0 && line[i - 1] == ' ')
			i--;
		d = i;
		while (d > 0 && (isdigit((unsigned char)line[d - 1]) || line[d - 1] == '.'))
			d--;
		while (d < i && !isdigit((unsigned char)line[d]))
			d++;
		if (d == i)
			continue;
		for (v = 0; d < i && isdigit((unsigned char)line[d]) && v < 1000; d++)
			v = v * 10 + (line[d] - '0');
		pct = v;
		if (outlen > 0)
			snprintf(out, outlen, "%.*s", (int)ll, line);
	}
	return pct;
}

size_t
run_text_clean(char *text, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		if (text[i] == 0x1b && i + 1 < len && text[i + 1] == '[') {
			/* CSI: ESC [ parameters... final byte 0x40-0x7e */
			i += 2;
			while (i < len && !((unsigned char)text[i] >= 0x40 && (unsigned char)text[i] <= 0x7e))
				i++;
			i++;
			continue;
		}
		text[o++] = text[i++];
	}
	if (o < len)
		text[o] = '\0';
	return o;
}

/* "SerialTimeoutException: ...", "serial.serialutil.SerialException: ..." */
static int
run_judge_exception_line(const char *line, size_t ll)
{
	size_t i;

	for (i = 0; i < ll; i++) {
		if (line[i] == ':')
			break;
		if (!isalnum((unsigned char)line[i]) && line[i] != '_' && line[i] != '.')
			return 0;
	}
	if (i == ll || i < 6)
		return 0;
	return (i >= 5 && memcmp(line + i - 5, "Error", 5) == 0) ||
	    (i >= 9 && memcmp(line + i - 9, "Exception", 9) == 0);
}

int
run_final_error(const char *text, size_t len, char *out, size_t outlen)
{
	static const char *const prefixes[] = {
		"A fatal error occurred", "A serial exception error occurred", "Fatal error", "error: ", "Error: ", "Failed to ",
	};
	const char *line;
	size_t ll, pos = 0, i;
	int found = 0;

	if (outlen > 0)
		out[0] = '\0';
	while (run_judge_line(text, len, &pos, &line, &ll)) {
		for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
			if (ll >= strlen(prefixes[i]) && memcmp(line, prefixes[i], strlen(prefixes[i])) == 0)
				break;
		}
		if (i == sizeof(prefixes) / sizeof(prefixes[0]) && !run_judge_exception_line(line, ll))
			continue;
		if (outlen > 0)
			snprintf(out, outlen, "%.*s", (int)ll, line);
		found = 1;
	}
	return found;
}

static int
run_judge_has_traceback(const char *text, size_t len)
{
	const char *line;
	size_t ll, pos = 0;

	while (run_judge_line(text, len, &pos, &line, &ll)) {
		if (ll >= 34 && memcmp(line, "Traceback (most recent call last)", 33) == 0)
			return 1;
	}
	return 0;
}

/* Armed rules of sc absent from the space-separated `fired` list, into missing. */
static void
run_judge_missing(const struct scenario *sc, const char *fired, char *missing, size_t mlen)
{
	size_t i, o = 0, n;
	const char *f, *e;
	int found;

	missing[0] = '\0';
	for (i = 0; sc != NULL && i < sc->nrules; i++) {
		if (sc->rules[i].optional)
			continue;
		n = strlen(sc->rules[i].name);
		found = 0;
		for (f = fired != NULL ? fired : ""; *f != '\0'; f = e) {
			while (*f == ' ')
				f++;
			for (e = f; *e != '\0' && *e != ' '; e++)
				;
			if ((size_t)(e - f) == n && memcmp(f, sc->rules[i].name, n) == 0) {
				found = 1;
				break;
			}
		}
		if (!found && o < mlen)
			o += (size_t)snprintf(missing + o, mlen - o, "%s%s", o ? " " : "", sc->rules[i].name);
	}
}

static enum scenario_outcome
run_judge_outcome(const struct scenario_expect *ex, const struct run_observed *ob, int msg_ok)
{
	if (ob->hung)
		return SCENARIO_OUT_HANG;
	if (ob->exit_status == 0) {
		if (ob->flash_checked && !ob->flash_match)
			return SCENARIO_OUT_SILENT_CORRUPTION;
		if (ex->outcome == SCENARIO_OUT_RECOVERED && ob->nfaults > 0)
			return SCENARIO_OUT_RECOVERED;
		return SCENARIO_OUT_PASS;
	}
	if (run_judge_has_traceback(ob->log, ob->loglen))
		return SCENARIO_OUT_FAIL_DIRTY;
	if (ex->message != NULL && msg_ok)
		return SCENARIO_OUT_FAIL_CLEAN;
	return SCENARIO_OUT_FAIL_DIRTY;
}

void
run_judge(const struct scenario *sc, const struct scenario_expect *ex,
    const struct run_observed *ob, struct run_judgement *out)
{
	struct scenario_expect plain = { SCENARIO_OUT_PASS, NULL, NULL, NULL, -1 };
	const char *log = ob->log != NULL ? ob->log : "";
	size_t loglen = ob->log != NULL ? ob->loglen : 0;
	int msg_ok;

	memset(out, 0, sizeof(*out));
	if (ex == NULL || ex->outcome == SCENARIO_OUT_NONE)
		ex = &plain;
	out->last_progress = run_last_progress(log, loglen, out->progress_line,
	    sizeof(out->progress_line));
	run_final_error(log, loglen, out->final_error, sizeof(out->final_error));
	if (ob->harness_error != NULL || !ob->started) {
		out->outcome = SCENARIO_OUT_NONE;
		out->verdict = RUN_HARNESS_ERROR;
		snprintf(out->why, sizeof(out->why), "%s",
		    ob->harness_error != NULL ? ob->harness_error : "the tool was not started");
		return;
	}
	msg_ok = ex->message == NULL || run_message_match(log, loglen, ex->message);
	out->outcome = run_judge_outcome(ex, ob, msg_ok);
	run_judge_missing(sc, ob->fired, out->missing, sizeof(out->missing));

	out->verdict = RUN_MATCH;
	if (out->outcome == SCENARIO_OUT_HANG && ex->outcome != SCENARIO_OUT_HANG) {
		out->verdict = RUN_HARNESS_ERROR;
		snprintf(out->why, sizeof(out->why),
		    "the tool did not finish within the deadline; its process group was killed"
		    " (expected %s)", scenario_outcome_name(ex->outcome));
		return;
	} else if (out->missing[0] != '\0') {
		out->verdict = RUN_NOT_TRIGGERED;
		snprintf(out->why, sizeof(out->why), "rules never fired: %s", out->missing);
	} else if (sc != NULL && !ob->seed_recorded) {
		out->verdict = RUN_NOT_TRIGGERED;
		snprintf(out->why, sizeof(out->why), "the capture's START does not name the scenario and seed");
	} else if (out->outcome != ex->outcome) {
		out->verdict = RUN_MISMATCH;
		snprintf(out->why, sizeof(out->why), "expected %s, observed %s (exit %d)",
		    scenario_outcome_name(ex->outcome), scenario_outcome_name(out->outcome),
		    ob->exit_status);
	} else if (!msg_ok) {
		out->verdict = RUN_MISMATCH;
		snprintf(out->why, sizeof(out->why), "no line matches the message pattern '%s'",
		    ex->message);
	} else if (ex->last_progress >= 0 && out->last_progress != ex->last_progress) {
		out->verdict = RUN_MISMATCH;
		if (out->last_progress < 0)
			snprintf(out->why, sizeof(out->why), "last progress none, expected %d %%",
			    ex->last_progress);
		else
			snprintf(out->why, sizeof(out->why), "last progress %d %%, expected %d %%",
			    out->last_progress, ex->last_progress);
	}
	if (ex->known_bug != NULL && out->verdict == RUN_MISMATCH) {
		out->verdict = RUN_KNOWN;
		snprintf(out->why + strlen(out->why), sizeof(out->why) - strlen(out->why),
		    " (%s)", ex->known_bug);
	} else if (ex->known_bug != NULL && out->verdict == RUN_MATCH) {
		out->verdict = RUN_XPASS;
		snprintf(out->why, sizeof(out->why), "matched although a known bug is listed (%s)",
		    ex->known_bug);
	}
}
