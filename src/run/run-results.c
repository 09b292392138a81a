/*
 * run-results.c — a run's result as text for people, as one JSON line
 * (results.jsonl), read back as a flat record (baselines, matrix workers),
 * and as JUnit XML (one testsuite per tool, one testcase per run) in the
 * subset Jenkins and GitLab read (tests/data/junit.xsd).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "util.h"
#include "run-int.h"

void
run_result_free(struct run_result *res)
{
	if (res == NULL)
		return;
	free(res->scenario);
	free(res->scenario_file);
	free(res->tool);
	free(res->client);
	free(res->version);
	free(res->fired);
	free(res->wire_class);
	free(res->expected_class);
	free(res->wire_evidence);
	free(res->flash);
	free(res->repro);
	free(res->keep_dir);
	memset(res, 0, sizeof(*res));
}

void
run_shell_quote(char **line, const char *s)
{
	const char *c;
	size_t len = strlen(*line), need = 3;
	int plain = *s != '\0';
	char *o;

	for (c = s; *c != '\0'; c++) {
		need += *c == '\'' ? 4 : 1;
		if (!isalnum((unsigned char)*c) && strchr("-_./:=@%+,{}~", *c) == NULL)
			plain = 0;
	}
	*line = xrealloc(*line, len + need + 1);
	o = *line + len;
	*o++ = ' ';
	if (plain) {
		strcpy(o, s);
		return;
	}
	*o++ = '\'';
	for (c = s; *c != '\0'; c++) {
		if (*c == '\'') {
			memcpy(o, "'\\''", 4);
			o += 4;
		} else
			*o++ = *c;
	}
	*o++ = '\'';
	*o = '\0';
}

void
run_report_print(FILE *f, const struct run_result *r)
{
	const struct run_judgement *j = &r->j;

	fprintf(f, "\n== sliptap run: %s with %s", r->scenario, r->tool);
	if (r->client != NULL && r->client[0] != '\0')
		fprintf(f, " (%s%s%s)", r->client, r->version[0] ? " " : "", r->version);
	if (r->have_seed)
		fprintf(f, ", seed %llu", (unsigned long long)r->seed);
	fputc('\n', f);
	if (r->hung)
		fprintf(f, "tool:     killed at the deadline (hang)\n");
	else if (r->exit_status >= 0)
		fprintf(f, "tool:     exit status %d\n", r->exit_status);
	else
		fprintf(f, "tool:     did not run to an exit status\n");
	if (j->progress_line[0] != '\0')
		fprintf(f, "progress: %s\n", j->progress_line);
	if (j->final_error[0] != '\0')
		fprintf(f, "error:    %s\n", j->final_error);
	fprintf(f, "wire:     %s", r->wire_class != NULL && r->wire_class[0] ? r->wire_class : "(unclassified)");
	if (r->expected_class != NULL && r->expected_class[0] != '\0')
		fprintf(f, " (the scenario expects %s)", r->expected_class);
	fprintf(f, "%s%s\n", r->wire_evidence != NULL && r->wire_evidence[0] ? " -- " : "",
	    r->wire_evidence != NULL ? r->wire_evidence : "");
	fprintf(f, "fired:    %s\n", r->fired != NULL && r->fired[0] ? r->fired : "none");
	fprintf(f, "flash:    %s\n", r->flash != NULL ? r->flash : "not checked");
	fprintf(f, "outcome:  %s (expected %s)\n",
	    j->outcome == SCENARIO_OUT_NONE ? "none" : scenario_outcome_name(j->outcome),
	    scenario_outcome_name(r->expected));
	fprintf(f, "verdict:  %s%s%s\n", run_verdict_name(j->verdict), j->why[0] ? " -- " : "", j->why);
	if (r->keep_dir != NULL)
		fprintf(f, "kept:     %s (capture.pcap, report.html, tool.log, proxy logs, image)\n",
		    r->keep_dir);
	fprintf(f, "reproduce: %s\n", r->repro);
	fflush(f);
}

void
run_json_string(FILE *f, const char *s)
{
	const unsigned char *c;

	putc('"', f);
	for (c = (const unsigned char *)(s != NULL ? s : ""); *c != '\0'; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c == '\n')
			fputs("\\n", f);
		else if (*c == '\r')
			fputs("\\r", f);
		else if (*c == '\t')
			fputs("\\t", f);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(f, "\\u%04x", *c);
		else
			putc(*c, f);
	}
	putc('"', f);
}

static void
run_json_field(FILE *f, const char *key, const char *value, int comma)
{
	if (comma)
		putc(',', f);
	run_json_string(f, key);
	putc(':', f);
	run_json_string(f, value);
}

void
run_result_json(FILE *f, const struct run_result *r)
{
	const struct run_judgement *j = &r->j;

	fputc('{', f);
	run_json_field(f, "scenario", r->scenario, 0);
	run_json_field(f, "file", r->scenario_file, 1);
	run_json_field(f, "tool", r->tool, 1);
	run_json_field(f, "client", r->client, 1);
	run_json_field(f, "version", r->version, 1);
	fprintf(f, ",\"seed\":%llu", (unsigned long long)r->seed);
	run_json_field(f, "verdict", run_verdict_name(j->verdict), 1);
	run_json_field(f, "outcome", j->outcome == SCENARIO_OUT_NONE ? "none" :
	    scenario_outcome_name(j->outcome), 1);
	run_json_field(f, "expected", scenario_outcome_name(r->expected), 1);
	run_json_field(f, "why", j->why, 1);
	fprintf(f, ",\"exit\":%d,\"hang\":%s,\"last_progress\":%d", r->exit_status,
	    r->hung ? "true" : "false", j->last_progress);
	run_json_field(f, "progress_line", j->progress_line, 1);
	run_json_field(f, "error", j->final_error, 1);
	run_json_field(f, "fired", r->fired, 1);
	run_json_field(f, "class", r->wire_class, 1);
	run_json_field(f, "expected_class", r->expected_class, 1);
	run_json_field(f, "evidence", r->wire_evidence, 1);
	run_json_field(f, "flash", r->flash, 1);
	run_json_field(f, "repro", r->repro, 1);
	if (r->keep_dir != NULL)
		run_json_field(f, "kept", r->keep_dir, 1);
	fprintf(f, ",\"seconds\":%.2f}", r->seconds);
}

/* ---- reading JSON lines back (flat objects: strings, numbers, booleans) ---- */

