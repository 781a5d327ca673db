/*
 * store_inbox.c — the SQL of replies by mail (store_inbox.h).
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "calendars/util.h"
#include "daemon/store/store.h"
#include "daemon/store/store_inbox.h"
#include "daemon/store/store_int.h"
#include "daemon/store/store_util.h"

#define INBOX_MAX_STATES	8

/* One bound value: text (NULL binds SQL NULL), or an integer. */
struct ibind {
	int		 text;
	const char	*s;
	int64_t		 i;
};
#define IT(v)	{ 1, (v), 0 }
#define II(v)	{ 0, NULL, (int64_t)(v) }
/* An id of 0 is none: SQL NULL. */
#define IID(v)	{ (v) == 0, NULL, (int64_t)(v) }

static sqlite3_stmt *
prep(struct store *s, const char *sql, const struct ibind *b, int n)
{
	sqlite3_stmt	*st;
	int		 i;

	if ((st = store_stmt(s, sql)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (!b[i].text)
			sqlite3_bind_int64(st, i + 1, b[i].i);
		else if (b[i].s == NULL)
			sqlite3_bind_null(st, i + 1);
		else
			sqlite3_bind_text(st, i + 1, b[i].s, -1,
			    SQLITE_TRANSIENT);
	}
	return st;
}

/* Runs one write; 0, 1 on a constraint (a duplicate), -1. */
static int
exec_b(struct store *s, const char *what, const char *sql,
    const struct ibind *b, int n)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = prep(s, sql, b, n)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT)
		return 1;
	if (rc != SQLITE_DONE) {
		store_fail(s, what);
		return -1;
	}
	return 0;
}

/* The number of rows a write changed: 0 tells "nothing there". */
static int
changed(struct store *s)
{
	return sqlite3_changes(store_db(s));
}

/*
 * Runs a query of one row and one integer column: 0 and *v, 1 no row,
 * -1.
 */
static int
one_int(struct store *s, const char *what, const char *sql,
    const struct ibind *b, int n, int64_t *v)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = prep(s, sql, b, n)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc != SQLITE_ROW) {
		store_fail(s, what);
		return -1;
	}
	return 0;
}

void
inbox_row_free(struct inbox_row *r)
{
	free(r->hash);
	free(r->msgid);
	free(r->sender);
	free(r->subject);
	free(r->state);
	free(r->reason);
	free(r->cycle);
	free(r->candidates);
}

void
inbox_rows_free(struct inbox_row *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		inbox_row_free(&v[i]);
	free(v);
}

void
inbox_file_free(struct inbox_file_row *f)
{
	free(f->name);
	free(f->type);
	free(f->sha256);
	free(f->assignee);
	free(f->cycle);
	free(f->sender);
}

void
inbox_files_free(struct inbox_file_row *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		inbox_file_free(&v[i]);
	free(v);
}

int
store_inbox_seen(struct store *s, const char *hash)
{
	const struct ibind	 b[] = { IT(hash) };
	int64_t			 id;
	int			 rc;

	rc = one_int(s, "inbox seen", "SELECT id FROM inbox_messages "
	    "WHERE hash = ?", b, 1, &id);
	return rc == -1 ? -1 : rc == 0;
}

int
store_inbox_msgid_used(struct store *s, const char *msgid, int64_t *id)
{
	const struct ibind	 b[] = { IT(msgid) };

	return one_int(s, "inbox msgid", "SELECT id FROM inbox_messages "
	    "WHERE msgid = ? AND state IN ('applied','received','assigned') "
	    "ORDER BY id LIMIT 1", b, 1, id);
}

int64_t
store_inbox_add(struct store *s, const struct inbox_row *r)
{
	const struct ibind	 b[] = { IT(r->hash), IT(r->msgid),
		II(r->received), IT(r->sender), IT(r->subject), IT(r->state),
		IT(r->reason), IID(r->task), IT(r->cycle), II(r->size),
		IT(r->candidates) };

	if (exec_b(s, "inbox add", "INSERT INTO inbox_messages (hash, msgid, "
	    "received, sender, subject, state, reason, task, cycle, size, "
	    "candidates) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", b,
	    (int)nitems(b)) != 0)
		return -1;
	return sqlite3_last_insert_rowid(store_db(s));
}

int64_t
store_inbox_file_add(struct store *s, const struct inbox_file_row *f)
{
	const struct ibind	 b[] = { II(f->message), IID(f->task),
		IT(f->name), IT(f->type), II(f->size), IT(f->sha256),
		II(f->stored) };

	if (exec_b(s, "inbox file add", "INSERT INTO inbox_files (message, "
	    "task, name, type, size, sha256, stored) VALUES (?, ?, ?, ?, ?, "
	    "?, ?)", b, (int)nitems(b)) != 0)
		return -1;
	return sqlite3_last_insert_rowid(store_db(s));
}

