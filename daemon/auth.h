/*
 * auth.h — API tokens. A token is 32 bytes from getrandom(2), shown once
 * as "ky_" + base64url; the store keeps only its SHA-256 (hex), so a
 * database leak reveals no token. Lookups hash the presented token and
 * compare hashes in constant time.
 */
#ifndef KOYOMI_AUTH_H
#define KOYOMI_AUTH_H

#include <stdint.h>

struct koyomi;
struct store;
struct http_req;

enum auth_role { AUTH_NONE, AUTH_VIEWER, AUTH_COORDINATOR, AUTH_ADMIN };

struct auth_info {
	enum auth_role	 role;
	int64_t		 token_id;
	char		 name[64];
	char		 cycles[512];	/* coordinator: comma-separated */
};

/* Fills a random token ("ky_…", NUL-terminated) into out[48]. 0 / -1. */
int	auth_new_token(char out[48]);
/* Hex SHA-256 of a string into out[65]. */
void	auth_hash(const char *, char out[65]);
/* 0 and *ai when the token is valid and not revoked, else -1. */
int	auth_lookup(struct store *, const char *token, struct auth_info *);
/*
 * For API handlers: checks "Authorization: Bearer TOKEN" and the minimum
 * role. On failure it has already answered (401 / 403) and returns -1.
 */
int	auth_bearer(struct http_req *, enum auth_role min, struct auth_info *);
/* 1 when the token may act on cycle (admins: all; coordinators: theirs). */
int	auth_can_cycle(const struct auth_info *, const char *cycle);
const char *auth_role_name(enum auth_role);
/* AUTH_NONE for an unknown name. */
enum auth_role auth_role_parse(const char *);

/* The api_tokens table, for `koyomi token` (cmd_admin.c). */
struct auth_token_row {
	const char	*name;
	const char	*role;
	const char	*cycles;	/* "" when none */
	long long	 created;
	long long	 revoked;	/* 0 while valid */
};
/* 0 added, 1 the name is taken, -1 database error. */
int	auth_token_add(struct store *, const char *name, enum auth_role,
	    const char *cycles, const char *hash, long long now);
/* 0 revoked, 1 no valid token of that name, -1 database error. */
int	auth_token_revoke(struct store *, const char *name, long long now);
/* Calls fn for each token, oldest first; 0 / -1. */
int	auth_token_list(struct store *,
	    void (*fn)(const struct auth_token_row *, void *), void *);

#endif
