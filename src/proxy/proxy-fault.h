/*
 * proxy-fault.h — the scenario side of `sliptap proxy`: parses a scenario,
 * runs the pure fault engine (include/fault.h) on every unit and session
 * event through the proxy's hooks, and carries its decisions out with the
 * proxy's primitives (src/proxy/proxy.h). Every fired rule is a FAULT
 * record in the capture; rules that never fired are NOT_TRIGGERED records.
 */
#ifndef SLIPTAP_PROXY_FAULT_H
#define SLIPTAP_PROXY_FAULT_H

#include <stddef.h>
#include <stdint.h>

struct proxy;
struct proxy_fault;

struct proxy_fault_config {
	const char	*scenario;	/* --scenario FILE */
	const char	*seed;		/* --seed N or NULL (scenario's seed, else a random one) */
	const char	*pin;		/* --pin OUT.ini or NULL */
	int		 quiet;		/* no per-fault notices on stderr */
};

/*
 * Parse the scenario and pick the seed. Returns NULL with the parser's
 * "file:line: message" lines (or another one-line reason) in err.
 */
struct proxy_fault *proxy_fault_new(const struct proxy_fault_config *cfg, char *err, size_t errlen);
/* "scenario=NAME seed=N" (logfmt) for the capture's START event; borrowed. */
const char *proxy_fault_start_extra(const struct proxy_fault *pf);
/*
 * Before anything runs: every rule's action must be one the proxy's front
 * and device can perform (scenario_check_front). 0, or -1 with one line per
 * rule that cannot act in err ("file:line: rule NAME: ... needs ..."); the
 * caller exits 2 then.
 */
int proxy_fault_check(struct proxy_fault *pf, struct proxy *p, char *err, size_t errlen);
/* Print the seed line on stderr and attach the hooks to p (before proxy_run). */
void proxy_fault_attach(struct proxy_fault *pf, struct proxy *p);
/* The proxy's exit status when a (not optional) rule never fired. */
#define PROXY_FAULT_EXIT_NOT_TRIGGERED	3
/*
 * After proxy_run: write the --pin file if asked (its path was checked by
 * proxy_fault_new). Returns 0, 1 when the pin file could not be written, or
 * PROXY_FAULT_EXIT_NOT_TRIGGERED when a rule that is not optional never
 * fired. (The report is printed by the done hook.)
 */
int proxy_fault_finish(struct proxy_fault *pf);
/* NULL is a no-op. */
void proxy_fault_free(struct proxy_fault *pf);

#endif