static const char *
run_record_skip(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* A JSON string at p (after the quote): decoded into a new string; p past the closing quote. */
static char *
run_record_string(const char **pp)
{
	const char *p = *pp;
	size_t cap = 64, n = 0;
	char *s = xmalloc(cap);
	unsigned v, k;

	for (;;) {
		if (n + 8 > cap)
			s = xrealloc(s, cap *= 2);
		if (*p == '\0') {
			free(s);
			return NULL;
		}
		if (*p == '"')
			break;
		if (*p != '\\') {
			s[n++] = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': s[n++] = '\n'; break;
		case 'r': s[n++] = '\r'; break;
		case 't': s[n++] = '\t'; break;
		case 'b': s[n++] = '\b'; break;
		case 'f': s[n++] = '\f'; break;
		case 'u':
			/* exactly four hex digits (never past the end) */
			for (v = 0, k = 1; k <= 4; k++) {
				if (!isxdigit((unsigned char)p[k])) {
					free(s);
					return NULL;
				}
				v = v * 16 + (unsigned)(isdigit((unsigned char)p[k]) ? p[k] - '0' :
				    (tolower((unsigned char)p[k]) - 'a' + 10));
			}
			s[n++] = v < 0x80 && v > 0 ? (char)v : '?';
			p += 4;
			break;
		case '\0':
			free(s);
			return NULL;
		default: s[n++] = *p; break;
		}
		p++;
	}
	s[n] = '\0';
	*pp = p + 1;
	return s;
}

static void
run_record_set(struct run_record *rec, const char *key, char *val)
{
	struct { const char *k; char **slot; } map[] = {
		{ "scenario", &rec->scenario }, { "tool", &rec->tool }, { "client", &rec->client },
		{ "version", &rec->version }, { "verdict", &rec->verdict }, { "outcome", &rec->outcome },
		{ "fired", &rec->fired }, { "why", &rec->why }, { "repro", &rec->repro },
		{ "class", &rec->wire_class },
	};
	size_t i;

	if (strcmp(key, "seed") == 0)
		rec->seed = strtoull(val, NULL, 10);
	if (strcmp(key, "seconds") == 0)
		rec->seconds = strtod(val, NULL);
	for (i = 0; i < nitems(map); i++) {
		if (strcmp(key, map[i].k) == 0) {
			free(*map[i].slot);
			*map[i].slot = val;
			return;
		}
	}
	free(val);
}

void
run_record_free(struct run_record *rec)
{
	if (rec == NULL)
		return;
	free(rec->scenario);
	free(rec->tool);
	free(rec->client);
	free(rec->version);
	free(rec->verdict);
	free(rec->outcome);
	free(rec->fired);
	free(rec->why);
	free(rec->repro);
	free(rec->wire_class);
	memset(rec, 0, sizeof(*rec));
}

int
run_record_parse(const char *line, struct run_record *rec)
{
	const char *p = run_record_skip(line), *start;
	char *key, *val;
	char **slots[] = { &rec->scenario, &rec->tool, &rec->client, &rec->version, &rec->verdict,
		&rec->outcome, &rec->fired, &rec->why, &rec->repro, &rec->wire_class };
	size_t i;

	memset(rec, 0, sizeof(*rec));
	if (*p++ != '{')
		return -1;
	for (;;) {
		p = run_record_skip(p);
		if (*p == '}')
			break;
		if (*p++ != '"' || (key = run_record_string(&p)) == NULL)
			goto bad;
		p = run_record_skip(p);
		if (*p++ != ':') {
			free(key);
			goto bad;
		}
		p = run_record_skip(p);
		if (*p == '"') {
			p++;
			val = run_record_string(&p);
		} else {
			start = p;
			while (*p != '\0' && *p != ',' && *p != '}' && !isspace((unsigned char)*p))
				p++;
			val = p > start ? xmalloc((size_t)(p - start) + 1) : NULL;
			if (val != NULL) {
				memcpy(val, start, (size_t)(p - start));
				val[p - start] = '\0';
			}
		}
		if (val == NULL) {
			free(key);
			goto bad;
		}
		run_record_set(rec, key, val);
		free(key);
		p = run_record_skip(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p != '}')
			goto bad;
	}
	/* Every field present, even if the line lacked it. */
	for (i = 0; i < nitems(slots); i++) {
		if (*slots[i] == NULL)
			*slots[i] = xstrdup("");
	}
	if (rec->scenario[0] == '\0' || rec->tool[0] == '\0' || run_verdict_parse(rec->verdict) < 0)
		goto bad;
	return 0;
bad:
	run_record_free(rec);
	return -1;
}

/* ---- JUnit XML ---------------------------------------------------------- */

void
run_xml_escape(FILE *f, const char *s)
{
	const unsigned char *c;

	for (c = (const unsigned char *)(s != NULL ? s : ""); *c != '\0'; c++) {
		switch (*c) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\n': case '\t': putc(*c, f); break;
		default:
			/* XML 1.0 forbids most control characters, even escaped */
			if (*c < 0x20 || *c == 0x7f)
				fputs("?", f);
			else
				putc(*c, f);
		}
	}
}