int
store_inbox_set_state(struct store *s, int64_t id, const char *state,
    const char *reason, int64_t task, const char *cycle)
{
	const struct ibind	 b[] = { IT(state), IT(reason), IID(task),
		IT(cycle), II(id) };

	return exec_b(s, "inbox state", "UPDATE inbox_messages SET state = ?, "
	    "reason = ?, task = coalesce(?, task), cycle = coalesce(?, cycle) "
	    "WHERE id = ?", b, (int)nitems(b)) == 0 ? 0 : -1;
}

int
store_inbox_files_assign(struct store *s, int64_t message, int64_t task)
{
	const struct ibind	 b[] = { II(task), II(message) };

	return exec_b(s, "inbox files assign", "UPDATE inbox_files SET "
	    "task = ? WHERE message = ?", b, 2) == 0 ? 0 : -1;
}

#define INBOX_COLS "m.id, m.hash, m.msgid, m.received, m.sender, " \
	"m.subject, m.state, m.reason, m.task, m.cycle, m.size, " \
	"(SELECT count(*) FROM inbox_files f WHERE f.message = m.id), " \
	"m.candidates"

static void
row_read(sqlite3_stmt *st, struct inbox_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->hash = store_col_dup(st, 1);
	r->msgid = store_col_dup(st, 2);
	r->received = (time_t)sqlite3_column_int64(st, 3);
	r->sender = store_col_dup(st, 4);
	r->subject = store_col_dup(st, 5);
	r->state = store_col_dup(st, 6);
	r->reason = store_col_dup(st, 7);
	r->task = sqlite3_column_int64(st, 8);
	r->cycle = store_col_dup(st, 9);
	r->size = (size_t)sqlite3_column_int64(st, 10);
	r->nfiles = (size_t)sqlite3_column_int64(st, 11);
	r->candidates = store_col_dup(st, 12);
}

int
store_inbox_get(struct store *s, int64_t id, struct inbox_row *r)
{
	const struct ibind	 b[] = { II(id) };
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = prep(s, "SELECT " INBOX_COLS " FROM inbox_messages m "
	    "WHERE m.id = ?", b, 1)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_read(st, r);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc != SQLITE_ROW) {
		store_fail(s, "inbox get");
		return -1;
	}
	return 0;
}

/*
 * One statement text per number of states, each a literal: the cache
 * of store_stmt knows literals by their address.
 */
#define LIST_SQL(ph) "SELECT " INBOX_COLS " FROM inbox_messages m WHERE " \
	"m.state IN (" ph ") ORDER BY m.id DESC LIMIT ?"
static const char *const list_sql[INBOX_MAX_STATES + 1] = { NULL,
	LIST_SQL("?"), LIST_SQL("?, ?"), LIST_SQL("?, ?, ?"),
	LIST_SQL("?, ?, ?, ?"), LIST_SQL("?, ?, ?, ?, ?"),
	LIST_SQL("?, ?, ?, ?, ?, ?"), LIST_SQL("?, ?, ?, ?, ?, ?, ?"),
	LIST_SQL("?, ?, ?, ?, ?, ?, ?, ?"),
};

