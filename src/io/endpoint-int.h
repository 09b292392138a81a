/*
 * endpoint-int.h — the inside of an endpoint, shared by src/io/endpoint*.c.
 */
#ifndef SLIPTAP_ENDPOINT_INT_H
#define SLIPTAP_ENDPOINT_INT_H

#include <limits.h>

#include "endpoint.h"

struct loop_fd;
struct loop_timer;

struct endpoint {
	const struct endpoint_ops *ops;
	struct loop	*loop;
	struct endpoint_cbs cbs;
	unsigned	 caps;
	char		 spec[PATH_MAX];
	char		 name[PATH_MAX];
	uint32_t	 baud;
	int		 open;
	int		 paused;
	int		 want_write;
	int		 fd;		/* fd kinds: -1 while closed */
	struct loop_fd	*lfd;
	/* bytes the kind produced for the fd (RFC 2217 answers, escaped data) */
	uint8_t		*ob;
	size_t		 olen, ocap;
	struct loop_timer *lost;	/* a write failed: report the loss from the loop */
	char		 lost_why[128];
	void		*priv;
};

extern const struct endpoint_ops endpoint_serial_ops;
extern const struct endpoint_ops endpoint_tty_ops;
extern const struct endpoint_ops endpoint_tcp_ops;
extern const struct endpoint_ops endpoint_rfc2217_ops;
extern const struct endpoint_ops endpoint_sim_ops;

/* Queue bytes for the fd (sent before anything written later). */
void endpoint_out_add(struct endpoint *ep, const uint8_t *buf, size_t len);
/* Send queued bytes; 0, or -1 when the fd failed (the loss is reported). */
int endpoint_out_flush(struct endpoint *ep);
/* The device went away: close and call gone_cb (from the loop, not inside a write). */
void endpoint_lost(struct endpoint *ep, const char *why);
void endpoint_lost_later(struct endpoint *ep, const char *why);
/* Update the fd's poll interest from paused / want_write / queued output. */
void endpoint_update(struct endpoint *ep);
/* Non-fd kinds: deliver device bytes (respects pause). Returns bytes taken. */
size_t endpoint_deliver(struct endpoint *ep, const uint8_t *buf, size_t len);
void endpoint_note(struct endpoint *ep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
