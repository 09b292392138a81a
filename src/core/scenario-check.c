/*
 * scenario-check.c — checks over a whole parsed file: every rule's keys fit
 * its action and each other, the required sections and keys are there, the
 * flash keys agree with the chip; and scenario_check_front(), which rejects
 * rules whose action the proxy's front or device cannot perform.
 */
#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "scenario-int.h"
#include "util.h"

/* Actions that need a unit (a frame or text) rather than an `on` event. */
#define SCENARIO_UNIT_ONLY ((1u << SCENARIO_ACT_DROP) | (1u << SCENARIO_ACT_DUPLICATE) | \
    (1u << SCENARIO_ACT_DELAY) | (1u << SCENARIO_ACT_SLICE) | (1u << SCENARIO_ACT_CORRUPT) | \
    (1u << SCENARIO_ACT_TRUNCATE) | (1u << SCENARIO_ACT_REPLY))

/* The parameters each action needs. */
static void
scenario_check_action(struct scenario_parser *p, const struct scenario_rule *r, const int *seen)
{
	switch (r->action) {
	case SCENARIO_ACT_THROTTLE:
		if (seen[RK_BAUD] == 0)
			scenario_error(p, seen[RK_ACTION], "throttle needs \"baud\"");
		break;
	case SCENARIO_ACT_DELAY:
		if (seen[RK_LATENCY] == 0)
			scenario_error(p, seen[RK_ACTION], "delay needs \"latency\"");
		else if (r->jitter_ns > r->latency_ns)
			scenario_error(p, seen[RK_JITTER], "jitter larger than latency");
		break;
	case SCENARIO_ACT_SLICE:
		if (seen[RK_SIZE] == 0)
			scenario_error(p, seen[RK_ACTION], "slice needs \"size\"");
		break;
	case SCENARIO_ACT_TRUNCATE:
		if (seen[RK_KEEP] == 0)
			scenario_error(p, seen[RK_ACTION], "truncate needs \"keep\" (raw bytes kept)");
		break;
	case SCENARIO_ACT_INJECT:
		if (seen[RK_HEX] == 0 && seen[RK_TEXT] == 0)
			scenario_error(p, seen[RK_ACTION], "inject needs \"hex\" or \"text\"");
		if (r->on != SCENARIO_EV_NONE && r->position == SCENARIO_POS_INSTEAD)
			scenario_error(p, seen[RK_POSITION], "position \"instead\" needs a unit, not an event");
		break;
	case SCENARIO_ACT_FREEZE:
		if (seen[RK_THEN] != 0 && seen[RK_DURATION] == 0)
			scenario_error(p, seen[RK_THEN], "\"then\" needs a duration");
		if (seen[RK_REAPPEAR] != 0 && r->then != SCENARIO_THEN_DISCONNECT)
			scenario_error(p, seen[RK_REAPPEAR], "\"reappear\" needs then = disconnect");
		if (r->dir == SCENARIO_DIR_TO_HOST && seen[RK_DIRECTION] && r->on != SCENARIO_EV_NONE)
			scenario_error(p, seen[RK_DIRECTION], "freeze-host-writes always acts on the host's writes");
		break;
	default:
		break;
	}
}

