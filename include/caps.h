/*
 * caps.h — what an endpoint kind (a proxy front or device) can do.
 *
 * Shared between io/ (each endpoint kind states its mask in its ops table)
 * and core/ (scenario_check_front() rejects a rule whose action needs a
 * capability the front or device lacks).  Pure: no system headers.
 */
#ifndef SLIPTAP_CAPS_H
#define SLIPTAP_CAPS_H

enum caps_bit {
	CAP_FREEZE_WRITES = 1u << 0,	/* can stop accepting the peer's writes so they block */
	CAP_LINES         = 1u << 1,	/* has DTR/RTS (set and/or observe) */
	CAP_SET_BAUD      = 1u << 2,	/* baud rate can be changed */
	CAP_VANISH        = 1u << 3,	/* can disappear and come back (detach/reattach) */
	CAP_EXCLUSIVE     = 1u << 4,	/* opened exclusively: a second opener is refused */
};

/* Every capability: a mask for "no restriction". */
#define CAP_ALL (CAP_FREEZE_WRITES | CAP_LINES | CAP_SET_BAUD | CAP_VANISH | CAP_EXCLUSIVE)

#endif /* SLIPTAP_CAPS_H */
