/*
 * cmd-check.c — `sliptap check FILE...`: validate scenario files without
 * running them. Prints "FILE: ok (N rules)" per good file and every
 * "file:line: message" of a bad one; exits 1 if any file is bad, 2 when
 * --front/--device reject a rule their endpoints cannot perform.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "cmd.h"
#include "scenario.h"
#include "units.h"
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
check_env(const struct scenario *sc, const char *client, const char *version)
{
	const struct scenario_flash *fl = &sc->flash;
	struct scenario_expect ex;
	char buf[64];
	size_t i, len = 0;
	char *rules;

	scenario_expect_for(sc, client, version, &ex);
	check_env_var("NAME", sc->name);
	check_env_var("SUMMARY", sc->summary);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)sc->seed);
	check_env_var("SEED", sc->have_seed ? buf : "");
	snprintf(buf, sizeof(buf), "%llu",
	    (unsigned long long)((sc->deadline_ns + NS_PER_SEC - 1) / NS_PER_SEC));
	check_env_var("DEADLINE", sc->have_deadline ? buf : "");
	check_env_var("CHIP", fl->chip);
	check_env_var("TRANSPORT", fl->transport);
	check_env_var("CLIENT", fl->client);
	check_env_var("STUB", fl->stub < 0 ? "" : fl->stub ? "yes" : "no");
	check_env_var("COMPRESS", fl->compress < 0 ? "" : fl->compress ? "yes" : "no");
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)fl->image_size);
	check_env_var("IMAGE_SIZE", buf);
	check_env_var("IMAGE", scenario_image_name(fl->image));
	snprintf(buf, sizeof(buf), "0x%x", fl->offset);
	check_env_var("OFFSET", buf);
	snprintf(buf, sizeof(buf), "%u", fl->baud);
	check_env_var("BAUD", fl->baud ? buf : "");
	snprintf(buf, sizeof(buf), "%u", fl->change_baud);
	check_env_var("CHANGE_BAUD", fl->change_baud ? buf : "");
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

/* -t TOOL[:VERSION] into client and version (NULL); 0, or 2 after a usage message. */
static int
check_tool(char *tool, const char **client, const char **version)
{
	struct scenario empty;
	struct scenario_expect ex;
	char *colon;
	int rc;

	*client = tool;
	*version = NULL;
	if ((colon = strchr(tool, ':')) != NULL) {
		*colon = '\0';
		*version = colon + 1;
	}
	memset(&empty, 0, sizeof(empty));
	rc = scenario_expect_for(&empty, *client, *version, &ex);
	if (rc == -1) {
		fprintf(stderr, "sliptap check: unknown tool \"%s\" (esptool[:VERSION], "
		    "esptool-js, py, js)\n", *client);
		return 2;
	}
	if (rc == -2) {
		fprintf(stderr, "sliptap check: bad version \"%s\" (e.g. 4, 4.8 or 4.9.1)\n",
		    *version);
		return 2;
	}
	return 0;
}

/*
 * What each proxy front and device kind can do (CAP_* of caps.h), for
 * --front and --device. The io layer's endpoint ops tables and the proxy's
 * host side declare the same masks; keep these in step with them.
 */
static const struct {
	const char	*name;
	unsigned	 caps;
} check_fronts[] = {
	{ "pty", CAP_FREEZE_WRITES | CAP_SET_BAUD | CAP_VANISH | CAP_EXCLUSIVE },
	{ "rfc2217", CAP_FREEZE_WRITES | CAP_LINES | CAP_SET_BAUD | CAP_VANISH },
}, check_devices[] = {
	{ "serial", CAP_LINES | CAP_SET_BAUD | CAP_VANISH | CAP_EXCLUSIVE },
	{ "tcp", CAP_VANISH },
	{ "rfc2217", CAP_LINES | CAP_SET_BAUD | CAP_VANISH },
	{ "sim", CAP_LINES | CAP_SET_BAUD | CAP_VANISH | CAP_EXCLUSIVE },
};

/* NAME's capability bits from one of the tables above; -1 when unknown. */
static int
check_caps(const char *name, int device, unsigned *caps)
{
	size_t i, n = device ? nitems(check_devices) : nitems(check_fronts);

	for (i = 0; i < n; i++) {
		if (strcmp(name, device ? check_devices[i].name : check_fronts[i].name) == 0) {
			*caps = device ? check_devices[i].caps : check_fronts[i].caps;
			return 0;
		}
	}
	fprintf(stderr, "sliptap check: unknown %s \"%s\" (%s)\n", device ? "device" : "front",
	    name, device ? "serial, tcp, rfc2217 or sim" : "pty or rfc2217");
	return -1;
}

static int
cmd_check_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "env", no_argument, NULL, 'e' },
		{ "tool", required_argument, NULL, 't' },
		{ "front", required_argument, NULL, 'f' },
		{ "device", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct scenario sc;
	char err[8192];
	char *tool = NULL;
	const char *client = NULL, *version = NULL, *front = NULL, *device = NULL;
	unsigned front_caps = CAP_ALL, device_caps = CAP_ALL;
	int ch, i, rc, quiet = 0, verbose = 0, env = 0, bad = 0, refused = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "eqt:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			tool = optarg;
			break;
		case 'e':
			env = 1;
			break;
		case 'f':
			front = optarg;
			break;
		case 'd':
			device = optarg;
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
	if (tool != NULL && !env) {
		fprintf(stderr, "sliptap check: -t/--tool selects the expectation -e prints; "
		    "use it with -e\n");
		return cmd_usage_error(&cmd_check_entry);
	}
	if (tool != NULL && (rc = check_tool(tool, &client, &version)) != 0)
		return rc;
	if ((front != NULL && check_caps(front, 0, &front_caps) != 0) ||
	    (device != NULL && check_caps(device, 1, &device_caps) != 0))
		return cmd_usage_error(&cmd_check_entry);
	for (i = 0; i < argc; i++) {
		if (scenario_parse_file(argv[i], &sc, err, sizeof(err)) != 0) {
			fputs(err, stderr);
			bad++;
			continue;
		}
		if ((front != NULL || device != NULL) &&
		    scenario_check_front(&sc, front_caps, device_caps, err, sizeof(err)) != 0) {
			fputs(err, stderr);
			refused++;
			scenario_free(&sc);
			continue;
		}
		if (env) {
			check_env(&sc, client, version);
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
	return refused ? 2 : bad ? 1 : 0;
}

const struct cmd_entry cmd_check_entry = {
	"check", "[-qv] [-e [-t TOOL[:VERSION]]] [--front pty|rfc2217] [--device KIND] FILE...",
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
	"                  esptool-js; py and js for short): [expect] with its\n"
	"                  [expect TOOL] sections applied; an unknown tool is an error\n"
	"      --front pty|rfc2217\n"
	"      --device serial|tcp|rfc2217|sim\n"
	"                  also reject rules whose action that proxy front or device\n"
	"                  cannot perform (\"file:line: rule NAME: why\"), as the proxy\n"
	"                  does at start: freeze-host-writes needs a front that can\n"
	"                  block the tool's writes, disconnect one that can vanish,\n"
	"                  reset a device with DTR/RTS (not tcp), ignore-baud-change\n"
	"                  one with a baud rate (not tcp); unnamed: anything goes\n"
	"\n"
	"Exit status: 0 when every file is valid, 1 when any is not, 2 on usage errors\n"
	"and when --front or --device rejects a rule.\n",
	cmd_check_exec
};
