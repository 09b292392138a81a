/*
 * scenario.h — fault scenario files: a strict INI dialect (parsed with
 * libinih) that names a session, the outcome it should produce and the
 * fault rules that produce it. docs/sliptap-scenario.5 is the reference for
 * the file format; this header describes the parsed form.
 *
 * Pure: scenario_parse_string() takes text and returns a struct scenario or
 * "file:line: message" errors. scenario_parse_file() (src/io/scenario-file.c,
 * the one function here that does I/O) reads the file into memory first.
 * Durations follow the one grammar of units.h ("40ms", "1.5s", "2min").
 *
 * Strictness: unknown sections and keys, unitless durations, percentages
 * outside 0..100, duplicate keys, sections and rule names, unknown actions,
 * ops, events, classes and outcomes are errors (with a did-you-mean
 * suggestion where one is close).
 */
#ifndef SLIPTAP_SCENARIO_H
#define SLIPTAP_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#define SCENARIO_NAME_MAX	40	/* longest rule / scenario name */
#define SCENARIO_MAX_RULES	64
#define SCENARIO_MAX_NTH	256	/* entries of an `nth` list */
#define SCENARIO_MAX_DATA	1024	/* bytes of inject data */
#define SCENARIO_MAX_ERRORS	20	/* errors reported per file before giving up */
/* Probabilities are kept as parts per billion: 100 % = SCENARIO_PPB_ONE. */
#define SCENARIO_PPB_ONE	1000000000u

/* Which way a unit travels (a rule's `direction`). */
enum scenario_dir {
	SCENARIO_DIR_ANY = 0,
	SCENARIO_DIR_TO_DEVICE,		/* host (flashing tool) -> device: "to-device", "host" */
	SCENARIO_DIR_TO_HOST,		/* device -> host: "to-host", "device" */
};

/* What a unit is (a rule's `kind`). */
enum scenario_kind {
	SCENARIO_KIND_ANY = 0,
	SCENARIO_KIND_FRAME,		/* any complete SLIP frame */
	SCENARIO_KIND_COMMAND,		/* a frame that parses as a command packet */
	SCENARIO_KIND_RESPONSE,		/* a frame that parses as a response packet */
	SCENARIO_KIND_OHAI,		/* the stub's "OHAI" greeting frame */
	SCENARIO_KIND_GARBAGE,		/* a frame that is neither (not a packet, not OHAI) */
	SCENARIO_KIND_TEXT,		/* bytes outside frames (boot log, app output, noise) */
};

/* Session events (a rule's `on`). */
enum scenario_event {
	SCENARIO_EV_NONE = 0,
	SCENARIO_EV_CLIENT_OPEN,	/* the flashing tool opened the port */
	SCENARIO_EV_FIRST_SYNC,		/* the tool's first SYNC (since it opened the port) */
	SCENARIO_EV_BAUD_CHANGE,	/* a CHANGE_BAUDRATE took effect */
	SCENARIO_EV_RESET,		/* the chip was reset (DTR/RTS, hard reset) */
	SCENARIO_EV_STUB_START,		/* the flasher stub said "OHAI" */
	SCENARIO_EV_COUNT
};

enum scenario_action {
	SCENARIO_ACT_NONE = 0,		/* (no action key: an error after parsing) */
	SCENARIO_ACT_PASS,		/* forward unchanged; only counts (a marker) */
	SCENARIO_ACT_DROP,
	SCENARIO_ACT_DUPLICATE,
	SCENARIO_ACT_DELAY,
	SCENARIO_ACT_STALL,
	SCENARIO_ACT_THROTTLE,
	SCENARIO_ACT_SLICE,
	SCENARIO_ACT_CORRUPT,
	SCENARIO_ACT_TRUNCATE,
	SCENARIO_ACT_INJECT,
	SCENARIO_ACT_REPLY,
	SCENARIO_ACT_DISCONNECT,
	SCENARIO_ACT_IGNORE_BAUD,	/* "ignore-baud-change" */
	SCENARIO_ACT_RESET,
	SCENARIO_ACT_FREEZE,		/* "freeze-host-writes" */
	SCENARIO_ACT_COUNT
};

/* corrupt: which bytes may be flipped. */
enum scenario_target {
	SCENARIO_TARGET_PAYLOAD = 0,	/* command: block data after the sub-header (or data); response: data before the status */
	SCENARIO_TARGET_CHECKSUM,	/* command: the header's checksum word */
	SCENARIO_TARGET_HEADER,		/* the 8-byte packet header */
	SCENARIO_TARGET_STATUS,		/* response: the status bytes */
	SCENARIO_TARGET_FRAMING,	/* SLIP framing: the opening C0 becomes another byte */
	SCENARIO_TARGET_ANY,		/* any byte of the decoded body */
};

