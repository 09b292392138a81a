/*
 * session-region.c — a flash region as the tracker follows it: the
 * FLASH_(DEFL_)BEGIN that opens it, each data block (retransmissions, seq
 * gaps, the address esptool prints, found by inflating FLASH_DEFL_DATA as
 * zlib's decompressobj does for esptool), the acks that close it, and the
 * progress lines esptool 4.x and 5.x print. Pure.
 */
#include <stdio.h>
#include <string.h>

#include "session-int.h"
#include "util.h"

void
session_region_begin(struct session *s, const struct esp_packet *p, uint64_t now)
{
	struct session_region *r = &s->st.region;
	struct session_event ev;
	uint32_t erase_size, num_blocks, block_size, offset;

	if (p->data_len < 16) {
		session_anomaly(s, LINK_H2D, now, SESSION_AN_BAD_LENGTH, p->op, 0,
		    "%s with %zu bytes of parameters", session_opname(p->op), p->data_len);
		return;
	}
	erase_size = le32(p->data);
	num_blocks = le32(p->data + 4);
	block_size = le32(p->data + 8);
	offset = le32(p->data + 12);
	if (num_blocks == 0) {
		/* esptool's flash_begin(0, 0) before FLASH_END: no region. */
		session_note(s, LINK_H2D, now, "%s(0, 0): leaving flash mode next",
		    session_opname(p->op));
		return;
	}
	memset(r, 0, sizeof(*r));
	r->active = 1;
	r->compressed = p->op == ESP_OP_FLASH_DEFL_BEGIN;
	r->offset = offset;
	r->erase_size = erase_size;
	r->num_blocks = num_blocks;
	r->block_size = block_size;
	r->inflate_ok = r->compressed;
	s->next_seq = 0;
	s->acked_next = 0;
	s->progress_valid = 0;
	s->st.regions++;
	if (r->compressed) {
		s->zs_end = 0;
		if (s->zs_init)
			r->inflate_ok = inflateReset(&s->zs) == Z_OK;
		else {
			memset(&s->zs, 0, sizeof(s->zs));
			s->zs_init = inflateInit(&s->zs) == Z_OK;
			r->inflate_ok = s->zs_init;
		}
	}
	session_set_phase(s, SESSION_PHASE_FLASHING, LINK_H2D, now,
	    session_opname(p->op));
	if (r->compressed)
		session_text(s, "region at 0x%08x: %u compressed blocks of 0x%x, %u bytes uncompressed%s",
		    offset, num_blocks, block_size, erase_size,
		    s->st.stub ? "" : " (rounded up to blocks)");
	else
		session_text(s, "region at 0x%08x: %u blocks of 0x%x, erase size %u",
		    offset, num_blocks, block_size, erase_size);
	session_init_event(s, &ev, SESSION_EV_REGION_BEGIN, LINK_H2D, now);
	ev.region = r;
	session_emit(s, &ev);
}

/* Uncompressed bytes one FLASH_DEFL_DATA block yields; -1 on an inflate error. */
static long
session_inflate(struct session *s, const uint8_t *buf, size_t len)
{
	long produced = 0;
	int rc;

	if (s->zs_end)
		return 0;
	s->zs.next_in = buf;
	s->zs.avail_in = (uInt)len;
	do {
		s->zs.next_out = s->zout;
		s->zs.avail_out = sizeof(s->zout);
		rc = inflate(&s->zs, Z_NO_FLUSH);
		produced += (long)(sizeof(s->zout) - s->zs.avail_out);
		if (rc == Z_STREAM_END) {
			s->zs_end = 1;
			break;
		}
		if (rc == Z_BUF_ERROR && s->zs.avail_in == 0)
			break;
		if (rc != Z_OK)
			return -1;
	} while (s->zs.avail_in > 0 || s->zs.avail_out == 0);
	return produced;
}

