/*
 * reset-player.c — a reset sequence on loop timers (see reset-player.h).
 */
#include <stdlib.h>

#include "loop.h"
#include "reset-player.h"
#include "util.h"

struct reset_player {
	struct loop_timer *timer;
	const struct reset_step *seq;	/* NULL: idle */
	size_t		 n, i;
	unsigned	 gen;		/* bumped by start/stop: a callback may do either */
	reset_player_step_cb step_cb;
	reset_player_done_cb done_cb;
	void		*arg;
};

static void
reset_player_run(void *arg)
{
	struct reset_player *rp = arg;
	const struct reset_step *st;
	unsigned gen = rp->gen;

	while (rp->seq != NULL && rp->i < rp->n) {
		st = &rp->seq[rp->i++];
		rp->step_cb(st, rp->arg);
		if (rp->gen != gen)
			return;		/* stopped or restarted from the callback */
		if (st->delay_ms > 0) {
			loop_timer_after(rp->timer, (uint64_t)st->delay_ms * NS_PER_MS);
			return;
		}
	}
	if (rp->seq == NULL)
		return;
	rp->seq = NULL;
	if (rp->done_cb != NULL)
		rp->done_cb(rp->arg);
}

struct reset_player *
reset_player_new(struct loop *l, reset_player_step_cb step_cb, reset_player_done_cb done_cb,
    void *arg)
{
	struct reset_player *rp = xcalloc(1, sizeof(*rp));

	rp->timer = loop_timer_new(l, reset_player_run, rp);
	rp->step_cb = step_cb;
	rp->done_cb = done_cb;
	rp->arg = arg;
	return rp;
}

void
reset_player_free(struct reset_player *rp)
{
	if (rp == NULL)
		return;
	loop_timer_free(rp->timer);
	free(rp);
}

int
reset_player_start(struct reset_player *rp, enum reset_kind kind)
{
	const struct reset_step *seq;
	size_t n;

	if ((seq = reset_sequence(kind, &n)) == NULL)
		return kind == RESET_NONE ? 0 : -1;
	loop_timer_stop(rp->timer);
	rp->gen++;
	rp->seq = seq;
	rp->n = n;
	rp->i = 0;
	reset_player_run(rp);
	return 0;
}

void
reset_player_stop(struct reset_player *rp)
{
	loop_timer_stop(rp->timer);
	rp->gen++;
	rp->seq = NULL;
}

int
reset_player_busy(const struct reset_player *rp)
{
	return rp->seq != NULL;
}
