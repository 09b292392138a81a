/*
 * rfc2217.h — Telnet with the COM-PORT-OPTION (RFC 854/855 + RFC 2217), as
 * a codec: bytes from the network go in, serial data and port commands come
 * out; everything to send goes through one output callback, so control
 * replies and escaped data keep their order. No fds, no clocks: the proxy
 * owns the sockets (server side for clients, client side for rfc2217://
 * devices).
 *
 * Server role: answers option negotiation (BINARY, SGA, COM-PORT-OPTION
 * accepted; ECHO and everything else refused), keeps the port state (baud,
 * data size, parity, stop size, DTR, RTS, flow, masks), answers every
 * COM-PORT request with the server code (request + 100) echoing the value
 * actually set, queries (value 0 / REQ_*) with the current state, and
 * notifies the command callback. Client role: requests the options,
 * sends SET-* requests, reports server answers and notifications.
 *
 * Data: 0xFF is doubled on the wire both ways (rfc2217_escape /
 * rfc2217_feed). Nothing else in the data stream is altered (binary mode;
 * a CR NUL is passed through as is).
 */
#ifndef SLIPTAP_RFC2217_H
#define SLIPTAP_RFC2217_H

#include <stddef.h>
#include <stdint.h>

/* Telnet bytes. */
#define RFC2217_IAC		255
#define RFC2217_DONT		254
#define RFC2217_DO		253
#define RFC2217_WONT		252
#define RFC2217_WILL		251
#define RFC2217_SB		250
#define RFC2217_SE		240
#define RFC2217_OPT_BINARY	0
#define RFC2217_OPT_ECHO	1
#define RFC2217_OPT_SGA		3
#define RFC2217_OPT_COMPORT	44

/* COM-PORT-OPTION subcommands (client to server; the server answers + 100). */
#define RFC2217_SET_BAUDRATE		1
#define RFC2217_SET_DATASIZE		2
#define RFC2217_SET_PARITY		3
#define RFC2217_SET_STOPSIZE		4
#define RFC2217_SET_CONTROL		5
#define RFC2217_NOTIFY_LINESTATE	6
#define RFC2217_NOTIFY_MODEMSTATE	7
#define RFC2217_FLOWCONTROL_SUSPEND	8
#define RFC2217_FLOWCONTROL_RESUME	9
#define RFC2217_SET_LINESTATE_MASK	10
#define RFC2217_SET_MODEMSTATE_MASK	11
#define RFC2217_PURGE_DATA		12
#define RFC2217_SERVER_OFFSET		100

/* SET-CONTROL values. */
#define RFC2217_CTL_REQ_FLOW		0
#define RFC2217_CTL_FLOW_NONE		1
#define RFC2217_CTL_FLOW_XONXOFF	2
#define RFC2217_CTL_FLOW_HARDWARE	3
#define RFC2217_CTL_REQ_BREAK		4
#define RFC2217_CTL_BREAK_ON		5
#define RFC2217_CTL_BREAK_OFF		6
#define RFC2217_CTL_REQ_DTR		7
#define RFC2217_CTL_DTR_ON		8
#define RFC2217_CTL_DTR_OFF		9
#define RFC2217_CTL_REQ_RTS		10
#define RFC2217_CTL_RTS_ON		11
#define RFC2217_CTL_RTS_OFF		12

/* PURGE-DATA values. */
#define RFC2217_PURGE_RX		1	/* the access server's receive buffer (data from the port) */
#define RFC2217_PURGE_TX		2	/* its transmit buffer (data to the port) */
#define RFC2217_PURGE_BOTH		3

/* Modem state bits (NOTIFY-MODEMSTATE). */
#define RFC2217_MODEM_CD	0x80
#define RFC2217_MODEM_RI	0x40
#define RFC2217_MODEM_DSR	0x20
#define RFC2217_MODEM_CTS	0x10

enum rfc2217_role {
	RFC2217_ROLE_SERVER,
	RFC2217_ROLE_CLIENT,
};

/* A COM-PORT-OPTION subnegotiation received. */
struct rfc2217_cmd {
	uint8_t		 code;		/* as on the wire (server answers are >= 100) */
	uint32_t	 value;		/* baud (4 bytes) or the first value byte; 0 if none */
	const uint8_t	*data;		/* value bytes, IAC-unescaped; valid during the callback */
	size_t		 len;
};

/* The port settings (server: as set by the client; client: as acked by the server). */
struct rfc2217_port {
	uint32_t	 baud;
	uint8_t		 datasize;	/* 5..8 */
	uint8_t		 parity;	/* 1 none, 2 odd, 3 even, 4 mark, 5 space */
	uint8_t		 stopsize;	/* 1 one, 2 two, 3 one and a half */
	int		 dtr, rts;	/* 0/1; -1 while never set */
	uint8_t		 flow;		/* RFC2217_CTL_FLOW_* */
	int		 brk;
	uint8_t		 linestate_mask, modemstate_mask;
	uint8_t		 modemstate;	/* what the server reports (set with rfc2217_set_modemstate) */
	int		 suspended;	/* the peer asked us to stop sending data (FLOWCONTROL-SUSPEND) */
};

typedef void (*rfc2217_out_cb)(const uint8_t *buf, size_t len, void *arg);
typedef void (*rfc2217_cmd_cb)(const struct rfc2217_cmd *cmd, void *arg);

struct rfc2217;

/*
 * A codec in `role`. out_cb receives every byte to put on the network
 * (required); cmd_cb (may be NULL) is called after the state changed for
 * each COM-PORT subnegotiation received. Free with rfc2217_free.
 */
struct rfc2217 *rfc2217_new(enum rfc2217_role role, uint32_t baud, rfc2217_out_cb out_cb,
    rfc2217_cmd_cb cmd_cb, void *arg);
void rfc2217_free(struct rfc2217 *r);	/* NULL is a no-op */

/* Send the opening negotiation (both roles: WILL/DO BINARY, SGA, COM-PORT-OPTION). */
void rfc2217_start(struct rfc2217 *r);
/*
 * Feed bytes from the network. Serial data (unescaped) is stored in out,
 * which needs room for len bytes; returns the count. Negotiation and
 * COM-PORT commands are handled (answers go to out_cb, commands to cmd_cb).
 */
size_t rfc2217_feed(struct rfc2217 *r, const uint8_t *in, size_t len, uint8_t *out);
/* Escape serial data for the network into out (room for 2 * len); returns bytes written. */
size_t rfc2217_escape(const uint8_t *in, size_t len, uint8_t *out);

/* Nonzero once both sides agreed on COM-PORT-OPTION (either direction). */
int rfc2217_active(const struct rfc2217 *r);
/* The current port state (borrowed). */
const struct rfc2217_port *rfc2217_port(const struct rfc2217 *r);

/* Send a raw COM-PORT subnegotiation with `code` and value bytes (escaped here). */
void rfc2217_send_sub(struct rfc2217 *r, uint8_t code, const uint8_t *val, size_t len);
/* Client: request a baud / DTR / RTS / 8N1 no-flow / purge. */
void rfc2217_client_set_baud(struct rfc2217 *r, uint32_t baud);
void rfc2217_client_set_lines(struct rfc2217 *r, int dtr, int rts);
void rfc2217_client_set_8n1(struct rfc2217 *r);
/* Server: the modem lines changed (notifies the client when its mask allows). */
void rfc2217_set_modemstate(struct rfc2217 *r, uint8_t state);

/* "SET-BAUDRATE", "SERVER-SET-CONTROL", ... or "COM-PORT-<n>". */
const char *rfc2217_code_name(uint8_t code);

#endif
