/*
 * ptyio.c — fast ends for the proxy's bulk and benchmark tests, compiled by
 * the test scripts themselves (cc -O2 -o ptyio tests/e2e/ptyio.c).
 *
 *   ptyio device LINK NBYTES    a fake serial device: a pty of its own
 *       (LINK -> /dev/pts/N), prints "ptyio device ready" on stderr, echoes
 *       every byte back, and copies the first NBYTES received to stdout
 *       (then closes stdout, so a `| sha256sum` finishes). Runs until SIGTERM.
 *   ptyio client PORT NBYTES    opens PORT raw, copies stdin to it while
 *       copying NBYTES read back from it to stdout, then exits.
 *   ptyio pair LINK_A LINK_B    two ptys, bytes copied both ways between
 *       them (a "direct" reference: what the kernel alone costs)
 *   ptyio ping PORT COUNT SIZE  COUNT round trips of a SIZE-byte SLIP frame
 *       through an echoing device; prints "p50_us=.. p99_us=.." on stdout.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define BUFSZ	(1 << 16)

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static void
make_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) == -1)
		die("tcgetattr");
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	if (tcsetattr(fd, TCSANOW, &t) == -1)
		die("tcsetattr");
}

static int
make_pty(const char *link, char *name, size_t size)
{
	char tmp[4096];
	int m, s;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m == -1 || grantpt(m) == -1 || unlockpt(m) == -1 || ptsname_r(m, name, size) != 0)
		die("pty");
	s = open(name, O_RDWR | O_NOCTTY);	/* kept open: the master never sees a hang-up */
	if (s == -1)
		die(name);
	make_raw(s);
	snprintf(tmp, sizeof(tmp), "%s.tmp", link);
	unlink(tmp);
	if (symlink(name, tmp) == -1 || rename(tmp, link) == -1)
		die(link);
	fcntl(m, F_SETFL, fcntl(m, F_GETFL) | O_NONBLOCK);
	return m;
}

static volatile sig_atomic_t quit;

static void
on_term(int sig)
{
	(void)sig;
	quit = 1;
}

/* A byte queue. */
struct q {
	unsigned char b[8 * BUFSZ];
	size_t len;
};

static void
writeall(int fd, const unsigned char *b, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, b, len);
		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			die("write");
		}
		b += n;
		len -= (size_t)n;
	}
}

static int
device(const char *link, unsigned long long nbytes)
{
	static struct q q;
	char name[128];
	struct pollfd pfd;
	unsigned long long rx = 0;
	ssize_t n;
	size_t take;
	int m, out_open = nbytes > 0;

	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	m = make_pty(link, name, sizeof(name));
	if (!out_open)
		close(1);
	fprintf(stderr, "ptyio device ready on %s\n", name);
	while (!quit) {
		pfd.fd = m;
		pfd.events = (q.len + BUFSZ <= sizeof(q.b) ? POLLIN : 0) | (q.len ? POLLOUT : 0);
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (pfd.revents & POLLIN) {
			n = read(m, q.b + q.len, BUFSZ);
			if (n > 0) {
				if (out_open) {
					take = (unsigned long long)n > nbytes - rx ? (size_t)(nbytes - rx) : (size_t)n;
					writeall(1, q.b + q.len, take);
					rx += take;
					if (rx >= nbytes) {
						close(1);
						out_open = 0;
					}
				}
				q.len += (size_t)n;
			}
		}
		if ((pfd.revents & POLLOUT) && q.len > 0) {
			n = write(m, q.b, q.len);
			if (n > 0) {
				memmove(q.b, q.b + n, q.len - (size_t)n);
				q.len -= (size_t)n;
			}
		}
	}
	unlink(link);
	return 0;
}

static int
client(const char *port, unsigned long long nbytes)
{
	static unsigned char in[BUFSZ], out[BUFSZ];
	struct pollfd pfd[2];
	unsigned long long rx = 0;
	size_t inlen = 0, inoff = 0;
	ssize_t n;
	int fd, eof = 0;

	fd = open(port, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		die(port);
	make_raw(fd);
	while (rx < nbytes) {
		pfd[0].fd = fd;
		pfd[0].events = POLLIN | (inlen > inoff ? POLLOUT : 0);
		pfd[1].fd = eof || inlen > inoff ? -1 : 0;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 30000) <= 0) {
			fprintf(stderr, "ptyio client: stalled after %llu bytes back\n", rx);
			return 1;
		}
		if (inlen == inoff && (pfd[1].revents & (POLLIN | POLLHUP))) {
			n = read(0, in, sizeof(in));
			if (n <= 0)
				eof = 1;
			else {
				inlen = (size_t)n;
				inoff = 0;
			}
		}
		if ((pfd[0].revents & POLLOUT) && inlen > inoff) {
			n = write(fd, in + inoff, inlen - inoff);
			if (n > 0)
				inoff += (size_t)n;
		}
		if (pfd[0].revents & POLLIN) {
			n = read(fd, out, sizeof(out));
			if (n > 0) {
				writeall(1, out, (size_t)n);
				rx += (unsigned long long)n;
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				fprintf(stderr, "ptyio client: read: %s\n", n == 0 ? "EOF" : strerror(errno));
				return 1;
			}
		}
	}
	close(fd);
	return 0;
}

