/*
 * run.h — running a flashing tool under a scenario and judging the result:
 * `sliptap run`, `sliptap matrix`, `sliptap replay` (src/run/).
 *
 * Three floors:
 *  - tools (run-tool.c): a tool spec ("esptool:PATH", "esptool-js", a raw
 *    command template with {port} {chip} {offset} {image} {baud}), its
 *    identity and version detected from its banner, and the command line
 *    built in that version's own spelling;
 *  - judging (run-judge.c, pure: text and numbers in, verdict out): the
 *    observed outcome (pass, recovered, fail-clean, fail-dirty, hang,
 *    silent-corruption) and the verdict against the scenario's [expect] for
 *    that tool and version (MATCH, MISMATCH, KNOWN, XPASS, NOT_TRIGGERED,
 *    HARNESS_ERROR);
 *  - the runner (run-exec.c): device side, proxy and tool as processes,
 *    the deadline, cleanup on every path; matrix (run-matrix.c) and the
 *    results files (run-results.c: JSON lines, JUnit XML, baselines).
 */
#ifndef SLIPTAP_RUN_H
#define SLIPTAP_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario.h"

/* ---- Tools ------------------------------------------------------------ */

enum run_tool_kind {
	RUN_TOOL_ESPTOOL = 1,		/* Python esptool.py at a path */
	RUN_TOOL_ESPTOOL_JS,		/* tests/js/flash.mjs (esptool-js on node) */
	RUN_TOOL_TEMPLATE,		/* a raw command with placeholders */
};

#define RUN_TOOL_MAX_WORDS	64

struct run_tool {
	char		*label;		/* the given name ("e4.9") or one derived from the spec */
	char		*spec;		/* as given, without the "NAME=" */
	enum run_tool_kind kind;
	char		*path;		/* esptool.py or flash.mjs; NULL for templates */
	char		*words[RUN_TOOL_MAX_WORDS];	/* template words */
	size_t		 nwords;
	/* Identity from the tool's banner; "" when unknown. */
	char		 client[32];	/* "esptool", "esptool-js" */
	char		 version[32];	/* "4.9.1" */
};

/* How the flash is done (from the scenario, with harness defaults). */
struct run_flash {
	const char	*port;		/* pty path or rfc2217:// URL */
	const char	*chip;		/* "esp32s3" */
	const char	*image;		/* the file to write */
	uint32_t	 offset;	/* 0x10000 */
	uint32_t	 baud;		/* baud the tool switches to; 0 = its default */
	int		 stub;		/* -1 default, 0 --no-stub, 1 stub */
	int		 compress;	/* -1 default, 0 uncompressed, 1 */
	unsigned	 timeout_s;	/* the tool's own timeout (esptool-js client) */
	const char	*stub_version;	/* esptool >= 5.3: "1" or "2"; NULL = its default */
};

/*
 * Parse a tool spec: "[NAME=]esptool:PATH" (a leading ~/ is $HOME),
 * "[NAME=]esptool-js", or "[NAME=]COMMAND ARGS..." with placeholders
 * (words split on blanks). Returns 0, or -1 with a message in err.
 * Free with run_tool_free.
 */
int run_tool_parse(const char *spec, struct run_tool *t, char *err, size_t errlen);
/* A template tool from words (the part after `--` of `sliptap run`). */
int run_tool_from_argv(int argc, char **argv, struct run_tool *t, char *err, size_t errlen);
void run_tool_free(struct run_tool *t);
/*
 * Find esptool-js's client (tests/js/flash.mjs) relative to the data
 * directory, $SLIPTAP_JS or the source tree the binary was built in; fills
 * t->path. -1 with a message when it or its node_modules is missing.
 */
int run_tool_find_js(struct run_tool *t, char *err, size_t errlen);
/*
 * Detect identity and version before a run: runs `PYTHON PATH version`
 * for esptool (PYTHON = $SLIPTAP_PYTHON or /usr/bin/python3) and reads
 * esptool-js's package.json. Templates stay unknown until their output
 * shows a banner. 0 or -1 with a message.
 */
