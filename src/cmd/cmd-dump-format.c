/*
 * cmd-dump-format.c — `sliptap dump`'s formatter: one capture record to one
 * line of text or one JSON object, decoding frames with the core SLIP decoder
 * and ESP packet model, and the closing summary line.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd-dump.h"
#include "esp.h"
#include "units.h"
#include "util.h"

static void cmd_dump_field_add(struct cmd_dump_fields *, const char *, int, const char *, ...)
    __attribute__((format(printf, 4, 5)));

static void
cmd_dump_field_add(struct cmd_dump_fields *fl, const char *key, int num, const char *fmt, ...)
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
cmd_dump_json_string(const char *s, size_t len)
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
cmd_dump_hex(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
}

/* Printable text, with non-printable bytes as \xHH (for OUTSIDE and text). */
static void
cmd_dump_text(const uint8_t *p, size_t len)
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

void
cmd_dump_slip_cb(const struct slip_event *ev, void *arg)
{
	struct cmd_dump_decode *dd = arg;
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
cmd_dump_status_len(const struct capture_record *rec, const struct esp_packet *p)
{
	if (rec->flags & CAPTURE_F_STATUS2)
		return 2;
	if (rec->flags & CAPTURE_F_STATUS4)
		return 4;
	if (rec->flags & CAPTURE_F_STUB)
		return 2;
	return esp_status_len_guess(p);
}

static void
cmd_dump_decode_frame(struct cmd_dump_state *st, const struct capture_record *rec,
    struct cmd_dump_fields *fl)
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
		cmd_dump_field_add(fl, "kind", 0, "undecodable");
		return;
	}
	if (st->dd.got == 2)
		cmd_dump_field_add(fl, "slip", 0, "truncated");
	rc = esp_packet_parse(st->dd.body, st->dd.len, &p);
	if (rc == ESP_ERR_SHORT || rc == ESP_ERR_DIR) {
		/* Not a bootloader packet: the stub's "OHAI" greeting, noise. */
		cmd_dump_field_add(fl, "kind", 0, "data");
		for (i = 0; i < (int)st->dd.len; i++)
			if (st->dd.body[i] < 0x20 || st->dd.body[i] >= 0x7f)
				break;
		if (i == (int)st->dd.len && st->dd.len > 0 && st->dd.len < 64)
			cmd_dump_field_add(fl, "text", 0, "%.*s", (int)st->dd.len, st->dd.body);
		else if (st->dd.len > 0 && st->dd.len <= 32) {
			char hex[65];

			for (i = 0; i < (int)st->dd.len; i++)
				snprintf(hex + 2 * i, 3, "%02x", st->dd.body[i]);
			cmd_dump_field_add(fl, "hex", 0, "%s", hex);
		}
		cmd_dump_field_add(fl, "body_len", 1, "%zu", st->dd.len);
		return;
	}
	cmd_dump_field_add(fl, "kind", 0, "%s", p.dir == ESP_DIR_COMMAND ? "command" : "response");
	name = esp_op_name(p.op);
	cmd_dump_field_add(fl, "op_name", 0, "%s", name != NULL ? name : "UNKNOWN");
	cmd_dump_field_add(fl, "op", 1, "%u", p.op);
	cmd_dump_field_add(fl, "len", 1, "%u", p.len);
	if (rc != 0)
		cmd_dump_field_add(fl, "parse_error", 0, "%s", esp_parse_error(rc));
	n = p.data_len < p.len ? p.data_len : p.len;
	if (p.dir == ESP_DIR_COMMAND) {
		cmd_dump_field_add(fl, "checksum", 0, "0x%02" PRIx32, p.value);
		if (esp_data_header_parse(&p, &dh) == 0) {
			cmd_dump_field_add(fl, "seq", 1, "%" PRIu32, dh.seq);
			cmd_dump_field_add(fl, "size", 1, "%" PRIu32, dh.size);
			if (dh.payload_len >= dh.size)
				cmd_dump_field_add(fl, "checksum_ok", 0, "%s",
				    esp_checksum(dh.payload, dh.size) == (uint8_t)p.value ?
				    "yes" : "no");
		} else if ((p.op == ESP_OP_FLASH_BEGIN || p.op == ESP_OP_FLASH_DEFL_BEGIN ||
		    p.op == ESP_OP_MEM_BEGIN) && n >= 16) {
			cmd_dump_field_add(fl, "total", 1, "%" PRIu32, le32(p.data));
			cmd_dump_field_add(fl, "blocks", 1, "%" PRIu32, le32(p.data + 4));
			cmd_dump_field_add(fl, "blocksize", 1, "%" PRIu32, le32(p.data + 8));
			cmd_dump_field_add(fl, "offset", 0, "0x%" PRIx32, le32(p.data + 12));
			if (n >= 20)
				cmd_dump_field_add(fl, "encrypted", 1, "%" PRIu32, le32(p.data + 16));
		} else if (p.op == ESP_OP_CHANGE_BAUDRATE && n >= 8) {
			cmd_dump_field_add(fl, "baud", 1, "%" PRIu32, le32(p.data));
			cmd_dump_field_add(fl, "old_baud", 1, "%" PRIu32, le32(p.data + 4));
		} else if (p.op == ESP_OP_READ_REG && n >= 4) {
			cmd_dump_field_add(fl, "addr", 0, "0x%08" PRIx32, le32(p.data));
		} else if (p.op == ESP_OP_WRITE_REG && n >= 8) {
			cmd_dump_field_add(fl, "addr", 0, "0x%08" PRIx32, le32(p.data));
			cmd_dump_field_add(fl, "value", 0, "0x%08" PRIx32, le32(p.data + 4));
		} else if ((p.op == ESP_OP_SPI_FLASH_MD5 || p.op == ESP_OP_ERASE_REGION ||
		    p.op == ESP_OP_READ_FLASH) && n >= 8) {
			cmd_dump_field_add(fl, "addr", 0, "0x%" PRIx32, le32(p.data));
			cmd_dump_field_add(fl, "size", 1, "%" PRIu32, le32(p.data + 4));
		} else if ((p.op == ESP_OP_FLASH_END || p.op == ESP_OP_MEM_END ||
		    p.op == ESP_OP_FLASH_DEFL_END) && n >= 4) {
			cmd_dump_field_add(fl, "reboot", 1, "%" PRIu32, le32(p.data) == 0);
		}
	} else {
		cmd_dump_field_add(fl, "value", 0, "0x%08" PRIx32, p.value);
		if (esp_response_status(&p, cmd_dump_status_len(rec, &p), &status, &error) == 0) {
			cmd_dump_field_add(fl, "status", 1, "%u", status);
			if (status != 0) {
				/*
				 * esp_response_status gives a stub's <code, 0> as status 1
				 * and the code, like the ROM's <1, code>; a status without
				 * a code (error 0) has no name.
				 */
				name = esp_error_name(error);
				cmd_dump_field_add(fl, "error", 1, "%u", error);
				if (error != 0)
					cmd_dump_field_add(fl, "error_name", 0, "%s",
					    name != NULL ? name : "UNKNOWN");
			}
		}
	}
}

