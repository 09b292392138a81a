/*
 * session.c — the flashing-session tracker (see session.h): commands,
 * responses, pending replies. Inputs are in session-input.c, flash regions
 * and progress in session-region.c, names and tables in session-names.c.
 *
 * Follows esptool 3.3 / 4.x / 5.x (esptool.py write_flash, loader.py) and
 * esptool-js, which drive the same loop:
 *  - before sending block `seq` esptool prints
 *    "Writing at 0x%08x... (%d %%)" % (offset + bytes_written, 100 * (seq + 1) // blocks)
 *    where bytes_written counts the *uncompressed* bytes of the blocks already
 *    sent (padded blocks for FLASH_DATA; for FLASH_DEFL_DATA what zlib's
 *    decompressobj yields for each compressed block). So FLASH_DEFL_DATA
 *    payloads are inflated here, block by block, to print the same address.
 *  - FLASH_DEFL_BEGIN's first word is the uncompressed size for the stub and
 *    that size rounded up to whole blocks for the ROM; num_blocks counts
 *    compressed blocks.
 *  - the ROM answers SYNC with value != 0 and about 8 replies; the stub
 *    answers with value 0 (esptool's sync_stub_detected).
 *  - chip detection: GET_SECURITY_INFO's chip id (ESP32-S3 and later), else
 *    READ_REG of 0x40001000 against the magic values of esptool's targets.
 *  - READ_FLASH (stub): after its ack the device sends raw data frames and
 *    the host acks each with a 4-byte running count; a 16-byte MD5 frame ends it.
 *
 * Pure: no fds, no clocks (time is passed in), no globals but const tables.
 * Memory: a fixed pending-command ring, a line buffer for boot text and, while
 * a compressed region is open, one zlib inflate state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session-int.h"
#include "slip.h"
#include "util.h"

/*
 * A ROM reply with status 01 05 (invalid message) whose op is not the
 * pending command's: the ESP32 ROM answers an op it does not know by
 * resending the previous reply's header, as many times as that went out
 * (8 after SYNC). It answers the latest pending command.
 */
static int
session_unsupported_reply(struct session *s, const struct esp_packet *p)
{
	int slen;
	uint8_t st, err;

	if (s->st.stub)
		return 0;
	slen = s->st.status_len != 0 ? s->st.status_len : (p->data_len >= 4 ? 4 : 2);
	if (p->data_len != (size_t)slen || esp_response_status(p, slen, &st, &err) != 0)
		return 0;
	return st == 1 && err == ESP_ROM_INVALID_MESSAGE;
}

const char *
session_opname(uint8_t op)
{
	const char *n = esp_op_name(op);

	return n != NULL ? n : "UNKNOWN_OP";
}

/* ---- events ---------------------------------------------------------- */

void
session_init_event(struct session *s, struct session_event *ev, enum session_event_type type,
    enum link_dir dir, uint64_t now)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->ts = now;
	ev->dir = dir;
	ev->phase = s->st.phase;
	ev->text = s->text;
}

void
session_emit(struct session *s, struct session_event *ev)
{
	ev->phase = s->st.phase;
	if (ev->type == SESSION_EV_ANOMALY)
		s->st.anomalies++;
	if (s->cb != NULL)
		s->cb(ev, s->arg);
}


void
session_text(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->text, sizeof(s->text), fmt, ap);
	va_end(ap);
}


void
session_note(struct session *s, enum link_dir dir, uint64_t now, const char *fmt, ...)
{
	struct session_event ev;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->text, sizeof(s->text), fmt, ap);
	va_end(ap);
	session_init_event(s, &ev, SESSION_EV_NOTE, dir, now);
	session_emit(s, &ev);
}

void
session_anomaly(struct session *s, enum link_dir dir, uint64_t now, enum session_anomaly kind,
    uint8_t op, uint32_t seq, const char *fmt, ...)
{
	struct session_event ev;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->text, sizeof(s->text), fmt, ap);
	va_end(ap);
	session_init_event(s, &ev, SESSION_EV_ANOMALY, dir, now);
	ev.anomaly = kind;
	ev.op = op;
	ev.seq = seq;
	session_emit(s, &ev);
}

