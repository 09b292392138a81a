/*
 * run-matrix.h — the matrix's state, shared by run-matrix.c (planning and
 * workers), run-matrix-out.c (table, files, baseline) and cmd-matrix.c.
 */
#ifndef SLIPTAP_RUN_MATRIX_H
#define SLIPTAP_RUN_MATRIX_H

#include <stddef.h>

#include "run.h"

struct run_matrix_run {
	size_t		 file, tool;
	unsigned	 rep;
	int		 have;
	struct run_record rec;
	char		*json;		/* the result line as the worker wrote it */
};

struct run_matrix {
	char		**files;
	size_t		 nfiles;
	struct run_tool	*tools;
	size_t		 ntools;
	unsigned	 repeat, jobs, shard_k, shard_n;
	struct run_opts	 base;		/* options every run shares */
	const char	*keep;		/* per-run directories under here */
	int		 quiet;
	char		 dir[4096];	/* the workers' result files */
	struct run_matrix_run *runs;
	size_t		 nruns, done;
	double		 seconds_done;
};

/* Add a scenario file, or a directory's *.ini sorted: 0 or -1 (err). */
int run_matrix_add_path(struct run_matrix *m, const char *path, char *err, size_t errlen);
/* Fill m->runs: files x tools (where the scenario's client admits the tool) x repeat, sharded. */
void run_matrix_plan(struct run_matrix *m);
/* Run everything, m->jobs at a time, with a progress line: 0, or -1 when interrupted. */
int run_matrix_execute(struct run_matrix *m);
/* The table on f (with pass rates when repeat > 1). */
void run_matrix_table(FILE *f, const struct run_matrix *m);
/* Write results.jsonl: 0 or -1 (message printed). */
int run_matrix_write_results(const struct run_matrix *m, const char *path);
int run_matrix_write_junit(const struct run_matrix *m, const char *path);
/* Compare with a baseline results.jsonl and print what changed: number of changes, -1 unreadable. */
int run_matrix_baseline(FILE *f, const struct run_matrix *m, const char *path);
/* 0 when every verdict is MATCH, KNOWN or XPASS, else 1. */
int run_matrix_status(const struct run_matrix *m);
void run_matrix_free(struct run_matrix *m);

#endif
