/*
 * cmd-dump.c — `sliptap dump`: print a sliptap capture one record per line
 * (or one JSON object per line), decoding frames with the core SLIP decoder
 * and ESP packet model; `--synth FILE` writes a small synthetic capture of
 * an ESP32 flash session with a fault, for trying the tools without a board.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "cmd.h"
#include "esp.h"
#include "slip.h"
#include "util.h"

/* One decoded field: key and value, the value a JSON number or a string. */
struct dump_field {
	const char	*key;
	char		 val[80];
	int		 num;
};

struct dump_fields {
	struct dump_field f[24];
	int		  n;
};

struct dump_decode {
	uint8_t		 body[SLIP_MAX_FRAME];
	size_t		 len;
	int		 got;		/* 0 none, 1 frame, 2 truncated frame */
};

struct dump_state {
	int		 json;
	int		 raw;
	uint64_t	 t0;
	int		 have_t0;
	struct slip_decoder *dec;
	struct dump_decode dd;
	uint64_t	 by_type[8];
	uint64_t	 original, delivered, injected, bad;
};

static void dump_field_add(struct dump_fields *, const char *, int, const char *, ...)
    __attribute__((format(printf, 4, 5)));

static void
dump_field_add(struct dump_fields *fl, const char *key, int num, const char *fmt, ...)
{
	va_list ap;

	if (fl->n >= (int)nitems(fl->f))
		return;
	fl->f[fl->n].key = key;
	fl->f[fl->n].num = num;
	va_start(ap, fmt);
	vsnprintf(fl->f[fl->n].val, sizeof(fl->f[fl->n].val), fmt, ap);
	va_end(ap);
	fl->n++;
}

static void
dump_json_string(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		switch (p[i]) {
		case '"':  fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		default:
			/* Control bytes and non-ASCII (not necessarily UTF-8) as \u00XX. */
			if (p[i] < 0x20 || p[i] >= 0x7f)
				printf("\\u%04x", p[i]);
			else
				putchar(p[i]);
		}
	}
	putchar('"');
}

static void
dump_hex(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
}

/* Printable text, with non-printable bytes as \xHH (for OUTSIDE and text). */
static void
dump_text(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n')
			fputs("\\n", stdout);
		else if (p[i] == '\r')
			fputs("\\r", stdout);
		else if (p[i] == '\\')
			fputs("\\\\", stdout);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			printf("\\x%02x", p[i]);
		else
			putchar(p[i]);
	}
}

static void
dump_slip_cb(const struct slip_event *ev, void *arg)
{
	struct dump_decode *dd = arg;
	size_t n;

	if (dd->got == 1 || (ev->type != SLIP_EV_FRAME && ev->type != SLIP_EV_TRUNCATED))
		return;
	n = ev->len < sizeof(dd->body) ? ev->len : sizeof(dd->body);
	memcpy(dd->body, ev->data, n);
	dd->len = n;
	dd->got = ev->type == SLIP_EV_FRAME ? 1 : 2;
}

/* Response status field length: the recorder's flags, else a guess from the bytes. */
static int
dump_status_len(const struct capture_record *rec, const struct esp_packet *p)
{
	size_t n = p->data_len < p->len ? p->data_len : p->len;

	if (rec->flags & CAPTURE_F_STATUS2)
		return 2;
	if (rec->flags & CAPTURE_F_STATUS4)
		return 4;
	if (rec->flags & CAPTURE_F_STUB)
		return 2;
	if (n == 2 || n < 4)
		return 2;
	if (n == 4)
		return 4;
	/* ESP32+ ROM: status, error, 0, 0; the stub ends with status, error. */
	if (p->data[n - 2] == 0 && p->data[n - 1] == 0 && p->data[n - 4] <= 1)
		return 4;
	return 2;
}

static void
dump_decode_frame(struct dump_state *st, const struct capture_record *rec,
    struct dump_fields *fl)
{
	struct esp_packet p;
	struct esp_data_header dh;
	const char *name;
	uint8_t status, error;
	size_t n;
	int rc, i;

