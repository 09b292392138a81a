/*
 * cmd-analyze.c — `sliptap analyze FILE`: classify a flash failure from a
 * capture, an esptool/esptool-js trace log or a console log (see
 * include/analyze.h, docs/analyze.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "cmd.h"

static int
analyze_out(const char *path, const struct analysis *a, const char *input,
    int (*fn)(const char *, const struct analysis *, FILE *, char *, size_t))
{
	char err[1024] = "";
	FILE *fp = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	int rc;

	if (fp == NULL) {
		perror(path);
		return -1;
	}
	rc = fn(input, a, fp, err, sizeof(err));
	if (fp != stdout && fclose(fp) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "sliptap: %s\n", err[0] ? err : path);
		if (fp != stdout)
			unlink(path);	/* no half-written report */
	}
	return rc;
}

static int
cmd_analyze_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "write-verdict", no_argument, NULL, 'w' },
		{ "html", required_argument, NULL, 'H' },
		{ "to-scenario", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct analyze_opts opts;
	struct analysis *a = NULL;
	const char *html = NULL, *scen = NULL;
	char err[1024];
	int ch, json = 0, verdict = 0, quiet = 0, rc, status;

	memset(&opts, 0, sizeof(opts));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "jwqH:s:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'w':
			verdict = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'H':
			html = optarg;
			break;
		case 's':
			scen = optarg;
			break;
		default:
			return cmd_usage_error(&cmd_analyze_entry);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		return cmd_usage_error(&cmd_analyze_entry);
	rc = analyze_file(argv[0], &opts, &a, err, sizeof(err));
	if (rc != ANALYZE_OK) {
		fprintf(stderr, "sliptap: %s\n", err);
		return ANALYZE_EXIT_UNREADABLE;
	}
	if (a->warnings != NULL)
		fprintf(stderr, "sliptap: %s\n", a->warnings);
	if (json)
		analysis_write_json(a, stdout);
	else if (!quiet)
		analysis_print_text(a, stdout);
	status = analysis_exit_status(a);
	if (html != NULL && analyze_out(html, a, argv[0], analyze_write_html) != 0)
		status = ANALYZE_EXIT_UNREADABLE;
	if (scen != NULL && analyze_out(scen, a, argv[0], analyze_write_scenario) != 0)
		status = ANALYZE_EXIT_UNREADABLE;
	if (verdict) {
		if (a->input != ANALYZE_IN_CAPTURE) {
			fprintf(stderr, "sliptap: %s: --write-verdict needs a capture, this is a %s log\n",
			    argv[0], analyze_input_name(a->input));
			analysis_free(a);
			return 2;
		}
		if (analyze_write_verdict(argv[0], a, err, sizeof(err)) != 0) {
			fprintf(stderr, "sliptap: %s\n", err);
			status = ANALYZE_EXIT_UNREADABLE;
		}
	}
	fflush(stdout);
	analysis_free(a);
	return status;
}

const struct cmd_entry cmd_analyze_entry = {
	"analyze", "[-jqw] [--html FILE] [--to-scenario FILE] FILE",
	"classify a flash failure from a capture, a trace log or a console log",
	"Reads FILE — a sliptap capture (also one cut off mid-record), an esptool\n"
	"or esptool-js --trace log (esptool 2.x-4.x, 5.x and esptool-js formats) or\n"
	"plain console output of esptool, esptool-js, idf.py, PlatformIO, the\n"
	"Arduino IDE or VS Code (CRLF, ANSI colour, timestamps, two runs pasted\n"
	"together are fine) — detected by content, and names the failure with a\n"
	"class of docs/failure-classes.md: where (phase, command, seq, progress as\n"
	"the tool printed it, flash offset, time), the evidence, what else it could\n"
	"be, what to do, and a session summary. Trace logs are turned back into\n"
	"wire bytes and go through the same decoder as a capture.\n"
	"\n"
	"Options:\n"
	"  -j, --json             the JSON document of docs/analyze.md (schema 1)\n"
	"  -q, --quiet            no report (exit status only)\n"
	"  -w, --write-verdict    append a VERDICT record to the capture\n"
	"      --html FILE        a self-contained HTML report (lanes, progress, failure)\n"
	"      --to-scenario FILE a scenario that reproduces the failure found\n"
	"                         (check it with sliptap check)\n"
	"\n"
	"Exit status: 0 the session succeeded, 1 a failure was found (class other\n"
	"than SUCCESS), 2 usage error, 3 unreadable input (missing, empty, binary,\n"
	"no esptool output) or an output file could not be written.\n",
	cmd_analyze_exec
};
