/*
 * store_inbox.h — the tables of replies by mail (store_inbox.c):
 * inbox_messages, inbox_files, mail_refs, mail_failures and
 * inbox_senders (schema.h, migration 5). What they mean is
 * daemon/inbox/'s; here are only the rows. Every function returns 0 (or
 * a row id) on success and -1 on a database error, logged once; lookups
 * return 1 when nothing was found. Writes run inside the caller's
 * transaction unless said otherwise.
 */
#ifndef KOYOMI_STORE_INBOX_H
#define KOYOMI_STORE_INBOX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct store;

/* One message as recorded. Strings owned by the row (NULL when absent). */
struct inbox_row {
	int64_t		 id;
	char		*hash;		/* hex SHA-256 of the raw bytes */
	char		*msgid;		/* "<…>" */
	time_t		 received;
	char		*sender;	/* From: address, lower case */
	char		*subject;
	char		*state;		/* applied, received, unmatched, auto,
					   bounce, duplicate, assigned,
					   dismissed */
	char		*reason;
	int64_t		 task;		/* 0: none */
	char		*cycle;		/* the task's cycle, or NULL */
	size_t		 size;
	size_t		 nfiles;	/* read back only */
	char		*candidates;	/* a digest reply's task ids, "12 13",
					   or NULL */
};
void	inbox_row_free(struct inbox_row *);
void	inbox_rows_free(struct inbox_row *, size_t);

/* One attachment. Strings owned by the row. */
struct inbox_file_row {
	int64_t		 id;
	int64_t		 message;
	int64_t		 task;		/* 0 until the message is applied */
	char		*name;		/* sanitised */
	char		*type;
	size_t		 size;
	char		*sha256;	/* hex: the stored file's name */
	int		 stored;	/* 0: over the size limit */
	/* Read back with the listing of a deadline or of a message: */
	char		*assignee;	/* the task's, or NULL */
	char		*cycle;		/* the task's or the message's */
	char		*sender;
	time_t		 received;
};
void	inbox_file_free(struct inbox_file_row *);
void	inbox_files_free(struct inbox_file_row *, size_t);

/* 1 when a message of that hash is recorded, 0 when not, -1. */
int	store_inbox_seen(struct store *, const char *hash);
/*
 * The id of an earlier message with that Message-ID that was applied,
 * received or assigned (a copy of it must not count again): 0 and *id,
 * 1 none, -1.
 */
int	store_inbox_msgid_used(struct store *, const char *msgid,
	    int64_t *id);
/* Inserts r (id, nfiles ignored); the new id or -1. */
int64_t	store_inbox_add(struct store *, const struct inbox_row *r);
/* Inserts f (id and the read-back fields ignored); the new id or -1. */
int64_t	store_inbox_file_add(struct store *, const struct inbox_file_row *f);
/* A coordinator's decision on an unmatched message. */
int	store_inbox_set_state(struct store *, int64_t id, const char *state,
	    const char *reason, int64_t task, const char *cycle);
/* The message's files now belong to task. */
int	store_inbox_files_assign(struct store *, int64_t message,
	    int64_t task);
int	store_inbox_get(struct store *, int64_t id, struct inbox_row *);
/*
 * Messages whose state is one of states[0..nstates), newest first, at
 * most max, with their file counts. *out allocated.
 */
int	store_inbox_list(struct store *, const char *const *states,
	    size_t nstates, size_t max, struct inbox_row **out, size_t *n);
/*
 * The files of the tasks of occurrence uid (submissions of one
 * deadline), by assignee then time; or, uid NULL, the files of message
 * msg. *out allocated.
 */
int	store_inbox_files(struct store *, const char *uid, int64_t msg,
	    struct inbox_file_row **out, size_t *n);
/* One file with its cycle (the task's, else the message's). */
int	store_inbox_file_get(struct store *, int64_t id,
	    struct inbox_file_row *);

/* mail_refs: a reminder's Message-ID and its task. */
int	store_mail_ref_add(struct store *, const char *msgid, int64_t task);
/* 0 and *task, 1 unknown, -1. */
int	store_mail_ref_task(struct store *, const char *msgid, int64_t *task);
/*
 * mail_digest_refs: a digest's Message-ID and each task it named. The
 * tasks of msgid, lowest id first, at most max: 0, 1 when it is no
 * digest's, -1.
 */
int	store_mail_digest_add(struct store *, const char *msgid, int64_t task);
int	store_mail_digest_tasks(struct store *, const char *msgid,
	    int64_t *tasks, size_t max, size_t *n);
/*
 * The recipient of koyomi's own mail with that Message-ID (an outbox
 * row): 0 and *addr (caller frees), 1 not ours, -1.
 */
int	store_outbox_mail_rcpt(struct store *, const char *msgid, char **addr);
/* The recipient and Message-ID of mail outbox row id: 0, 1 none, -1. */
int	store_outbox_mail_of(struct store *, int64_t id, char **addr,
	    char **msgid);

/* mail_failures: addresses koyomi's mail bounced from. */
struct mail_failure {
	char	*address;
	time_t	 since, last;
	int	 count;
	char	*error;
	char	*msgid;
};
void	mail_failures_free(struct mail_failure *, size_t);
int	store_mail_failure_add(struct store *, const char *address,
	    time_t now, const char *error, const char *msgid);
/* Autocommit. 0 cleared, 1 was not failing, -1. */
int	store_mail_failure_clear(struct store *, const char *address);
int	store_mail_failures(struct store *, struct mail_failure **out,
	    size_t *n);

/* inbox_senders: addresses an administrator allowed for an org. */
struct inbox_sender {
	char	*org, *address, *by;
	time_t	 added;
};
void	inbox_senders_free(struct inbox_sender *, size_t);
/* Autocommit. 0 added, 1 already there, -1. */
int	store_inbox_sender_add(struct store *, const char *org,
	    const char *address, const char *by, time_t now);
/* Autocommit. 0 removed, 1 not there, -1. */
int	store_inbox_sender_remove(struct store *, const char *org,
	    const char *address);
/* 1 when address is allowed for org, 0 when not, -1. */
int	store_inbox_sender_has(struct store *, const char *org,
	    const char *address);
int	store_inbox_senders(struct store *, struct inbox_sender **out,
	    size_t *n);

#endif