	st->dd.got = 0;
	st->dd.len = 0;
	slip_decoder_feed(st->dec, rec->raw, rec->raw_len);
	slip_decoder_finish(st->dec);
	if (st->dd.got == 0) {
		dump_field_add(fl, "kind", 0, "undecodable");
		return;
	}
	if (st->dd.got == 2)
		dump_field_add(fl, "slip", 0, "truncated");
	rc = esp_packet_parse(st->dd.body, st->dd.len, &p);
	if (rc == ESP_ERR_SHORT || rc == ESP_ERR_DIR) {
		/* Not a bootloader packet: the stub's "OHAI" greeting, noise. */
		dump_field_add(fl, "kind", 0, "data");
		for (i = 0; i < (int)st->dd.len; i++)
			if (st->dd.body[i] < 0x20 || st->dd.body[i] >= 0x7f)
				break;
		if (i == (int)st->dd.len && st->dd.len > 0 && st->dd.len < 64)
			dump_field_add(fl, "text", 0, "%.*s", (int)st->dd.len, st->dd.body);
		else if (st->dd.len > 0 && st->dd.len <= 32) {
			char hex[65];

			for (i = 0; i < (int)st->dd.len; i++)
				snprintf(hex + 2 * i, 3, "%02x", st->dd.body[i]);
			dump_field_add(fl, "hex", 0, "%s", hex);
		}
		dump_field_add(fl, "body_len", 1, "%zu", st->dd.len);
		return;
	}
	dump_field_add(fl, "kind", 0, "%s", p.dir == ESP_DIR_COMMAND ? "command" : "response");
	name = esp_op_name(p.op);
	dump_field_add(fl, "op_name", 0, "%s", name != NULL ? name : "UNKNOWN");
	dump_field_add(fl, "op", 1, "%u", p.op);
	dump_field_add(fl, "len", 1, "%u", p.len);
	if (rc != 0)
		dump_field_add(fl, "parse_error", 0, "%s", esp_parse_error(rc));
	n = p.data_len < p.len ? p.data_len : p.len;
	if (p.dir == ESP_DIR_COMMAND) {
		dump_field_add(fl, "checksum", 0, "0x%02" PRIx32, p.value);
		if (esp_data_header_parse(&p, &dh) == 0) {
			dump_field_add(fl, "seq", 1, "%" PRIu32, dh.seq);
			dump_field_add(fl, "size", 1, "%" PRIu32, dh.size);
			if (dh.payload_len >= dh.size)
				dump_field_add(fl, "checksum_ok", 0, "%s",
				    esp_checksum(dh.payload, dh.size) == (uint8_t)p.value ?
				    "yes" : "no");
		} else if ((p.op == ESP_OP_FLASH_BEGIN || p.op == ESP_OP_FLASH_DEFL_BEGIN ||
		    p.op == ESP_OP_MEM_BEGIN) && n >= 16) {
			dump_field_add(fl, "total", 1, "%" PRIu32, le32(p.data));
			dump_field_add(fl, "blocks", 1, "%" PRIu32, le32(p.data + 4));
			dump_field_add(fl, "blocksize", 1, "%" PRIu32, le32(p.data + 8));
			dump_field_add(fl, "offset", 0, "0x%" PRIx32, le32(p.data + 12));
			if (n >= 20)
				dump_field_add(fl, "encrypted", 1, "%" PRIu32, le32(p.data + 16));
		} else if (p.op == ESP_OP_CHANGE_BAUDRATE && n >= 8) {
			dump_field_add(fl, "baud", 1, "%" PRIu32, le32(p.data));
			dump_field_add(fl, "old_baud", 1, "%" PRIu32, le32(p.data + 4));
		} else if (p.op == ESP_OP_READ_REG && n >= 4) {
			dump_field_add(fl, "addr", 0, "0x%08" PRIx32, le32(p.data));
		} else if (p.op == ESP_OP_WRITE_REG && n >= 8) {
			dump_field_add(fl, "addr", 0, "0x%08" PRIx32, le32(p.data));
			dump_field_add(fl, "value", 0, "0x%08" PRIx32, le32(p.data + 4));
		} else if ((p.op == ESP_OP_SPI_FLASH_MD5 || p.op == ESP_OP_ERASE_REGION ||
		    p.op == ESP_OP_READ_FLASH) && n >= 8) {
			dump_field_add(fl, "addr", 0, "0x%" PRIx32, le32(p.data));
			dump_field_add(fl, "size", 1, "%" PRIu32, le32(p.data + 4));
		} else if ((p.op == ESP_OP_FLASH_END || p.op == ESP_OP_MEM_END ||
		    p.op == ESP_OP_FLASH_DEFL_END) && n >= 4) {
			dump_field_add(fl, "reboot", 1, "%" PRIu32, le32(p.data) == 0);
		}
	} else {
		dump_field_add(fl, "value", 0, "0x%08" PRIx32, p.value);
		if (esp_response_status(&p, dump_status_len(rec, &p), &status, &error) == 0) {
			dump_field_add(fl, "status", 1, "%u", status);
			if (status != 0) {
				/*
				 * The ROM answers status 1 + the error code; the flasher
				 * stub puts its error code (0xC0...) in the status byte
				 * and 0 after it (esptool reads both as one big-endian u16).
				 */
				if (status != 1)
					error = status;
				name = esp_error_name(error);
				dump_field_add(fl, "error", 1, "%u", error);
				dump_field_add(fl, "error_name", 0, "%s",
				    name != NULL ? name : "UNKNOWN");
			}
		}
	}
}

