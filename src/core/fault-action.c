/*
 * fault-action.c — what a firing rule does: to the unit (drop, duplicate,
 * delay, slice, corrupt, truncate, inject around it, reply instead of the
 * device) and to the link (stall, throttle, freeze the host's writes,
 * disconnect, ignore a baud change, reset), each with the one-line
 * "changed" text of the capture's FAULT record.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "fault-int.h"
#include "scenario.h"
#include "session.h"
#include "slip.h"
#include "units.h"
#include "util.h"


const uint8_t *
fault_send_add(struct fault_engine *e, struct fault_decision *d, enum link_dir dir, int after,
    const uint8_t *data, size_t len, const struct scenario_rule *r)
{
	struct fault_send *s;
	uint8_t *dst;

	if (d->nsends >= FAULT_MAX_SENDS || e->sendused + len > FAULT_SENDBUF_MAX)
		return NULL;
	dst = e->sendbuf + e->sendused;
	memcpy(dst, data, len);
	e->sendused += len;
	s = &d->sends[d->nsends++];
	s->dir = dir;
	s->after = after;
	s->injected = 1;
	s->data = dst;
	s->len = len;
	s->rule = r;
	return dst;
}

void
fault_changed(struct fault_fired *f, const char *fmt, ...)
{
	va_list ap;

	if (f == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(f->changed, sizeof(f->changed), fmt, ap);
	va_end(ap);
}

enum link_dir
fault_sdir(enum scenario_dir d, enum link_dir dflt)
{
	if (d == SCENARIO_DIR_TO_DEVICE)
		return LINK_H2D;
	if (d == SCENARIO_DIR_TO_HOST)
		return LINK_D2H;
	return dflt;
}

const char *
fault_dirname(enum link_dir d)
{
	return d == LINK_H2D ? "to-device" : "to-host";
}

const char *
fault_opname(uint8_t op)
{
	const char *n = esp_op_name(op);

	return n != NULL ? n : "op?";
}

/* Link-level actions shared by units and events. */
int
fault_apply_link(const struct scenario_rule *r, enum link_dir udir, struct fault_decision *d,
    struct fault_fired *f)
{
	switch (r->action) {
	case SCENARIO_ACT_PASS:
		fault_changed(f, "nothing (pass)");
		return 1;
	case SCENARIO_ACT_STALL:
		d->stall = 1;
		d->stall_dir = fault_sdir(r->dir, udir);
		d->stall_ns = r->have_duration ? r->duration_ns : 0;
		if (r->have_duration)
			fault_changed(f, "stalled %s for %llu ms", fault_dirname(d->stall_dir),
			    (unsigned long long)(r->duration_ns / NS_PER_MS));
		else
			fault_changed(f, "stalled %s until the end", fault_dirname(d->stall_dir));
		return 1;
	case SCENARIO_ACT_THROTTLE:
		d->throttle = 1;
		d->throttle_dir = fault_sdir(r->dir, udir);
		d->throttle_baud = r->baud;
		d->throttle_ns = r->have_duration ? r->duration_ns : 0;
		fault_changed(f, "throttled %s to %u baud", fault_dirname(d->throttle_dir), r->baud);
		return 1;
	case SCENARIO_ACT_FREEZE:
		d->freeze = 1;
		d->freeze_ns = r->have_duration ? r->duration_ns : 0;
		d->freeze_then_disconnect = r->then == SCENARIO_THEN_DISCONNECT;
		if (d->freeze_then_disconnect) {
			d->reappear = r->have_reappear;
			d->reappear_ns = r->reappear_ns;
		}
		if (!r->have_duration)
			fault_changed(f, "host writes frozen until the end");
		else if (d->freeze_then_disconnect && r->have_reappear)
			fault_changed(f, "host writes frozen for %llu ms, then disconnect, reappear after %llu ms",
			    (unsigned long long)(r->duration_ns / NS_PER_MS),
			    (unsigned long long)(r->reappear_ns / NS_PER_MS));
		else if (d->freeze_then_disconnect)
			fault_changed(f, "host writes frozen for %llu ms, then disconnect",
			    (unsigned long long)(r->duration_ns / NS_PER_MS));
		else
			fault_changed(f, "host writes frozen for %llu ms",
			    (unsigned long long)(r->duration_ns / NS_PER_MS));
		return 1;
	case SCENARIO_ACT_DISCONNECT:
		d->disconnect = 1;
		d->reappear = r->have_reappear;
		d->reappear_ns = r->reappear_ns;
		if (r->have_reappear)
			fault_changed(f, "client hung up, port reappears after %llu ms",
			    (unsigned long long)(r->reappear_ns / NS_PER_MS));
		else
			fault_changed(f, "client hung up for good");
		return 1;
	case SCENARIO_ACT_IGNORE_BAUD:
		d->ignore_baud = 1;
		fault_changed(f, "the device side keeps its baud at the next baud change");
		return 1;
	case SCENARIO_ACT_RESET:
		d->reset = 1;
		d->reset_boot = r->boot;
		fault_changed(f, "chip reset into %s boot", r->boot == SCENARIO_BOOT_SPI ? "spi" : "download");
		return 1;
	default:
		return 0;
	}
}

