/*
 * fault.h — the fault engine: given a parsed scenario, decide for every
 * unit the proxy is about to forward (a complete SLIP frame, or a chunk of
 * bytes outside frames) and for every session event which rules fire and
 * what they do. Pure: units, events and timestamps in, decisions out. The
 * engine never touches an fd or a clock; src/proxy/proxy-fault.c carries
 * the decisions out.
 *
 * Determinism: every random draw comes from the firing rule's own streams
 * (splitmix64, seeded from the scenario seed and the rule name: one stream
 * for "does it fire", one for action details such as jitter or which bit
 * to flip), and draws happen only when a unit or event matches the rule's
 * protocol triggers. So the same scenario, seed and tool behaviour give the
 * same fired rules at the same positions, whatever the timing — unless a
 * rule uses `after` (time), which the report flags.
 */
#ifndef SLIPTAP_FAULT_H
#define SLIPTAP_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "esp.h"
#include "scenario.h"
#include "session.h"

/* One unit at the fault seam. Everything is borrowed for the call. */
struct fault_unit {
	enum link_dir dir;		/* LINK_H2D = to the device */
	int		 outside;	/* 1: bytes outside frames (raw only) */
	const uint8_t	*raw;		/* wire bytes (frames: C0 ... C0, escapes intact) */
	size_t		 raw_len;
	const uint8_t	*body;		/* decoded SLIP body, or NULL (outside bytes) */
	size_t		 body_len;
	const struct esp_packet *pkt;	/* parsed packet or NULL (the engine parses body itself then) */
	const struct session_state *state; /* the tracker's state or NULL */
	uint64_t	 now;		/* ns, any epoch, never decreasing */
};

#define FAULT_MAX_FIRED		16	/* rules reported fired per unit */
#define FAULT_MAX_SENDS		8	/* extra byte strings per decision */
#define FAULT_CHANGED_MAX	160

/* A rule that fired on this unit or event, for the capture's FAULT record. */
struct fault_fired {
	const struct scenario_rule *rule;	/* borrowed from the scenario */
	enum scenario_action action;
	uint64_t	 fire_no;	/* 1-based: how often this rule has fired, this one included */
	uint64_t	 match_no;	/* 1-based ordinal among units/events matching its triggers */
	int		 have_op;
	uint8_t		 op;		/* the unit's op (command or reply) */
	int		 have_seq;
	uint32_t	 seq;		/* *_DATA seq (a reply: the seq it answers) */
	int		 progress;	/* esptool's percent for that block, -1 */
	char		 changed[FAULT_CHANGED_MAX];	/* what changed, one line of plain text */
};

/* Extra bytes to send: injections and synthesised replies. */
struct fault_send {
	enum link_dir dir;		/* LINK_H2D = deliver to the device */
	int		 after;		/* 0: before the unit; 1: after it */
	int		 injected;	/* 1: nobody sent these (inject/reply) */
	const uint8_t	*data;		/* engine-owned, valid until the next engine call */
	size_t		 len;
	const struct scenario_rule *rule;
};

/*
 * What to do with the unit (or, for events, with the link). Engine-owned
 * pointers stay valid until the next call into the engine.
 */
struct fault_decision {
	int		 nfired;
	struct fault_fired fired[FAULT_MAX_FIRED];

	/* The unit itself (units only). */
	int		 drop;		/* do not forward it */
	int		 modified;	/* forward `data` instead of the raw bytes */
	const uint8_t	*data;
	size_t		 len;
	unsigned	 copies;	/* extra copies after it (duplicate) */
	uint64_t	 delay_ns;	/* hold it (and what follows in its direction) this long */
	uint32_t	 slice_size;	/* deliver in pieces of this many bytes ... */
	uint64_t	 slice_gap_ns;	/* ... this far apart (0 = no slicing) */

	int		 nsends;
	struct fault_send sends[FAULT_MAX_SENDS];

