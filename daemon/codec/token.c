/*
 * token.c — secrets handed to people (token.h): 32 random bytes from
 * getrandom(2) shown as "ky_" + base64url, and the SHA-256 (hex) that
 * the store keeps in their place.
 */
#include <sys/random.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/codec/token.h"
#include "notifier/base64.h"

int
token_new(char out[48])
{
	unsigned char	 raw[32];
	struct buf	 b;

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return -1;
	/* base64url without padding: 43 characters for 32 bytes. */
	buf_init(&b);
	b64url_encode(&b, raw, sizeof raw);
	explicit_bzero(raw, sizeof raw);
	snprintf(out, 48, "ky_%s", b.data);
	explicit_bzero(b.data, b.len);
	buf_free(&b);
	return 0;
}

void
token_hash(const char *s, char out[65])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0;

	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	hex_encode(md, n > 32 ? 32 : n, out);
}
