/*
 * run-matrix-out.c — what a matrix leaves: the table on the terminal (with
 * pass rates and seeds for repeated runs), results.jsonl, JUnit XML, and the
 * comparison with a baseline results.jsonl (changed, new, missing).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "util.h"
#include "run-int.h"
#include "run-matrix.h"

void
run_matrix_table(FILE *f, const struct run_matrix *m)
{
	const struct run_record *r, *q;
	size_t i, k, match, total;
	int counts[RUN_VERDICT_COUNT], v;

	memset(counts, 0, sizeof(counts));
	fprintf(f, "%-14s %-30s %-16s %-18s %-10s %s\n", "VERDICT", "SCENARIO", "TOOL", "OUTCOME",
	    "SEED", "FIRED / WHY");
	for (i = 0; i < m->nruns; i++) {
		r = &m->runs[i].rec;
		if ((v = run_verdict_parse(r->verdict)) >= 0)
			counts[v]++;
		fprintf(f, "%-14s %-30s %-16s %-18s %-10llu %s%s%s\n", r->verdict, r->scenario, r->tool,
		    r->outcome, (unsigned long long)r->seed, r->fired[0] ? r->fired : "none",
		    r->why[0] ? " -- " : "", r->why);
	}
	if (m->repeat > 1) {
		fprintf(f, "\npass rates (MATCH / runs, with their seeds):\n");
		for (i = 0; i < m->nruns; i++) {
			if (m->runs[i].rep != 0)
				continue;
			match = total = 0;
			fprintf(f, "  %-30s %-16s ", m->runs[i].rec.scenario, m->runs[i].rec.tool);
			for (k = i; k < m->nruns; k++) {
				q = &m->runs[k].rec;
				if (m->runs[k].file != m->runs[i].file || m->runs[k].tool != m->runs[i].tool)
					continue;
				total++;
				match += strcmp(q->verdict, "MATCH") == 0;
			}
			fprintf(f, "%zu/%zu  seeds:", match, total);
			for (k = i; k < m->nruns; k++) {
				q = &m->runs[k].rec;
				if (m->runs[k].file == m->runs[i].file && m->runs[k].tool == m->runs[i].tool)
					fprintf(f, " %llu=%s", (unsigned long long)q->seed, q->verdict);
			}
			fputc('\n', f);
		}
	}
	fprintf(f, "\n%zu runs:", m->nruns);
	for (v = 0; v < RUN_VERDICT_COUNT; v++) {
		if (counts[v])
			fprintf(f, " %d %s", counts[v], run_verdict_name((enum run_verdict)v));
	}
	fputc('\n', f);
}

int
run_matrix_write_results(const struct run_matrix *m, const char *path)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (f == NULL) {
		fprintf(stderr, "sliptap matrix: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < m->nruns; i++)
		fprintf(f, "%s\n", m->runs[i].json);
	if (fclose(f) != 0) {
		fprintf(stderr, "sliptap matrix: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
run_matrix_write_junit(const struct run_matrix *m, const char *path)
{
	struct run_record **recs = xcalloc(m->nruns + 1, sizeof(*recs));
	size_t i;
	FILE *f;
	int rc = 0;

	for (i = 0; i < m->nruns; i++)
		recs[i] = &m->runs[i].rec;
	if ((f = fopen(path, "w")) == NULL || run_junit_write(f, recs, m->nruns) != 0)
		rc = -1;
	if (f != NULL && fclose(f) != 0)
		rc = -1;
	if (rc != 0)
		fprintf(stderr, "sliptap matrix: %s: %s\n", path, strerror(errno));
	free(recs);
	return rc;
}

/* The key that pairs runs across result files: scenario, tool, seed. */
static int
run_matrix_same(const struct run_record *a, const struct run_record *b)
{
	return strcmp(a->scenario, b->scenario) == 0 && strcmp(a->tool, b->tool) == 0 &&
	    a->seed == b->seed;
}

int
run_matrix_baseline(FILE *out, const struct run_matrix *m, const char *path)
{
	struct run_record *base = NULL, rec;
	char *line = NULL;
	size_t cap = 0, nbase = 0, i, k, lineno = 0;
	int changes = 0, found, *seen;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "sliptap matrix: baseline %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (run_record_parse(line, &rec) != 0) {
			fprintf(stderr, "sliptap matrix: %s:%zu: not a sliptap result line (skipped)\n",
			    path, lineno);
			continue;
		}
		base = xrealloc(base, (nbase + 1) * sizeof(*base));
		base[nbase++] = rec;
	}
	free(line);
	fclose(f);
	seen = xcalloc(nbase + 1, sizeof(*seen));
	fprintf(out, "\nagainst the baseline %s:\n", path);
	for (i = 0; i < m->nruns; i++) {
		const struct run_record *r = &m->runs[i].rec;

		found = 0;
		for (k = 0; k < nbase; k++) {
			if (seen[k] || !run_matrix_same(r, &base[k]))
				continue;
			seen[k] = found = 1;
			if (strcmp(r->verdict, base[k].verdict) != 0 || strcmp(r->outcome, base[k].outcome) != 0) {
				fprintf(out, "  changed  %s / %s (seed %llu): %s %s -> %s %s\n", r->scenario,
				    r->tool, (unsigned long long)r->seed, base[k].verdict, base[k].outcome,
				    r->verdict, r->outcome);
				changes++;
			}
			break;
		}
		if (!found) {
			fprintf(out, "  new      %s / %s (seed %llu): %s %s\n", r->scenario, r->tool,
			    (unsigned long long)r->seed, r->verdict, r->outcome);
			changes++;
		}
	}
	for (k = 0; k < nbase; k++) {
		if (seen[k])
			continue;
		fprintf(out, "  missing  %s / %s (seed %llu): was %s %s, not run now\n", base[k].scenario,
		    base[k].tool, (unsigned long long)base[k].seed, base[k].verdict, base[k].outcome);
		changes++;
	}
	if (changes == 0)
		fprintf(out, "  no change (%zu runs)\n", m->nruns);
	for (k = 0; k < nbase; k++)
		run_record_free(&base[k]);
	free(base);
	free(seen);
	return changes;
}

int
run_matrix_status(const struct run_matrix *m)
{
	size_t i;
	int v;

	for (i = 0; i < m->nruns; i++) {
		v = run_verdict_parse(m->runs[i].rec.verdict);
		if (v < 0 || !run_verdict_ok((enum run_verdict)v))
			return 1;
	}
	return 0;
}

void
run_matrix_free(struct run_matrix *m)
{
	size_t i;

	for (i = 0; i < m->nfiles; i++)
		free(m->files[i]);
	free(m->files);
	for (i = 0; i < m->ntools; i++)
		run_tool_free(&m->tools[i]);
	free(m->tools);
	for (i = 0; i < m->nruns; i++) {
		run_record_free(&m->runs[i].rec);
		free(m->runs[i].json);
	}
	free(m->runs);
	memset(m, 0, sizeof(*m));
}
