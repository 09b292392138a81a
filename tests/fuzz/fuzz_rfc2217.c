/*
 * fuzz_rfc2217.c — libFuzzer target for the RFC 2217 codec's network input
 * (rfc2217_feed), in both roles.
 *
 * Input layout: byte 0 picks the role (bit 0: client), whether the opening
 * negotiation is sent first (bit 1) and the modem state set after it (bit 2,
 * value from bits 3..7); byte 1 seeds the chunk sizes; the rest is what the
 * peer sent.
 * Invariants checked:
 *  - feeding in input-derived chunks (1..17 bytes) gives the same serial
 *    data, the same bytes to send, the same COM-PORT commands and the same
 *    port state as one feed: the codec keeps its state across any split;
 *  - each feed returns no more data bytes than it was given, and sends at
 *    most a bounded number of bytes per byte received;
 *  - the serial data is what an independent reference reader (below) finds
 *    outside the Telnet commands; without 0xFF in the stream the data comes
 *    out unchanged and nothing is answered; rfc2217_feed(rfc2217_escape(x)) == x for any x;
 *  - everything the codec sends is pure Telnet control: a codec of the
 *    other role fed with it yields no serial data;
 *  - commands are well formed (value bytes within the subnegotiation limit,
 *    value matches the bytes), and the server's port state stays in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reset.h"
#include "rfc2217.h"

/* A subnegotiation reply is at most IAC SB 44 code + 4 escaped value bytes
 * + IAC SE, plus a modem notification: far below this per input byte. */
#define FZ_OUT_PER_BYTE	64
#define FZ_START_MAX	64	/* the opening negotiation and a modem notification */

struct fz_log {
	uint8_t		*buf;
	size_t		 len, cap;
	uint64_t	 hash;	/* of the commands seen */
	size_t		 cmds;
	int		 in_reset;
};

static void
fz_mix(struct fz_log *l, uint64_t v)
{
	l->hash = (l->hash ^ v) * 0x100000001b3ULL;
}

static void
fz_out_cb(const uint8_t *buf, size_t len, void *arg)
{
	struct fz_log *l = arg;

	if (len == 0)
		abort();
	if (l->len + len > l->cap) {
		l->cap = (l->len + len) * 2;
		if ((l->buf = realloc(l->buf, l->cap)) == NULL)
			abort();
	}
	memcpy(l->buf + l->len, buf, len);
	l->len += len;
}

static void
fz_cmd_cb(const struct rfc2217_cmd *cmd, void *arg)
{
	struct fz_log *l = arg;
	size_t i;
	uint32_t want = 0;

	/* the codec keeps 64 subnegotiation bytes: option, code, value */
	if (cmd->len > 62 || (cmd->len > 0 && cmd->data == NULL))
		abort();
	if ((cmd->code % RFC2217_SERVER_OFFSET) == RFC2217_SET_BAUDRATE && cmd->len >= 4)
		want = (uint32_t)cmd->data[0] << 24 | (uint32_t)cmd->data[1] << 16 |
		    (uint32_t)cmd->data[2] << 8 | cmd->data[3];
	else if (cmd->len >= 1)
		want = cmd->data[0];
	if (cmd->value != want)
		abort();
	if (rfc2217_code_name(cmd->code) == NULL)
		abort();
	/* what the ESP servers do with SET-CONTROL: the flag stays 0 or 1 */
	if (cmd->code == RFC2217_SET_CONTROL && cmd->value >= RFC2217_CTL_DTR_ON &&
	    cmd->value <= RFC2217_CTL_RTS_OFF && cmd->value != RFC2217_CTL_REQ_RTS) {
		(void)reset_esp_control(&l->in_reset, cmd->value <= RFC2217_CTL_DTR_OFF ?
		    RESET_LINE_DTR : RESET_LINE_RTS, cmd->value == RFC2217_CTL_DTR_ON ||
		    cmd->value == RFC2217_CTL_RTS_ON);
		if (l->in_reset != 0 && l->in_reset != 1)
			abort();
	}
	fz_mix(l, cmd->code);
	fz_mix(l, cmd->value);
	fz_mix(l, cmd->len);
	for (i = 0; i < cmd->len; i++)
		fz_mix(l, cmd->data[i]);
	l->cmds++;
}