/* Copy whatever is readable on `from` to `to` (a small queue per direction). */
static int
pair(const char *la, const char *lb)
{
	static struct q qa, qb;	/* qa: bytes from a, to b */
	char na[128], nb[128];
	struct pollfd pfd[2];
	ssize_t n;
	int a, b;

	signal(SIGTERM, on_term);
	a = make_pty(la, na, sizeof(na));
	b = make_pty(lb, nb, sizeof(nb));
	fprintf(stderr, "ptyio pair ready on %s %s\n", na, nb);
	while (!quit) {
		pfd[0].fd = a;
		pfd[0].events = (qa.len + BUFSZ <= sizeof(qa.b) ? POLLIN : 0) | (qb.len ? POLLOUT : 0);
		pfd[1].fd = b;
		pfd[1].events = (qb.len + BUFSZ <= sizeof(qb.b) ? POLLIN : 0) | (qa.len ? POLLOUT : 0);
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if ((pfd[0].revents & POLLIN) && (n = read(a, qa.b + qa.len, BUFSZ)) > 0)
			qa.len += (size_t)n;
		if ((pfd[1].revents & POLLIN) && (n = read(b, qb.b + qb.len, BUFSZ)) > 0)
			qb.len += (size_t)n;
		if (qa.len > 0 && (n = write(b, qa.b, qa.len)) > 0) {
			memmove(qa.b, qa.b + n, qa.len - (size_t)n);
			qa.len -= (size_t)n;
		}
		if (qb.len > 0 && (n = write(a, qb.b, qb.len)) > 0) {
			memmove(qb.b, qb.b + n, qb.len - (size_t)n);
			qb.len -= (size_t)n;
		}
	}
	unlink(la);
	unlink(lb);
	return 0;
}

static int
cmp_u64(const void *x, const void *y)
{
	unsigned long long a = *(const unsigned long long *)x, b = *(const unsigned long long *)y;

	return a < b ? -1 : a > b;
}

static unsigned long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static int
ping(const char *port, int count, int size)
{
	unsigned char frame[4096], back[4096];
	unsigned long long *lat, t0;
	struct pollfd pfd;
	ssize_t n;
	size_t got;
	int fd, i, j;

	if (size < 3 || size > (int)sizeof(frame))
		size = 64;
	fd = open(port, O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		die(port);
	make_raw(fd);
	if ((lat = calloc((size_t)count, sizeof(*lat))) == NULL)
		die("calloc");
	frame[0] = 0xC0;
	for (j = 1; j < size - 1; j++)
		frame[j] = (unsigned char)(j % 0xB0);
	frame[size - 1] = 0xC0;
	for (i = 0; i < count; i++) {
		t0 = now_ns();
		writeall(fd, frame, (size_t)size);
		for (got = 0; got < (size_t)size;) {
			pfd.fd = fd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, 5000) <= 0) {
				fprintf(stderr, "ptyio ping: no echo\n");
				free(lat);
				return 1;
			}
			n = read(fd, back + got, sizeof(back) - got);
			if (n > 0)
				got += (size_t)n;
		}
		lat[i] = now_ns() - t0;
	}
	qsort(lat, (size_t)count, sizeof(*lat), cmp_u64);
	printf("p50_us=%.1f p99_us=%.1f\n", lat[count / 2] / 1e3, lat[count * 99 / 100] / 1e3);
	free(lat);
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "device") == 0)
		return device(argv[2], strtoull(argv[3], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "client") == 0)
		return client(argv[2], strtoull(argv[3], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "pair") == 0)
		return pair(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "ping") == 0)
		return ping(argv[2], atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: ptyio device LINK NBYTES | client PORT NBYTES | pair A B | "
	    "ping PORT COUNT SIZE\n");
	return 2;
}
