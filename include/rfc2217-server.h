/*
 * rfc2217-server.h — the one RFC 2217 server (TCP + the rfc2217.h codec
 * in server role) on the event loop, used by the proxy's `--rfc2217` front
 * and by `sliptap sim --rfc2217`. One client at a time; a second one is
 * refused, and so is every client while the server is told to refuse (a
 * USB device that is gone).
 *
 * The client's bytes are fed to the codec one at a time, so serial data
 * and port commands reach the owner in the order the client sent them: the
 * data decoded before a command is given to data_cb before cmd_cb runs.
 * What to do with a SET-CONTROL (plain lines, or esptool's
 * esp_rfc2217_server reading, see reset.h) is the owner's decision.
 *
 * Reading can be paused: the socket is no longer read, so once the kernel
 * buffers fill the client's own writes block (how the proxy freezes an
 * RFC 2217 client's writes).
 */
#ifndef SLIPTAP_RFC2217_SERVER_H
#define SLIPTAP_RFC2217_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rfc2217.h"

struct loop;
struct rfc2217_server;

struct rfc2217_server_cbs {
	/* A client connected from `peer` ("127.0.0.1:5555"). May be NULL. */
	void	(*open_cb)(const char *peer, void *arg);
	/* The client left or was dropped (`why`: "closed", an errno text, the owner's reason). May be NULL. */
	void	(*close_cb)(const char *why, void *arg);
	/* Serial data from the client (unescaped, borrowed). Required. */
	void	(*data_cb)(const uint8_t *buf, size_t len, void *arg);
	/* A COM-PORT command, after the codec's state changed. May be NULL. */
	void	(*cmd_cb)(const struct rfc2217_cmd *cmd, const struct rfc2217_port *port,
		    void *arg);
	/* Room for more after rfc2217_server_write returned -1. May be NULL. */
	void	(*writable_cb)(void *arg);
	/* How many data bytes the owner can take now (NULL: any). 0 pauses reading until resumed. */
	size_t	(*room_cb)(void *arg);
	void	*arg;
};

/*
 * Listen on `spec` ("host:port", "[v6]:port" or ":port"; host defaults to
 * 127.0.0.1; port 0 picks one; ports above 65535 are refused). `baud` is
 * what the codec reports before the client sets one. NULL with err.
 */
struct rfc2217_server *rfc2217_server_listen(struct loop *l, const char *spec, uint32_t baud,
    const struct rfc2217_server_cbs *cbs, char *err, size_t errlen);
/* Close the client and the listener; NULL is a no-op. */
void rfc2217_server_free(struct rfc2217_server *s);
/* "rfc2217://127.0.0.1:4000" (the bound port). */
const char *rfc2217_server_url(const struct rfc2217_server *s);
/* The baud new clients' codecs start with. */
void rfc2217_server_set_baud(struct rfc2217_server *s, uint32_t baud);

int rfc2217_server_has_client(const struct rfc2217_server *s);
/*
 * Serial data to the client (escaped here): bytes taken, -1 when its
 * buffer is full or it sent FLOWCONTROL-SUSPEND (writable_cb follows), -2
 * with no client.
 */
ssize_t rfc2217_server_write(struct rfc2217_server *s, const uint8_t *buf, size_t len);
/* Escaped bytes waiting for the client's socket. */
size_t rfc2217_server_pending(const struct rfc2217_server *s);
/* Stop / restart reading the client's socket. */
void rfc2217_server_pause_read(struct rfc2217_server *s);
void rfc2217_server_resume_read(struct rfc2217_server *s);
int rfc2217_server_read_paused(const struct rfc2217_server *s);
/* Drop the client now (close_cb runs with `why`). */
void rfc2217_server_drop(struct rfc2217_server *s, const char *why);
/* Refuse (1) or accept (0) new clients; `why` is logged through note_cb-less close. */
void rfc2217_server_refuse(struct rfc2217_server *s, int on);
/* Tell the client the modem lines (CTS, DSR, ...) when its mask allows. */
void rfc2217_server_set_modemstate(struct rfc2217_server *s, uint8_t state);

#endif
