/*
 * feedtoken.h — secret URLs of private feeds (/feeds/private/TOKEN.ics),
 * feedtoken.c.
 *
 * A token is 32 bytes from getrandom(2) (256 bits, well over the 128 a
 * guess must beat), written as 43 base64url characters, so it fits the
 * feed-name alphabet [A-Za-z0-9._-]. Only its hex SHA-256 is stored
 * (feed_tokens.hash): a copy of the database does not reveal the URLs.
 * A lookup goes by hash and then compares the stored and computed hashes
 * in constant time. One token per owner; rotating replaces it, so the old
 * URL stops working at once. Tokens are bearer secrets: never log them.
 */
#ifndef KOYOMI_FEEDTOKEN_H
#define KOYOMI_FEEDTOKEN_H

#include <stddef.h>
#include <time.h>

/* The table: store/store_feedtokens.h. */
#include "daemon/store/store_feedtokens.h"

#define FEEDTOKEN_RAW	32
#define FEEDTOKEN_LEN	43		/* base64url of 32 bytes, no padding */

struct store;

/* A new token and its hash. 0, or -1 when getrandom fails. */
int	feedtoken_new(char tok[FEEDTOKEN_LEN + 1],
	    char hash[FEEDTOKEN_HASH + 1]);
/* hex SHA-256 of a token as sent. */
void	feedtoken_hash(const char *tok, char hash[FEEDTOKEN_HASH + 1]);
/* 1 when tok has the shape of a token (length, alphabet). */
int	feedtoken_syntax(const char *tok);

#endif
