/*
 * endpoint-net.c — network devices as endpoints: a raw tcp:// byte stream
 * (no line speed, no modem lines) and an rfc2217:// device through our
 * RFC 2217 client (rfc2217.h, client role). The client's answers and the
 * escaped data share one output buffer (endpoint_out_add), so they reach
 * the server in the order they were made.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endpoint-int.h"
#include "rfc2217.h"
#include "tcp.h"
#include "util.h"

#define ENDPOINT_NET_CHUNK	16384

struct endpoint_net {
	char		 host[256], port[32];
	struct rfc2217	*codec;
	int		 dtr, rts;	/* as last requested (-1 = never) */
};

static struct endpoint_net *
endpoint_net(struct endpoint *ep)
{
	return ep->priv;
}

static int
endpoint_net_setup(struct endpoint *ep, char *err, size_t errlen)
{
	struct endpoint_net *n;

	n = ep->priv = xcalloc(1, sizeof(*n));
	n->dtr = n->rts = -1;
	return tcp_split(strchr(ep->spec, '/') + 2, "127.0.0.1", n->host, sizeof(n->host),
	    n->port, sizeof(n->port), err, errlen);
}

static int
endpoint_net_open(struct endpoint *ep, char *err, size_t errlen)
{
	struct endpoint_net *n = endpoint_net(ep);

	ep->fd = tcp_connect(n->host, n->port, 2000, err, errlen);
	return ep->fd == -1 ? -1 : 0;
}

static void
endpoint_net_close(struct endpoint *ep)
{
	struct endpoint_net *n = endpoint_net(ep);

	rfc2217_free(n->codec);
	n->codec = NULL;
}

static void
endpoint_net_free(struct endpoint *ep)
{
	free(ep->priv);
	ep->priv = NULL;
}

static void
endpoint_rfc2217_out(const uint8_t *buf, size_t len, void *arg)
{
	endpoint_out_add(arg, buf, len);
}

static void
endpoint_rfc2217_cmd(const struct rfc2217_cmd *cmd, void *arg)
{
	if (cmd->code == RFC2217_SERVER_OFFSET + RFC2217_NOTIFY_MODEMSTATE)
		return;		/* periodic, not worth a record */
	endpoint_note(arg, "device rfc2217 %s %u", rfc2217_code_name(cmd->code), cmd->value);
}

static int
endpoint_rfc2217_open(struct endpoint *ep, char *err, size_t errlen)
{
	struct endpoint_net *n = endpoint_net(ep);

	if (endpoint_net_open(ep, err, errlen) == -1)
		return -1;
	n->codec = rfc2217_new(RFC2217_ROLE_CLIENT, ep->baud, endpoint_rfc2217_out,
	    endpoint_rfc2217_cmd, ep);
	rfc2217_start(n->codec);
	rfc2217_client_set_baud(n->codec, ep->baud);
	rfc2217_client_set_8n1(n->codec);
	if (n->dtr != -1 || n->rts != -1)
		rfc2217_client_set_lines(n->codec, n->dtr, n->rts);
	return 0;
}

static ssize_t
endpoint_rfc2217_read(struct endpoint *ep, uint8_t *buf, size_t len, uint8_t *data, size_t *dlen)
{
	struct endpoint_net *n = endpoint_net(ep);
	ssize_t r;

	r = read(ep->fd, buf, len);
	if (r > 0) {
		*dlen = rfc2217_feed(n->codec, buf, (size_t)r, data);
		endpoint_out_flush(ep);
	}
	return r;
}

static ssize_t
endpoint_rfc2217_write(struct endpoint *ep, const uint8_t *buf, size_t len)
{
	uint8_t esc[2 * ENDPOINT_NET_CHUNK];
	size_t take = len > ENDPOINT_NET_CHUNK ? ENDPOINT_NET_CHUNK : len;

	endpoint_out_add(ep, esc, rfc2217_escape(buf, take, esc));
	endpoint_out_flush(ep);
	return (ssize_t)take;
}

static int
endpoint_rfc2217_set_baud(struct endpoint *ep, uint32_t baud, char *err, size_t errlen)
{
	rfc2217_client_set_baud(endpoint_net(ep)->codec, baud);
	endpoint_out_flush(ep);
	return 0;
}

static int
endpoint_rfc2217_set_lines(struct endpoint *ep, int dtr, int rts, int tight, char *err,
    size_t errlen)
{
	struct endpoint_net *n = endpoint_net(ep);

	if (dtr != -1)
		n->dtr = dtr;
	if (rts != -1)
		n->rts = rts;
	rfc2217_client_set_lines(n->codec, dtr, rts);
	endpoint_out_flush(ep);
	return 0;
}

static int
endpoint_rfc2217_get_lines(struct endpoint *ep, int *dtr, int *rts)
{
	struct endpoint_net *n = endpoint_net(ep);

	*dtr = n->dtr == 1;
	*rts = n->rts == 1;
	return 0;
}

const struct endpoint_ops endpoint_tcp_ops = {
	.kind = "tcp",
	.caps = CAP_VANISH,
	.setup = endpoint_net_setup,
	.open = endpoint_net_open,
	.close = endpoint_net_close,
	.free = endpoint_net_free,
};

const struct endpoint_ops endpoint_rfc2217_ops = {
	.kind = "rfc2217",
	.caps = CAP_LINES | CAP_SET_BAUD | CAP_VANISH,
	.setup = endpoint_net_setup,
	.open = endpoint_rfc2217_open,
	.close = endpoint_net_close,
	.free = endpoint_net_free,
	.read = endpoint_rfc2217_read,
	.write = endpoint_rfc2217_write,
	.set_baud = endpoint_rfc2217_set_baud,
	.set_lines = endpoint_rfc2217_set_lines,
	.get_lines = endpoint_rfc2217_get_lines,
};
