/*
 * scenario-keys.c — the keys of each section as tables: name, value parser
 * and destination field (scenario-value.c's scenario_set_value() does the
 * parsing), plus the few keys that need code of their own. Also indented
 * continuation lines, one function for every multi-line key.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "scenario-int.h"
#include "util.h"

/* SV_ENUM stores enums through an int. */
_Static_assert(sizeof(enum scenario_dir) == sizeof(int), "enum scenario_dir is not int-sized");
_Static_assert(sizeof(enum scenario_action) == sizeof(int), "enum scenario_action is not int-sized");
_Static_assert(sizeof(enum scenario_image) == sizeof(int), "enum scenario_image is not int-sized");

#define A(x)		(1u << SCENARIO_ACT_##x)
#define R(f)		offsetof(struct scenario_rule, f)
#define NOF		SCENARIO_NO_FLAG
#define DUR(n, act, f, have) \
	{ n, SV_DURATION, 0, 0, act, R(f), have, 0, 0, NULL, 0, NULL }
#define NUM(n, kind, act, f, have, lo, hi, hint) \
	{ n, kind, 0, 0, act, R(f), have, lo, hi, NULL, 0, hint }
#define ENUM(n, act, f, names, base, what) \
	{ n, SV_ENUM, 0, 0, act, R(f), NOF, 0, 0, names, base, what }
#define SPECIAL(n, act, multi) \
	{ n, SV_SPECIAL, multi, 0, act, 0, NOF, 0, 0, NULL, 0, NULL }
#define RANGE(n, f, hi, hint) \
	{ n, SV_RANGE, 0, 1, 0, R(f), NOF, 0, hi, NULL, 0, hint }

