#!/usr/bin/env python3
"""proxy_bulk.py — the two ends of the proxy bulk test.

  proxy_bulk.py device LINK NBYTES OUT
      A fake serial device on a pty of its own (LINK -> /dev/pts/N): echoes
      every byte it receives, hashes what it received, and once NBYTES went
      both ways writes "rx=N sha256=HEX" to OUT. Runs until SIGTERM.
      With NBYTES 0 it only echoes (the vanish test's fake device).
  proxy_bulk.py client PORT NBYTES OUT [SEED]
      Opens PORT raw, writes NBYTES random bytes while reading the echo
      back, and writes "tx=N sha256=HEX rx=N sha256=HEX" to OUT.
  proxy_bulk.py reopen PORT COUNT
      Opens and closes PORT COUNT times, then checks an echo round trip.

Exit status 0 on success. Used by tests/e2e/proxy-bulk.sh and friends.
"""
import hashlib
import os
import random
import select
import signal
import sys
import termios
import tty

CHUNK = 1 << 16


def raw(fd):
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[2] |= termios.CLOCAL | termios.CREAD
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


def device(link, nbytes, out):
    master, slave = os.openpty()
    raw(slave)
    name = os.ttyname(slave)
    tmp = link + ".tmp"
    try:
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    os.symlink(name, tmp)
    os.rename(tmp, link)
    os.set_blocking(master, False)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    h = hashlib.sha256()
    rx = tx = 0
    pending = bytearray()
    done = False
    print("device ready on %s" % name, flush=True)
    try:
        while True:
            want_w = [master] if pending else []
            r, w, _ = select.select([master] if len(pending) < (8 << 20) else [], want_w, [])
            if r:
                try:
                    data = os.read(master, CHUNK)
                except (BlockingIOError, InterruptedError):
                    data = None
                except OSError:
                    data = None	# EIO while no one has the slave open (we hold it: rare)
                if data:
                    if nbytes:
                        h.update(data)
                    rx += len(data)
                    pending += data
            if w and pending:
                try:
                    n = os.write(master, pending[:CHUNK])
                    del pending[:n]
                    tx += n
                except BlockingIOError:
                    pass
            if nbytes and not done and rx >= nbytes and tx >= nbytes:
                with open(out, "w") as f:
                    f.write("rx=%d sha256=%s\n" % (rx, h.hexdigest()))
                done = True
    finally:
        try:
            if os.readlink(link) == name:
                os.unlink(link)
        except OSError:
            pass


def client(port, nbytes, out, seed):
    fd = os.open(port, os.O_RDWR | os.O_NOCTTY)
    raw(fd)
    os.set_blocking(fd, False)
    rng = random.Random(seed)
    htx, hrx = hashlib.sha256(), hashlib.sha256()
    tx = rx = 0
    buf = b""
    while rx < nbytes:
        wl = [fd] if tx < nbytes else []
        r, w, _ = select.select([fd], wl, [], 30)
        if not r and not w:
            sys.exit("client: stalled at tx=%d rx=%d" % (tx, rx))
        if w:
            if not buf:
                n = min(CHUNK * 4, nbytes - tx)
                buf = rng.randbytes(n)
            try:
                n = os.write(fd, buf)
                htx.update(buf[:n])
                buf = buf[n:]
                tx += n
            except BlockingIOError:
                pass
        if r:
            try:
                data = os.read(fd, CHUNK)
            except BlockingIOError:
                data = b""
            hrx.update(data)
            rx += len(data)
    os.close(fd)
    with open(out, "w") as f:
        f.write("tx=%d sha256=%s rx=%d sha256=%s\n" % (tx, htx.hexdigest(), rx, hrx.hexdigest()))


def echo_check(fd, payload):
    os.write(fd, payload)
    got = b""
    while len(got) < len(payload):
        r, _, _ = select.select([fd], [], [], 10)
        if not r:
            return False
        got += os.read(fd, 4096)
    return got == payload


def reopen(port, count):
    for i in range(count):
        fd = os.open(port, os.O_RDWR | os.O_NOCTTY)
        os.close(fd)
    fd = os.open(port, os.O_RDWR | os.O_NOCTTY)
    raw(fd)
    ok = echo_check(fd, b"\xc0\x00\x08hello after %d reopens\xc0" % count)
    os.close(fd)
    if not ok:
        sys.exit("reopen: no echo after %d reopens" % count)


def main(argv):
    if len(argv) >= 5 and argv[1] == "device":
        device(argv[2], int(argv[3]), argv[4])
    elif len(argv) >= 5 and argv[1] == "client":
        client(argv[2], int(argv[3]), argv[4], int(argv[5]) if len(argv) > 5 else 1)
    elif len(argv) == 4 and argv[1] == "reopen":
        reopen(argv[2], int(argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
