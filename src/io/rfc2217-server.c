/*
 * rfc2217-server.c — the RFC 2217 server on the event loop (see
 * rfc2217-server.h). Everything we send (negotiation answers, COM-PORT
 * answers, escaped serial data) goes through one output buffer, in order.
 */
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "rfc2217-server.h"
#include "tcp.h"
#include "util.h"

#define RFC2217_SERVER_OUT_MAX	(256u << 10)	/* escaped bytes waiting for the socket */
#define RFC2217_SERVER_IN	8192
#define RFC2217_SERVER_CHUNK	16384

struct rfc2217_server {
	struct loop	*loop;
	struct rfc2217_server_cbs cbs;
	int		 lfd, cfd;
	struct loop_fd	*lh, *ch;
	char		 url[320];
	char		 peer[96];
	uint32_t	 baud;
	struct rfc2217	*codec;
	uint8_t		*ob;
	size_t		 olen, ocap;
	uint8_t		 data[RFC2217_SERVER_IN];	/* decoded, not yet given to data_cb */
	size_t		 dlen;
	int		 paused;
	int		 want_write;
	int		 refuse;
	uint8_t		 modemstate;
};

static void rfc2217_server_update(struct rfc2217_server *s);

static void
rfc2217_server_out(const uint8_t *buf, size_t len, void *arg)
{
	struct rfc2217_server *s = arg;

	if (s->olen + len > s->ocap) {
		size_t cap = s->ocap ? s->ocap : 4096;

		while (cap < s->olen + len)
			cap *= 2;
		s->ob = xrealloc(s->ob, cap);
		s->ocap = cap;
	}
	memcpy(s->ob + s->olen, buf, len);
	s->olen += len;
}

/* Data decoded so far goes first: it was sent before what comes next. */
static void
rfc2217_server_flush_in(struct rfc2217_server *s)
{
	size_t len = s->dlen;

	if (len == 0)
		return;
	s->dlen = 0;
	s->cbs.data_cb(s->data, len, s->cbs.arg);
}

static void
rfc2217_server_cmd(const struct rfc2217_cmd *cmd, void *arg)
{
	struct rfc2217_server *s = arg;

	rfc2217_server_flush_in(s);
	if (s->cbs.cmd_cb != NULL && s->codec != NULL)
		s->cbs.cmd_cb(cmd, rfc2217_port(s->codec), s->cbs.arg);
}

static int
rfc2217_server_flush(struct rfc2217_server *s)
{
	ssize_t n;

	while (s->cfd != -1 && s->olen > 0) {
		n = send(s->cfd, s->ob, s->olen, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			rfc2217_server_drop(s, strerror(errno));
			return -1;
		}
		memmove(s->ob, s->ob + n, s->olen - (size_t)n);
		s->olen -= (size_t)n;
	}
	rfc2217_server_update(s);
	return 0;
}

static void
rfc2217_server_update(struct rfc2217_server *s)
{
	short ev = 0;

	if (s->ch == NULL)
		return;
	if (!s->paused)
		ev |= POLLIN;
	if (s->olen > 0 || s->want_write)
		ev |= POLLOUT;
	loop_fd_set(s->ch, ev);
}

static void
rfc2217_server_read(struct rfc2217_server *s)
{
	uint8_t in[RFC2217_SERVER_IN];
	size_t room = sizeof(in), i;
	ssize_t n;

	if (s->cbs.room_cb != NULL && (room = s->cbs.room_cb(s->cbs.arg)) > sizeof(in))
		room = sizeof(in);
	if (room == 0) {
		rfc2217_server_pause_read(s);
		return;
	}
	n = recv(s->cfd, in, room, 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		rfc2217_server_drop(s, n == 0 ? "closed" : strerror(errno));
		return;
	}
	if (n < 0)
		return;
	/*
	 * A byte at a time, so that data and commands keep their order
	 * (rfc2217_server_cmd gives the data decoded before a command first).
	 */
	for (i = 0; i < (size_t)n && s->codec != NULL; i++)
		s->dlen += rfc2217_feed(s->codec, in + i, 1, s->data + s->dlen);
	if (s->codec != NULL)
		rfc2217_server_flush_in(s);
	else
		s->dlen = 0;
	rfc2217_server_flush(s);
}