const struct scenario_keydef scenario_rkeys[RK_COUNT_] = {
	[RK_DIRECTION] = SPECIAL("direction", 0, 0),
	[RK_KIND] = ENUM("kind", 0, kind, scenario_kinds, 0, "kind"),
	[RK_COMMAND] = { "command", SV_OPS, 1, 0, 0, R(command), R(have_command), 0, 0, NULL, 0,
	    NULL },
	[RK_RESPONSE_TO] = { "response_to", SV_OPS, 1, 0, 0, R(response_to), R(have_response_to),
	    0, 0, NULL, 0, NULL },
	[RK_SEQ] = RANGE("seq", seq, UINT32_MAX, "(N, A..B, >= N, <= N, > N or < N)"),
	[RK_PROGRESS] = RANGE("progress", progress, 100,
	    "(a percent 0..100: N, A..B, >= N, <= N)"),
	[RK_BEFORE_PROGRESS] = NUM("before_progress", SV_INT, 0, before_progress, NOF, 0, 100,
	    "(a percent 0..100)"),
	[RK_OFFSET] = RANGE("offset", offset, UINT32_MAX, "(an address, A..B, >= A, ...)"),
	[RK_BYTES] = RANGE("bytes", bytes, UINT64_MAX, "(N, A..B, >= N, ...)"),
	[RK_PHASE] = ENUM("phase", 0, phase, scenario_phases, 0, "phase"),
	[RK_ON] = ENUM("on", 0, on, scenario_event_names + 1, 1, "event"),
	[RK_AFTER] = DUR("after", 0, after_ns, R(have_after)),
	[RK_AFTER_RULE] = SPECIAL("after_rule", 0, 0),
	[RK_NTH] = SPECIAL("nth", 0, 1),
	[RK_EVERY] = NUM("every", SV_U32, 0, every, NOF, 1, UINT32_MAX, "(a positive number)"),
	[RK_TIMES] = NUM("times", SV_U32, 0, times, R(have_times), 0, UINT32_MAX, "(a number)"),
	[RK_PROBABILITY] = { "probability", SV_PERCENT, 0, 0, 0, R(probability),
	    R(have_probability), 0, 0, NULL, 0, NULL },
	[RK_BURST_ENTER] = { "burst_enter", SV_PERCENT, 0, 0, 0, R(burst_enter), R(burst), 0, 0,
	    NULL, 0, NULL },
	[RK_BURST_EXIT] = { "burst_exit", SV_PERCENT, 0, 0, 0, R(burst_exit), R(burst), 0, 0,
	    NULL, 0, NULL },
	[RK_BURST_LOSS] = { "burst_loss", SV_PERCENT, 0, 0, 0, R(burst_loss), R(burst), 0, 0,
	    NULL, 0, NULL },
	[RK_OPTIONAL] = { "optional", SV_BOOL, 0, 0, 0, R(optional), NOF, 0, 0, NULL, 0, NULL },
	[RK_ACTION] = ENUM("action", 0, action, scenario_action_names + 1, 1, "action"),
	[RK_DURATION] = DUR("duration", A(STALL) | A(THROTTLE) | A(FREEZE), duration_ns,
	    R(have_duration)),
	[RK_LATENCY] = DUR("latency", A(DELAY), latency_ns, NOF),
	[RK_JITTER] = DUR("jitter", A(DELAY), jitter_ns, NOF),
	[RK_BAUD] = NUM("baud", SV_U32, A(THROTTLE), baud, NOF, 50, 16000000,
	    "(50 to 16000000)"),
	[RK_SIZE] = NUM("size", SV_U32, A(SLICE), size, NOF, 1, 65536,
	    "(bytes per piece, 1 to 65536)"),
	[RK_GAP] = DUR("gap", A(SLICE), gap_ns, NOF),
	[RK_BITS] = NUM("bits", SV_U32, A(CORRUPT), bits, NOF, 1, 64, "(1 to 64)"),
	[RK_TARGET] = ENUM("target", A(CORRUPT), target, scenario_targets, 0, "target"),
	[RK_KEEP] = NUM("keep", SV_U32, A(TRUNCATE), keep, NOF, 0, UINT32_MAX,
	    "(raw bytes kept)"),
	[RK_COUNT] = NUM("count", SV_U32, A(DUPLICATE), count, NOF, 1, 16,
	    "(1 to 16 extra copies)"),
	[RK_HEX] = SPECIAL("hex", A(INJECT), 1),
	[RK_TEXT] = SPECIAL("text", A(INJECT), 1),
	[RK_TO] = SPECIAL("to", A(INJECT), 0),
	[RK_POSITION] = ENUM("position", A(INJECT), position, scenario_positions, 0, "position"),
	[RK_STATUS] = NUM("status", SV_U8, A(REPLY), status, NOF, 0, 255, "(0 to 255)"),
	[RK_ERROR] = SPECIAL("error", A(REPLY), 0),
	[RK_STATUS_LEN] = SPECIAL("status_len", A(REPLY), 0),
	[RK_REAPPEAR] = DUR("reappear", A(DISCONNECT) | A(FREEZE), reappear_ns, R(have_reappear)),
	[RK_THEN] = ENUM("then", A(FREEZE), then, scenario_thens, 0, "then"),
	[RK_BOOT] = ENUM("boot", A(RESET), boot, scenario_boots, 0, "boot mode"),
	[RK_SETTLE] = DUR("settle", A(FREEZE), settle_ns, NOF),
};

#undef R
#define S(f)		offsetof(struct scenario, f)
#define F(f)		offsetof(struct scenario, flash.f)

const struct scenario_keydef scenario_skeys[SK_COUNT_] = {
	[SK_NAME] = { "name", SV_SPECIAL, 0, 0, 0, 0, NOF, 0, 0, NULL, 0, NULL },
	[SK_SUMMARY] = { "summary", SV_SPECIAL, 1, 0, 0, 0, NOF, 0, 0, NULL, 0, NULL },
	[SK_SEED] = { "seed", SV_U64, 0, 0, 0, S(seed), S(have_seed), 0, UINT64_MAX, NULL, 0,
	    "(a 64-bit number)" },
	[SK_DEADLINE] = { "deadline", SV_DURATION, 0, 0, 0, S(deadline_ns), S(have_deadline),
	    1, 0, NULL, 0, NULL },
	[SK_CHIP] = { "chip", SV_STRING, 0, 0, 0, F(chip), NOF, 0, 0, scenario_chips, 0,
	    "chip" },
	[SK_TRANSPORT] = { "transport", SV_STRING, 0, 0, 0, F(transport), NOF, 0, 0,
	    scenario_transports, 0, "transport" },
	[SK_CLIENT] = { "client", SV_STRING, 0, 0, 0, F(client), NOF, 0, 0, scenario_clients, 0,
	    "client" },
	[SK_STUB] = { "stub", SV_BOOL, 0, 0, 0, F(stub), NOF, 0, 0, NULL, 0, NULL },
	[SK_COMPRESS] = { "compress", SV_BOOL, 0, 0, 0, F(compress), NOF, 0, 0, NULL, 0, NULL },
	[SK_IMAGE_SIZE] = { "image_size", SV_SIZE, 0, 0, 0, F(image_size), F(have_image_size),
	    1, SCENARIO_MAX_IMAGE, NULL, 0, "(e.g. 512K, 1M; at most 64M)" },
	[SK_IMAGE] = { "image", SV_ENUM, 0, 0, 0, F(image), NOF, 0, 0, scenario_images, 0,
	    "image content" },
	[SK_OFFSET] = { "offset", SV_U32, 0, 0, 0, F(offset), F(have_offset), 0,
	    SCENARIO_MAX_IMAGE - 1, NULL, 0, "(a flash address below 64M, e.g. 0x10000)" },
	[SK_BAUD] = { "baud", SV_U32, 0, 0, 0, F(baud), NOF, 300, 16000000, NULL, 0,
	    "(300 to 16000000)" },
	[SK_CHANGE_BAUD] = { "change_baud", SV_U32, 0, 0, 0, F(change_baud), NOF, 300, 16000000,
	    NULL, 0, "(300 to 16000000)" },
};

