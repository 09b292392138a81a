/*
 * sim-wire.c — the simulated device's wire: the input and output queues,
 * the log and event callbacks, SLIP frames and loader replies out, and
 * the baud switch that waits for a reply to leave. Pure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim-dev.h"
#include "util.h"

/* ---- queues ---- */

void
sim_buf_push(struct sim_buf *b, const uint8_t *data, size_t len)
{
	if (b->head > 0 && b->head + b->len + len > b->cap) {
		memmove(b->data, b->data + b->head, b->len);
		b->head = 0;
	}
	if (b->len + len > b->cap) {
		size_t ncap = b->cap ? b->cap : 4096;

		while (ncap < b->len + len)
			ncap *= 2;
		b->data = xrealloc(b->data, ncap);
		b->cap = ncap;
	}
	memcpy(b->data + b->head + b->len, data, len);
	b->len += len;
}

void
sim_buf_drop(struct sim_buf *b, size_t n)
{
	if (n > b->len)
		n = b->len;
	b->head += n;
	b->len -= n;
	if (b->len == 0)
		b->head = 0;
}

uint64_t
sim_byte_ns(uint32_t baud)
{
	return 10 * NS_PER_SEC / (baud ? baud : 115200);
}

/* ---- logging and output ---- */

void
sim_log(struct sim_device *dev, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (dev->cfg.log_cb == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	dev->cfg.log_cb(line, dev->cfg.arg);
}

void
sim_event(struct sim_device *dev, enum sim_event ev)
{
	if (dev->cfg.event_cb != NULL)
		dev->cfg.event_cb(ev, dev->cfg.arg);
}

void
sim_emit(struct sim_device *dev, const uint8_t *buf, size_t len)
{
	if (dev->state == SIM_STATE_DETACHED || dev->state == SIM_STATE_RESET)
		return;
	if (dev->out.len + len > SIM_OUT_MAX) {
		/* Nobody reads the port: a UART just loses the bytes. */
		dev->stats.out_dropped += len;
		return;
	}
	if (dev->out.len == 0 && dev->out_wire < dev->now)
		dev->out_wire = dev->now;	/* the line starts sending now */
	sim_buf_push(&dev->out, buf, len);
	dev->out_total += len;
}

void
sim_emit_text(struct sim_device *dev, const char *s)
{
	sim_emit(dev, (const uint8_t *)s, strlen(s));
}

/*
 * What a UART receiving at rx_baud makes of bytes sent at tx_baud (8N1):
 * it waits for a falling edge, samples each bit in the middle of its own
 * bit time, and a byte whose stop bit reads low is a framing error, read
 * as 0x00 (termios without IGNPAR/PARMRK). Time is in units of
 * 1/(tx_baud * rx_baud) s so everything stays an integer. Returns the
 * number of bytes written to out (at most outmax).
 */
size_t
sim_uart_resample(const uint8_t *in, size_t n, uint32_t tx_baud, uint32_t rx_baud,
    uint8_t *out, size_t outmax)
{
	uint64_t tbit = rx_baud, rbit = tx_baud;	/* one tx bit, one rx bit */
	uint64_t nbits = (uint64_t)n * 10, t = 0;
	size_t o = 0;

#define LEVEL(k) ((k) >= nbits ? 1 : (k) % 10 == 0 ? 0 : (k) % 10 == 9 ? 1 : \
	    (in[(k) / 10] >> ((k) % 10 - 1)) & 1)
	while (o < outmax) {
		uint64_t k = (t + tbit - 1) / tbit, edge;
		uint8_t byte = 0;
		int i;

		/* the next high-to-low transition at or after t (the line idles high before) */
		while (k < nbits && !(LEVEL(k) == 0 && (k == 0 || LEVEL(k - 1) == 1)))
			k++;
		if (k >= nbits)
			break;
		edge = k * tbit;
		for (i = 0; i < 8; i++)
			byte |= (uint8_t)(LEVEL((edge + rbit * (uint64_t)(2 * i + 3) / 2) / tbit) << i);
		if (!LEVEL((edge + rbit * 19 / 2) / tbit))
			byte = 0;	/* framing error */
		out[o++] = byte;
		t = edge + rbit * 19 / 2;
	}
#undef LEVEL
	return o;
}

