/*
 * fuzz_results.c — libFuzzer target for the results.jsonl line reader
 * (run_record_parse: `sliptap matrix --baseline` reads files from earlier
 * runs, possibly edited or truncated by hand).
 *
 * Invariants checked:
 *  - never crashes, never reads past the input (a NUL-terminated copy);
 *  - an accepted line has every field set and a known verdict;
 *  - writing an accepted record back as a result line and reading it again
 *    gives the same strings (the writer's escaping and the reader agree).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run_record rec, again;
	struct run_result res;
	char *line, *buf = NULL;
	size_t len = 0;
	FILE *f;
	int v;

	line = malloc(size + 1);
	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (run_record_parse(line, &rec) != 0) {
		free(line);
		return 0;
	}
	if (rec.scenario == NULL || rec.tool == NULL || rec.why == NULL || rec.repro == NULL ||
	    rec.fired == NULL || rec.outcome == NULL || rec.wire_class == NULL)
		abort();
	v = run_verdict_parse(rec.verdict);
	if (v < 0)
		abort();
	memset(&res, 0, sizeof(res));
	res.scenario = rec.scenario;
	res.tool = rec.tool;
	res.client = rec.client;
	res.version = rec.version;
	res.fired = rec.fired;
	res.repro = rec.repro;
	res.wire_class = rec.wire_class;
	res.seed = rec.seed;
	res.j.verdict = (enum run_verdict)v;
	snprintf(res.j.why, sizeof(res.j.why), "%s", rec.why);
	if ((f = open_memstream(&buf, &len)) == NULL)
		abort();
	run_result_json(f, &res);
	fclose(f);
	/* NULs inside a decoded string end it early on the way back: compare the C strings */
	if (run_record_parse(buf, &again) != 0)
		abort();
	if (strcmp(again.scenario, rec.scenario) != 0 || strcmp(again.tool, rec.tool) != 0 ||
	    strcmp(again.repro, rec.repro) != 0 || strcmp(again.fired, rec.fired) != 0 ||
	    strncmp(again.why, rec.why, sizeof(res.j.why) - 1) != 0 || again.seed != rec.seed)
		abort();
	run_record_free(&again);
	run_record_free(&rec);
	free(buf);
	free(line);
	return 0;
}
