/*
 * endpoint-port.c — serial ports as endpoints: adapters libserialport
 * knows (by name or usb:VID:PID[:SERIAL], which follows the adapter to
 * whatever name it re-enumerates as), and ttys/ptys through plain termios
 * (libserialport refuses ptys: it looks names up in sysfs).
 *
 * Both are opened exclusively: flock(LOCK_EX) on our fd, as pySerial's
 * exclusive=True does, so a second sliptap (or esptool) is refused even
 * as root, plus TIOCEXCL on a tty for everyone else (cleared on close: a
 * pty slave outlives us when its master's owner keeps it open). The
 * refusal names the holder (serial_explain_open_error).
 */
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endpoint-int.h"
#include "serial.h"
#include "tty.h"
#include "util.h"

struct endpoint_port {
	struct serial_port *sp;
	int		 is_usb;
	struct serial_usb_spec usb;
	int		 excl;		/* TIOCEXCL set by us */
};

static struct endpoint_port *
endpoint_port(struct endpoint *ep)
{
	if (ep->priv == NULL)
		ep->priv = xcalloc(1, sizeof(struct endpoint_port));
	return ep->priv;
}

/* Is `path` a pty slave (directly or through a link)? */
static int
endpoint_path_is_pty(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1 || !S_ISCHR(st.st_mode))
		return 0;
	return major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143;
}

static int
endpoint_serial_setup(struct endpoint *ep, char *err, size_t errlen)
{
	struct endpoint_port *pp = endpoint_port(ep);
	int rc;

	rc = serial_parse_usb(ep->spec, &pp->usb, err, errlen);
	if (rc == -1)
		return -1;
	if (rc == 1) {
		pp->is_usb = 1;
		return serial_find_usb(&pp->usb, ep->name, sizeof(ep->name), err, errlen);
	}
	if (endpoint_path_is_pty(ep->spec) || !serial_exists(ep->spec)) {
		if (access(ep->spec, F_OK) == -1) {
			serial_explain_open_error(ep->spec, ENOENT, err, errlen);
			return -1;
		}
		ep->ops = &endpoint_tty_ops;
		ep->caps = ep->ops->caps;
		return ep->ops->setup(ep, err, errlen);
	}
	return 0;
}

static int
endpoint_serial_open(struct endpoint *ep, char *err, size_t errlen)
{
	struct endpoint_port *pp = endpoint_port(ep);

	if (pp->is_usb && serial_find_usb(&pp->usb, ep->name, sizeof(ep->name), err,
	    errlen) == -1)
		return -1;
	pp->sp = serial_open(ep->name, ep->baud, err, errlen);
	if (pp->sp == NULL)
		return -1;
	ep->fd = serial_fd(pp->sp);
	return 0;
}

static void
endpoint_serial_close(struct endpoint *ep)
{
	struct endpoint_port *pp = endpoint_port(ep);

	serial_close(pp->sp);	/* closes the fd */
	pp->sp = NULL;
	ep->fd = -1;
}

static void
endpoint_port_free(struct endpoint *ep)
{
	free(ep->priv);
	ep->priv = NULL;
}

static int
endpoint_serial_set_baud(struct endpoint *ep, uint32_t baud, char *err, size_t errlen)
{
	return serial_set_baud(endpoint_port(ep)->sp, baud, err, errlen);
}

static int
endpoint_port_lines_error(struct endpoint *ep, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: DTR/RTS: %s", ep->name,
	    errno == ENOTTY ? "no modem lines (a pty)" : strerror(errno));
	return -1;
}

static int
endpoint_serial_set_lines(struct endpoint *ep, int dtr, int rts, int tight, char *err,
    size_t errlen)
{
	if (!tight)
		return serial_set_lines(endpoint_port(ep)->sp, dtr, rts, err, errlen);
	if (tty_set_lines(ep->fd, dtr, rts) == -1)
		return endpoint_port_lines_error(ep, err, errlen);
	return 0;
}

static int
endpoint_tty_get_lines(struct endpoint *ep, int *dtr, int *rts)
{
	return tty_get_lines(ep->fd, dtr, rts);
}

static int
endpoint_tty_setup(struct endpoint *ep, char *err, size_t errlen)
{
	(void)endpoint_port(ep);
	if (endpoint_path_is_pty(ep->spec))
		ep->caps &= ~(unsigned)CAP_LINES;	/* a pty has no modem lines */
	return 0;
}

static int
endpoint_tty_open(struct endpoint *ep, char *err, size_t errlen)
{
	struct endpoint_port *pp = endpoint_port(ep);
	struct pollfd pfd;
	int fd, e;

	fd = tty_open(ep->name, ep->baud, err, errlen);
	if (fd == -1) {
		e = errno;
		if (e == EBUSY || e == EACCES || e == ENOENT)
			serial_explain_open_error(ep->name, e, err, errlen);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK) {
		close(fd);
		serial_explain_open_error(ep->name, EBUSY, err, errlen);
		return -1;
	}
	pp->excl = ioctl(fd, TIOCEXCL) == 0;
	/* A pty whose master is already gone reports HUP at once. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR))) {
		close(fd);
		snprintf(err, errlen, "%s: hung up", ep->name);
		return -1;
	}
	ep->fd = fd;
	return 0;
}

static void
endpoint_tty_close(struct endpoint *ep)
{
	struct endpoint_port *pp = endpoint_port(ep);

	if (pp->excl && ep->fd != -1)
		(void)ioctl(ep->fd, TIOCNXCL);
	pp->excl = 0;
}

static int
endpoint_tty_set_baud(struct endpoint *ep, uint32_t baud, char *err, size_t errlen)
{
	if (tty_set_baud(ep->fd, baud) == -1) {
		snprintf(err, errlen, "%s: set baud %u: %s", ep->name, baud, strerror(errno));
		return -1;
	}
	return 0;
}

static int
endpoint_tty_set_lines(struct endpoint *ep, int dtr, int rts, int tight, char *err,
    size_t errlen)
{
	int rc;

	if (tight)
		rc = tty_set_lines(ep->fd, dtr, rts);
	else if ((rc = tty_set_lines(ep->fd, dtr, -1)) == 0)
		rc = tty_set_lines(ep->fd, -1, rts);
	return rc == -1 ? endpoint_port_lines_error(ep, err, errlen) : 0;
}

const struct endpoint_ops endpoint_serial_ops = {
	.kind = "serial",
	.caps = CAP_LINES | CAP_SET_BAUD | CAP_VANISH | CAP_EXCLUSIVE,
	.setup = endpoint_serial_setup,
	.open = endpoint_serial_open,
	.close = endpoint_serial_close,
	.free = endpoint_port_free,
	.set_baud = endpoint_serial_set_baud,
	.set_lines = endpoint_serial_set_lines,
	.get_lines = endpoint_tty_get_lines,
};

const struct endpoint_ops endpoint_tty_ops = {
	.kind = "tty",
	.caps = CAP_LINES | CAP_SET_BAUD | CAP_VANISH | CAP_EXCLUSIVE,
	.setup = endpoint_tty_setup,
	.open = endpoint_tty_open,
	.close = endpoint_tty_close,
	.free = endpoint_port_free,
	.set_baud = endpoint_tty_set_baud,
	.set_lines = endpoint_tty_set_lines,
	.get_lines = endpoint_tty_get_lines,
};
