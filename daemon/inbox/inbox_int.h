/*
 * inbox_int.h — between the files of daemon/inbox/ only.
 */
#ifndef KOYOMI_INBOX_INT_H
#define KOYOMI_INBOX_INT_H

#include <stddef.h>
#include <stdint.h>

struct koyomi;
struct conf;
struct maildir;
struct imap;

struct inbox {
	struct koyomi		*k;
	struct maildir		*md;
	struct imap		*im;
	size_t			 cap;		/* bytes of a message read */
	/* For /metrics: messages recorded since start, by verdict. */
	unsigned long long	 counts[8];
	unsigned long long	 errors;
};

/*
 * inbox_apply.c: judges one message and records it, with all it does,
 * in one transaction. truncated: only the first bytes of a message too
 * large to read (it is kept as unmatched). 0 when the message is
 * recorded, now or before (the source may mark it read); -1 when it
 * must be read again later (database busy, disk full).
 */
int	inbox_process(struct inbox *, const char *raw, size_t len,
	    int truncated);

/* inbox_files.c: the folder of stored attachments (caller frees). */
char	*inbox_files_dir(const struct conf *);
/* Stores bytes under their SHA-256 (hex into sha). 0, or -1 + cause. */
int	inbox_file_store(const char *dir, const unsigned char *data,
	    size_t len, char sha[65], char **cause);
/* The path of a stored file (caller frees). */
char	*inbox_file_path(const struct conf *, const char *sha256);

/* inbox_maildir.c: watches maildir:PATH. */
struct maildir	*maildir_start(struct inbox *, const char *path,
		    char **cause);
void		 maildir_stop(struct maildir *);

/* inbox_imap.c: polls imaps://HOST/MAILBOX in a thread of its own. */
struct imap	*imap_start(struct inbox *, char **cause);
void		 imap_stop(struct imap *);

#endif