struct fz_run {
	struct fz_log	 log;
	uint8_t		*data;
	size_t		 data_len;
	struct rfc2217_port port;
	int		 active;
};

static void
fz_check_port(const struct rfc2217_port *p, enum rfc2217_role role)
{
	if (p->dtr < -1 || p->dtr > 1 || p->rts < -1 || p->rts > 1 ||
	    (p->brk != 0 && p->brk != 1) || (p->suspended != 0 && p->suspended != 1))
		abort();
	if (role != RFC2217_ROLE_SERVER)
		return;
	if (p->baud == 0 || p->datasize < 5 || p->datasize > 8 || p->parity < 1 ||
	    p->parity > 5 || p->stopsize < 1 || p->stopsize > 3 ||
	    p->flow < RFC2217_CTL_FLOW_NONE || p->flow > RFC2217_CTL_FLOW_HARDWARE)
		abort();
}

/* Equal byte strings (either may be NULL when empty). */
static int
fz_same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static int
fz_port_eq(const struct rfc2217_port *a, const struct rfc2217_port *b)
{
	return a->baud == b->baud && a->datasize == b->datasize && a->parity == b->parity &&
	    a->stopsize == b->stopsize && a->dtr == b->dtr && a->rts == b->rts &&
	    a->flow == b->flow && a->brk == b->brk && a->linestate_mask == b->linestate_mask &&
	    a->modemstate_mask == b->modemstate_mask && a->modemstate == b->modemstate &&
	    a->suspended == b->suspended;
}

static void
fz_run(struct fz_run *run, enum rfc2217_role role, uint8_t flags, const uint8_t *in,
    size_t len, unsigned seed, int chunked)
{
	struct rfc2217 *r;
	size_t off = 0, n, got, sent;
	uint32_t x = seed * 2654435761u + 1;

	memset(run, 0, sizeof(*run));
	run->log.hash = 0xcbf29ce484222325ULL;
	run->data = malloc(len + 1);
	if (run->data == NULL)
		abort();
	r = rfc2217_new(role, 115200, fz_out_cb, fz_cmd_cb, &run->log);
	if (flags & 2)
		rfc2217_start(r);
	if (flags & 4)
		rfc2217_set_modemstate(r, (uint8_t)(flags & 0xf8));
	if (run->log.len > FZ_START_MAX)
		abort();
	while (off < len) {
		n = len - off;
		if (chunked) {
			x = x * 1103515245u + 12345u;
			n = 1 + (x >> 16) % 17;
			if (n > len - off)
				n = len - off;
		}
		sent = run->log.len;
		got = rfc2217_feed(r, in + off, n, run->data + run->data_len);
		if (got > n || run->log.len - sent > FZ_OUT_PER_BYTE * n)
			abort();
		run->data_len += got;
		off += n;
		fz_check_port(rfc2217_port(r), role);
	}
	run->port = *rfc2217_port(r);
	run->active = rfc2217_active(r);
	rfc2217_free(r);
}

static void
fz_run_free(struct fz_run *run)
{
	free(run->data);
	free(run->log.buf);
}

/*
 * Reference reader: the serial data in a Telnet stream, written without
 * states. IAC IAC is a data 0xFF; IAC WILL/WONT/DO/DONT takes one option
 * byte; IAC SB runs to the next IAC SE (IAC IAC and IAC <other> inside it
 * are part of it); any other IAC <x> is a command of two bytes. A command
 * cut off by the end of the stream yields nothing.
 */
