/*
 * pty.c — pseudo-terminals standing in for serial ports (see pty.h): raw
 * pair, our own slave fd kept open, atomic symlink, freeze with tcflow,
 * hang-up and re-creation under the same link, the client's baud from the
 * slave's termios (and TIOCPKT/EXTPROC notices of its changes).
 */
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "pty.h"
#include "tty.h"
#include "util.h"

struct pty {
	int master;
	int slave;		/* ours, kept open so a client's close hangs nothing up */
	int packet;
	char slave_path[64];
	char old_path[64];	/* the slave before the last hang-up ("" if none) */
	char *link;
	int linked;		/* we made the link and it is there */
};

/*
 * The pid of a process other than us with `dev` open, or -1 when none is
 * found (or /proc does not let us look).
 */
static long
pty_holder(const char *dev)
{
	DIR *proc, *fds;
	struct dirent *pe, *fe;
	char path[PATH_MAX], target[PATH_MAX];
	long pid, found = -1, self = (long)getpid();
	ssize_t n;

	if ((proc = opendir("/proc")) == NULL)
		return -1;
	while (found == -1 && (pe = readdir(proc)) != NULL) {
		pid = strtol(pe->d_name, NULL, 10);
		if (pid <= 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", pe->d_name);
		if ((fds = opendir(path)) == NULL)
			continue;
		while ((fe = readdir(fds)) != NULL) {
			if (fe->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fd/%s", pe->d_name, fe->d_name);
			n = readlink(path, target, sizeof(target) - 1);
			if (n > 0 && (target[n] = '\0', strcmp(target, dev) == 0)) {
				found = pid;
				break;
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

/*
 * Make the link. An existing path is replaced only when it is our own link
 * (to our pty, now or before a hang-up) or a stale symlink to a pty that no
 * longer exists; a symlink to a live pty of someone else, or anything that
 * is not a symlink, is refused.
 */
/* "LINK: cannot make the link: directory DIR does not exist (create it first)". */
static void
pty_link_error(const char *link, int e, char *err, size_t errlen)
{
	char *copy = xstrdup(link), *dir = dirname(copy);
	struct stat st;

	if (e == ENOENT || (e == ENOTDIR && stat(dir, &st) == -1))
		snprintf(err, errlen, "%s: cannot make the link: directory %s does not exist "
		    "(create it first)", link, dir);
	else if (e == ENOTDIR)
		snprintf(err, errlen, "%s: cannot make the link: %s is not a directory", link,
		    dir);
	else
		snprintf(err, errlen, "%s: cannot make the link in %s: %s", link, dir,
		    strerror(e));
	free(copy);
}

static int
pty_link_make(struct pty *p, char *err, size_t errlen)
{
	struct stat st;
	char tmp[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	long pid;

	if (p->link == NULL)
		return 0;
	if (lstat(p->link, &st) == 0) {
		if (!S_ISLNK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a symlink "
			    "(remove it or choose another link path)", p->link);
			return -1;
		}
		n = readlink(p->link, target, sizeof(target) - 1);
		if (n < 0 || (target[n] = '\0', strncmp(target, "/dev/pts/", 9) != 0)) {
			snprintf(err, errlen, "%s is a symlink to something other than a "
			    "pty (remove it or choose another link path)", p->link);
			return -1;
		}
		if (strcmp(target, p->slave_path) != 0 && strcmp(target, p->old_path) != 0 &&
		    stat(target, &st) == 0) {
			if ((pid = pty_holder(target)) != -1)
				snprintf(err, errlen, "%s: in use by another pty (%s, pid %ld); "
				    "stop that process or choose another link path", p->link,
				    target, pid);
			else
				snprintf(err, errlen, "%s: in use by another pty (%s, pid not "
				    "known); stop that process, remove the link or choose "
				    "another link path", p->link, target);
			return -1;
		}
		/* our own link, or a stale one to a pty that is gone: replace it */
	}
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", p->link, (long)getpid());
	unlink(tmp);
	if (symlink(p->slave_path, tmp) < 0) {
		/* Name the link the user gave, not our temp name beside it. */
		pty_link_error(p->link, errno, err, errlen);
		return -1;
	}
	if (rename(tmp, p->link) < 0) {
		snprintf(err, errlen, "%s: rename: %s", p->link, strerror(errno));
		unlink(tmp);
		return -1;
	}
	p->linked = 1;
	return 0;
}

static void
pty_link_remove(struct pty *p)
{
	char target[PATH_MAX];
	ssize_t n;

	if (p->link == NULL || !p->linked)
		return;
	p->linked = 0;
	n = readlink(p->link, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	if (strcmp(target, p->slave_path) == 0)	/* still ours */
		unlink(p->link);
}

static int
pty_pair(struct pty *p, char *err, size_t errlen)
{
	struct termios t;
	int one = 1, flags;

	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->master < 0) {
		snprintf(err, errlen, "posix_openpt: %s", strerror(errno));
		return -1;
	}
	if (grantpt(p->master) < 0 || unlockpt(p->master) < 0 ||
	    ptsname_r(p->master, p->slave_path, sizeof(p->slave_path)) != 0) {
		snprintf(err, errlen, "pty setup: %s", strerror(errno));
		goto fail;
	}
	p->slave = open(p->slave_path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (p->slave < 0) {
		snprintf(err, errlen, "%s: %s", p->slave_path, strerror(errno));
		goto fail;
	}
	if (tcgetattr(p->slave, &t) == 0) {
		cfmakeraw(&t);
		cfsetispeed(&t, B115200);
		cfsetospeed(&t, B115200);
		t.c_cflag |= CLOCAL | CREAD;
		if (p->packet)
			t.c_lflag |= EXTPROC;
		tcsetattr(p->slave, TCSANOW, &t);
	}
	/* a pair is never born frozen, whatever pty_freeze() did to the last one */
	tcflow(p->slave, TCOON);
	if (p->packet && ioctl(p->master, TIOCPKT, &one) < 0) {
		snprintf(err, errlen, "TIOCPKT: %s", strerror(errno));
		goto fail;
	}
	flags = fcntl(p->master, F_GETFL);
	if (flags < 0 || fcntl(p->master, F_SETFL, flags | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "pty: O_NONBLOCK: %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (p->slave >= 0)
		close(p->slave);
	close(p->master);
	p->master = p->slave = -1;
	p->slave_path[0] = '\0';
	return -1;
}

struct pty *
pty_new(const char *link, int packet, char *err, size_t errlen)
{
	struct pty *p = xcalloc(1, sizeof(*p));

	p->master = p->slave = -1;
	p->packet = packet;
	p->link = link != NULL ? xstrdup(link) : NULL;
	if (pty_pair(p, err, errlen) < 0 || pty_link_make(p, err, errlen) < 0) {
		pty_free(p);
		return NULL;
	}
	return p;
}

void
pty_free(struct pty *p)
{
	if (p == NULL)
		return;
	pty_link_remove(p);
	if (p->master >= 0)
		close(p->master);
	if (p->slave >= 0)
		close(p->slave);
	free(p->link);
	free(p);
}

int
pty_master_fd(const struct pty *p)
{
	return p->master;
}

const char *
pty_slave_path(const struct pty *p)
{
	return p->slave_path;
}

int
pty_slave_fd(const struct pty *p)
{
	return p->slave;
}

const char *
pty_link_path(const struct pty *p)
{
	return p->link;
}

ssize_t
pty_read(struct pty *p, uint8_t *buf, size_t len, int *ctl)
{
	ssize_t n;

	*ctl = 0;
	if (p->master < 0) {
		errno = EIO;
		return -1;
	}
	if (!p->packet)
		return read(p->master, buf, len);
	/*
	 * Packet mode: a status byte, then the data. Read straight into buf
	 * (one syscall however much the client wrote) and move the data down
	 * over the status byte.
	 */
	if (len < 2) {
		errno = EINVAL;
		return -1;
	}
	n = read(p->master, buf, len);
	if (n <= 0)
		return n == 0 ? (errno = EAGAIN, -1) : -1;
	if (buf[0] != TIOCPKT_DATA) {
		if (buf[0] & TIOCPKT_IOCTL)
			*ctl |= PTY_CTL_TERMIOS;
		if (buf[0] & (TIOCPKT_FLUSHREAD | TIOCPKT_FLUSHWRITE))
			*ctl |= PTY_CTL_FLUSH;
		return 0;
	}
	memmove(buf, buf + 1, (size_t)n - 1);
	return n - 1;
}

ssize_t
pty_write(struct pty *p, const uint8_t *buf, size_t len)
{
	if (p->master < 0) {
		errno = EIO;
		return -1;
	}
	return write(p->master, buf, len);
}

int
pty_freeze(struct pty *p, int on)
{
	if (p->slave < 0) {
		errno = EIO;
		return -1;
	}
	return tcflow(p->slave, on ? TCOOFF : TCOON);
}

int
pty_hangup(struct pty *p)
{
	pty_link_remove(p);
	if (p->slave_path[0] != '\0')
		snprintf(p->old_path, sizeof(p->old_path), "%s", p->slave_path);
	/* master first: a client still writing (even a frozen one) gets EIO */
	if (p->master >= 0)
		close(p->master);
	if (p->slave >= 0)
		close(p->slave);
	p->master = p->slave = -1;
	return 0;
}

int
pty_reopen(struct pty *p, char *err, size_t errlen)
{
	if (p->master >= 0)
		pty_hangup(p);
	if (pty_pair(p, err, errlen) < 0)
		return -1;
	return pty_link_make(p, err, errlen);
}

uint32_t
pty_client_baud(const struct pty *p)
{
	if (p->slave < 0)
		return 0;
	return tty_get_baud(p->slave);	/* the one baud table, in tty.c */
}
