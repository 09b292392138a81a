/*
 * endpoint.c — the endpoint interface (endpoint.h): picks the kind from
 * the spec, and does what every fd-backed kind shares (reading on the
 * loop, the output buffer for protocol bytes, pause/resume, reporting a
 * loss once). The kinds are in endpoint-port.c (serial, tty), endpoint-net.c
 * (tcp, rfc2217) and endpoint-sim.c (the simulator in-process).
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endpoint-int.h"
#include "loop.h"
#include "util.h"

#define ENDPOINT_READ_MAX	65536
#define ENDPOINT_OUT_MAX	(256u << 10)	/* protocol + escaped bytes waiting for the fd */

static void endpoint_read_cb(int fd, short revents, void *arg);
static void endpoint_lost_cb(void *arg);

static const struct endpoint_ops *
endpoint_pick(const char *spec)
{
	if (strncmp(spec, "rfc2217://", 10) == 0)
		return &endpoint_rfc2217_ops;
	if (strncmp(spec, "tcp://", 6) == 0)
		return &endpoint_tcp_ops;
	if (strncmp(spec, "sim:", 4) == 0)
		return &endpoint_sim_ops;
	return &endpoint_serial_ops;	/* its setup hands paths it does not know to tty */
}

struct endpoint *
endpoint_new(struct loop *l, const char *spec, uint32_t baud, const struct endpoint_cbs *cbs,
    char *err, size_t errlen)
{
	struct endpoint *ep;

	ep = xcalloc(1, sizeof(*ep));
	ep->loop = l;
	ep->cbs = *cbs;
	ep->fd = -1;
	ep->baud = baud;
	snprintf(ep->spec, sizeof(ep->spec), "%s", spec);
	snprintf(ep->name, sizeof(ep->name), "%s", spec);
	ep->ops = endpoint_pick(spec);
	ep->caps = ep->ops->caps;
	ep->lost = loop_timer_new(l, endpoint_lost_cb, ep);
	if (ep->ops->setup(ep, err, errlen) == -1) {
		endpoint_free(ep);
		return NULL;
	}
	return ep;
}

void
endpoint_free(struct endpoint *ep)
{
	if (ep == NULL)
		return;
	endpoint_close(ep);
	if (ep->ops->free != NULL)
		ep->ops->free(ep);
	loop_timer_free(ep->lost);
	free(ep->ob);
	free(ep);
}

int
endpoint_open(struct endpoint *ep, char *err, size_t errlen)
{
	if (ep->open)
		return 0;
	ep->olen = 0;
	if (ep->ops->open(ep, err, errlen) == -1)
		return -1;
	ep->open = 1;
	loop_timer_stop(ep->lost);
	if (ep->fd != -1) {
		ep->lfd = loop_fd_add(ep->loop, ep->fd, 0, endpoint_read_cb, ep);
		endpoint_update(ep);
		endpoint_out_flush(ep);
	}
	return 0;
}

void
endpoint_close(struct endpoint *ep)
{
	if (!ep->open)
		return;
	loop_fd_del(ep->lfd);
	ep->lfd = NULL;
	ep->ops->close(ep);
	if (ep->fd != -1)
		close(ep->fd);
	ep->fd = -1;
	ep->olen = 0;
	ep->open = 0;
	loop_timer_stop(ep->lost);
}

int
endpoint_is_open(const struct endpoint *ep)
{
	return ep->open;
}

void
endpoint_lost(struct endpoint *ep, const char *why)
{
	if (!ep->open)
		return;
	endpoint_close(ep);
	if (ep->cbs.gone_cb != NULL)
		ep->cbs.gone_cb(why, ep->cbs.arg);
}

static void
endpoint_lost_cb(void *arg)
{
	struct endpoint *ep = arg;

	endpoint_lost(ep, ep->lost_why);
}

void
endpoint_lost_later(struct endpoint *ep, const char *why)
{
	snprintf(ep->lost_why, sizeof(ep->lost_why), "%s", why);
	loop_timer_at(ep->lost, 0);
}