static void
dump_event_fields(const struct capture_record *rec, struct dump_fields *fl, int json)
{
	char key[64], value[CAPTURE_MAX_TEXT + 1];
	size_t pos = 0;
	int first = 1;

	if (!json) {
		fwrite(rec->text, 1, rec->text_len, stdout);
		return;
	}
	fputs(",\"text\":", stdout);
	dump_json_string(rec->text, rec->text_len);
	fputs(",\"fields\":{", stdout);
	while (capture_kv_next(rec->text, rec->text_len, &pos, key, sizeof(key), value,
	    sizeof(value))) {
		if (!first)
			putchar(',');
		first = 0;
		dump_json_string(key, strlen(key));
		putchar(':');
		dump_json_string(value, strlen(value));
	}
	putchar('}');
}

static void
dump_record(struct dump_state *st, const struct capture_record *rec)
{
	static const char *const arrows[] = { " -- ", "H->D", "D->H" };
	struct dump_fields fl;
	const char *tname, *ename;
	char tbuf[32], ebuf[32];
	double ms;
	int i;

	if (!st->have_t0) {
		st->t0 = rec->ts_ns;
		st->have_t0 = 1;
	}
	ms = rec->ts_ns >= st->t0 ? (double)(rec->ts_ns - st->t0) / 1e6 :
	    -(double)(st->t0 - rec->ts_ns) / 1e6;
	st->by_type[rec->type < nitems(st->by_type) ? rec->type : 0]++;
	if (rec->type != CAPTURE_T_EVENT) {
		if ((rec->flags & CAPTURE_STAGE_MASK) == CAPTURE_STAGE_ORIGINAL)
			st->original++;
		if ((rec->flags & CAPTURE_STAGE_MASK) == CAPTURE_STAGE_DELIVERED)
			st->delivered++;
		if (rec->flags & CAPTURE_F_INJECTED)
			st->injected++;
	}
	if ((tname = capture_type_name(rec->type)) == NULL) {
		snprintf(tbuf, sizeof(tbuf), "TYPE%u", rec->type);
		tname = tbuf;
	}
	fl.n = 0;
	if (rec->type == CAPTURE_T_FRAME)
		dump_decode_frame(st, rec, &fl);
	else if (rec->type == CAPTURE_T_SLIP_ERROR) {
		const char *k = capture_slip_error_name(rec->slip_error);

		dump_field_add(&fl, "error", 0, "%s", k != NULL ? k : "UNKNOWN");
		if (rec->slip_error == CAPTURE_SLIP_BAD_ESCAPE)
			dump_field_add(&fl, "bad_byte", 0, "0x%02x", rec->bad_byte);
	}

	if (st->json) {
		printf("{\"rec\":%" PRIu32 ",\"t_ms\":%.6f,\"ts_ns\":%" PRIu64 ",\"dir\":\"%s\","
		    "\"type\":\"%s\"", rec->seq, ms, rec->ts_ns,
		    capture_dir_name(rec->dir) != NULL ? capture_dir_name(rec->dir) : "unknown",
		    tname);
		if (rec->type != CAPTURE_T_EVENT)
			printf(",\"stage\":\"%s\"", capture_stage_name(rec->flags));
		printf(",\"flags\":%u", rec->flags);
		if (rec->ref != CAPTURE_REF_NONE)
			printf(",\"ref\":%" PRIu32, rec->ref);
		printf(",\"offset\":%" PRIu64, rec->offset);
		if (rec->type == CAPTURE_T_EVENT) {
			ename = capture_event_name(rec->event);
			printf(",\"event\":\"%s\",\"code\":%u", ename != NULL ? ename : "UNKNOWN",
			    rec->event);
			dump_event_fields(rec, &fl, 1);
		} else {
			if (rec->type <= CAPTURE_T_CHUNK)
				printf(",\"wire_len\":%" PRIu32, rec->wire_len);
			if (rec->type == CAPTURE_T_FRAME)
				printf(",\"decoded_len\":%" PRIu32, rec->decoded_len);
			for (i = 0; i < fl.n; i++) {
				printf(",\"%s\":", fl.f[i].key);
				if (fl.f[i].num)
					fputs(fl.f[i].val, stdout);
				else
					dump_json_string(fl.f[i].val, strlen(fl.f[i].val));
			}
			if (rec->type == CAPTURE_T_OUTSIDE) {
				fputs(",\"text\":", stdout);
				dump_json_string((const char *)rec->raw, rec->raw_len);
			}
			if (st->raw) {
				fputs(",\"raw\":\"", stdout);
				dump_hex(rec->raw, rec->raw_len);
				putchar('"');
			}
		}
		fputs("}\n", stdout);
		return;
	}

	printf("%12.3f %s %-10s", ms,
	    rec->dir < nitems(arrows) ? arrows[rec->dir] : " ?? ", tname);
	if (rec->type == CAPTURE_T_EVENT) {
		if ((ename = capture_event_name(rec->event)) == NULL) {
			snprintf(ebuf, sizeof(ebuf), "EVENT%u", rec->event);
			ename = ebuf;
		}
		printf(" %s ", ename);
		dump_event_fields(rec, &fl, 0);
	} else {
		for (i = 0; i < fl.n; i++) {
			if (strcmp(fl.f[i].key, "op_name") == 0)
				printf(" %s", fl.f[i].val);
			else if (strcmp(fl.f[i].key, "kind") == 0 &&
			    strcmp(fl.f[i].val, "command") == 0)
				continue;
			else if (strcmp(fl.f[i].key, "kind") == 0 &&
			    strcmp(fl.f[i].val, "response") == 0)
				fputs(" resp", stdout);
			else
				printf(" %s=%s", fl.f[i].key, fl.f[i].val);
		}
		if (rec->type == CAPTURE_T_OUTSIDE || rec->type == CAPTURE_T_CHUNK) {
			printf(" %" PRIu32 " bytes \"", rec->wire_len);
			dump_text(rec->raw, rec->raw_len > 160 ? 160 : rec->raw_len);
			fputs(rec->raw_len > 160 ? "\"..." : "\"", stdout);
		} else if (rec->type > CAPTURE_T_CHUNK)
			printf(" %zu bytes", rec->raw_len);
		if ((rec->flags & CAPTURE_STAGE_MASK) != CAPTURE_STAGE_UNCHANGED) {
			printf(" [%s", capture_stage_name(rec->flags));
			if (rec->ref != CAPTURE_REF_NONE)
				printf(" of #%" PRIu32, rec->ref);
			if (rec->flags & CAPTURE_F_INJECTED)
				fputs(" injected", stdout);
			putchar(']');
		}
		if (rec->flags & CAPTURE_F_RAW_PARTIAL)
			printf(" [%zu of %" PRIu32 " bytes kept]", rec->raw_len, rec->wire_len);
		if (rec->flags & CAPTURE_F_ANNOTATION)
			fputs(" [annotation]", stdout);
		if (st->raw) {
			fputs(" raw=", stdout);
			dump_hex(rec->raw, rec->raw_len);
		}
	}
	putchar('\n');
}

