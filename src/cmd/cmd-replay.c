/*
 * cmd-replay.c — `sliptap replay`: play the device side of a capture back
 * to a live tool and report where the tool diverged. Options here; the work
 * is in src/run/run-replay.c.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "cmd.h"
#include "cmd-opt.h"
#include "run.h"
#include "scenario.h"
#include "units.h"
#include "util.h"
#include "../run/run-replay.h"

static const char cmd_replay_help[] =
"Serve a pty that answers like the device in CAPTURE did (a capture, or an\n"
"esptool / esptool-js --trace log, rebuilt into one first as `sliptap import`\n"
"does): each command the\n"
"live tool sends gets the bytes the recorded tool received after the same\n"
"command (matched by op and block seq, or op and arguments; never by position),\n"
"with the recorded delays, so faults that were injected (dropped, corrupted,\n"
"stalled replies) happen again. A maintainer sees a customer's failure in\n"
"their own esptool without the customer's board. At the end it reports where\n"
"the live tool diverged from the recorded one: a different command, block size,\n"
"baud, or commands it never sent.\n"
"\n"
"With a COMMAND after --, it is started with {port} replaced by the pty and\n"
"the replay ends when it exits (its exit status becomes replay's); without\n"
"one, the replay serves until --timeout or SIGINT/SIGTERM.\n"
"\n"
"  -l, --link PATH       a symlink to the pty for the tool to open\n"
"      --fast            answer at once instead of with the recorded delays\n"
"      --timeout DUR     stop after this long (e.g. 60s)\n"
"\n"
"Exit status: the tool's, 0 without a tool, 1 when the capture cannot be\n"
"replayed, 2 on usage errors, 124 at the timeout with a tool still running.\n"
"\n"
"Examples:\n"
"  sliptap replay --link /tmp/ttyREPLAY customer.pcap &\n"
"  esptool.py --port /tmp/ttyREPLAY --before no_reset write_flash 0x10000 app.bin\n"
"  sliptap replay customer.pcap -- esptool.py --port {port} --before no_reset \\\n"
"      write_flash 0x10000 app.bin\n";

/*
 * Load a capture, or a trace log (esptool --trace, esptool-js) rebuilt into
 * a temporary capture by the analyser's importer first.
 */
static int
cmd_replay_load(const char *path, struct replay *rp, char *err, size_t errlen)
{
	uint8_t head[4096];
	char tmp[4096];
	const char *dir = getenv("TMPDIR");
	size_t n;
	FILE *f;
	int fd, rc;

	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	if (analyze_detect(head, n) != ANALYZE_IN_TRACE)
		return replay_load(path, rp, err, errlen);
	snprintf(tmp, sizeof(tmp), "%s/sliptap-replay.XXXXXX", dir != NULL && *dir ? dir : "/tmp");
	if ((fd = mkstemp(tmp)) < 0) {
		snprintf(err, errlen, "cannot make a temp file: %s", strerror(errno));
		return -1;
	}
	close(fd);
	rc = analyze_import(path, tmp, err, errlen);
	if (rc == 0)
		rc = replay_load(tmp, rp, err, errlen);
	unlink(tmp);
	return rc;
}

static int
cmd_replay_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "link", required_argument, NULL, 'l' },
		{ "fast", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	struct replay_opts o;
	struct replay rp;
	const char *capture;
	char err[1024];
	uint64_t ns;
	int ch, rc, i, port = 0;

	memset(&o, 0, sizeof(o));
	o.timing = 1;
	o.out = stdout;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+l:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': o.link = optarg; break;
		case 'f': o.timing = 0; break;
		case 'T':
			if (cmd_opt_duration("replay", "timeout", optarg, &ns) == 0 && ns > 0)
				o.timeout_s = (double)ns / (double)NS_PER_SEC;
			else {
				fprintf(stderr, "sliptap replay: bad --timeout \"%s\" (e.g. 60s)\n", optarg);
				return 2;
			}
			break;
		default:
			return cmd_usage_error(&cmd_replay_entry);
		}
	}
	if (optind >= argc)
		return cmd_usage_error(&cmd_replay_entry);
	capture = argv[optind++];
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0 && strcmp(argv[optind], "--") == 0)
			optind++;
		for (i = optind; i < argc; i++)
			port |= strstr(argv[i], "{port}") != NULL;
		if (optind >= argc || !port) {
			fprintf(stderr, "sliptap replay: the command after -- needs {port}\n");
			return 2;
		}
		o.argv = argv + optind;
	}
	if (cmd_replay_load(capture, &rp, err, sizeof(err)) != 0) {
		fprintf(stderr, "sliptap replay: %s\n", err);
		return 1;
	}
	run_signals_install();
	rc = replay_serve(&rp, &o);
	replay_report(stdout, &rp);
	replay_free(&rp);
	if (rc == -1)
		return 1;
	if (rc == -2)
		return run_interrupted() == SIGTERM ? 143 : 130;
	return rc;
}

const struct cmd_entry cmd_replay_entry = {
	.name = "replay",
	.usage = "[--link PATH] [--fast] [--timeout DUR] CAPTURE|TRACELOG [-- COMMAND ARGS... {port} ...]",
	.summary = "play a capture's device side back to a live tool; report divergences",
	.help = cmd_replay_help,
	.exec = cmd_replay_exec,
};
