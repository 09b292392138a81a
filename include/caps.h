/*
 * caps.h — what an endpoint (the proxy's front facing the flashing tool, or
 * its device side) can do, as bits. The io layer's endpoint kinds declare
 * theirs in their ops tables (CAP_*); scenario_check_front() (scenario.h)
 * rejects rules whose action an endpoint cannot perform, before anything
 * runs (ENDPOINT_*: the same bits under the core's names). Pure: just numbers.
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

enum endpoint_cap {
	/* The tool's writes can be made to block (stop reading the pty or the socket). */
	ENDPOINT_CAN_FREEZE_WRITES = CAP_FREEZE_WRITES,
	/* DTR/RTS exist and reach the other end (serial adapter, pty to the simulator, RFC 2217). */
	ENDPOINT_HAS_LINES = CAP_LINES,
	/* A baud rate can be set (and so a baud change can be applied or withheld). */
	ENDPOINT_CAN_SET_BAUD = CAP_SET_BAUD,
	/* It can hang up and come back under the same name (pty link, listening socket). */
	ENDPOINT_CAN_VANISH = CAP_VANISH,
};

#define ENDPOINT_CAPS_ALL	(ENDPOINT_CAN_FREEZE_WRITES | ENDPOINT_HAS_LINES | \
	ENDPOINT_CAN_SET_BAUD | ENDPOINT_CAN_VANISH)

/*
 * The fronts `sliptap proxy` offers today, for `sliptap check --front`. The
 * proxy's own endpoint table is the truth; keep these in step with it.
 * RFC 2217: the proxy cannot yet make a client's writes block.
 */
#define ENDPOINT_CAPS_FRONT_PTY		ENDPOINT_CAPS_ALL
#define ENDPOINT_CAPS_FRONT_RFC2217	(ENDPOINT_HAS_LINES | ENDPOINT_CAN_SET_BAUD | \
	ENDPOINT_CAN_VANISH)

/* "freeze writes", "DTR/RTS", "set the baud", "vanish" — for messages. */
const char *endpoint_cap_name(unsigned cap);

#endif
