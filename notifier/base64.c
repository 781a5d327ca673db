/*
 * base64.c — RFC 4648 base64 for mail bodies, encoded-words and webhook
 * secrets. Small enough to own rather than bend OpenSSL's EVP_DecodeBlock,
 * which counts padding as output bytes.
 */
#include <string.h>

#include "notifier/mail.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
b64_encode(struct buf *out, const void *data, size_t len)
{
	const unsigned char	*p = data;
	char			 q[4];
	size_t			 i;
	unsigned		 v;

	for (i = 0; i + 3 <= len; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		q[0] = b64_alphabet[v >> 18 & 63];
		q[1] = b64_alphabet[v >> 12 & 63];
		q[2] = b64_alphabet[v >> 6 & 63];
		q[3] = b64_alphabet[v & 63];
		buf_append(out, q, 4);
	}
	if (len - i == 0)
		return;
	v = (unsigned)p[i] << 16;
	if (len - i == 2)
		v |= (unsigned)p[i + 1] << 8;
	q[0] = b64_alphabet[v >> 18 & 63];
	q[1] = b64_alphabet[v >> 12 & 63];
	q[2] = len - i == 2 ? b64_alphabet[v >> 6 & 63] : '=';
	q[3] = '=';
	buf_append(out, q, 4);
}

void
b64_encode_lines(struct buf *out, const void *data, size_t len)
{
	const unsigned char	*p = data;
	size_t			 off, n;

	/* 57 input bytes are exactly 76 output characters. */
	for (off = 0; off < len; off += n) {
		n = len - off < 57 ? len - off : 57;
		b64_encode(out, p + off, n);
		buf_append(out, "\r\n", 2);
	}
}

static int
b64_value(char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(b64_alphabet, c)) == NULL)
		return -1;
	return (int)(p - b64_alphabet);
}

int
b64_decode(struct buf *out, const char *s, size_t len)
{
	unsigned	 acc = 0;
	int		 bits = 0, v;
	size_t		 i;
	char		 c;

	/* Padding may only end the input. */
	while (len > 0 && s[len - 1] == '=')
		len--;
	for (i = 0; i < len; i++) {
		if ((v = b64_value(s[i])) == -1)
			return -1;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			c = (char)(acc >> bits & 0xff);
			buf_append(out, &c, 1);
		}
	}
	return bits >= 6 ? -1 : 0;	/* one dangling character */
}
