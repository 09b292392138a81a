/*
 * scenario-file.c — scenario_parse_file(): read a scenario file into memory
 * and hand it to the pure parser (src/core/scenario-read.c). The only part
 * of the scenario code that touches a file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "util.h"

int
scenario_parse_file(const char *path, struct scenario *sc, char *err, size_t errlen)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	int rc;

	memset(sc, 0, sizeof(*sc));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap == 0 ? 8192 : cap * 2;
			if (cap > 4 * 1024 * 1024) {
				snprintf(err, errlen, "%s: file too large for a scenario\n", path);
				fclose(f);
				free(buf);
				return -1;
			}
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
		if (n < 4096)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s\n", path, strerror(errno));
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		snprintf(err, errlen, "%s: NUL byte in the file (not a text file)\n", path);
		free(buf);
		return -1;
	}
	rc = scenario_parse_string(path, buf, sc, err, errlen);
	free(buf);
	return rc;
}