static size_t
fz_ref_data(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, n = 0;

	while (i < len) {
		if (in[i] != RFC2217_IAC) {
			out[n++] = in[i++];
			continue;
		}
		if (i + 1 >= len)
			break;
		switch (in[i + 1]) {
		case RFC2217_IAC:
			out[n++] = RFC2217_IAC;
			i += 2;
			break;
		case RFC2217_WILL:
		case RFC2217_WONT:
		case RFC2217_DO:
		case RFC2217_DONT:
			i += 3;
			break;
		case RFC2217_SB:
			for (i += 2; i + 1 < len; i++) {
				if (in[i] == RFC2217_IAC && in[i + 1] == RFC2217_SE)
					break;
				if (in[i] == RFC2217_IAC)
					i++;	/* IAC IAC or IAC <x>: two bytes of the SB */
			}
			i += 2;
			break;
		default:
			i += 2;
			break;
		}
	}
	return n;
}

/* Feed what a codec sent to a codec of the other role: no serial data may come out. */
static void
fz_check_control_only(const uint8_t *buf, size_t len, enum rfc2217_role role)
{
	struct fz_log peer_log;
	struct rfc2217 *peer;
	uint8_t *data;

	if (len == 0)
		return;
	memset(&peer_log, 0, sizeof(peer_log));
	peer = rfc2217_new(role == RFC2217_ROLE_SERVER ? RFC2217_ROLE_CLIENT : RFC2217_ROLE_SERVER,
	    9600, fz_out_cb, fz_cmd_cb, &peer_log);
	if ((data = malloc(len)) == NULL)
		abort();
	if (rfc2217_feed(peer, buf, len, data) != 0)
		abort();
	free(data);
	free(peer_log.buf);
	rfc2217_free(peer);
}

/* A fresh codec unescapes rfc2217_escape(x) back to x, answering nothing. */
static void
fz_check_escape(const uint8_t *in, size_t len)
{
	struct fz_log l;
	struct rfc2217 *r;
	uint8_t *esc, *back;
	size_t n;

	memset(&l, 0, sizeof(l));
	if ((esc = malloc(2 * len + 1)) == NULL || (back = malloc(len + 1)) == NULL)
		abort();
	n = rfc2217_escape(in, len, esc);
	if (n < len || n > 2 * len)
		abort();
	r = rfc2217_new(RFC2217_ROLE_SERVER, 115200, fz_out_cb, fz_cmd_cb, &l);
	if (!fz_same(back, rfc2217_feed(r, esc, n, back), in, len) ||
	    l.len != 0 || l.cmds != 0)
		abort();
	rfc2217_free(r);
	free(esc);
	free(back);
	free(l.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_run one, chunks;
	enum rfc2217_role role;
	uint8_t *ref;
	uint8_t flags;
	unsigned seed;

	if (size < 2)
		return 0;
	flags = data[0];
	role = (flags & 1) ? RFC2217_ROLE_CLIENT : RFC2217_ROLE_SERVER;
	seed = data[1];
	data += 2;
	size -= 2;

	fz_run(&one, role, flags, data, size, seed, 0);
	fz_run(&chunks, role, flags, data, size, seed, 1);
	if (!fz_same(one.data, one.data_len, chunks.data, chunks.data_len) ||
	    !fz_same(one.log.buf, one.log.len, chunks.log.buf, chunks.log.len) ||
	    one.log.hash != chunks.log.hash || one.log.cmds != chunks.log.cmds ||
	    !fz_port_eq(&one.port, &chunks.port) || one.active != chunks.active)
		abort();
	ref = malloc(size + 1);
	if (ref == NULL || !fz_same(ref, fz_ref_data(data, size, ref), one.data, one.data_len))
		abort();
	free(ref);
	if (memchr(data, RFC2217_IAC, size) == NULL) {
		size_t start = one.log.len;	/* what start/set_modemstate sent */
		struct fz_run quiet;

		fz_run(&quiet, role, flags, NULL, 0, seed, 0);
		if (!fz_same(one.data, one.data_len, data, size) ||
		    one.log.cmds != 0 || start != quiet.log.len)
			abort();
		fz_run_free(&quiet);
	}
	fz_check_control_only(one.log.buf, one.log.len, role);
	fz_check_escape(data, size);
	fz_run_free(&one);
	fz_run_free(&chunks);
	return 0;
}
