/*
 * output.c — an analysis as text for people and as the versioned JSON
 * document of docs/analyze.md.
 */
#include <stdio.h>
#include <string.h>

#include "analyze-int.h"
#include "esp.h"

const char *
analyze_input_name(enum analyze_input in)
{
	switch (in) {
	case ANALYZE_IN_CAPTURE:
		return "capture";
	case ANALYZE_IN_TRACE:
		return "trace";
	case ANALYZE_IN_CONSOLE:
		return "console";
	default:
		return "unknown";
	}
}

const char *
analyze_trace_format_name(enum analyze_trace_format f)
{
	switch (f) {
	case ANALYZE_TRACE_PY4:
		return "esptool-2-4";
	case ANALYZE_TRACE_PY5:
		return "esptool-5";
	case ANALYZE_TRACE_JS:
		return "esptool-js";
	default:
		return "none";
	}
}

static const char *const an_phase_names[ANALYZE_PHASES] = {
	"connecting", "synced", "stub", "flashing", "verifying", "done"
};

/* ---- text ------------------------------------------------------------- */

static void
an_text_where(const struct analysis_where *w, FILE *fp)
{
	fprintf(fp, "where:     ");
	if (w->phase != NULL)
		fprintf(fp, "phase %s", w->phase);
	if (w->command != NULL)
		fprintf(fp, ", %s", w->command);
	if (w->seq >= 0)
		fprintf(fp, " seq %lld", (long long)w->seq);
	else if (w->command != NULL && w->nth > 0)
		fprintf(fp, " (#%lld of the session)", (long long)w->nth);
	if (w->percent >= 0)
		fprintf(fp, ", at %d %%", w->percent);
	if (w->offset >= 0)
		fprintf(fp, " (flash 0x%08llx)", (unsigned long long)w->offset);
	if (w->time_s >= 0)
		fprintf(fp, ", %.3f s into the session", w->time_s);
	if (w->record >= 0)
		fprintf(fp, ", record %lld", (long long)w->record);
	if (w->line >= 0)
		fprintf(fp, ", line %lld", (long long)w->line);
	fprintf(fp, "\n");
}

static void
an_text_summary(const struct analysis_summary *s, FILE *fp)
{
	int i;

	fprintf(fp, "summary:\n");
	fprintf(fp, "  tool:    %s%s%s%s%s\n", s->tool ? s->tool : "unknown",
	    s->tool_version ? " " : "", s->tool_version ? s->tool_version : "",
	    s->wrapper ? " via " : "", s->wrapper ? s->wrapper : "");
	fprintf(fp, "  chip:    %s%s%s%s\n", s->chip ? s->chip : "unknown",
	    s->chip_revision ? " revision " : "", s->chip_revision ? s->chip_revision : "",
	    s->mac ? "" : "");
	fprintf(fp, "  loader:  %s%s%s\n", s->stub == 1 ? "flasher stub" : s->stub == 0 ? "ROM" :
	    "unknown", s->stub == 1 && s->stub_kind ? ": " : "",
	    s->stub == 1 && s->stub_kind ? s->stub_kind : "");
	if (s->nbauds > 0) {
		fprintf(fp, "  baud:    changed to");
		for (i = 0; i < s->nbauds; i++)
			fprintf(fp, " %u", s->bauds[i]);
		fprintf(fp, "\n");
	}
	for (i = 0; i < s->nregions; i++)
		fprintf(fp, "  region:  0x%08x, %u bytes%s, %u blocks, %s\n", s->regions[i].offset,
		    s->regions[i].size, s->regions[i].compressed ? " (compressed)" : "",
		    s->regions[i].blocks, s->regions[i].complete ? "complete" : "incomplete");
	if (s->duration_s >= 0) {
		fprintf(fp, "  time:    %.3f s:", s->duration_s);
		for (i = 0; i < ANALYZE_PHASES; i++)
			if (s->phase_s[i] > 0)
				fprintf(fp, " %s %.3f s", an_phase_names[i], s->phase_s[i]);
		fprintf(fp, "\n");
	}
	fprintf(fp, "  retries: %u, reconnects: %u, runs in the input: %u\n", s->retries,
	    s->reconnects, s->runs);
	if (s->scenario != NULL || s->faults_total > 0) {
		fprintf(fp, "  injected: scenario %s (seed %s), %u FAULT record(s)%s%s\n",
		    s->scenario ? s->scenario : "-", s->seed ? s->seed : "-", s->faults_total,
		    s->injected_class ? ", amounting to " : "",
		    s->injected_class ? s->injected_class : "");
		for (i = 0; i < s->nfaults && i < 5; i++)
			fprintf(fp, "    record %lld: rule %s action %s: %s\n",
			    (long long)s->faults[i].record, s->faults[i].rule ? s->faults[i].rule : "?",
			    s->faults[i].action ? s->faults[i].action : "?",
			    s->faults[i].changed ? s->faults[i].changed : "");
	}
	if (s->previous_verdict != NULL)
		fprintf(fp, "  earlier verdict in the capture: %s\n", s->previous_verdict);
}