void
sim_emit_text_at(struct sim_device *dev, const char *s, uint32_t tx_baud)
{
	size_t n = strlen(s);
	uint8_t buf[1024];

	if (tx_baud == dev->baud || n > sizeof(buf) / 2) {
		sim_emit(dev, (const uint8_t *)s, n);
		return;
	}
	n = sim_uart_resample((const uint8_t *)s, n, tx_baud, dev->baud, buf, sizeof(buf));
	sim_emit(dev, buf, n);
}

void
sim_send_frame(struct sim_device *dev, const uint8_t *body, size_t len)
{
	uint8_t stackbuf[512], *enc;
	size_t n;

	enc = SLIP_ENCODED_MAX(len) <= sizeof(stackbuf) ? stackbuf :
	    xmalloc(SLIP_ENCODED_MAX(len));
	n = slip_encode(body, len, enc);
	sim_emit(dev, enc, n);
	if (enc != stackbuf)
		free(enc);
}

/*
 * Build and send one reply. The ROM's status is (status, error[, 0, 0]);
 * its error byte keeps the last error a later success does not clear.
 * The stubs send (error, 0).
 */
void
sim_reply_raw(struct sim_device *dev, uint8_t op, uint32_t value, const uint8_t *data,
    size_t len, uint8_t status, uint8_t error)
{
	uint8_t payload[4200], body[4200 + ESP_HDR_LEN];
	size_t n = 0, blen;
	const char *name = esp_op_name(op);

	if (len > sizeof(payload) - 4)
		fatalx("sim_reply: %zu bytes", len);
	if (len > 0)
		memcpy(payload, data, len);
	n = len;
	if (dev->state == SIM_STATE_STUB) {
		payload[n++] = error;
		payload[n++] = 0;
	} else {
		payload[n++] = status;
		payload[n++] = error;
		if (!(dev->chip->quirks & SIM_Q_ROM_STATUS2)) {
			payload[n++] = 0;
			payload[n++] = 0;
		}
	}
	blen = esp_response_build(op, value, payload, n, body);
	sim_send_frame(dev, body, blen);
	if (dev->cfg.verbose) {
		if (status || (dev->state == SIM_STATE_STUB && error))
			sim_log(dev, "< %s value 0x%08x error 0x%02x (%s)",
			    name ? name : "?", value, error,
			    esp_error_name(error) ? esp_error_name(error) : "?");
		else
			sim_log(dev, "< %s value 0x%08x ok%s", name ? name : "?",
			    value, len ? " +data" : "");
	}
}

void
sim_reply(struct sim_device *dev, uint8_t op, uint32_t value, const uint8_t *data,
    size_t len, uint8_t error)
{
	if (dev->state == SIM_STATE_STUB) {
		sim_reply_raw(dev, op, value, data, len, 0, error);
		return;
	}
	/* ROM: the value word and the error byte are registers a reply leaves behind. */
	if (error)
		dev->rom_last_err = error;
	dev->rom_value = value;
	dev->rom_last_op = op;
	dev->rom_last_count = 1;
	sim_reply_raw(dev, op, value, data, len, error ? 1 : 0, dev->rom_last_err);
}

void
sim_busy(struct sim_device *dev, uint64_t ns)
{
	if (!dev->cfg.pace || ns == 0)
		return;
	if (dev->out_wire < dev->now)
		dev->out_wire = dev->now;
	dev->out_wire += ns;
}

/* ---- baud ---- */

void
sim_set_baud_after_reply(struct sim_device *dev, uint32_t baud)
{
	if (baud == 0)
		return;
	/* Input after the reply already comes at the new rate; output switches once the reply is out. */
	dev->baud = baud;
	dev->baud_next = baud;
	dev->baud_switch_at = dev->out_total;
	sim_log(dev, "baud rate now %u", baud);
	sim_event(dev, SIM_EV_BAUD);
}


int
sim_is_sync_payload(const struct esp_packet *pkt)
{
	static const uint8_t head[4] = { 0x07, 0x07, 0x12, 0x20 };
	size_t i;

	if (pkt->data_len != 36 || memcmp(pkt->data, head, 4) != 0)
		return 0;
	for (i = 4; i < 36; i++)
		if (pkt->data[i] != 0x55)
			return 0;
	return 1;
}

