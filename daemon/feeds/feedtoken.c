/*
 * feedtoken.c — private feed tokens (feedtoken.h): generation, hashing
 * and shape; their rows are store/store_feedtokens.c.
 */
#include <sys/random.h>

#include <stdio.h>
#include <string.h>


#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/codec/token.h"
#include "daemon/feeds/feedtoken.h"
#include "notifier/base64.h"

int
feedtoken_new(char tok[FEEDTOKEN_LEN + 1], char hash[FEEDTOKEN_HASH + 1])
{
	unsigned char	raw[FEEDTOKEN_RAW];
	struct buf	b;

	/* Blocks only before the kernel's pool is first seeded. */
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		log_warn("feed-token: getrandom");
		return -1;
	}
	buf_init(&b);
	b64url_encode(&b, raw, sizeof(raw));
	snprintf(tok, FEEDTOKEN_LEN + 1, "%s", b.data);
	buf_free(&b);
	explicit_bzero(raw, sizeof(raw));
	feedtoken_hash(tok, hash);
	return 0;
}

void
feedtoken_hash(const char *tok, char hash[FEEDTOKEN_HASH + 1])
{
	token_hash(tok, hash);
}

int
feedtoken_syntax(const char *tok)
{
	return strnlen(tok, FEEDTOKEN_LEN + 1) == FEEDTOKEN_LEN &&
	    b64url_valid(tok, FEEDTOKEN_LEN);
}
