/*
 * reset-player.h — plays a sequence of the reset table (reset.h) on the
 * event loop: each step is handed to the owner's callback at its time
 * (steps without a delay run back to back), then done_cb. Used by the
 * proxy's device side and by the simulator's RFC 2217 server (the resets
 * esp_rfc2217_server plays itself).
 */
#ifndef SLIPTAP_RESET_PLAYER_H
#define SLIPTAP_RESET_PLAYER_H

#include "reset.h"

struct loop;
struct reset_player;

/* Apply one step (st->dtr / st->rts: 1, 0, -1 = leave). */
typedef void (*reset_player_step_cb)(const struct reset_step *st, void *arg);
/* The sequence ended (not called after reset_player_stop). May be NULL. */
typedef void (*reset_player_done_cb)(void *arg);

struct reset_player *reset_player_new(struct loop *l, reset_player_step_cb step_cb,
    reset_player_done_cb done_cb, void *arg);
void reset_player_free(struct reset_player *rp);	/* NULL is a no-op */
/*
 * Start `kind` (replacing one in progress); the steps due now run before
 * this returns. RESET_NONE does nothing. 0, or -1 for a kind with no steps.
 */
int reset_player_start(struct reset_player *rp, enum reset_kind kind);
/* Stop without finishing (no done_cb). */
void reset_player_stop(struct reset_player *rp);
/* Nonzero while a sequence is in progress. */
int reset_player_busy(const struct reset_player *rp);

#endif
