/*
 * cmd-opt.c — option values shared by subcommands (see cmd-opt.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-opt.h"
#include "tcp.h"
#include "units.h"
#include "util.h"

#define CMD_OPT_BAUD_MIN	300
#define CMD_OPT_BAUD_MAX	16000000

int
cmd_opt_baud(const char *cmd, const char *arg, uint32_t *out)
{
	uint32_t u;

	if (parse_u32(arg, &u) == -1 || u < CMD_OPT_BAUD_MIN || u > CMD_OPT_BAUD_MAX) {
		fprintf(stderr, "sliptap %s: --baud %s: want a number from %u to %u\n", cmd, arg,
		    CMD_OPT_BAUD_MIN, CMD_OPT_BAUD_MAX);
		return -1;
	}
	*out = u;
	return 0;
}

int
cmd_opt_rfc2217_reset(const char *cmd, const char *arg, enum cmd_rfc2217_reset *mode)
{
	if (strcmp(arg, "auto") == 0)
		*mode = CMD_RFC2217_AUTO;
	else if (strcmp(arg, "esp") == 0)
		*mode = CMD_RFC2217_ESP;
	else if (strcmp(arg, "direct") == 0)
		*mode = CMD_RFC2217_DIRECT;
	else {
		fprintf(stderr, "sliptap %s: --rfc2217-reset %s: want auto, esp or direct\n",
		    cmd, arg);
		return -1;
	}
	return 0;
}

int
cmd_opt_addr(const char *cmd, const char *opt, const char *arg)
{
	char host[256], port[32], err[512];

	if (tcp_split(arg, "127.0.0.1", host, sizeof(host), port, sizeof(port), err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "sliptap %s: %s%s: %s\n", cmd, opt[0] >= 'a' ? "--" : "", opt,
		    err);
		return -1;
	}
	return 0;
}

int
cmd_opt_duration(const char *cmd, const char *opt, const char *arg, uint64_t *ns)
{
	const char *why = NULL;

	if (parse_duration(arg, ns, &why) == -1) {
		fprintf(stderr, "sliptap %s: --%s %s: %s (e.g. 9s, 500ms, 2min)\n", cmd, opt, arg,
		    why != NULL ? why : "bad duration");
		return -1;
	}
	return 0;
}
