/*
 * smtp.c — the smtp:// and smtps:// mail transport: an SMTP client of its
 * own on the daemon's loop (RFC 5321, with PIPELINING of RFC 2920,
 * STARTTLS of RFC 3207 and AUTH PLAIN / LOGIN of RFC 4954), as
 * OpenSMTPD's mta is. All mail goes to one server (the configured
 * smarthost) over at most mail_concurrency sessions; a session stays
 * open between messages (EHLO, STARTTLS and AUTH once) and carries one
 * message at a time.
 *
 * Why not libcurl, which this file used before: its SMTP waits for the
 * reply to the end of DATA (and to QUIT) with a blocking poll even in
 * the multi interface (curl issues #4015, #8555), so it had to run in a
 * thread per connection, with a hand-over through a locked queue and a
 * wake-up each way for every mail; and it never pipelines. Through the
 * whole daemon that cost 125 µs of CPU per mail in the threads alone
 * (bench/README.md, "Delivery"). Here a mail is one write of MAIL, RCPT
 * and DATA when the server offers PIPELINING (every common MTA does),
 * one write of the body, and two reads, on the loop that wrote its row;
 * without PIPELINING the commands go one reply at a time.
 *
 * The loop never blocks: sockets and TLS are non-blocking, and a host
 * name (not an address) is resolved in a short-lived thread, its answer
 * kept for SMTP_DNS_TTL.
 *
 * TLS (OpenSSL): smtps:// starts with it; over smtp:// STARTTLS is used
 * when offered, and required (nothing else is sent when it is missing or
 * fails) with mail_starttls: required, and always with mail_credentials:
 * with "try", anyone on the path could strip STARTTLS from the EHLO
 * answer and read the password. The server's certificate is checked
 * against mail_ca_file alone when given, else OpenSSL's default store
 * (which honours SSL_CERT_FILE and SSL_CERT_DIR), and its name or
 * address against the URL's host.
 *
 * Results: a 5xx reply to MAIL, RCPT or DATA or to the end of the data
 * is permanent (the message goes dead at once), except an authentication
 * refusal, which is our configuration's fault, not the message's;
 * everything else is temporary. A session that failed is never reused:
 * its state is unknown. A session the server closed while it was idle is
 * found closed when the next message goes out on it: that message is
 * tried once more on a new session before it counts as failed.
 *
 * Limits: smtp_connect_timeout from the session's start until it can
 * take a message (connect, TLS, greeting, EHLO, STARTTLS, AUTH);
 * smtp_timeout for one message, connecting included. An idle session is
 * closed (QUIT) after SMTP_IDLE.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "notifier/base64.h"
#include "notifier/mail.h"
#include "notifier/notify_int.h"

#define SMTP_IDLE	30.	/* seconds an unused session stays open */
#define SMTP_DNS_TTL	300.	/* seconds a resolved host name is kept */
#define SMTP_LINE	4096	/* longest reply line read */
#define SMTP_INBUF	(2 * SMTP_LINE)
#define SMTP_RTEXT	200	/* reply text kept for an error */

enum smtp_state {
	SS_RESOLVE,		/* waiting for the host's addresses */
	SS_CONNECT,		/* connect() in progress */
	SS_TLS,			/* handshake: smtps://, or after STARTTLS */
	SS_GREETING,		/* 220 */
	SS_EHLO,		/* 250 and the extensions */
	SS_HELO,		/* EHLO refused: 250 */
	SS_STARTTLS,		/* 220 */
	SS_AUTH,		/* PLAIN: 235; LOGIN: 334 */
	SS_AUTH_USER,		/* LOGIN: 334 */
	SS_AUTH_PASS,		/* LOGIN: 235 */
	SS_IDLE,		/* ready, no message */
	SS_MAIL,		/* 250 to MAIL FROM */
	SS_RCPT,		/* 250 to RCPT TO */
	SS_DATA,		/* 354 to DATA */
	SS_DOT,			/* 250 to the end of the data */
};

struct smtp;

struct smtp_sess {
	TAILQ_ENTRY(smtp_sess)	 entry;
	struct smtp		*s;
	int			 fd;
	SSL			*ssl;
	int			 tls;		/* TLS is up */
	int			 ssl_wants_write;
	enum smtp_state		 st;
	ev_io			 io;
	ev_timer		 timer;
	ev_tstamp		 setup_end;	/* connect timeout; 0 once ready */
	ev_tstamp		 task_end;	/* message timeout; 0: no task */
	struct addrinfo		*ai;		/* the next address to try */
	int			 last_errno;
	/* Extensions of the last EHLO. */
	int			 pipelining, starttls, auth_plain, auth_login;
	char			 in[SMTP_INBUF];
	size_t			 inlen;
	struct buf		 out;
	size_t			 outoff;
	/* The reply being read: its code and first line's text. */
	int			 rcode;
	char			 rtext[SMTP_RTEXT];
	struct notify_task	*t;		/* the message on the wire */
	int			 used;		/* has carried a message */
	int			 after_starttls; /* TLS then EHLO again */
	int			 rlines;	/* lines of the reply so far */
	int			 replied;	/* replies for this message */
	int			 pipe_err;	/* first failed reply, pipelined */
	char			 pipe_what[16];
	int			 pipe_code;
	char			 pipe_text[SMTP_RTEXT];
};
TAILQ_HEAD(smtp_sessq, smtp_sess);

