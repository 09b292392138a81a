/*
 * cmd-dump.c — `sliptap dump`: print a sliptap capture one record per line
 * (or one JSON object per line). The formatter is in cmd-dump-format.c, the
 * `--synth` capture generator in cmd-dump-synth.c.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "cmd.h"
#include "cmd-dump.h"
#include "esp.h"
#include "slip.h"
#include "units.h"
#include "util.h"

/* Record filters (--faults, --op, --seq, --dir); all given must hold. */
struct cmd_dump_filter {
	int		 faults;
	int		 op;		/* -1 = any */
	int64_t		 seq;		/* -1 = any */
	int		 dir;		/* CAPTURE_DIR_*, -1 = any */
};

/* The op and *_DATA seq of a FRAME record, or of a FAULT event's op=/seq=. */
static void
cmd_dump_op_seq(const struct capture_record *rec, int *op, int64_t *seq)
{
	static uint8_t body[SLIP_MAX_FRAME];
	struct esp_packet pkt;
	struct esp_data_header dh;
	char k[32], v[64];
	size_t pos = 0, n = 0, i;
	int esc = 0;

	*op = -1;
	*seq = -1;
	if (rec->type == CAPTURE_T_EVENT) {
		while (capture_kv_next(rec->text, rec->text_len, &pos, k, sizeof(k), v, sizeof(v))) {
			if (strcmp(k, "op") == 0)
				*op = esp_op_by_name(v);
			else if (strcmp(k, "seq") == 0)
				*seq = strtoll(v, NULL, 10);
		}
		return;
	}
	if (rec->type != CAPTURE_T_FRAME)
		return;
	for (i = 0; i < rec->raw_len && n < sizeof(body); i++) {
		uint8_t c = rec->raw[i];

		if (c == SLIP_END)
			continue;
		if (esc) {
			body[n++] = c == SLIP_ESC_END ? SLIP_END : c == SLIP_ESC_ESC ? SLIP_ESC : c;
			esc = 0;
		} else if (c == SLIP_ESC)
			esc = 1;
		else
			body[n++] = c;
	}
	if (esp_packet_parse(body, n, &pkt) != 0)
		return;
	*op = pkt.op;
	if (pkt.dir == ESP_DIR_COMMAND && esp_data_header_parse(&pkt, &dh) == 0)
		*seq = dh.seq;
}

static int
cmd_dump_match(const struct cmd_dump_filter *f, const struct capture_record *rec)
{
	int op;
	int64_t seq;

	if (f->faults && !(rec->type == CAPTURE_T_EVENT &&
	    (rec->event == CAPTURE_EV_FAULT || rec->event == CAPTURE_EV_NOT_TRIGGERED)))
		return 0;
	if (f->dir != -1 && rec->dir != f->dir)
		return 0;
	if (f->op == -1 && f->seq == -1)
		return 1;
	cmd_dump_op_seq(rec, &op, &seq);
	return (f->op == -1 || op == f->op) && (f->seq == -1 || seq == f->seq);
}

/* --streams DIR: the four rebuilt streams as files. */
static int
cmd_dump_write_streams(const char *dir, const struct capture_streams *sv)
{
	char path[4096];
	FILE *fp;
	int i;

	for (i = 0; i < CAPTURE_S_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, capture_stream_name((enum capture_stream)i));
		if ((fp = fopen(path, "wb")) == NULL ||
		    (sv->len[i] > 0 && fwrite(sv->data[i], 1, sv->len[i], fp) != sv->len[i]) ||
		    fclose(fp) != 0) {
			fprintf(stderr, "sliptap dump: %s: %s\n", path, strerror(errno));
			return 1;
		}
		printf("%-16s %zu bytes\n", capture_stream_name((enum capture_stream)i), sv->len[i]);
	}
	if (sv->partial)
		printf("# some records kept fewer raw bytes than they stand for: the streams have gaps\n");
	return 0;
}

static int
cmd_dump_parse(int argc, char **argv, struct cmd_dump_state *st, struct cmd_dump_filter *f,
    const char **synth, const char **streams)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "raw", no_argument, NULL, 'r' },
		{ "synth", required_argument, NULL, 'S' },
		{ "streams", required_argument, NULL, 'W' },
		{ "faults", no_argument, NULL, 'F' },
		{ "op", required_argument, NULL, 'O' },
		{ "seq", required_argument, NULL, 'Q' },
		{ "dir", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jr", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': st->json = 1; break;
		case 'r': st->raw = 1; break;
		case 'S': *synth = optarg; break;
		case 'W': *streams = optarg; break;
		case 'F': f->faults = 1; break;
		case 'O':
			if ((f->op = esp_op_by_name(optarg)) < 0) {
				fprintf(stderr, "sliptap dump: --op %s: not an ESP op name (e.g. FLASH_DATA)\n",
				    optarg);
				return -1;
			}
			break;
		case 'Q':
			f->seq = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || f->seq < 0 || f->seq > UINT32_MAX) {
				fprintf(stderr, "sliptap dump: --seq %s: want a number\n", optarg);
				return -1;
			}
			break;
		case 'D':
			if (strcmp(optarg, "host") == 0)
				f->dir = CAPTURE_DIR_H2D;
			else if (strcmp(optarg, "device") == 0)
				f->dir = CAPTURE_DIR_D2H;
			else {
				fprintf(stderr, "sliptap dump: --dir %s: want host (what the host sent) "
				    "or device (what the device sent)\n", optarg);
				return -1;
			}
			break;
		default:
			return -1;
		}
	}
	return 0;
}