static void
run_junit_property(FILE *f, const char *name, const char *value)
{
	fputs("      <property name=\"", f);
	run_xml_escape(f, name);
	fputs("\" value=\"", f);
	run_xml_escape(f, value);
	fputs("\"/>\n", f);
}

static void
run_junit_case(FILE *f, const struct run_record *r)
{
	char seed[32];
	int v = run_verdict_parse(r->verdict);

	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->seed);
	fputs("    <testcase name=\"", f);
	run_xml_escape(f, r->scenario);
	fputs("\" classname=\"sliptap.", f);
	run_xml_escape(f, r->tool);
	fprintf(f, "\" time=\"%.2f\">\n", r->seconds);
	fputs("     <properties>\n", f);
	run_junit_property(f, "seed", seed);
	run_junit_property(f, "verdict", r->verdict);
	run_junit_property(f, "outcome", r->outcome);
	run_junit_property(f, "fired", r->fired);
	run_junit_property(f, "class", r->wire_class);
	run_junit_property(f, "tool_version", r->version);
	run_junit_property(f, "reproduce", r->repro);
	fputs("     </properties>\n", f);
	if (v == RUN_KNOWN) {
		fputs("      <skipped message=\"KNOWN: ", f);
		run_xml_escape(f, r->why);
		fputs("\"/>\n", f);
	} else if (v == RUN_MISMATCH) {
		fputs("      <failure type=\"MISMATCH\" message=\"", f);
		run_xml_escape(f, r->why);
		fputs("\">", f);
		run_xml_escape(f, r->repro);
		fputs("</failure>\n", f);
	} else if (v == RUN_NOT_TRIGGERED || v == RUN_HARNESS_ERROR) {
		fprintf(f, "      <error type=\"%s\" message=\"", r->verdict);
		run_xml_escape(f, r->why);
		fputs("\">", f);
		run_xml_escape(f, r->repro);
		fputs("</error>\n", f);
	}
	fputs("      <system-out>", f);
	fprintf(f, "verdict %s, outcome %s, seed %s\nfired: ", r->verdict, r->outcome, seed);
	run_xml_escape(f, r->fired[0] ? r->fired : "none");
	fputs("\nreproduce: ", f);
	run_xml_escape(f, r->repro);
	fputs("\n</system-out>\n    </testcase>\n", f);
}

