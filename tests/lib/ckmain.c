/*
 * ckmain.c — the main() of a Check suite with a private temp directory
 * (see ckmain.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ckmain.h"

int
ck_run_with_tmpdir(Suite *s, const char *name, char *dir, size_t len)
{
	SRunner *sr;
	int failed;
	const char *t = getenv("TMPDIR");

	snprintf(dir, len, "%s/%s.XXXXXX", t ? t : "/tmp", name);
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rmdir(dir);
	return failed == 0 ? 0 : 1;
}
