/*
 * store_sessions.c — the sessions table (store_sessions.h).
 */
#include <stdio.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/store/store_sessions.h"
#include "daemon/codec/token.h"
#include "daemon/store/store_int.h"

int
session_new(struct store *s, int64_t token_id, time_t now, int once,
    char secret[48], char csrf[48])
{
	static const char q[] = "INSERT INTO sessions (hash, token, csrf, "
	    "expires) VALUES (?, ?, ?, ?)";
	sqlite3_stmt	*st;
	char		 h[65];

	/* Same generator and shape as API tokens: 32 random bytes. */
	if (token_new(secret) == -1 ||
	    (!once && token_new(csrf) == -1))
		return -1;
	token_hash(secret, h);
	if ((st = store_stmt(s, q)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, token_id);
	sqlite3_bind_text(st, 3, once ? SESSION_ONCE : csrf, -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, now + (once ? SESSION_ONCE_TTL :
	    SESSION_TTL));
	if (store_step_done(s, st, "session new") == -1)
		return -1;
	/* Expired rows go whenever a new one comes. */
	st = store_stmt(s, "DELETE FROM sessions WHERE expires < ?");
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	return 0;
}

int
session_get(struct store *s, const char *cookie, time_t now,
    struct auth_info *ai, char csrf[48])
{
	static const char q[] = "SELECT s.csrf, t.id, t.name, t.role, "
	    "t.cycles FROM sessions s JOIN api_tokens t ON t.id = s.token "
	    "WHERE s.hash = ? AND s.expires > ? AND t.revoked IS NULL "
	    "AND s.csrf != '" SESSION_ONCE "'";
	sqlite3_stmt		*st;
	const unsigned char	*v;
	char			 h[65];
	int			 rc;

	memset(ai, 0, sizeof *ai);
	if (cookie == NULL || strlen(cookie) > 100)
		return 1;
	token_hash(cookie, h);
	if ((st = store_stmt(s, q)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		v = sqlite3_column_text(st, 0);
		snprintf(csrf, 48, "%s", v != NULL ? (const char *)v : "");
		ai->token_id = sqlite3_column_int64(st, 1);
		v = sqlite3_column_text(st, 2);
		snprintf(ai->name, sizeof ai->name, "%s", v ? (const char *)v : "");
		v = sqlite3_column_text(st, 3);
		ai->role = v == NULL ? AUTH_NONE :
		    strcmp((const char *)v, "admin") == 0 ? AUTH_ADMIN :
		    strcmp((const char *)v, "coordinator") == 0 ?
		    AUTH_COORDINATOR : AUTH_VIEWER;
		v = sqlite3_column_text(st, 4);
		snprintf(ai->cycles, sizeof ai->cycles, "%s",
		    v != NULL ? (const char *)v : "");
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, "session get");
		return -1;
	}
	return rc == SQLITE_ROW ? 0 : 1;
}

int
session_take_once(struct store *s, const char *secret, time_t now,
    int64_t *token_id)
{
	static const char q[] = "DELETE FROM sessions WHERE hash = ? AND "
	    "csrf = '" SESSION_ONCE "' AND expires > ? RETURNING token";
	sqlite3_stmt	*st;
	char		 h[65];
	int		 rc, found;

	if (secret == NULL || strlen(secret) > 100)
		return 1;
	token_hash(secret, h);
	if ((st = store_stmt(s, q)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now);
	rc = sqlite3_step(st);
	found = rc == SQLITE_ROW;
	if (found) {
		*token_id = sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);	/* completes the DELETE */
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "session once");
		return -1;
	}
	return found ? 0 : 1;
}

int
session_end(struct store *s, const char *cookie)
{
	sqlite3_stmt	*st;
	char		 h[65];
	int		 rc;

	if (cookie == NULL)
		return 0;
	token_hash(cookie, h);
	if ((st = store_stmt(s, "DELETE FROM sessions WHERE hash = ?")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, h, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