int run_tool_detect(struct run_tool *t, char *err, size_t errlen);
/*
 * Pure: the identity a tool's output announces ("esptool.py v4.9.1",
 * "esptool v5.1.0", "esptool.js"/"esptool-js vX"): 1 and client/version
 * filled, or 0.
 */
int run_banner_parse(const char *text, size_t len, char *client, size_t clientlen,
    char *version, size_t versionlen);
/*
 * Pure: the argv to run for this tool and flash (NULL-terminated, every
 * string allocated; free with run_argv_free). `python`/`node` name the
 * interpreters. Returns the number of words, or -1 (a template word with
 * an unknown placeholder; message in err).
 */
int run_tool_argv(const struct run_tool *t, const struct run_flash *f, const char *python,
    const char *node, char ***argvp, char *err, size_t errlen);
void run_argv_free(char **argv);
/* Pure: compare dotted versions ("4.10" > "4.9.1"): <0, 0, >0. */
int run_version_cmp(const char *a, const char *b);

/* ---- Judging (pure) --------------------------------------------------- */

enum run_verdict {
	RUN_MATCH = 0,
	RUN_MISMATCH,
	RUN_KNOWN,		/* mismatch of a scenario with a known_bug */
	RUN_XPASS,		/* a scenario with a known_bug matched: the bug did not show */
	RUN_NOT_TRIGGERED,	/* an armed (non-optional) rule never fired */
	RUN_HARNESS_ERROR,	/* the run itself failed: no device, no tool, the deadline */
	RUN_VERDICT_COUNT
};

/* What a run observed. */
struct run_observed {
	int		 started;	/* the tool was started */
	int		 exit_status;	/* the tool's exit status (0..255), -1 killed by a signal */
	int		 hung;		/* the deadline killed it */
	int		 flash_checked;	/* the flash contents could be compared */
	int		 flash_match;	/* they equal the image */
	const char	*log;		/* the tool's output (stdout + stderr) */
	size_t		 loglen;
	const char	*fired;		/* rules that fired (FAULT records), space-separated */
	unsigned	 nfaults;	/* FAULT records */
	int		 seed_recorded;	/* the capture's START names the scenario and seed */
	const char	*harness_error;	/* non-NULL: the harness failed (why) */
};

struct run_judgement {
	enum scenario_outcome outcome;	/* observed */
	enum run_verdict verdict;
	char		 why[512];	/* "" for MATCH */
	int		 last_progress;	/* percent of the last "Writing at" line, -1 none */
	char		 progress_line[160];	/* that line */
	char		 final_error[240];	/* the tool's last error line, "" none */
	char		 missing[256];	/* armed rules that never fired, space-separated */
};

/*
 * Judge a run: the observed outcome (the logic of sliptap-scenario(5):
 * exit 0 = pass, or recovered when the scenario expects that and a rule
 * fired, or silent-corruption when the flash differs; a traceback or a
 * failure without the message = fail-dirty; the message = fail-clean; the
 * deadline = hang) and the verdict against `ex` (sc may be NULL: expect a
 * plain pass).
 */
void run_judge(const struct scenario *sc, const struct scenario_expect *ex,
    const struct run_observed *ob, struct run_judgement *out);
/* Pure: nonzero when text holds one of pattern's " | "-separated literal alternatives (any case). */
int run_message_match(const char *text, size_t len, const char *pattern);
/* Pure: the percent of the last "Writing at 0x... (N %)" line, -1 none; copies the line. */
int run_last_progress(const char *text, size_t len, char *line, size_t linelen);
/* Pure: remove ANSI CSI sequences (colours, cursor moves) in place; the new length. */
size_t run_text_clean(char *text, size_t len);
/* Pure: the tool's final error line ("A fatal error occurred: ...", "error: ...", an exception). */
int run_final_error(const char *text, size_t len, char *line, size_t linelen);
/* "MATCH", "MISMATCH", ... */
const char *run_verdict_name(enum run_verdict v);
/* -1 for unknown names. */
int run_verdict_parse(const char *name);
/* The exit status `sliptap run` gives a verdict (documented in sliptap(1)). */
int run_verdict_exit(enum run_verdict v);
/* Nonzero when a verdict is acceptable for CI (MATCH, KNOWN, XPASS). */
int run_verdict_ok(enum run_verdict v);

