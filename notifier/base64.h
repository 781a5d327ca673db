/*
 * base64.h — RFC 4648 base64 and base64url over libcrypto (base64.c).
 * The decoders are strict, for secrets: one spelling per byte string.
 */
#ifndef KOYOMI_BASE64_H
#define KOYOMI_BASE64_H

#include <stddef.h>

#include "calendars/util.h"

/* Standard alphabet, padded. */
void	b64_encode(struct buf *out, const void *, size_t);
/* The same in CRLF-ended lines of 76 characters (MIME bodies). */
void	b64_encode_lines(struct buf *out, const void *, size_t);
/*
 * Decodes len characters of the standard alphabet, padded or not (the
 * padding, when present, must be exactly what the length needs). 0, or
 * -1 on anything else: a foreign character, a run of '=', '=' inside,
 * non-zero unused bits.
 */
int	b64_decode(struct buf *out, const char *, size_t);
/* URL alphabet, no padding (tokens and links). */
void	b64url_encode(struct buf *out, const void *, size_t);
/*
 * Decodes the NUL-terminated s (URL alphabet, no padding, zero unused
 * bits) into out[max]: 0 with *n bytes, or -1.
 */
int	b64url_decode(const char *s, unsigned char *out, size_t max,
	    size_t *n);
/* 1 when s[0..len) is canonical base64url. */
int	b64url_valid(const char *s, size_t len);

#endif
