/*
 * cmd-matrix.c — `sliptap matrix`: scenarios x tools, judged, with a
 * table, results.jsonl, JUnit XML, a baseline comparison and CI shards.
 * Options here; the work is in src/run/run-matrix*.c.
 */
#include <sys/stat.h>

#include <errno.h>
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
#include "../run/run-int.h"
#include "../run/run-matrix.h"

static const char cmd_matrix_help[] =
"Run every scenario (files, or directories of *.ini) with every tool, each run\n"
"as `sliptap run` does it (its own simulator, proxy and temp files), and judge\n"
"each against the scenario's [expect] for that tool and version. A scenario\n"
"whose `client` names one kind of tool is run with tools of that kind only.\n"
"While it runs, a progress line per finished run (runs done, time left) goes\n"
"to stderr; at the end the table goes to stdout.\n"
"\n"
"  -t, --tool TOOL       a tool, as for `sliptap run` (repeatable; NAME=TOOL)\n"
"  -n, --repeat N        run each pair N times with seeds SEED, SEED+1, ...\n"
"                        (pass rates with their seeds for probabilistic rules)\n"
"  -j, --jobs N          run N at once (each run has its own simulated device;\n"
"                        with --device, 1)\n"
"      --junit FILE      JUnit XML: one testsuite per tool, one testcase per run;\n"
"                        seed, fired rules, outcome and the reproduction command\n"
"                        in the testcase; KNOWN as skipped, MISMATCH as failure,\n"
"                        NOT_TRIGGERED and HARNESS_ERROR as errors\n"
"      --results FILE    one JSON line per run (results.jsonl)\n"
"      --baseline FILE   compare with an earlier results.jsonl: changed verdicts\n"
"                        or outcomes, new runs, missing runs\n"
"      --shard K/N       run only share K of N (deterministic: run i goes to\n"
"                        shard i mod N + 1), for a CI system's parallel jobs\n"
"      --timeout DUR     the deadline of every run (default: each scenario's)\n"
"      --sim CHIP        as for `sliptap run`, for every run\n"
"      --device PORT     as for `sliptap run` (runs one at a time)\n"
"      --front pty|rfc2217  as for `sliptap run`\n"
"      --seed N          the seed of every run (repetitions add 1, 2, ...)\n"
"      --keep DIR        keep each run's files in DIR/NNN-TOOL/\n"
"  -q, --quiet           no progress lines\n"
"\n"
"Exit status: 0 when every verdict is MATCH, KNOWN or XPASS; 1 when any run is\n"
"MISMATCH, NOT_TRIGGERED or HARNESS_ERROR; 2 on usage errors; 130/143 when\n"
"interrupted (running runs are stopped and cleaned up).\n"
"\n"
"Examples:\n"
"  sliptap matrix scenarios/ --tool esptool-js --tool e4.9=esptool:~/esptool/v4.9.1/esptool.py \\\n"
"      --jobs 2 --junit junit.xml --results results.jsonl\n"
"  sliptap matrix scenarios/ --tool esptool-js --baseline results.jsonl\n";