/* inject: where the bytes go relative to the triggering unit. */
enum scenario_position {
	SCENARIO_POS_BEFORE = 0,
	SCENARIO_POS_AFTER,
	SCENARIO_POS_INSTEAD,		/* the unit is dropped */
};

enum scenario_boot {
	SCENARIO_BOOT_DOWNLOAD = 0,	/* IO0 low: the ROM loader waits for download */
	SCENARIO_BOOT_SPI,		/* normal boot from flash (the app runs) */
};

/* freeze-host-writes: what happens when `duration` ends. */
enum scenario_then {
	SCENARIO_THEN_RESUME = 0,
	SCENARIO_THEN_DISCONNECT,
};

/* The QA outcome a run observes (and a scenario expects). */
enum scenario_outcome {
	SCENARIO_OUT_NONE = 0,
	SCENARIO_OUT_PASS,		/* exit 0, nothing went wrong */
	SCENARIO_OUT_RECOVERED,		/* exit 0 after retries or a reconnect */
	SCENARIO_OUT_FAIL_CLEAN,	/* non-zero exit with the expected message */
	SCENARIO_OUT_FAIL_DIRTY,	/* traceback or the wrong message */
	SCENARIO_OUT_HANG,		/* the deadline passed */
	SCENARIO_OUT_SILENT_CORRUPTION,	/* exit 0 but the flash content is wrong */
	SCENARIO_OUT_NOT_TRIGGERED,	/* an armed rule never fired */
};

/* Phase condition (`phase`), the tracker's phases; -1 = any. */
#define SCENARIO_PHASE_ANY	(-1)

/* An inclusive numeric range; `set` 0 means "no condition". */
struct scenario_range {
	int		 set;
	uint64_t	 lo, hi;
};

/* One key = value as written (kept to write pinned copies). */
struct scenario_kv {
	char		*key;
	char		*value;
	int		 line;
};

struct scenario_rule {
	char		*name;
	int		 line;			/* line of the [rule NAME] header */

	/* Triggers, ANDed. */
	enum scenario_dir dir;
	enum scenario_kind kind;
	int		 have_command;		/* `command`: ops of host commands */
	uint8_t		 command[32];		/* bitmap of ops */
	int		 have_response_to;	/* `response_to`: ops answered by device replies */
	uint8_t		 response_to[32];
	struct scenario_range seq;		/* *_DATA seq (a reply: the seq it answers) */
	struct scenario_range progress;		/* esptool's percent for the block */
	int		 before_progress;	/* the reply after which the tool prints this percent; -1 none */
	struct scenario_range offset;		/* flash address esptool prints for the block */
	struct scenario_range bytes;		/* bytes so far in the unit's direction */
	int		 phase;			/* SCENARIO_PHASE_ANY or an enum session_phase */
	enum scenario_event on;			/* session event instead of a unit */
	int		 have_after;
	uint64_t	 after_ns;		/* since the start, or since after_rule first fired */
	char		*after_rule;
	int		 after_rule_idx;	/* index in scenario.rules, -1 */
	uint32_t	 nth[SCENARIO_MAX_NTH];	/* 1-based match ordinals, ascending */
	size_t		 nnth;
	uint32_t	 every;			/* 0 = none */
	int		 have_times;
	uint32_t	 times;			/* fire at most this often */
	int		 have_probability;
	uint32_t	 probability;		/* ppb */
	int		 burst;			/* Gilbert-Elliott model on */
	uint32_t	 burst_enter, burst_exit, burst_loss;	/* ppb */
	int		 optional;		/* never firing is not NOT_TRIGGERED-worthy */

	/* The action and its parameters. */
	enum scenario_action action;
	int		 have_duration;
	uint64_t	 duration_ns;		/* stall, throttle, freeze-host-writes */
	uint64_t	 latency_ns, jitter_ns;	/* delay */
	uint32_t	 baud;			/* throttle */
	uint32_t	 size;			/* slice */
	uint64_t	 gap_ns;		/* slice */
	uint32_t	 bits;			/* corrupt: bits flipped (default 1) */
	enum scenario_target target;		/* corrupt */
	uint32_t	 keep;			/* truncate: raw bytes kept */
	uint32_t	 count;			/* duplicate: extra copies (default 1) */
	uint8_t		*data;			/* inject: bytes (hex or text) */
	size_t		 data_len;
	enum scenario_dir to;			/* inject: receiver (ANY = the unit's receiver, or the host) */
	enum scenario_position position;	/* inject */
	uint8_t		 status;		/* reply (default 1) */
	uint8_t		 error;			/* reply (default 0x07) */
	int		 status_len;		/* reply: 2 or 4; 0 = as the session says */
	int		 have_reappear;
	uint64_t	 reappear_ns;		/* disconnect, freeze-host-writes then=disconnect */
	enum scenario_then then;		/* freeze-host-writes */
	uint64_t	 settle_ns;		/* freeze-host-writes on a unit: hold it this long first (default 50 ms) */
	enum scenario_boot boot;		/* reset */

