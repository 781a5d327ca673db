/*
 * token.c — secrets handed to people (token.h): 32 random bytes from
 * getrandom(2) shown as "ky_" + base64url, and the SHA-256 (hex) that
 * the store keeps in their place.
 */
#include <sys/random.h>

#include <openssl/evp.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/codec/token.h"

int
token_new(char out[48])
{
	unsigned char	 raw[32];
	ssize_t		 n;
	int		 len;

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return -1;
	memcpy(out, "ky_", 3);
	/* base64url without padding: 43 characters for 32 bytes. */
	len = EVP_EncodeBlock((unsigned char *)out + 3, raw, sizeof raw);
	while (len > 0 && out[3 + len - 1] == '=')
		len--;
	out[3 + len] = '\0';
	for (n = 3; out[n] != '\0'; n++) {
		if (out[n] == '+')
			out[n] = '-';
		else if (out[n] == '/')
			out[n] = '_';
	}
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
