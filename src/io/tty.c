/*
 * tty.c — termios access to ttys and ptys (see tty.h).
 *
 * Non-standard baud rates go through TCSETS2 with BOTHER (Linux); glibc's
 * <termios.h> and <asm/termbits.h> clash, so the termios2 ioctls are issued
 * with the kernel's struct declared locally.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "tty.h"

#if defined(__linux__)
/* The kernel's struct termios2 (asm-generic/termbits.h). */
struct tty_termios2 {
	tcflag_t c_iflag, c_oflag, c_cflag, c_lflag;
	cc_t c_line;
	cc_t c_cc[19];
	speed_t c_ispeed, c_ospeed;
};
#ifndef BOTHER
#define BOTHER 0010000
#endif
#define TTY_TCGETS2	_IOR('T', 0x2A, struct tty_termios2)
#define TTY_TCSETS2	_IOW('T', 0x2B, struct tty_termios2)
#endif

static const struct {
	uint32_t baud;
	speed_t	 speed;
} tty_speeds[] = {
	{ 0, B0 }, { 50, B50 }, { 75, B75 }, { 110, B110 }, { 134, B134 },
	{ 150, B150 }, { 200, B200 }, { 300, B300 }, { 600, B600 },
	{ 1200, B1200 }, { 1800, B1800 }, { 2400, B2400 }, { 4800, B4800 },
	{ 9600, B9600 }, { 19200, B19200 }, { 38400, B38400 },
	{ 57600, B57600 }, { 115200, B115200 }, { 230400, B230400 },
	{ 460800, B460800 }, { 500000, B500000 }, { 576000, B576000 },
	{ 921600, B921600 }, { 1000000, B1000000 }, { 1152000, B1152000 },
	{ 1500000, B1500000 }, { 2000000, B2000000 }, { 2500000, B2500000 },
	{ 3000000, B3000000 }, { 3500000, B3500000 }, { 4000000, B4000000 },
};

int
tty_make_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) == -1)
		return -1;
	cfmakeraw(&t);
	t.c_cflag &= ~(CSTOPB | PARENB | CRTSCTS);
	t.c_cflag |= CLOCAL | CREAD | CS8;
	t.c_iflag &= ~(IXON | IXOFF | IXANY);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	return tcsetattr(fd, TCSANOW, &t);
}

int
tty_set_baud(int fd, uint32_t baud)
{
	struct termios t;
	size_t i;

	if (tcgetattr(fd, &t) == -1)
		return -1;
	for (i = 0; i < sizeof(tty_speeds) / sizeof(tty_speeds[0]); i++) {
		if (tty_speeds[i].baud == baud) {
			cfsetispeed(&t, tty_speeds[i].speed);
			cfsetospeed(&t, tty_speeds[i].speed);
			return tcsetattr(fd, TCSANOW, &t);
		}
	}
#if defined(__linux__)
	{
		struct tty_termios2 t2;

		if (ioctl(fd, TTY_TCGETS2, &t2) == -1)
			return -1;
		t2.c_cflag &= ~(tcflag_t)(CBAUD | (CBAUD << 16));
		t2.c_cflag |= BOTHER | (BOTHER << 16);
		t2.c_ispeed = baud;
		t2.c_ospeed = baud;
		return ioctl(fd, TTY_TCSETS2, &t2);
	}
#else
	errno = EINVAL;
	return -1;
#endif
}

uint32_t
tty_get_baud(int fd)
{
	struct termios t;
	speed_t sp;
	size_t i;

#if defined(__linux__)
	{
		struct tty_termios2 t2;

		if (ioctl(fd, TTY_TCGETS2, &t2) == 0)
			return t2.c_ospeed;
	}
#endif
	if (tcgetattr(fd, &t) == -1)
		return 0;
	sp = cfgetospeed(&t);
	for (i = 0; i < sizeof(tty_speeds) / sizeof(tty_speeds[0]); i++) {
		if (tty_speeds[i].speed == sp)
			return tty_speeds[i].baud;
	}
	return 0;
}

int
tty_set_lines(int fd, int dtr, int rts)
{
	int bits;

	if (ioctl(fd, TIOCMGET, &bits) == -1)
		return -1;
	if (dtr == 1)
		bits |= TIOCM_DTR;
	else if (dtr == 0)
		bits &= ~TIOCM_DTR;
	if (rts == 1)
		bits |= TIOCM_RTS;
	else if (rts == 0)
		bits &= ~TIOCM_RTS;
	return ioctl(fd, TIOCMSET, &bits);
}

int
tty_get_lines(int fd, int *dtr, int *rts)
{
	int bits;

	if (ioctl(fd, TIOCMGET, &bits) == -1)
		return -1;
	*dtr = (bits & TIOCM_DTR) != 0;
	*rts = (bits & TIOCM_RTS) != 0;
	return 0;
}

int
tty_is_pty(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1 || !S_ISCHR(st.st_mode))
		return 0;
	/* Unix98 pty slaves: majors 136-143. */
	return major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143;
}

int
tty_open(const char *path, uint32_t baud, char *err, size_t errlen)
{
	int fd, saved;

	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!isatty(fd)) {
		close(fd);
		snprintf(err, errlen, "%s: not a terminal", path);
		errno = ENOTTY;
		return -1;
	}
	if (tty_make_raw(fd) == -1 || (baud != 0 && tty_set_baud(fd, baud) == -1)) {
		saved = errno;
		snprintf(err, errlen, "%s: cannot configure: %s", path, strerror(errno));
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