	struct scenario_kv *kv;			/* the rule's lines as written */
	size_t		 nkv;
};

/*
 * An [expect TOOL] section: expectations that replace the [expect] ones for
 * some tools. TOOL is "esptool", "esptool-js", or "esptool" with a version
 * comparison ("esptool<4", "esptool>=4.8", "esptool=3.3.2"). Fields left
 * unset (outcome NONE, NULL strings, last_progress -2) inherit [expect].
 */
struct scenario_override {
	char		*tool;			/* as written */
	char		 client[32];		/* "esptool" or "esptool-js" */
	char		 op[3];			/* "", "<", "<=", ">", ">=", "=" */
	unsigned	 ver[3];
	int		 line;
	enum scenario_outcome outcome;
	char		*class;
	char		*message;
	char		*known_bug;
	int		 last_progress;
	struct scenario_kv *kv;
	size_t		 nkv;
};

/* The expectation for one tool (borrowed strings; see scenario_expect_for). */
struct scenario_expect {
	enum scenario_outcome outcome;
	const char	*class;
	const char	*message;
	const char	*known_bug;
	int		 last_progress;		/* -1 = unset */
};

/* The test image's content (`image`). */
enum scenario_image {
	SCENARIO_IMAGE_MIXED = 0,	/* first half random, then text lines (the default) */
	SCENARIO_IMAGE_RANDOM,		/* random bytes: deflate gains nothing */
	SCENARIO_IMAGE_TEXT,		/* text lines: deflate shrinks it a lot */
	SCENARIO_IMAGE_ZEROS,		/* all 0x00 */
	SCENARIO_IMAGE_ERASED,		/* all 0xFF, like erased flash */
};

#define SCENARIO_DEFAULT_IMAGE_SIZE	(64u * 1024)	/* bytes */
#define SCENARIO_DEFAULT_OFFSET		0x10000u	/* flash address */
#define SCENARIO_MAX_IMAGE		(64u * 1024 * 1024)	/* offset + image_size */

/*
 * How the flash is done ([scenario] keys; `sliptap run` builds the tool's
 * command line from them). Unset strings are NULL; stub and compress are
 * -1 when unset (the tool's default: stub on, compressed); the numbers hold
 * their defaults when unset (have_* says whether the file set them).
 */
struct scenario_flash {
	char		*chip;			/* "esp32s3", ..., "any", or NULL (run: esp32) */
	char		*transport;		/* "uart", "usb-jtag", "usb-otg", "any", or NULL (uart) */
	char		*client;		/* hint: "esptool", "esptool-js", "any" or NULL */
	int		 stub;			/* -1 unset, 0 ROM loader (--no-stub), 1 flasher stub */
	int		 compress;		/* -1 unset, 0 plain FLASH_DATA (-u), 1 FLASH_DEFL_DATA */
	uint64_t	 image_size;		/* bytes to flash (default 64 KiB) */
	int		 have_image_size;
	enum scenario_image image;		/* content of the test image */
	uint32_t	 offset;		/* flash address written (default 0x10000) */
	int		 have_offset;
	uint32_t	 baud;			/* initial baud (0 = the tool's default) */
	uint32_t	 change_baud;		/* baud the tool switches to (0 = none) */
};

struct scenario {
	char		*file;			/* the name errors use */
	/* [scenario] */
	char		*name;
	char		*summary;
	int		 have_seed;
	uint64_t	 seed;
	int		 have_deadline;
	uint64_t	 deadline_ns;
	struct scenario_flash flash;		/* how the flash is done */
	/* [expect] */
	enum scenario_outcome outcome;
	char		*class;			/* a failure class name, e.g. "WRITE_TIMEOUT" */
	char		*message;		/* alternatives separated by " | " or NULL */
	char		*known_bug;		/* URL or NULL */
	int		 last_progress;		/* -1 = unset */

