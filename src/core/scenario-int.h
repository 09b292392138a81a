/*
 * scenario-int.h — internals of the scenario parser, shared by its files:
 *   scenario-read.c   inih line feeding, sections, errors, did-you-mean
 *   scenario-value.c  values: numbers, percents, ranges, ops, data, tool specs
 *   scenario-keys.c   the key tables of [scenario], [expect] and [rule NAME]
 *   scenario-check.c  whole-file checks, front capability checks
 *   scenario.c        the public API: names, expectations, free
 * The file read itself is in src/io/scenario-file.c (the core does no I/O).
 */
#ifndef SLIPTAP_SCENARIO_INT_H
#define SLIPTAP_SCENARIO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

/* Longest line we accept (inih's stack buffer is 200 bytes with \r\n\0). */
#define SCENARIO_LINE_MAX	196
/* inih truncates section names at 49 bytes. */
#define SCENARIO_SECTION_MAX	48

/* Name tables (NULL-terminated; scenario.c). */
extern const char *const scenario_action_names[SCENARIO_ACT_COUNT + 1];
extern const char *const scenario_event_names[SCENARIO_EV_COUNT + 1];
extern const char *const scenario_outcome_names[];
extern const char *const scenario_chips[];
extern const char *const scenario_transports[];
extern const char *const scenario_clients[];
extern const char *const scenario_tools[];
extern const char *const scenario_dirs[];
extern const char *const scenario_kinds[];
extern const char *const scenario_targets[];
extern const char *const scenario_positions[];
extern const char *const scenario_boots[];
extern const char *const scenario_thens[];
extern const char *const scenario_phases[];
extern const char *const scenario_images[];

enum scenario_section {
	SCENARIO_SEC_NONE,		/* before any section */
	SCENARIO_SEC_SCENARIO,
	SCENARIO_SEC_EXPECT,
	SCENARIO_SEC_RULE,
	SCENARIO_SEC_BAD,		/* an invalid header: its keys are skipped */
};

/* Rule keys; the action-parameter keys name the actions they apply to. */
enum scenario_rkey {
	RK_DIRECTION, RK_KIND, RK_COMMAND, RK_RESPONSE_TO, RK_SEQ, RK_PROGRESS,
	RK_BEFORE_PROGRESS, RK_OFFSET, RK_BYTES, RK_PHASE, RK_ON, RK_AFTER, RK_AFTER_RULE,
	RK_NTH, RK_EVERY, RK_TIMES, RK_PROBABILITY, RK_BURST_ENTER, RK_BURST_EXIT,
	RK_BURST_LOSS, RK_OPTIONAL, RK_ACTION,
	/* action parameters */
	RK_DURATION, RK_LATENCY, RK_JITTER, RK_BAUD, RK_SIZE, RK_GAP, RK_BITS, RK_TARGET,
	RK_KEEP, RK_COUNT, RK_HEX, RK_TEXT, RK_TO, RK_POSITION, RK_STATUS, RK_ERROR,
	RK_STATUS_LEN, RK_REAPPEAR, RK_THEN, RK_BOOT, RK_SETTLE,
	RK_COUNT_
};

/* [scenario] keys. */
enum scenario_skey {
	SK_NAME, SK_SUMMARY, SK_SEED, SK_DEADLINE, SK_CHIP, SK_TRANSPORT, SK_CLIENT, SK_STUB,
	SK_COMPRESS, SK_IMAGE_SIZE, SK_IMAGE, SK_OFFSET, SK_BAUD, SK_CHANGE_BAUD, SK_COUNT_
};

/* How a key's value is parsed into its field (struct scenario_keydef.kind). */
enum scenario_vkind {
	SV_SPECIAL = 0,		/* parsed by the section's own code */
	SV_ENUM,		/* enum (int-sized): index in names, plus base */
	SV_STRING,		/* char *: one of names, copied */
	SV_OPS,			/* uint8_t[32] bitmap of ops and op families */
	SV_RANGE,		/* struct scenario_range up to max; the key may carry an operator */
	SV_U8,			/* uint8_t in min..max */
	SV_U32,			/* uint32_t in min..max */
	SV_INT,			/* int in min..max */
	SV_U64,			/* uint64_t */
	SV_SIZE,		/* uint64_t bytes with K/M suffixes, min..max */
	SV_PERCENT,		/* uint32_t parts per billion */
	SV_DURATION,		/* uint64_t ns, at least min */
	SV_BOOL,		/* int 0 or 1 */
};