/* Flip `bits` random bits within [lo, hi) of the work body. */
static void
fault_flip(struct fault_engine *e, const struct scenario_rule *r, uint64_t *rng, size_t lo,
    size_t hi, struct fault_fired *f)
{
	char *p;
	size_t left, i, pos;
	unsigned bit;
	int n;

	if (f != NULL) {
		p = f->changed;
		left = sizeof(f->changed);
		n = snprintf(p, left, "flipped");
		if (n > 0 && (size_t)n < left) {
			p += n;
			left -= (size_t)n;
		}
	} else {
		p = NULL;
		left = 0;
	}
	for (i = 0; i < r->bits; i++) {
		uint8_t before;

		pos = lo + (size_t)fault_draw_below(rng, hi - lo);
		bit = (unsigned)fault_draw_below(rng, 8);
		before = e->wbody[pos];
		e->wbody[pos] ^= (uint8_t)(1u << bit);
		if (p != NULL && left > 1) {
			n = snprintf(p, left, "%s byte %zu bit %u 0x%02x->0x%02x", i ? "," : "", pos, bit,
			    before, e->wbody[pos]);
			if (n > 0 && (size_t)n < left) {
				p += n;
				left -= (size_t)n;
			} else
				left = 0;
		}
	}
}

/* corrupt: flip bits in the target bytes of the work body (or the framing). */
static void
fault_apply_corrupt(struct fault_engine *e, struct fault_rule_state *rs,
    const struct fault_info *in, struct fault_work *w, struct fault_fired *f)
{
	const struct scenario_rule *r = rs->r;
	size_t lo = 0, hi = e->wbody_len;
	int sl;

	if (r->target == SCENARIO_TARGET_FRAMING) {
		uint8_t b = (uint8_t)fault_draw_below(&rs->act_rng, 255);

		if (b >= SLIP_END)
			b++;	/* anything but C0 */
		w->framing = b + 1;
		fault_changed(f, "opening C0 replaced by 0x%02x", b);
		return;
	}
	if (in->kind == SCENARIO_KIND_TEXT) {
		lo = 0;
	} else if (r->target == SCENARIO_TARGET_ANY || !in->is_packet) {
		lo = 0;
	} else if (r->target == SCENARIO_TARGET_HEADER) {
		hi = ESP_HDR_LEN;
	} else if (r->target == SCENARIO_TARGET_CHECKSUM) {
		lo = 4;
		hi = 8;
	} else if (in->kind == SCENARIO_KIND_COMMAND) {
		/* payload: the block after a *_DATA sub-header, else the data */
		lo = ESP_HDR_LEN;
		if (esp_op_has_data_header(in->op) && e->wbody_len > ESP_HDR_LEN + ESP_DATA_HDR_LEN)
			lo += ESP_DATA_HDR_LEN;
	} else {
		/* response: data before the status bytes, or the status */
		sl = r->target == SCENARIO_TARGET_STATUS ? (in->status_len ? in->status_len : 2) :
		    (in->status_len ? in->status_len : 4);
		if (r->target == SCENARIO_TARGET_STATUS) {
			lo = e->wbody_len >= (size_t)sl ? e->wbody_len - (size_t)sl : 0;
			if (lo < ESP_HDR_LEN)
				lo = ESP_HDR_LEN;
		} else {
			lo = ESP_HDR_LEN;
			hi = e->wbody_len >= ESP_HDR_LEN + (size_t)sl ? e->wbody_len - (size_t)sl :
			    ESP_HDR_LEN;
			if (hi <= lo) {
				/* no data besides the status: corrupt the value word */
				lo = 4;
				hi = 8;
			}
		}
	}
	if (hi <= lo || hi > e->wbody_len) {
		fault_changed(f, "nothing to corrupt");
		return;
	}
	fault_flip(e, r, &rs->act_rng, lo, hi, f);
	w->body_changed = 1;
}

