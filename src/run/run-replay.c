/*
 * run-replay.c — `sliptap replay`: the device side of a capture played back
 * to a live tool on a pty.
 *
 * Loading: every command the host sent (FRAME records h2d, stage UNCHANGED
 * or ORIGINAL) opens an exchange; the bytes the host then received (d2h
 * records, stage UNCHANGED or DELIVERED: faults included, dropped replies
 * absent, corrupted ones as corrupted) up to the next command are its
 * answer, each chunk with its delay after the command. FAULT events are
 * noted on the exchange they fell in.
 *
 * Matching a live command: *_DATA blocks by op and seq; others by op and
 * identical arguments; else the next unused exchange of that op (a
 * divergence when arguments differ: block size, baud, sizes); else, for a
 * repeated identical command (SYNC, READ_REG), the last exchange like it;
 * else no answer, and the divergence "not in the recording". Position in
 * the recording is never used, so a tool that reads registers in another
 * order or retries differently still gets the recorded answers.
 */
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "esp.h"
#include "pty.h"
#include "loop.h"
#include "run.h"
#include "slip.h"
#include "util.h"
#include "run-int.h"
#include "run-replay.h"

#define REPLAY_MAX_DIVERGE	40

static void
replay_unslip(const uint8_t *raw, size_t len, uint8_t *out, size_t *outlen)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (raw[i] == SLIP_END)
			continue;
		if (raw[i] == SLIP_ESC && i + 1 < len) {
			i++;
			out[o++] = raw[i] == SLIP_ESC_END ? SLIP_END : raw[i] == SLIP_ESC_ESC ? SLIP_ESC : raw[i];
			continue;
		}
		out[o++] = raw[i];
	}
	*outlen = o;
}

static void
replay_add_chunk(struct replay_ex *ex, uint64_t delay, const uint8_t *b, size_t len)
{
	struct replay_chunk *c;

	ex->chunks = xrealloc(ex->chunks, (ex->nchunks + 1) * sizeof(*ex->chunks));
	c = &ex->chunks[ex->nchunks++];
	c->delay_ns = delay;
	c->bytes = xmalloc(len ? len : 1);
	memcpy(c->bytes, b, len);
	c->len = len;
}

/* A command's key: op, seq for *_DATA, the arguments (for *_DATA: the 16-byte header without seq). */
static void
replay_key(const struct esp_packet *pk, struct replay_ex *ex)
{
	struct esp_data_header dh;
	size_t n;

	ex->op = pk->op;
	ex->has_seq = esp_data_header_parse(pk, &dh) == 0;
	if (ex->has_seq) {
		ex->seq = dh.seq;
		ex->block = dh.size;
		n = 0;
	} else
		n = pk->data_len > sizeof(ex->args) ? sizeof(ex->args) : pk->data_len;
	memcpy(ex->args, pk->data, n);
	ex->nargs = n;
}

int
replay_load(const char *path, struct replay *rp, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "rb");

	memset(rp, 0, sizeof(*rp));
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return replay_load_fp(fp, path, rp, err, errlen);
}

