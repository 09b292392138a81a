/*
 * session-int.h — the tracker's state and the helpers its files share
 * (session.c: commands, responses; session-input.c: frames, text, harness
 * events, timeouts; session-region.c: flash regions and progress;
 * session-names.c: names, tables, formats). Not a public
 * interface; include session.h for that.
 */
#ifndef SLIPTAP_SESSION_INT_H
#define SLIPTAP_SESSION_INT_H

#include <stdint.h>

#define ZLIB_CONST
#include <zlib.h>

#include "esp.h"
#include "session.h"
#include "units.h"

#define SESSION_MAX_PENDING	16
#define SESSION_DEFAULT_TIMEOUT	(3 * NS_PER_SEC)	/* esptool DEFAULT_TIMEOUT */
#define SESSION_MEM_SEGS	8
#define SESSION_LINE_MAX	160

struct session_cmd {
	uint8_t		 op;
	int		 has_seq;
	uint32_t	 seq;
	uint32_t	 arg0, arg1;	/* READ_REG addr, CHANGE_BAUDRATE baud, READ_FLASH offset/len */
	uint64_t	 ts;
	uint64_t	 timeout;	/* 0: none */
	int		 reported;	/* already reported missing / timed out */
	int		 in_region;	/* a *_DATA block of the current region */
};

struct session {
	session_event_cb cb;
	void		*arg;
	struct session_state st;
	uint32_t	 initial_baud;
	uint64_t	 timeout;

	struct session_cmd pend[SESSION_MAX_PENDING];
	unsigned	 npend;
	uint64_t	 sync_cmds;

	/* Current flash region. */
	uint32_t	 next_seq;	/* next new block expected */
	uint32_t	 acked_next;	/* next block whose ack counts */
	int		 progress_valid;
	z_stream	 zs;
	int		 zs_init;
	int		 zs_end;
	uint8_t		 zout[16384];

	/* RAM upload: the segments, to tell which stub it is at MEM_END. */
	int		 mem_active;
	uint32_t	 mem_next_seq;
	uint32_t	 mem_seg_addr[SESSION_MEM_SEGS], mem_seg_len[SESSION_MEM_SEGS];
	unsigned	 mem_nseg;
	enum session_stub uploaded;	/* what the last MEM_END with an entry started */

	/* ROM "unsupported command" replies (01 05) still to come, and their op. */
	unsigned	 unsup_left;
	uint8_t		 unsup_op;

	char		 line[SESSION_LINE_MAX];
	size_t		 line_len;
	char		 text[320];
};

/* session.c: events and text */
const char *session_opname(uint8_t op);
void session_init_event(struct session *s, struct session_event *ev, enum session_event_type type,
    enum link_dir dir, uint64_t now);
void session_emit(struct session *s, struct session_event *ev);
void session_text(struct session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void session_note(struct session *s, enum link_dir dir, uint64_t now, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void session_anomaly(struct session *s, enum link_dir dir, uint64_t now,
    enum session_anomaly kind, uint8_t op, uint32_t seq, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
void session_set_phase(struct session *s, enum session_phase phase, enum link_dir dir,
    uint64_t now, const char *why);

/* session.c: commands, responses, pending replies, chip state */
void session_command(struct session *s, const struct esp_packet *p, uint64_t now);
void session_response(struct session *s, const struct esp_packet *p, uint64_t now);
void session_count_pending(struct session *s);
void session_report_missing(struct session *s, struct session_cmd *c, uint64_t now,
    enum session_anomaly kind, const char *why);
void session_chip_reset(struct session *s);
void session_set_baud(struct session *s, uint32_t baud, enum link_dir dir, uint64_t now,
    const char *why);

/* session-region.c: FLASH_(DEFL_)BEGIN, the data blocks, their acks */
void session_region_begin(struct session *s, const struct esp_packet *p, uint64_t now);
void session_data_block(struct session *s, const struct esp_packet *p,
    const struct esp_data_header *h, struct session_cmd *c, uint64_t now);
void session_region_acked(struct session *s, const struct session_cmd *c, uint64_t now);

#endif
