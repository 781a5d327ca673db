/*
 * feedtoken.c — private feed tokens (feedtoken.h): generation, hashing
 * and shape; their rows are store/store_feedtokens.c.
 */
#include <sys/random.h>

#include <string.h>

#include <openssl/sha.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/feeds/feedtoken.h"

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url without padding: 32 bytes give 43 characters. */
static void
feedtoken_encode(const unsigned char *in, size_t n, char *out)
{
	unsigned long	v;
	size_t		i, o = 0, k;

	for (i = 0; i < n; i += 3) {
		v = (unsigned long)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		k = n - i >= 3 ? 4 : n - i + 1;
		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		if (k > 2)
			out[o++] = b64url[(v >> 6) & 63];
		if (k > 3)
			out[o++] = b64url[v & 63];
	}
	out[o] = '\0';
}

int
feedtoken_new(char tok[FEEDTOKEN_LEN + 1], char hash[FEEDTOKEN_HASH + 1])
{
	unsigned char	raw[FEEDTOKEN_RAW];

	/* Blocks only before the kernel's pool is first seeded. */
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		log_warn("feed-token: getrandom");
		return -1;
	}
	feedtoken_encode(raw, sizeof(raw), tok);
	explicit_bzero(raw, sizeof(raw));
	feedtoken_hash(tok, hash);
	return 0;
}

void
feedtoken_hash(const char *tok, char hash[FEEDTOKEN_HASH + 1])
{
	unsigned char	md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)tok, strlen(tok), md);
	hex_encode(md, sizeof(md), hash);
}

int
feedtoken_syntax(const char *tok)
{
	size_t	i;

	for (i = 0; tok[i] != '\0'; i++)
		if (i >= FEEDTOKEN_LEN || strchr(b64url, tok[i]) == NULL)
			return 0;
	return i == FEEDTOKEN_LEN;
}