enum scenario_ekey { EK_OUTCOME, EK_CLASS, EK_MESSAGE, EK_KNOWN_BUG, EK_LAST_PROGRESS, EK_COUNT_ };
static const char *const scenario_ekeys[EK_COUNT_ + 1] = {
	"outcome", "class", "message", "known_bug", "last_progress", NULL
};

/* Keys may be written with '-' for '_'; compare normalised. */
void
scenario_normkey(const char *in, char *out, size_t size, char *op)
{
	size_t i, n = strlen(in);

	*op = '\0';
	/* "seq >" from "seq >= 5", "progress <" from "progress <= 50" */
	if (n > 0 && (in[n - 1] == '>' || in[n - 1] == '<')) {
		*op = in[n - 1];
		n--;
		while (n > 0 && isspace((unsigned char)in[n - 1]))
			n--;
	}
	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		out[i] = in[i] == '-' ? '_' : in[i];
	out[n] = '\0';
}

void
scenario_kv_add(struct scenario_kv **kv, size_t *n, const char *key, const char *value, int line)
{
	*kv = xrealloc(*kv, (*n + 1) * sizeof(**kv));
	(*kv)[*n].key = xstrdup(key);
	(*kv)[*n].value = xstrdup(value);
	(*kv)[*n].line = line;
	(*n)++;
}

/*
 * An indented line continuing `key`: appends it to the key's as-written
 * value (kv[nkv - 1], for pinning) and returns that entry, or NULL (reported)
 * when the key takes no continuation or its first line was rejected.
 */
static struct scenario_kv *
scenario_continue(struct scenario_parser *p, struct scenario_kv *kv, size_t nkv, const char *key,
    int multiline, const char *value)
{
	char *j;

	if (!multiline) {
		scenario_error(p, p->line, "indented line continues \"%s\"; remove the indentation", key);
		return NULL;
	}
	if (nkv == 0 || strcmp(kv[nkv - 1].key, key) != 0) {
		scenario_error(p, p->line, "indented line continues a rejected \"%s\"", key);
		return NULL;
	}
	xasprintf(&j, "%s\n    %s", kv[nkv - 1].value, value);
	free(kv[nkv - 1].value);
	kv[nkv - 1].value = j;
	return &kv[nkv - 1];
}

/* Append " value" to a one-line text built from continuation lines. */
static void
scenario_text_append(char **text, const char *value)
{
	char *n;

	if (*text == NULL)
		return;
	xasprintf(&n, "%s %s", *text, value);
	free(*text);
	*text = n;
}

/* Index of key in a table of n keydefs, or -1 with "unknown key" reported. */
static int
scenario_key_find(struct scenario_parser *p, const struct scenario_keydef *defs, int n,
    const char *key, const char *sec)
{
	const char *names[RK_COUNT_], *hint;
	int i;

	for (i = 0; i < n; i++) {
		names[i] = defs[i].name;
		if (strcmp(key, names[i]) == 0)
			return i;
	}
	hint = scenario_suggest(key, names, (size_t)n);
	if (hint != NULL)
		scenario_error(p, p->line, "unknown key \"%s\" in %s (did you mean \"%s\"?)", key, sec,
		    hint);
	else
		scenario_error(p, p->line, "unknown key \"%s\" in %s", key, sec);
	return -1;
}