static void
dump_summary(struct dump_state *st, uint64_t total, const char *error)
{
	int t;

	if (st->json) {
		printf("{\"summary\":{\"records\":%" PRIu64, total);
		for (t = 1; t <= CAPTURE_T_CHUNK; t++)
			printf(",\"%s\":%" PRIu64, capture_type_name((unsigned)t), st->by_type[t]);
		printf(",\"unknown\":%" PRIu64 ",\"bad\":%" PRIu64 ",\"original\":%" PRIu64
		    ",\"delivered\":%" PRIu64 ",\"injected\":%" PRIu64,
		    st->by_type[0] + st->by_type[6] + st->by_type[7], st->bad, st->original,
		    st->delivered, st->injected);
		if (error != NULL) {
			fputs(",\"error\":", stdout);
			dump_json_string(error, strlen(error));
		}
		fputs("}}\n", stdout);
		return;
	}
	printf("# %" PRIu64 " records:", total);
	for (t = 1; t <= CAPTURE_T_CHUNK; t++)
		printf(" %" PRIu64 " %s%s", st->by_type[t], capture_type_name((unsigned)t),
		    t < CAPTURE_T_CHUNK ? "," : "");
	printf("; %" PRIu64 " original, %" PRIu64 " delivered, %" PRIu64 " injected",
	    st->original, st->delivered, st->injected);
	if (st->bad > 0)
		printf("; %" PRIu64 " bad", st->bad);
	putchar('\n');
}