struct smtp {
	struct notify		*n;
	struct ev_loop		*loop;
	char			*host;		/* from the URL, no brackets */
	char			*port;
	int			 smtps;
	int			 host_is_ip;
	char			*helo;		/* our name in EHLO */
	char			*from;		/* envelope sender, "<a@b>" */
	char			*user;		/* NULL: no AUTH */
	char			*pass;
	int			 tls_required;
	SSL_CTX			*ctx;
	unsigned		 max;		/* sessions */
	unsigned		 nsess;
	double			 timeout;	/* per message, seconds */
	double			 ctimeout;	/* connecting, seconds */
	struct smtp_sessq	 sessions;
	struct notify_taskq	 pending;	/* no session free for them */
	int			 stopping;
	/* Addresses of host; a thread resolves names. */
	struct addrinfo		*addrs;
	ev_tstamp		 addrs_at;
	int			 resolving;
	pthread_t		 resolver;
	ev_async		 resolved;
	/* Written by the thread, read once it is joined. */
	struct addrinfo		*res_addrs;
	int			 res_err;
	int			 res_errno;	/* with EAI_SYSTEM */
};

static void	smtp_sess_start(struct smtp *, struct notify_task *);
static void	smtp_sess_close(struct smtp_sess *);
static void	smtp_sess_next(struct smtp_sess *);
static void	smtp_sess_drive(struct smtp_sess *);
static void	smtp_sess_lost(struct smtp_sess *);
static void	smtp_resolve(struct smtp *);
static void	smtp_resolved(struct smtp *);

