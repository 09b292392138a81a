/* cmd-scenarios.c — placeholder until the owner of this subcommand lands it. */
#include <stdio.h>
#include "cmd.h"

static int
cmd_scenarios_exec(int argc, char **argv)
{
	fprintf(stderr, "sliptap: scenarios is not built yet\n");
	return 1;
}

const struct cmd_entry cmd_scenarios_entry = {
	"scenarios", "", "(not built yet)", NULL, cmd_scenarios_exec
};
