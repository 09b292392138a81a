/*
 * units.h — time units and the one duration grammar of sliptap, shared by
 * scenario files and command options. Pure: no fds, no clocks.
 *
 * A duration is a non-negative decimal number and a unit, optionally
 * separated by blanks: "40ms", "1.5 s", "250us", "2min". Units: us, ms,
 * s, min (m is accepted for min). A bare number is an error: "15" could
 * be seconds or milliseconds. At most one day; no more fraction digits
 * than the unit resolves to whole nanoseconds ("1.5us" yes, "1.0005us" no).
 */
#ifndef SLIPTAP_UNITS_H
#define SLIPTAP_UNITS_H

#include <stdint.h>

#define NS_PER_US	1000ULL
#define NS_PER_MS	1000000ULL
#define NS_PER_SEC	1000000000ULL
#define NS_PER_MIN	(60ULL * NS_PER_SEC)
#define US_PER_SEC	1000000ULL
#define MS_PER_SEC	1000ULL

/* The longest duration parse_duration accepts. */
#define DURATION_MAX_NS	(86400ULL * NS_PER_SEC)

/*
 * Parse a duration (grammar above) into nanoseconds: 0, or -1 with *ns = 0
 * and a reason in *why ("needs a unit (us, ms, s or min)", ...; why may be
 * NULL). Callers print "bad duration \"S\": WHY" or their own option name.
 */
int parse_duration(const char *s, uint64_t *ns, const char **why);

/*
 * A decimal "12" or "1.5" at s as an integer scaled by 10^scale (fraction
 * digits beyond scale must be zero). Returns the end of the number, or
 * NULL (no digits, too large, too many fraction digits).
 */
const char *parse_decimal_scaled(const char *s, int scale, uint64_t *out);

#endif
