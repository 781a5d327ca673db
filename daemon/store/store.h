/*
 * store.h — the SQLite database: one connection, one owner (the daemon,
 * or a CLI command for its own short run). Schema in schema.h, migrated
 * by PRAGMA user_version. Write transactions are BEGIN IMMEDIATE and
 * short; statements are prepared once (store_int.h). Functions return 0
 * on success and -1 on a database error, which is logged once here.
 */
#ifndef KOYOMI_STORE_H
#define KOYOMI_STORE_H

struct store;

struct store	*store_open(const char *path, char **cause);
void		 store_close(struct store *);
int		 store_begin(struct store *);		/* BEGIN IMMEDIATE */
int		 store_commit(struct store *);
void		 store_rollback(struct store *);
/*
 * The next commits' durability. Lazy (synchronous=NORMAL) commits
 * survive a crash of the process but may be lost, newest first, to a
 * power cut until the next full commit or store_sync(): for writes that
 * are only re-done if lost (the outbox's delivery results). Every
 * other writer expects full commits: set it back after the commit.
 */
int		 store_lazy(struct store *, int lazy);
/*
 * Makes every lazy commit so far durable (a passive checkpoint): 0, 1
 * when a reader held some back (try again later), or -1.
 */
int		 store_sync(struct store *);
/*
 * 1 when a write transaction can be opened and the file system has room
 * for commits (for /healthz), else 0.
 */
int		 store_writable(struct store *);
/* 1 unless the database's file system is (nearly) full; logs changes. */
int		 store_space_ok(struct store *);
/* 1 when PRAGMA integrity_check answers ok. */
int		 store_integrity_ok(struct store *);
/* Online copy with the SQLite backup API (safe while others write). */
int		 store_backup(struct store *, const char *dest, char **cause);
/* Database errors so far, for /metrics. */
unsigned long	 store_errors(struct store *);
/* PRAGMA data_version: changes when another connection committed. */
int		 store_data_version(struct store *);
/* settings table. get returns a string the caller frees, or NULL. */
char		*store_setting_get(struct store *, const char *key);
int		 store_setting_set(struct store *, const char *key,
		    const char *value);
/*
 * store_expand.c: adds every case and every recorded survey answer to
 * x's cases and answers (rules_expand's run-time facts). 0, or -1 with
 * nothing added (a database error, logged): never a partial list.
 */
struct rules_expand_ctx;
int		 store_expand_facts(struct store *, struct rules_expand_ctx *x);
/* Frees what store_expand_facts added and empties those lists. */
void		 store_expand_facts_free(struct rules_expand_ctx *x);

#endif