void
session_set_phase(struct session *s, enum session_phase phase, enum link_dir dir, uint64_t now,
    const char *why)
{
	struct session_event ev;

	if (s->st.phase == phase)
		return;
	s->st.phase = phase;
	session_text(s, "phase %s (%s)", session_phase_name(phase), why);
	session_init_event(s, &ev, SESSION_EV_PHASE, dir, now);
	session_emit(s, &ev);
}

static void
session_set_chip(struct session *s, const char *chip, uint64_t now, const char *how)
{
	struct session_event ev;

	if (chip == NULL || (s->st.chip != NULL && strcmp(s->st.chip, chip) == 0))
		return;
	s->st.chip = chip;
	if (!s->st.stub)
		s->st.status_len = strcmp(chip, "ESP8266") == 0 ? 2 : 4;
	session_text(s, "chip %s (%s)", chip, how);
	session_init_event(s, &ev, SESSION_EV_CHIP, LINK_D2H, now);
	ev.chip = chip;
	session_emit(s, &ev);
}

void
session_set_baud(struct session *s, uint32_t baud, enum link_dir dir, uint64_t now,
    const char *how)
{
	struct session_event ev;

	if (baud == 0 || baud == s->st.baud)
		return;
	s->st.baud = baud;
	session_text(s, "baud %u (%s)", baud, how);
	session_init_event(s, &ev, SESSION_EV_BAUD, dir, now);
	ev.baud = baud;
	session_emit(s, &ev);
}

/* ---- life cycle ------------------------------------------------------ */

struct session *
session_new(uint32_t initial_baud, session_event_cb cb, void *arg)
{
	struct session *s;

	s = xcalloc(1, sizeof(*s));
	s->cb = cb;
	s->arg = arg;
	s->initial_baud = initial_baud;
	s->timeout = SESSION_DEFAULT_TIMEOUT;
	s->st.phase = SESSION_PHASE_CONNECTING;
	s->st.baud = initial_baud;
	return s;
}

void
session_free(struct session *s)
{
	if (s == NULL)
		return;
	if (s->zs_init)
		inflateEnd(&s->zs);
	free(s);
}

void
session_set_timeout(struct session *s, uint64_t timeout_ns)
{
	s->timeout = timeout_ns;
}

const struct session_state *
session_state(const struct session *s)
{
	return &s->st;
}

/* ---- pending commands ------------------------------------------------ */

void
session_count_pending(struct session *s)
{
	unsigned i, n = 0;

	for (i = 0; i < s->npend; i++)
		if (!s->pend[i].reported)
			n++;
	s->st.pending = n;
}

static void
session_drop_pending(struct session *s, unsigned n)
{
	if (n > s->npend)
		n = s->npend;
	memmove(s->pend, s->pend + n, (s->npend - n) * sizeof(s->pend[0]));
	s->npend -= n;
	session_count_pending(s);
}

/* Commands whose reply esptool itself does not insist on. */
static int
session_reply_optional(uint8_t op)
{
	return op == ESP_OP_SYNC || op == ESP_OP_MEM_END || op == ESP_OP_FLASH_END ||
	    op == ESP_OP_FLASH_DEFL_END || op == ESP_OP_RUN_USER_CODE;
}

void
session_report_missing(struct session *s, struct session_cmd *c, uint64_t now,
    enum session_anomaly kind, const char *why)
{
	if (c->reported)
		return;
	c->reported = 1;
	if (c->op == ESP_OP_SYNC)
		return;		/* unanswered SYNCs are how connecting works */
	if (session_reply_optional(c->op)) {
		session_note(s, LINK_D2H, now, "no reply to %s (%s)",
		    session_opname(c->op), why);
		return;
	}
	s->st.error = 1;
	if (c->has_seq)
		session_anomaly(s, LINK_D2H, now, kind, c->op, c->seq,
		    "no reply to %s seq %u (%s)", session_opname(c->op), c->seq, why);
	else
		session_anomaly(s, LINK_D2H, now, kind, c->op, 0,
		    "no reply to %s (%s)", session_opname(c->op), why);
}

/* The chip reset (or the link was reset): forget what only the running loader knew. */
void
session_chip_reset(struct session *s)
{
	s->npend = 0;
	s->st.pending = 0;
	s->st.stub = 0;
	s->st.reading = 0;
	s->mem_active = 0;
	s->mem_nseg = 0;
	s->uploaded = SESSION_STUB_NONE;
	s->st.stub_kind = SESSION_STUB_NONE;
	s->unsup_left = 0;
	s->st.status_len = s->st.chip == NULL ? 0 :
	    strcmp(s->st.chip, "ESP8266") == 0 ? 2 : 4;
	s->st.region.active = 0;
}

