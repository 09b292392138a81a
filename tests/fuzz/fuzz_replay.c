/*
 * fuzz_replay.c — libFuzzer target for `sliptap replay`'s recording loader
 * and its command matcher.
 *
 * Input: a capture file (as `sliptap replay` reads it). Invariants checked:
 *  - loading never crashes (a capture that is not one, cut off, or with
 *    frames that are not packets is refused or loaded, never misread);
 *  - every recorded command, sent again, is answered by a recorded exchange
 *    of the same op (and the same seq for *_DATA blocks): the matcher finds
 *    what the loader stored, even when it was already used;
 *  - the divergence list stays bounded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp.h"
#include "util.h"
#include "../../src/run/run-replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct replay rp;
	const struct replay_ex *ans;
	uint8_t body[8 + 64 + 16];
	char err[512];
	size_t i, round, n;
	FILE *fp;

	if (size == 0 || (fp = fmemopen((void *)(uintptr_t)data, size, "rb")) == NULL)
		return 0;
	if (replay_load_fp(fp, "fuzz.pcap", &rp, err, sizeof(err)) != 0)
		return 0;
	for (round = 0; round < 2; round++) {
		for (i = 0; i < rp.nex; i++) {
			const struct replay_ex ex = rp.ex[i];

			memset(body, 0, sizeof(body));
			body[0] = 0x00;
			body[1] = ex.op;
			if (ex.has_seq) {
				put_le32(body + 8, ex.block);
				put_le32(body + 12, ex.seq);
				n = 16;
			} else {
				memcpy(body + 8, ex.args, ex.nargs);
				n = ex.nargs;
			}
			put_le16(body + 2, (uint16_t)n);
			ans = replay_answer(&rp, body, 8 + n);
			if (ans == NULL || ans->op != ex.op || (ex.has_seq && (!ans->has_seq || ans->seq != ex.seq)))
				abort();
		}
	}
	if (rp.ndiverge > 40)
		abort();
	replay_free(&rp);
	return 0;
}
