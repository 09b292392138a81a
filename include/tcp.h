/*
 * tcp.h — TCP sockets for the network endpoints: raw tcp:// devices,
 * rfc2217:// devices and the RFC 2217 server. Every socket returned is
 * non-blocking, close-on-exec, with TCP_NODELAY (serial traffic is small
 * frames; Nagle would add latency to each).
 */
#ifndef SLIPTAP_TCP_H
#define SLIPTAP_TCP_H

#include <stddef.h>

/*
 * Split "host:port" ("[v6]:port" too) into host and port buffers. A missing
 * host gives `defhost`; the port must be a number from 0 to 65535. 0, or -1
 * with a message in err (the caller of an option makes it a usage error).
 */
int tcp_split(const char *spec, const char *defhost, char *host, size_t hostlen, char *port,
    size_t portlen, char *err, size_t errlen);
/* Connect to host:port (blocking connect, at most timeout_ms). The fd, or -1 with a message in err. */
int tcp_connect(const char *host, const char *port, int timeout_ms, char *err, size_t errlen);
/* Listen on host:port (SO_REUSEADDR). The fd, or -1 with a message in err. */
int tcp_listen(const char *host, const char *port, char *err, size_t errlen);
/* Accept one connection: the fd (non-blocking, TCP_NODELAY) or -1 (errno). */
int tcp_accept(int lfd);
/* The bound "host:port" of a listening socket into buf (for port 0). 0 or -1. */
int tcp_local_name(int fd, char *buf, size_t size);

#endif