/* ---- commands -------------------------------------------------------- */

/* esptool's timeout_per_mb(seconds_per_mb, size), in ns, at least the base timeout. */
static uint64_t
session_timeout_for(struct session *s, uint64_t sec_per_mb, uint64_t size)
{
	uint64_t t;

	if (s->timeout == 0)
		return 0;
	t = sec_per_mb * NS_PER_SEC / 1000000 * size;
	return t > s->timeout ? t : s->timeout;
}

/* MEM_END with an entry from the ROM: the upload is a stub; which one, from its text. */
static void
session_mem_end(struct session *s, uint32_t entry, uint64_t now)
{
	unsigned i, text = 0;

	for (i = 0; i < s->mem_nseg; i++)
		if (entry >= s->mem_seg_addr[i] && entry - s->mem_seg_addr[i] < s->mem_seg_len[i])
			text = i;
	s->uploaded = s->mem_nseg == 0 ? SESSION_STUB_NONE :
	    session_stub_kind(s->mem_seg_addr[text], s->mem_seg_len[text], entry);
	session_note(s, LINK_H2D, now, "MEM_END: jump to 0x%08x (%s, %u-byte text at 0x%08x)",
	    entry, s->uploaded == SESSION_STUB_NONE ? "no upload seen" :
	    session_stub_name(s->uploaded), s->mem_nseg ? s->mem_seg_len[text] : 0,
	    s->mem_nseg ? s->mem_seg_addr[text] : 0);
}

