/*
 * cmd.h — the subcommand table. Each subcommand is one file in src/cmd/
 * that defines one `struct cmd_entry` and is listed once in src/cmd/cmd.c.
 * Usage and help text are data here, so `sliptap help CMD`, `CMD --help`
 * and the man page read from one place.
 */
#ifndef SLIPTAP_CMD_H
#define SLIPTAP_CMD_H

struct cmd_entry {
	const char *name;
	const char *usage;	/* argument synopsis after the name */
	const char *summary;	/* one line for `sliptap --help` */
	const char *help;	/* option list and notes, printed by --help */
	/*
	 * Runs the command; argv[0] is the command name, options follow
	 * (parse with getopt_long). Returns the exit status: 0 success,
	 * 1 failure, 2 usage error.
	 */
	int (*exec)(int argc, char **argv);
};

extern const struct cmd_entry *const cmd_table[];

/* The entry named `name`, or NULL. */
const struct cmd_entry *cmd_find(const char *name);
/* Print the full help of an entry to stdout. */
void cmd_print_help(const struct cmd_entry *ce);
/* Print "usage: sliptap NAME USAGE" to stderr and return 2 (for option errors). */
int cmd_usage_error(const struct cmd_entry *ce);

extern const struct cmd_entry cmd_proxy_entry;
extern const struct cmd_entry cmd_sim_entry;
extern const struct cmd_entry cmd_ports_entry;
extern const struct cmd_entry cmd_check_entry;
extern const struct cmd_entry cmd_scenarios_entry;
extern const struct cmd_entry cmd_dump_entry;
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_matrix_entry;
extern const struct cmd_entry cmd_replay_entry;
extern const struct cmd_entry cmd_analyze_entry;
extern const struct cmd_entry cmd_import_entry;

#endif