/* "user:password" from a file nobody else may read (style.md §6). */
static int
smtp_read_credentials(struct smtp *s, const char *path, char **cause)
{
	FILE		*f;
	struct stat	 st;
	char		 line[1024], *colon;
	size_t		 len;

	if ((f = fopen(path, "re")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == -1 || (st.st_mode & 077) != 0) {
		xasprintf(cause, "%s: must not be readable by group or others",
		    path);
		fclose(f);
		return -1;
	}
	if (fgets(line, sizeof line, f) == NULL ||
	    (colon = strchr(line, ':')) == NULL) {
		xasprintf(cause, "%s: expected one line user:password", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	*colon = '\0';
	s->user = xstrdup(line);
	s->pass = xstrdup(colon + 1);
	explicit_bzero(line, sizeof line);
	return 0;
}

/* smtp[s]://host[:port][/…] into s->host, s->port, s->smtps. */
static int
smtp_parse_url(struct smtp *s, const char *url, char **cause)
{
	CURLU		*u;
	char		*scheme = NULL, *host = NULL, *port = NULL;
	size_t		 l;
	int		 rc = -1;
	unsigned char	 a[sizeof(struct in6_addr)];

	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		xasprintf(cause, "mail_transport: not a URL: %s", url);
		goto out;
	}
	if (strcmp(scheme, "smtp") == 0)
		s->smtps = 0;
	else if (strcmp(scheme, "smtps") == 0)
		s->smtps = 1;
	else {
		xasprintf(cause, "mail_transport: not smtp:// nor smtps://");
		goto out;
	}
	l = strlen(host);
	if (l >= 2 && host[0] == '[' && host[l - 1] == ']') {
		host[l - 1] = '\0';
		s->host = xstrdup(host + 1);
	} else
		s->host = xstrdup(host);
	s->host_is_ip = inet_pton(AF_INET, s->host, a) == 1 ||
	    inet_pton(AF_INET6, s->host, a) == 1;
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
		s->port = xstrdup(port);
	else
		s->port = xstrdup(s->smtps ? "465" : "25");
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* The CAs the server's certificate is checked against, and the rest. */
static int
smtp_tls_init(struct smtp *s, const struct notify_conf *nc, char **cause)
{
	if ((s->ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		xasprintf(cause, "smtp: cannot make a TLS context");
		return -1;
	}
	SSL_CTX_set_min_proto_version(s->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(s->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (nc->mail_ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(s->ctx, nc->mail_ca_file,
		    NULL) != 1) {
			xasprintf(cause, "%s: no CA certificate could be read",
			    nc->mail_ca_file);
			return -1;
		}
	} else if (SSL_CTX_set_default_verify_paths(s->ctx) != 1) {
		xasprintf(cause, "smtp: cannot read the system's CAs");
		return -1;
	}
	return 0;
}

/* Ends the message on c with status and an error, then frees c. */
static void
smtp_sess_fail(struct smtp_sess *c, enum notify_status st, int code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
smtp_sess_fail(struct smtp_sess *c, enum notify_status st, int code,
    const char *fmt, ...)
{
	struct notify_task	*t = c->t;
	va_list			 ap;
	char			*msg;

	c->t = NULL;
	if (t != NULL) {
		va_start(ap, fmt);
		xvasprintf(&msg, fmt, ap);
		va_end(ap);
		t->res.code = code;
		t->res.status = st;
		snprintf(t->res.error, sizeof t->res.error,
		    "smtp: %s (reply %d)", msg, code);
		free(msg);
	}
	smtp_sess_close(c);
	if (t != NULL)
		notify_task_finish(t);
}

/* The session's file descriptor events: reading always, writing when due. */
static void
smtp_sess_events(struct smtp_sess *c)
{
	int	ev = EV_READ;

	if (c->fd == -1)
		return;
	if (c->st == SS_CONNECT || c->ssl_wants_write ||
	    c->outoff < c->out.len)
		ev |= EV_WRITE;
	if (ev_is_active(&c->io) && c->io.events == ev)
		return;
	ev_io_stop(c->s->loop, &c->io);
	ev_io_set(&c->io, c->fd, ev);
	ev_io_start(c->s->loop, &c->io);
}

/* The next deadline of c: connecting, or its message. */
static void
smtp_sess_timer(struct smtp_sess *c)
{
	ev_tstamp	end = 0, now = ev_now(c->s->loop);

	if (c->setup_end > 0)
		end = c->setup_end;
	if (c->task_end > 0 && (end == 0 || c->task_end < end))
		end = c->task_end;
	if (c->st == SS_IDLE && c->t == NULL)
		end = now + SMTP_IDLE;
	ev_timer_stop(c->s->loop, &c->timer);
	if (end == 0)
		return;
	ev_timer_set(&c->timer, end > now ? end - now : 0., 0.);
	ev_timer_start(c->s->loop, &c->timer);
}

/* Appending to c->out: start it afresh once all of it went out. */
static void
smtp_out_append(struct smtp_sess *c)
{
	if (c->outoff == c->out.len) {
		buf_reset(&c->out);
		c->outoff = 0;
	}
}

static void
smtp_send_cmd(struct smtp_sess *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
smtp_send_cmd(struct smtp_sess *c, const char *fmt, ...)
{
	va_list	ap;
	char	*line;

	smtp_out_append(c);
	va_start(ap, fmt);
	xvasprintf(&line, fmt, ap);
	va_end(ap);
	buf_puts(&c->out, line);
	buf_puts(&c->out, "\r\n");
	free(line);
}

/* Payload, dot-stuffed, ended by CRLF "." CRLF, after what is queued. */
static void
smtp_put_body(struct smtp_sess *c, const char *p, size_t len)
{
	size_t	i, start = 0;
	int	bol = 1;

	smtp_out_append(c);
	for (i = 0; i < len; i++) {
		if (bol && p[i] == '.') {
			buf_append(&c->out, p + start, i - start);
			buf_putc(&c->out, '.');
			start = i;
		}
		bol = p[i] == '\n';
	}
	buf_append(&c->out, p + start, len - start);
	if (len > 0 && p[len - 1] != '\n')
		buf_puts(&c->out, "\r\n");
	buf_puts(&c->out, ".\r\n");
}

/* Reads what is there into c->in: 1 got some, 0 nothing yet, -1 EOF or error. */
static int
smtp_sess_read(struct smtp_sess *c)
{
	size_t	room = sizeof c->in - c->inlen;
	ssize_t	n;
	int	e;

	if (room == 0)
		return 1;
	if (c->ssl != NULL && c->tls) {
		ERR_clear_error();
		n = SSL_read(c->ssl, c->in + c->inlen, (int)room);
		if (n > 0) {
			c->inlen += (size_t)n;
			return 1;
		}
		e = SSL_get_error(c->ssl, (int)n);
		if (e == SSL_ERROR_WANT_READ)
			return 0;
		if (e == SSL_ERROR_WANT_WRITE) {
			c->ssl_wants_write = 1;
			return 0;
		}
		c->last_errno = e == SSL_ERROR_ZERO_RETURN ? 0 : EPROTO;
		return -1;
	}
	n = recv(c->fd, c->in + c->inlen, room, 0);
	if (n > 0) {
		c->inlen += (size_t)n;
		return 1;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	c->last_errno = n == 0 ? 0 : errno;
	return -1;
}

/* Writes what is queued: 0 (all, or would block), -1 error. */
static int
smtp_sess_write(struct smtp_sess *c)
{
	ssize_t	n;
	int	e;

	c->ssl_wants_write = 0;
	while (c->outoff < c->out.len) {
		if (c->ssl != NULL && c->tls) {
			ERR_clear_error();
			n = SSL_write(c->ssl, c->out.data + c->outoff,
			    (int)(c->out.len - c->outoff));
			if (n <= 0) {
				e = SSL_get_error(c->ssl, (int)n);
				if (e == SSL_ERROR_WANT_WRITE) {
					c->ssl_wants_write = 1;
					return 0;
				}
				if (e == SSL_ERROR_WANT_READ)
					return 0;
				c->last_errno = EPROTO;
				return -1;
			}
		} else {
			n = send(c->fd, c->out.data + c->outoff,
			    c->out.len - c->outoff, MSG_NOSIGNAL);
			if (n == -1) {
				if (errno == EAGAIN || errno == EINTR)
					return 0;
				c->last_errno = errno;
				return -1;
			}
		}
		c->outoff += (size_t)n;
	}
	return 0;
}

/* The reason the connection ended, for an error. */
static const char *
smtp_sess_why(const struct smtp_sess *c)
{
	return c->last_errno == 0 ? "the server closed the connection" :
	    strerror(c->last_errno);
}

/* The session can take messages: its own, or one waiting, or idles. */
static void
smtp_sess_ready(struct smtp_sess *c)
{
	c->setup_end = 0;
	c->st = SS_IDLE;
	smtp_sess_next(c);
}

/* AUTH PLAIN's one line: base64 of "\0user\0password". */
static void
smtp_auth_plain(struct smtp_sess *c)
{
	struct smtp	*s = c->s;
	struct buf	 b;
	char		*raw;
	size_t		 ul = strlen(s->user), pl = strlen(s->pass);

	raw = xmalloc(ul + pl + 2);
	raw[0] = '\0';
	memcpy(raw + 1, s->user, ul);
	raw[ul + 1] = '\0';
	memcpy(raw + ul + 2, s->pass, pl);
	buf_init(&b);
	b64_encode(&b, raw, ul + pl + 2);
	explicit_bzero(raw, ul + pl + 2);
	free(raw);
	buf_putc(&b, '\0');
	smtp_send_cmd(c, "AUTH PLAIN %s", b.data);
	explicit_bzero(b.data, b.len);
	buf_free(&b);
}

/* One base64 line of AUTH LOGIN. */
static void
smtp_send_b64(struct smtp_sess *c, const char *v)
{
	struct buf	b;

	buf_init(&b);
	b64_encode(&b, v, strlen(v));
	buf_putc(&b, '\0');
	smtp_send_cmd(c, "%s", b.data);
	explicit_bzero(b.data, b.len);
	buf_free(&b);
}

/* After EHLO (or HELO): STARTTLS, AUTH, or ready. -1 when c was freed. */
static int
smtp_sess_after_ehlo(struct smtp_sess *c)
{
	struct smtp	*s = c->s;

	if (!c->tls && c->starttls) {
		smtp_send_cmd(c, "STARTTLS");
		c->st = SS_STARTTLS;
		return 0;
	}
	if (!c->tls && s->tls_required) {
		smtp_sess_fail(c, NOTIFY_TEMPFAIL, 0, "the server offers no "
		    "STARTTLS; TLS is required (mail_starttls or "
		    "mail_credentials): nothing was sent in clear text");
		return -1;
	}
	if (s->user == NULL) {
		smtp_sess_ready(c);
		return 0;
	}
	if (c->auth_plain)
		smtp_auth_plain(c);
	else if (c->auth_login)
		smtp_send_cmd(c, "AUTH LOGIN");
	else {
		smtp_sess_fail(c, NOTIFY_TEMPFAIL, 0, "the server offers no "
		    "AUTH PLAIN nor LOGIN for mail_credentials");
		return -1;
	}
	c->st = SS_AUTH;
	return 0;
}

/* Notes the extension one EHLO line names. */
static void
smtp_ehlo_line(struct smtp_sess *c, const char *kw)
{
	const char	*p;
	size_t		 l;

	if (strcasecmp(kw, "PIPELINING") == 0)
		c->pipelining = 1;
	else if (strcasecmp(kw, "STARTTLS") == 0)
		c->starttls = 1;
	else if (strncasecmp(kw, "AUTH", 4) == 0 &&
	    (kw[4] == ' ' || kw[4] == '=')) {
		/* "AUTH PLAIN LOGIN", or the old "AUTH=LOGIN". */
		for (p = kw + 5; *p != '\0'; p += strspn(p, " ")) {
			l = strcspn(p, " ");
			if (l == 5 && strncasecmp(p, "PLAIN", 5) == 0)
				c->auth_plain = 1;
			else if (l == 5 && strncasecmp(p, "LOGIN", 5) == 0)
				c->auth_login = 1;
			p += l;
		}
	}
}

/* Starts the TLS handshake on c (smtps://, or after STARTTLS's 220). */
static int
smtp_sess_tls(struct smtp_sess *c)
{
	struct smtp		*s = c->s;
	X509_VERIFY_PARAM	*vp;

	if ((c->ssl = SSL_new(s->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1) {
		smtp_sess_fail(c, NOTIFY_TEMPFAIL, 0, "cannot start TLS");
		return -1;
	}
	vp = SSL_get0_param(c->ssl);
	if (s->host_is_ip)
		X509_VERIFY_PARAM_set1_ip_asc(vp, s->host);
	else {
		SSL_set_tlsext_host_name(c->ssl, s->host);
		SSL_set1_host(c->ssl, s->host);
	}
	c->st = SS_TLS;
	c->inlen = 0;	/* nothing read before the handshake counts */
	return 0;
}

/* Steps the handshake: 1 done, 0 not yet, -1 failed (c is freed). */
static int
smtp_sess_handshake(struct smtp_sess *c)
{
	char	err[160];
	long	v;
	int	rc, e;

	ERR_clear_error();
	c->ssl_wants_write = 0;
	if ((rc = SSL_connect(c->ssl)) == 1) {
		c->tls = 1;
		return 1;
	}
	e = SSL_get_error(c->ssl, rc);
	if (e == SSL_ERROR_WANT_READ)
		return 0;
	if (e == SSL_ERROR_WANT_WRITE) {
		c->ssl_wants_write = 1;
		return 0;
	}
	if ((v = SSL_get_verify_result(c->ssl)) != X509_V_OK) {
		smtp_sess_fail(c, NOTIFY_TEMPFAIL, 0, "TLS: %s; the server's "
		    "certificate is not signed by a trusted CA or does not "
		    "name %s", X509_verify_cert_error_string(v), c->s->host);
		return -1;
	}
	if (ERR_peek_last_error() != 0)
		ERR_error_string_n(ERR_peek_last_error(), err, sizeof err);
	else
		snprintf(err, sizeof err, "%s", smtp_sess_why(c));
	smtp_sess_fail(c, NOTIFY_TEMPFAIL, 0, "TLS handshake failed: %s%s",
	    err, c->s->tls_required ? "; TLS is required (mail_starttls or "
	    "mail_credentials): nothing was sent in clear text" : "");
	return -1;
}

/* The reply to MAIL FROM or RCPT TO. -1 when c was freed. */
static int
smtp_reply_envelope(struct smtp_sess *c, int code)
{
	const char	*what = c->st == SS_MAIL ? "MAIL FROM" : "RCPT TO";

	if (code != 250) {
		if (!c->pipelining) {
			smtp_sess_fail(c, code >= 500 ? NOTIFY_PERMFAIL :
			    NOTIFY_TEMPFAIL, code, "%s: %s", what, c->rtext);
			return -1;
		}
		/* The other replies still come: the first failure counts. */
		if (!c->pipe_err) {
			c->pipe_err = 1;
			c->pipe_code = code;
			snprintf(c->pipe_what, sizeof c->pipe_what, "%s", what);
			snprintf(c->pipe_text, sizeof c->pipe_text, "%s",
			    c->rtext);
		}
	}
	if (c->st == SS_MAIL) {
		if (!c->pipelining)
			smtp_send_cmd(c, "RCPT TO:<%s>", c->t->rcpt);
		c->st = SS_RCPT;
	} else {
		if (!c->pipelining)
			smtp_send_cmd(c, "DATA");
		c->st = SS_DATA;
	}
	return 0;
}

/* The message was accepted: its task ends, the session takes the next. */
static void
smtp_sess_sent(struct smtp_sess *c, int code)
{
	struct notify_task	*t = c->t;

	c->t = NULL;
	c->task_end = 0;
	c->used = 1;
	c->st = SS_IDLE;
	t->res.status = NOTIFY_OK;
	t->res.code = code;
	notify_task_finish(t);
	smtp_sess_next(c);
}

/*
 * A whole reply came in (its first line in c->rtext). Moves the state
 * on; returns -1 when c was freed.
 */
static int
smtp_reply(struct smtp_sess *c, int code)
{
	struct smtp		*s = c->s;
	enum notify_status	 st = code >= 500 ? NOTIFY_PERMFAIL :
				    NOTIFY_TEMPFAIL;

	c->replied++;
	switch (c->st) {
	case SS_GREETING:
		if (code != 220)
			goto setup_fail;
		smtp_send_cmd(c, "EHLO %s", s->helo);
		c->st = SS_EHLO;
		return 0;
	case SS_EHLO:
		if (code == 250)
			return smtp_sess_after_ehlo(c);
		/* An old server: HELO, when nothing more is needed. */
		if (code < 500 || s->tls_required || s->user != NULL)
			goto setup_fail;
		smtp_send_cmd(c, "HELO %s", s->helo);
		c->st = SS_HELO;
		return 0;
	case SS_HELO:
		if (code != 250)
			goto setup_fail;
		smtp_sess_ready(c);
		return 0;
	case SS_STARTTLS:
		if (code == 220) {
			c->after_starttls = 1;
			return smtp_sess_tls(c);
		}
		if (s->tls_required) {
			smtp_sess_fail(c, NOTIFY_TEMPFAIL, code, "STARTTLS: "
			    "%s; TLS is required (mail_starttls or "
			    "mail_credentials): nothing was sent in clear "
			    "text", c->rtext);
			return -1;
		}
		c->starttls = 0;
		return smtp_sess_after_ehlo(c);
	case SS_AUTH:
		if (code == 235) {
			smtp_sess_ready(c);
			return 0;
		}
		if (code == 334 && !c->auth_plain) {
			smtp_send_b64(c, s->user);
			c->st = SS_AUTH_USER;
			return 0;
		}
		goto auth_fail;
	case SS_AUTH_USER:
		if (code != 334)
			goto auth_fail;
		smtp_send_b64(c, s->pass);
		c->st = SS_AUTH_PASS;
		return 0;
	case SS_AUTH_PASS:
		if (code != 235)
			goto auth_fail;
		smtp_sess_ready(c);
		return 0;
	case SS_MAIL:
	case SS_RCPT:
		return smtp_reply_envelope(c, code);
	case SS_DATA:
		if (c->pipe_err) {
			/* After 354 it waits for data: not reusable. */
			smtp_sess_fail(c, c->pipe_code >= 500 ?
			    NOTIFY_PERMFAIL : NOTIFY_TEMPFAIL, c->pipe_code,
			    "%s: %s", c->pipe_what, c->pipe_text);
			return -1;
		}
		if (code != 354) {
			smtp_sess_fail(c, st, code, "DATA: %s", c->rtext);
			return -1;
		}
		smtp_put_body(c, c->t->payload, c->t->len);
		c->st = SS_DOT;
		return 0;
	case SS_DOT:
		if (code != 250) {
			smtp_sess_fail(c, st, code, "the message was refused: "
			    "%s", c->rtext);
			return -1;
		}
		smtp_sess_sent(c, code);
		return 0;
	default:
		/* Unasked (a 421 before the server closes): the end. */
		smtp_sess_fail(c, NOTIFY_TEMPFAIL, code, "%s", c->rtext);
		return -1;
	}
setup_fail:
	smtp_sess_fail(c, NOTIFY_TEMPFAIL, code, "%s: %s",
	    c->st == SS_GREETING ? "greeting" : c->st == SS_EHLO ? "EHLO" :
	    "HELO", c->rtext);
	return -1;
auth_fail:
	smtp_sess_fail(c, NOTIFY_TEMPFAIL, code, "AUTH: %s; the server "
	    "refused the user:password of mail_credentials", c->rtext);
	return -1;
}

/* Takes the whole replies out of c->in: 0, or -1 when c was freed. */
static int
smtp_sess_replies(struct smtp_sess *c)
{
	char	*nl, line[SMTP_LINE + 1];
	size_t	 l, used = 0;
	int	 code;

	while (used < c->inlen &&
	    (nl = memchr(c->in + used, '\n', c->inlen - used)) != NULL) {
		l = (size_t)(nl - (c->in + used));
		if (l > SMTP_LINE)
			l = SMTP_LINE;
		memcpy(line, c->in + used, l);
		line[l] = '\0';
		if (l > 0 && line[l - 1] == '\r')
			line[--l] = '\0';
		used = (size_t)(nl - c->in) + 1;
		if (l < 3 || line[0] < '2' || line[0] > '5' ||
		    line[1] < '0' || line[1] > '9' || line[2] < '0' ||
		    line[2] > '9' || (l > 3 && line[3] != ' ' &&
		    line[3] != '-')) {
			smtp_sess_fail(c, NOTIFY_TEMPFAIL, 0, "not an SMTP "
			    "reply: %.60s", line);
			return -1;
		}
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		if (c->rlines++ == 0)
			snprintf(c->rtext, sizeof c->rtext, "%.*s",
			    (int)sizeof c->rtext - 1, line);
		else if (c->st == SS_EHLO && code == 250)
			smtp_ehlo_line(c, l > 4 ? line + 4 : "");
		if (l > 3 && line[3] == '-')
			continue;
		c->rlines = 0;
		if (smtp_reply(c, code) == -1)
			return -1;
		if (c->st == SS_TLS) {
			/* Nothing sent before the handshake may count. */
			c->inlen = 0;
			return 0;
		}
	}
	if (used > 0) {
		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
	}
	if (c->inlen == sizeof c->in) {
		smtp_sess_fail(c, NOTIFY_TEMPFAIL, 0, "a reply line is too "
		    "long");
		return -1;
	}
	return 0;
}

/* The connection ended under c: try the message again, or fail it. */
static void
smtp_sess_lost(struct smtp_sess *c)
{
	struct smtp		*s = c->s;
	struct notify_task	*t = c->t;

	if (t == NULL) {
		smtp_sess_close(c);	/* closed while idle: fine */
		return;
	}
	/*
	 * A reused session the server had closed while idle, found so by
	 * the first command of this message: nothing of it was accepted,
	 * so it goes once more, on a new session.
	 */
	if (c->used && c->st == SS_MAIL && c->replied == 0 && !t->retried) {
		t->retried = 1;
		c->t = NULL;
		TAILQ_INSERT_HEAD(&s->pending, t, entry);
		smtp_sess_close(c);
		return;
	}
	smtp_sess_fail(c, NOTIFY_TEMPFAIL, 0, "connection lost: %s",
	    smtp_sess_why(c));
}

/* Tries the next address: 0 connecting, -1 none left (c is freed). */
static int
smtp_sess_connect(struct smtp_sess *c)
{
	struct addrinfo	*ai;
	int		 fd, one = 1;

	while ((ai = c->ai) != NULL) {
		c->ai = ai->ai_next;
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol)) == -1) {
			c->last_errno = errno;
			continue;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof one);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
		    errno != EINPROGRESS) {
			c->last_errno = errno;
			close(fd);
			continue;
		}
		if (c->fd != -1) {
			ev_io_stop(c->s->loop, &c->io);
			close(c->fd);
		}
		c->fd = fd;
		c->st = SS_CONNECT;
		smtp_sess_events(c);
		smtp_sess_timer(c);
		return 0;
	}
	smtp_sess_fail(c, NOTIFY_TEMPFAIL, 0, "cannot connect to %s port %s: "
	    "%s", c->s->host, c->s->port, strerror(c->last_errno != 0 ?
	    c->last_errno : ECONNREFUSED));
	return -1;
}

/* connect() finished on c: 0, or -1 when c was freed. */
static int
smtp_sess_connected(struct smtp_sess *c)
{
	int		err = 0;
	socklen_t	len = sizeof err;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err == EINPROGRESS)
		return 0;
	if (err != 0) {
		c->last_errno = err;
		return smtp_sess_connect(c);
	}
	if (c->s->smtps)
		return smtp_sess_tls(c);
	c->st = SS_GREETING;
	return 0;
}

/* Runs c as far as it goes without waiting, then waits for its socket. */
static void
smtp_sess_drive(struct smtp_sess *c)
{
	int	rounds, rc;

	/* Bounded: a round reads or writes something, or ends. */
	for (rounds = 0; rounds < 64; rounds++) {
		if (c->st == SS_RESOLVE || c->st == SS_CONNECT)
			break;
		if (c->st == SS_TLS) {
			if ((rc = smtp_sess_handshake(c)) == -1)
				return;
			if (rc == 0)
				break;
			if (c->after_starttls) {
				/* RFC 3207: forget what came before. */
				c->pipelining = c->starttls = 0;
				c->auth_plain = c->auth_login = 0;
				smtp_send_cmd(c, "EHLO %s", c->s->helo);
				c->st = SS_EHLO;
			} else
				c->st = SS_GREETING;
		}
		if (smtp_sess_write(c) == -1) {
			smtp_sess_lost(c);
			return;
		}
		if ((rc = smtp_sess_read(c)) == -1) {
			smtp_sess_lost(c);
			return;
		}
		if (c->inlen > 0 && smtp_sess_replies(c) == -1)
			return;
		if (c->st == SS_TLS)
			continue;
		if (rc == 0 && (c->outoff == c->out.len || c->ssl_wants_write))
			break;
	}
	smtp_sess_events(c);
	smtp_sess_timer(c);
}

static void
smtp_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct smtp_sess	*c = w->data;

	(void)loop;
	(void)revents;
	if (c->st == SS_CONNECT && smtp_sess_connected(c) == -1)
		return;
	smtp_sess_drive(c);
}

/* A deadline passed: the message's, connecting's, or an idle session's. */
static void
smtp_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct smtp_sess	*c = w->data;
	struct smtp		*s = c->s;
	ev_tstamp		 now = ev_now(loop);

	(void)revents;
	if (c->t == NULL && c->st == SS_IDLE) {
		/* Unused for SMTP_IDLE: say goodbye, without waiting. */
		smtp_send_cmd(c, "QUIT");
		(void)smtp_sess_write(c);
		smtp_sess_close(c);
		return;
	}
	if (c->setup_end > 0 && now >= c->setup_end)
		smtp_sess_fail(c, NOTIFY_TEMPFAIL, 0, "timed out after %.0f s "
		    "connecting (smtp_connect_timeout)", s->ctimeout);
	else if (c->task_end > 0 && now >= c->task_end)
		smtp_sess_fail(c, NOTIFY_TEMPFAIL, 0, "timed out after %.0f s "
		    "(smtp_timeout)", s->timeout);
	else
		smtp_sess_timer(c);
}

/* Puts c's message on the wire, or lets c idle when there is none. */
static void
smtp_sess_next(struct smtp_sess *c)
{
	struct smtp		*s = c->s;
	struct notify_task	*t;

	if (c->t == NULL && (t = TAILQ_FIRST(&s->pending)) != NULL) {
		TAILQ_REMOVE(&s->pending, t, entry);
		c->t = t;
	}
	if ((t = c->t) == NULL)
		return;
	if (c->task_end == 0)
		c->task_end = ev_now(s->loop) + s->timeout;
	c->replied = 0;
	c->pipe_err = 0;
	if (t->sender != NULL)
		smtp_send_cmd(c, "MAIL FROM:<%s>", t->sender);
	else
		smtp_send_cmd(c, "MAIL FROM:%s", s->from);
	if (c->pipelining) {
		smtp_send_cmd(c, "RCPT TO:<%s>", t->rcpt);
		smtp_send_cmd(c, "DATA");
	}
	c->st = SS_MAIL;
}

/* A new session for t: resolves or connects. */
static void
smtp_sess_start(struct smtp *s, struct notify_task *t)
{
	struct smtp_sess	*c;
	ev_tstamp		 now = ev_now(s->loop);

	c = xcalloc(1, sizeof *c);
	c->s = s;
	c->fd = -1;
	c->t = t;
	buf_init(&c->out);
	ev_init(&c->io, smtp_io_cb);
	c->io.data = c;
	ev_init(&c->timer, smtp_timer_cb);
	c->timer.data = c;
	c->setup_end = now + s->ctimeout;
	c->task_end = now + s->timeout;
	TAILQ_INSERT_TAIL(&s->sessions, c, entry);
	s->nsess++;
	if (s->addrs != NULL && now - s->addrs_at < SMTP_DNS_TTL) {
		c->ai = s->addrs;
		(void)smtp_sess_connect(c);
		return;
	}
	c->st = SS_RESOLVE;
	smtp_sess_timer(c);
	smtp_resolve(s);
}

/* Frees c (its task, if any, is the caller's), then starts what waits. */
static void
smtp_sess_close(struct smtp_sess *c)
{
	struct smtp		*s = c->s;
	struct notify_task	*t;

	ev_io_stop(s->loop, &c->io);
	ev_timer_stop(s->loop, &c->timer);
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd != -1)
		close(c->fd);
	buf_free(&c->out);
	TAILQ_REMOVE(&s->sessions, c, entry);
	s->nsess--;
	free(c);
	if (s->stopping)
		return;
	/* Bounded by the tasks waiting, at most mail_concurrency. */
	while (s->nsess < s->max && (t = TAILQ_FIRST(&s->pending)) != NULL) {
		TAILQ_REMOVE(&s->pending, t, entry);
		smtp_sess_start(s, t);
	}
}

/* The first session in state st (without a message when idle), or NULL. */
static struct smtp_sess *
smtp_find(struct smtp *s, enum smtp_state st)
{
	struct smtp_sess	*c;

	for (c = TAILQ_FIRST(&s->sessions); c != NULL;
	    c = TAILQ_NEXT(c, entry))
		if (c->st == st && (st != SS_IDLE || c->t == NULL))
			return c;
	return NULL;
}

/* Thread: the host's addresses, handed to the loop. */
static void *
smtp_resolve_thread(void *arg)
{
	struct smtp	*s = arg;
	struct addrinfo	 hints, *res = NULL;
	int		 e;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	e = getaddrinfo(s->host, s->port, &hints, &res);
	s->res_addrs = res;
	s->res_err = e;
	s->res_errno = errno;	/* the thread's own */
	ev_async_send(s->loop, &s->resolved);
	return NULL;
}

/* Resolves s->host in a thread, unless one is at it already. */
static void
smtp_resolve(struct smtp *s)
{
	sigset_t	all, old;
	int		e;

	if (s->resolving)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&s->resolver, NULL, smtp_resolve_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		s->res_err = EAI_SYSTEM;
		s->res_errno = e;
		smtp_resolved(s);
		return;
	}
	s->resolving = 1;
}

/* The sessions waiting for addresses connect now, or fail. */
static void
smtp_resolved(struct smtp *s)
{
	struct smtp_sess	*c;
	int			 e = s->res_err, rounds;

	if (s->res_addrs != NULL) {
		if (s->addrs != NULL)
			freeaddrinfo(s->addrs);
		s->addrs = s->res_addrs;
		s->addrs_at = ev_now(s->loop);
		s->res_addrs = NULL;
	}
	/* Each round moves one session out of SS_RESOLVE. */
	for (rounds = 0; rounds < 1024; rounds++) {
		if ((c = smtp_find(s, SS_RESOLVE)) == NULL)
			break;
		if (e != 0) {
			smtp_sess_fail(c, NOTIFY_TEMPFAIL, 0, "cannot resolve "
			    "%s: %s", s->host, e == EAI_SYSTEM ?
			    strerror(s->res_errno) : gai_strerror(e));
			continue;
		}
		c->ai = s->addrs;
		(void)smtp_sess_connect(c);	/* it waits for connect() */
	}
}

static void
smtp_resolved_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	struct smtp	*s = a->data;

	(void)loop;
	(void)revents;
	if (!s->resolving)
		return;
	pthread_join(s->resolver, NULL);	/* its writes are ours now */
	s->resolving = 0;
	smtp_resolved(s);
}

