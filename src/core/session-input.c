/*
 * session-input.c — what feeds the tracker: decoded frames (packets,
 * "OHAI", READ_FLASH data and acks), text outside frames (boot-log lines),
 * SLIP events, harness events (port open/close, resets, baud) and the
 * clock (timeouts). Pure.
 */
#include <stdio.h>
#include <string.h>

#include "session-int.h"
#include "slip.h"
#include "util.h"

/* ---- inputs ---------------------------------------------------------- */

void
session_packet(struct session *s, enum link_dir dir, const struct esp_packet *p,
    uint64_t now)
{
	if (p->dir == ESP_DIR_COMMAND && dir == LINK_H2D)
		session_command(s, p, now);
	else if (p->dir == ESP_DIR_RESPONSE && dir == LINK_D2H)
		session_response(s, p, now);
	else
		session_anomaly(s, dir, now, SESSION_AN_GARBAGE, p->op, 0,
		    "%s packet %s from the %s (echo?)",
		    p->dir == ESP_DIR_COMMAND ? "command" : "response", session_opname(p->op),
		    dir == LINK_H2D ? "host" : "device");
}

static int
session_read_flash_frame(struct session *s, enum link_dir dir, const uint8_t *body,
    size_t len, uint64_t now)
{
	struct session_state *st = &s->st;

	if (dir == LINK_H2D) {
		if (len != 4) {
			/* a new command: the host gave up on the read */
			st->reading = 0;
			session_note(s, dir, now, "READ_FLASH abandoned after %llu of %u bytes",
			    (unsigned long long)st->read_bytes, st->read_length);
			return 0;
		}
		st->read_acks++;
		return 1;
	}
	if (st->read_bytes < st->read_length) {
		st->read_bytes += len;
		st->read_blocks++;
		return 1;
	}
	if (len == 16) {
		st->reading = 0;
		session_note(s, dir, now,
		    "READ_FLASH done: %llu bytes in %u blocks, %u acks, MD5 frame received",
		    (unsigned long long)st->read_bytes, st->read_blocks, st->read_acks);
		return 1;
	}
	return 0;
}

void
session_frame(struct session *s, enum link_dir dir, const uint8_t *body, size_t len,
    uint64_t now)
{
	struct esp_packet p;
	struct session_event ev;
	int rc;

	if (s->st.reading && session_read_flash_frame(s, dir, body, len, now))
		return;
	if (dir == LINK_D2H && len == 4 && memcmp(body, "OHAI", 4) == 0) {
		s->st.stub = 1;
		s->st.status_len = 2;
		s->mem_active = 0;
		s->st.stub_kind = s->uploaded;
		if (s->uploaded != SESSION_STUB_NONE)
			session_text(s, "stub running (OHAI): %s", session_stub_name(s->uploaded));
		else
			session_text(s, "stub running (OHAI)");
		session_init_event(s, &ev, SESSION_EV_STUB_START, dir, now);
		session_emit(s, &ev);
		if (s->uploaded != SESSION_STUB_NONE)
			session_note(s, dir, now, "flasher stub: %s", session_stub_name(s->uploaded));
		session_set_phase(s, SESSION_PHASE_STUB_RUNNING, dir, now, "OHAI");
		return;
	}
	rc = esp_packet_parse(body, len, &p);
	if (rc == ESP_ERR_LENGTH) {
		/* esptool ignores the length field of responses: go on with the packet. */
		session_anomaly(s, dir, now, SESSION_AN_BAD_LENGTH, p.op, 0,
		    "%s frame of %zu bytes announces %u data bytes, carries %zu",
		    session_opname(p.op), len, p.len, p.data_len);
	} else if (rc != 0) {
		session_anomaly(s, dir, now, SESSION_AN_GARBAGE, 0, 0,
		    "%zu-byte frame from the %s is not a packet: %s", len,
		    dir == LINK_H2D ? "host" : "device", esp_parse_error(rc));
		return;
	}
	session_packet(s, dir, &p, now);
}

static void
session_line(struct session *s, uint64_t now)
{
	char *l = s->line;
	size_t n = s->line_len;

	while (n > 0 && (l[n - 1] == ' ' || l[n - 1] == '\t'))
		n--;
	l[n] = '\0';
	s->line_len = 0;
	if (n == 0)
		return;
	if (strstr(l, "rst:0x") != NULL) {
		int download = strstr(l, "DOWNLOAD") != NULL;

		if (s->st.phase != SESSION_PHASE_CONNECTING || s->st.stub) {
			/* A reset after flashing ends the session, whatever it boots into. */
			int flashed = s->st.regions_done > 0 &&
			    s->st.phase >= SESSION_PHASE_FLASHING;

			session_chip_reset(s);
			session_set_phase(s, flashed ? SESSION_PHASE_DONE :
			    SESSION_PHASE_CONNECTING, LINK_D2H, now,
			    "boot log: the chip reset");
		}
		session_note(s, LINK_D2H, now, "boot: %s%s", l, download ? "" :
		    strstr(l, "boot:") != NULL ? " (not download mode: IO0 not held low?)" : "");
	} else if (strstr(l, "waiting for download") != NULL)
		session_note(s, LINK_D2H, now, "boot: %s", l);
}