void
endpoint_note(struct endpoint *ep, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	if (ep->cbs.note_cb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ep->cbs.note_cb(text, ep->cbs.arg);
}

void
endpoint_update(struct endpoint *ep)
{
	short ev = 0;

	if (ep->ops->want_read != NULL && ep->open)
		ep->ops->want_read(ep, !ep->paused);
	if (ep->lfd == NULL)
		return;
	if (!ep->paused)
		ev |= POLLIN;
	if (ep->want_write || ep->olen > 0)
		ev |= POLLOUT;
	loop_fd_set(ep->lfd, ev);
}

void
endpoint_out_add(struct endpoint *ep, const uint8_t *buf, size_t len)
{
	if (ep->olen + len > ep->ocap) {
		size_t cap = ep->ocap ? ep->ocap : 4096;

		while (cap < ep->olen + len)
			cap *= 2;
		ep->ob = xrealloc(ep->ob, cap);
		ep->ocap = cap;
	}
	memcpy(ep->ob + ep->olen, buf, len);
	ep->olen += len;
}

int
endpoint_out_flush(struct endpoint *ep)
{
	ssize_t n;

	while (ep->fd != -1 && ep->olen > 0) {
		n = write(ep->fd, ep->ob, ep->olen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			endpoint_lost_later(ep, strerror(errno));
			return -1;
		}
		memmove(ep->ob, ep->ob + n, ep->olen - (size_t)n);
		ep->olen -= (size_t)n;
	}
	endpoint_update(ep);
	return 0;
}

size_t
endpoint_deliver(struct endpoint *ep, const uint8_t *buf, size_t len)
{
	if (ep->paused || !ep->open)
		return 0;
	ep->cbs.data_cb(buf, len, ep->cbs.arg);
	return len;
}

static void
endpoint_read_cb(int fd, short revents, void *arg)
{
	struct endpoint *ep = arg;
	static uint8_t buf[ENDPOINT_READ_MAX], data[ENDPOINT_READ_MAX];
	size_t dlen;
	ssize_t n;
	int rounds;

	if (revents & POLLOUT) {
		if (endpoint_out_flush(ep) == -1)
			return;
		if (ep->want_write && ep->olen == 0) {
			ep->want_write = 0;
			endpoint_update(ep);
			if (ep->cbs.writable_cb != NULL)
				ep->cbs.writable_cb(ep->cbs.arg);
		}
	}
	if (!ep->open || !(revents & (POLLIN | POLLHUP | POLLERR)))
		return;
	for (rounds = 0; rounds < 16 && ep->open && !ep->paused; rounds++) {
		dlen = 0;
		if (ep->ops->read != NULL)
			n = ep->ops->read(ep, buf, sizeof(buf), data, &dlen);
		else if ((n = read(ep->fd, buf, sizeof(buf))) > 0)
			memcpy(data, buf, (dlen = (size_t)n));
		if (n > 0) {
			if (dlen > 0)
				ep->cbs.data_cb(data, dlen, ep->cbs.arg);
			if ((size_t)n < sizeof(buf))
				break;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (revents & (POLLHUP | POLLERR) && rounds == 0)
				endpoint_lost(ep, "hang-up");
			break;
		}
		endpoint_lost(ep, n == 0 ? "end of stream" : strerror(errno));
		break;
	}
}

ssize_t
endpoint_write(struct endpoint *ep, const uint8_t *buf, size_t len)
{
	ssize_t n;

	if (!ep->open || loop_timer_deadline(ep->lost) != LOOP_NEVER)
		return ENDPOINT_GONE;
	if (ep->olen >= ENDPOINT_OUT_MAX) {
		endpoint_want_write(ep);
		return ENDPOINT_AGAIN;
	}
	if (ep->ops->write != NULL)
		n = ep->ops->write(ep, buf, len);
	else
		n = write(ep->fd, buf, len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR) {
			endpoint_want_write(ep);
			return ENDPOINT_AGAIN;
		}
		/* Report the loss from the loop: the caller is walking its queue. */
		endpoint_lost_later(ep, strerror(errno));
		return ENDPOINT_GONE;
	}
	if (n == 0 && len > 0) {
		endpoint_want_write(ep);
		return ENDPOINT_AGAIN;
	}
	return n;
}

int
endpoint_set_baud(struct endpoint *ep, uint32_t baud, char *err, size_t errlen)
{
	int rc = 0;

	if (ep->open && ep->ops->set_baud != NULL)
		rc = ep->ops->set_baud(ep, baud, err, errlen);
	if (rc == 0)
		ep->baud = baud;
	return rc;
}

int
endpoint_set_lines(struct endpoint *ep, int dtr, int rts, int tight, char *err, size_t errlen)
{
	if (ep->ops->set_lines == NULL || !(ep->caps & CAP_LINES)) {
		snprintf(err, errlen, "%s: a %s device has no DTR/RTS", ep->name, ep->ops->kind);
		return -1;
	}
	if (!ep->open) {
		snprintf(err, errlen, "%s: not open", ep->name);
		return -1;
	}
	return ep->ops->set_lines(ep, dtr, rts, tight, err, errlen);
}

int
endpoint_get_lines(struct endpoint *ep, int *dtr, int *rts)
{
	if (!ep->open || ep->ops->get_lines == NULL)
		return -1;
	return ep->ops->get_lines(ep, dtr, rts);
}

void
endpoint_pause_read(struct endpoint *ep)
{
	if (ep->paused)
		return;
	ep->paused = 1;
	endpoint_update(ep);
}

void
endpoint_resume_read(struct endpoint *ep)
{
	if (!ep->paused)
		return;
	ep->paused = 0;
	endpoint_update(ep);
}

void
endpoint_want_write(struct endpoint *ep)
{
	ep->want_write = 1;
	endpoint_update(ep);
}

int
endpoint_write_stopped(struct endpoint *ep)
{
	struct pollfd pfd;
	int pending = 0;

	if (!ep->open || ep->fd < 0 || ep->ops->write != NULL || !isatty(ep->fd) ||
	    loop_timer_deadline(ep->lost) != LOOP_NEVER)
		return -1;
	if (ep->olen > 0)
		return 0;	/* its own bytes wait: the writable path reports */
	pfd.fd = ep->fd;
	pfd.events = POLLOUT;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) != 0)
		return (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) ? -1 : 0;
	/* No room although nothing waits in the driver: flow stopped, not a UART draining. */
	if (ioctl(ep->fd, TIOCOUTQ, &pending) == -1)
		return -1;
	return pending == 0;
}

unsigned
endpoint_caps(const struct endpoint *ep)
{
	return ep->caps;
}

const char *
endpoint_kind(const struct endpoint *ep)
{
	return ep->ops->kind;
}

const char *
endpoint_name(const struct endpoint *ep)
{
	return ep->name;
}

int
endpoint_lines_remote(const struct endpoint *ep)
{
	return ep->ops == &endpoint_rfc2217_ops;
}
