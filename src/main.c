/*
 * main.c — dispatch `sliptap CMD ...` through the command table.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

static void
main_usage(FILE *f)
{
	const struct cmd_entry *const *ce;

	fprintf(f, "usage: sliptap COMMAND [OPTIONS] [ARGS]\n\n"
	    "A man-in-the-middle for ESP serial flashing: proxy, capture, simulate, inject faults.\n\n"
	    "Commands:\n");
	for (ce = cmd_table; *ce != NULL; ce++)
		fprintf(f, "  %-10s %s\n", (*ce)->name, (*ce)->summary);
	fprintf(f, "\n'sliptap help COMMAND' or 'sliptap COMMAND --help' for its options;"
	    " 'man sliptap' for more.\n");
}

static int
main_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct cmd_entry *ce;

	if (argc < 2) {
		main_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		main_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("sliptap %s\n", SLIPTAP_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3) {
			main_usage(stdout);
			return 0;
		}
		if ((ce = cmd_find(argv[2])) == NULL) {
			fprintf(stderr, "sliptap: unknown command \"%s\"\n", argv[2]);
			return 2;
		}
		cmd_print_help(ce);
		return 0;
	}
	if ((ce = cmd_find(argv[1])) == NULL) {
		fprintf(stderr, "sliptap: unknown command \"%s\" (try 'sliptap --help')\n", argv[1]);
		return 2;
	}
	if (main_wants_help(argc - 1, argv + 1)) {
		cmd_print_help(ce);
		return 0;
	}
	return ce->exec(argc - 1, argv + 1);
}
