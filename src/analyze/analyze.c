/*
 * analyze.c — the streaming analyzer: capture records and wire bytes go
 * through the same SLIP decoder and session tracker the proxy uses, and the
 * facts a classifier needs (the last command and whether it was answered,
 * error responses, retransmissions, the boot log, noise, the port going
 * away, the MD5 the device reported against the data the host sent) are
 * kept as they go by. Pure: timestamps come from the records; memory does
 * not grow with the input (a few fixed-size marks, one held-back block).
 *
 * The session is followed as the flashing tool experienced it: host bytes
 * as the host sent them (UNCHANGED + ORIGINAL records), device bytes as the
 * host received them (UNCHANGED + DELIVERED), so an injected fault shows as
 * the tool saw it. FAULT records are collected separately: "what was
 * injected" and "what the wire shows" are reported side by side.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "analyze-int.h"
#include "esp.h"
#include "util.h"

char *
an_strdup(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

void
an_set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = an_strdup(s);
}

double
an_time_s(const struct analyzer *an, uint64_t ts)
{
	if (!an->w.have_ts || ts < an->w.first_ts)
		return -1;
	return (double)(ts - an->w.first_ts) / (double)NS_PER_SEC;
}

void
an_mark_set(struct analyzer *an, struct an_mark *m, const char *fmt, ...)
{
	va_list ap;
	const struct session_state *st = session_state(an->sess);

	m->set = 1;
	m->record = an->cur_record;
	m->line = an->cur_line;
	m->ts = an->cur_ts;
	m->op = -1;
	m->seq = -1;
	m->nth = -1;
	m->percent = st->region.num_blocks > 0 ? st->region.percent : -1;
	m->offset = st->region.num_blocks > 0 ? (int64_t)st->region.address : -1;
	m->phase = (int)st->phase;
	m->error = 0;
	m->count++;
	m->text[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(m->text, sizeof(m->text), fmt, ap);
		va_end(ap);
	}
}

static void
analyze_touch(struct analyzer *an, uint64_t ts)
{
	if (!an->w.have_ts) {
		an->w.have_ts = 1;
		an->w.first_ts = ts;
		an->phase_since = ts;
	}
	if (ts > an->w.last_ts)
		an->w.last_ts = ts;
	an->cur_ts = ts;
}

/* ---- packets ------------------------------------------------------- */

static uint32_t
an_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void
analyze_host_packet(struct analyzer *an, const struct esp_packet *p)
{
	struct esp_data_header dh;

	if (p->dir != ESP_DIR_COMMAND)
		return;
	switch (p->op) {
	case ESP_OP_FLASH_BEGIN:
	case ESP_OP_FLASH_DEFL_BEGIN:
		if (p->data_len >= 16 && an_le32(p->data) > 0)
			analyze_md5_reset(an, an_le32(p->data + 12), p->op == ESP_OP_FLASH_DEFL_BEGIN);
		break;
	case ESP_OP_FLASH_DATA:
	case ESP_OP_FLASH_DEFL_DATA:
		if (esp_data_header_parse(p, &dh) != 0)
			break;
		if (an->pend_op == p->op && an->pend_seq == (int64_t)dh.seq) {
			an->pend_seq_count++;
			break;	/* a retry: the data is already counted */
		}
		if (an->pend_op == p->op && an->pend_seq >= 0 && dh.seq != an->pend_seq + 1)
			an->md5_valid = 0;
		an->pend_seq_count = 1;
		analyze_md5_data(an, dh.payload, dh.payload_len < dh.size ? dh.payload_len : dh.size);
		break;
	case ESP_OP_FLASH_END:
	case ESP_OP_FLASH_DEFL_END:
		an->w.end_reboot = p->data_len >= 4 && an_le32(p->data) == 0;
		break;
	case ESP_OP_SPI_FLASH_MD5:
		if (p->data_len >= 8) {
			uint8_t d[16];

			an->w.md5_checked = 0;
			if (analyze_md5_expect(an, an_le32(p->data), an_le32(p->data + 4), d) == 0) {
				memcpy(an->w.md5_want, d, 16);
				an->w.md5_checked = 2;	/* expectation ready */
			}
		}
		break;
	default:
		break;
	}
	if (esp_op_has_data_header(p->op) && esp_data_header_parse(p, &dh) == 0) {
		an->pend_op = p->op;
		an->pend_seq = dh.seq;
	} else {
		an->pend_op = p->op;
		an->pend_seq = -1;
	}
	an->pend_record = an->cur_record;
}

