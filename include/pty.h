/*
 * pty.h — a pseudo-terminal that stands in for a serial port: a master we
 * drive and a slave a flashing tool opens by path (or through a stable
 * symlink). Shared by `sliptap sim` and the proxy's pty endpoint.
 *
 * We keep our own slave fd open, so a client closing (and reopening) the
 * port never hangs the master up; the slave starts in raw mode. The link
 * is made atomically (symlink to a temp name, then rename) and only ever
 * replaces a symlink (never a file or anything else); it is removed by
 * pty_free(). A hang-up (pty_hangup) closes the master, so the client
 * gets EIO like a vanished USB device; pty_reopen() brings a fresh pair up
 * under the same link, like a re-enumerated one.
 */
#ifndef SLIPTAP_PTY_H
#define SLIPTAP_PTY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pty;

/*
 * A new raw pty pair; `link` (may be NULL) becomes a symlink to the slave.
 * `packet` enables TIOCPKT with EXTPROC on the slave, so every termios
 * change of the client (its baud) is reported by pty_read(). Returns NULL
 * with a message in err (naming the path and the fix) on failure.
 */
struct pty *pty_new(const char *link, int packet, char *err, size_t errlen);
/* Close both fds and remove the link (if we made it). NULL is a no-op. */
void pty_free(struct pty *p);

/* The master fd to poll (non-blocking), or -1 while hung up. */
int pty_master_fd(const struct pty *p);
/* "/dev/pts/N" of the current pair ("" while hung up). */
const char *pty_slave_path(const struct pty *p);
/* Our own slave fd (for tcflush / tcgetattr), or -1 while hung up. */
int pty_slave_fd(const struct pty *p);
/* The link path, or NULL. */
const char *pty_link_path(const struct pty *p);

/*
 * Read client bytes from the master into buf. Returns the data bytes (0
 * when a packet-mode read carried only control information; then *ctl is
 * set, e.g. to note a termios change), or -1 with errno (EAGAIN, EIO). In
 * packet mode a read returns at most len - 1 data bytes (one byte of buf
 * holds the status byte during the read).
 */
ssize_t pty_read(struct pty *p, uint8_t *buf, size_t len, int *ctl);
#define PTY_CTL_TERMIOS	0x01	/* the client changed termios (baud, mode) */
#define PTY_CTL_FLUSH	0x02	/* the client flushed its input or output */
/* Write to the client. Returns bytes written or -1 (errno; EAGAIN when full). */
ssize_t pty_write(struct pty *p, const uint8_t *buf, size_t len);

/*
 * Stop (1) or restart (0) the client's output with tcflow TCOOFF/TCOON on
 * our slave fd: a client write blocks at once, whatever it writes (a
 * non-blocking one gets EAGAIN: pySerial retries until its write timeout
 * and raises "Write timeout"). The freeze stays while the client closes
 * and reopens the port; it ends with the pair (pty_hangup(): the client
 * gets EIO), and a pair from pty_reopen() starts unfrozen. 0 or -1 (errno).
 */
int pty_freeze(struct pty *p, int on);
/* Close the master and our slave (the client sees EIO) and remove the link. 0 or -1. */
int pty_hangup(struct pty *p);
/* After a hang-up: a new pair, the same link (and packet mode). 0, or -1 with err filled. */
int pty_reopen(struct pty *p, char *err, size_t errlen);
/* The client's current baud as set through termios on the slave, or 0. */
uint32_t pty_client_baud(const struct pty *p);

#endif
