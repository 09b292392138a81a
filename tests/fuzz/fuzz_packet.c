/*
 * fuzz_packet.c — libFuzzer target for the ESP packet model and the session
 * tracker.
 *
 * Input: a sequence of records `u8 flags, u16 len, bytes[len]`; bit 0 of
 * flags is the direction (host/device), bit 1 makes it outside text, bit 2 a
 * harness event, bit 3 a tick; the timestamp advances by flags >> 4 ms. Each
 * frame also goes through esp_packet_parse, esp_data_header_parse and
 * esp_response_status, whose outputs must stay inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "session.h"

static void
fz_event(const struct session_event *ev, void *arg)
{
	size_t *n = arg;

	if (ev->text == NULL || strlen(ev->text) >= 320)
		abort();
	(*n)++;
}

static void
fz_packet(const uint8_t *buf, size_t len)
{
	struct esp_packet p;
	struct esp_data_header h;
	uint8_t st, er;
	int rc;

	rc = esp_packet_parse(buf, len, &p);
	if (rc != 0 && rc != ESP_ERR_SHORT && rc != ESP_ERR_DIR && rc != ESP_ERR_LENGTH)
		abort();
	if (esp_parse_error(rc) == NULL)
		abort();
	if (p.data != NULL && (p.data < buf || p.data + p.data_len > buf + len))
		abort();
	if (rc == 0 && p.data_len != p.len)
		abort();
	if (esp_data_header_parse(&p, &h) == 0) {
		if (h.payload < buf || h.payload + h.payload_len > buf + len)
			abort();
		(void)esp_checksum(h.payload, h.payload_len);
	}
	if (esp_response_status(&p, 2, &st, &er) == 0 && p.data_len < 2)
		abort();
	if (esp_response_status(&p, 4, &st, &er) == 0 && p.data_len < 4)
		abort();
	(void)esp_op_name(p.op);
	(void)esp_error_name(er);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session *s;
	const struct session_state *st;
	size_t off = 0, len, events = 0;
	uint64_t now = 1000000000ULL;
	uint8_t flags;
	enum link_dir dir;
	char line[64];

	s = session_new(115200, fz_event, &events);
	if (size > 0 && (data[0] & 1))
		session_set_timeout(s, 50000000ULL);
	while (off + 3 <= size) {
		flags = data[off];
		len = (size_t)(data[off + 1] | data[off + 2] << 8);
		off += 3;
		if (len > size - off)
			len = size - off;
		now += (uint64_t)(flags >> 4) * 1000000ULL;
		dir = (flags & 1) ? LINK_D2H : LINK_H2D;
		if (flags & 4)
			session_harness(s, (enum session_harness)(len % 5), (uint32_t)len * 100, now);
		else if (flags & 2)
			session_outside(s, dir, data + off, len, now);
		else {
			/* a private copy so ASan sees reads past the frame */
			uint8_t *copy = malloc(len ? len : 1);

			memcpy(copy, data + off, len);
			fz_packet(copy, len);
			session_frame(s, dir, copy, len, now);
			free(copy);
		}
		if (flags & 8)
			session_tick(s, now);
		off += len;
		st = session_state(s);
		if (st->phase > SESSION_PHASE_DONE || (st->status_len != 0 &&
		    st->status_len != 2 && st->status_len != 4))
			abort();
		if (session_progress_line(s, line, sizeof(line)) >= (int)sizeof(line))
			abort();
	}
	session_free(s);
	return 0;
}
