/*
 * http_sock.c — the listening socket. koyomi binds it itself, so it
 * listens on exactly the configured numeric address and knows its port,
 * and hands it to libmicrohttpd (MHD_OPTION_LISTEN_SOCKET).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendars/util.h"
#include "daemon/http/http.h"

/* "127.0.0.1:8080", "[::1]:8080", ":8080" → a bound, listening socket. */
int
http_listen_socket(const char *spec, char **cause)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	char			 host[128];
	const char		*colon;
	char			*end;
	long			 port;
	int			 fd, one = 1;

	memset(&ss, 0, sizeof ss);
	if ((colon = strrchr(spec, ':')) == NULL ||
	    (size_t)(colon - spec) >= sizeof host) {
		xasprintf(cause, "listen: '%s' is not HOST:PORT", spec);
		return -1;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 0 || port > 65535) {
		xasprintf(cause, "listen: bad port in '%s'", spec);
		return -1;
	}
	if (host[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		host[strlen(host) - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			goto bad;
		sl = sizeof *s6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (host[0] == '\0')
			s4->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			goto bad;
		sl = sizeof *s4;
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    listen(fd, 1024) == -1) {
		xasprintf(cause, "listen %s: %s", spec, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
bad:
	xasprintf(cause, "listen: '%s' is not a numeric address", spec);
	return -1;
}

unsigned
http_socket_port(int fd)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof ss;

	memset(&ss, 0, sizeof ss);
	if (fd == -1 || getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}