static void
analyze_md5_reply(struct analyzer *an, const struct esp_packet *p)
{
	uint8_t got[16], want[16];
	size_t i;
	int ok = 0;

	if (an->w.md5_checked != 2)
		return;
	memcpy(want, an->w.md5_want, 16);
	if (p->data_len >= 32 + 2) {
		/* ROM: 32 hex digits */
		ok = 1;
		for (i = 0; i < 16; i++) {
			int hi = hex_digit(p->data[2 * i]), lo = hex_digit(p->data[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				ok = 0;
				break;
			}
			got[i] = (uint8_t)(hi << 4 | lo);
		}
	}
	if (!ok && p->data_len >= 16 + 2) {
		memcpy(got, p->data, 16);
		ok = 1;
	}
	if (!ok) {
		an->w.md5_checked = 0;
		return;
	}
	if (memcmp(got, want, 16) == 0) {
		an->w.md5_checked = 1;
	} else {
		char g[33], w[33];

		for (i = 0; i < 16; i++) {
			snprintf(g + 2 * i, 3, "%02x", got[i]);
			snprintf(w + 2 * i, 3, "%02x", want[i]);
		}
		an->w.md5_checked = -1;
		an_mark_set(an, &an->w.md5_bad,
		    "SPI_FLASH_MD5 reply %s, but the data the host sent hashes to %s", g, w);
		an->w.md5_bad.op = ESP_OP_SPI_FLASH_MD5;
	}
}

static void
analyze_device_packet(struct analyzer *an, const struct esp_packet *p)
{
	an->w.d2h_packets++;
	if (p->dir == ESP_DIR_RESPONSE && p->op == ESP_OP_SPI_FLASH_MD5)
		analyze_md5_reply(an, p);
	if (an->w.baud_cmd.set)
		an->w.packets_after_baud++;
}

/* ---- session events --------------------------------------------------- */

static void
analyze_phase(struct analyzer *an, enum session_phase ph, uint64_t ts)
{
	if (an->w.have_ts && ts >= an->phase_since && (int)an->phase < ANALYZE_PHASES)
		an->sum.phase_s[an->phase] += (double)(ts - an->phase_since) / (double)NS_PER_SEC;
	an->phase = ph;
	an->phase_since = ts;
}

static void
analyze_region_begin(struct analyzer *an, const struct session_region *r)
{
	struct analysis_region *ar;

	if (an->sum.nregions == (int)(sizeof(an->sum.regions) / sizeof(an->sum.regions[0])))
		return;
	ar = &an->sum.regions[an->sum.nregions++];
	ar->offset = r->offset;
	ar->size = r->erase_size;
	ar->compressed = r->compressed;
	ar->blocks = r->num_blocks;
	if (r->erase_size > an->sum.image_size)
		an->sum.image_size = r->erase_size;
	an->sum.compressed = r->compressed;
}

static void
analyze_curve(struct analyzer *an, int percent, uint64_t ts)
{
	if (an->ncurve == AN_PROGRESS_MAX) {
		int i;

		/* halve the resolution: keep every other point */
		for (i = 0; i < AN_PROGRESS_MAX / 2; i++)
			an->curve[i] = an->curve[2 * i + 1];
		an->ncurve = AN_PROGRESS_MAX / 2;
	}
	if (an->ncurve > 0 && an->curve[an->ncurve - 1].percent == percent)
		return;
	an->curve[an->ncurve].t = an_time_s(an, ts);
	an->curve[an->ncurve].percent = percent;
	an->ncurve++;
}

static void
analyze_anomaly(struct analyzer *an, const struct session_event *ev)
{
	switch (ev->anomaly) {
	case SESSION_AN_ERROR_STATUS:
		if (!an->w.err_resp.set) {
			an_mark_set(an, &an->w.err_resp, "%s", ev->text ? ev->text : "");
			an->w.err_resp.op = ev->op;
			an->w.err_resp.error = ev->error;
			an->w.err_resp.seq = an->pend_op == ev->op ? an->pend_seq : -1;
		}
		an_mark_set(an, &an->w.last_err_resp, "%s", ev->text ? ev->text : "");
		an->w.last_err_resp.op = ev->op;
		an->w.last_err_resp.error = ev->error;
		an->w.last_err_resp.seq = an->pend_op == ev->op ? an->pend_seq : -1;
		an->w.err_resps++;
		break;
	case SESSION_AN_RETRANSMIT:
		an->w.retransmits++;
		an->sum.retries++;
		break;
	case SESSION_AN_MISSING_REPLY:
	case SESSION_AN_TIMEOUT:
		an_mark_set(an, &an->w.missing, "%s", ev->text ? ev->text : "");
		an->w.missing.op = ev->op;
		an->w.missing_count++;
		break;
	case SESSION_AN_GARBAGE:
		if (ev->dir == LINK_D2H && !an->w.garbage.set &&
		    ev->phase != SESSION_PHASE_DONE) {
			an_mark_set(an, &an->w.garbage, "%s", ev->text ? ev->text : "");
		}
		break;
	default:
		break;
	}
}

static void
analyze_session_cb(const struct session_event *ev, void *arg)
{
	struct analyzer *an = arg;
	const struct session_state *st = session_state(an->sess);

	switch (ev->type) {
	case SESSION_EV_PHASE:
		analyze_phase(an, ev->phase, ev->ts);
		break;
	case SESSION_EV_CHIP:
		if (ev->chip != NULL && an->sum.chip == NULL)
			an->sum.chip = xstrdup(ev->chip);
		break;
	case SESSION_EV_BAUD:
		if (an->sum.nbauds < (int)(sizeof(an->sum.bauds) / sizeof(an->sum.bauds[0])))
			an->sum.bauds[an->sum.nbauds++] = ev->baud;
		break;
	case SESSION_EV_REGION_BEGIN:
		analyze_region_begin(an, ev->region);
		break;
	case SESSION_EV_PROGRESS:
		an_mark_set(an, &an->w.progress, "%s", ev->text ? ev->text : "");
		an->w.progress.seq = ev->seq;
		an->w.progress.percent = ev->percent;
		an->w.progress.offset = ev->address;
		if (an->w.last_cmd.set && an->w.last_cmd.seq == (int64_t)ev->seq &&
		    esp_op_has_data_header((uint8_t)an->w.last_cmd.op)) {
			/* the block's own line (the command event came first) */
			an->w.last_cmd.percent = ev->percent;
			an->w.last_cmd.offset = ev->address;
		}
		if (ev->percent > an->w.max_percent)
			an->w.max_percent = ev->percent;
		analyze_curve(an, ev->percent, ev->ts);
		break;
	case SESSION_EV_REGION_END:
		if (an->sum.nregions > 0) {
			an->sum.regions[an->sum.nregions - 1].complete = 1;
			an->sum.regions[an->sum.nregions - 1].blocks_acked = ev->region->blocks_acked;
		}
		break;
	case SESSION_EV_COMMAND:
		if (an->w.last_cmd.set && !an->w.last_cmd_answered && an->w.last_cmd.op != ESP_OP_SYNC &&
		    ev->ts >= an->w.last_cmd.ts + NS_PER_SEC / 2) {
			an->w.unanswered = an->w.last_cmd;
			an->w.unanswered.ts = an->w.last_cmd.ts;
		}
		if (an->w.vanish.set && ev->op != ESP_OP_SYNC)
			an->w.vanish_recovered = 1;
		an_mark_set(an, &an->w.last_cmd, "%s", ev->text ? ev->text : "");
		an->w.last_cmd.op = ev->op;
		an->w.last_cmd.nth = ++an->w.op_count[ev->op & 0xff];
		an->w.last_cmd.seq = esp_op_has_data_header(ev->op) ? (int64_t)ev->seq : -1;
		an->w.last_cmd_answered = 0;
		if (an->w.progress.set && an->w.last_cmd.seq >= 0 &&
		    an->w.progress.seq == an->w.last_cmd.seq) {
			an->w.last_cmd.percent = an->w.progress.percent;
			an->w.last_cmd.offset = an->w.progress.offset;
		}
		if (ev->op == ESP_OP_SYNC)
			an->w.sync_cmds++;
		if (an->w.md5.set && ev->op != ESP_OP_SPI_FLASH_MD5)
			an->w.cmds_after_md5++;
		break;
	case SESSION_EV_COMMAND_DONE:
		an->w.last_cmd_answered = 1;
		an_mark_set(an, &an->w.last_resp, "%s", ev->text ? ev->text : "");
		an->w.last_resp.op = ev->op;
		if (ev->op == ESP_OP_SYNC)
			an->w.sync_answered = 1;
		if (ev->status == 0) {
			if (ev->op == ESP_OP_MEM_END)
				an_mark_set(an, &an->w.mem_end, "MEM_END acked");
			else if (ev->op == ESP_OP_CHANGE_BAUDRATE) {
				an_mark_set(an, &an->w.baud_cmd, "%s", ev->text ? ev->text : "");
				an->w.packets_after_baud = 0;
			} else if (ev->op == ESP_OP_SPI_FLASH_MD5)
				an_mark_set(an, &an->w.md5, "%s", ev->text ? ev->text : "");
			else if (ev->op == ESP_OP_FLASH_END || ev->op == ESP_OP_FLASH_DEFL_END)
				an->w.flash_end_acked = 1;
		}
		if (an->w.md5.set && ev->op != ESP_OP_SPI_FLASH_MD5 && ev->status == 0)
			an->w.success_tail = 1;
		break;
	case SESSION_EV_ANOMALY:
		analyze_anomaly(an, ev);
		break;
	case SESSION_EV_STUB_START:
		an->w.ohai = 1;
		an->sum.stub = 1;
		break;
	case SESSION_EV_NOTE:
		if (ev->text != NULL && strncmp(ev->text, "boot: ", 6) == 0) {
			if (strstr(ev->text, "waiting for download") != NULL ||
			    strstr(ev->text, "DOWNLOAD") != NULL)
				an->w.boot_download = 1;
			else if (strstr(ev->text, "not download mode") != NULL)
				an->w.boot_spi = 1;
			if (!an->w.boot.set || an->w.boot_spi)
				an_mark_set(an, &an->w.boot, "%s", ev->text + 6);
			if (an->w.sync_answered) {
				/* the outside bytes were this boot log, not noise */
				if (an->w.noise.set && ev->ts <= an->w.noise.ts + NS_PER_SEC) {
					memset(&an->w.noise, 0, sizeof(an->w.noise));
					an->w.outside_after_sync = 0;
				}
				an->w.reset_seen = 1;
				if (an->w.reset_after_md5 && strstr(ev->text, "DOWNLOAD") != NULL)
					an->w.stuck_in_loader = 1;
				if ((an->w.last_cmd.op == ESP_OP_FLASH_END ||
				    an->w.last_cmd.op == ESP_OP_FLASH_DEFL_END) && an->w.end_reboot)
					an->w.last_cmd_answered = 1;	/* it rebooted as asked */
			}
		}
		break;
	}
	(void)st;
}

/* ---- SLIP ------------------------------------------------------------ */

static void
analyze_slip_cb(const struct slip_event *ev, void *arg)
{
	struct analyzer *an = arg;
	enum link_dir sd = an->cur_dir == 0 ? LINK_H2D : LINK_D2H;
	struct esp_packet p;

	switch (ev->type) {
	case SLIP_EV_FRAME:
		if (an->cur_dir == 0) {
			an->w.h2d_frames++;
			if (esp_packet_parse(ev->data, ev->len, &p) == 0) {
				analyze_host_packet(an, &p);
				if (an->packet_cb != NULL)
					an->packet_cb(0, &p, an->cur_ts, an->packet_arg);
			}
		} else {
			an->w.d2h_frames++;
			if (esp_packet_parse(ev->data, ev->len, &p) == 0 && p.dir == ESP_DIR_RESPONSE) {
				analyze_device_packet(an, &p);
				if (an->packet_cb != NULL)
					an->packet_cb(1, &p, an->cur_ts, an->packet_arg);
			}
		}
		break;
	case SLIP_EV_OUTSIDE:
		if (an->cur_dir == 1 && an->w.sync_answered && !an->w.reset_seen &&
		    session_state(an->sess)->phase != SESSION_PHASE_DONE) {
			if (!an->w.noise.set) {
				char txt[64];
				size_t i, n = ev->len < 16 ? ev->len : 16;

				for (i = 0; i < n; i++)
					snprintf(txt + 3 * i, 4, "%02x ", ev->data[i]);
				if (n > 0)
					txt[3 * n - 1] = '\0';
				else
					txt[0] = '\0';
				an_mark_set(an, &an->w.noise, "%zu byte(s) outside any frame where a "
				    "reply should start (0x%02x first): %s", ev->len,
				    ev->len ? ev->data[0] : 0, txt);
				/* the reply the tool was waiting for */
				an->w.noise.op = an->w.last_cmd.op;
				an->w.noise.seq = an->w.last_cmd.seq;
				an->w.noise.nth = an->w.last_cmd.nth;
				an->w.noise.error = ev->len ? ev->data[0] : 0;
			}
			an->w.outside_after_sync += ev->len;
		}
		break;
	case SLIP_EV_TRUNCATED:
		if (an->cur_dir == 1 && session_state(an->sess)->phase != SESSION_PHASE_DONE)
			an_mark_set(an, &an->w.truncated, "a reply cut off after %zu byte(s): the "
			    "stream ended inside the frame", ev->raw_len);
		break;
	default:
		break;
	}
	session_slip_event(an->sess, sd, ev, an->cur_ts);
}

struct analyzer *
analyzer_new(const struct analyze_opts *opts)
{
	struct analyzer *an = xcalloc(1, sizeof(*an));

	if (opts != NULL)
		an->opts = *opts;
	an->sess = session_new(ESP_DEFAULT_BAUD, analyze_session_cb, an);
	session_set_timeout(an->sess, 0);
	an->dec[0] = slip_decoder_new(0, analyze_slip_cb, an);
	an->dec[1] = slip_decoder_new(0, analyze_slip_cb, an);
	an->cur_record = -1;
	an->cur_line = -1;
	an->pend_op = -1;
	an->pend_seq = -1;
	an->t_hexdir = -1;
	an->sum.stub = -1;
	an->sum.compressed = -1;
	an->sum.duration_s = -1;
	an->w.max_percent = -1;
	return an;
}

void
analyzer_set_wire_cb(struct analyzer *an,
    void (*cb)(int dir, const uint8_t *buf, size_t len, uint64_t ts, void *arg), void *arg)
{
	an->wire_cb = cb;
	an->wire_arg = arg;
}

void
analyzer_wire(struct analyzer *an, int dir, const uint8_t *buf, size_t len, uint64_t ts)
{
	if (len == 0 || (dir != 0 && dir != 1))
		return;
	analyze_touch(an, ts);
	an->w.seen = 1;
	if (dir == 0)
		an->w.last_h2d_ts = ts;
	else
		an->w.last_d2h_ts = ts;
	if (an->wire_cb != NULL)
		an->wire_cb(dir, buf, len, ts, an->wire_arg);
	an->cur_dir = dir;
	slip_decoder_feed(an->dec[dir], buf, len);
	if (dir == 1 && !slip_decoder_in_frame(an->dec[1]))
		slip_decoder_flush(an->dec[1]);
}

/* ---- capture records ------------------------------------------------ */

/*
 * A FRAME record without escapes, while the decoder is between frames, is
 * its own decoded body: hand it over without feeding the streaming decoder
 * byte by byte (the common case, and most of the bytes of a capture). The
 * events are exactly those the decoder would give.
 */
static int
analyze_frame_fast(struct analyzer *an, int dir, const struct capture_record *r)
{
	struct slip_event ev;
	const uint8_t *p, *end, *db;
	size_t n = 0;

	if ((r->flags & CAPTURE_F_RAW_PARTIAL) || r->raw_len < 3 || r->raw[0] != SLIP_END ||
	    r->raw[r->raw_len - 1] != SLIP_END || slip_decoder_in_frame(an->dec[dir]) ||
	    r->raw_len - 2 > SLIP_MAX_FRAME ||
	    memchr(r->raw + 1, SLIP_END, r->raw_len - 2) != NULL)
		return 0;
	/* unescape; anything but DB DC / DB DD goes the slow way (BAD_ESCAPE events) */
	if (an->fast_buf == NULL)
		an->fast_buf = xmalloc(SLIP_MAX_FRAME);
	p = r->raw + 1;
	end = r->raw + r->raw_len - 1;
	while (p < end) {
		db = memchr(p, SLIP_ESC, (size_t)(end - p));
		if (db == NULL) {
			memcpy(an->fast_buf + n, p, (size_t)(end - p));
			n += (size_t)(end - p);
			break;
		}
		memcpy(an->fast_buf + n, p, (size_t)(db - p));
		n += (size_t)(db - p);
		if (db + 1 >= end || (db[1] != SLIP_ESC_END && db[1] != SLIP_ESC_ESC))
			return 0;
		an->fast_buf[n++] = db[1] == SLIP_ESC_END ? SLIP_END : SLIP_ESC;
		p = db + 2;
	}
	analyze_touch(an, r->ts_ns);
	an->w.seen = 1;
	if (dir == 0)
		an->w.last_h2d_ts = r->ts_ns;
	else
		an->w.last_d2h_ts = r->ts_ns;
	an->cur_dir = dir;
	slip_decoder_flush(an->dec[dir]);	/* outside bytes before it come first */
	memset(&ev, 0, sizeof(ev));
	ev.type = SLIP_EV_FRAME;
	ev.data = an->fast_buf;
	ev.len = n;
	ev.raw = r->raw;
	ev.raw_len = r->raw_len;
	analyze_slip_cb(&ev, an);
	return 1;
}

static void
analyze_fault(struct analyzer *an, const struct capture_record *r)
{
	struct analysis_fault *f;
	char key[64], val[512];
	size_t pos = 0;

	an->sum.faults_total++;
	if (an->sum.nfaults == (int)(sizeof(an->sum.faults) / sizeof(an->sum.faults[0])))
		return;
	f = &an->sum.faults[an->sum.nfaults++];
	f->record = r->seq;
	f->seq = -1;
	f->progress = -1;
	f->time_s = an_time_s(an, r->ts_ns);
	while (capture_kv_next(r->text, r->text_len, &pos, key, sizeof(key), val, sizeof(val))) {
		if (strcmp(key, "rule") == 0)
			an_set_str(&f->rule, val);
		else if (strcmp(key, "action") == 0)
			an_set_str(&f->action, val);
		else if (strcmp(key, "changed") == 0)
			an_set_str(&f->changed, val);
		else if (strcmp(key, "seq") == 0)
			f->seq = strtoll(val, NULL, 10);
		else if (strcmp(key, "progress") == 0)
			f->progress = (int)strtol(val, NULL, 10);
	}
}

/* The port went away: keep what the session looked like at that moment. */
static void
analyze_vanish(struct analyzer *an, const char *text)
{
	struct an_wire *w = &an->w;

	if (w->vanish.set || !w->seen)
		return;
	an_mark_set(an, &w->vanish, "%s", text);
	w->vanish_cmd = w->last_cmd;
	w->vanish_cmd_answered = w->last_cmd_answered;
	w->vanish_progress = w->progress;
	w->vanish_region = session_state(an->sess)->region;
	w->vanish_last_ts = w->last_h2d_ts > w->last_d2h_ts ? w->last_h2d_ts : w->last_d2h_ts;
}

static void
analyze_event(struct analyzer *an, const struct capture_record *r)
{
	char key[64], val[512], side[16] = "", reason[64] = "";
	size_t pos = 0;

	if (r->event == CAPTURE_EV_FAULT) {
		analyze_fault(an, r);
		return;
	}
	while (capture_kv_next(r->text, r->text_len, &pos, key, sizeof(key), val, sizeof(val))) {
		if (strcmp(key, "side") == 0)
			snprintf(side, sizeof(side), "%.15s", val);
		else if (strcmp(key, "reason") == 0)
			snprintf(reason, sizeof(reason), "%.63s", val);
		else if (r->event == CAPTURE_EV_START && strcmp(key, "scenario") == 0)
			an_set_str(&an->sum.scenario, val);
		else if (r->event == CAPTURE_EV_START && strcmp(key, "seed") == 0)
			an_set_str(&an->sum.seed, val);
		else if (r->event == CAPTURE_EV_START && strcmp(key, "tool") == 0 &&
		    strcmp(val, "sliptap") != 0)
			an_set_str(&an->sum.tool, val);
		else if (r->event == CAPTURE_EV_VERDICT && strcmp(key, "class") == 0)
			an_set_str(&an->sum.previous_verdict, val);
	}
	switch (r->event) {
	case CAPTURE_EV_HANGUP:
		{
			char t[96];

			snprintf(t, sizeof(t), "the %s port hung up (the device vanished)",
			    side[0] ? side : "serial");
			analyze_vanish(an, t);
		}
		session_harness(an->sess, SESSION_HARNESS_PORT_CLOSE, 0, r->ts_ns);
		break;
	case CAPTURE_EV_ERROR:
		{
			char t[160];

			snprintf(t, sizeof(t), "port error: %.*s", (int)(r->text_len > 120 ? 120 :
			    r->text_len), r->text);
			analyze_vanish(an, t);
		}
		break;
	case CAPTURE_EV_PORT_CLOSE:
		if (strcmp(side, "device") == 0 && !an->w.vanish.set && an->w.seen &&
		    strcmp(reason, "closed") != 0 && strcmp(reason, "end") != 0) {
			char t[96];

			snprintf(t, sizeof(t), "the device port closed (%s)", reason);
			analyze_vanish(an, t);
		} else if (strcmp(side, "host") == 0 && !an->w.client_close.set) {
			an_mark_set(an, &an->w.client_close, "the flashing tool closed the port");
			an->w.last_ts_before_close = an->w.last_h2d_ts > an->w.last_d2h_ts ?
			    an->w.last_h2d_ts : an->w.last_d2h_ts;
		}
		if (strcmp(side, "host") == 0)
			session_harness(an->sess, SESSION_HARNESS_PORT_CLOSE, 0, r->ts_ns);
		break;
	case CAPTURE_EV_PORT_OPEN:
		if (strcmp(side, "host") == 0) {
			if (an->w.port_opens++ > 0 && an->w.seen)
				an->sum.reconnects++;
			session_harness(an->sess, SESSION_HARNESS_PORT_OPEN, 0, r->ts_ns);
		}
		break;
	case CAPTURE_EV_RESET:
		if (an->w.md5.set)
			an->w.reset_after_md5 = 1;
		session_harness(an->sess, SESSION_HARNESS_RESET, 0, r->ts_ns);
		break;
	default:
		break;
	}
}

void
analyzer_record(struct analyzer *an, const struct capture_record *r)
{
	unsigned stage = r->flags & CAPTURE_STAGE_MASK;
	int dir;

	an->input = ANALYZE_IN_CAPTURE;
	an->cur_record = r->seq;
	an->sum.records++;
	if (r->type == CAPTURE_T_EVENT) {
		analyze_touch(an, r->ts_ns);
		analyze_event(an, r);
		return;
	}
	if (r->type != CAPTURE_T_FRAME && r->type != CAPTURE_T_OUTSIDE &&
	    r->type != CAPTURE_T_SLIP_ERROR && r->type != CAPTURE_T_CHUNK)
		return;
	if (r->flags & CAPTURE_F_ANNOTATION)
		return;
	if (r->dir == CAPTURE_DIR_H2D) {
		if (stage != CAPTURE_STAGE_UNCHANGED && stage != CAPTURE_STAGE_ORIGINAL)
			return;
		dir = 0;
	} else if (r->dir == CAPTURE_DIR_D2H) {
		if (stage != CAPTURE_STAGE_UNCHANGED && stage != CAPTURE_STAGE_DELIVERED)
			return;
		dir = 1;
	} else
		return;
	if ((r->flags & CAPTURE_F_STUB) && an->sum.stub < 1)
		an->sum.stub = 1;
	if (r->type == CAPTURE_T_FRAME && an->wire_cb == NULL && analyze_frame_fast(an, dir, r))
		return;
	analyzer_wire(an, dir, r->raw, r->raw_len, r->ts_ns);
}

void
analyzer_end(struct analyzer *an)
{
	int i;

	for (i = 0; i < 2; i++) {
		an->cur_dir = i;
		slip_decoder_finish(an->dec[i]);
	}
	analyze_phase(an, an->phase, an->w.last_ts);
	if (an->w.have_ts)
		an->sum.duration_s = (double)(an->w.last_ts - an->w.first_ts) / (double)NS_PER_SEC;
}

void
analyzer_free(struct analyzer *an)
{
	int i;

	if (an == NULL)
		return;
	session_free(an->sess);
	for (i = 0; i < 2; i++)
		slip_decoder_free(an->dec[i]);
	if (an->zs != NULL) {
		inflateEnd(an->zs);
		free(an->zs);
	}
	free(an->md5_last);
	free(an->fast_buf);
	free(an->t_buf);
	free(an->js_left);
	free(an->injected_class);
	an_summary_free(&an->sum);
	free(an);
}

/*
 * A second run pasted into the same log: the facts start over (the
 * verdict is about the last run), the summary keeps its identity fields.
 */
void
an_new_run(struct analyzer *an)
{
	int i;

	an_trace_reset(an);
	an->prev_error[0] = '\0';
	session_free(an->sess);
	an->sess = session_new(ESP_DEFAULT_BAUD, analyze_session_cb, an);
	session_set_timeout(an->sess, 0);
	for (i = 0; i < 2; i++) {
		slip_decoder_free(an->dec[i]);
		an->dec[i] = slip_decoder_new(0, analyze_slip_cb, an);
	}
	memset(&an->w, 0, sizeof(an->w));
	memset(&an->c, 0, sizeof(an->c));
	an->w.max_percent = -1;
	an->pend_op = -1;
	an->pend_seq = -1;
	an->md5_valid = 0;
	an->phase = SESSION_PHASE_CONNECTING;
	an->sum.nregions = 0;
	an->sum.nbauds = 0;
	an->sum.retries = 0;
	an->sum.runs = an->sum.runs ? an->sum.runs + 1 : 2;
	an->ncurve = 0;
	an->js_left_len = 0;
	an->js_in_packet = 0;
}
