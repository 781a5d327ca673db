/*
 * inbox.h — replies by mail (design: docs/operations.md "Replies by
 * mail"). A jurisdiction answers a reminder with its file; the inbound
 * mailbox (koyomi.conf `inbound`: a Maildir the MTA delivers into,
 * watched with inotify, or an IMAP mailbox polled over TLS) is read,
 * each message is judged (inbox_match.h) and recorded in one
 * transaction with what it does: a matching reply marks its task done
 * (source "mail"), stores its attachments under the database's folder
 * and may queue a 受領確認; anything else is kept for the coordinators.
 * A message is marked read in the mailbox (moved to cur/, or flagged)
 * only after that commit, and its hash is looked up before anything is
 * done, so a crash at any point applies nothing twice and loses nothing.
 *
 * inbox.c is the module and the coordinators' actions; inbox_apply.c
 * one message; inbox_maildir.c and inbox_imap.c the two sources;
 * inbox_files.c the stored files; inbox_zip.c a deadline's zip.
 */
#ifndef KOYOMI_INBOX_H
#define KOYOMI_INBOX_H

#include <stddef.h>
#include <stdint.h>

#include "calendars/util.h"

struct koyomi;
struct conf;
struct inbox;

/*
 * Starts reading the configured mailbox; k->inbox stays NULL (and 0 is
 * returned) when koyomi.conf names none. -1 with *cause.
 */
int	inbox_start(struct koyomi *, char **cause);
void	inbox_stop(struct koyomi *);

/*
 * A coordinator's decision on a message kept as unmatched: assign it to
 * task (its files become the task's and the task is marked done through
 * the mail, by who), or dismiss it. 0; 1 when the message or the task
 * is not there or not in a state for it (with *cause); -1 with *cause.
 */
int	inbox_assign(struct koyomi *, int64_t msg, int64_t task,
	    const char *who, char **cause);
int	inbox_dismiss(struct koyomi *, int64_t msg, const char *who,
	    char **cause);

/*
 * The stored bytes of an attachment (named by its SHA-256) into out.
 * 0, or -1 with *cause.
 */
int	inbox_file_read(const struct conf *, const char *sha256,
	    struct buf *out, char **cause);

/*
 * Every stored submission of the deadline occurrence uid as one zip (no
 * compression: office files are zips already), each file named
 * CODE_名称_file.xlsx by its jurisdiction's code and name, with the
 * UTF-8 flag set on every name so Windows' Explorer and Excel show
 * Japanese names. 0 and the bytes in out; 1 when there are none; -1
 * with *cause.
 */
int	inbox_zip(struct koyomi *, const char *uid, struct buf *out,
	    char **cause);

#endif