/* ---- [scenario] ------------------------------------------------------ */

void
scenario_key_scenario(struct scenario_parser *p, const char *key, const char *value, int cont)
{
	struct scenario *sc = p->sc;
	int k;

	if ((k = scenario_key_find(p, scenario_skeys, SK_COUNT_, key, "[scenario]")) < 0)
		return;
	if (cont) {
		if (scenario_continue(p, sc->scenario_kv, sc->nscenario_kv, key,
		    scenario_skeys[k].multiline, value) != NULL)
			scenario_text_append(&sc->summary, value);
		return;
	}
	if (p->skey_line[k] != 0) {
		scenario_error(p, p->line, "duplicate key \"%s\" (first on line %d)", key,
		    p->skey_line[k]);
		return;
	}
	p->skey_line[k] = p->line;
	scenario_kv_add(&sc->scenario_kv, &sc->nscenario_kv, key, value, p->line);
	switch (k) {
	case SK_NAME:
		if (!scenario_valid_name(value))
			scenario_error(p, p->line, "bad name \"%s\" (letters, digits, '-', '_', '.', at most %d)",
			    value, SCENARIO_NAME_MAX);
		else
			sc->name = xstrdup(value);
		break;
	case SK_SUMMARY:
		sc->summary = xstrdup(value);
		break;
	default:
		scenario_set_value(p, &scenario_skeys[k], sc, '\0', value);
		break;
	}
}

/* ---- [expect] and [expect TOOL] -------------------------------------- */

/* Where an [expect] or [expect TOOL] section's values go. */
struct scenario_expect_dst {
	char		 sec[64];
	enum scenario_outcome *outcome;
	char		**class, **message, **known_bug;
	int		*last_progress;
	struct scenario_kv **kv;
	size_t		*nkv;
};

static void
scenario_expect_dst(struct scenario_parser *p, struct scenario_expect_dst *dst)
{
	struct scenario *sc = p->sc;
	struct scenario_override *o = p->ovr;

	if (o != NULL) {
		snprintf(dst->sec, sizeof(dst->sec), "[expect %s]", o->tool);
		dst->outcome = &o->outcome;
		dst->class = &o->class;
		dst->message = &o->message;
		dst->known_bug = &o->known_bug;
		dst->last_progress = &o->last_progress;
		dst->kv = &o->kv;
		dst->nkv = &o->nkv;
		return;
	}
	snprintf(dst->sec, sizeof(dst->sec), "[expect]");
	dst->outcome = &sc->outcome;
	dst->class = &sc->class;
	dst->message = &sc->message;
	dst->known_bug = &sc->known_bug;
	dst->last_progress = &sc->last_progress;
	dst->kv = &sc->expect_kv;
	dst->nkv = &sc->nexpect_kv;
}

void
scenario_key_expect(struct scenario_parser *p, const char *key, const char *value, int cont)
{
	struct scenario_expect_dst dst;
	const char *hint;
	size_t i;
	uint32_t v;
	int k = -1, o;
	char norm[64], op;

	scenario_expect_dst(p, &dst);
	for (i = 0; i < EK_COUNT_; i++)
		if (strcmp(key, scenario_ekeys[i]) == 0)
			k = (int)i;
	if (k < 0) {
		hint = scenario_suggest(key, scenario_ekeys, EK_COUNT_);
		if (hint != NULL)
			scenario_error(p, p->line, "unknown key \"%s\" in %s (did you mean \"%s\"?)", key,
			    dst.sec, hint);
		else
			scenario_error(p, p->line, "unknown key \"%s\" in %s", key, dst.sec);
		return;
	}
	if (cont) {
		if (scenario_continue(p, *dst.kv, *dst.nkv, key, k == EK_MESSAGE, value) != NULL)
			scenario_text_append(dst.message, value);
		return;
	}
	for (i = 0; i < *dst.nkv; i++) {
		scenario_normkey((*dst.kv)[i].key, norm, sizeof(norm), &op);
		if (strcmp(norm, key) == 0) {
			scenario_error(p, p->line, "duplicate key \"%s\" (first on line %d)", key,
			    (*dst.kv)[i].line);
			return;
		}
	}
	scenario_kv_add(dst.kv, dst.nkv, key, value, p->line);
	switch (k) {
	case EK_OUTCOME:
		o = scenario_lookup(p, "outcome", value, scenario_outcome_names + 1);
		if (o >= 0)
			*dst.outcome = (enum scenario_outcome)(o + 1);
		break;
	case EK_CLASS:
		if (scenario_lookup(p, "failure class", value, scenario_classes) >= 0)
			*dst.class = xstrdup(value);
		break;
	case EK_MESSAGE:
		*dst.message = xstrdup(value);
		break;
	case EK_KNOWN_BUG:
		if (strncmp(value, "https://", 8) != 0 && strncmp(value, "http://", 7) != 0)
			scenario_error(p, p->line, "known_bug must be an http(s) URL");
		else
			*dst.known_bug = xstrdup(value);
		break;
	case EK_LAST_PROGRESS:
		if (scenario_parse_u32v(value, &v) != 0 || v > 100)
			scenario_error(p, p->line, "bad last_progress \"%s\" (0 to 100)", value);
		else
			*dst.last_progress = (int)v;
		break;
	}
}