int
replay_load_fp(FILE *fp, const char *path, struct replay *rp, char *err, size_t errlen)
{
	struct capture_reader *r;
	struct capture_record rec;
	struct esp_packet pk;
	struct replay_ex *cur = NULL;
	uint8_t *body = xmalloc(CAPTURE_SNAPLEN);
	char key[32], val[128];
	size_t blen, pos;
	unsigned stage;
	int st;

	memset(rp, 0, sizeof(*rp));
	if ((r = capture_reader_open_fp(fp, path, err, errlen)) == NULL) {
		free(body);
		return -1;
	}
	while ((st = capture_reader_next(r, &rec)) != 0) {
		if (st < 0) {
			if (st == CAPTURE_ERR_TRUNCATED || st == CAPTURE_ERR_IO || st == CAPTURE_ERR_VERSION)
				break;
			continue;
		}
		if (rec.type == CAPTURE_T_EVENT) {
			if (rec.event == CAPTURE_EV_FAULT && cur != NULL) {
				pos = 0;
				while (capture_kv_next(rec.text, rec.text_len, &pos, key, sizeof(key), val, sizeof(val))) {
					if (strcmp(key, "rule") == 0 && strlen(cur->faults) + strlen(val) + 2 < sizeof(cur->faults) &&
					    !run_word_in(cur->faults, val))
						snprintf(cur->faults + strlen(cur->faults), sizeof(cur->faults) - strlen(cur->faults),
						    "%s%s", cur->faults[0] ? " " : "", val);
				}
			}
			continue;
		}
		if (rec.flags & CAPTURE_F_ANNOTATION)
			continue;
		stage = rec.flags & CAPTURE_STAGE_MASK;
		if (rec.dir == CAPTURE_DIR_H2D && rec.type == CAPTURE_T_FRAME &&
		    (stage == CAPTURE_STAGE_UNCHANGED || stage == CAPTURE_STAGE_ORIGINAL)) {
			replay_unslip(rec.raw, rec.raw_len, body, &blen);
			if (esp_packet_parse(body, blen, &pk) != 0 || pk.dir != ESP_DIR_COMMAND)
				continue;
			rp->ex = xrealloc(rp->ex, (rp->nex + 1) * sizeof(*rp->ex));
			cur = &rp->ex[rp->nex++];
			memset(cur, 0, sizeof(*cur));
			replay_key(&pk, cur);
			cur->ts_ns = rec.ts_ns;
			continue;
		}
		if (rec.dir == CAPTURE_DIR_D2H && rec.raw_len > 0 &&
		    (stage == CAPTURE_STAGE_UNCHANGED || stage == CAPTURE_STAGE_DELIVERED)) {
			if (cur == NULL) {
				rp->prelude = xrealloc(rp->prelude, rp->nprelude + rec.raw_len);
				memcpy(rp->prelude + rp->nprelude, rec.raw, rec.raw_len);
				rp->nprelude += rec.raw_len;
			} else
				replay_add_chunk(cur, rec.ts_ns > cur->ts_ns ? rec.ts_ns - cur->ts_ns : 0,
				    rec.raw, rec.raw_len);
		}
	}
	if (st < 0 && rp->nex == 0)
		snprintf(err, errlen, "%s", capture_reader_error(r));
	capture_reader_close(r);
	free(body);
	if (rp->nex == 0) {
		if (st >= 0)
			snprintf(err, errlen, "%s: no ESP command in the capture (nothing to answer)", path);
		replay_free(rp);
		return -1;
	}
	return 0;
}

void
replay_free(struct replay *rp)
{
	size_t i, k;

	for (i = 0; i < rp->nex; i++) {
		for (k = 0; k < rp->ex[i].nchunks; k++)
			free(rp->ex[i].chunks[k].bytes);
		free(rp->ex[i].chunks);
	}
	free(rp->ex);
	free(rp->prelude);
	for (i = 0; i < rp->ndiverge; i++)
		free(rp->diverge[i]);
	free(rp->diverge);
	memset(rp, 0, sizeof(*rp));
}

