/*
 * mail.h — building RFC 5322 messages (mail.c) and the encodings they need
 * (base64.c, RFC 2047 encoded-words). Pure: buffers in, buffers out, no
 * clock (the Date is a parameter), no I/O.
 *
 * Header values must not contain CR or LF: mail_build() refuses them with
 * an error instead of letting a rule file or a directory entry inject
 * headers into a message.
 */
#ifndef KOYOMI_MAIL_H
#define KOYOMI_MAIL_H

#include <stddef.h>
#include <time.h>

#include "calendars/util.h"


/*
 * RFC 2047 "B" encoding of a UTF-8 header value as encoded-words of at
 * most 75 characters, never splitting a UTF-8 character, folded with
 * CRLF SP. used is how many columns the header name already takes on the
 * first line ("Subject: " = 9), so every line stays within 76.
 * ASCII text without "=?" is appended as is.
 */
void	 mail_encode_words(struct buf *out, const char *, size_t used);

/* 1 if s contains CR or LF (or is NULL), 0 if safe as a header value. */
int	 mail_header_unsafe(const char *);

/*
 * "Name <addr>" or "addr" into its parts (caller frees both; *name may be
 * NULL). -1 if the address is not a plausible addr-spec.
 */
int	 mail_split_address(const char *, char **name, char **addr);

/* One message. Strings are borrowed, UTF-8; NULL means absent. */
struct mail_msg {
	const char	*from;		/* "koyomi <koyomi@example.jp>" */
	const char	*to_name;	/* display name, e.g. "東京都 ご担当者様" */
	const char	*to_addr;
	const char	*subject;
	const char	*body;		/* text/plain, LF or CRLF line ends */
	const char	*msgid;		/* "<id@host>", brackets included */
	time_t		 date;
	int		 utc_offset;	/* seconds east of UTC for Date: */
	const char	*list_id;	/* "<cycle.koyomi.example.jp>" or NULL */
	const char	*ics;		/* text/calendar METHOD:PUBLISH, or NULL */
	const char	*ics_name;	/* attachment file name, ASCII */
	const char	*reply_to;	/* a bare address, or NULL */
	const char	*in_reply_to;	/* "<id@host>" answered, or NULL; also
					   the References */
	const char	*auto_submitted; /* NULL: "auto-generated" */
};

/*
 * Appends the whole message (headers, CRLF line ends) to out. Returns 0,
 * or -1 with *cause (caller frees) on a header with CR/LF, a bad address
 * or a body that is not UTF-8.
 */
int	 mail_build(const struct mail_msg *, struct buf *out, char **cause);

#endif