/*
 * Ends every session: a message on the wire gets no callback, as for
 * the other backends at shutdown (the outbox sends it again on the next
 * start).
 */
static void
smtp_free(void *arg)
{
	struct smtp		*s = arg;
	struct smtp_sess	*c;
	struct notify_task	*t;

	if (s == NULL)
		return;
	s->stopping = 1;
	while ((c = TAILQ_FIRST(&s->sessions)) != NULL) {
		if ((t = c->t) != NULL) {
			c->t = NULL;
			notify_task_free(t);
		}
		smtp_sess_close(c);
	}
	while ((t = TAILQ_FIRST(&s->pending)) != NULL) {
		TAILQ_REMOVE(&s->pending, t, entry);
		notify_task_free(t);
	}
	if (s->resolving)
		pthread_join(s->resolver, NULL);
	if (s->loop != NULL)
		ev_async_stop(s->loop, &s->resolved);
	if (s->res_addrs != NULL)
		freeaddrinfo(s->res_addrs);
	if (s->addrs != NULL)
		freeaddrinfo(s->addrs);
	if (s->ctx != NULL)
		SSL_CTX_free(s->ctx);
	free(s->host);
	free(s->port);
	free(s->helo);
	free(s->from);
	free(s->user);
	if (s->pass != NULL) {
		explicit_bzero(s->pass, strlen(s->pass));
		free(s->pass);
	}
	free(s);
}

