/*
 * run-wire.c — "what the wire says": the failure class of a capture and its
 * evidence, from the analyser (include/analyze.h). The one place in
 * src/run/ that knows it. The analyser classifies from the wire alone
 * (never from the FAULT records), so its class is an independent opinion
 * beside the verdict; the HTML report goes where the run keeps its files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "run.h"
#include "util.h"
#include "run-int.h"

void
run_wire_judge(const char *pcap, const char *fired, unsigned nfaults, const char *html,
    char **cls, char **evidence)
{
	struct analysis *a = NULL;
	char err[512], *ev = NULL, *tmp;
	size_t i;
	FILE *f;

	if (analyze_file(pcap, NULL, &a, err, sizeof(err)) != ANALYZE_OK) {
		*cls = xstrdup("");
		xasprintf(evidence, "the analyser could not read the capture: %s", err);
		return;
	}
	*cls = xstrdup(a->class_name != NULL ? a->class_name : "");
	ev = xstrdup(a->headline != NULL ? a->headline : "");
	for (i = 0; i < a->nevidence && i < 3; i++) {
		if (a->evidence[i].text == NULL || strcmp(a->evidence[i].text, ev) == 0 ||
		    strstr(a->evidence[i].text, "FAULT record") != NULL)
			continue;
		xasprintf(&tmp, "%s%s%s", ev, *ev ? "; " : "", a->evidence[i].text);
		free(ev);
		ev = tmp;
	}
	*evidence = ev;
	if (html != NULL && (f = fopen(html, "w")) != NULL) {
		if (analyze_write_html(pcap, a, f, err, sizeof(err)) != 0) {
			fclose(f);
			remove(html);
		} else
			fclose(f);
	}
	analysis_free(a);
}