void
session_command(struct session *s, const struct esp_packet *p, uint64_t now)
{
	struct esp_data_header h;
	struct session_cmd *c;
	struct session_event ev;
	unsigned i;
	uint8_t sum;

	s->st.commands++;
	s->st.have_last_op = 1;
	s->st.last_op = p->op;
	s->st.last_command_ts = now;

	/* esptool waits for each reply: a new command gives up the older ones. */
	for (i = 0; i < s->npend; i++)
		session_report_missing(s, &s->pend[i], now, SESSION_AN_MISSING_REPLY,
		    "superseded by the next command");
	/* Unanswered SYNCs are just connect attempts: forget them. */
	for (i = 0; i < s->npend; ) {
		if (s->pend[i].op == ESP_OP_SYNC) {
			memmove(s->pend + i, s->pend + i + 1,
			    (s->npend - i - 1) * sizeof(s->pend[0]));
			s->npend--;
		} else
			i++;
	}
	if (s->npend == SESSION_MAX_PENDING)
		session_drop_pending(s, 1);
	c = &s->pend[s->npend++];
	memset(c, 0, sizeof(*c));
	c->op = p->op;
	c->ts = now;
	c->timeout = s->timeout;
	if (p->op == ESP_OP_SYNC)
		s->sync_cmds++;

	if (esp_data_header_parse(p, &h) == 0) {
		c->has_seq = 1;
		c->seq = h.seq;
		sum = esp_checksum(h.payload, h.payload_len);
		if (p->value != sum)
			session_anomaly(s, LINK_H2D, now, SESSION_AN_BAD_CHECKSUM, p->op,
			    h.seq, "%s seq %u checksum 0x%02x, payload sums to 0x%02x",
			    session_opname(p->op), h.seq, p->value, sum);
		if (h.size != h.payload_len)
			session_anomaly(s, LINK_H2D, now, SESSION_AN_BAD_LENGTH, p->op,
			    h.seq, "%s seq %u announces %u bytes, carries %zu",
			    session_opname(p->op), h.seq, h.size, h.payload_len);
	} else if (esp_op_has_data_header(p->op))
		session_anomaly(s, LINK_H2D, now, SESSION_AN_BAD_LENGTH, p->op, 0,
		    "%s without its 16-byte data header", session_opname(p->op));

	if (c->has_seq)
		session_text(s, "-> %s seq %u (%zu bytes)", session_opname(p->op), c->seq,
		    p->data_len);
	else
		session_text(s, "-> %s (%zu bytes)", session_opname(p->op), p->data_len);
	session_init_event(s, &ev, SESSION_EV_COMMAND, LINK_H2D, now);
	ev.op = p->op;
	ev.seq = c->seq;
	session_emit(s, &ev);

	switch (p->op) {
	case ESP_OP_FLASH_BEGIN:
	case ESP_OP_FLASH_DEFL_BEGIN:
		if (p->data_len >= 4 && !s->st.stub)	/* the ROM erases before it acks */
			c->timeout = session_timeout_for(s, 30, le32(p->data));
		session_region_begin(s, p, now);
		break;
	case ESP_OP_FLASH_DATA:
	case ESP_OP_FLASH_DEFL_DATA:
	case ESP_OP_FLASH_ENCRYPT_DATA:
		if (c->has_seq)
			session_data_block(s, p, &h, c, now);
		break;
	case ESP_OP_MEM_BEGIN:
		s->mem_active = 1;
		s->mem_next_seq = 0;
		if (p->data_len >= 16) {
			session_note(s, LINK_H2D, now,
			    "RAM upload: %u bytes in %u blocks at 0x%08x", le32(p->data),
			    le32(p->data + 4), le32(p->data + 12));
			if (s->mem_nseg < SESSION_MEM_SEGS) {
				s->mem_seg_len[s->mem_nseg] = le32(p->data);
				s->mem_seg_addr[s->mem_nseg++] = le32(p->data + 12);
			}
		}
		break;
	case ESP_OP_MEM_DATA:
		if (!c->has_seq)
			break;
		if (s->mem_active && c->seq < s->mem_next_seq)
			session_anomaly(s, LINK_H2D, now, SESSION_AN_RETRANSMIT, p->op,
			    c->seq, "MEM_DATA seq %u sent again (retransmission)", c->seq);
		else
			s->mem_next_seq = c->seq + 1;
		break;
	case ESP_OP_MEM_END:
		s->mem_active = 0;
		if (p->data_len >= 8 && le32(p->data) == 0 && !s->st.stub)
			session_mem_end(s, le32(p->data + 4), now);
		else if (p->data_len >= 8)
			session_note(s, LINK_H2D, now, "MEM_END: %s 0x%08x",
			    le32(p->data) ? "no entry" : "jump to", le32(p->data + 4));
		s->mem_nseg = 0;
		break;
	case ESP_OP_READ_REG:
		if (p->data_len >= 4)
			c->arg0 = le32(p->data);
		break;
	case ESP_OP_CHANGE_BAUDRATE:
		if (p->data_len >= 4)
			c->arg0 = le32(p->data);
		break;
	case ESP_OP_SPI_FLASH_MD5:
		if (p->data_len >= 8)
			c->timeout = session_timeout_for(s, 8, le32(p->data + 4));
		session_set_phase(s, SESSION_PHASE_VERIFYING, LINK_H2D, now,
		    "SPI_FLASH_MD5");
		break;
	case ESP_OP_READ_FLASH:
	case ESP_OP_READ_FLASH_SLOW:
		if (p->data_len >= 8) {
			c->arg0 = le32(p->data);
			c->arg1 = le32(p->data + 4);
		}
		session_set_phase(s, SESSION_PHASE_VERIFYING, LINK_H2D, now,
		    session_opname(p->op));
		break;
	case ESP_OP_ERASE_FLASH:
		c->timeout = s->timeout == 0 ? 0 : 120 * NS_PER_SEC;
		break;
	case ESP_OP_ERASE_REGION:
		if (p->data_len >= 8)
			c->timeout = session_timeout_for(s, 30, le32(p->data + 4));
		break;
	case ESP_OP_FLASH_END:
	case ESP_OP_FLASH_DEFL_END:
		if (p->data_len >= 4)
			session_note(s, LINK_H2D, now, "%s: %s", session_opname(p->op),
			    le32(p->data) ? "stay in the loader" : "reboot");
		session_set_phase(s, SESSION_PHASE_DONE, LINK_H2D, now,
		    session_opname(p->op));
		break;
	default:
		break;
	}
	session_count_pending(s);
}

/* ---- responses ------------------------------------------------------- */

/* Ops whose reply carries data before the status bytes. */
static int
session_reply_has_data(uint8_t op)
{
	return op == ESP_OP_SPI_FLASH_MD5 || op == ESP_OP_GET_SECURITY_INFO ||
	    op == ESP_OP_READ_FLASH_SLOW;
}