/* ---- [rule NAME] ----------------------------------------------------- */

/* Inject data: a first line or a continuation, appended to r->data. */
static void
scenario_rule_data(struct scenario_parser *p, struct scenario_rule *r, int hex,
    const char *value, int cont)
{
	uint8_t buf[SCENARIO_MAX_DATA];
	const char *why = NULL;
	size_t n;

	if (hex ? scenario_parse_hex(value, buf, sizeof(buf), &n) != 0 :
	    scenario_parse_text(value, buf, sizeof(buf), &n, &why) != 0) {
		if (cont)
			scenario_error(p, p->line, "bad %s continuation%s%s", hex ? "hex" : "text",
			    why ? ": " : "", why ? why : "");
		else if (hex)
			scenario_error(p, p->line, "bad hex \"%s\" (pairs of hex digits, e.g. c0 01 08)", value);
		else
			scenario_error(p, p->line, "bad text: %s", why);
		return;
	}
	if (r->data_len + n > SCENARIO_MAX_DATA) {
		scenario_error(p, p->line, "inject data longer than %d bytes", SCENARIO_MAX_DATA);
		return;
	}
	r->data = xrealloc(r->data, r->data_len + n);
	memcpy(r->data + r->data_len, buf, n);
	r->data_len += n;
}

/* `error`: a name (BAD_CHECKSUM, bad-checksum) or a number. */
static void
scenario_rule_error_code(struct scenario_parser *p, struct scenario_rule *r, const char *value)
{
	char norm[64];
	const char *enames[64], *hint;
	size_t ne = 0, j;
	uint32_t u;
	int code;

	snprintf(norm, sizeof(norm), "%s", value);
	for (j = 0; norm[j] != '\0'; j++)
		if (norm[j] == '-')
			norm[j] = '_';
	if ((code = esp_error_by_name(norm)) >= 0) {
		r->error = (uint8_t)code;
		return;
	}
	if (scenario_parse_u32v(value, &u) == 0 && u <= 255) {
		r->error = (uint8_t)u;
		return;
	}
	for (j = 0; j < 256 && ne < nitems(enames); j++)
		if (esp_error_name((uint8_t)j) != NULL)
			enames[ne++] = esp_error_name((uint8_t)j);
	for (j = 0; norm[j] != '\0'; j++)
		norm[j] = (char)toupper((unsigned char)norm[j]);
	if ((hint = scenario_suggest(norm, enames, ne)) != NULL)
		scenario_error(p, p->line, "unknown error code \"%s\" (did you mean \"%s\"?)", value, hint);
	else
		scenario_error(p, p->line, "unknown error code \"%s\" (a name like BAD_CHECKSUM or a number)",
		    value);
}

