/* cmd-check.c — placeholder until the owner of this subcommand lands it. */
#include <stdio.h>
#include "cmd.h"

static int
cmd_check_exec(int argc, char **argv)
{
	fprintf(stderr, "sliptap: check is not built yet\n");
	return 1;
}

const struct cmd_entry cmd_check_entry = {
	"check", "", "(not built yet)", NULL, cmd_check_exec
};
