/*
 * cmd-run.c — `sliptap run`: one flashing tool under one scenario, on the
 * simulator (or a real device) behind the proxy, judged. Options here; the
 * work is in src/run/.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd-opt.h"
#include "run.h"
#include "scenario.h"
#include "units.h"
#include "util.h"

static const char cmd_run_help[] =
"Start the device side (the simulator with the scenario's chip and transport,\n"
"or --device), the proxy with the scenario, then the tool with its port; stream\n"
"the tool's output through, live; then report what the tool did (exit status,\n"
"last progress line, final error), what the wire says (class and evidence),\n"
"what the flash holds (on the simulator: compared with the image the tool was\n"
"asked to write), and the verdict against the scenario's [expect] for the\n"
"tool and version its banner announces. Ends with the command that reproduces\n"
"the run, seed included. Nothing is left behind: processes, ptys and temp files\n"
"go on every path (the deadline and SIGINT/SIGTERM kill the tool's process group).\n"
"\n"
"TOOL is esptool:PATH (Python esptool 2.x-5.x; the command line is spelled the\n"
"way that version wants it; $SLIPTAP_PYTHON, default /usr/bin/python3, runs it),\n"
"esptool-js (the project's node client, tests/js/flash.mjs; $SLIPTAP_JS names\n"
"its directory, $NODE the node binary), or a command template with {port},\n"
"{chip}, {offset}, {image}, {baud} (also given after --). NAME=TOOL labels it.\n"
"\n"
"  -s, --scenario FILE   the faults and the expectation (sliptap-scenario(5));\n"
"                        without one the run expects a plain pass\n"
"      --sim CHIP        simulate this chip (default: the scenario's, else esp32)\n"
"      --device PORT     a real port or rfc2217://HOST:PORT instead of the simulator\n"
"                        (the flash contents are then not checked)\n"
"      --front pty|rfc2217  what the tool opens: a pty (default) or the proxy's\n"
"                        RFC 2217 server (the tool gets rfc2217://127.0.0.1:PORT)\n"
"      --pcap FILE       write the capture here (default: a temp file)\n"
"      --seed N          the fault engine's seed (default: the scenario's)\n"
"      --timeout DUR     the deadline (e.g. 90s; default: the scenario's, else 120s)\n"
"      --json            print the result as one JSON object (the tool's output\n"
"                        goes to stderr)\n"
"      --keep DIR        keep capture, tool log, sim and proxy logs, image and\n"
"                        flash file in DIR\n"
"  -t, --tool TOOL       the tool to run (or a command after --)\n"
"  -q, --quiet           do not stream the tool's output\n"
"\n"
"Verdicts and exit status: 0 MATCH, 1 MISMATCH, 2 usage error, 3 KNOWN (a\n"
"mismatch the scenario lists as a known bug), 4 XPASS (a known bug did not\n"
"show), 5 NOT_TRIGGERED (an armed rule never fired), 6 HARNESS_ERROR (no\n"
"device, no tool, or the deadline passed where no hang was expected), 130/143\n"
"when interrupted.\n"
"\n"
"Examples:\n"
"  sliptap run --scenario scenarios/esp32s3-write-timeout-93.ini \\\n"
"      --tool e4.9=esptool:~/esptool/v4.9.1/esptool.py\n"
"  sliptap run --scenario scenarios/no-response.ini --tool esptool-js\n"
"  sliptap run --sim esp32c3 -- my-flasher --port {port} --addr {offset} {image}\n";

static char *
cmd_run_self(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return xstrdup("sliptap");
	buf[n] = '\0';
	return xstrdup(buf);
}

static int
cmd_run_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "sim", required_argument, NULL, 'S' },
		{ "device", required_argument, NULL, 'D' },
		{ "front", required_argument, NULL, 'F' },
		{ "pcap", required_argument, NULL, 'w' },
		{ "seed", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "json", no_argument, NULL, 'j' },
		{ "keep", required_argument, NULL, 'k' },
		{ "tool", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct run_opts o;
	struct run_tool tool;
	struct run_result res;
	const char *toolspec = NULL;
	char err[1024], *end;
	int ch, json = 0, quiet = 0, rc;

	memset(&o, 0, sizeof(o));
	o.progress = stderr;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+s:t:q", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': o.scenario = optarg; break;
		case 'S': o.sim_chip = optarg; break;
		case 'D': o.device = optarg; break;
		case 'F':
			if (strcmp(optarg, "pty") == 0)
				o.front = RUN_FRONT_PTY;
			else if (strcmp(optarg, "rfc2217") == 0)
				o.front = RUN_FRONT_RFC2217;
			else {
				fprintf(stderr, "sliptap run: bad --front \"%s\" (pty or rfc2217)\n", optarg);
				return 2;
			}
			break;
		case 'w': o.pcap = optarg; break;
		case 'e':
			o.seed = strtoull(optarg, &end, 0);
			if (*optarg == '\0' || *end != '\0' || *optarg == '-') {
				fprintf(stderr, "sliptap run: bad --seed \"%s\"\n", optarg);
				return 2;
			}
			o.have_seed = 1;
			break;
		case 'T':
			if (cmd_opt_duration("run", "timeout", optarg, &o.timeout_ns) != 0)
				return 2;
			if (o.timeout_ns == 0) {
				fprintf(stderr, "sliptap run: --timeout %s: must be more than zero\n", optarg);
				return 2;
			}
			break;
		case 'j': json = 1; break;
		case 'k': o.keep = optarg; break;
		case 't': toolspec = optarg; break;
		case 'q': quiet = 1; break;
		default:
			return cmd_usage_error(&cmd_run_entry);
		}
	}
	argc -= optind;
	argv += optind;
	if ((toolspec == NULL) == (argc == 0)) {
		fprintf(stderr, "sliptap run: give either --tool TOOL or -- COMMAND ... {port} ...\n");
		return cmd_usage_error(&cmd_run_entry);
	}
	if (o.sim_chip != NULL && o.device != NULL) {
		fprintf(stderr, "sliptap run: --sim and --device exclude each other\n");
		return 2;
	}
	if ((toolspec != NULL ? run_tool_parse(toolspec, &tool, err, sizeof(err)) :
	    run_tool_from_argv(argc, argv, &tool, err, sizeof(err))) != 0) {
		fprintf(stderr, "sliptap run: %s\n", err);
		return 2;
	}
	if (o.scenario != NULL && access(o.scenario, R_OK) != 0) {
		fprintf(stderr, "sliptap run: %s: cannot read the scenario\n", o.scenario);
		run_tool_free(&tool);
		return 2;
	}
	o.self = cmd_run_self();
	o.live = quiet ? 0 : json ? 2 : 1;
	o.quiet = json;
	run_signals_install();
	rc = run_one(&o, &tool, &res);
	if (json) {
		run_result_json(stdout, &res);
		putchar('\n');
		fflush(stdout);
	}
	if (rc != 0)
		rc = run_interrupted() == SIGTERM ? 143 : 130;
	else
		rc = run_verdict_exit(res.j.verdict);
	run_result_free(&res);
	run_tool_free(&tool);
	free((char *)o.self);
	return rc;
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage = "[--scenario FILE] [--sim CHIP | --device PORT] [--front pty|rfc2217] [--pcap FILE]\n"
	    "       [--seed N] [--timeout DUR] [--json] [--keep DIR] (--tool TOOL | -- COMMAND ARGS... {port} ...)",
	.summary = "run a flashing tool under a scenario and judge the outcome",
	.help = cmd_run_help,
	.exec = cmd_run_exec,
};