static void
replay_diverge(struct replay *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
replay_diverge(struct replay *rp, const char *fmt, ...)
{
	va_list ap;
	char *s;

	rp->ndiverged++;
	if (rp->ndiverge >= REPLAY_MAX_DIVERGE)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatalx("out of memory");
	va_end(ap);
	rp->diverge = xrealloc(rp->diverge, (rp->ndiverge + 1) * sizeof(*rp->diverge));
	rp->diverge[rp->ndiverge++] = s;
}

static const char *
replay_op(uint8_t op)
{
	static char buf[8];
	const char *n = esp_op_name(op);

	if (n != NULL)
		return n;
	snprintf(buf, sizeof(buf), "0x%02x", op);
	return buf;
}

/* What differs between the live arguments and the recorded ones, in the tool's terms. */
static void
replay_describe(struct replay *rp, const struct replay_ex *live, const struct replay_ex *ex)
{
	uint32_t lw[4] = { 0 }, rw[4] = { 0 };
	int i;

	for (i = 0; i < 4; i++) {
		if (live->nargs >= (size_t)(i + 1) * 4)
			lw[i] = le32(live->args + i * 4);
		if (ex->nargs >= (size_t)(i + 1) * 4)
			rw[i] = le32(ex->args + i * 4);
	}
	switch (live->op) {
	case 0x02: case 0x05: case 0x10:	/* FLASH_BEGIN, MEM_BEGIN, FLASH_DEFL_BEGIN: size, blocks, block size, offset */
		if (lw[2] != rw[2])
			replay_diverge(rp, "%s: block size 0x%x, recorded 0x%x", replay_op(live->op), lw[2], rw[2]);
		if (lw[1] != rw[1])
			replay_diverge(rp, "%s: %u blocks, recorded %u", replay_op(live->op), lw[1], rw[1]);
		if (lw[3] != rw[3])
			replay_diverge(rp, "%s: offset 0x%x, recorded 0x%x", replay_op(live->op), lw[3], rw[3]);
		if (lw[0] != rw[0] && lw[2] == rw[2])
			replay_diverge(rp, "%s: size 0x%x, recorded 0x%x", replay_op(live->op), lw[0], rw[0]);
		break;
	case 0x0f:				/* CHANGE_BAUDRATE: new, old */
		replay_diverge(rp, "CHANGE_BAUDRATE: baud %u, recorded %u", lw[0], rw[0]);
		break;
	default:
		replay_diverge(rp, "%s: arguments differ from the recording", replay_op(live->op));
	}
}

/* The exchange that answers a live command, or NULL. */
static struct replay_ex *
replay_match(struct replay *rp, const struct replay_ex *live)
{
	struct replay_ex *ex, *same = NULL;
	size_t i;

	for (i = 0; i < rp->nex; i++) {
		ex = &rp->ex[i];
		if (ex->op != live->op)
			continue;
		if (live->has_seq) {
			if (!ex->has_seq || ex->seq != live->seq)
				continue;
			if (!ex->used)
				goto found;
			same = ex;
			continue;
		}
		if (ex->nargs == live->nargs && memcmp(ex->args, live->args, ex->nargs) == 0) {
			if (!ex->used)
				goto found;
			same = ex;
		}
	}
	if (!live->has_seq) {
		for (i = 0; i < rp->nex; i++) {
			ex = &rp->ex[i];
			if (ex->op == live->op && !ex->used && same == NULL) {
				replay_describe(rp, live, ex);
				ex->used = 1;
				return ex;
			}
		}
	}
	if (same != NULL) {
		rp->repeats++;
		return same;
	}
	if (live->has_seq)
		replay_diverge(rp, "%s seq %u: not in the recording (no answer)", replay_op(live->op), live->seq);
	else
		replay_diverge(rp, "%s: not in the recording (no answer)", replay_op(live->op));
	rp->unanswered++;
	return NULL;
found:
	ex->used = 1;
	if (live->has_seq && live->block != ex->block)
		replay_diverge(rp, "%s seq %u: 0x%x-byte block, recorded 0x%x", replay_op(live->op),
		    live->seq, live->block, ex->block);
	return ex;
}

struct replay_live {
	struct replay	*rp;
	struct replay_out *q;
	size_t		 nq, capq;
	double		 now;
	int		 timing;
	int		 prelude_sent;
};

static void
replay_queue(struct replay_live *lv, double due, const uint8_t *b, size_t len)
{
	if (lv->nq == lv->capq) {
		lv->capq = lv->capq ? lv->capq * 2 : 64;
		lv->q = xrealloc(lv->q, lv->capq * sizeof(*lv->q));
	}
	lv->q[lv->nq].due = due;
	lv->q[lv->nq].bytes = b;
	lv->q[lv->nq].len = len;
	lv->q[lv->nq].off = 0;
	lv->nq++;
}

const struct replay_ex *
replay_answer(struct replay *rp, const uint8_t *body, size_t len)
{
	struct replay_ex live, *ex;
	struct esp_packet pk;

	if (esp_packet_parse(body, len, &pk) != 0 || pk.dir != ESP_DIR_COMMAND)
		return NULL;
	rp->commands++;
	memset(&live, 0, sizeof(live));
	replay_key(&pk, &live);
	if ((ex = replay_match(rp, &live)) != NULL)
		rp->answered++;
	return ex;
}

static void
replay_frame_cb(const struct slip_event *ev, void *arg)
{
	struct replay_live *lv = arg;
	const struct replay_ex *ex;
	double base;
	size_t i;

	if (ev->type != SLIP_EV_FRAME)
		return;
	if (!lv->prelude_sent && lv->rp->nprelude > 0 && ev->len >= 8 && ev->data[0] == 0x00) {
		replay_queue(lv, lv->now, lv->rp->prelude, lv->rp->nprelude);
		lv->prelude_sent = 1;
	}
	if ((ex = replay_answer(lv->rp, ev->data, ev->len)) == NULL)
		return;
	/* after what is already queued, in recorded order */
	base = lv->nq > 0 && lv->q[lv->nq - 1].due > lv->now ? lv->q[lv->nq - 1].due : lv->now;
	for (i = 0; i < ex->nchunks; i++)
		replay_queue(lv, lv->timing ? lv->now + (double)ex->chunks[i].delay_ns / (double)NS_PER_SEC : base,
		    ex->chunks[i].bytes, ex->chunks[i].len);
	if (ex->faults[0] != '\0' && lv->rp->nfaults_played < 64)
		lv->rp->nfaults_played++;
}

/* Send what is due; 0, or -1 when the pty is gone. */
static int
replay_flush(struct replay_live *lv, struct pty *pt)
{
	struct replay_out *h;
	ssize_t n;

	while (lv->nq > 0 && lv->q[0].due <= lv->now) {
		h = &lv->q[0];
		n = pty_write(pt, h->bytes + h->off, h->len - h->off);
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		h->off += (size_t)n;
		if (h->off < h->len)
			return 0;
		memmove(lv->q, lv->q + 1, (lv->nq - 1) * sizeof(*lv->q));
		lv->nq--;
	}
	return 0;
}

/* Replace {port} in the tool's words. */
static char **
replay_argv(char **words, const char *port)
{
	char **v;
	size_t n, i;
	char *p, *s;

	for (n = 0; words[n] != NULL; n++)
		;
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++) {
		if ((p = strstr(words[i], "{port}")) != NULL) {
			xasprintf(&s, "%.*s%s%s", (int)(p - words[i]), words[i], port, p + 6);
			v[i] = s;
		} else
			v[i] = xstrdup(words[i]);
	}
	return v;
}

