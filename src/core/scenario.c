/*
 * scenario.c — the scenario API beyond parsing: the vocabulary (names of
 * actions, events, outcomes, chips, ...), the expectation for a tool and
 * version, lookups and scenario_free(). The parser is scenario-read.c and
 * its neighbours (see scenario-int.h); the file read is src/io/scenario-file.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario-int.h"
#include "util.h"

const char *const scenario_classes[] = {
	"NO_RESPONSE", "WRONG_BOOT_MODE", "TX_PATH_DOWN", "NOISE_INVALID_HEAD",
	"PARTIAL_FRAME", "ACK_STALL", "BAUD_SWITCH_FAILED", "RAM_UPLOAD_CORRUPT",
	"STUB_NO_START", "BLOCK_REJECTED", "WRITE_TIMEOUT", "DEVICE_VANISHED",
	"VERIFY_MISMATCH", "READBACK_CORRUPT", "PORT_UNAVAILABLE", "STUCK_IN_LOADER",
	"UNSUPPORTED_IN_SDM", "SUCCESS", NULL
};

/* NULL-terminated: scenario_lookup walks them. */
const char *const scenario_action_names[SCENARIO_ACT_COUNT + 1] = {
	[SCENARIO_ACT_NONE] = "none",
	[SCENARIO_ACT_PASS] = "pass",
	[SCENARIO_ACT_DROP] = "drop",
	[SCENARIO_ACT_DUPLICATE] = "duplicate",
	[SCENARIO_ACT_DELAY] = "delay",
	[SCENARIO_ACT_STALL] = "stall",
	[SCENARIO_ACT_THROTTLE] = "throttle",
	[SCENARIO_ACT_SLICE] = "slice",
	[SCENARIO_ACT_CORRUPT] = "corrupt",
	[SCENARIO_ACT_TRUNCATE] = "truncate",
	[SCENARIO_ACT_INJECT] = "inject",
	[SCENARIO_ACT_REPLY] = "reply",
	[SCENARIO_ACT_DISCONNECT] = "disconnect",
	[SCENARIO_ACT_IGNORE_BAUD] = "ignore-baud-change",
	[SCENARIO_ACT_RESET] = "reset",
	[SCENARIO_ACT_FREEZE] = "freeze-host-writes",
};

const char *const scenario_event_names[SCENARIO_EV_COUNT + 1] = {
	[SCENARIO_EV_NONE] = "none",
	[SCENARIO_EV_CLIENT_OPEN] = "client-open",
	[SCENARIO_EV_FIRST_SYNC] = "first-sync",
	[SCENARIO_EV_BAUD_CHANGE] = "baud-change",
	[SCENARIO_EV_RESET] = "reset",
	[SCENARIO_EV_STUB_START] = "stub-start",
};

const char *const scenario_outcome_names[] = {
	[SCENARIO_OUT_NONE] = "none",
	[SCENARIO_OUT_PASS] = "pass",
	[SCENARIO_OUT_RECOVERED] = "recovered",
	[SCENARIO_OUT_FAIL_CLEAN] = "fail-clean",
	[SCENARIO_OUT_FAIL_DIRTY] = "fail-dirty",
	[SCENARIO_OUT_HANG] = "hang",
	[SCENARIO_OUT_SILENT_CORRUPTION] = "silent-corruption",
	[SCENARIO_OUT_NOT_TRIGGERED] = "not-triggered",
	NULL
};

const char *const scenario_chips[] = {
	"esp8266", "esp32", "esp32s2", "esp32s3", "esp32c2", "esp32c3", "esp32c5",
	"esp32c6", "esp32c61", "esp32h2", "esp32p4", "any", NULL
};
const char *const scenario_transports[] = { "uart", "usb-jtag", "usb-otg", "any", NULL };
const char *const scenario_clients[] = { "any", "esptool", "esptool-js", NULL };
const char *const scenario_dirs[] = { "any", "to-device", "to-host", NULL };
const char *const scenario_kinds[] = {
	"any", "frame", "command", "response", "ohai", "garbage", "text", NULL
};
const char *const scenario_targets[] = {
	"payload", "checksum", "header", "status", "framing", "any", NULL
};
const char *const scenario_positions[] = { "before", "after", "instead", NULL };
const char *const scenario_boots[] = { "download", "spi", NULL };
const char *const scenario_thens[] = { "resume", "disconnect", NULL };
const char *const scenario_phases[] = {
	"connecting", "synced", "stub-running", "flashing", "verifying", "done", NULL
};
const char *const scenario_tools[] = { "esptool", "esptool-js", NULL };
const char *const scenario_images[] = { "mixed", "random", "text", "zeros", "erased", NULL };