void
session_data_block(struct session *s, const struct esp_packet *p,
    const struct esp_data_header *h, struct session_cmd *c, uint64_t now)
{
	struct session_region *r = &s->st.region;
	struct session_event ev;
	long n;

	if (!r->active) {
		session_anomaly(s, LINK_H2D, now, SESSION_AN_SEQ_GAP, p->op, h->seq,
		    "%s seq %u outside a flash region", session_opname(p->op), h->seq);
		return;
	}
	if ((p->op == ESP_OP_FLASH_DEFL_DATA) != (r->compressed != 0))
		session_note(s, LINK_H2D, now, "%s inside a %s region",
		    session_opname(p->op), r->compressed ? "compressed" : "plain");
	c->in_region = 1;
	if (s->progress_valid && h->seq < s->next_seq) {
		session_anomaly(s, LINK_H2D, now, SESSION_AN_RETRANSMIT, p->op, h->seq,
		    "%s seq %u sent again (retransmission)", session_opname(p->op), h->seq);
		return;
	}
	if (h->seq > s->next_seq) {
		session_anomaly(s, LINK_H2D, now, SESSION_AN_SEQ_GAP, p->op, h->seq,
		    "%s seq %u, expected %u", session_opname(p->op), h->seq, s->next_seq);
		if (r->compressed)
			r->inflate_ok = 0;
	}
	if (h->seq >= r->num_blocks)
		session_anomaly(s, LINK_H2D, now, SESSION_AN_SEQ_GAP, p->op, h->seq,
		    "%s seq %u beyond the region's %u blocks", session_opname(p->op), h->seq,
		    r->num_blocks);

	if (!r->compressed) {
		r->address = r->offset + h->seq * r->block_size;
		r->bytes_written = ((uint64_t)h->seq + 1) * r->block_size;
	} else if (r->inflate_ok) {
		r->address = (uint32_t)(r->offset + r->bytes_written);
		if ((n = session_inflate(s, h->payload, h->payload_len)) < 0) {
			r->inflate_ok = 0;
			session_anomaly(s, LINK_H2D, now, SESSION_AN_INFLATE, p->op,
			    h->seq, "%s seq %u does not inflate (%s); addresses are estimates now",
			    session_opname(p->op), h->seq,
			    s->zs.msg != NULL ? s->zs.msg : "zlib error");
		} else
			r->bytes_written += (uint64_t)n;
	}
	if (r->compressed && !r->inflate_ok) {
		/* Estimate: the uncompressed size spread evenly over the blocks. */
		r->address = (uint32_t)(r->offset +
		    (uint64_t)h->seq * r->erase_size / r->num_blocks);
		r->bytes_written = ((uint64_t)h->seq + 1) * r->erase_size / r->num_blocks;
	}
	r->seq = h->seq;
	r->blocks_sent++;
	/* esptool 5.x: bytes sent before this block, of the image's (compressed) size */
	r->bytes_before = r->bytes_sent;
	if (!r->compressed)
		r->bytes_total = r->erase_size;
	else if (h->seq + 1 == r->num_blocks) {
		r->bytes_total = (uint64_t)h->seq * r->block_size + h->payload_len;
		r->total_exact = 1;
	} else if (!r->total_exact)
		r->bytes_total = (uint64_t)r->num_blocks * r->block_size;
	r->bytes_sent += h->payload_len;
	r->percent = esp_progress_percent(h->seq, r->num_blocks);	/* num_blocks > 0 here */
	s->next_seq = h->seq + 1;
	s->progress_valid = 1;
	session_format_progress(s->text, sizeof(s->text), r->address, r->percent);
	session_init_event(s, &ev, SESSION_EV_PROGRESS, LINK_H2D, now);
	ev.op = p->op;
	ev.seq = h->seq;
	ev.percent = r->percent;
	ev.address = r->address;
	ev.bytes_sent = r->bytes_before;
	ev.bytes_total = r->bytes_total;
	ev.region = r;
	session_emit(s, &ev);
}

void
session_region_acked(struct session *s, const struct session_cmd *c, uint64_t now)
{
	struct session_region *r = &s->st.region;
	struct session_event ev;

	if (!r->active || c->seq != s->acked_next)
		return;
	s->acked_next++;
	r->blocks_acked++;
	if (r->blocks_acked < r->num_blocks)
		return;
	r->active = 0;
	s->st.regions_done++;
	if (r->compressed)
		session_text(s, "Wrote %llu bytes (%llu compressed) at 0x%08x",
		    (unsigned long long)r->bytes_written, (unsigned long long)r->bytes_sent,
		    r->offset);
	else
		session_text(s, "Wrote %llu bytes at 0x%08x",
		    (unsigned long long)r->bytes_written, r->offset);
	session_init_event(s, &ev, SESSION_EV_REGION_END, LINK_D2H, now);
	ev.op = c->op;
	ev.region = r;
	session_emit(s, &ev);
}

int
session_progress_line(const struct session *s, char *buf, size_t size)
{
	if (!s->progress_valid) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	return session_format_progress(buf, size, s->st.region.address, s->st.region.percent);
}

int
session_progress_line_v5(const struct session *s, char *buf, size_t size)
{
	const struct session_region *r = &s->st.region;

	if (!s->progress_valid) {
		if (size > 0)
			buf[0] = '\0';
		return -1;
	}
	return session_format_progress_v5(buf, size, r->address, r->bytes_before, r->bytes_total);
}
