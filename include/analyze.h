/*
 * analyze.h — classify flash failures from sliptap captures, esptool
 * `--trace` logs and plain console output (`sliptap analyze`, `sliptap
 * import`). The failure classes are the vocabulary of
 * docs/failure-classes.md; the JSON schema is docs/analyze.md.
 *
 * Two layers:
 *   - a pure, streaming analyzer (struct analyzer, src/core/analyze*.c):
 *     capture records, rebuilt wire bytes and console lines go in, in
 *     order, with timestamps passed in; a struct analysis comes out. No fds,
 *     no clocks, so it is unit-tested and fuzzed directly;
 *   - analyze_file() (src/analyze/), which detects the input kind by content
 *     (never by file name), streams the file through the analyzer and
 *     returns the result. Memory stays flat with the file size.
 *
 * Every string in a struct analysis is owned by it; analysis_free frees it.
 */
#ifndef SLIPTAP_ANALYZE_H
#define SLIPTAP_ANALYZE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Version of the JSON document analysis_write_json writes ("schema": N). */
#define ANALYZE_SCHEMA_VERSION	1

/* Exit statuses of `sliptap analyze` (analysis_exit_status gives the first two). */
#define ANALYZE_EXIT_SUCCESS	0	/* the session succeeded (class SUCCESS) */
#define ANALYZE_EXIT_FAILURE	1	/* a failure was found (any other class, UNKNOWN included) */
#define ANALYZE_EXIT_USAGE	2	/* bad options */
#define ANALYZE_EXIT_UNREADABLE	3	/* unreadable input: missing, not a capture/trace/console log */

/* Return codes of analyze_file / analyze_buffer. */
#define ANALYZE_OK		0
#define ANALYZE_ERR_IO		(-1)	/* the file cannot be opened or read */
#define ANALYZE_ERR_FORMAT	(-2)	/* nothing in it is a capture, a trace or a console log */

/* What the input was, detected by content. */
enum analyze_input {
	ANALYZE_IN_UNKNOWN = 0,
	ANALYZE_IN_CAPTURE,	/* a sliptap pcap (possibly cut off) */
	ANALYZE_IN_TRACE,	/* an esptool / esptool-js trace log: wire bytes rebuilt */
	ANALYZE_IN_CONSOLE,	/* plain console output: wording, progress lines */
};

/* Trace log dialects (struct analysis_summary.trace_format). */
enum analyze_trace_format {
	ANALYZE_TRACE_NONE = 0,
	ANALYZE_TRACE_PY4,	/* esptool 2.x-4.x: "TRACE +0.012 Write 46 bytes: c0..." */
	ANALYZE_TRACE_PY5,	/* esptool 5.x: "TRACE +0.000 --- Cmd SYNC (0x08) | ..." */
	ANALYZE_TRACE_JS,	/* esptool-js: "Write 46 bytes: c0..." / "Read ..." */
};

/* Where the failure happened. Unknown numbers are -1, unknown strings NULL. */
struct analysis_where {
	const char	*phase;		/* session_phase_name(): "connecting", "flashing", ... */
	int		 op;		/* the command that failed (enum esp_op), -1 */
	const char	*command;	/* its name, "FLASH_DEFL_DATA" */
	int64_t		 seq;		/* *_DATA seq, -1 */
	int64_t		 nth;		/* the command is the Nth of its op in the session (1-based), -1 */
	int		 percent;	/* progress as the tool printed it, -1 */
	int64_t		 offset;	/* flash address of that block, -1 */
	double		 time_s;	/* seconds into the session, -1 */
	int64_t		 record;	/* capture record seq (or rebuilt-record number), -1 */
	int64_t		 line;		/* line of the log (1-based), -1 */
};

/* One piece of evidence: a record or a line that decided the class. */
struct analysis_evidence {
	char		*text;		/* "FLASH_DEFL_DATA seq 237 sent, no reply within 10.0 s" */
	int64_t		 record;	/* capture record seq, -1 */
	int64_t		 line;		/* log line, -1 */
	double		 time_s;	/* seconds into the session, -1 */
};

/* Another class the evidence allows. */
struct analysis_alternative {
	const char	*class_name;	/* static string */
	int		 confidence;	/* 0..100 */
	char		*why;
};

/* A flash region written (or begun). */
struct analysis_region {
	uint32_t	 offset;
	uint32_t	 size;		/* uncompressed size announced */
	int		 compressed;
	uint32_t	 blocks, blocks_acked;
	int		 complete;
};

/* A fault a scenario injected (FAULT records), as the capture says. */
struct analysis_fault {
	char		*rule, *action, *changed;
	int64_t		 record;
	int64_t		 seq;		/* seq= of the FAULT text, -1 */
	int		 progress;	/* progress= of the FAULT text, -1 */
	double		 time_s;
};

#define ANALYZE_PHASES	6	/* one per enum session_phase */