/* reply: answer a command instead of the device, or rewrite a reply's status. */
static void
fault_apply_reply(struct fault_engine *e, const struct scenario_rule *r,
    const struct fault_info *in, struct fault_decision *d, struct fault_work *w,
    struct fault_fired *f)
{
	int sl = r->status_len ? r->status_len : in->status_len ? in->status_len : 4;

	if (in->kind == SCENARIO_KIND_COMMAND) {
		uint8_t data[4] = { r->status, r->error, 0, 0 };
		uint8_t body[ESP_HDR_LEN + 4];
		uint8_t enc[SLIP_ENCODED_MAX(sizeof(body))];
		size_t n;

		n = esp_response_build(in->op, 0, data, (size_t)sl, body);
		n = slip_encode(body, n, enc);
		fault_send_add(e, d, LINK_D2H, 0, enc, n, r);
		d->drop = 1;
		fault_changed(f, "answered %s with status %u error 0x%02x (%s) instead of forwarding it",
		    fault_opname(in->op), r->status, r->error,
		    esp_error_name(r->error) ? esp_error_name(r->error) : "?");
	} else {
		size_t at;

		if (e->wbody_len < ESP_HDR_LEN + (size_t)sl) {
			fault_changed(f, "reply too short for a status");
			return;
		}
		at = e->wbody_len - (size_t)sl;
		e->wbody[at] = r->status;
		e->wbody[at + 1] = r->error;
		w->body_changed = 1;
		fault_changed(f, "status of the %s reply set to %u error 0x%02x (%s)",
		    fault_opname(in->op), r->status, r->error,
		    esp_error_name(r->error) ? esp_error_name(r->error) : "?");
	}
}

void
fault_apply_unit(struct fault_engine *e, struct fault_rule_state *rs, const struct fault_unit *u,
    const struct fault_info *in, struct fault_decision *d, struct fault_work *w,
    struct fault_fired *f)
{
	const struct scenario_rule *r = rs->r;
	enum link_dir receiver = u->dir;

	if (fault_apply_link(r, u->dir, d, f)) {
		if (r->action == SCENARIO_ACT_FREEZE)
			d->freeze_settle_ns = r->settle_ns;
		return;
	}
	switch (r->action) {
	case SCENARIO_ACT_DROP:
		d->drop = 1;
		fault_changed(f, "dropped %zu bytes", u->raw_len);
		break;
	case SCENARIO_ACT_DUPLICATE:
		d->copies += r->count;
		fault_changed(f, "sent %u extra cop%s", r->count, r->count == 1 ? "y" : "ies");
		break;
	case SCENARIO_ACT_DELAY: {
		uint64_t delay = r->latency_ns;

		if (r->jitter_ns > 0) {
			uint64_t j = fault_draw_below(&rs->act_rng, 2 * r->jitter_ns + 1);

			delay = delay + j - r->jitter_ns;
		}
		d->delay_ns += delay;
		fault_changed(f, "delayed %llu.%03llu ms", (unsigned long long)(delay / NS_PER_MS),
		    (unsigned long long)(delay / NS_PER_US % 1000));
		break;
	}
	case SCENARIO_ACT_SLICE:
		d->slice_size = r->size;
		d->slice_gap_ns = r->gap_ns;
		fault_changed(f, "sliced %zu bytes into %u-byte pieces %llu us apart", u->raw_len, r->size,
		    (unsigned long long)(r->gap_ns / NS_PER_US));
		break;
	case SCENARIO_ACT_CORRUPT:
		fault_apply_corrupt(e, rs, in, w, f);
		break;
	case SCENARIO_ACT_TRUNCATE:
		if (!w->have_keep || r->keep < w->keep) {
			w->have_keep = 1;
			w->keep = r->keep;
		}
		fault_changed(f, "kept %u of %zu bytes", r->keep, u->raw_len);
		break;
	case SCENARIO_ACT_INJECT: {
		enum link_dir to = fault_sdir(r->to, receiver);

		fault_send_add(e, d, to, r->position == SCENARIO_POS_AFTER, r->data, r->data_len, r);
		if (r->position == SCENARIO_POS_INSTEAD)
			d->drop = 1;
		fault_changed(f, "injected %zu bytes %s the unit, %s%s", r->data_len,
		    r->position == SCENARIO_POS_AFTER ? "after" : "before", fault_dirname(to),
		    r->position == SCENARIO_POS_INSTEAD ? " (unit dropped)" : "");
		break;
	}
	case SCENARIO_ACT_REPLY:
		fault_apply_reply(e, r, in, d, w, f);
		break;
	default:
		break;
	}
}