static void
scenario_check_rule(struct scenario_parser *p, size_t ri)
{
	struct scenario *sc = p->sc;
	struct scenario_rule *r = &sc->rules[ri];
	const int *seen = scenario_seen_of(p, ri)->line;
	size_t i, k;
	unsigned bit;

	if (r->action == SCENARIO_ACT_NONE) {
		if (seen[RK_ACTION] == 0)
			scenario_error(p, r->line, "rule \"%s\" has no action (add \"action = ...\")", r->name);
		return;
	}
	bit = 1u << r->action;
	for (k = 0; k < RK_COUNT_; k++) {
		if (seen[k] == 0 || scenario_rkeys[k].actions == 0)
			continue;
		if ((scenario_rkeys[k].actions & bit) == 0)
			scenario_error(p, seen[k], "key \"%s\" does not apply to action \"%s\"",
			    scenario_rkeys[k].name, scenario_action_names[r->action]);
	}
	if (r->have_command && r->have_response_to)
		scenario_error(p, seen[RK_RESPONSE_TO],
		    "a rule matches either command or response_to, not both (use two rules)");
	if (r->have_command && r->dir == SCENARIO_DIR_TO_HOST)
		scenario_error(p, seen[RK_COMMAND], "command matches host commands but direction is to-host");
	if (r->have_response_to && r->dir == SCENARIO_DIR_TO_DEVICE)
		scenario_error(p, seen[RK_RESPONSE_TO],
		    "response_to matches device replies but direction is to-device");
	if (r->have_command && r->kind != SCENARIO_KIND_ANY && r->kind != SCENARIO_KIND_COMMAND)
		scenario_error(p, seen[RK_KIND], "kind \"%s\" contradicts command", scenario_kinds[r->kind]);
	if (r->have_response_to && r->kind != SCENARIO_KIND_ANY && r->kind != SCENARIO_KIND_RESPONSE)
		scenario_error(p, seen[RK_KIND], "kind \"%s\" contradicts response_to", scenario_kinds[r->kind]);
	if (r->before_progress >= 0 && (r->have_command || r->dir == SCENARIO_DIR_TO_DEVICE))
		scenario_error(p, seen[RK_BEFORE_PROGRESS],
		    "before_progress matches device replies, not host commands");
	if (r->on != SCENARIO_EV_NONE) {
		static const int unit_keys[] = {
			RK_KIND, RK_COMMAND, RK_RESPONSE_TO, RK_SEQ, RK_PROGRESS,
			RK_BEFORE_PROGRESS, RK_OFFSET, RK_BYTES,
		};

		for (i = 0; i < nitems(unit_keys); i++)
			if (seen[unit_keys[i]] != 0)
				scenario_error(p, seen[unit_keys[i]],
				    "\"%s\" matches units; it cannot be combined with \"on\"",
				    scenario_rkeys[unit_keys[i]].name);
		if (bit & SCENARIO_UNIT_ONLY)
			scenario_error(p, seen[RK_ACTION],
			    "action \"%s\" acts on a unit (a frame or text), not on an event",
			    scenario_action_names[r->action]);
		if ((r->action == SCENARIO_ACT_STALL || r->action == SCENARIO_ACT_THROTTLE) &&
		    r->dir == SCENARIO_DIR_ANY)
			scenario_error(p, seen[RK_ACTION], "action \"%s\" on an event needs a direction",
			    scenario_action_names[r->action]);
	}
	if (r->nnth > 0 && (r->every != 0 || r->have_probability || r->burst))
		scenario_error(p, seen[RK_NTH], "nth lists exact positions; drop every/probability/burst");
	if (r->have_probability && r->burst)
		scenario_error(p, seen[RK_PROBABILITY], "use probability or burst_*, not both");
	if (r->burst && (seen[RK_BURST_ENTER] == 0 || seen[RK_BURST_EXIT] == 0))
		scenario_error(p, seen[RK_BURST_ENTER] ? seen[RK_BURST_ENTER] :
		    seen[RK_BURST_EXIT] ? seen[RK_BURST_EXIT] : seen[RK_BURST_LOSS],
		    "the burst model needs burst_enter and burst_exit");
	if (seen[RK_AFTER_RULE] != 0 && r->after_rule != NULL) {
		for (i = 0; i < sc->nrules; i++)
			if (strcmp(sc->rules[i].name, r->after_rule) == 0)
				break;
		if (i == ri)
			scenario_error(p, seen[RK_AFTER_RULE], "rule \"%s\" cannot follow itself", r->name);
		else if (i == sc->nrules) {
			const char *names[SCENARIO_MAX_RULES], *hint;

			for (k = 0; k < sc->nrules; k++)
				names[k] = sc->rules[k].name;
			hint = scenario_suggest(r->after_rule, names, sc->nrules);
			if (hint != NULL)
				scenario_error(p, seen[RK_AFTER_RULE], "no rule \"%s\" (did you mean \"%s\"?)",
				    r->after_rule, hint);
			else
				scenario_error(p, seen[RK_AFTER_RULE], "no rule \"%s\"", r->after_rule);
		} else
			r->after_rule_idx = (int)i;
	}
	scenario_check_action(p, r, seen);
}

/* Chips with a USB-Serial/JTAG controller, and with USB-OTG (CDC-ACM in the ROM). */
static const char *const scenario_usb_jtag_chips[] = {
	"esp32s3", "esp32c3", "esp32c5", "esp32c6", "esp32c61", "esp32h2", "esp32p4", NULL
};
static const char *const scenario_usb_otg_chips[] = { "esp32s2", "esp32s3", "esp32p4", NULL };

static int
scenario_in(const char *s, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(s, *names) == 0)
			return 1;
	return 0;
}