#define SCENARIO_NO_FLAG	((size_t)-1)

/* One key of a section: its name, value parser and destination field. */
struct scenario_keydef {
	const char		*name;
	unsigned char		 kind;		/* enum scenario_vkind */
	unsigned char		 multiline;	/* indented continuation lines allowed */
	unsigned char		 range;		/* takes an operator in the key ("seq >= 5") */
	unsigned		 actions;	/* rule parameter: bit per action using it; 0 = any */
	size_t			 off;		/* field offset in the section's struct */
	size_t			 have;		/* int flag set to 1 on success, or SCENARIO_NO_FLAG */
	uint64_t		 min, max;
	const char *const	*names;		/* SV_ENUM, SV_STRING */
	int			 base;		/* SV_ENUM: value of names[0] */
	const char		*hint;		/* SV_ENUM: what it is; else the "(...)" after "bad KEY \"V\"" */
};

extern const struct scenario_keydef scenario_rkeys[RK_COUNT_];
extern const struct scenario_keydef scenario_skeys[SK_COUNT_];

/* Per-section bookkeeping of which keys were seen (and where). */
struct scenario_seen {
	int line[RK_COUNT_];
};

struct scenario_parser {
	const char	*file;
	const char	*text;
	size_t		 pos;
	int		 line;		/* current physical line (1-based) */
	int		 line_cont;	/* the current line is an indented continuation */
	int		 line_bad;	/* the reader replaced the line (already reported) */
	char		*err;
	size_t		 errlen, errpos;
	int		 nerr;
	struct scenario	*sc;
	enum scenario_section sec;
	struct scenario_rule *rule;	/* SCENARIO_SEC_RULE */
	struct scenario_override *ovr;	/* SCENARIO_SEC_EXPECT of an [expect TOOL] */
	int		 seen_scenario, seen_expect;
	int		 skey_line[SK_COUNT_];	/* [scenario] keys seen */
	char		 last_key[64];	/* previous key of the section, for continuations */
	struct scenario_seen *seen;	/* per rule, parallel to sc->rules */
	size_t		 nseen;
};

/* scenario-read.c */
void scenario_error(struct scenario_parser *p, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *scenario_suggest(const char *s, const char *const *names, size_t n);
int scenario_lookup(struct scenario_parser *p, const char *what, const char *s,
    const char *const *names);
struct scenario_seen *scenario_seen_of(struct scenario_parser *p, size_t rule);

/* scenario-value.c */
int scenario_parse_u64(const char *s, uint64_t *out);
int scenario_parse_u32v(const char *s, uint32_t *out);
int scenario_parse_bool(const char *s, int *out);
int scenario_valid_name(const char *s);
char *scenario_trim(const char *s, size_t len);
int scenario_parse_range(const char *op, const char *v, uint64_t max, struct scenario_range *r);
int scenario_parse_ops(struct scenario_parser *p, const char *v, uint8_t map[32]);
int scenario_parse_hex(const char *v, uint8_t *out, size_t max, size_t *len);
int scenario_parse_text(const char *v, uint8_t *out, size_t max, size_t *len, const char **why);
int scenario_parse_version(const char *s, unsigned ver[3]);
int scenario_parse_tool(struct scenario_parser *p, const char *spec, struct scenario_override *o);
void scenario_parse_nth(struct scenario_parser *p, struct scenario_rule *r, const char *value);
/* Parse value into base + def->off as def says; reports errors; 0 or -1. */
int scenario_set_value(struct scenario_parser *p, const struct scenario_keydef *def,
    void *base, char op, const char *value);

/* scenario-keys.c */
void scenario_normkey(const char *in, char *out, size_t size, char *op);
void scenario_kv_add(struct scenario_kv **kv, size_t *n, const char *key, const char *value,
    int line);
void scenario_key_scenario(struct scenario_parser *p, const char *key, const char *value,
    int cont);
void scenario_key_expect(struct scenario_parser *p, const char *key, const char *value,
    int cont);
void scenario_key_rule(struct scenario_parser *p, const char *key, char op, const char *value,
    int cont);

/* scenario-check.c */
void scenario_check(struct scenario_parser *p);

#endif