/* ---- One run ---------------------------------------------------------- */

enum run_front { RUN_FRONT_PTY = 0, RUN_FRONT_RFC2217 };

struct run_opts {
	const char	*scenario;	/* file or NULL */
	const char	*sim_chip;	/* --sim CHIP (overrides the scenario's chip) */
	const char	*device;	/* --device PORT: a real port/URL instead of the sim */
	enum run_front	 front;
	const char	*pcap;		/* copy the capture here */
	int		 have_seed;
	uint64_t	 seed;
	uint64_t	 timeout_ns;	/* 0 = the scenario's deadline (or 120 s) */
	const char	*keep;		/* keep the work files in this directory */
	int		 live;		/* stream the tool's output to stdout */
	int		 quiet;		/* no report on stdout (matrix) */
	FILE		*progress;	/* notices (stderr) */
	const char	*self;		/* this binary, to start `sim` and `proxy` */
	int		 repeat_index;	/* matrix: which repetition (seed offset) */
};

/* The result of one run; strings owned (free with run_result_free). */
struct run_result {
	char		*scenario;	/* name ("-" without a scenario) */
	char		*scenario_file;
	char		*tool;		/* label */
	char		*client;	/* detected identity, "" unknown */
	char		*version;
	uint64_t	 seed;
	int		 have_seed;
	int		 exit_status;
	int		 hung;
	enum scenario_outcome expected;
	struct run_judgement j;
	char		*fired;		/* space-separated */
	char		*wire_class;	/* the analyser's class, "" unknown */
	char		*expected_class;	/* the scenario's [expect] class, "" none */
	char		*wire_evidence;
	char		*flash;		/* "match", "differs (first difference at 0x...)", "not checked" */
	char		*repro;		/* the command that reproduces the run */
	char		*keep_dir;	/* where capture and logs were kept, or NULL */
	double		 seconds;
};

/*
 * Run one tool under one scenario (opts->scenario may be NULL), print the
 * report unless opts->quiet, fill *res. Returns 0, or -1 when interrupted
 * (SIGINT/SIGTERM; everything was stopped and removed; *res holds
 * HARNESS_ERROR). Usage problems are the caller's.
 */
int run_one(const struct run_opts *opts, struct run_tool *tool, struct run_result *res);
void run_result_free(struct run_result *res);
/* Print the human report of a result. */
void run_report_print(FILE *f, const struct run_result *res);
/* One JSON object (no newline) for a result. */
void run_result_json(FILE *f, const struct run_result *res);
/* Signal state shared by run and matrix: install handlers; the signal seen or 0. */
void run_signals_install(void);
int run_interrupted(void);

/* ---- Results files (run-results.c) ------------------------------------ */

/* A flat record read back from results.jsonl (string fields only, borrowed). */
struct run_record {
	char		*scenario, *tool, *client, *version, *verdict, *outcome, *fired,
			*why, *repro, *wire_class;
	uint64_t	 seed;
	double		 seconds;
};

/* Parse one JSON line written by run_result_json: 0 or -1 (malformed). Free with run_record_free. */
int run_record_parse(const char *line, struct run_record *rec);
void run_record_free(struct run_record *rec);
/* Write JUnit XML for n records (one testsuite per tool, in first-seen order): 0 or -1. */
int run_junit_write(FILE *f, struct run_record *const *recs, size_t n);
/* Escape text for XML into f. */
void run_xml_escape(FILE *f, const char *s);
/* Write s as a JSON string (quoted, escaped). */
void run_json_string(FILE *f, const char *s);

/* ---- Matrix ----------------------------------------------------------- */

/* Parse "K/N" (1 <= K <= N): 0 or -1. */
int run_shard_parse(const char *s, unsigned *k, unsigned *n);
/* Pure: nonzero when run number `index` (0-based, in the matrix's order) belongs to shard k of n. */
int run_shard_take(size_t index, unsigned k, unsigned n);

#endif