/* ---- --synth -------------------------------------------------------- */

struct dump_synth {
	struct capture	*c;
	uint64_t	 ts;
	uint8_t		 body[SLIP_MAX_FRAME];
	uint8_t		 wire[SLIP_ENCODED_MAX(SLIP_MAX_FRAME)];
};

static void
dump_synth_frame(struct dump_synth *s, int dir, unsigned flags, size_t blen)
{
	size_t n = slip_encode(s->body, blen, s->wire);

	capture_write_frame(s->c, s->ts, dir, flags, s->wire, n);
}

static void
dump_synth_cmd(struct dump_synth *s, unsigned flags, uint8_t op, const uint8_t *data,
    size_t len, uint32_t chk)
{
	dump_synth_frame(s, CAPTURE_DIR_H2D, flags, esp_command_build(op, data, len, chk, s->body));
	s->ts += 150000;	/* 0.15 ms */
}

/* A response; error != 0 fails it the ROM way (01 code) or, with 2-byte status, the stub way (code 00). */
static void
dump_synth_resp(struct dump_synth *s, unsigned flags, uint8_t op, uint32_t value,
    uint8_t error, int status_len)
{
	uint8_t st[4] = { 0, 0, 0, 0 };

	if (error != 0 && status_len == 2)
		st[0] = error;
	else if (error != 0) {
		st[0] = 1;
		st[1] = error;
	}

	dump_synth_frame(s, CAPTURE_DIR_D2H, flags | (status_len == 2 ?
	    CAPTURE_F_STATUS2 : CAPTURE_F_STATUS4),
	    esp_response_build(op, value, st, (size_t)status_len, s->body));
	s->ts += 850000;
}

static void
dump_synth_words(uint8_t *out, const uint32_t *w, int n)
{
	int i;

	for (i = 0; i < n; i++)
		put_le32(out + 4 * i, w[i]);
}

