/*
 * receiver_fixture.h — the loopback receivers of
 * tests/integration/lib_receivers.py (aiosmtpd, the webhook receiver
 * that checks signatures) for the unit tests that deliver for real:
 * started with fork/exec on a free 127.0.0.1 port, stopped by PID
 * (static inline functions, as in rules_fixture.h). cmocka.h comes
 * first.
 */
#ifndef RECEIVER_FIXTURE_H
#define RECEIVER_FIXTURE_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The one secret the webhook receivers know, unless told another. */
#define RECEIVER_SECRET	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

/*
 * A listening socket on a free loopback port, *port. Nobody accepts: the
 * kernel still completes the handshake of a client, which then waits.
 */
static inline int
listen_loopback(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A loopback port nobody listened on a moment ago. */
static inline int
free_port(void)
{
	int	port;

	close(listen_loopback(&port));
	return port;
}

/*
 * Starts lib_receivers.py KIND PORT DIR ARG and waits for DIR/ready (a
 * ready left by an earlier receiver in DIR does not count).
 */
static inline pid_t
start_receiver_arg(const char *kind, int port, const char *dir,
    const char *arg)
{
	const char	*src = getenv("KOYOMI_SRC");
	char		 script[512], ps[16], ready[512];
	pid_t		 pid;
	int		 i;

	snprintf(script, sizeof script, "%s/tests/integration/lib_receivers.py",
	    src != NULL ? src : ".");
	snprintf(ps, sizeof ps, "%d", port);
	snprintf(ready, sizeof ready, "%s/ready", dir);
	unlink(ready);
	if ((pid = fork()) == 0) {
		execl("/usr/bin/python3", "python3", script, kind, ps, dir,
		    arg, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	for (i = 0; i < 200 && access(ready, F_OK) != 0; i++)
		usleep(50000);	/* a test may sleep; the daemon never does */
	assert_int_equal(access(ready, F_OK), 0);
	return pid;
}

/* The smtp or http receiver, webhooks signed with RECEIVER_SECRET. */
static inline pid_t
start_receiver(const char *kind, int port, const char *dir)
{
	return start_receiver_arg(kind, port, dir, RECEIVER_SECRET);
}

/* Stops the receiver *PID, if any, and forgets it. */
static inline void
stop_receiver(pid_t *pid)
{
	int	st;

	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, &st, 0);
	}
	*pid = 0;
}

#endif