static void
rfc2217_server_client_cb(int fd, short revents, void *arg)
{
	struct rfc2217_server *s = arg;

	if (revents & POLLOUT) {
		if (rfc2217_server_flush(s) == -1)
			return;
		if (s->want_write && s->olen < RFC2217_SERVER_OUT_MAX / 2) {
			s->want_write = 0;
			rfc2217_server_update(s);
			if (s->cbs.writable_cb != NULL)
				s->cbs.writable_cb(s->cbs.arg);
		}
	}
	if (s->cfd == -1)
		return;
	if (s->paused) {
		/* Not reading: only a hang-up ends the client. */
		if ((revents & (POLLHUP | POLLERR)) && !(revents & POLLIN))
			rfc2217_server_drop(s, "hung up");
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		rfc2217_server_read(s);
}

static void
rfc2217_server_peer(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char h[64], sv[16];

	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == -1 ||
	    getnameinfo((struct sockaddr *)&ss, sl, h, sizeof(h), sv, sizeof(sv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, "%s:%s", h, sv);
}

static void
rfc2217_server_accept_cb(int fd, short revents, void *arg)
{
	struct rfc2217_server *s = arg;
	int cfd;

	if ((cfd = tcp_accept(fd)) == -1)
		return;
	if (s->cfd != -1 || s->refuse) {
		/* One client at a time; none while the port is "unplugged". */
		close(cfd);
		return;
	}
	s->cfd = cfd;
	s->olen = s->dlen = 0;
	s->paused = s->want_write = 0;
	rfc2217_server_peer(cfd, s->peer, sizeof(s->peer));
	s->codec = rfc2217_new(RFC2217_ROLE_SERVER, s->baud, rfc2217_server_out,
	    rfc2217_server_cmd, s);
	if (s->modemstate != 0)
		rfc2217_set_modemstate(s->codec, s->modemstate);
	s->ch = loop_fd_add(s->loop, cfd, POLLIN, rfc2217_server_client_cb, s);
	rfc2217_start(s->codec);
	if (s->cbs.open_cb != NULL)
		s->cbs.open_cb(s->peer, s->cbs.arg);
	rfc2217_server_flush(s);
}

struct rfc2217_server *
rfc2217_server_listen(struct loop *l, const char *spec, uint32_t baud,
    const struct rfc2217_server_cbs *cbs, char *err, size_t errlen)
{
	struct rfc2217_server *s;
	char host[256], port[32], name[300];
	int fd;

	if (tcp_split(spec, "127.0.0.1", host, sizeof(host), port, sizeof(port), err,
	    errlen) == -1)
		return NULL;
	if ((fd = tcp_listen(host, port, err, errlen)) == -1)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->loop = l;
	s->cbs = *cbs;
	s->lfd = fd;
	s->cfd = -1;
	s->baud = baud;
	if (tcp_local_name(fd, name, sizeof(name)) == -1)
		snprintf(name, sizeof(name), "%s:%s", host, port);
	snprintf(s->url, sizeof(s->url), "rfc2217://%s", name);
	s->lh = loop_fd_add(l, fd, POLLIN, rfc2217_server_accept_cb, s);
	return s;
}

void
rfc2217_server_free(struct rfc2217_server *s)
{
	if (s == NULL)
		return;
	s->cbs.close_cb = NULL;
	rfc2217_server_drop(s, "server closed");
	loop_fd_del(s->lh);
	close(s->lfd);
	free(s->ob);
	free(s);
}

const char *
rfc2217_server_url(const struct rfc2217_server *s)
{
	return s->url;
}

void
rfc2217_server_set_baud(struct rfc2217_server *s, uint32_t baud)
{
	s->baud = baud;
}

int
rfc2217_server_has_client(const struct rfc2217_server *s)
{
	return s->cfd != -1;
}

ssize_t
rfc2217_server_write(struct rfc2217_server *s, const uint8_t *buf, size_t len)
{
	uint8_t esc[2 * RFC2217_SERVER_CHUNK];
	size_t take;

	if (s->cfd == -1)
		return -2;
	if (s->olen >= RFC2217_SERVER_OUT_MAX || rfc2217_port(s->codec)->suspended) {
		s->want_write = 1;
		rfc2217_server_update(s);
		return -1;
	}
	take = len > RFC2217_SERVER_CHUNK ? RFC2217_SERVER_CHUNK : len;
	rfc2217_server_out(esc, rfc2217_escape(buf, take, esc), s);
	if (rfc2217_server_flush(s) == -1)
		return -2;
	return (ssize_t)take;
}

size_t
rfc2217_server_pending(const struct rfc2217_server *s)
{
	return s->olen;
}

void
rfc2217_server_pause_read(struct rfc2217_server *s)
{
	s->paused = 1;
	rfc2217_server_update(s);
}

void
rfc2217_server_resume_read(struct rfc2217_server *s)
{
	if (!s->paused)
		return;
	s->paused = 0;
	rfc2217_server_update(s);
}

int
rfc2217_server_read_paused(const struct rfc2217_server *s)
{
	return s->paused;
}

void
rfc2217_server_drop(struct rfc2217_server *s, const char *why)
{
	if (s->cfd == -1)
		return;
	loop_fd_del(s->ch);
	s->ch = NULL;
	close(s->cfd);
	s->cfd = -1;
	rfc2217_free(s->codec);
	s->codec = NULL;
	s->olen = s->dlen = 0;
	s->paused = s->want_write = 0;
	if (s->cbs.close_cb != NULL)
		s->cbs.close_cb(why, s->cbs.arg);
}

void
rfc2217_server_refuse(struct rfc2217_server *s, int on)
{
	s->refuse = on;
}

void
rfc2217_server_set_modemstate(struct rfc2217_server *s, uint8_t state)
{
	s->modemstate = state;
	if (s->codec != NULL)
		rfc2217_set_modemstate(s->codec, state);
}