static int
session_status_len(struct session *s, const struct esp_packet *p, uint64_t now)
{
	if (s->st.stub)
		return 2;
	if (s->st.status_len != 0)
		return s->st.status_len;
	if (!session_reply_has_data(p->op) && (p->data_len == 2 || p->data_len == 4)) {
		s->st.status_len = (int)p->data_len;
		session_note(s, LINK_D2H, now, "status is %zu bytes (%s)",
		    p->data_len, p->data_len == 4 ? "ROM of an ESP32-class chip" :
		    "ESP8266 ROM or stub");
		return s->st.status_len;
	}
	return p->data_len >= 4 ? 4 : 2;
}

/* The ROM's answer to an op it does not know: it answers the latest pending command. */
static void
session_unsupported_answer(struct session *s, const struct esp_packet *p, uint64_t now)
{
	struct session_cmd c;
	struct session_event ev;
	int found;

	/* The ROM's answer to an op it does not know: the previous reply's header, 01 05. */
	found = (int)s->npend - 1;
	s->unsup_op = p->op;
	s->unsup_left = p->op == ESP_OP_SYNC ? 7 : 0;
	session_note(s, LINK_D2H, now, "%s: unsupported by the ROM "
	    "(it resent the %s reply's header with 01 05)",
	    session_opname(s->pend[found].op), session_opname(p->op));
	c = s->pend[found];
	session_drop_pending(s, (unsigned)found + 1);
	session_init_event(s, &ev, SESSION_EV_COMMAND_DONE, LINK_D2H, now);
	ev.op = c.op;
	ev.status = 1;
	ev.error = ESP_ROM_INVALID_MESSAGE;
	ev.value = p->value;
	ev.seq = c.seq;
	ev.latency_ns = now >= c.ts ? now - c.ts : 0;
	session_emit(s, &ev);
	if (c.op != ESP_OP_GET_SECURITY_INFO && c.op != ESP_OP_SYNC) {
		s->st.error = 1;
		session_anomaly(s, LINK_D2H, now, SESSION_AN_ERROR_STATUS, c.op,
		    c.seq, "%s failed: unsupported by the ROM (01 05)",
		    session_opname(c.op));
	}
}