	/* Link effects. */
	int		 stall;		/* stop forwarding `stall_dir` (this unit included) */
	enum link_dir stall_dir;
	uint64_t	 stall_ns;	/* 0 = until the end */
	int		 throttle;	/* pace `throttle_dir` at throttle_baud (10 bits a byte) */
	enum link_dir throttle_dir;
	uint32_t	 throttle_baud;
	uint64_t	 throttle_ns;	/* 0 = until the end */
	int		 freeze;	/* freeze the host's writes (tcflow TCOOFF on the client pty) */
	uint64_t	 freeze_ns;	/* 0 = until the end */
	int		 freeze_then_disconnect;
	uint64_t	 freeze_settle_ns;	/* units: hold the unit this long, freeze, then deliver it */
	int		 disconnect;	/* hang the client up ... */
	int		 reappear;	/* ... and bring the port back ... */
	uint64_t	 reappear_ns;	/* ... after this long */
	int		 ignore_baud;	/* keep the device side's baud at the next baud change */
	int		 reset;		/* reset the chip via DTR/RTS into reset_boot */
	enum scenario_boot reset_boot;
};

/* Per-rule summary for reports. */
struct fault_rule_report {
	const struct scenario_rule *rule;
	uint64_t	 matched;	/* units/events that met its protocol triggers */
	uint64_t	 fired;
	uint64_t	 first_ns;	/* time of the first firing (valid when fired) */
	int		 not_triggered;	/* armed (not optional) and never fired */
	const char	*reason;	/* why not triggered, static text, or NULL */
};

struct fault_engine;

/*
 * An engine for `sc` (borrowed: it must outlive the engine). The seed is
 * sc->seed, or `seed` when use_seed is nonzero (a --seed override, or the
 * proxy's own pick when the scenario has none). `start_ns` is the time `after`
 * counts from. Free with fault_engine_free.
 */
struct fault_engine *fault_engine_new(const struct scenario *sc, int use_seed, uint64_t seed,
    uint64_t start_ns);
void fault_engine_free(struct fault_engine *e);	/* NULL is a no-op */
/* The seed in use. */
uint64_t fault_engine_seed(const struct fault_engine *e);
/* Set the time `after` counts from (the proxy's start, on its clock). */
void fault_engine_set_start(struct fault_engine *e, uint64_t start_ns);

/*
 * Decide for one unit. Fills *out (cleared first). Returns the number of
 * rules that fired (0: forward the unit unchanged).
 */
int fault_engine_on_unit(struct fault_engine *e, const struct fault_unit *u,
    struct fault_decision *out);
/*
 * Decide for one session event (`on = ...` rules). `state` may be NULL.
 * Fills *out (cleared first; its unit fields stay zero); returns rules fired.
 */
int fault_engine_on_event(struct fault_engine *e, enum scenario_event ev,
    const struct session_state *state, uint64_t now, struct fault_decision *out);

/* Number of rules; fill *out for rule i (0 or -1 when out of range). */
size_t fault_engine_nrules(const struct fault_engine *e);
int fault_engine_rule_report(const struct fault_engine *e, size_t i, struct fault_rule_report *out);
/*
 * A text report, one line per rule: "rule NAME: ACTION fired N times (first at
 * FLASH_DATA seq 12)" or "rule NAME: NOT_TRIGGERED (reason)". Caller frees.
 */
char *fault_engine_report(const struct fault_engine *e);
/* Rules that are NOT_TRIGGERED. */
size_t fault_engine_not_triggered(const struct fault_engine *e);

/*
 * The scenario rewritten as a deterministic regression file: the seed in
 * use is written out, and each probabilistic rule (probability, burst,
 * every/times around them) is replaced by the exact match ordinals where it
 * fired (`nth = 3, 17`), with a comment naming command and seq of each
 * firing; a probabilistic rule that never fired is commented out. The text
 * parses with scenario_parse_string and, with the same tool, fires at the
 * same positions. Caller frees.
 */
char *fault_engine_pin(const struct fault_engine *e);

/* splitmix64 (exposed for tests and the simulator's own noise). */
uint64_t fault_splitmix64(uint64_t *state);
/* The stream seed of a rule: hash(seed, rule name, stream label). */
uint64_t fault_stream_seed(uint64_t seed, const char *rule, const char *label);

#endif