void
analysis_print_text(const struct analysis *a, FILE *fp)
{
	size_t i;

	fprintf(fp, "%s: %s (confidence %d %%)\n", a->input_name ? a->input_name : "-",
	    a->class_name, a->confidence);
	fprintf(fp, "input:     %s%s%s\n", analyze_input_name(a->input),
	    a->summary.trace_format != ANALYZE_TRACE_NONE ? ", " : "",
	    a->summary.trace_format != ANALYZE_TRACE_NONE ?
	    analyze_trace_format_name(a->summary.trace_format) : "");
	if (a->headline != NULL)
		fprintf(fp, "what:      %s\n", a->headline);
	an_text_where(&a->where, fp);
	if (a->tool_message != NULL)
		fprintf(fp, "tool said: %s\n", a->tool_message);
	if (a->nevidence > 0) {
		fprintf(fp, "evidence:\n");
		for (i = 0; i < a->nevidence; i++) {
			const struct analysis_evidence *e = &a->evidence[i];

			fprintf(fp, "  - %s", e->text);
			if (e->record >= 0)
				fprintf(fp, " [record %lld]", (long long)e->record);
			if (e->line >= 0)
				fprintf(fp, " [line %lld]", (long long)e->line);
			fprintf(fp, "\n");
		}
	}
	if (a->nalternatives > 0) {
		fprintf(fp, "could also be:\n");
		for (i = 0; i < a->nalternatives; i++)
			fprintf(fp, "  - %s (%d %%): %s\n", a->alternatives[i].class_name,
			    a->alternatives[i].confidence, a->alternatives[i].why);
	}
	if (a->nadvice > 0) {
		fprintf(fp, "what to do:\n");
		for (i = 0; i < a->nadvice; i++)
			fprintf(fp, "  - %s\n", a->advice[i]);
	}
	an_text_summary(&a->summary, fp);
	if (a->warnings != NULL)
		fprintf(fp, "warning:   %s\n", a->warnings);
}

/* ---- JSON ------------------------------------------------------------- */