static int
cmd_dump_exec(int argc, char **argv)
{
	struct cmd_dump_filter f = { 0, -1, -1, -1 };
	struct cmd_dump_state *st;
	struct capture_reader *r;
	struct capture_record rec;
	struct capture_streams sv;
	const char *synth = NULL, *streams = NULL, *error = NULL;
	uint64_t last_ts = 0;
	char err[1024];
	int rc, status = 0, ended = 0;

	st = xcalloc(1, sizeof(*st));
	memset(&sv, 0, sizeof(sv));
	if (cmd_dump_parse(argc, argv, st, &f, &synth, &streams) == -1) {
		free(st);
		return cmd_usage_error(&cmd_dump_entry);
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
			st->frame = capture_reader_count(r);
			if (rec.type == CAPTURE_T_EVENT && rec.event == CAPTURE_EV_END)
				ended = 1;
			last_ts = rec.ts_ns;
			if (streams != NULL) {
				capture_streams_add(&sv, &rec);
				continue;
			}
			st->hide = !cmd_dump_match(&f, &rec);
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
	if (!ended && capture_reader_count(r) > 0) {
		fflush(stdout);
		fprintf(stderr, "sliptap: warning: %s has no END record: its writer stopped without "
		    "closing it (killed?) after %" PRIu64 " records, the last %.3f s after the first\n",
		    argv[0], capture_reader_count(r), st->have_t0 || streams != NULL ?
		    (double)(last_ts - (st->have_t0 ? st->t0 : last_ts)) / (double)NS_PER_SEC : 0.0);
	}
	if (streams != NULL) {
		if (cmd_dump_write_streams(streams, &sv) != 0)
			status = 1;
		capture_streams_free(&sv);
	} else
		cmd_dump_summary(st, capture_reader_count(r), error);
	slip_decoder_free(st->dec);
	capture_reader_close(r);
	free(st);
	return status;
}

const struct cmd_entry cmd_dump_entry = {
	"dump", "[--json] [--raw] [--faults] [--op NAME] [--seq N] [--dir host|device] FILE | "
	"--streams DIR FILE | --synth FILE",
	"print a sliptap capture one record per line",
	"Prints every record of a capture written by `sliptap proxy` (or `sim`):\n"
	"time in ms since the first record, direction (H->D host to device,\n"
	"D->H device to host, -- harness), record type and, for frames, the\n"
	"decoded ESP packet: op name, seq and size of *_DATA, FLASH_BEGIN fields,\n"
	"status and error name of responses. Faulted traffic shows as [original]\n"
	"(what the sender sent) and [delivered of #N] (what the peer received).\n"
	"Each line starts with the record's number, the frame number Wireshark shows\n"
	"(1-based, every pcap record counted); [delivered of #N] names a record by it.\n"
	"Ends with a summary line. A capture without an END record (its writer was\n"
	"killed) gets a warning on stderr saying how far it got.\n"
	"\n"
	"Options:\n"
	"  -j, --json       one JSON object per record, then {\"summary\":{...}}\n"
	"  -r, --raw        add the raw wire bytes in hex\n"
	"      --faults     only FAULT and NOT_TRIGGERED events\n"
	"      --op NAME    only frames of that op (FLASH_DATA, SYNC, ...) and the\n"
	"                   FAULT events about it\n"
	"      --seq N      only *_DATA commands with that seq and FAULT events about it\n"
	"      --dir host|device  only records of what the host (or the device) sent\n"
	"      --streams DIR  rebuild the four byte streams (docs/capture-format.md\n"
	"                   section 5) into DIR/host-sent, DIR/device-received,\n"
	"                   DIR/device-sent and DIR/host-received, and print their sizes\n"
	"      --synth FILE write a small synthetic capture (an ESP32 flash session\n"
	"                   with one corrupted FLASH_DATA) to FILE and exit\n"
	"\n"
	"Exit status: 0, or 1 when the file cannot be read, is not a sliptap\n"
	"capture, has bad records or ends mid-record (every whole record is printed\n"
	"first, then \"capture truncated after N records\"). Format reference:\n"
	"docs/capture-format.md; Wireshark dissector: docs/sliptap.lua.\n",
	cmd_dump_exec
};
