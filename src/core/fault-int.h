/*
 * fault-int.h — internals of the fault engine shared by its files:
 *   fault.c         classify units, match rules, gate, the two entry points
 *   fault-action.c  what a firing rule does to the unit and the link
 *   fault-report.c  per-rule reports, NOT_TRIGGERED reasons, pinning
 */
#ifndef SLIPTAP_FAULT_INT_H
#define SLIPTAP_FAULT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "fault.h"
#include "slip.h"

#define FAULT_MAX_POS	4096	/* firing positions kept per rule (for pinning) */

struct fault_pos {
	uint64_t	 match_no;
	int		 have_op;
	uint8_t		 op;
	int		 have_seq;
	uint32_t	 seq;
	int		 dir;		/* enum link_dir, or -1 for events */
	enum scenario_event ev;
};

/*
 * How far a unit (or event) got through a rule's triggers, in the order
 * they are checked: the stage that failed, or FS_MATCH. NOT_TRIGGERED
 * reasons name the furthest stage any unit reached.
 */
enum fault_stage {
	FS_NONE = -1,		/* nothing seen yet */
	FS_DIR = 0,		/* direction */
	FS_KIND,		/* kind */
	FS_OP,			/* command / response_to */
	FS_SEQ,
	FS_PROGRESS,
	FS_BEFORE,		/* before_progress */
	FS_OFFSET,
	FS_BYTES,
	FS_PHASE,
	FS_ACTION,		/* the action has nothing to act on in the unit */
	FS_TIME,		/* after / after_rule */
	FS_MATCH,
};

/* The closest a rule came to matching: the furthest stage, and the values seen there. */
struct fault_near {
	enum fault_stage stage;
	int		 have;		/* lo/hi hold values (seq, percent, offset, bytes) */
	uint64_t	 lo, hi;
	uint64_t	 events;	/* `on` rules: its event happened this often */
};

struct fault_rule_state {
	const struct scenario_rule *r;
	uint64_t	 fire_rng;	/* does it fire */
	uint64_t	 act_rng;	/* action details: jitter, bit positions */
	uint64_t	 matched, fired;
	uint64_t	 first_ns;
	int		 bad;		/* burst model: in the bad state */
	size_t		 nth_idx;
	struct fault_pos *pos;
	size_t		 npos;
	struct fault_near near;
	char		 why[160];	/* the NOT_TRIGGERED reason, built by fault-report.c */
};

/* What the engine learnt about one unit. */
struct fault_info {
	enum scenario_kind kind;	/* COMMAND, RESPONSE, OHAI, GARBAGE or TEXT */
	int		 is_packet;
	struct esp_packet pkt;
	int		 have_op;
	uint8_t		 op;
	int		 have_seq;
	uint32_t	 seq;
	int		 progress;	/* -1 when not a flash block */
	int		 have_address;
	uint32_t	 address;
	int		 next_progress;	/* replies: percent of the block the tool sends next, -1 */
	int		 first_at_next;	/* ... and that block is the first at its percent... */
	int		 prev_next_progress;	/* ... percent of the block before it (-1: none) */
	uint64_t	 bytes;		/* bytes so far in its direction */
	int		 status_len;
};

struct fault_engine {
	const struct scenario *sc;
	uint64_t	 seed;
	uint64_t	 start_ns;
	struct fault_rule_state *rs;
	size_t		 nrs;
	uint64_t	 bytes[2];
	/* the current flash region, from the host's BEGIN */
	int		 have_region;
	uint32_t	 num_blocks, block_size, offset;
	int		 compressed;
	uint8_t		 last_data_op;
	uint8_t		 ops_seen[2][32];	/* ops of commands [0] and replies [1] seen */
	int		 have_last_seq;
	uint32_t	 last_seq;
	/* work buffers (one unit at a time) */
	uint8_t		*wbody;		/* SLIP_MAX_FRAME + room */
	size_t		 wbody_len;
	uint8_t		*out;		/* SLIP_ENCODED_MAX(SLIP_MAX_FRAME) */
	uint8_t		*sendbuf;	/* FAULT_MAX_SENDS slices */
	size_t		 sendused;
};

#define FAULT_WBODY_MAX		(SLIP_MAX_FRAME + 64)
#define FAULT_SENDBUF_MAX	(FAULT_MAX_SENDS * SLIP_ENCODED_MAX(SCENARIO_MAX_DATA + 64))

struct fault_work {
	int		 body_changed;
	int		 framing;	/* replace the opening C0 by this byte + 1 (0 = no) */
	int		 have_keep;
	size_t		 keep;
};

/* fault.c */
uint32_t fault_draw_ppb(uint64_t *rng);
uint64_t fault_draw_below(uint64_t *rng, uint64_t n);

/* fault-report.c */
/* Note how far a unit or event got through a rule's triggers. */
void fault_near_note(struct fault_rule_state *rs, enum fault_stage stage, const struct fault_info *in);

/* fault-action.c */
const uint8_t *fault_send_add(struct fault_engine *e, struct fault_decision *d,
    enum link_dir dir, int after, const uint8_t *data, size_t len,
    const struct scenario_rule *r);
void fault_changed(struct fault_fired *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum link_dir fault_sdir(enum scenario_dir d, enum link_dir dflt);
const char *fault_dirname(enum link_dir d);
const char *fault_opname(uint8_t op);
int fault_apply_link(const struct scenario_rule *r, enum link_dir udir, struct fault_decision *d,
    struct fault_fired *f);
void fault_apply_unit(struct fault_engine *e, struct fault_rule_state *rs, const struct fault_unit *u,
    const struct fault_info *in, struct fault_decision *d, struct fault_work *w,
    struct fault_fired *f);

#endif
