/* cmd-dump.c — placeholder until the owner of this subcommand lands it. */
#include <stdio.h>
#include "cmd.h"

static int
cmd_dump_exec(int argc, char **argv)
{
	fprintf(stderr, "sliptap: dump is not built yet\n");
	return 1;
}

const struct cmd_entry cmd_dump_entry = {
	"dump", "", "(not built yet)", NULL, cmd_dump_exec
};
