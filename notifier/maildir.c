/*
 * maildir.c — the "maildir:/path" mail transport, the default of a fresh
 * checkout so that `make run` needs no mail server. A message is written
 * to tmp/ under a unique name, synced, then renamed into new/ (the
 * Maildir protocol: readers never see half a message).
 *
 * This backend writes synchronously on the loop. That is a deliberate
 * exception to "blocking is a bug": the folder is local, a message is a
 * few kilobytes, and a thread or an io_uring for it would cost more than
 * it saves. The core still defers the callback to the next loop turn.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendars/util.h"
#include "notifier/notify_int.h"

struct maildir {
	char		*path;
	char		 host[64];
	unsigned long	 seq;	/* makes names unique within the process */
};

static int
maildir_mkdirs(const char *path, char **cause)
{
	const char *const	 sub[] = { "", "/tmp", "/new", "/cur" };
	char			*p;
	size_t			 i;

	for (i = 0; i < nitems(sub); i++) {
		xasprintf(&p, "%s%s", path, sub[i]);
		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			xasprintf(cause, "maildir %s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

static void *
maildir_init(struct notify *n, const struct notify_conf *nc, char **cause)
{
	struct maildir	*md;
	const char	*path = nc->mail_transport + strlen("maildir:");
	char		*s;

	(void)n;
	if (*path != '/') {
		xasprintf(cause, "maildir path must be absolute");
		return NULL;
	}
	md = xcalloc(1, sizeof *md);
	md->path = xstrdup(path);
	if (gethostname(md->host, sizeof md->host) == -1)
		snprintf(md->host, sizeof md->host, "localhost");
	md->host[sizeof md->host - 1] = '\0';
	/* '/' and ':' are not allowed in a Maildir name. */
	for (s = md->host; *s != '\0'; s++)
		if (*s == '/' || *s == ':')
			*s = '_';
	if (maildir_mkdirs(md->path, cause) == -1) {
		free(md->path);
		free(md);
		return NULL;
	}
	return md;
}

static int
maildir_write(int fd, const char *p, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return fsync(fd);
}

static void
maildir_send(void *arg, struct notify_task *t)
{
	struct maildir	*md = arg;
	struct timeval	 tv;
	char		*tmp, *new;
	int		 fd;

	gettimeofday(&tv, NULL);
	md->seq++;
	xasprintf(&tmp, "%s/tmp/%lld.M%ldP%ldQ%lu.%s", md->path,
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)getpid(), md->seq,
	    md->host);
	xasprintf(&new, "%s/new/%s", md->path, strrchr(tmp, '/') + 1);
	t->res.status = NOTIFY_OK;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1)
		goto fail;
	if (maildir_write(fd, t->payload, t->len) == -1) {
		close(fd);
		goto fail;
	}
	if (close(fd) == -1 || rename(tmp, new) == -1)
		goto fail;
	goto out;
fail:
	/* A full disk or a bad folder may heal: try again later. */
	t->res.status = NOTIFY_TEMPFAIL;
	snprintf(t->res.error, sizeof t->res.error, "maildir: %s",
	    strerror(errno));
	unlink(tmp);
out:
	free(tmp);
	free(new);
	notify_task_finish(t);
}

static void
maildir_free(void *arg)
{
	struct maildir	*md = arg;

	free(md->path);
	free(md);
}

const struct notify_backend notify_backend_maildir = {
	"maildir", maildir_init, maildir_send, maildir_free
};