/* A deterministic ESP32 session: boot log, sync, stub, 20 KiB written, one corrupt fault. */
static int
dump_synth(const char *path)
{
	static const char bootlog[] = "ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),"
	    "boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n";
	static const uint8_t noise[] = { 0xC0, 0xDB, 0x01, 0xC0 };
	struct dump_synth *s;
	struct capture_kv kv;
	uint8_t data[16 + 1024];
	char err[512];
	unsigned i, blocks = 20, stub = CAPTURE_F_STUB;
	uint32_t seq;
	int rc = 0;

	s = xcalloc(1, sizeof(*s));
	if ((s->c = capture_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sliptap: %s\n", err);
		free(s);
		return 1;
	}
	s->ts = UINT64_C(1767225600) * 1000000000u;	/* 2026-01-01T00:00:00Z */
	capture_write_event(s->c, s->ts, CAPTURE_DIR_NONE, CAPTURE_EV_START,
	    "tool=sliptap version=" SLIPTAP_VERSION " format=1 mode=synth seed=1"
	    " scenario=synthetic-corrupt.ini");
	capture_write_event(s->c, s->ts += 1000, CAPTURE_DIR_NONE, CAPTURE_EV_PORT_OPEN,
	    "side=device port=synthetic baud=115200");
	capture_write_event(s->c, s->ts += 2000000, CAPTURE_DIR_H2D, CAPTURE_EV_LINES,
	    "side=device dtr=0 rts=1");
	capture_write_event(s->c, s->ts += 100000000, CAPTURE_DIR_H2D, CAPTURE_EV_LINES,
	    "side=device dtr=1 rts=0");
	capture_write_event(s->c, s->ts += 1000, CAPTURE_DIR_NONE, CAPTURE_EV_RESET,
	    "how=classic");
	capture_write_outside(s->c, s->ts += 30000000, CAPTURE_DIR_D2H, 0,
	    (const uint8_t *)bootlog, sizeof(bootlog) - 1);

	/* SYNC: 07 07 12 20 + 32 x 55 */
	memset(data, 0x55, 36);
	put_le32(data, ESP_SYNC_VALUE);
	dump_synth_cmd(s, 0, ESP_OP_SYNC, data, 36, 0);
	for (i = 0; i < 2; i++)
		dump_synth_resp(s, 0, ESP_OP_SYNC, 0, 0, 4);
	/* Chip detection: the magic register. */
	put_le32(data, 0x40001000);
	dump_synth_cmd(s, 0, ESP_OP_READ_REG, data, 4, 0);
	dump_synth_resp(s, 0, ESP_OP_READ_REG, 0x00f01d83, 0, 4);
	capture_write_event(s->c, s->ts, CAPTURE_DIR_NONE, CAPTURE_EV_SESSION,
	    "chip=ESP32 phase=detect");
	/* A line hit mid-frame: a bad escape in a junk frame. */
	capture_write_slip_error(s->c, s->ts, CAPTURE_DIR_D2H, 0, CAPTURE_SLIP_BAD_ESCAPE,
	    0x01, noise + 1, 2);
	capture_write_frame(s->c, s->ts += 1000, CAPTURE_DIR_D2H, 0, noise, sizeof(noise));
	/* Stub upload (one tiny block) and its greeting. */
	dump_synth_words(data, (const uint32_t[]){ 64, 1, 0x1800, 0x40080000 }, 4);
	dump_synth_cmd(s, 0, ESP_OP_MEM_BEGIN, data, 16, 0);
	dump_synth_resp(s, 0, ESP_OP_MEM_BEGIN, 0, 0, 4);
	dump_synth_words(data, (const uint32_t[]){ 64, 0, 0, 0 }, 4);
	memset(data + 16, 0xA5, 64);
	dump_synth_cmd(s, 0, ESP_OP_MEM_DATA, data, 16 + 64, esp_checksum(data + 16, 64));
	dump_synth_resp(s, 0, ESP_OP_MEM_DATA, 0, 0, 4);
	dump_synth_words(data, (const uint32_t[]){ 0, 0x40080400 }, 2);
	dump_synth_cmd(s, 0, ESP_OP_MEM_END, data, 8, 0);
	dump_synth_resp(s, 0, ESP_OP_MEM_END, 0, 0, 4);
	memcpy(s->body, "OHAI", 4);
	dump_synth_frame(s, CAPTURE_DIR_D2H, stub, 4);
	capture_write_event(s->c, s->ts, CAPTURE_DIR_NONE, CAPTURE_EV_SESSION,
	    "chip=ESP32 stub=1 phase=stub");
	/* Baud change. */
	dump_synth_words(data, (const uint32_t[]){ 921600, 115200 }, 2);
	dump_synth_cmd(s, stub, ESP_OP_CHANGE_BAUDRATE, data, 8, 0);
	dump_synth_resp(s, stub, ESP_OP_CHANGE_BAUDRATE, 0, 0, 2);
	capture_write_event(s->c, s->ts += 50000, CAPTURE_DIR_NONE, CAPTURE_EV_BAUD,
	    "side=both baud=921600 from=115200");
	dump_synth_words(data, (const uint32_t[]){ 0, 0 }, 2);
	dump_synth_cmd(s, stub, ESP_OP_SPI_ATTACH, data, 8, 0);
	dump_synth_resp(s, stub, ESP_OP_SPI_ATTACH, 0, 0, 2);
	/* FLASH_BEGIN: erase size, blocks, block size, offset, not encrypted. */
	dump_synth_words(data, (const uint32_t[]){ blocks * 1024, blocks, 1024, 0x10000, 0 }, 5);
	dump_synth_cmd(s, stub, ESP_OP_FLASH_BEGIN, data, 20, 0);
	dump_synth_resp(s, stub, ESP_OP_FLASH_BEGIN, 0, 0, 2);
	capture_write_event(s->c, s->ts, CAPTURE_DIR_NONE, CAPTURE_EV_SESSION,
	    "phase=flash offset=0x10000 size=20480 progress=0");
	for (seq = 0; seq < blocks; seq++) {
		uint8_t chk;
		size_t blen;

		put_le32(data, 1024);
		put_le32(data + 4, seq);
		put_le32(data + 8, 0);
		put_le32(data + 12, 0);
		for (i = 0; i < 1024; i++)	/* includes C0/DB bytes, so escapes show */
			data[16 + i] = (uint8_t)((i * i) / 3 + i * 7 + seq * 13);
		chk = esp_checksum(data + 16, 1024);
		if (seq != 14) {
			dump_synth_cmd(s, stub, ESP_OP_FLASH_DATA, data, sizeof(data), chk);
			dump_synth_resp(s, stub, ESP_OP_FLASH_DATA, 0, 0, 2);
		} else {
			/* The fault: record what the host sent, the fault, what the device got. */
			blen = esp_command_build(ESP_OP_FLASH_DATA, data, sizeof(data), chk, s->body);
			dump_synth_frame(s, CAPTURE_DIR_H2D, stub | CAPTURE_STAGE_ORIGINAL, blen);
			capture_kv_init(&kv);
			capture_kv_adds(&kv, "rule", "corrupt-seq14");
			capture_kv_adds(&kv, "action", "corrupt");
			capture_kv_add(&kv, "op", "FLASH_DATA");
			capture_kv_add(&kv, "seq", "%u", seq);
			capture_kv_add(&kv, "changed", "byte %u 0x%02x->0x%02x", 8 + 16 + 100,
			    s->body[8 + 16 + 100], (uint8_t)(s->body[8 + 16 + 100] ^ 0x20));
			capture_write_event(s->c, s->ts, CAPTURE_DIR_H2D, CAPTURE_EV_FAULT, kv.buf);
			s->body[8 + 16 + 100] ^= 0x20;
			dump_synth_frame(s, CAPTURE_DIR_H2D, stub | CAPTURE_STAGE_DELIVERED, blen);
			s->ts += 150000;
			dump_synth_resp(s, stub, ESP_OP_FLASH_DATA, 0,
			    ESP_STUB_BAD_DATA_CHECKSUM, 2);
			/* esptool retries the block. */
			dump_synth_cmd(s, stub, ESP_OP_FLASH_DATA, data, sizeof(data), chk);
			dump_synth_resp(s, stub, ESP_OP_FLASH_DATA, 0, 0, 2);
		}
		if ((seq + 1) % 5 == 0)
			capture_write_eventf(s->c, s->ts, CAPTURE_DIR_NONE, CAPTURE_EV_SESSION,
			    "phase=flash seq=%u progress=%u", seq, (seq + 1) * 100 / blocks);
	}
	dump_synth_words(data, (const uint32_t[]){ 1 }, 1);
	dump_synth_cmd(s, stub, ESP_OP_FLASH_END, data, 4, 0);
	dump_synth_resp(s, stub, ESP_OP_FLASH_END, 0, 0, 2);
	capture_write_event(s->c, s->ts, CAPTURE_DIR_NONE, CAPTURE_EV_NOT_TRIGGERED,
	    "rule=drop-md5 reason=\"op SPI_FLASH_MD5 never seen\"");
	capture_write_event(s->c, s->ts += 1000000, CAPTURE_DIR_NONE, CAPTURE_EV_HANGUP,
	    "side=host");
	capture_write_event(s->c, s->ts += 1000, CAPTURE_DIR_NONE, CAPTURE_EV_PORT_CLOSE,
	    "side=device port=synthetic reason=\"host closed\"");
	capture_write_eventf(s->c, s->ts += 1000, CAPTURE_DIR_NONE, CAPTURE_EV_END,
	    "records=%u reason=done", capture_next_seq(s->c) + 1);
	if (capture_close(s->c) != 0) {
		fprintf(stderr, "sliptap: %s: write failed\n", path);
		rc = 1;
	}
	free(s);
	return rc;
}

/* ---- the command ---------------------------------------------------- */

static int
cmd_dump_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "raw", no_argument, NULL, 'r' },
		{ "synth", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	struct dump_state *st;
	struct capture_reader *r;
	struct capture_record rec;
	const char *synth = NULL, *error = NULL;
	char err[1024];
	int ch, rc, status = 0;

	st = xcalloc(1, sizeof(*st));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "jr", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			st->json = 1;
			break;
		case 'r':
			st->raw = 1;
			break;
		case 'S':
			synth = optarg;
			break;
		default:
			free(st);
			return cmd_usage_error(&cmd_dump_entry);
		}
	}
	argc -= optind;
	argv += optind;
	if (synth != NULL) {
		free(st);
		if (argc != 0)
			return cmd_usage_error(&cmd_dump_entry);
		return dump_synth(synth);
	}
	if (argc != 1) {
		free(st);
		return cmd_usage_error(&cmd_dump_entry);
	}
	if ((r = capture_reader_open(argv[0], err, sizeof(err))) == NULL) {
		fprintf(stderr, "sliptap: %s\n", err);
		free(st);
		return 1;
	}
	st->dec = slip_decoder_new(0, dump_slip_cb, &st->dd);
	for (;;) {
		rc = capture_reader_next(r, &rec);
		if (rc == 0)
			break;
		if (rc == 1) {
			dump_record(st, &rec);
			continue;
		}
		/* Print the error where it happened, in stream order with the records. */
		fflush(stdout);
		fprintf(stderr, "sliptap: %s\n", capture_reader_error(r));
		status = 1;
		if (rc == CAPTURE_ERR_TRUNCATED || rc == CAPTURE_ERR_IO ||
		    rc == CAPTURE_ERR_VERSION) {
			error = capture_reader_error(r);
			break;
		}
		st->bad++;
		error = "bad records";
	}
	dump_summary(st, capture_reader_count(r), error);
	slip_decoder_free(st->dec);
	capture_reader_close(r);
	free(st);
	return status;
}

