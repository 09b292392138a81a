/*
 * units.c — the duration grammar of include/units.h, used by scenario
 * files and by every command option that takes a duration.
 */
#include <ctype.h>
#include <string.h>

#include "units.h"
#include "util.h"

const char *
parse_decimal_scaled(const char *s, int scale, uint64_t *out)
{
	uint64_t ip = 0, fp = 0;
	int digits = 0, fd = 0, i;

	*out = 0;
	while (isdigit((unsigned char)*s)) {
		if (ip > 1000000000000ULL)
			return NULL;
		ip = ip * 10 + (uint64_t)(*s++ - '0');
		digits++;
	}
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			if (fd < scale) {
				fp = fp * 10 + (uint64_t)(*s - '0');
				fd++;
			} else if (*s != '0')
				return NULL;
			s++;
			digits++;
		}
	}
	if (digits == 0)
		return NULL;
	for (i = fd; i < scale; i++)
		fp *= 10;
	for (i = 0; i < scale; i++)
		ip *= 10;
	*out = ip + fp;
	return s;
}

int
parse_duration(const char *s, uint64_t *ns, const char **why)
{
	static const struct {
		const char *unit;
		int scale;		/* fraction digits that still give whole ns */
		uint64_t mul;		/* ns per unit / 10^scale */
	} units[] = {
		{ "us", 3, 1 }, { "ms", 6, 1 }, { "s", 9, 1 }, { "min", 9, 60 }, { "m", 9, 60 },
	};
	const char *end, *u, *dummy;
	uint64_t v;
	size_t i, ul;

	if (why == NULL)
		why = &dummy;
	*ns = 0;
	*why = NULL;
	while (isspace((unsigned char)*s))
		s++;
	if ((end = parse_decimal_scaled(s, 9, &v)) == NULL) {
		*why = "not a number";
		return -1;
	}
	u = end;
	while (isspace((unsigned char)*u))
		u++;
	if (*u == '\0') {
		*why = "needs a unit (us, ms, s or min)";
		return -1;
	}
	for (i = 0; i < nitems(units); i++) {
		ul = strlen(units[i].unit);
		if (strncmp(u, units[i].unit, ul) != 0)
			continue;
		if (u[ul] != '\0' && !isspace((unsigned char)u[ul]))
			continue;
		while (isspace((unsigned char)u[ul]))
			ul++;
		if (u[ul] != '\0')
			break;
		if (parse_decimal_scaled(s, units[i].scale, &v) == NULL) {
			*why = "has more fraction digits than its unit allows";
			return -1;
		}
		if (v > DURATION_MAX_NS / units[i].mul) {
			*why = "is longer than a day";
			return -1;
		}
		*ns = v * units[i].mul;
		return 0;
	}
	*why = "has an unknown unit (use us, ms, s or min)";
	return -1;
}