/* Our name in EHLO: the host's name, as MTAs expect. */
static char *
smtp_helo_name(void)
{
	char	name[256];

	if (gethostname(name, sizeof name) == -1 || name[0] == '\0' ||
	    strcspn(name, " \t\r\n") != strlen(name))
		return xstrdup("localhost");
	name[sizeof name - 1] = '\0';
	return xstrdup(name);
}

static void *
smtp_init(struct notify *n, const struct notify_conf *nc, char **cause)
{
	struct smtp	*s;
	struct addrinfo	 hints;
	char		*name = NULL, *addr = NULL;
	long		 ms;

	s = xcalloc(1, sizeof *s);
	s->n = n;
	s->loop = notify_loop(n);
	TAILQ_INIT(&s->sessions);
	TAILQ_INIT(&s->pending);
	ev_async_init(&s->resolved, smtp_resolved_cb);
	s->resolved.data = s;
	ev_async_start(s->loop, &s->resolved);
	if (smtp_parse_url(s, nc->mail_transport, cause) == -1)
		goto fail;
	if (nc->mail_from == NULL ||
	    mail_split_address(nc->mail_from, &name, &addr) == -1) {
		xasprintf(cause, "mail from: not a mail address");
		goto fail;
	}
	xasprintf(&s->from, "<%s>", addr);
	if (nc->mail_credentials != NULL &&
	    smtp_read_credentials(s, nc->mail_credentials, cause) == -1)
		goto fail;
	/* A password never goes out unencrypted (smtps:// is TLS anyway). */
	s->tls_required = nc->mail_starttls || s->user != NULL;
	if (smtp_tls_init(s, nc, cause) == -1)
		goto fail;
	s->helo = smtp_helo_name();
	s->max = nc->mail_concurrency > 0 ? nc->mail_concurrency : 4;
	ms = nc->smtp_timeout_ms > 0 ? nc->smtp_timeout_ms :
	    nc->timeout_ms > 0 ? nc->timeout_ms : 30000;
	s->timeout = (double)ms / 1000.;
	ms = nc->smtp_connect_timeout_ms > 0 ? nc->smtp_connect_timeout_ms :
	    nc->connect_timeout_ms > 0 ? nc->connect_timeout_ms : 10000;
	s->ctimeout = (double)ms / 1000.;
	/* An address needs no resolver: kept for good. */
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (s->host_is_ip && getaddrinfo(s->host, s->port, &hints,
	    &s->addrs) == 0)
		s->addrs_at = 1e300;
	free(name);
	free(addr);
	return s;
fail:
	free(name);
	free(addr);
	smtp_free(s);
	return NULL;
}

/* To an idle session, a new one, or the queue when all are busy. */
static void
smtp_send(void *arg, struct notify_task *t)
{
	struct smtp		*s = arg;
	struct smtp_sess	*c;

	t->retried = 0;
	if ((c = smtp_find(s, SS_IDLE)) != NULL) {
		c->t = t;
		smtp_sess_next(c);
		smtp_sess_drive(c);
		return;
	}
	if (s->nsess < s->max)
		smtp_sess_start(s, t);
	else
		TAILQ_INSERT_TAIL(&s->pending, t, entry);
}

const struct notify_backend notify_backend_smtp = {
	"smtp", smtp_init, smtp_send, smtp_free
};
