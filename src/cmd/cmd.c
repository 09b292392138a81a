/*
 * cmd.c — the subcommand table and the help printer.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_proxy_entry,
	&cmd_sim_entry,
	&cmd_ports_entry,
	&cmd_check_entry,
	&cmd_scenarios_entry,
	&cmd_dump_entry,
	&cmd_run_entry,
	&cmd_matrix_entry,
	&cmd_replay_entry,
	&cmd_analyze_entry,
	&cmd_import_entry,
	NULL
};

const struct cmd_entry *
cmd_find(const char *name)
{
	const struct cmd_entry *const *ce;

	for (ce = cmd_table; *ce != NULL; ce++) {
		if (strcmp((*ce)->name, name) == 0)
			return *ce;
	}
	return NULL;
}

void
cmd_print_help(const struct cmd_entry *ce)
{
	printf("usage: sliptap %s %s\n\n%s\n", ce->name, ce->usage, ce->summary);
	if (ce->help != NULL && *ce->help != '\0')
		printf("\n%s", ce->help);
}

int
cmd_usage_error(const struct cmd_entry *ce)
{
	fprintf(stderr, "usage: sliptap %s %s\n(see 'sliptap %s --help')\n",
	    ce->name, ce->usage, ce->name);
	return 2;
}
