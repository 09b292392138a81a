/*
 * cmd-dump.c — `sliptap dump`: print a sliptap capture one record per line
 * (or one JSON object per line). The formatter is in cmd-dump-format.c, the
 * `--synth` capture generator in cmd-dump-synth.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture.h"
#include "cmd.h"
#include "cmd-dump.h"
#include "slip.h"
#include "util.h"

static int
cmd_dump_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "raw", no_argument, NULL, 'r' },
		{ "synth", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_dump_state *st;
	struct capture_reader *r;
	struct capture_record rec;
	const char *synth = NULL, *error = NULL;
	char err[1024];
	int ch, rc, status = 0;

	st = xcalloc(1, sizeof(*st));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "jr", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			st->json = 1;
			break;
		case 'r':
			st->raw = 1;
			break;
		case 'S':
			synth = optarg;
			break;
		default:
			free(st);
			return cmd_usage_error(&cmd_dump_entry);
		}
	}
	argc -= optind;
	argv += optind;
	if (synth != NULL) {
		free(st);
		if (argc != 0)
			return cmd_usage_error(&cmd_dump_entry);
		return cmd_dump_synth(synth);
	}
	if (argc != 1) {
		free(st);
		return cmd_usage_error(&cmd_dump_entry);
	}
	if ((r = capture_reader_open(argv[0], err, sizeof(err))) == NULL) {
		fprintf(stderr, "sliptap: %s\n", err);
		free(st);
		return 1;
	}
	st->dec = slip_decoder_new(0, cmd_dump_slip_cb, &st->dd);
	for (;;) {
		rc = capture_reader_next(r, &rec);
		if (rc == 0)
			break;
		if (rc == 1) {
			cmd_dump_record(st, &rec);
			continue;
		}
		/* Print the error where it happened, in stream order with the records. */
		fflush(stdout);
		fprintf(stderr, "sliptap: %s\n", capture_reader_error(r));
		status = 1;
		if (rc == CAPTURE_ERR_TRUNCATED || rc == CAPTURE_ERR_IO ||
		    rc == CAPTURE_ERR_VERSION) {
			error = capture_reader_error(r);
			break;
		}
		st->bad++;
		error = "bad records";
	}
	cmd_dump_summary(st, capture_reader_count(r), error);
	slip_decoder_free(st->dec);
	capture_reader_close(r);
	free(st);
	return status;
}

const struct cmd_entry cmd_dump_entry = {
	"dump", "[--json] [--raw] FILE | --synth FILE",
	"print a sliptap capture one record per line",
	"Prints every record of a capture written by `sliptap proxy` (or `sim`):\n"
	"time in ms since the first record, direction (H->D host to device,\n"
	"D->H device to host, -- harness), record type and, for frames, the\n"
	"decoded ESP packet: op name, seq and size of *_DATA, FLASH_BEGIN fields,\n"
	"status and error name of responses. Faulted traffic shows as [original]\n"
	"(what the sender sent) and [delivered of #N] (what the peer received).\n"
	"Ends with a summary line.\n"
	"\n"
	"Options:\n"
	"  -j, --json       one JSON object per record, then {\"summary\":{...}}\n"
	"  -r, --raw        add the raw wire bytes in hex\n"
	"      --synth FILE write a small synthetic capture (an ESP32 flash session\n"
	"                   with one corrupted FLASH_DATA) to FILE and exit\n"
	"\n"
	"Exit status: 0, or 1 when the file cannot be read, is not a sliptap\n"
	"capture, has bad records or ends mid-record (every whole record is printed\n"
	"first, then \"capture truncated after N records\"). Format reference:\n"
	"docs/capture-format.md; Wireshark dissector: docs/sliptap.lua.\n",
	cmd_dump_exec
};