const struct cmd_entry cmd_dump_entry = {
	"dump", "[--json] [--raw] FILE | --synth FILE",
	"print a sliptap capture one record per line",
	"Prints every record of a capture written by `sliptap proxy` (or `sim`):\n"
	"time in ms since the first record, direction (H->D host to device,\n"
	"D->H device to host, -- harness), record type and, for frames, the\n"
	"decoded ESP packet: op name, seq and size of *_DATA, FLASH_BEGIN fields,\n"
	"status and error name of responses. Faulted traffic shows as [original]\n"
	"(what the sender sent) and [delivered of #N] (what the peer received).\n"
	"Ends with a summary line.\n"
	"\n"
	"Options:\n"
	"  -j, --json       one JSON object per record, then {\"summary\":{...}}\n"
	"  -r, --raw        add the raw wire bytes in hex\n"
	"      --synth FILE write a small synthetic capture (an ESP32 flash session\n"
	"                   with one corrupted FLASH_DATA) to FILE and exit\n"
	"\n"
	"Exit status: 0, or 1 when the file cannot be read, is not a sliptap\n"
	"capture, has bad records or ends mid-record (every whole record is printed\n"
	"first, then \"capture truncated after N records\"). Format reference:\n"
	"docs/capture-format.md; Wireshark dissector: docs/sliptap.lua.\n",
	cmd_dump_exec
};