	struct scenario_override *overrides;	/* [expect TOOL] sections, in file order */
	size_t		 noverrides;

	struct scenario_rule *rules;
	size_t		 nrules;

	struct scenario_kv *scenario_kv, *expect_kv;	/* as written, for pinning */
	size_t		 nscenario_kv, nexpect_kv;
};

/*
 * Parse scenario text. `file` names the text in messages ("x.ini:12: ...").
 * Returns 0 and fills *sc (free with scenario_free), or -1 with *sc empty
 * and err holding one "file:line: message" per line (at most
 * SCENARIO_MAX_ERRORS; err is always NUL-terminated when errlen > 0).
 * Never crashes on any input (it is fuzzed).
 */
int scenario_parse_string(const char *file, const char *text, struct scenario *sc,
    char *err, size_t errlen);
/*
 * Read `path` and parse it like scenario_parse_string (messages name path).
 * Returns 0 or -1 (unreadable files give "path: strerror").
 */
int scenario_parse_file(const char *path, struct scenario *sc, char *err, size_t errlen);
/* Release everything *sc owns and zero it; safe on a zeroed or freed scenario. */
void scenario_free(struct scenario *sc);

/*
 * The expectation for `client` ("esptool", "esptool-js"; "py" and "js" are
 * accepted too; NULL = the base [expect]) at `version` ("4.9.1"; a suffix
 * after the numbers such as ".dev3" or "-rc1" is ignored; NULL when unknown,
 * then only unversioned [expect TOOL] sections apply): [expect]
 * with every matching [expect TOOL] section applied in file order. Strings
 * borrow from sc. Returns 0; -1 when client is not a known tool and -2 when
 * version is not N[.N[.N]] (out is then the base [expect]).
 */
int scenario_expect_for(const struct scenario *sc, const char *client, const char *version,
    struct scenario_expect *out);
/* Nonzero when `client` names a tool scenario_expect_for knows. */
int scenario_tool_valid(const char *client);
/* The outcome named `name` ("fail-clean", ...), or SCENARIO_OUT_NONE. */
enum scenario_outcome scenario_outcome_by_name(const char *name);
/* "mixed", "random", ... */
const char *scenario_image_name(enum scenario_image im);

#define SCENARIO_IMAGE_LINE	64	/* bytes per text line of a test image */
/*
 * Bytes [pos, pos + len) of the test image of `size` bytes with content `im`
 * drawn from `seed`, into out: the same arguments give the same bytes, in
 * any chunking, so the image a run writes and the one it compares the flash
 * with agree. Random bytes: a splitmix64 stream addressed by position; text:
 * 64-byte lines "sliptap test image line 00000042 ....\n" numbered from the
 * start of the text (mixed: the second half). Bytes at or past size are 0xFF.
 */
void scenario_image_fill(enum scenario_image im, uint64_t size, uint64_t seed, uint64_t pos,
    uint8_t *out, size_t len);

/*
 * Rules whose action the proxy's front (facing the tool) or device side
 * cannot perform, given their CAP_* bits (caps.h): 0, or -1 with
 * one "file:line: rule NAME: ACTION needs a front that can ..." per line in
 * err. freeze-host-writes needs a front that can freeze writes (and, with
 * then = disconnect, vanish); disconnect a front that can vanish; reset a
 * device with DTR/RTS; ignore-baud-change a device that can set the baud.
 */
int scenario_check_front(const struct scenario *sc, unsigned front_caps, unsigned device_caps,
    char *err, size_t errlen);

/* The rule named `name`, or NULL. */
const struct scenario_rule *scenario_rule_find(const struct scenario *sc, const char *name);

/* Names as written in files ("freeze-host-writes", "to-host", ...). */
const char *scenario_action_name(enum scenario_action a);
const char *scenario_event_name(enum scenario_event ev);
const char *scenario_outcome_name(enum scenario_outcome o);
const char *scenario_dir_name(enum scenario_dir d);
/* Nonzero when `name` is a failure class (docs/failure-classes.md), exact case. */
int scenario_class_valid(const char *name);
/* The failure classes, NULL-terminated. */
extern const char *const scenario_classes[];
/* Nonzero when the rule's decision involves a random draw (probability, burst). */
int scenario_rule_random(const struct scenario_rule *r);
/* Nonzero when a rule depends on wall-clock time (`after`). */
int scenario_rule_timed(const struct scenario_rule *r);

/* Parse a percentage "2", "2%", "0.5 %" (0..100) into ppb: 0 or -1. */
int scenario_parse_percent(const char *s, uint32_t *ppb);

#endif