int
run_junit_write(FILE *f, struct run_record *const *recs, size_t n)
{
	size_t i, k, tests, fail, err, skip;
	double secs;
	int seen;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sliptap matrix\">\n", f);
	for (i = 0; i < n; i++) {
		/* one testsuite per tool, in first-seen order */
		seen = 0;
		for (k = 0; k < i; k++)
			seen |= strcmp(recs[k]->tool, recs[i]->tool) == 0;
		if (seen)
			continue;
		tests = fail = err = skip = 0;
		secs = 0;
		for (k = i; k < n; k++) {
			if (strcmp(recs[k]->tool, recs[i]->tool) != 0)
				continue;
			tests++;
			secs += recs[k]->seconds;
			switch (run_verdict_parse(recs[k]->verdict)) {
			case RUN_MISMATCH: fail++; break;
			case RUN_KNOWN: skip++; break;
			case RUN_NOT_TRIGGERED: case RUN_HARNESS_ERROR: err++; break;
			default: break;
			}
		}
		fputs("  <testsuite name=\"", f);
		run_xml_escape(f, recs[i]->tool);
		fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.2f\">\n",
		    tests, fail, err, skip, secs);
		fputs("    <properties>\n  ", f);
		run_junit_property(f, "client", recs[i]->client);
		fputs("  ", f);
		run_junit_property(f, "version", recs[i]->version);
		fputs("    </properties>\n", f);
		for (k = i; k < n; k++) {
			if (strcmp(recs[k]->tool, recs[i]->tool) == 0)
				run_junit_case(f, recs[k]);
		}
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
	return ferror(f) ? -1 : 0;
}
