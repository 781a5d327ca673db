/*
 * base64.c — RFC 4648 base64 and base64url (base64.h), the one codec of
 * koyomi: mail bodies and encoded-words, webhook secrets and signatures,
 * completion links, API and feed tokens. libcrypto's EVP_EncodeBlock and
 * EVP_DecodeBlock do the work; what they do not check is checked here
 * first, so a secret has exactly one spelling: only the alphabet, padding
 * only at the end and only as much as the length needs, and the unused
 * low bits of the last character zero.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "notifier/base64.h"

static const char b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Bytes in at a time: 48 give 64 characters, a whole number of quanta. */
#define B64_CHUNK	48

void
b64_encode(struct buf *out, const void *data, size_t len)
{
	const unsigned char	*p = data;
	unsigned char		 q[B64_CHUNK / 3 * 4 + 1];
	size_t			 off, n;
	int			 w;

	for (off = 0; off < len; off += n) {
		n = len - off < B64_CHUNK ? len - off : B64_CHUNK;
		w = EVP_EncodeBlock(q, p + off, (int)n);
		buf_append(out, q, (size_t)w);
	}
}

void
b64_encode_lines(struct buf *out, const void *data, size_t len)
{
	const unsigned char	*p = data;
	unsigned char		 q[76 + 2 + 1];
	size_t			 off, n;
	int			 w;

	/* 57 input bytes are exactly 76 output characters: a line a call. */
	for (off = 0; off < len; off += n) {
		n = len - off < 57 ? len - off : 57;
		w = EVP_EncodeBlock(q, p + off, (int)n);
		q[w] = '\r';
		q[w + 1] = '\n';
		buf_append(out, q, (size_t)w + 2);
	}
}

void
b64url_encode(struct buf *out, const void *data, size_t len)
{
	size_t	 start = out->len, i;

	b64_encode(out, data, len);
	while (out->len > start && out->data[out->len - 1] == '=')
		out->len--;
	for (i = start; i < out->len; i++) {
		if (out->data[i] == '+')
			out->data[i] = '-';
		else if (out->data[i] == '/')
			out->data[i] = '_';
	}
	buf_putc(out, '\0');
	out->len--;
}

static int
b64_index(const char *alphabet, char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(alphabet, c)) == NULL)
		return -1;
	return (int)(p - alphabet);
}

/*
 * Checks s[0..len) (no padding) against alphabet and the canonical-form
 * rules; the number of bytes it decodes to, or -1.
 */
static long
b64_check(const char *alphabet, const char *s, size_t len)
{
	size_t	 i;
	int	 v = 0;

	if (len % 4 == 1)
		return -1;
	for (i = 0; i < len; i++)
		if ((v = b64_index(alphabet, s[i])) == -1)
			return -1;
	/* The last character's unused bits: 4 of them after 2, 2 after 3. */
	if ((len % 4 == 2 && (v & 0x0f) != 0) ||
	    (len % 4 == 3 && (v & 0x03) != 0))
		return -1;
	return (long)(len / 4 * 3 + (len % 4 == 0 ? 0 : len % 4 - 1));
}

/*
 * Decodes len checked characters of the standard alphabet (no padding)
 * into out (n bytes).
 */
static void
b64_decode_checked(const char *s, size_t len, size_t n, unsigned char *out)
{
	unsigned char	*tmp, *in;
	size_t		 padded = (len + 3) / 4 * 4;

	in = malloc(padded + 1);
	tmp = malloc(padded / 4 * 3 + 1);
	if (in == NULL || tmp == NULL)
		abort();
	memcpy(in, s, len);
	memset(in + len, '=', padded - len);
	(void)EVP_DecodeBlock(tmp, in, (int)padded);
	memcpy(out, tmp, n);
	explicit_bzero(tmp, padded / 4 * 3 + 1);
	free(tmp);
	free(in);
}

int
b64_decode(struct buf *out, const char *s, size_t len)
{
	size_t		 pad = 0;
	long		 n;
	unsigned char	*dst;

	/* Padded input: a multiple of 4, with at most the '=' it needs. */
	while (pad < len && s[len - 1 - pad] == '=')
		pad++;
	if (pad > 0 && (len % 4 != 0 || pad > 2))
		return -1;
	len -= pad;
	if ((n = b64_check(b64_std, s, len)) == -1 ||
	    (pad > 0 && (len + pad) / 4 * 3 - pad != (size_t)n))
		return -1;
	dst = malloc((size_t)n + 1);
	if (dst == NULL)
		abort();
	b64_decode_checked(s, len, (size_t)n, dst);
	buf_append(out, dst, (size_t)n);
	explicit_bzero(dst, (size_t)n + 1);
	free(dst);
	return 0;
}

int
b64url_decode(const char *s, unsigned char *out, size_t max, size_t *n)
{
	size_t	 len = strlen(s), i;
	long	 want;
	char	*std;

	if ((want = b64_check(b64_url, s, len)) == -1 || (size_t)want > max)
		return -1;
	if ((std = strdup(s)) == NULL)
		abort();
	for (i = 0; i < len; i++) {
		if (std[i] == '-')
			std[i] = '+';
		else if (std[i] == '_')
			std[i] = '/';
	}
	b64_decode_checked(std, len, (size_t)want, out);
	free(std);
	*n = (size_t)want;
	return 0;
}

int
b64url_valid(const char *s, size_t len)
{
	return b64_check(b64_url, s, len) != -1;
}
