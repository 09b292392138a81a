/*
 * run-replay.h — the recording `sliptap replay` plays back (run-replay.c).
 */
#ifndef SLIPTAP_RUN_REPLAY_H
#define SLIPTAP_RUN_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct replay_chunk {
	uint64_t	 delay_ns;	/* after the command arrived */
	uint8_t		*bytes;		/* as the host received them */
	size_t		 len;
};

/* One recorded command and what the host received after it. */
struct replay_ex {
	uint8_t		 op;
	int		 has_seq;	/* a *_DATA block */
	uint32_t	 seq, block;	/* its seq and size */
	uint8_t		 args[64];	/* the first bytes of the arguments (not for *_DATA) */
	size_t		 nargs;
	uint64_t	 ts_ns;
	struct replay_chunk *chunks;
	size_t		 nchunks;
	int		 used;
	char		 faults[128];	/* rules that fired during the exchange */
};

struct replay {
	struct replay_ex *ex;
	size_t		 nex;
	uint8_t		*prelude;	/* device bytes before the first command (boot log) */
	size_t		 nprelude;
	/* the live session */
	unsigned	 commands, answered, repeats, unanswered, nfaults_played;
	char		**diverge;	/* the first divergences, as text */
	size_t		 ndiverge;
	unsigned	 ndiverged;	/* all of them */
};

/* A queued write to the tool. */
struct replay_out {
	double		 due;
	const uint8_t	*bytes;
	size_t		 len, off;
};

/* Load a capture: 0, or -1 with a message (unreadable, or no command in it). */
int replay_load(const char *path, struct replay *rp, char *err, size_t errlen);
/* The same on an open stream (takes fp, even on failure); path labels messages. */
int replay_load_fp(FILE *fp, const char *path, struct replay *rp, char *err, size_t errlen);
/*
 * The recorded exchange that answers a live command (a decoded SLIP body),
 * or NULL (not a command, or nothing in the recording fits: a divergence is
 * noted). Counts commands and answers. Pure apart from rp.
 */
const struct replay_ex *replay_answer(struct replay *rp, const uint8_t *body, size_t len);
void replay_free(struct replay *rp);

struct replay_opts {
	const char	*link;		/* symlink to the pty, or NULL */
	char		**argv;		/* a tool to start with {port} replaced, or NULL */
	int		 timing;	/* recorded delays (1) or as fast as possible (0) */
	double		 timeout_s;	/* end after this long (0 = the tool's end, or a signal) */
	FILE		*out;		/* report */
};

/*
 * Serve the recording on a pty until the tool exits (or the timeout, or a
 * signal), then print the report. Returns the tool's exit status (0
 * without a tool), -1 on a setup error (message printed), -2 interrupted.
 */
int replay_serve(struct replay *rp, const struct replay_opts *o);
/* The report: commands answered, divergences, recorded commands never asked for. */
void replay_report(FILE *f, const struct replay *rp);

#endif
