/*
 * tcp.c — TCP helpers for the network endpoints (see tcp.h).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcp.h"

int
tcp_split(const char *spec, const char *defhost, char *host, size_t hostlen, char *port,
    size_t portlen, char *err, size_t errlen)
{
	const char *colon, *h = spec, *hend;

	if (spec[0] == '[') {
		hend = strchr(spec, ']');
		if (hend == NULL || hend[1] != ':')
			goto bad;
		h = spec + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL)
			goto bad;
		hend = colon;
	}
	if (colon[1] == '\0' || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		goto bad;
	/* getaddrinfo takes the port modulo 65536: 99999 would be 34463. */
	if (strlen(colon + 1) > 5 || atol(colon + 1) > 65535) {
		snprintf(err, errlen, "%s: port %s out of range (0 to 65535)", spec, colon + 1);
		return -1;
	}
	if (hend == h)
		snprintf(host, hostlen, "%s", defhost);
	else
		snprintf(host, hostlen, "%.*s", (int)(hend - h), h);
	snprintf(port, portlen, "%s", colon + 1);
	return 0;
bad:
	snprintf(err, errlen, "%s: want HOST:PORT (e.g. 127.0.0.1:4000)", spec);
	return -1;
}

static void
tcp_tune(int fd)
{
	int one = 1, fl;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int
tcp_connect(const char *host, const char *port, int timeout_ms, char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	struct pollfd pfd;
	socklen_t sl;
	int fd = -1, rc, e = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s:%s: %s", host, port, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, timeout_ms) == 1) {
				sl = sizeof(e);
				if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) == 0 && e == 0)
					break;
			} else
				e = ETIMEDOUT;
		} else
			e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		snprintf(err, errlen, "%s:%s: cannot connect: %s", host, port, strerror(e));
		errno = e;
		return -1;
	}
	tcp_tune(fd);
	return fd;
}

int
tcp_listen(const char *host, const char *port, char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, one = 1, rc, e = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s:%s: %s", host, port, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			e = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 4) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		snprintf(err, errlen, "%s:%s: cannot listen: %s", host, port, strerror(e));
		errno = e;
		return -1;
	}
	return fd;
}

int
tcp_accept(int lfd)
{
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd != -1)
		tcp_tune(fd);
	return fd;
}

int
tcp_local_name(int fd, char *buf, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char h[INET6_ADDRSTRLEN];

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return -1;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, h, sizeof(h));
		snprintf(buf, size, "%s:%u", h, ntohs(sin->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, h, sizeof(h));
		snprintf(buf, size, "[%s]:%u", h, ntohs(sin6->sin6_port));
	} else
		return -1;
	return 0;
}