static void
an_json_str(FILE *fp, const char *s)
{
	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", fp);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\u%04x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

static void
an_json_num(FILE *fp, int64_t v)
{
	if (v < 0)
		fputs("null", fp);
	else
		fprintf(fp, "%lld", (long long)v);
}

static void
an_json_dbl(FILE *fp, double v)
{
	if (v < 0)
		fputs("null", fp);
	else
		fprintf(fp, "%.6f", v);
}

static void
an_json_summary(const struct analysis_summary *s, FILE *fp)
{
	int i;

	fprintf(fp, "  \"summary\": {\n    \"tool\": ");
	an_json_str(fp, s->tool);
	fprintf(fp, ",\n    \"tool_version\": ");
	an_json_str(fp, s->tool_version);
	fprintf(fp, ",\n    \"wrapper\": ");
	an_json_str(fp, s->wrapper);
	fprintf(fp, ",\n    \"chip\": ");
	an_json_str(fp, s->chip);
	fprintf(fp, ",\n    \"chip_revision\": ");
	an_json_str(fp, s->chip_revision);
	fprintf(fp, ",\n    \"stub\": %s,\n    \"stub_kind\": ", s->stub == 1 ? "true" :
	    s->stub == 0 ? "false" : "null");
	an_json_str(fp, s->stub == 1 ? s->stub_kind : NULL);
	fprintf(fp, ",\n    \"compressed\": %s,\n    \"baud_changes\": [", s->compressed == 1 ?
	    "true" : s->compressed == 0 ? "false" : "null");
	for (i = 0; i < s->nbauds; i++)
		fprintf(fp, "%s%u", i ? ", " : "", s->bauds[i]);
	fprintf(fp, "],\n    \"regions\": [");
	for (i = 0; i < s->nregions; i++)
		fprintf(fp, "%s\n      {\"offset\": %u, \"size\": %u, \"compressed\": %s, "
		    "\"blocks\": %u, \"complete\": %s}", i ? "," : "", s->regions[i].offset,
		    s->regions[i].size, s->regions[i].compressed ? "true" : "false",
		    s->regions[i].blocks, s->regions[i].complete ? "true" : "false");
	fprintf(fp, "%s],\n    \"image_size\": ", s->nregions ? "\n    " : "");
	an_json_num(fp, s->image_size ? (int64_t)s->image_size : -1);
	fprintf(fp, ",\n    \"duration_s\": ");
	an_json_dbl(fp, s->duration_s);
	fprintf(fp, ",\n    \"phase_s\": {");
	for (i = 0; i < ANALYZE_PHASES; i++)
		fprintf(fp, "%s\"%s\": %.6f", i ? ", " : "", an_phase_names[i], s->phase_s[i]);
	fprintf(fp, "},\n    \"retries\": %u,\n    \"reconnects\": %u,\n    \"runs\": %u,\n",
	    s->retries, s->reconnects, s->runs);
	fprintf(fp, "    \"frames\": {\"h2d\": %llu, \"d2h\": %llu},\n    \"records\": %llu,\n"
	    "    \"lines\": %llu\n  },\n", (unsigned long long)s->frames_h2d,
	    (unsigned long long)s->frames_d2h, (unsigned long long)s->records,
	    (unsigned long long)s->lines);
	fprintf(fp, "  \"injected\": {\n    \"scenario\": ");
	an_json_str(fp, s->scenario);
	fprintf(fp, ",\n    \"seed\": ");
	an_json_str(fp, s->seed);
	fprintf(fp, ",\n    \"faults_total\": %u,\n    \"class\": ", s->faults_total);
	an_json_str(fp, s->injected_class);
	fprintf(fp, ",\n    \"previous_verdict\": ");
	an_json_str(fp, s->previous_verdict);
	fprintf(fp, ",\n    \"faults\": [");
	for (i = 0; i < s->nfaults; i++) {
		fprintf(fp, "%s\n      {\"record\": %lld, \"rule\": ", i ? "," : "",
		    (long long)s->faults[i].record);
		an_json_str(fp, s->faults[i].rule);
		fprintf(fp, ", \"action\": ");
		an_json_str(fp, s->faults[i].action);
		fprintf(fp, ", \"seq\": ");
		an_json_num(fp, s->faults[i].seq);
		fprintf(fp, ", \"progress\": ");
		an_json_num(fp, s->faults[i].progress);
		fprintf(fp, ", \"time_s\": ");
		an_json_dbl(fp, s->faults[i].time_s);
		fprintf(fp, ", \"changed\": ");
		an_json_str(fp, s->faults[i].changed);
		fputc('}', fp);
	}
	fprintf(fp, "%s]\n  },\n", s->nfaults ? "\n    " : "");
}

int
analysis_write_json(const struct analysis *a, FILE *fp)
{
	const struct analysis_where *w = &a->where;
	size_t i;

	fprintf(fp, "{\n  \"schema\": %d,\n  \"class\": ", ANALYZE_SCHEMA_VERSION);
	an_json_str(fp, a->class_name);
	fprintf(fp, ",\n  \"confidence\": %d,\n  \"input\": {\"file\": ", a->confidence);
	an_json_str(fp, a->input_name);
	fprintf(fp, ", \"kind\": \"%s\", \"trace_format\": ", analyze_input_name(a->input));
	an_json_str(fp, a->summary.trace_format != ANALYZE_TRACE_NONE ?
	    analyze_trace_format_name(a->summary.trace_format) : NULL);
	fprintf(fp, "},\n  \"headline\": ");
	an_json_str(fp, a->headline);
	fprintf(fp, ",\n  \"where\": {\"phase\": ");
	an_json_str(fp, w->phase);
	fprintf(fp, ", \"command\": ");
	an_json_str(fp, w->command);
	fprintf(fp, ", \"op\": ");
	an_json_num(fp, w->op);
	fprintf(fp, ", \"seq\": ");
	an_json_num(fp, w->seq);
	fprintf(fp, ", \"percent\": ");
	an_json_num(fp, w->percent);
	fprintf(fp, ", \"offset\": ");
	an_json_num(fp, w->offset);
	fprintf(fp, ", \"time_s\": ");
	an_json_dbl(fp, w->time_s);
	fprintf(fp, ", \"record\": ");
	an_json_num(fp, w->record);
	fprintf(fp, ", \"line\": ");
	an_json_num(fp, w->line);
	fprintf(fp, ", \"nth\": ");
	an_json_num(fp, w->nth);
	fprintf(fp, "},\n  \"tool_message\": ");
	an_json_str(fp, a->tool_message);
	fprintf(fp, ",\n  \"evidence\": [");
	for (i = 0; i < a->nevidence; i++) {
		fprintf(fp, "%s\n    {\"text\": ", i ? "," : "");
		an_json_str(fp, a->evidence[i].text);
		fprintf(fp, ", \"record\": ");
		an_json_num(fp, a->evidence[i].record);
		fprintf(fp, ", \"line\": ");
		an_json_num(fp, a->evidence[i].line);
		fprintf(fp, ", \"time_s\": ");
		an_json_dbl(fp, a->evidence[i].time_s);
		fputc('}', fp);
	}
	fprintf(fp, "%s],\n  \"alternatives\": [", a->nevidence ? "\n  " : "");
	for (i = 0; i < a->nalternatives; i++) {
		fprintf(fp, "%s\n    {\"class\": \"%s\", \"confidence\": %d, \"why\": ", i ? "," : "",
		    a->alternatives[i].class_name, a->alternatives[i].confidence);
		an_json_str(fp, a->alternatives[i].why);
		fputc('}', fp);
	}
	fprintf(fp, "%s],\n  \"advice\": [", a->nalternatives ? "\n  " : "");
	for (i = 0; i < a->nadvice; i++) {
		fprintf(fp, "%s\n    ", i ? "," : "");
		an_json_str(fp, a->advice[i]);
	}
	fprintf(fp, "%s],\n", a->nadvice ? "\n  " : "");
	an_json_summary(&a->summary, fp);
	fprintf(fp, "  \"warnings\": ");
	an_json_str(fp, a->warnings);
	fprintf(fp, "\n}\n");
	return ferror(fp) ? -1 : 0;
}
