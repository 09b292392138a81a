/*
 * cmd-check.c — `sliptap check FILE...`: validate scenario files without
 * running them. Prints "FILE: ok (N rules)" per good file and every
 * "file:line: message" of a bad one; exits 1 if any file is bad.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
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

/* One shell assignment, single-quoted. */
static void
check_env_var(const char *key, const char *value)
{
	const char *c;

	printf("SCENARIO_%s='", key);
	for (c = value != NULL ? value : ""; *c != '\0'; c++) {
		if (*c == '\'')
			fputs("'\\''", stdout);
		else if (*c == '\n')
			putchar(' ');
		else
			putchar(*c);
	}
	printf("'\n");
}

/* The scenario as shell assignments, for test harnesses (eval "$(sliptap check -e F)"). */
static void
check_env(const struct scenario *sc, const char *tool)
{
	struct scenario_expect ex;
	char buf[64], client[32], *version;
	size_t i, len = 0;
	char *rules;

	version = NULL;
	if (tool != NULL) {
		snprintf(client, sizeof(client), "%s", tool);
		if ((version = strchr(client, ':')) != NULL)
			*version++ = '\0';
	}
	scenario_expect_for(sc, tool != NULL ? client : NULL, version, &ex);

	check_env_var("NAME", sc->name);
	check_env_var("SUMMARY", sc->summary);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)sc->seed);
	check_env_var("SEED", sc->have_seed ? buf : "");
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)((sc->deadline_ns + 999999999ULL) / 1000000000ULL));
	check_env_var("DEADLINE", sc->have_deadline ? buf : "");
	check_env_var("CHIP", sc->chip);
	check_env_var("TRANSPORT", sc->transport);
	check_env_var("CLIENT", sc->client);
	check_env_var("STUB", sc->stub < 0 ? "" : sc->stub ? "yes" : "no");
	check_env_var("COMPRESS", sc->compress < 0 ? "" : sc->compress ? "yes" : "no");
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)sc->image_size);
	check_env_var("IMAGE_SIZE", sc->image_size ? buf : "");
	snprintf(buf, sizeof(buf), "%u", sc->baud);
	check_env_var("BAUD", sc->baud ? buf : "");
	snprintf(buf, sizeof(buf), "%u", sc->change_baud);
	check_env_var("CHANGE_BAUD", sc->change_baud ? buf : "");
	check_env_var("OUTCOME", scenario_outcome_name(ex.outcome));
	check_env_var("CLASS", ex.class);
	check_env_var("MESSAGE", ex.message);
	check_env_var("KNOWN_BUG", ex.known_bug);
	snprintf(buf, sizeof(buf), "%d", ex.last_progress);
	check_env_var("LAST_PROGRESS", ex.last_progress >= 0 ? buf : "");
	for (i = 0; i < sc->nrules; i++)
		len += strlen(sc->rules[i].name) + 1;
	rules = xcalloc(1, len + 1);
	for (i = 0; i < sc->nrules; i++) {
		if (sc->rules[i].optional)
			continue;
		if (*rules != '\0')
			strcat(rules, " ");
		strcat(rules, sc->rules[i].name);
	}
	check_env_var("RULES", rules);
	free(rules);
}

static int
cmd_check_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "env", no_argument, NULL, 'e' },
		{ "tool", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	struct scenario sc;
	char err[8192];
	const char *tool = NULL;
	int ch, i, quiet = 0, verbose = 0, env = 0, bad = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "eqt:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			tool = optarg;
			break;
		case 'e':
			env = 1;
			break;
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
		if (env) {
			check_env(&sc, tool);
			scenario_free(&sc);
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
	"check", "[-eqv] [-t TOOL[:VERSION]] FILE...",
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
	"  -e, --env       print each valid file as shell assignments (SCENARIO_NAME=...,\n"
	"                  SCENARIO_CLASS, _OUTCOME, _MESSAGE, _RULES, ...) for test\n"
	"                  harnesses: eval \"$(sliptap check -e FILE)\"\n"
	"  -t, --tool TOOL[:VERSION]\n"
	"                  with -e, the expectation for this tool (esptool:4.9.1,\n"
	"                  esptool-js): [expect] with its [expect TOOL] sections applied\n"
	"\n"
	"Exit status: 0 when every file is valid, 1 when any is not, 2 on usage errors.\n",
	cmd_check_exec
};
