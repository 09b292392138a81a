/*
 * rfc2217.c — Telnet + COM-PORT-OPTION codec (RFC 854, 855, 1143-lite,
 * 2217). See rfc2217.h.
 *
 * Option negotiation follows RFC 1143's "Q method" in its simplest form:
 * each option has a local and a remote state NO / WANTYES / YES; a request
 * is answered only when it changes the state, so two implementations that
 * both start negotiating cannot loop. Where it differs from RFC 2217: the
 * server also acks SET-LINESTATE-MASK / SET-MODEMSTATE-MASK (pySerial's
 * client ignores unknown answers, other clients expect them), and a query
 * of the DTR/RTS/break state is answered from the state we set last.
 */
#include <stdlib.h>
#include <string.h>

#include "rfc2217.h"
#include "util.h"

#define RFC2217_SUB_MAX	64

enum rfc2217_q { RFC2217_Q_NO, RFC2217_Q_WANTYES, RFC2217_Q_YES };

enum rfc2217_state {
	RFC2217_ST_DATA,
	RFC2217_ST_IAC,
	RFC2217_ST_OPT,		/* after IAC WILL/WONT/DO/DONT */
	RFC2217_ST_SB,		/* inside IAC SB ... */
	RFC2217_ST_SB_IAC,	/* IAC seen inside SB */
};

struct rfc2217 {
	enum rfc2217_role role;
	rfc2217_out_cb	 out_cb;
	rfc2217_cmd_cb	 cmd_cb;
	void		*arg;

	enum rfc2217_state st;
	uint8_t		 verb;
	uint8_t		 sub[RFC2217_SUB_MAX];
	size_t		 sub_len;
	int		 sub_overflow;

	uint8_t		 local[256];	/* enum rfc2217_q: we WILL */
	uint8_t		 remote[256];	/* enum rfc2217_q: they WILL (we said DO) */
	int		 modem_sent;

	struct rfc2217_port port;
};

static void
rfc2217_out(struct rfc2217 *r, const uint8_t *buf, size_t len)
{
	r->out_cb(buf, len, r->arg);
}

static void
rfc2217_send_opt(struct rfc2217 *r, uint8_t verb, uint8_t opt)
{
	uint8_t b[3] = { RFC2217_IAC, verb, opt };

	rfc2217_out(r, b, sizeof(b));
}

static int
rfc2217_supported(uint8_t opt)
{
	return opt == RFC2217_OPT_BINARY || opt == RFC2217_OPT_SGA || opt == RFC2217_OPT_COMPORT;
}

struct rfc2217 *
rfc2217_new(enum rfc2217_role role, uint32_t baud, rfc2217_out_cb out_cb, rfc2217_cmd_cb cmd_cb,
    void *arg)
{
	struct rfc2217 *r;

	r = xcalloc(1, sizeof(*r));
	r->role = role;
	r->out_cb = out_cb;
	r->cmd_cb = cmd_cb;
	r->arg = arg;
	r->port.baud = baud;
	r->port.datasize = 8;
	r->port.parity = 1;
	r->port.stopsize = 1;
	r->port.dtr = r->port.rts = -1;
	r->port.flow = RFC2217_CTL_FLOW_NONE;
	r->port.linestate_mask = 0;
	r->port.modemstate_mask = 0xff;
	return r;
}

void
rfc2217_free(struct rfc2217 *r)
{
	free(r);
}

void
rfc2217_start(struct rfc2217 *r)
{
	static const uint8_t opts[] = { RFC2217_OPT_BINARY, RFC2217_OPT_SGA, RFC2217_OPT_COMPORT };
	size_t i;

	for (i = 0; i < sizeof(opts); i++) {
		if (r->local[opts[i]] == RFC2217_Q_NO) {
			r->local[opts[i]] = RFC2217_Q_WANTYES;
			rfc2217_send_opt(r, RFC2217_WILL, opts[i]);
		}
		if (r->remote[opts[i]] == RFC2217_Q_NO) {
			r->remote[opts[i]] = RFC2217_Q_WANTYES;
			rfc2217_send_opt(r, RFC2217_DO, opts[i]);
		}
	}
}