/* replay_serve's state on the event loop. */
struct replay_sup {
	struct replay_live *lv;
	struct pty	*pt;
	struct slip_decoder *dec;
	const struct replay_opts *o;
	struct loop_fd	*dev, *tool;
	struct loop_timer *due, *timeout;
	pid_t		 pid;
	int		 toolfd;
	int		 ret;
	int		 done;
};

/* The tool has closed its output: when it has exited too, that is the end. */
static void
replay_sup_check(struct replay_sup *s)
{
	int status;

	if (s->pid > 0 && s->toolfd < 0 && waitpid(s->pid, &status, WNOHANG) == s->pid) {
		kill(-s->pid, SIGKILL);
		s->ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		s->pid = 0;
		s->done = 1;
	}
}

/* The live tool wrote to the pty: decode and answer (replay_frame_cb queues). */
static void
replay_dev_cb(int fd, short revents, void *arg)
{
	struct replay_sup *s = arg;
	uint8_t buf[8192];
	ssize_t n;
	int ctl;

	(void)fd;
	if (!(revents & POLLIN))
		return;	/* POLLOUT: the loop around loop_run_once flushes */
	n = pty_read(s->pt, buf, sizeof(buf), &ctl);
	if (n > 0) {
		s->lv->now = run_now();
		slip_decoder_feed(s->dec, buf, (size_t)n);
	}
}

