/*
 * cmd-check.c — `sliptap check FILE...`: validate scenario files without
 * running them. Prints "FILE: ok (N rules)" per good file and every
 * "file:line: message" of a bad one; exits 1 if any file is bad.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "scenario.h"
#include "util.h"

static void
check_describe(const struct scenario *sc)
{
	size_t i;

	printf("  name %s, expect %s %s", sc->name, scenario_outcome_name(sc->outcome), sc->class);
	if (sc->have_seed)
		printf(", seed %llu", (unsigned long long)sc->seed);
	printf("\n");
	for (i = 0; i < sc->nrules; i++) {
		const struct scenario_rule *r = &sc->rules[i];

		printf("  rule %s: %s%s%s%s\n", r->name, scenario_action_name(r->action),
		    r->on != SCENARIO_EV_NONE ? " on " : "",
		    r->on != SCENARIO_EV_NONE ? scenario_event_name(r->on) : "",
		    scenario_rule_random(r) ? " [random]" :
		    scenario_rule_timed(r) ? " [timing-dependent]" : "");
	}
}

static int
cmd_check_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	struct scenario sc;
	char err[8192];
	int ch, i, quiet = 0, verbose = 0, bad = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "qv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'q':
			quiet = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			return cmd_usage_error(&cmd_check_entry);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return cmd_usage_error(&cmd_check_entry);
	for (i = 0; i < argc; i++) {
		if (scenario_parse_file(argv[i], &sc, err, sizeof(err)) != 0) {
			fputs(err, stderr);
			bad++;
			continue;
		}
		if (!quiet)
			printf("%s: ok (%zu rule%s)\n", argv[i], sc.nrules, sc.nrules == 1 ? "" : "s");
		if (verbose)
			check_describe(&sc);
		scenario_free(&sc);
	}
	fflush(stdout);
	return bad ? 1 : 0;
}

const struct cmd_entry cmd_check_entry = {
	"check", "[-qv] FILE...",
	"validate scenario files without running them",
	"Parses each scenario file strictly (see sliptap-scenario(5)): unknown\n"
	"sections and keys, durations without a unit, percentages outside 0..100,\n"
	"duplicate keys or rule names, unknown actions, ops, events, classes and\n"
	"outcomes are errors, printed as \"file:line: message\" with a suggestion\n"
	"where one is close.\n"
	"\n"
	"Options:\n"
	"  -q, --quiet     print only errors\n"
	"  -v, --verbose   also list each file's rules, actions and expectation\n"
	"\n"
	"Exit status: 0 when every file is valid, 1 when any is not, 2 on usage errors.\n",
	cmd_check_exec
};
