/*
 * store_tokens.h — API tokens as stored (store_tokens.c). A token is
 * shown once ("ky_" + base64url, codec/token.h); the table keeps only its
 * SHA-256, so a database leak reveals no token.
 */
#ifndef KOYOMI_STORE_TOKENS_H
#define KOYOMI_STORE_TOKENS_H

#include <stdint.h>

struct store;

enum auth_role { AUTH_NONE, AUTH_VIEWER, AUTH_COORDINATOR, AUTH_ADMIN };

struct auth_info {
	enum auth_role	 role;
	int64_t		 token_id;
	char		 name[64];
	char		 cycles[512];	/* coordinator: comma-separated */
};

const char	*store_role_name(enum auth_role);
/* AUTH_NONE for an unknown name. */
enum auth_role	 store_role_parse(const char *);
/* 0 and *ai when the token is valid and not revoked, else -1. */
int		 store_token_lookup(struct store *, const char *token,
		    struct auth_info *);

/* A row of api_tokens, for `koyomi token` (cli/cmd_admin.c). */
struct store_token_row {
	const char	*name;
	const char	*role;
	const char	*cycles;	/* "" when none */
	long long	 created;
	long long	 revoked;	/* 0 while valid */
};
/* 0 added, 1 the name is taken, -1 database error. */
int	store_token_add(struct store *, const char *name, enum auth_role,
	    const char *cycles, const char *hash, long long now);
/* 0 revoked (its sessions end too), 1 no valid token of that name, -1. */
int	store_token_revoke(struct store *, const char *name, long long now);
/* Calls fn for each token, oldest first; 0 / -1. */
int	store_token_list(struct store *,
	    void (*fn)(const struct store_token_row *, void *), void *);

#endif
