/*
 * fuzz_scenario.c — libFuzzer target for the scenario parser (and, for
 * inputs that parse, the fault engine and the pin writer).
 *
 * Invariants checked:
 *  - scenario_parse_string never crashes; failure leaves a message that
 *    starts with the file name and an empty scenario;
 *  - a parsed scenario passes scenario_check_front with every capability,
 *    fails it without any exactly when a rule needs one, resolves its
 *    expectation for known tools only, and has a flash area within 64M;
 *  - a parsed scenario drives the engine over a short synthetic session
 *    (units cut from the input itself) without crashing, and its pinned
 *    rewrite parses again with the same number of rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "fault.h"
#include "scenario.h"
#include "slip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_engine(const struct scenario *sc, const uint8_t *data, size_t size)
{
	struct fault_engine *e;
	struct fault_decision d;
	struct fault_unit u;
	uint8_t raw[SLIP_ENCODED_MAX(64)];
	static const uint8_t begin[] = {
		0x00, 0x02, 0x10, 0x00, 0, 0, 0, 0, 0x00, 0x10, 0, 0, 4, 0, 0, 0,
		0x00, 0x04, 0, 0, 0x00, 0, 1, 0,
	};
	size_t i, n;
	int ev;

	e = fault_engine_new(sc, 0, 0, 0);
	memset(&u, 0, sizeof(u));
	u.dir = LINK_H2D;
	u.body = begin;
	u.body_len = sizeof(begin);
	u.raw_len = slip_encode(begin, sizeof(begin), raw);
	u.raw = raw;
	fault_engine_on_unit(e, &u, &d);
	for (i = 0; i + 1 < size && i < 4096; i += n) {
		n = 1 + data[i] % 48;
		if (i + 1 + n > size)
			n = size - i - 1;
		u.dir = data[i] & 0x80 ? LINK_D2H : LINK_H2D;
		u.outside = (data[i] & 0x40) != 0;
		u.body = u.outside ? NULL : data + i + 1;
		u.body_len = u.outside ? 0 : n;
		u.raw_len = slip_encode(data + i + 1, n, raw);
		u.raw = raw;
		u.now = i * 1000000ULL;
		fault_engine_on_unit(e, &u, &d);
		ev = 1 + data[i] % (SCENARIO_EV_COUNT - 1);
		if ((data[i] & 0x30) == 0x30)
			fault_engine_on_event(e, (enum scenario_event)ev, NULL, u.now, &d);
	}
	{
		char *rep = fault_engine_report(e);
		char *pin = fault_engine_pin(e);
		struct scenario again;
		char err[4096];

		if (scenario_parse_string("pin.ini", pin, &again, err, sizeof(err)) != 0)
			abort();
		if (again.nrules != sc->nrules)
			abort();
		scenario_free(&again);
		free(rep);
		free(pin);
	}
	fault_engine_free(e);
}

/*
 * The front check and the expectation lookup on a parsed scenario: every
 * caps-dependent action is refused without its caps and nothing with all;
 * known tools resolve, unknown ones do not; the flash keys are consistent.
 */
static void
fuzz_checks(const struct scenario *sc)
{
	struct scenario_expect ex;
	char err[2048];
	size_t i;
	int needs = 0;

	for (i = 0; i < sc->nrules; i++) {
		enum scenario_action a = sc->rules[i].action;

		if (a == SCENARIO_ACT_FREEZE || a == SCENARIO_ACT_DISCONNECT ||
		    a == SCENARIO_ACT_RESET || a == SCENARIO_ACT_IGNORE_BAUD)
			needs = 1;
	}
	if (scenario_check_front(sc, CAP_ALL, CAP_ALL, err, sizeof(err)) != 0 ||
	    err[0] != '\0')
		abort();
	if ((scenario_check_front(sc, 0, 0, err, sizeof(err)) != 0) != needs)
		abort();
	if (needs && strncmp(err, "fuzz.ini:", 9) != 0)
		abort();
	if (scenario_expect_for(sc, "esptool", "4.9.1", &ex) != 0 || ex.outcome == SCENARIO_OUT_NONE)
		abort();
	if (scenario_expect_for(sc, "esptool-js", NULL, &ex) != 0 || ex.class == NULL)
		abort();
	if (scenario_expect_for(sc, "nosuchtool", NULL, &ex) != -1 || ex.outcome != sc->outcome)
		abort();
	if (sc->flash.offset % 0x1000 != 0 ||
	    (uint64_t)sc->flash.offset + sc->flash.image_size > SCENARIO_MAX_IMAGE)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario sc;
	char err[4096], *text;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (scenario_parse_string("fuzz.ini", text, &sc, err, sizeof(err)) == 0) {
		fuzz_checks(&sc);
		fuzz_engine(&sc, data, size);
		scenario_free(&sc);
	} else {
		if (strncmp(err, "fuzz.ini", 8) != 0 || sc.nrules != 0 || sc.rules != NULL)
			abort();
	}
	free(text);
	return 0;
}