void
session_response(struct session *s, const struct esp_packet *p, uint64_t now)
{
	struct session_cmd c;
	struct session_event ev;
	const char *ename, *chip;
	char seqtxt[24];
	unsigned i;
	int slen, found = -1;
	uint8_t status, error;
	size_t dlen;

	s->st.responses++;
	for (i = 0; i < s->npend; i++)
		if (s->pend[i].op == p->op) {
			found = (int)i;
			break;
		}
	if (s->unsup_left > 0 && p->op == s->unsup_op && session_unsupported_reply(s, p)) {
		s->unsup_left--;	/* another copy of an "unsupported" reply */
		return;
	}
	if (found < 0 && s->npend > 0 && session_unsupported_reply(s, p)) {
		session_unsupported_answer(s, p, now);
		return;
	}
	if (found < 0) {
		if (p->op == ESP_OP_SYNC && s->sync_cmds > 0) {
			/* The ROM answers each SYNC about 8 times. */
			(void)session_status_len(s, p, now);
			return;
		}
		session_anomaly(s, LINK_D2H, now, SESSION_AN_ORPHAN_RESPONSE, p->op, 0,
		    "response to %s without a pending command", session_opname(p->op));
		return;
	}
	for (i = 0; i < (unsigned)found; i++)
		session_report_missing(s, &s->pend[i], now, SESSION_AN_MISSING_REPLY,
		    "a later command was answered");
	c = s->pend[found];
	session_drop_pending(s, (unsigned)found + 1);

	slen = session_status_len(s, p, now);
	if (esp_response_status(p, slen, &status, &error) != 0) {
		s->st.error = 1;
		session_anomaly(s, LINK_D2H, now, SESSION_AN_GARBAGE, p->op, 0,
		    "response to %s too short for a %d-byte status", session_opname(p->op),
		    slen);
		return;
	}
	ename = esp_error_name(error);
	if (c.has_seq)
		snprintf(seqtxt, sizeof(seqtxt), " seq %u", c.seq);
	else
		seqtxt[0] = '\0';
	session_text(s, "<- %s%s value 0x%08x status %u%s%s (%llu us)%s",
	    session_opname(p->op), seqtxt, p->value, status,
	    status != 0 ? " error " : "", status != 0 ? (ename != NULL ? ename : "?") : "",
	    (unsigned long long)((now - c.ts) / 1000), c.reported ? " (late)" : "");
	session_init_event(s, &ev, SESSION_EV_COMMAND_DONE, LINK_D2H, now);
	ev.op = p->op;
	ev.status = status;
	ev.error = error;
	ev.value = p->value;
	ev.seq = c.seq;
	ev.latency_ns = now >= c.ts ? now - c.ts : 0;
	session_emit(s, &ev);

	if (status != 0) {
		if (p->op == ESP_OP_GET_SECURITY_INFO && error == ESP_ROM_INVALID_MESSAGE) {
			/* esptool probes; older ROMs do not know the command. */
			session_note(s, LINK_D2H, now,
			    "GET_SECURITY_INFO unsupported (older chip)");
			return;
		}
		s->st.error = 1;
		session_text(s, "%s%s failed: status %u error 0x%02x %s", session_opname(p->op),
		    seqtxt, status, error, ename != NULL ? ename : "(unknown)");
		session_init_event(s, &ev, SESSION_EV_ANOMALY, LINK_D2H, now);
		ev.anomaly = SESSION_AN_ERROR_STATUS;
		ev.op = p->op;
		ev.seq = c.seq;
		ev.status = status;
		ev.error = error;
		ev.value = p->value;
		session_emit(s, &ev);
		if (p->op == ESP_OP_FLASH_BEGIN || p->op == ESP_OP_FLASH_DEFL_BEGIN)
			s->st.region.active = 0;
		return;
	}

	dlen = p->data_len < p->len ? p->data_len : p->len;
	switch (p->op) {
	case ESP_OP_SYNC:
		if (s->st.phase == SESSION_PHASE_CONNECTING || s->st.phase == SESSION_PHASE_DONE) {
			if (p->value == 0) {
				s->st.stub = 1;
				s->st.status_len = 2;
				session_set_phase(s, SESSION_PHASE_STUB_RUNNING, LINK_D2H,
				    now, "a stub answers SYNC");
			} else
				session_set_phase(s, SESSION_PHASE_SYNCED, LINK_D2H, now,
				    "SYNC answered");
		}
		break;
	case ESP_OP_READ_REG:
		if (c.arg0 == SESSION_MAGIC_REG) {
			chip = session_chip_by_magic(p->value);
			if (chip != NULL)
				session_set_chip(s, chip, now, "magic register");
			else if (s->st.chip == NULL)
				session_note(s, LINK_D2H, now,
				    "unknown chip magic 0x%08x", p->value);
		}
		break;
	case ESP_OP_GET_SECURITY_INFO:
		if (dlen >= 20 + (size_t)slen) {
			chip = session_chip_by_id(le32(p->data + 12));
			if (chip != NULL)
				session_set_chip(s, chip, now, "security info chip id");
			else
				session_note(s, LINK_D2H, now, "unknown chip id %u",
				    le32(p->data + 12));
		} else if (dlen == 12 + (size_t)slen)
			session_set_chip(s, "ESP32-S2", now, "12-byte security info");
		break;
	case ESP_OP_CHANGE_BAUDRATE:
		session_set_baud(s, c.arg0, LINK_D2H, now, "CHANGE_BAUDRATE acked");
		break;
	case ESP_OP_FLASH_DATA:
	case ESP_OP_FLASH_DEFL_DATA:
	case ESP_OP_FLASH_ENCRYPT_DATA:
		if (c.in_region)
			session_region_acked(s, &c, now);
		break;
	case ESP_OP_READ_FLASH:
		if (s->st.stub) {
			s->st.reading = 1;
			s->st.read_offset = c.arg0;
			s->st.read_length = c.arg1;
			s->st.read_bytes = 0;
			s->st.read_blocks = 0;
			s->st.read_acks = 0;
			session_note(s, LINK_D2H, now, "READ_FLASH 0x%08x, %u bytes",
			    c.arg0, c.arg1);
		}
		break;
	default:
		break;
	}
}