int
rfc2217_active(const struct rfc2217 *r)
{
	return r->local[RFC2217_OPT_COMPORT] == RFC2217_Q_YES ||
	    r->remote[RFC2217_OPT_COMPORT] == RFC2217_Q_YES;
}

const struct rfc2217_port *
rfc2217_port(const struct rfc2217 *r)
{
	return &r->port;
}

size_t
rfc2217_escape(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		out[n++] = in[i];
		if (in[i] == RFC2217_IAC)
			out[n++] = RFC2217_IAC;
	}
	return n;
}

void
rfc2217_send_sub(struct rfc2217 *r, uint8_t code, const uint8_t *val, size_t len)
{
	uint8_t b[4 + 2 * RFC2217_SUB_MAX + 2];
	size_t n = 0;

	if (len > RFC2217_SUB_MAX)
		len = RFC2217_SUB_MAX;
	b[n++] = RFC2217_IAC;
	b[n++] = RFC2217_SB;
	b[n++] = RFC2217_OPT_COMPORT;
	b[n++] = code;
	n += rfc2217_escape(val, len, b + n);
	b[n++] = RFC2217_IAC;
	b[n++] = RFC2217_SE;
	rfc2217_out(r, b, n);
}

static void
rfc2217_send_u8(struct rfc2217 *r, uint8_t code, uint8_t v)
{
	rfc2217_send_sub(r, code, &v, 1);
}

static void
rfc2217_send_u32(struct rfc2217 *r, uint8_t code, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	rfc2217_send_sub(r, code, b, sizeof(b));
}

/* Server: a modem state notification, once COM-PORT is agreed. */
static void
rfc2217_notify_modem(struct rfc2217 *r)
{
	rfc2217_send_u8(r, RFC2217_SERVER_OFFSET + RFC2217_NOTIFY_MODEMSTATE,
	    r->port.modemstate & r->port.modemstate_mask);
	r->modem_sent = 1;
}

static void
rfc2217_comport_agreed(struct rfc2217 *r)
{
	/* pySerial's client wants one NOTIFY-MODEMSTATE before it reads CTS/DSR. */
	if (r->role == RFC2217_ROLE_SERVER && !r->modem_sent)
		rfc2217_notify_modem(r);
}

static void
rfc2217_negotiate(struct rfc2217 *r, uint8_t verb, uint8_t opt)
{
	switch (verb) {
	case RFC2217_WILL:
		if (!rfc2217_supported(opt)) {
			rfc2217_send_opt(r, RFC2217_DONT, opt);
			break;
		}
		if (r->remote[opt] == RFC2217_Q_NO)
			rfc2217_send_opt(r, RFC2217_DO, opt);
		if (r->remote[opt] != RFC2217_Q_YES) {
			r->remote[opt] = RFC2217_Q_YES;
			if (opt == RFC2217_OPT_COMPORT)
				rfc2217_comport_agreed(r);
		}
		break;
	case RFC2217_DO:
		if (!rfc2217_supported(opt)) {
			rfc2217_send_opt(r, RFC2217_WONT, opt);
			break;
		}
		if (r->local[opt] == RFC2217_Q_NO)
			rfc2217_send_opt(r, RFC2217_WILL, opt);
		if (r->local[opt] != RFC2217_Q_YES) {
			r->local[opt] = RFC2217_Q_YES;
			if (opt == RFC2217_OPT_COMPORT)
				rfc2217_comport_agreed(r);
		}
		break;
	case RFC2217_WONT:
		if (r->remote[opt] == RFC2217_Q_YES)
			rfc2217_send_opt(r, RFC2217_DONT, opt);
		r->remote[opt] = RFC2217_Q_NO;
		break;
	case RFC2217_DONT:
		if (r->local[opt] == RFC2217_Q_YES)
			rfc2217_send_opt(r, RFC2217_WONT, opt);
		r->local[opt] = RFC2217_Q_NO;
		break;
	}
}