static void
cmd_dump_event_fields(const struct capture_record *rec, struct cmd_dump_fields *fl, int json)
{
	char key[64], value[CAPTURE_MAX_TEXT + 1];
	size_t pos = 0;
	int first = 1;

	if (!json) {
		fwrite(rec->text, 1, rec->text_len, stdout);
		return;
	}
	fputs(",\"text\":", stdout);
	cmd_dump_json_string(rec->text, rec->text_len);
	fputs(",\"fields\":{", stdout);
	while (capture_kv_next(rec->text, rec->text_len, &pos, key, sizeof(key), value,
	    sizeof(value))) {
		if (!first)
			putchar(',');
		first = 0;
		cmd_dump_json_string(key, strlen(key));
		putchar(':');
		cmd_dump_json_string(value, strlen(value));
	}
	putchar('}');
}

void
cmd_dump_record(struct cmd_dump_state *st, const struct capture_record *rec)
{
	static const char *const arrows[] = { " -- ", "H->D", "D->H" };
	struct cmd_dump_fields fl;
	const char *tname, *ename;
	char tbuf[32], ebuf[32];
	double ms;
	int i;

	if (!st->have_t0) {
		st->t0 = rec->ts_ns;
		st->have_t0 = 1;
	}
	ms = rec->ts_ns >= st->t0 ? (double)(rec->ts_ns - st->t0) / NS_PER_MS :
	    -(double)(st->t0 - rec->ts_ns) / NS_PER_MS;
	st->by_type[rec->type < nitems(st->by_type) ? rec->type : 0]++;
	if (rec->type != CAPTURE_T_EVENT) {
		if ((rec->flags & CAPTURE_STAGE_MASK) == CAPTURE_STAGE_ORIGINAL)
			st->original++;
		if ((rec->flags & CAPTURE_STAGE_MASK) == CAPTURE_STAGE_DELIVERED)
			st->delivered++;
		if (rec->flags & CAPTURE_F_INJECTED)
			st->injected++;
	}
	if (st->hide)
		return;
	if ((tname = capture_type_name(rec->type)) == NULL) {
		snprintf(tbuf, sizeof(tbuf), "TYPE%u", rec->type);
		tname = tbuf;
	}
	fl.n = 0;
	if (rec->type == CAPTURE_T_FRAME)
		cmd_dump_decode_frame(st, rec, &fl);
	else if (rec->type == CAPTURE_T_SLIP_ERROR) {
		const char *k = capture_slip_error_name(rec->slip_error);

		cmd_dump_field_add(&fl, "error", 0, "%s", k != NULL ? k : "UNKNOWN");
		if (rec->slip_error == CAPTURE_SLIP_BAD_ESCAPE)
			cmd_dump_field_add(&fl, "bad_byte", 0, "0x%02x", rec->bad_byte);
	}

	if (st->json) {
		printf("{\"rec\":%" PRIu32 ",\"frame\":%" PRIu64 ",\"t_ms\":%.6f,\"ts_ns\":%" PRIu64
		    ",\"dir\":\"%s\",\"type\":\"%s\"", rec->seq, st->frame, ms, rec->ts_ns,
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
			cmd_dump_event_fields(rec, &fl, 1);
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
					cmd_dump_json_string(fl.f[i].val, strlen(fl.f[i].val));
			}
			if (rec->type == CAPTURE_T_OUTSIDE) {
				fputs(",\"text\":", stdout);
				cmd_dump_json_string((const char *)rec->raw, rec->raw_len);
			}
			if (st->raw) {
				fputs(",\"raw\":\"", stdout);
				cmd_dump_hex(rec->raw, rec->raw_len);
				putchar('"');
			}
		}
		fputs("}\n", stdout);
		return;
	}

	printf("%6" PRIu64 " %12.3f %s %-10s", st->frame, ms,
	    rec->dir < nitems(arrows) ? arrows[rec->dir] : " ?? ", tname);
	if (rec->type == CAPTURE_T_EVENT) {
		if ((ename = capture_event_name(rec->event)) == NULL) {
			snprintf(ebuf, sizeof(ebuf), "EVENT%u", rec->event);
			ename = ebuf;
		}
		printf(" %s ", ename);
		cmd_dump_event_fields(rec, &fl, 0);
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
			cmd_dump_text(rec->raw, rec->raw_len > 160 ? 160 : rec->raw_len);
			fputs(rec->raw_len > 160 ? "\"..." : "\"", stdout);
		} else if (rec->type > CAPTURE_T_CHUNK)
			printf(" %zu bytes", rec->raw_len);
		if ((rec->flags & CAPTURE_STAGE_MASK) != CAPTURE_STAGE_UNCHANGED) {
			printf(" [%s", capture_stage_name(rec->flags));
			if (rec->ref != CAPTURE_REF_NONE)	/* its frame number */
				printf(" of #%" PRIu64, (uint64_t)rec->ref + 1);
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
			cmd_dump_hex(rec->raw, rec->raw_len);
		}
	}
	putchar('\n');
}

void
cmd_dump_summary(struct cmd_dump_state *st, uint64_t total, const char *error)
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
			cmd_dump_json_string(error, strlen(error));
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
