/*
 * notify.h — the notifier's contract: deliver one message (a "job") by
 * mail or webhook, on the daemon's libev loop, and report the outcome to a
 * completion callback. The notifier keeps no state across restarts: the
 * daemon's outbox (SQLite) is what makes delivery durable; the notifier
 * only tries once per submit and says whether trying again makes sense.
 *
 * Ownership: notify_submit() copies everything it needs from the job (all
 * strings and the payload), so the caller may free its copy at once. The
 * callback receives a result that lives only during the call.
 *
 * Blocking: nothing here blocks the loop except maildir delivery, which
 * writes one small local file synchronously (see maildir.c for why).
 *
 * Callback rules: done() is called exactly once per submitted job, always
 * from the loop and never from inside notify_submit(), so a caller can
 * submit and then record "sending" without racing its own callback. done()
 * may submit new jobs but must not call notify_free().
 */
#ifndef KOYOMI_NOTIFY_H
#define KOYOMI_NOTIFY_H

#include <stddef.h>
#include <time.h>

struct ev_loop;

enum notify_channel {
	NOTIFY_MAIL,
	NOTIFY_WEBHOOK,
};

/* How a webhook body is shaped; the webhook backend just posts bytes. */
enum notify_hook_format {
	NOTIFY_HOOK_STANDARD,	/* Standard Webhooks JSON envelope */
	NOTIFY_HOOK_SLACK,	/* {"text": …} */
	NOTIFY_HOOK_TEAMS,	/* Workflows: a message with an Adaptive Card */
	NOTIFY_HOOK_LINEWORKS,	/* {"content":{"type":"text","text":…}} */
};

enum notify_status {
	NOTIFY_OK,		/* accepted by the server: sent */
	NOTIFY_TEMPFAIL,	/* try again later (network, 4xx SMTP, 5xx HTTP …) */
	NOTIFY_PERMFAIL,	/* never try again (SMTP 5xx, HTTP 410) */
};

struct notify_result {
	enum notify_status	 status;
	int			 retry_after;	/* seconds from Retry-After, -1 none */
	long			 code;		/* last SMTP reply or HTTP status, 0 none */
	char			 error[256];	/* human text, "" on success; no secrets */
};

/* A webhook destination. Secrets are "whsec_<base64>"; never logged. */
struct notify_endpoint {
	const char		 *id;		/* config id, for logs */
	const char		 *url;
	const char *const	 *secrets;	/* one signature per secret */
	size_t			  nsecrets;
	enum notify_hook_format	  format;
};

typedef void (*notify_done_cb)(void *arg, const struct notify_result *);

/* One message to deliver. All pointers are borrowed for the submit call. */
struct notify_job {
	enum notify_channel		 channel;
	const char			*rcpt;		/* mail: envelope recipient address */
	const char			*sender;	/* mail: envelope sender address,
							   bare; NULL: mail_from's */
	const struct notify_endpoint	*endpoint;	/* webhook */
	const char			*msgid;		/* Message-ID / webhook-id, stable */
	const char			*payload;	/* RFC 5322 message or JSON body */
	size_t				 len;
	notify_done_cb			 done;
	void				*arg;
};

/* Transport settings, taken from the daemon's config. Borrowed at init. */
struct notify_conf {
	const char	*mail_transport;	/* "maildir:/abs", "smtp://h:p", "smtps://…" */
	const char	*mail_from;		/* "koyomi <koyomi@example.jp>" */
	const char	*mail_credentials;	/* file "user:password", 0600; or NULL */
	int		 mail_starttls;		/* 1 required, 0 opportunistic;
						   credentials require it */
	const char	*mail_ca_file;		/* PEM CAs for the server; NULL:
						   the system's (SSL_CERT_FILE) */
	unsigned	 mail_concurrency;	/* connections per SMTP server; 0 = 4 */
	unsigned	 hook_concurrency;	/* requests in flight per endpoint; 0 = 4 */
	long		 timeout_ms;		/* per message/request; 0 = 30000 */
	long		 connect_timeout_ms;	/* 0 = 10000 */
	/* SMTP only, instead of the two above when > 0. */
	long		 smtp_timeout_ms;	/* per message, connecting included */
	long		 smtp_connect_timeout_ms; /* connect, TLS, greeting, EHLO */
};

struct notify;

/* NULL on error (bad transport, unreadable credentials) with *cause set. */
struct notify	*notify_new(struct ev_loop *, const struct notify_conf *,
		    char **cause);
/*
 * Queues one job. Returns 0, or -1 with *cause when the job is malformed
 * (no recipient, webhook without endpoint); then done() is never called.
 */
int		 notify_submit(struct notify *, const struct notify_job *,
		    char **cause);
/* Jobs not yet started or in flight. */
size_t		 notify_pending(const struct notify *);
/*
 * Runs now the done() callbacks the loop would run on its next turn (jobs
 * already finished), e.g. before notify_free at shutdown so that their
 * results are not lost. Not from inside done().
 */
void		 notify_drain(struct notify *);
/*
 * Frees everything. Jobs still queued or in flight are dropped without a
 * callback: the outbox finds them in 'sending' on the next start.
 */
void		 notify_free(struct notify *);

/*
 * Standard Webhooks signature header value for one message:
 * "v1,<base64>" per secret, space-separated. NULL with *cause if a secret
 * is not valid base64 (with or without the whsec_ prefix). Caller frees.
 */
char		*notify_webhook_signature(const char *msgid, long long ts,
		    const char *body, size_t len, const char *const *secrets,
		    size_t nsecrets, char **cause);

#endif