/* Server: apply one SET-CONTROL value and answer it. */
static void
rfc2217_server_control(struct rfc2217 *r, uint8_t v)
{
	uint8_t code = RFC2217_SERVER_OFFSET + RFC2217_SET_CONTROL, ans = v;

	switch (v) {
	case RFC2217_CTL_REQ_FLOW:
		ans = r->port.flow;
		break;
	case RFC2217_CTL_FLOW_NONE:
	case RFC2217_CTL_FLOW_XONXOFF:
	case RFC2217_CTL_FLOW_HARDWARE:
		r->port.flow = v;
		break;
	case RFC2217_CTL_REQ_BREAK:
		ans = r->port.brk ? RFC2217_CTL_BREAK_ON : RFC2217_CTL_BREAK_OFF;
		break;
	case RFC2217_CTL_BREAK_ON:
	case RFC2217_CTL_BREAK_OFF:
		r->port.brk = v == RFC2217_CTL_BREAK_ON;
		break;
	case RFC2217_CTL_REQ_DTR:
		ans = r->port.dtr == 1 ? RFC2217_CTL_DTR_ON : RFC2217_CTL_DTR_OFF;
		break;
	case RFC2217_CTL_DTR_ON:
	case RFC2217_CTL_DTR_OFF:
		r->port.dtr = v == RFC2217_CTL_DTR_ON;
		break;
	case RFC2217_CTL_REQ_RTS:
		ans = r->port.rts == 1 ? RFC2217_CTL_RTS_ON : RFC2217_CTL_RTS_OFF;
		break;
	case RFC2217_CTL_RTS_ON:
	case RFC2217_CTL_RTS_OFF:
		r->port.rts = v == RFC2217_CTL_RTS_ON;
		break;
	default:
		break;	/* inbound flow settings: echoed, not applied */
	}
	rfc2217_send_u8(r, code, ans);
}

static void
rfc2217_server_sub(struct rfc2217 *r, uint8_t code, const uint8_t *v, size_t len)
{
	uint8_t ans = RFC2217_SERVER_OFFSET + code;
	uint32_t baud;

	switch (code) {
	case RFC2217_SET_BAUDRATE:
		if (len >= 4) {
			baud = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
			if (baud != 0)
				r->port.baud = baud;
		}
		rfc2217_send_u32(r, ans, r->port.baud);
		break;
	case RFC2217_SET_DATASIZE:
		if (len >= 1 && v[0] >= 5 && v[0] <= 8)
			r->port.datasize = v[0];
		rfc2217_send_u8(r, ans, r->port.datasize);
		break;
	case RFC2217_SET_PARITY:
		if (len >= 1 && v[0] >= 1 && v[0] <= 5)
			r->port.parity = v[0];
		rfc2217_send_u8(r, ans, r->port.parity);
		break;
	case RFC2217_SET_STOPSIZE:
		if (len >= 1 && v[0] >= 1 && v[0] <= 3)
			r->port.stopsize = v[0];
		rfc2217_send_u8(r, ans, r->port.stopsize);
		break;
	case RFC2217_SET_CONTROL:
		if (len >= 1)
			rfc2217_server_control(r, v[0]);
		break;
	case RFC2217_NOTIFY_LINESTATE:
		rfc2217_send_u8(r, ans, 0);
		break;
	case RFC2217_NOTIFY_MODEMSTATE:
		rfc2217_notify_modem(r);
		break;
	case RFC2217_FLOWCONTROL_SUSPEND:
		r->port.suspended = 1;
		break;
	case RFC2217_FLOWCONTROL_RESUME:
		r->port.suspended = 0;
		break;
	case RFC2217_SET_LINESTATE_MASK:
		if (len >= 1)
			r->port.linestate_mask = v[0];
		rfc2217_send_u8(r, ans, r->port.linestate_mask);
		break;
	case RFC2217_SET_MODEMSTATE_MASK:
		if (len >= 1)
			r->port.modemstate_mask = v[0];
		rfc2217_send_u8(r, ans, r->port.modemstate_mask);
		break;
	case RFC2217_PURGE_DATA:
		rfc2217_send_u8(r, ans, len >= 1 ? v[0] : 0);
		break;
	default:
		break;
	}
}