/* The rule keys with code of their own (SV_SPECIAL), first lines. */
static void
scenario_rule_special(struct scenario_parser *p, struct scenario_rule *r, int k,
    const char *value)
{
	const char *v = value;
	uint32_t u;
	int idx;

	switch (k) {
	case RK_DIRECTION:
		if (strcmp(v, "host") == 0)
			v = "to-device";
		else if (strcmp(v, "device") == 0)
			v = "to-host";
		if ((idx = scenario_lookup(p, "direction", v, scenario_dirs)) >= 0)
			r->dir = (enum scenario_dir)idx;
		break;
	case RK_TO:
		if (strcmp(v, "host") == 0)
			v = "to-host";
		else if (strcmp(v, "device") == 0)
			v = "to-device";
		if (strcmp(v, "any") == 0)
			scenario_error(p, p->line, "bad to \"any\" (host or device)");
		else if ((idx = scenario_lookup(p, "receiver", v, scenario_dirs)) >= 0)
			r->to = (enum scenario_dir)idx;
		break;
	case RK_AFTER_RULE:
		if (!scenario_valid_name(value))
			scenario_error(p, p->line, "bad rule name \"%s\"", value);
		else
			r->after_rule = xstrdup(value);
		break;
	case RK_NTH:
		scenario_parse_nth(p, r, value);
		if (r->nnth == 0)
			scenario_error(p, p->line, "empty nth");
		break;
	case RK_HEX:
	case RK_TEXT:
		if (scenario_seen_of(p, (size_t)(r - p->sc->rules))->line[k == RK_HEX ? RK_TEXT :
		    RK_HEX] != 0)
			scenario_error(p, p->line, "use either hex or text, not both");
		else
			scenario_rule_data(p, r, k == RK_HEX, value, 0);
		break;
	case RK_ERROR:
		scenario_rule_error_code(p, r, value);
		break;
	case RK_STATUS_LEN:
		if (scenario_parse_u32v(value, &u) != 0 || (u != 2 && u != 4))
			scenario_error(p, p->line, "bad status_len \"%s\" (2 or 4)", value);
		else
			r->status_len = (int)u;
		break;
	}
}

/* A continuation line of a multi-line rule key (command, response_to, nth, hex, text). */
static void
scenario_rule_continue(struct scenario_parser *p, struct scenario_rule *r, int k,
    const char *key, const char *value)
{
	uint8_t more[32], *map;
	size_t b;

	if (scenario_continue(p, r->kv, r->nkv, key, scenario_rkeys[k].multiline, value) == NULL)
		return;
	switch (k) {
	case RK_COMMAND:
	case RK_RESPONSE_TO:
		map = k == RK_COMMAND ? r->command : r->response_to;
		if (scenario_parse_ops(p, value, more) == 0)
			for (b = 0; b < sizeof(more); b++)
				map[b] |= more[b];
		break;
	case RK_NTH:
		scenario_parse_nth(p, r, value);
		break;
	case RK_HEX:
	case RK_TEXT:
		if (r->data != NULL)	/* else the first line was bad */
			scenario_rule_data(p, r, k == RK_HEX, value, 1);
		break;
	}
}

void
scenario_key_rule(struct scenario_parser *p, const char *key, char op, const char *value, int cont)
{
	struct scenario_rule *r = p->rule;
	struct scenario_seen *seen = scenario_seen_of(p, (size_t)(r - p->sc->rules));
	char sec[SCENARIO_NAME_MAX + 8], *v;
	int k, i;

	for (i = 1; i < SCENARIO_ACT_COUNT; i++)
		if (strcmp(key, scenario_action_names[i]) == 0)
			break;
	if (i < SCENARIO_ACT_COUNT) {
		/* "action" mistyped as an action name, e.g. "drop = yes" */
		scenario_error(p, p->line, "unknown key \"%s\" in [rule %s] (write \"action = %s\")",
		    key, r->name, key);
		return;
	}
	snprintf(sec, sizeof(sec), "[rule %s]", r->name);
	if ((k = scenario_key_find(p, scenario_rkeys, RK_COUNT_, key, sec)) < 0)
		return;
	if (op != '\0' && !scenario_rkeys[k].range) {
		scenario_error(p, p->line, "key \"%s\" takes no comparison operator", key);
		return;
	}
	if (cont) {
		scenario_rule_continue(p, r, k, key, value);
		return;
	}
	if (seen->line[k] != 0) {
		scenario_error(p, p->line, "duplicate key \"%s\" (first on line %d)", key, seen->line[k]);
		return;
	}
	seen->line[k] = p->line;
	if (op != '\0') {
		xasprintf(&v, "%c= %s", op, value);
		scenario_kv_add(&r->kv, &r->nkv, key, v, p->line);
		free(v);
	} else
		scenario_kv_add(&r->kv, &r->nkv, key, value, p->line);
	if (scenario_rkeys[k].kind == SV_SPECIAL)
		scenario_rule_special(p, r, k, value);
	else
		scenario_set_value(p, &scenario_rkeys[k], r, op, value);
}
