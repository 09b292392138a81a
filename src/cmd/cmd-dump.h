/*
 * cmd-dump.h — internals of `sliptap dump` shared by its files:
 * cmd-dump.c (options, the read loop), cmd-dump-format.c (one record to one
 * line of text or JSON, the summary) and cmd-dump-synth.c (`--synth`).
 */
#ifndef SLIPTAP_CMD_DUMP_H
#define SLIPTAP_CMD_DUMP_H

#include <stdint.h>

#include "capture.h"
#include "slip.h"

struct cmd_dump_field {
	const char	*key;
	char		 val[80];
	int		 num;
};

struct cmd_dump_fields {
	struct cmd_dump_field f[24];
	int		  n;
};

struct cmd_dump_decode {
	uint8_t		 body[SLIP_MAX_FRAME];
	size_t		 len;
	int		 got;		/* 0 none, 1 frame, 2 truncated frame */
};

struct cmd_dump_state {
	int		 json;
	int		 raw;
	uint64_t	 t0;
	int		 have_t0;
	struct slip_decoder *dec;
	struct cmd_dump_decode dd;
	uint64_t	 by_type[8];
	uint64_t	 original, delivered, injected, bad;
	uint64_t	 frame;		/* Wireshark's frame number of the record: 1-based, every pcap record */
	int		 hide;		/* counted, not printed (a filter said no) */
};

/* SLIP decoder callback: keeps the first frame of a record in st->dd (arg). */
void cmd_dump_slip_cb(const struct slip_event *ev, void *arg);
/* Print one record (text or JSON per st->json) and count it. */
void cmd_dump_record(struct cmd_dump_state *st, const struct capture_record *rec);
/* Print the closing summary; error (or NULL) is why reading stopped. */
void cmd_dump_summary(struct cmd_dump_state *st, uint64_t total, const char *error);
/* Write the synthetic capture of `--synth` to path; returns the exit status. */
int cmd_dump_synth(const char *path);

#endif