struct analysis_summary {
	char		*tool;		/* "esptool.py", "esptool-js", "idf.py", ... or NULL */
	char		*tool_version;	/* "4.9.1" or NULL */
	char		*wrapper;	/* "idf.py", "PlatformIO", "Arduino IDE", "VS Code", or NULL */
	char		*chip;		/* "ESP32-S3" or NULL */
	char		*chip_revision;	/* "v0.2" or NULL */
	char		*mac;		/* or NULL */
	int		 stub;		/* 1 stub, 0 ROM, -1 unknown */
	char		*stub_kind;	/* "esptool legacy stub", "esp-flasher-stub", or NULL */
	int		 compressed;	/* -1 unknown */
	uint32_t	 baud_initial;	/* 0 unknown */
	uint32_t	 bauds[8];	/* baud changes in order */
	int		 nbauds;
	struct analysis_region regions[16];
	int		 nregions;
	uint64_t	 image_size;	/* bytes of the largest region, 0 unknown */
	double		 phase_s[ANALYZE_PHASES];	/* seconds spent in each phase */
	double		 duration_s;	/* whole session, -1 unknown */
	unsigned	 retries;	/* *_DATA retransmissions */
	unsigned	 reconnects;	/* port reopened / sync again after a failure */
	unsigned	 runs;		/* runs found in the input (two pasted logs = 2) */
	uint64_t	 frames_h2d, frames_d2h, records, lines;
	enum analyze_trace_format trace_format;
	/* scenario run (from the capture's START and FAULT/NOT_TRIGGERED records) */
	char		*scenario;
	char		*seed;
	struct analysis_fault faults[16];
	int		 nfaults;	/* kept (at most 16) */
	unsigned	 faults_total;	/* all FAULT records */
	char		*injected_class;/* class the injected faults amount to, or NULL */
	char		*previous_verdict;	/* a VERDICT already in the capture */
};

struct analysis {
	enum analyze_input input;
	char		*input_name;	/* the file name as given */
	const char	*class_name;	/* "WRITE_TIMEOUT", ..., "SUCCESS", "UNKNOWN" (static) */
	int		 confidence;	/* 0..100 */
	char		*headline;	/* one line: what happened */
	struct analysis_where where;
	struct analysis_evidence *evidence;
	size_t		 nevidence;
	struct analysis_alternative *alternatives;
	size_t		 nalternatives;
	char		**advice;	/* what to do, most specific first */
	size_t		 nadvice;
	struct analysis_summary summary;
	char		*tool_message;	/* the tool's final error line, when a log has it */
	char		*warnings;	/* input problems ("capture truncated after N records"), or NULL */
};

/*
 * Options (pass NULL for the defaults). The classification never uses a
 * capture's FAULT records — it works from the wire alone and lists the
 * injected faults beside it — so there is nothing to switch yet; the
 * struct keeps the API stable for future options.
 */
struct analyze_opts {
	int		 reserved;	/* 0 */
};

/*
 * Analyze the file `path` (a capture, a trace log or a console log, detected
 * by content). opts may be NULL. On success returns ANALYZE_OK with *out set
 * (free with analysis_free) — also for a cut-off capture, whose message is
 * in (*out)->warnings. On failure returns ANALYZE_ERR_* with *out = NULL and
 * a message naming the file in err.
 */
int analyze_file(const char *path, const struct analyze_opts *opts, struct analysis **out,
    char *err, size_t errlen);
/* Same on a memory buffer (pure; used by tests and fuzzers); name labels messages. */
int analyze_buffer(const uint8_t *buf, size_t len, const char *name,
    const struct analyze_opts *opts, struct analysis **out, char *err, size_t errlen);
/* Free an analysis; NULL is a no-op. */
void analysis_free(struct analysis *a);

/* Plain-text report for people. */
void analysis_print_text(const struct analysis *a, FILE *fp);
/* The JSON document of docs/analyze.md (schema ANALYZE_SCHEMA_VERSION); 0 or -1 on a write error. */
int analysis_write_json(const struct analysis *a, FILE *fp);
/* ANALYZE_EXIT_SUCCESS for class SUCCESS, else ANALYZE_EXIT_FAILURE. */
int analysis_exit_status(const struct analysis *a);

/*
 * Append a VERDICT event (class=, confidence=, command=, seq=, progress=,
 * reason=) to the capture at path. 0, or -1 with a message in err (also
 * when the capture ends mid-record: nothing is appended then).
 */
int analyze_write_verdict(const char *path, const struct analysis *a, char *err, size_t errlen);

/*
 * Write a self-contained HTML report of `input` (read again, streamed,
 * downsampled to a bounded number of elements) with analysis a to fp.
 * 0, or -1 with a message in err.
 */
int analyze_write_html(const char *input, const struct analysis *a, FILE *fp, char *err,
    size_t errlen);
/*
 * Write a scenario reproducing a's failure (sliptap-scenario(5)) to fp;
 * input names the report in comments. -1 with a message in err when the
 * class has no reproduction on the wire (SUCCESS, UNKNOWN, PORT_UNAVAILABLE...).
 */
int analyze_write_scenario(const char *input, const struct analysis *a, FILE *fp, char *err,
    size_t errlen);
/*
 * `sliptap import`: rebuild the wire bytes of a trace log (any dialect) and
 * write them as a capture at out (records marked as rebuilt: START
 * mode=import, rebuilt=trace). Returns 0, or -1 with a message in err.
 */
int analyze_import(const char *path, const char *out, char *err, size_t errlen);

/* Detect the input kind from the first bytes of a file (pure). */
enum analyze_input analyze_detect(const uint8_t *buf, size_t len);
const char *analyze_input_name(enum analyze_input in);	/* "capture", "trace", "console", "unknown" */
const char *analyze_trace_format_name(enum analyze_trace_format f);	/* "esptool-4", ... */

/* Every class name analyze can produce (NULL-terminated; docs/failure-classes.md). */
extern const char *const analyze_classes[];
/* Nonzero when name is a known class. */
int analyze_class_known(const char *name);

#endif
