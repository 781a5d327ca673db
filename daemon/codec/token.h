/*
 * token.h — random secrets and their stored hashes (token.c). A database
 * leak reveals no secret: only token_hash() of it is stored, and lookups
 * hash what is presented.
 */
#ifndef KOYOMI_CODEC_TOKEN_H
#define KOYOMI_CODEC_TOKEN_H

/* Fills a random token ("ky_…", NUL-terminated) into out[48]. 0 / -1. */
int	token_new(char out[48]);
/* Hex SHA-256 of a string into out[65]. */
void	token_hash(const char *, char out[65]);

#endif
