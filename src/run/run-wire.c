/*
 * run-wire.c — "what the wire says": the failure class of a capture and its
 * evidence. The one place that knows the analyser: until `sliptap analyze`
 * (include/analyze.h) is part of the build, the class is left unknown and the
 * evidence is the FAULT records the capture holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "util.h"
#include "run-int.h"

void
run_wire_judge(const char *pcap, const char *fired, unsigned nfaults, char **cls, char **evidence)
{
	*cls = xstrdup("");
	if (nfaults == 0)
		xasprintf(evidence, "no analyser in this build; the capture holds no FAULT record");
	else
		xasprintf(evidence, "no analyser in this build; the capture holds %u FAULT record%s (%s)",
		    nfaults, nfaults == 1 ? "" : "s", fired);
}