static void
scenario_kv_free(struct scenario_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void
scenario_free(struct scenario *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nrules; i++) {
		free(sc->rules[i].name);
		free(sc->rules[i].after_rule);
		free(sc->rules[i].data);
		scenario_kv_free(sc->rules[i].kv, sc->rules[i].nkv);
	}
	free(sc->rules);
	for (i = 0; i < sc->noverrides; i++) {
		free(sc->overrides[i].tool);
		free(sc->overrides[i].class);
		free(sc->overrides[i].message);
		free(sc->overrides[i].known_bug);
		scenario_kv_free(sc->overrides[i].kv, sc->overrides[i].nkv);
	}
	free(sc->overrides);
	scenario_kv_free(sc->scenario_kv, sc->nscenario_kv);
	scenario_kv_free(sc->expect_kv, sc->nexpect_kv);
	free(sc->file);
	free(sc->name);
	free(sc->summary);
	free(sc->flash.chip);
	free(sc->flash.transport);
	free(sc->flash.client);
	free(sc->class);
	free(sc->message);
	free(sc->known_bug);
	memset(sc, 0, sizeof(*sc));
}

static int
scenario_version_cmp(const unsigned a[3], const unsigned b[3])
{
	int i;

	for (i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* "js" and "py" as the tools they stand for; NULL when not a tool. */
static const char *
scenario_tool_canon(const char *client)
{
	if (strcmp(client, "js") == 0)
		return "esptool-js";
	if (strcmp(client, "py") == 0)
		return "esptool";
	if (strcmp(client, "esptool") == 0 || strcmp(client, "esptool-js") == 0)
		return client;
	return NULL;
}

/*
 * A tool's version as its banner gives it: "4.9.1", also "4.9.dev3" or
 * "5.0.0-rc1" (read as 4.9 and 5.0.0: what follows the numbers is ignored).
 */
static int
scenario_tool_version(const char *s, unsigned ver[3])
{
	static const char *const tags[] = { ".dev", ".post", ".rc", "rc", "a", "b", "-", "+" };
	char buf[32];
	size_t n, i;

	if (scenario_parse_version(s, ver) == 0)
		return 0;
	n = strspn(s, "0123456789.");
	while (n > 0 && s[n - 1] == '.')
		n--;
	for (i = 0; i < nitems(tags); i++)
		if (strncmp(s + n, tags[i], strlen(tags[i])) == 0)
			break;
	if (n == 0 || n >= sizeof(buf) || i == nitems(tags))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return scenario_parse_version(buf, ver);
}

int
scenario_tool_valid(const char *client)
{
	return client != NULL && scenario_tool_canon(client) != NULL;
}

/* Does the override's version condition hold for ver (have_ver 0: unknown)? */
static int
scenario_override_applies(const struct scenario_override *o, int have_ver, const unsigned ver[3])
{
	int c;

	if (o->op[0] == '\0')
		return 1;
	if (!have_ver)
		return 0;
	c = scenario_version_cmp(ver, o->ver);
	if (strcmp(o->op, "<") == 0)
		return c < 0;
	if (strcmp(o->op, "<=") == 0)
		return c <= 0;
	if (strcmp(o->op, ">") == 0)
		return c > 0;
	if (strcmp(o->op, ">=") == 0)
		return c >= 0;
	return c == 0;
}

int
scenario_expect_for(const struct scenario *sc, const char *client, const char *version,
    struct scenario_expect *out)
{
	const struct scenario_override *o;
	unsigned ver[3];
	int have_ver;
	size_t i;

	out->outcome = sc->outcome;
	out->class = sc->class;
	out->message = sc->message;
	out->known_bug = sc->known_bug;
	out->last_progress = sc->last_progress;
	if (client == NULL)
		return 0;
	if ((client = scenario_tool_canon(client)) == NULL)
		return -1;
	have_ver = version != NULL && scenario_tool_version(version, ver) == 0;
	if (version != NULL && !have_ver)
		return -2;
	for (i = 0; i < sc->noverrides; i++) {
		o = &sc->overrides[i];
		if (strcmp(o->client, client) != 0 || !scenario_override_applies(o, have_ver, ver))
			continue;
		if (o->outcome != SCENARIO_OUT_NONE)
			out->outcome = o->outcome;
		if (o->class != NULL)
			out->class = o->class;
		if (o->message != NULL)
			out->message = o->message;
		if (o->known_bug != NULL)
			out->known_bug = o->known_bug;
		if (o->last_progress != -2)
			out->last_progress = o->last_progress;
	}
	return 0;
}

enum scenario_outcome
scenario_outcome_by_name(const char *name)
{
	size_t i;

	for (i = 1; scenario_outcome_names[i] != NULL; i++)
		if (strcmp(scenario_outcome_names[i], name) == 0)
			return (enum scenario_outcome)i;
	return SCENARIO_OUT_NONE;
}

/* Eight random bytes for word `w` of the stream `seed` (position-addressable splitmix64). */
static uint64_t
scenario_image_word(uint64_t seed, uint64_t w)
{
	uint64_t z = seed + (w + 1) * 0x9E3779B97F4A7C15ULL;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void
scenario_image_fill(enum scenario_image im, uint64_t size, uint64_t seed, uint64_t pos,
    uint8_t *out, size_t len)
{
	uint64_t i, text_from, line;
	char buf[2 * SCENARIO_IMAGE_LINE];	/* a line; line numbers stay below 10^8 (64M / 64) */

	text_from = im == SCENARIO_IMAGE_MIXED ? size / 2 : im == SCENARIO_IMAGE_TEXT ? 0 : size;
	for (i = 0; i < len; i++) {
		uint64_t at = pos + i;

		if (im == SCENARIO_IMAGE_ZEROS || at >= size)
			out[i] = at >= size ? 0xFF : 0x00;
		else if (im == SCENARIO_IMAGE_ERASED)
			out[i] = 0xFF;
		else if (at < text_from)
			out[i] = (uint8_t)(scenario_image_word(seed, at / 8) >> (8 * (at % 8)));
		else {
			line = (at - text_from) / SCENARIO_IMAGE_LINE;
			snprintf(buf, sizeof(buf), "sliptap test image line %08llu %.*s\n",
			    (unsigned long long)line, SCENARIO_IMAGE_LINE - 34,
			    "................................................................");
			out[i] = (uint8_t)buf[(at - text_from) % SCENARIO_IMAGE_LINE];
		}
	}
}

const char *
scenario_image_name(enum scenario_image im)
{
	return (unsigned)im < nitems(scenario_images) - 1 ? scenario_images[im] : "?";
}

const struct scenario_rule *
scenario_rule_find(const struct scenario *sc, const char *name)
{
	size_t i;

	for (i = 0; i < sc->nrules; i++)
		if (strcmp(sc->rules[i].name, name) == 0)
			return &sc->rules[i];
	return NULL;
}

const char *
scenario_action_name(enum scenario_action a)
{
	return (unsigned)a < SCENARIO_ACT_COUNT ? scenario_action_names[a] : "?";
}

const char *
scenario_event_name(enum scenario_event ev)
{
	return (unsigned)ev < SCENARIO_EV_COUNT ? scenario_event_names[ev] : "?";
}

const char *
scenario_outcome_name(enum scenario_outcome o)
{
	return (unsigned)o < nitems(scenario_outcome_names) - 1 ? scenario_outcome_names[o] : "?";
}

const char *
scenario_dir_name(enum scenario_dir d)
{
	return (unsigned)d < 3 ? scenario_dirs[d] : "?";
}

int
scenario_class_valid(const char *name)
{
	size_t i;

	for (i = 0; scenario_classes[i] != NULL; i++)
		if (strcmp(scenario_classes[i], name) == 0)
			return 1;
	return 0;
}

int
scenario_rule_random(const struct scenario_rule *r)
{
	return r->have_probability || r->burst;
}

int
scenario_rule_timed(const struct scenario_rule *r)
{
	return r->have_after;
}
