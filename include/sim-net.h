/*
 * sim-net.h — `sliptap sim --rfc2217`: the simulated device behind an RFC
 * 2217 server on TCP (I/O; src/sim/sim-net.c). One client at a time; the
 * device outlives connections like a board whose USB cable stays in.
 *
 * The client drives the auto-reset circuit: SET-CONTROL DTR/RTS go to
 * sim_device_set_lines() in stream order with the data (directly, or
 * interpreted like esptool's esp_rfc2217_server; see esp_reset), PURGE-DATA (receive
 * buffer) drops the device output not yet sent, SET-BAUDRATE is recorded
 * (the device's own baud follows the loader protocol, as on a real UART).
 * A client that goes away releases DTR and RTS (a closed tty drops both).
 * The RFC 2217 protocol itself is the shared codec (rfc2217.h).
 */
#ifndef SLIPTAP_SIM_NET_H
#define SLIPTAP_SIM_NET_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct sim_device;
struct sim_net;

struct sim_net_params {
	struct sim_device *dev;
	volatile sig_atomic_t *quit;	/* nonzero: return from sim_net_run */
	int *detach_pending;		/* set by the caller on SIM_EV_DETACH; cleared here */
	uint64_t vanish_ns;		/* after a detach: stall the client this long, then drop it */
	uint64_t reenum_ns;		/* then accept no client this long, then reattach */
	int verbose;			/* log every port command */
	/*
	 * 0: DTR/RTS reach the circuit as they arrive (a plain RFC 2217 server).
	 * 1: like esp_rfc2217_server: DTR on starts a local reset into download
	 * mode, RTS off a hard reset, with board timings (network latency
	 * cannot carry the classic sequence's timing).
	 */
	int esp_reset;
	/* One log line (no newline), valid during the call. Required. */
	void (*log_cb)(const char *line, void *arg);
	void *arg;
};

/*
 * Listen on `spec` ("host:port", "[v6]:port" or ":port"; the host defaults
 * to 127.0.0.1; port 0 picks a free one). Returns NULL with a message in
 * err on failure.
 */
struct sim_net *sim_net_listen(const char *spec, char *err, size_t errlen);
/* The bound address as a URL: "rfc2217://127.0.0.1:4000". */
const char *sim_net_url(const struct sim_net *n);
/*
 * Serve clients until *p->quit is set. Times come from CLOCK_MONOTONIC.
 * Returns 0, or 1 after a fatal poll/accept error (logged).
 */
int sim_net_run(struct sim_net *n, const struct sim_net_params *p);
/* Close every socket; NULL is a no-op. */
void sim_net_free(struct sim_net *n);

#endif
