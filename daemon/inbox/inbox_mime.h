/*
 * inbox_mime.h — reading one raw message into the facts inbox_match.c
 * judges (inbox_mime.c), with GMime 3. The only file of koyomi that
 * sees GMime and GLib: nothing of theirs crosses this header.
 *
 * Why GMime: it is maintained (GNOME, used by notmuch and others),
 * decodes every transfer encoding and charset a Japanese office sends
 * (ISO-2022-JP, Shift_JIS, RFC 2047 words, RFC 2231 parameters, and the
 * RFC 2047 words in file names that RFC 2231 forbids but Outlook
 * writes), and parses multipart/report and message/rfc822 nestings, so
 * no MIME parsing is written by hand here.
 */
#ifndef KOYOMI_INBOX_MIME_H
#define KOYOMI_INBOX_MIME_H

#include <stddef.h>

#include "daemon/inbox/inbox_match.h"

/* g_mime_init / g_mime_shutdown, once per process. */
void	inbox_mime_init(void);
void	inbox_mime_shutdown(void);

/*
 * Parses raw[0..len) into f. Attachments larger than max_part bytes
 * (decoded) are listed without their bytes and set f->too_big; text
 * parts that are not attachments give f->first_line. A message/rfc822
 * inside a report gives the bounced Message-ID; elsewhere it is an
 * attachment (.eml). 0, or -1 when the bytes are no message at all.
 */
int	inbox_mime_parse(const char *raw, size_t len, size_t max_part,
	    struct inbox_facts *f);

#endif
