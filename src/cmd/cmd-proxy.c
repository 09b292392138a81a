/* cmd-proxy.c — placeholder until the owner of this subcommand lands it. */
#include <stdio.h>
#include "cmd.h"

static int
cmd_proxy_exec(int argc, char **argv)
{
	fprintf(stderr, "sliptap: proxy is not built yet\n");
	return 1;
}

const struct cmd_entry cmd_proxy_entry = {
	"proxy", "", "(not built yet)", NULL, cmd_proxy_exec
};
