/* cmd-sim.c — placeholder until the owner of this subcommand lands it. */
#include <stdio.h>
#include "cmd.h"

static int
cmd_sim_exec(int argc, char **argv)
{
	fprintf(stderr, "sliptap: sim is not built yet\n");
	return 1;
}

const struct cmd_entry cmd_sim_entry = {
	"sim", "", "(not built yet)", NULL, cmd_sim_exec
};
