/* cmd-ports.c — placeholder until the owner of this subcommand lands it. */
#include <stdio.h>
#include "cmd.h"

static int
cmd_ports_exec(int argc, char **argv)
{
	fprintf(stderr, "sliptap: ports is not built yet\n");
	return 1;
}

const struct cmd_entry cmd_ports_entry = {
	"ports", "", "(not built yet)", NULL, cmd_ports_exec
};