static void
replay_tool_cb(int fd, short revents, void *arg)
{
	struct replay_sup *s = arg;
	char buf[4096];
	ssize_t n;

	(void)revents;
	n = read(fd, buf, sizeof(buf));
	if (n > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	loop_fd_del(s->tool);
	s->tool = NULL;
	close(s->toolfd);
	s->toolfd = -1;
	replay_sup_check(s);
}

static void
replay_signal_cb(int signo, void *arg)
{
	struct replay_sup *s = arg;

	if (signo == SIGCHLD) {
		replay_sup_check(s);
		return;
	}
	s->ret = -2;
	s->done = 1;
}

static void
replay_timeout_cb(void *arg)
{
	struct replay_sup *s = arg;

	fprintf(stderr, "sliptap replay: %.0f s passed: stopping\n", s->o->timeout_s);
	s->ret = s->pid > 0 ? 124 : 0;
	s->done = 1;
}

/* Nothing to do: the due answer goes out from the loop around loop_run_once. */
static void
replay_due_cb(void *arg)
{
	(void)arg;
}

/*
 * Serve the recording until the tool is done, the timeout or a signal:
 * send what is due, then wait on the loop for the tool's bytes, its
 * output, its exit (SIGCHLD), the next answer's due time (a timer) or
 * room in the pty (POLLOUT) when a due answer is held back.
 */
static void
replay_sup_run(struct replay_sup *s, struct loop *l)
{
	struct replay_live *lv = s->lv;

	if (run_interrupted()) {
		s->ret = -2;
		return;
	}
	while (!s->done) {
		lv->now = run_now();
		if (replay_flush(lv, s->pt) != 0)
			return;
		if (lv->nq > 0 && lv->q[0].due <= lv->now) {
			loop_fd_set(s->dev, POLLIN | POLLOUT);	/* the pty is full */
			loop_timer_stop(s->due);
		} else {
			loop_fd_set(s->dev, POLLIN);
			if (lv->nq > 0)
				loop_timer_at(s->due, (uint64_t)(lv->q[0].due * (double)NS_PER_SEC) + 1);
			else
				loop_timer_stop(s->due);
		}
		if (loop_run_once(l, LOOP_NEVER) < 0)
			return;
	}
}

int
replay_serve(struct replay *rp, const struct replay_opts *o)
{
	struct replay_live lv;
	struct replay_sup s;
	struct loop *l = NULL;
	char err[512], **argv = NULL;

	memset(&lv, 0, sizeof(lv));
	memset(&s, 0, sizeof(s));
	lv.rp = rp;
	lv.timing = o->timing;
	s.lv = &lv;
	s.o = o;
	s.toolfd = -1;
	if ((s.pt = pty_new(o->link, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sliptap replay: %s\n", err);
		return -1;
	}
	s.dec = slip_decoder_new(SLIP_MAX_FRAME, replay_frame_cb, &lv);
	fprintf(stderr, "sliptap replay: ready on %s%s%s%s (%zu recorded commands)\n", pty_slave_path(s.pt),
	    o->link ? " (link " : "", o->link ? o->link : "", o->link ? ")" : "", rp->nex);
	if ((l = run_loop_new(replay_signal_cb, &s)) == NULL) {
		fprintf(stderr, "sliptap replay: cannot set up the event loop: %s\n", strerror(errno));
		s.ret = -1;
		goto out;
	}
	if (o->argv != NULL) {
		argv = replay_argv(o->argv, o->link != NULL ? o->link : pty_slave_path(s.pt));
		if ((s.pid = run_spawn(argv, NULL, NULL, 1, &s.toolfd)) < 0) {
			fprintf(stderr, "sliptap replay: cannot start %s: %s\n", argv[0], strerror(errno));
			s.pid = 0;
			s.ret = -1;
			goto out;
		}
		s.tool = loop_fd_add(l, s.toolfd, POLLIN, replay_tool_cb, &s);
	}
	s.dev = loop_fd_add(l, pty_master_fd(s.pt), POLLIN, replay_dev_cb, &s);
	s.due = loop_timer_new(l, replay_due_cb, &s);
	s.timeout = loop_timer_new(l, replay_timeout_cb, &s);
	if (o->timeout_s > 0)
		loop_timer_after(s.timeout, (uint64_t)(o->timeout_s * (double)NS_PER_SEC));
	replay_sup_run(&s, l);
out:
	loop_free(l);
	if (s.pid > 0)
		run_stop(s.pid, 1, 2000);
	if (s.toolfd >= 0)
		close(s.toolfd);
	run_argv_free(argv);
	slip_decoder_free(s.dec);
	pty_free(s.pt);
	free(lv.q);
	return s.ret;
}

void
replay_report(FILE *f, const struct replay *rp)
{
	size_t i, k, never = 0;

	fprintf(f, "\n== sliptap replay: %u commands from the live tool, %u answered from the recording"
	    " (%u repeats of an answered one), %u unanswered\n", rp->commands, rp->answered,
	    rp->repeats, rp->unanswered);
	if (rp->ndiverged == 0)
		fprintf(f, "divergence: none (the live tool sent what the recorded one sent)\n");
	else
		fprintf(f, "divergence: %u point%s where the live tool differs from the recorded one:\n",
		    rp->ndiverged, rp->ndiverged == 1 ? "" : "s");
	for (i = 0; i < rp->ndiverge; i++)
		fprintf(f, "  %s\n", rp->diverge[i]);
	if (rp->ndiverged > rp->ndiverge)
		fprintf(f, "  ... and %u more\n", rp->ndiverged - (unsigned)rp->ndiverge);
	for (i = 0; i < rp->nex; i++)
		never += !rp->ex[i].used;
	if (never > 0) {
		fprintf(f, "recorded but not asked for: %zu command%s:", never, never == 1 ? "" : "s");
		for (i = 0, k = 0; i < rp->nex; i++) {
			if (rp->ex[i].used)
				continue;
			if (k++ == 8) {
				fprintf(f, " ...");
				break;
			}
			if (rp->ex[i].has_seq)
				fprintf(f, " %s#%u", replay_op(rp->ex[i].op), rp->ex[i].seq);
			else
				fprintf(f, " %s", replay_op(rp->ex[i].op));
		}
		fputc('\n', f);
	}
	for (i = 0; i < rp->nex; i++) {
		if (rp->ex[i].faults[0] != '\0' && rp->ex[i].used)
			fprintf(f, "played fault: %s (answer to %s%s)\n", rp->ex[i].faults, replay_op(rp->ex[i].op),
			    rp->ex[i].has_seq ? " block" : "");
	}
	fflush(f);
}
