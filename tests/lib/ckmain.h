/*
 * ckmain.h — the main() of a Check suite whose tests need a private temp
 * directory made before the tests fork (pty links, ready-line files).
 */
#ifndef SLIPTAP_CKMAIN_H
#define SLIPTAP_CKMAIN_H

#include <stddef.h>

#include <check.h>

/*
 * Make $TMPDIR/NAME.XXXXXX (default /tmp) into dir (len bytes), run the
 * suite, remove the (then empty) directory. Returns main()'s exit status.
 */
int ck_run_with_tmpdir(Suite *s, const char *name, char *dir, size_t len);

#endif
