"""A labgrid pytest suite as a lab would have it: it talks to the board's
serial bootloader through labgrid's NetworkSerialPort (RFC 2217) and knows
nothing about sliptap. tests/e2e/run-labgrid.sh points its environment at
`sliptap proxy --rfc2217` in front of the simulated board, with and without
a fault scenario: the suite runs unchanged, the faults reach it.

Run by hand: pytest --lg-env env.yaml tests/labgrid/test_bootloader.py
"""
import time

# The ESP ROM loader's SYNC command, SLIP-framed.
SYNC = bytes([0xC0, 0x00, 0x08, 0x24, 0x00, 0, 0, 0, 0, 0x07, 0x07, 0x12, 0x20]) + b"\x55" * 32 + b"\xC0"
REPLY = b"\xC0\x01\x08"


def _read_for(serial, seconds):
    got = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            got += serial.read(size=4096, timeout=0.05)
        except Exception:  # labgrid raises on a read timeout in some versions
            pass
    return got


def test_bootloader_answers_sync(target):
    """The bootloader answers SYNC within 10 attempts (esptool tries 7 x 5)."""
    serial = target.get_driver("SerialDriver")
    target.activate(serial)
    got = b""
    for _ in range(10):
        serial.write(SYNC)
        got += _read_for(serial, 0.3)
        if REPLY in got:
            break
    assert REPLY in got, "no SYNC reply after 10 attempts"