static void
rfc2217_client_sub(struct rfc2217 *r, uint8_t code, const uint8_t *v, size_t len)
{
	switch (code) {
	case RFC2217_SERVER_OFFSET + RFC2217_SET_BAUDRATE:
		if (len >= 4)
			r->port.baud = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
			    (uint32_t)v[2] << 8 | v[3];
		break;
	case RFC2217_SERVER_OFFSET + RFC2217_SET_CONTROL:
		if (len < 1)
			break;
		if (v[0] == RFC2217_CTL_DTR_ON || v[0] == RFC2217_CTL_DTR_OFF)
			r->port.dtr = v[0] == RFC2217_CTL_DTR_ON;
		else if (v[0] == RFC2217_CTL_RTS_ON || v[0] == RFC2217_CTL_RTS_OFF)
			r->port.rts = v[0] == RFC2217_CTL_RTS_ON;
		break;
	case RFC2217_SERVER_OFFSET + RFC2217_NOTIFY_MODEMSTATE:
		if (len >= 1)
			r->port.modemstate = v[0];
		break;
	case RFC2217_FLOWCONTROL_SUSPEND:
	case RFC2217_SERVER_OFFSET + RFC2217_FLOWCONTROL_SUSPEND:
		r->port.suspended = 1;
		break;
	case RFC2217_FLOWCONTROL_RESUME:
	case RFC2217_SERVER_OFFSET + RFC2217_FLOWCONTROL_RESUME:
		r->port.suspended = 0;
		break;
	default:
		break;
	}
}

static void
rfc2217_subneg(struct rfc2217 *r)
{
	struct rfc2217_cmd cmd;
	const uint8_t *v;
	size_t len;

	if (r->sub_overflow || r->sub_len < 2 || r->sub[0] != RFC2217_OPT_COMPORT)
		return;	/* other options' subnegotiations are ignored */
	v = r->sub + 2;
	len = r->sub_len - 2;
	if (r->role == RFC2217_ROLE_SERVER)
		rfc2217_server_sub(r, r->sub[1], v, len);
	else
		rfc2217_client_sub(r, r->sub[1], v, len);
	if (r->cmd_cb == NULL)
		return;
	memset(&cmd, 0, sizeof(cmd));
	cmd.code = r->sub[1];
	cmd.data = v;
	cmd.len = len;
	if ((cmd.code % RFC2217_SERVER_OFFSET) == RFC2217_SET_BAUDRATE && len >= 4)
		cmd.value = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
	else if (len >= 1)
		cmd.value = v[0];
	r->cmd_cb(&cmd, r->arg);
}

size_t
rfc2217_feed(struct rfc2217 *r, const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i, n = 0;
	uint8_t c;

	for (i = 0; i < len; i++) {
		c = in[i];
		switch (r->st) {
		case RFC2217_ST_DATA:
			if (c == RFC2217_IAC)
				r->st = RFC2217_ST_IAC;
			else
				out[n++] = c;
			break;
		case RFC2217_ST_IAC:
			switch (c) {
			case RFC2217_IAC:
				out[n++] = c;
				r->st = RFC2217_ST_DATA;
				break;
			case RFC2217_WILL:
			case RFC2217_WONT:
			case RFC2217_DO:
			case RFC2217_DONT:
				r->verb = c;
				r->st = RFC2217_ST_OPT;
				break;
			case RFC2217_SB:
				r->sub_len = 0;
				r->sub_overflow = 0;
				r->st = RFC2217_ST_SB;
				break;
			default:
				r->st = RFC2217_ST_DATA;	/* NOP, GA, AYT, ...: ignored */
				break;
			}
			break;
		case RFC2217_ST_OPT:
			rfc2217_negotiate(r, r->verb, c);
			r->st = RFC2217_ST_DATA;
			break;
		case RFC2217_ST_SB:
			if (c == RFC2217_IAC) {
				r->st = RFC2217_ST_SB_IAC;
				break;
			}
			if (r->sub_len < sizeof(r->sub))
				r->sub[r->sub_len++] = c;
			else
				r->sub_overflow = 1;
			break;
		case RFC2217_ST_SB_IAC:
			if (c == RFC2217_SE) {
				r->st = RFC2217_ST_DATA;
				rfc2217_subneg(r);
			} else if (c == RFC2217_IAC) {
				if (r->sub_len < sizeof(r->sub))
					r->sub[r->sub_len++] = c;
				else
					r->sub_overflow = 1;
				r->st = RFC2217_ST_SB;
			} else {
				/* IAC <x> inside SB: a broken peer; keep going as if SB went on. */
				r->st = RFC2217_ST_SB;
			}
			break;
		}
	}
	return n;
}

