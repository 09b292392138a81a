/*
 * cmd-import.c — `sliptap import FILE -o CAPTURE`: a trace log into a
 * capture (see analyze_import in include/analyze.h).
 */
#include <getopt.h>
#include <stdio.h>

#include "analyze.h"
#include "cmd.h"

static int
cmd_import_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char *out = NULL;
	char err[1024];
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			out = optarg;
			break;
		default:
			return cmd_usage_error(&cmd_import_entry);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1 || out == NULL)
		return cmd_usage_error(&cmd_import_entry);
	if (analyze_import(argv[0], out, err, sizeof(err)) != 0) {
		fprintf(stderr, "sliptap: %s\n", err);
		return 1;
	}
	return 0;
}

const struct cmd_entry cmd_import_entry = {
	"import", "-o CAPTURE FILE",
	"turn an esptool or esptool-js --trace log into a sliptap capture",
	"Rebuilds the bytes each side sent from the Write/Read dumps of a trace\n"
	"log (esptool 2.x-4.x, 5.x or esptool-js format, detected by content) and\n"
	"writes them as a capture: FRAME, OUTSIDE and SLIP_ERROR records as the\n"
	"proxy writes them, timestamps from the trace's clock. The START event\n"
	"says mode=import rebuilt=trace source=FILE, the END event format=.\n"
	"sliptap dump, analyze and Wireshark with docs/sliptap.lua read the result.\n"
	"\n"
	"Options:\n"
	"  -o, --output CAPTURE   the capture to write (\"-\" for stdout)\n"
	"\n"
	"Exit status: 0, 1 when FILE is not a trace log or cannot be read or the\n"
	"capture cannot be written, 2 on usage errors.\n",
	cmd_import_exec
};