int
store_inbox_list(struct store *s, const char *const *states, size_t nstates,
    size_t max, struct inbox_row **out, size_t *nout)
{
	struct ibind	 b[INBOX_MAX_STATES + 1];
	struct inbox_row *v = NULL;
	sqlite3_stmt	*st;
	size_t		 i, n = 0;
	int		 rc;

	*out = NULL;
	*nout = 0;
	if (nstates == 0 || nstates > INBOX_MAX_STATES)
		return 0;
	for (i = 0; i < nstates; i++)
		b[i] = (struct ibind)IT(states[i]);
	b[nstates] = (struct ibind)II(max);
	if ((st = prep(s, list_sql[nstates], b, (int)nstates + 1)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		row_read(st, &v[n++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "inbox list");
		inbox_rows_free(v, n);
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}

#define FILE_COLS "f.id, f.message, coalesce(f.task, 0), f.name, f.type, " \
	"f.size, f.sha256, f.stored, t.assignee, coalesce(t.cycle, m.cycle), " \
	"m.sender, m.received"
#define FILE_FROM " FROM inbox_files f JOIN inbox_messages m ON " \
	"m.id = f.message LEFT JOIN tasks t ON t.id = f.task"

static void
file_read(sqlite3_stmt *st, struct inbox_file_row *f)
{
	memset(f, 0, sizeof *f);
	f->id = sqlite3_column_int64(st, 0);
	f->message = sqlite3_column_int64(st, 1);
	f->task = sqlite3_column_int64(st, 2);
	f->name = store_col_dup(st, 3);
	f->type = store_col_dup(st, 4);
	f->size = (size_t)sqlite3_column_int64(st, 5);
	f->sha256 = store_col_dup(st, 6);
	f->stored = sqlite3_column_int(st, 7);
	f->assignee = store_col_dup(st, 8);
	f->cycle = store_col_dup(st, 9);
	f->sender = store_col_dup(st, 10);
	f->received = (time_t)sqlite3_column_int64(st, 11);
}

int
store_inbox_files(struct store *s, const char *uid, int64_t msg,
    struct inbox_file_row **out, size_t *nout)
{
	const struct ibind	 bu[] = { IT(uid) }, bm[] = { II(msg) };
	struct inbox_file_row	*v = NULL;
	sqlite3_stmt		*st;
	size_t			 n = 0;
	int			 rc;

	*out = NULL;
	*nout = 0;
	if (uid != NULL)
		st = prep(s, "SELECT " FILE_COLS FILE_FROM " WHERE t.uid = ? "
		    "AND m.state IN ('applied','received','assigned') "
		    "ORDER BY t.assignee, m.received, f.id", bu, 1);
	else
		st = prep(s, "SELECT " FILE_COLS FILE_FROM " WHERE "
		    "f.message = ? ORDER BY f.id", bm, 1);
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		file_read(st, &v[n++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "inbox files");
		inbox_files_free(v, n);
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}

int
store_inbox_file_get(struct store *s, int64_t id, struct inbox_file_row *f)
{
	const struct ibind	 b[] = { II(id) };
	sqlite3_stmt		*st;
	int			 rc;

	if ((st = prep(s, "SELECT " FILE_COLS FILE_FROM " WHERE f.id = ?",
	    b, 1)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		file_read(st, f);
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc != SQLITE_ROW) {
		store_fail(s, "inbox file");
		return -1;
	}
	return 0;
}

int
store_mail_ref_add(struct store *s, const char *msgid, int64_t task)
{
	const struct ibind	 b[] = { IT(msgid), II(task) };

	return exec_b(s, "mail ref", "INSERT OR REPLACE INTO mail_refs "
	    "(msgid, task) VALUES (?, ?)", b, 2) == 0 ? 0 : -1;
}

int
store_mail_digest_add(struct store *s, const char *msgid, int64_t task)
{
	const struct ibind	 b[] = { IT(msgid), II(task) };

	return exec_b(s, "mail digest ref", "INSERT OR IGNORE INTO "
	    "mail_digest_refs (msgid, task) VALUES (?, ?)", b, 2) == 0 ?
	    0 : -1;
}

int
store_mail_digest_tasks(struct store *s, const char *msgid, int64_t *tasks,
    size_t max, size_t *n)
{
	const struct ibind	 b[] = { IT(msgid) };
	sqlite3_stmt		*st;
	int			 rc;

	*n = 0;
	if ((st = prep(s, "SELECT task FROM mail_digest_refs WHERE msgid = ? "
	    "ORDER BY task", b, 1)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (*n < max)
			tasks[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "mail digest refs");
		*n = 0;
		return -1;
	}
	return *n > 0 ? 0 : 1;
}

int
store_mail_ref_task(struct store *s, const char *msgid, int64_t *task)
{
	const struct ibind	 b[] = { IT(msgid) };

	return one_int(s, "mail ref", "SELECT task FROM mail_refs WHERE "
	    "msgid = ?", b, 1, task);
}

/*
 * The recipient and, when msgid is not NULL, the Message-ID of the mail
 * outbox row sql selects (destination, msgid): 0, 1 none, -1.
 */
static int
outbox_mail_row(struct store *s, const char *what, const char *sql,
    const struct ibind *b, char **addr, char **msgid)
{
	sqlite3_stmt	*st;
	int		 rc;

	*addr = NULL;
	if (msgid != NULL)
		*msgid = NULL;
	if ((st = prep(s, sql, b, 1)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*addr = store_col_dup(st, 0);
		if (msgid != NULL)
			*msgid = store_col_dup(st, 1);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 1;
	if (rc != SQLITE_ROW || *addr == NULL) {
		free(*addr);
		*addr = NULL;
		if (msgid != NULL) {
			free(*msgid);
			*msgid = NULL;
		}
		store_fail(s, what);
		return -1;
	}
	return 0;
}

int
store_outbox_mail_rcpt(struct store *s, const char *msgid, char **addr)
{
	const struct ibind	 b[] = { IT(msgid) };

	return outbox_mail_row(s, "outbox rcpt", "SELECT destination, msgid "
	    "FROM outbox WHERE msgid = ? AND channel = 'mail'", b, addr, NULL);
}

int
store_outbox_mail_of(struct store *s, int64_t id, char **addr, char **msgid)
{
	const struct ibind	 b[] = { II(id) };

	return outbox_mail_row(s, "outbox mail", "SELECT destination, msgid "
	    "FROM outbox WHERE id = ? AND channel = 'mail'", b, addr, msgid);
}

void
mail_failures_free(struct mail_failure *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].address);
		free(v[i].error);
		free(v[i].msgid);
	}
	free(v);
}

int
store_mail_failure_add(struct store *s, const char *address, time_t now,
    const char *error, const char *msgid)
{
	const struct ibind	 b[] = { IT(address), II(now), II(now),
		IT(error), IT(msgid) };

	return exec_b(s, "mail failure", "INSERT INTO mail_failures (address, "
	    "since, last, count, error, msgid) VALUES (?, ?, ?, 1, ?, ?) "
	    "ON CONFLICT (address) DO UPDATE SET last = excluded.last, "
	    "count = count + 1, error = excluded.error, "
	    "msgid = excluded.msgid", b, (int)nitems(b)) == 0 ? 0 : -1;
}

int
store_mail_failure_clear(struct store *s, const char *address)
{
	const struct ibind	 b[] = { IT(address) };

	if (exec_b(s, "mail failure clear", "DELETE FROM mail_failures "
	    "WHERE address = ?", b, 1) != 0)
		return -1;
	return changed(s) > 0 ? 0 : 1;
}

int
store_mail_failures(struct store *s, struct mail_failure **out, size_t *nout)
{
	struct mail_failure	*v = NULL;
	sqlite3_stmt		*st;
	size_t			 n = 0;
	int			 rc;

	*out = NULL;
	*nout = 0;
	if ((st = store_stmt(s, "SELECT address, since, last, count, error, "
	    "msgid FROM mail_failures ORDER BY address")) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n].address = store_col_dup(st, 0);
		v[n].since = (time_t)sqlite3_column_int64(st, 1);
		v[n].last = (time_t)sqlite3_column_int64(st, 2);
		v[n].count = sqlite3_column_int(st, 3);
		v[n].error = store_col_dup(st, 4);
		v[n].msgid = store_col_dup(st, 5);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "mail failures");
		mail_failures_free(v, n);
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}

void
inbox_senders_free(struct inbox_sender *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].org);
		free(v[i].address);
		free(v[i].by);
	}
	free(v);
}

int
store_inbox_sender_add(struct store *s, const char *org, const char *address,
    const char *by, time_t now)
{
	const struct ibind	 b[] = { IT(org), IT(address), II(now),
		IT(by) };

	return exec_b(s, "sender add", "INSERT INTO inbox_senders (org, "
	    "address, added, by) VALUES (?, ?, ?, ?)", b, (int)nitems(b));
}

int
store_inbox_sender_remove(struct store *s, const char *org,
    const char *address)
{
	const struct ibind	 b[] = { IT(org), IT(address) };

	if (exec_b(s, "sender remove", "DELETE FROM inbox_senders WHERE "
	    "org = ? AND address = ?", b, 2) != 0)
		return -1;
	return changed(s) > 0 ? 0 : 1;
}

int
store_inbox_sender_has(struct store *s, const char *org, const char *address)
{
	const struct ibind	 b[] = { IT(org), IT(address) };
	int64_t			 one;
	int			 rc;

	rc = one_int(s, "sender has", "SELECT 1 FROM inbox_senders WHERE "
	    "org = ? AND address = ?", b, 2, &one);
	return rc == -1 ? -1 : rc == 0;
}

int
store_inbox_senders(struct store *s, struct inbox_sender **out, size_t *nout)
{
	struct inbox_sender	*v = NULL;
	sqlite3_stmt		*st;
	size_t			 n = 0;
	int			 rc;

	*out = NULL;
	*nout = 0;
	if ((st = store_stmt(s, "SELECT org, address, added, by FROM "
	    "inbox_senders ORDER BY org, address")) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n].org = store_col_dup(st, 0);
		v[n].address = store_col_dup(st, 1);
		v[n].added = (time_t)sqlite3_column_int64(st, 2);
		v[n].by = store_col_dup(st, 3);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "senders");
		inbox_senders_free(v, n);
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}