/* The flash keys of [scenario]: they must describe a flash the chip can do. */
static void
scenario_check_flash(struct scenario_parser *p)
{
	const struct scenario_flash *fl = &p->sc->flash;
	const char *chip = fl->chip != NULL ? fl->chip : "any";

	if (fl->have_offset && fl->offset % 0x1000 != 0)
		scenario_error(p, p->skey_line[SK_OFFSET],
		    "offset 0x%x is not a multiple of 0x1000 (a flash sector)", fl->offset);
	else if ((uint64_t)fl->offset + fl->image_size > SCENARIO_MAX_IMAGE)
		scenario_error(p, p->skey_line[fl->have_offset ? SK_OFFSET : SK_IMAGE_SIZE],
		    "offset 0x%x + image_size %llu ends past 64M", fl->offset,
		    (unsigned long long)fl->image_size);
	if (fl->transport != NULL && strcmp(chip, "any") != 0) {
		if (strcmp(fl->transport, "usb-jtag") == 0 &&
		    !scenario_in(chip, scenario_usb_jtag_chips))
			scenario_error(p, p->skey_line[SK_TRANSPORT],
			    "%s has no USB-Serial/JTAG (transport usb-jtag: esp32s3, esp32c3, esp32c6, ...)",
			    chip);
		if (strcmp(fl->transport, "usb-otg") == 0 &&
		    !scenario_in(chip, scenario_usb_otg_chips))
			scenario_error(p, p->skey_line[SK_TRANSPORT],
			    "%s has no USB-OTG (transport usb-otg: esp32s2, esp32s3, esp32p4)", chip);
	}
	if (strcmp(chip, "esp8266") == 0 && fl->stub == 0 && fl->compress == 1)
		scenario_error(p, p->skey_line[SK_COMPRESS],
		    "the ESP8266 ROM loader cannot inflate: compress = yes needs stub = yes");
}

void
scenario_check(struct scenario_parser *p)
{
	struct scenario *sc = p->sc;
	size_t i;

	if (!p->seen_scenario)
		scenario_error(p, 0, "missing [scenario] section");
	else if (sc->name == NULL && p->nerr == 0)
		scenario_error(p, p->seen_scenario, "[scenario] needs \"name\"");
	if (!p->seen_expect)
		scenario_error(p, 0, "missing [expect] section");
	else {
		if (sc->outcome == SCENARIO_OUT_NONE && p->nerr == 0)
			scenario_error(p, p->seen_expect, "[expect] needs \"outcome\"");
		if (sc->class == NULL && p->nerr == 0)
			scenario_error(p, p->seen_expect, "[expect] needs \"class\"");
	}
	scenario_check_flash(p);
	for (i = 0; i < sc->nrules; i++)
		scenario_check_rule(p, i);
}

/* What a capability lets an endpoint do, for messages. */
static const char *
scenario_cap_text(unsigned cap)
{
	switch (cap) {
	case CAP_FREEZE_WRITES:
		return "make the tool's writes block";
	case CAP_LINES:
		return "drive DTR/RTS";
	case CAP_SET_BAUD:
		return "set the baud rate";
	case CAP_VANISH:
		return "hang up and come back";
	}
	return "?";
}

/* "file:line: rule NAME: ACTION needs a SIDE that can WHAT (this SIDE cannot)\n" */
static void
scenario_front_error(const struct scenario *sc, const struct scenario_rule *r, const char *what,
    const char *side, unsigned cap, char *err, size_t errlen, size_t *pos)
{
	int n;

	if (*pos + 1 >= errlen)
		return;
	n = snprintf(err + *pos, errlen - *pos, "%s:%d: rule %s: %s needs a %s that can %s"
	    " (this %s cannot)\n", sc->file != NULL ? sc->file : "scenario", r->line, r->name, what,
	    side, scenario_cap_text(cap), side);
	if (n < 0 || (size_t)n >= errlen - *pos)
		*pos = errlen - 1;
	else
		*pos += (size_t)n;
}

int
scenario_check_front(const struct scenario *sc, unsigned front_caps, unsigned device_caps,
    char *err, size_t errlen)
{
	const struct scenario_rule *r;
	const char *act;
	size_t i, pos = 0;
	int bad = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	else
		errlen = 0;
	for (i = 0; i < sc->nrules; i++) {
		r = &sc->rules[i];
		act = scenario_action_name(r->action);
		if (r->action == SCENARIO_ACT_FREEZE && !(front_caps & CAP_FREEZE_WRITES)) {
			scenario_front_error(sc, r, act, "front", CAP_FREEZE_WRITES, err,
			    errlen, &pos);
			bad++;
		}
		if ((r->action == SCENARIO_ACT_DISCONNECT || (r->action == SCENARIO_ACT_FREEZE &&
		    r->then == SCENARIO_THEN_DISCONNECT)) && !(front_caps & CAP_VANISH)) {
			scenario_front_error(sc, r, r->action == SCENARIO_ACT_FREEZE ?
			    "freeze-host-writes then = disconnect" : act, "front", CAP_VANISH,
			    err, errlen, &pos);
			bad++;
		}
		if (r->action == SCENARIO_ACT_RESET && !(device_caps & CAP_LINES)) {
			scenario_front_error(sc, r, act, "device", CAP_LINES, err, errlen, &pos);
			bad++;
		}
		if (r->action == SCENARIO_ACT_IGNORE_BAUD && !(device_caps & CAP_SET_BAUD)) {
			scenario_front_error(sc, r, act, "device", CAP_SET_BAUD, err, errlen,
			    &pos);
			bad++;
		}
	}
	return bad ? -1 : 0;
}
