/*
 * capcheck.c — rebuild the byte streams a capture holds, for the proxy's
 * end-to-end tests (compiled by them against the built libraries).
 *
 *   capcheck CAPTURE [H2D_SENT D2H_SENT [H2D_GOT D2H_GOT]]
 *
 * Prints per-direction totals: "h2d sent=N got=N d2h sent=N got=N
 * records=N frames=N" where sent = the raw bytes of UNCHANGED + ORIGINAL
 * records (what the sender sent) and got = UNCHANGED + DELIVERED (what the
 * peer received), annotations skipped (docs/capture-format.md). With file
 * arguments, writes those streams out so a test can compare them with what
 * each side really sent and received. Exit 1 when a record holds fewer raw
 * bytes than it stands for (the stream could not be rebuilt) or the file is
 * bad.
 */
#include <stdio.h>
#include <stdlib.h>

#include "capture.h"

int
main(int argc, char **argv)
{
	struct capture_reader *r;
	struct capture_record rec;
	unsigned long long sent[3] = { 0 }, got[3] = { 0 }, records = 0, frames = 0, partial = 0;
	FILE *out[2][3] = { { NULL } };	/* [0 sent / 1 got][dir] */
	char err[512];
	unsigned stage;
	int rc, i, j;

	if (argc != 2 && argc != 4 && argc != 6) {
		fprintf(stderr, "usage: capcheck CAPTURE [H2D_SENT D2H_SENT [H2D_GOT D2H_GOT]]\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		FILE *fp = fopen(argv[i], "wb");

		if (fp == NULL) {
			perror(argv[i]);
			return 1;
		}
		out[(i - 2) / 2][1 + (i - 2) % 2] = fp;
	}
	r = capture_reader_open(argv[1], err, sizeof(err));
	if (r == NULL) {
		fprintf(stderr, "capcheck: %s\n", err);
		return 1;
	}
	while ((rc = capture_reader_next(r, &rec)) != 0) {
		if (rc < 0) {
			fprintf(stderr, "capcheck: %s\n", capture_reader_error(r));
			if (rc == CAPTURE_ERR_TRUNCATED || rc == CAPTURE_ERR_IO || rc == CAPTURE_ERR_VERSION)
				return 1;
			continue;
		}
		records++;
		if (rec.type == CAPTURE_T_EVENT || rec.dir < 1 || rec.dir > 2)
			continue;
		if (rec.flags & CAPTURE_F_ANNOTATION)
			continue;
		if (rec.type == CAPTURE_T_FRAME)
			frames++;
		if (rec.raw_len != rec.wire_len)
			partial++;
		stage = rec.flags & CAPTURE_STAGE_MASK;
		if (stage == CAPTURE_STAGE_UNCHANGED || stage == CAPTURE_STAGE_ORIGINAL) {
			sent[rec.dir] += rec.wire_len;
			if (out[0][rec.dir] != NULL)
				fwrite(rec.raw, 1, rec.raw_len, out[0][rec.dir]);
		}
		if (stage == CAPTURE_STAGE_UNCHANGED || stage == CAPTURE_STAGE_DELIVERED) {
			got[rec.dir] += rec.wire_len;
			if (out[1][rec.dir] != NULL)
				fwrite(rec.raw, 1, rec.raw_len, out[1][rec.dir]);
		}
	}
	capture_reader_close(r);
	for (i = 0; i < 2; i++)
		for (j = 1; j < 3; j++)
			if (out[i][j] != NULL && fclose(out[i][j]) != 0) {
				perror("capcheck: write");
				return 1;
			}
	printf("h2d sent=%llu got=%llu d2h sent=%llu got=%llu records=%llu frames=%llu partial=%llu\n",
	    sent[1], got[1], sent[2], got[2], records, frames, partial);
	return partial ? 1 : 0;
}