static int
cmd_matrix_u32(const char *s, unsigned *out, unsigned lo, unsigned hi)
{
	uint32_t v;

	if (parse_u32(s, &v) != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int
cmd_matrix_opts(int argc, char **argv, struct run_matrix *m, const char **junit,
    const char **results, const char **baseline)
{
	static const struct option longopts[] = {
		{ "tool", required_argument, NULL, 't' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "junit", required_argument, NULL, 'J' },
		{ "results", required_argument, NULL, 'R' },
		{ "baseline", required_argument, NULL, 'B' },
		{ "shard", required_argument, NULL, 'H' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "sim", required_argument, NULL, 'S' },
		{ "device", required_argument, NULL, 'D' },
		{ "front", required_argument, NULL, 'F' },
		{ "seed", required_argument, NULL, 'e' },
		{ "keep", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	char err[1024], *end;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "t:n:j:q", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			m->tools = xrealloc(m->tools, (m->ntools + 1) * sizeof(*m->tools));
			if (run_tool_parse(optarg, &m->tools[m->ntools], err, sizeof(err)) != 0) {
				fprintf(stderr, "sliptap matrix: %s\n", err);
				return -1;
			}
			m->ntools++;
			break;
		case 'n':
			if (cmd_matrix_u32(optarg, &m->repeat, 1, 10000) != 0)
				goto bad;
			break;
		case 'j':
			if (cmd_matrix_u32(optarg, &m->jobs, 1, 64) != 0)
				goto bad;
			break;
		case 'J': *junit = optarg; break;
		case 'R': *results = optarg; break;
		case 'B': *baseline = optarg; break;
		case 'H':
			if (run_shard_parse(optarg, &m->shard_k, &m->shard_n) != 0)
				goto bad;
			break;
		case 'T':
			if (cmd_opt_duration("matrix", "timeout", optarg, &m->base.timeout_ns) != 0 ||
			    m->base.timeout_ns == 0)
				goto bad;
			break;
		case 'S': m->base.sim_chip = optarg; break;
		case 'D': m->base.device = optarg; break;
		case 'F':
			if (strcmp(optarg, "pty") == 0)
				m->base.front = RUN_FRONT_PTY;
			else if (strcmp(optarg, "rfc2217") == 0)
				m->base.front = RUN_FRONT_RFC2217;
			else
				goto bad;
			break;
		case 'e':
			m->base.seed = strtoull(optarg, &end, 0);
			if (*optarg == '\0' || *optarg == '-' || *end != '\0')
				goto bad;
			m->base.have_seed = 1;
			break;
		case 'k': m->keep = optarg; break;
		case 'q': m->quiet = 1; break;
		default:
			return -1;
		}
	}
	return 0;
bad:
	fprintf(stderr, "sliptap matrix: bad value \"%s\" for --%s\n", optarg,
	    longopts[0].name != NULL ? argv[optind - 1] + 2 : "");
	return -1;
}

static int
cmd_matrix_exec(int argc, char **argv)
{
	struct run_matrix m;
	const char *junit = NULL, *results = NULL, *baseline = NULL, *tmp;
	char err[1024], self[4096];
	ssize_t n;
	size_t i;
	int rc = 0, ok;

	memset(&m, 0, sizeof(m));
	m.repeat = 1;
	m.jobs = 1;
	m.shard_k = m.shard_n = 1;
	if (cmd_matrix_opts(argc, argv, &m, &junit, &results, &baseline) != 0) {
		run_matrix_free(&m);
		return cmd_usage_error(&cmd_matrix_entry);
	}
	if (optind == argc || m.ntools == 0) {
		fprintf(stderr, "sliptap matrix: give scenario files or directories and at least one --tool\n");
		run_matrix_free(&m);
		return cmd_usage_error(&cmd_matrix_entry);
	}
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		if (run_matrix_add_path(&m, argv[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "sliptap matrix: %s\n", err);
			run_matrix_free(&m);
			return 2;
		}
	}
	if (m.base.device != NULL)
		m.jobs = 1;	/* one device, one run at a time */
	for (i = 0; i < m.ntools; i++) {
		if (run_tool_detect(&m.tools[i], err, sizeof(err)) != 0) {
			fprintf(stderr, "sliptap matrix: %s\n", err);
			run_matrix_free(&m);
			return 1;
		}
		if (m.tools[i].client[0] != '\0' && !m.quiet)
			fprintf(stderr, "matrix: tool %s is %s %s\n", m.tools[i].label, m.tools[i].client,
			    m.tools[i].version);
	}
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0)
		self[n] = '\0';
	else
		snprintf(self, sizeof(self), "sliptap");
	m.base.self = self;
	m.base.progress = stderr;
	run_matrix_plan(&m);
	if (m.nruns == 0) {
		fprintf(stderr, "sliptap matrix: nothing to run (shard %u/%u of %zu scenario files)\n",
		    m.shard_k, m.shard_n, m.nfiles);
	}
	tmp = getenv("TMPDIR");
	snprintf(m.dir, sizeof(m.dir), "%s/sliptap-matrix.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if (mkdtemp(m.dir) == NULL) {
		fprintf(stderr, "sliptap matrix: cannot make a temp dir: %s\n", strerror(errno));
		run_matrix_free(&m);
		return 1;
	}
	if (m.keep != NULL)
		(void)mkdir(m.keep, 0755);
	if (!m.quiet)
		fprintf(stderr, "matrix: %zu runs (%zu scenario files, %zu tools, repeat %u, shard %u/%u, %u jobs)\n",
		    m.nruns, m.nfiles, m.ntools, m.repeat, m.shard_k, m.shard_n, m.jobs);
	run_signals_install();
	ok = run_matrix_execute(&m) == 0;
	run_rmdir(m.dir);
	printf("\n");
	run_matrix_table(stdout, &m);
	if (results != NULL && run_matrix_write_results(&m, results) != 0)
		rc = 1;
	if (junit != NULL && run_matrix_write_junit(&m, junit) != 0)
		rc = 1;
	if (baseline != NULL && run_matrix_baseline(stdout, &m, baseline) < 0)
		rc = 1;
	fflush(stdout);
	if (!ok)
		rc = run_interrupted() == SIGTERM ? 143 : 130;
	else if (rc == 0)
		rc = run_matrix_status(&m);
	run_matrix_free(&m);
	return rc;
}

const struct cmd_entry cmd_matrix_entry = {
	.name = "matrix",
	.usage = "SCENARIO|DIR... --tool TOOL [--tool TOOL...] [--repeat N] [--jobs N]\n"
	    "       [--junit FILE] [--results FILE] [--baseline FILE] [--shard K/N] [--timeout DUR]",
	.summary = "run scenarios x tools and judge each run (table, JSON lines, JUnit)",
	.help = cmd_matrix_help,
	.exec = cmd_matrix_exec,
};
