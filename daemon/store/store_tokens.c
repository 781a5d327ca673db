/*
 * store_tokens.c — the api_tokens table (store_tokens.h): roles as
 * stored, lookups by hash with a constant-time check of the stored hash,
 * and what `koyomi token` adds, revokes and lists.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "calendars/util.h"
#include "daemon/codec/token.h"
#include "daemon/store/store_int.h"
#include "daemon/store/store_tokens.h"

const char *
store_role_name(enum auth_role r)
{
	static const char *const names[] = { "none", "viewer", "coordinator",
	    "admin" };

	return names[r];
}

enum auth_role
store_role_parse(const char *s)
{
	if (strcmp(s, "admin") == 0)
		return AUTH_ADMIN;
	if (strcmp(s, "coordinator") == 0)
		return AUTH_COORDINATOR;
	if (strcmp(s, "viewer") == 0)
		return AUTH_VIEWER;
	return AUTH_NONE;
}

int
store_token_lookup(struct store *s, const char *token, struct auth_info *ai)
{
	sqlite3_stmt	*st;
	char		 h[65];
	const char	*stored, *role, *cycles;
	int		 rc = -1;

	memset(ai, 0, sizeof *ai);
	if (token == NULL || strlen(token) > 256)
		return -1;
	token_hash(token, h);
	if ((st = store_stmt(s, "SELECT id, name, role, cycles, hash FROM "
	    "api_tokens WHERE hash = ? AND revoked IS NULL")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, h, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		stored = (const char *)sqlite3_column_text(st, 4);
		/* The index found it; compare anyway, in constant time. */
		if (stored != NULL && strlen(stored) == 64 &&
		    CRYPTO_memcmp(stored, h, 64) == 0) {
			ai->token_id = sqlite3_column_int64(st, 0);
			snprintf(ai->name, sizeof ai->name, "%s",
			    (const char *)sqlite3_column_text(st, 1));
			role = (const char *)sqlite3_column_text(st, 2);
			ai->role = store_role_parse(role);
			if (ai->role == AUTH_NONE)
				ai->role = AUTH_VIEWER;
			cycles = (const char *)sqlite3_column_text(st, 3);
			snprintf(ai->cycles, sizeof ai->cycles, "%s",
			    cycles != NULL ? cycles : "");
			rc = 0;
		}
	}
	sqlite3_reset(st);
	return rc;
}

int
store_token_add(struct store *s, const char *name, enum auth_role role,
    const char *cycles, const char *hash, long long now)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, "INSERT INTO api_tokens (name, role, cycles, "
	    "hash, created) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) "
	    "DO NOTHING")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, store_role_name(role), -1, SQLITE_STATIC);
	if (cycles != NULL && *cycles != '\0')
		sqlite3_bind_text(st, 3, cycles, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	if (store_step_done(s, st, "api token add") == -1)
		return -1;
	return sqlite3_changes(store_db(s)) == 1 ? 0 : 1;
}

int
store_token_revoke(struct store *s, const char *name, long long now)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, "UPDATE api_tokens SET revoked = ? "
	    "WHERE name = ? AND revoked IS NULL")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (store_step_done(s, st, "api token revoke") == -1)
		return -1;
	if (sqlite3_changes(store_db(s)) != 1)
		return 1;
	/* A revoked token's dashboard sessions end with it. */
	if ((st = store_stmt(s, "DELETE FROM sessions WHERE token IN "
	    "(SELECT id FROM api_tokens WHERE name = ?)")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (store_step_done(s, st, "api token sessions") == -1)
		return -1;
	return 0;
}

int
store_token_list(struct store *s,
    void (*fn)(const struct store_token_row *, void *), void *arg)
{
	struct store_token_row	 row;
	sqlite3_stmt		*st;
	const char		*c;
	int			 rc;

	if ((st = store_stmt(s, "SELECT name, role, cycles, created, "
	    "revoked FROM api_tokens ORDER BY id")) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row.name = (const char *)sqlite3_column_text(st, 0);
		row.role = (const char *)sqlite3_column_text(st, 1);
		c = (const char *)sqlite3_column_text(st, 2);
		row.cycles = c != NULL ? c : "";
		row.created = sqlite3_column_int64(st, 3);
		row.revoked = sqlite3_column_int64(st, 4);
		fn(&row, arg);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "api token list");
		return -1;
	}
	return 0;
}