void
session_outside(struct session *s, enum link_dir dir, const uint8_t *buf, size_t len,
    uint64_t now)
{
	size_t i;

	if (dir != LINK_D2H)
		return;
	for (i = 0; i < len; i++) {
		if (buf[i] == '\n' || buf[i] == '\r') {
			session_line(s, now);
			continue;
		}
		if (buf[i] < 0x20 || buf[i] > 0x7e) {
			/* noise at a wrong baud: keep it out of the text */
			if (s->line_len > 0 && s->line[s->line_len - 1] == '?')
				continue;
			s->line[s->line_len++] = '?';
		} else
			s->line[s->line_len++] = (char)buf[i];
		if (s->line_len == sizeof(s->line) - 1)
			session_line(s, now);
	}
}

void
session_slip_event(struct session *s, enum link_dir dir, const struct slip_event *ev,
    uint64_t now)
{
	const char *who = dir == LINK_H2D ? "host" : "device";

	switch (ev->type) {
	case SLIP_EV_FRAME:
		session_frame(s, dir, ev->data, ev->len, now);
		break;
	case SLIP_EV_OUTSIDE:
		session_outside(s, dir, ev->data, ev->len, now);
		break;
	case SLIP_EV_BAD_ESCAPE:
		session_anomaly(s, dir, now, SESSION_AN_SLIP, 0, 0,
		    "invalid SLIP escape DB %02X from the %s at offset %llu", ev->bad_byte, who,
		    (unsigned long long)ev->offset);
		break;
	case SLIP_EV_OVERSIZE:
		session_anomaly(s, dir, now, SESSION_AN_SLIP, 0, 0,
		    "oversize SLIP frame from the %s at offset %llu: %zu bytes dropped", who,
		    (unsigned long long)ev->offset, ev->raw_len);
		break;
	case SLIP_EV_TRUNCATED:
		session_anomaly(s, dir, now, SESSION_AN_SLIP, 0, 0,
		    "SLIP frame from the %s at offset %llu cut short after %zu bytes", who,
		    (unsigned long long)ev->offset, ev->len);
		break;
	}
}

void
session_harness(struct session *s, enum session_harness what, uint32_t arg, uint64_t now)
{
	switch (what) {
	case SESSION_HARNESS_PORT_OPEN:
	case SESSION_HARNESS_PORT_CLOSE:
		if (s->st.pending > 0)
			session_note(s, LINK_H2D, now, "port %s with %u command(s) pending",
			    what == SESSION_HARNESS_PORT_OPEN ? "reopened" : "closed",
			    s->st.pending);
		else
			session_note(s, LINK_H2D, now, "port %s",
			    what == SESSION_HARNESS_PORT_OPEN ? "opened" : "closed");
		s->npend = 0;
		s->st.pending = 0;
		s->st.reading = 0;
		break;
	case SESSION_HARNESS_RESET:
	case SESSION_HARNESS_BOOTLOADER:
		if (s->st.region.active)
			session_note(s, LINK_H2D, now,
			    "reset while flashing (block %u of %u sent)", s->st.region.blocks_sent,
			    s->st.region.num_blocks);
		session_chip_reset(s);
		if (what == SESSION_HARNESS_RESET && s->st.regions_done > 0)
			session_set_phase(s, SESSION_PHASE_DONE, LINK_H2D, now,
			    "reset after flashing");
		else
			session_set_phase(s, SESSION_PHASE_CONNECTING, LINK_H2D, now,
			    what == SESSION_HARNESS_RESET ? "chip reset" : "reset into the bootloader");
		break;
	case SESSION_HARNESS_BAUD:
		session_set_baud(s, arg, LINK_H2D, now, "line speed changed");
		break;
	}
}

void
session_tick(struct session *s, uint64_t now)
{
	unsigned i;

	for (i = 0; i < s->npend; i++) {
		struct session_cmd *c = &s->pend[i];

		if (c->reported || c->timeout == 0 || now < c->ts || now - c->ts < c->timeout)
			continue;
		session_report_missing(s, c, now, SESSION_AN_TIMEOUT, "timed out");
	}
	session_count_pending(s);
}
