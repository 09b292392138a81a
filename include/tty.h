/*
 * tty.h — plain termios access to ttys and ptys (libserialport refuses
 * ptys: it looks names up in sysfs). Raw 8N1, any baud (termios2 BOTHER on
 * Linux for non-standard rates), DTR/RTS through TIOCMSET where the driver
 * has modem lines (a pty has none: ENOTTY, reported, not fatal).
 */
#ifndef SLIPTAP_TTY_H
#define SLIPTAP_TTY_H

#include <stddef.h>
#include <stdint.h>

/*
 * Open `path` read-write, non-blocking, no controlling tty, close-on-exec,
 * raw 8N1 at `baud` (0 = leave the speed). Returns the fd, or -1 with a
 * one-line message in err naming the path (and errno set).
 */
int tty_open(const char *path, uint32_t baud, char *err, size_t errlen);
/* Put an open tty in raw 8N1 mode (no echo, no flow control, VMIN 1). 0 or -1. */
int tty_make_raw(int fd);
/* Set both speeds; non-standard rates through termios2. 0 or -1 (errno). */
int tty_set_baud(int fd, uint32_t baud);
/* The output speed in baud, or 0 when unknown. */
uint32_t tty_get_baud(int fd);
/*
 * Set DTR and RTS (each 0, 1, or -1 to leave it) in ONE TIOCMSET, so both
 * lines change at once (esptool's "unix tight" reset). 0, or -1 (errno;
 * ENOTTY on a pty, which has no modem lines).
 */
int tty_set_lines(int fd, int dtr, int rts);
/* Read DTR/RTS: 0, or -1 (errno). */
int tty_get_lines(int fd, int *dtr, int *rts);
/* Nonzero when fd is a pty slave (a /dev/pts/N device). */
int tty_is_pty(int fd);

#endif