void
rfc2217_client_set_baud(struct rfc2217 *r, uint32_t baud)
{
	rfc2217_send_u32(r, RFC2217_SET_BAUDRATE, baud);
}

void
rfc2217_client_set_lines(struct rfc2217 *r, int dtr, int rts)
{
	if (dtr != -1)
		rfc2217_send_u8(r, RFC2217_SET_CONTROL, dtr ? RFC2217_CTL_DTR_ON : RFC2217_CTL_DTR_OFF);
	if (rts != -1)
		rfc2217_send_u8(r, RFC2217_SET_CONTROL, rts ? RFC2217_CTL_RTS_ON : RFC2217_CTL_RTS_OFF);
}

void
rfc2217_client_set_8n1(struct rfc2217 *r)
{
	rfc2217_send_u8(r, RFC2217_SET_DATASIZE, 8);
	rfc2217_send_u8(r, RFC2217_SET_PARITY, 1);
	rfc2217_send_u8(r, RFC2217_SET_STOPSIZE, 1);
	rfc2217_send_u8(r, RFC2217_SET_CONTROL, RFC2217_CTL_FLOW_NONE);
}

void
rfc2217_set_modemstate(struct rfc2217 *r, uint8_t state)
{
	if (state == r->port.modemstate)
		return;
	r->port.modemstate = state;
	if (r->role == RFC2217_ROLE_SERVER && rfc2217_active(r))
		rfc2217_notify_modem(r);
}

const char *
rfc2217_code_name(uint8_t code)
{
	static const char *const names[] = {
		NULL, "SET-BAUDRATE", "SET-DATASIZE", "SET-PARITY", "SET-STOPSIZE",
		"SET-CONTROL", "NOTIFY-LINESTATE", "NOTIFY-MODEMSTATE",
		"FLOWCONTROL-SUSPEND", "FLOWCONTROL-RESUME", "SET-LINESTATE-MASK",
		"SET-MODEMSTATE-MASK", "PURGE-DATA",
	};
	static const char *const server_names[] = {
		NULL, "SERVER-SET-BAUDRATE", "SERVER-SET-DATASIZE", "SERVER-SET-PARITY",
		"SERVER-SET-STOPSIZE", "SERVER-SET-CONTROL", "SERVER-NOTIFY-LINESTATE",
		"SERVER-NOTIFY-MODEMSTATE", "SERVER-FLOWCONTROL-SUSPEND",
		"SERVER-FLOWCONTROL-RESUME", "SERVER-SET-LINESTATE-MASK",
		"SERVER-SET-MODEMSTATE-MASK", "SERVER-PURGE-DATA",
	};

	if (code >= 1 && code < nitems(names))
		return names[code];
	if (code > RFC2217_SERVER_OFFSET && code - RFC2217_SERVER_OFFSET < (int)nitems(server_names))
		return server_names[code - RFC2217_SERVER_OFFSET];
	return "COM-PORT-UNKNOWN";
}
