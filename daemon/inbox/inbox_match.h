/*
 * inbox_match.h — what a message read from the inbound mailbox is
 * (inbox_match.c). Pure: the facts the MIME parser found (inbox_mime.c)
 * and a few look-ups in, a verdict out; no GMime, no SQL, no clock, so
 * every rule here has a unit test (tests/unit/inbox_test.c).
 *
 * A reply counts only when the address it was sent to carries a valid
 * signature for a task (core/links.h) AND its sender is a contact of
 * the assignee organisation or an address an administrator allowed.
 * Anything else is kept for the coordinators ("unmatched"), never
 * applied; messages written by machines (auto-replies, lists, bounces)
 * are never applied and never answered.
 */
#ifndef KOYOMI_INBOX_MATCH_H
#define KOYOMI_INBOX_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/core/links.h"

/* Why a message is machine-made (bits of inbox_facts.auto_flags). */
#define INBOX_AUTO_SUBMITTED	0x01	/* Auto-Submitted: anything but no */
#define INBOX_AUTO_PRECEDENCE	0x02	/* Precedence: bulk, list or junk */
#define INBOX_AUTO_LIST		0x04	/* List-Id, List-Unsubscribe, … */
#define INBOX_AUTO_XHEADER	0x08	/* X-Autoreply, X-Autorespond */
#define INBOX_AUTO_NULL_PATH	0x10	/* Return-Path: <> */
#define INBOX_AUTO_REPORT	0x20	/* multipart/report */
#define INBOX_AUTO_DAEMON	0x40	/* From: MAILER-DAEMON@ */

/* One header as read, for inbox_auto_flags. Borrowed. */
struct inbox_hdr {
	const char	*name;
	const char	*value;
};

/*
 * The INBOX_AUTO_* bits of a message's top-level headers and content
 * type ("multipart/report", any case, parameters allowed).
 */
unsigned	 inbox_auto_flags(const struct inbox_hdr *, size_t n,
		    const char *content_type);
/* Words for the first reason in flags, for the dashboard. */
const char	*inbox_auto_reason(unsigned flags);

/* An attachment, decoded. */
struct inbox_part {
	char		*name;		/* sanitised, UTF-8 */
	char		*type;		/* "application/vnd…", lower case */
	unsigned char	*data;		/* NULL when over the limit */
	size_t		 len;		/* decoded size, also when not kept */
};

/* What a delivery status notification says about one message. */
struct inbox_dsn {
	char		*orig_msgid;	/* the bounced message's, "<…>" */
	char		**failed;	/* Final-Recipients with Action: failed */
	size_t		 nfailed;
	char		*status;	/* "5.1.1 (diagnostic)", or NULL */
};

/* What the parser found in one message. Strings owned (NULL: absent). */
struct inbox_facts {
	char			*msgid;		/* "<…>" */
	char			*from;		/* the address, lower case */
	char			*subject;	/* decoded UTF-8 */
	char			**rcpts;	/* addresses it was delivered to,
						   lower case (To, Cc,
						   Delivered-To, X-Original-To,
						   Envelope-To) */
	size_t			 nrcpts;
	char			**refs;		/* In-Reply-To, then References */
	size_t			 nrefs;
	unsigned		 auto_flags;
	int			 is_dsn;	/* report-type=delivery-status */
	struct inbox_dsn	 dsn;
	char			*first_line;	/* of the text, trimmed */
	struct inbox_part	*parts;
	size_t			 nparts;
	int			 too_big;	/* a part over the limit */
};
void	inbox_facts_free(struct inbox_facts *);

/* What the verdict needs to know beyond the message. */
struct inbox_env {
	const unsigned char	*key;		/* the link key */
	const char		*base;		/* inbound_address */
	const char		*delim;		/* inbound_delimiter */
	void			*arg;
	/* The task a reminder's Message-ID was for: 0, 1 unknown, -1. */
	int	(*ref_task)(void *, const char *msgid, int64_t *task);
	/* 1 the task is live (exists, not cancelled), 0 not, -1. */
	int	(*task_live)(void *, int64_t task);
	/* 1 when addr may answer for task's assignee, 0 not, -1. */
	int	(*sender_ok)(void *, int64_t task, const char *addr);
	/* 1 when a message with msgid was already applied, 0 not, -1. */
	int	(*msgid_used)(void *, const char *msgid);
	/* 1 when msgid is one of koyomi's own mails, 0 not, -1. */
	int	(*own_mail)(void *, const char *msgid);
	/*
	 * The tasks of the digest whose Message-ID is msgid, at most max:
	 * 0 and *n, 1 when msgid is no digest's, -1. NULL: no digests.
	 */
	int	(*digest_tasks)(void *, const char *msgid, int64_t *tasks,
		    size_t max, size_t *n);
};

enum inbox_kind {
	INBOX_APPLY,		/* a submission for task */
	INBOX_UNMATCHED,	/* kept for the coordinators (reason) */
	INBOX_AUTO,		/* machine-made: kept, never applied */
	INBOX_BOUNCE,		/* koyomi's own mail bounced */
	INBOX_DUPLICATE,	/* a copy of a message already applied */
	INBOX_ERROR,		/* a look-up failed: try again later */
};

/* The most tasks of a digest a reply is offered with. */
#define INBOX_CANDIDATES_MAX	32

struct inbox_verdict {
	enum inbox_kind	 kind;
	int64_t		 task;		/* APPLY; for UNMATCHED a suggestion */
	const char	*reason;	/* static Japanese text, or NULL */
	/*
	 * UNMATCHED, a reply to a digest: the digest's tasks still live,
	 * for the coordinators to choose from (never applied by itself).
	 */
	int64_t		 candidates[INBOX_CANDIDATES_MAX];
	size_t		 ncandidates;
	/* BOUNCE sent back to a bounce address: the outbox row it names. */
	int64_t		 bounced;
};

/* Judges f. Never applies anything itself. */
void	inbox_decide(const struct inbox_facts *f, const struct inbox_env *,
	    struct inbox_verdict *);

/*
 * A file name fit to store and to put in a zip: the last component of
 * a path, valid UTF-8, no control or bidirectional-override characters,
 * none of <>:"/\|?* (Windows), no leading dots or spaces, no trailing
 * dots or spaces, not a Windows device name (CON, NUL, COM1 …), at most
 * INBOX_NAME_MAX bytes with its extension kept; "attachment" when
 * nothing is left. Returns out.
 */
#define INBOX_NAME_MAX	160
char	*inbox_sanitise_name(const char *in, char *out, size_t len);

/*
 * The survey answer a reply's first line gives: the index in options of
 * the option it names (exactly, once enclosing brackets 「」『』【】"" (),
 * white space and a final 。.！ are taken away), or -1.
 */
int	inbox_answer_option(const char *line, const char *const *options,
	    size_t n);

/* The first line of a text: trimmed, NULL when it is empty or quoted. */
char	*inbox_first_line(const char *text);

/*
 * Reads a message/delivery-status body (RFC 3464) into d: each
 * Final-Recipient (or Original-Recipient) whose Action is failed, lower
 * case, and the first failure's Status and Diagnostic-Code.
 */
void	inbox_dsn_parse(const char *text, size_t len, struct inbox_dsn *d);
/*
 * The Message-ID of a block of headers (text/rfc822-headers), "<…>",
 * or NULL (caller frees).
 */
char	*inbox_headers_msgid(const char *text, size_t len);

/* Lower-cases the ASCII letters of s in place; returns s. */
char	*inbox_lower(char *s);

#endif
