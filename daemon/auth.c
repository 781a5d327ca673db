/*
 * auth.c — API tokens (auth.h): random from getrandom(2), stored hashed,
 * looked up by hash with a constant-time comparison of the stored hash.
 */
#include <sys/random.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/auth.h"
#include "daemon/http.h"
#include "daemon/koyomi.h"
#include "daemon/store_int.h"

int
auth_new_token(char out[48])
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
auth_hash(const char *s, char out[65])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0;

	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	hex_encode(md, n > 32 ? 32 : n, out);
}

const char *
auth_role_name(enum auth_role r)
{
	static const char *const names[] = { "none", "viewer", "coordinator",
	    "admin" };

	return names[r];
}

int
auth_lookup(struct store *s, const char *token, struct auth_info *ai)
{
	sqlite3_stmt	*st;
	char		 h[65];
	const char	*stored, *role, *cycles;
	int		 rc = -1;

	memset(ai, 0, sizeof *ai);
	if (token == NULL || strlen(token) > 256)
		return -1;
	auth_hash(token, h);
	if ((st = store_stmt(s, "SELECT id, name, role, cycles, hash FROM "
	    "api_tokens WHERE hash = ? AND revoked IS NULL")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, h, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		stored = (const char *)sqlite3_column_text(st, 4);
		/* The index found it; compare anyway, in constant time. */
		if (stored != NULL && strlen(stored) == 64 &&
		    ct_memcmp(stored, h, 64) == 0) {
			ai->token_id = sqlite3_column_int64(st, 0);
			snprintf(ai->name, sizeof ai->name, "%s",
			    (const char *)sqlite3_column_text(st, 1));
			role = (const char *)sqlite3_column_text(st, 2);
			ai->role = strcmp(role, "admin") == 0 ? AUTH_ADMIN :
			    strcmp(role, "coordinator") == 0 ?
			    AUTH_COORDINATOR : AUTH_VIEWER;
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
auth_bearer(struct http_req *req, enum auth_role min, struct auth_info *ai)
{
	struct koyomi	*k = http_koyomi(req);
	const char	*h = http_header(req, "Authorization");

	if (h == NULL || strncmp(h, "Bearer ", 7) != 0 ||
	    auth_lookup(k->store, h + 7, ai) == -1) {
		http_add_header(req, "WWW-Authenticate", "Bearer");
		http_reply_json_error(req, 401, "a valid API token is required");
		return -1;
	}
	if (ai->role < min) {
		http_reply_json_error(req, 403, "this token's role may not do "
		    "that");
		return -1;
	}
	return 0;
}

int
auth_can_cycle(const struct auth_info *ai, const char *cycle)
{
	const char	*p;
	size_t		 n = strlen(cycle);

	if (ai->role == AUTH_ADMIN)
		return 1;
	if (ai->role != AUTH_COORDINATOR)
		return 0;
	for (p = ai->cycles; (p = strstr(p, cycle)) != NULL; p += n)
		if ((p == ai->cycles || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

enum auth_role
auth_role_parse(const char *s)
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
auth_token_add(struct store *s, const char *name, enum auth_role role,
    const char *cycles, const char *hash, long long now)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, "INSERT INTO api_tokens (name, role, cycles, "
	    "hash, created) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) "
	    "DO NOTHING")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, auth_role_name(role), -1, SQLITE_STATIC);
	if (cycles != NULL && *cycles != '\0')
		sqlite3_bind_text(st, 3, cycles, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "api token add");
		return -1;
	}
	return sqlite3_changes(store_db(s)) == 1 ? 0 : 1;
}

int
auth_token_revoke(struct store *s, const char *name, long long now)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, "UPDATE api_tokens SET revoked = ? "
	    "WHERE name = ? AND revoked IS NULL")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "api token revoke");
		return -1;
	}
	if (sqlite3_changes(store_db(s)) != 1)
		return 1;
	/* A revoked token's dashboard sessions end with it. */
	if ((st = store_stmt(s, "DELETE FROM sessions WHERE token IN "
	    "(SELECT id FROM api_tokens WHERE name = ?)")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "api token sessions");
		return -1;
	}
	return 0;
}

int
auth_token_list(struct store *s,
    void (*fn)(const struct auth_token_row *, void *), void *arg)
{
	struct auth_token_row	 row;
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
