/*
 * cmd-scenarios.c — `sliptap scenarios [DIR]`: list the scenario library
 * (DIR, else ./scenarios, else the installed SLIPTAP_DATADIR/scenarios)
 * with name, failure class, expected outcome and summary; files that do not
 * parse are listed apart as invalid and not counted.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "scenario.h"
#include "util.h"

#ifndef SLIPTAP_DATADIR
#define SLIPTAP_DATADIR "/usr/local/share/sliptap"
#endif

static int
scenarios_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
scenarios_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
cmd_scenarios_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "paths", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = NULL;
	char *installed = NULL, **names = NULL, err[8192];
	size_t n = 0, i, len;
	DIR *d;
	struct dirent *de;
	struct scenario sc;
	int ch, paths = 0, bad = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "p", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			paths = 1;
			break;
		default:
			return cmd_usage_error(&cmd_scenarios_entry);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		return cmd_usage_error(&cmd_scenarios_entry);
	xasprintf(&installed, "%s/scenarios", SLIPTAP_DATADIR);
	if (argc == 1)
		dir = argv[0];
	else if (scenarios_is_dir("scenarios"))
		dir = "scenarios";
	else if (scenarios_is_dir(installed))
		dir = installed;
	else {
		fprintf(stderr, "sliptap: no scenario library: neither ./scenarios nor %s exists\n",
		    installed);
		free(installed);
		return 1;
	}
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "sliptap: %s: cannot open: ", dir);
		perror(NULL);
		free(installed);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".ini") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		xasprintf(&names[n++], "%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), scenarios_cmp);
	printf("%-34s %-19s %-17s %s\n", "NAME", "CLASS", "EXPECT", "SUMMARY");
	for (i = 0; i < n; i++) {
		if (scenario_parse_file(names[i], &sc, err, sizeof(err)) != 0) {
			fputs(err, stderr);
			/* listed apart below, not counted as scenarios */
			names[bad++] = names[i];
			continue;
		}
		printf("%-34s %-19s %-17s %s\n", sc.name, sc.class,
		    scenario_outcome_name(sc.outcome), sc.summary != NULL ? sc.summary : "");
		if (paths)
			printf("%-34s %s\n", "", names[i]);
		scenario_free(&sc);
		free(names[i]);
	}
	if (bad > 0) {
		printf("\ninvalid (errors on standard error; `sliptap check FILE` repeats them):\n");
		for (i = 0; i < (size_t)bad; i++) {
			printf("  %s\n", names[i]);
			free(names[i]);
		}
	}
	free(names);
	printf("%zu scenario%s in %s", n - (size_t)bad, n - (size_t)bad == 1 ? "" : "s", dir);
	if (bad > 0)
		printf(", %d invalid file%s", bad, bad == 1 ? "" : "s");
	putchar('\n');
	free(installed);
	return bad ? 1 : 0;
}

const struct cmd_entry cmd_scenarios_entry = {
	"scenarios", "[-p] [DIR]",
	"list the fault scenario library",
	"Lists every *.ini scenario in DIR, or else in ./scenarios, or else in the\n"
	"installed library (" SLIPTAP_DATADIR "/scenarios): its name, the failure\n"
	"class it produces, the expected outcome and its summary. Files that do not\n"
	"parse are reported as by `sliptap check` on standard error, listed apart\n"
	"under \"invalid\" and not counted as scenarios.\n"
	"\n"
	"Options:\n"
	"  -p, --paths   print each scenario's file under its line\n"
	"\n"
	"Exit status: 0, or 1 when the library is missing or a file is invalid.\n",
	cmd_scenarios_exec
};
