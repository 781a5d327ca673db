/*
 * inbox_maildir.c — the Maildir source (inbox_int.h). The site's MTA
 * delivers into PATH/new (writing in tmp/ first, so a file in new/ is
 * whole); inotify on new/ wakes a pass, and a timer passes again every
 * inbound_poll seconds in case inotify lost events. A message goes to
 * cur/ with the Seen flag (":2,S") only once inbox_process has committed
 * its record; one found in new/ again after a crash is recognised by its
 * hash and only moved. Passes read at most MD_BATCH messages per loop
 * turn, oldest name first, so HTTP is served in between.
 */
#include <sys/inotify.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/inbox/inbox_int.h"

#define MD_BATCH	32	/* messages per loop turn */
#define MD_MAX_NAMES	20000	/* names read from new/ per pass */
#define MD_SETTLE	0.05	/* seconds after an inotify event */
#define MD_RETRY_MAX	60.	/* seconds between tries after an error */

struct maildir {
	struct inbox	*ib;
	char		*root, *newd, *curd;
	int		 ifd;
	ev_io		 io;
	ev_timer	 pass;		/* the next batch */
	ev_timer	 rescan;	/* every inbound_poll seconds */
	double		 retry;		/* after a failed message, 0 if none */
};

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Up to MD_MAX_NAMES names of new/, sorted; NULL on an error. */
static char **
list_new(struct maildir *md, size_t *n)
{
	DIR		*d;
	struct dirent	*e;
	char		**v = NULL;

	*n = 0;
	if ((d = opendir(md->newd)) == NULL) {
		log_warn("inbox: %s", md->newd);
		return NULL;
	}
	while (*n < MD_MAX_NAMES && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		v = xreallocarray(v, *n + 1, sizeof *v);
		v[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	xqsort(v, *n, sizeof *v, name_cmp);
	return v != NULL ? v : xcalloc(1, sizeof *v);
}

/*
 * Reads new/NAME: at most cap bytes (*truncated when there were more).
 * NULL when it is gone or not a plain file.
 */
static char *
read_message(struct maildir *md, const char *name, size_t *len,
    int *truncated)
{
	struct stat	 st;
	char		*path, *buf = NULL;
	size_t		 want, got = 0;
	ssize_t		 r;
	int		 fd;

	xasprintf(&path, "%s/%s", md->newd, name);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (fd != -1 || errno != ENOENT)
			log_warnx("inbox: %s: not a readable file", path);
		goto out;
	}
	want = (size_t)st.st_size;
	*truncated = want > md->ib->cap;
	if (*truncated)
		want = md->ib->cap;
	buf = xmalloc(want + 1);
	while (got < want && (r = read(fd, buf + got, want - got)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			log_warn("inbox: %s", path);
			free(buf);
			buf = NULL;
			goto out;
		}
		got += (size_t)r;
	}
	buf[got] = '\0';
	*len = got;
out:
	if (fd != -1)
		close(fd);
	free(path);
	return buf;
}

/* new/NAME → cur/NAME:2,S (its flags kept if it has some). */
static void
mark_seen(struct maildir *md, const char *name)
{
	char	*from, *to;

	xasprintf(&from, "%s/%s", md->newd, name);
	if (strstr(name, ":2,") != NULL)
		xasprintf(&to, "%s/%s", md->curd, name);
	else
		xasprintf(&to, "%s/%s:2,S", md->curd, name);
	if (rename(from, to) == -1 && errno != ENOENT)
		log_warn("inbox: %s", to);
	free(from);
	free(to);
}

static void
schedule(struct maildir *md, double after)
{
	struct ev_loop	*loop = md->ib->k->loop;

	if (ev_is_active(&md->pass))
		return;
	ev_timer_set(&md->pass, after, 0.);
	ev_timer_start(loop, &md->pass);
}

/* One batch: read, record, mark. */
static void
pass(struct maildir *md)
{
	char	**names, *raw;
	size_t	  n, i, len = 0;
	int	  truncated = 0, failed = 0;

	if ((names = list_new(md, &n)) == NULL)
		return;
	for (i = 0; i < n && i < MD_BATCH && !failed; i++) {
		if ((raw = read_message(md, names[i], &len, &truncated)) ==
		    NULL)
			continue;
		if (inbox_process(md->ib, raw, len, truncated) == 0)
			mark_seen(md, names[i]);
		else
			failed = 1;
		free(raw);
	}
	if (failed) {
		/* Left in new/: tried again, less often while it fails. */
		md->retry = md->retry == 0 ? 1 : md->retry * 2;
		if (md->retry > MD_RETRY_MAX)
			md->retry = MD_RETRY_MAX;
		log_warnx("inbox: a message could not be recorded; trying "
		    "again in %.0f s", md->retry);
		schedule(md, md->retry);
	} else {
		md->retry = 0;
		if (n > MD_BATCH)
			schedule(md, 0.);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void
pass_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	ev_timer_stop(loop, w);
	pass(w->data);
}

static void
rescan_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct maildir	*md = w->data;

	(void)loop;
	(void)revents;
	if (md->retry == 0)
		schedule(md, 0.);
}

static void
inotify_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct maildir	*md = w->data;
	char		 ev[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t		 n;
	int		 i;

	(void)loop;
	(void)revents;
	/* The events say only "something arrived": drain, then pass. */
	for (i = 0; i < 64; i++) {
		n = read(md->ifd, ev, sizeof ev);
		if (n <= 0)
			break;
	}
	if (md->retry == 0)
		schedule(md, MD_SETTLE);
}

/* PATH and its tmp/, new/ and cur/, created 0700 when missing. */
static int
make_dirs(struct maildir *md, char **cause)
{
	const char	*sub[] = { "", "/tmp", "/new", "/cur" };
	char		*p;
	size_t		 i;

	for (i = 0; i < nitems(sub); i++) {
		xasprintf(&p, "%s%s", md->root, sub[i]);
		if (mkdir(p, 0700) == -1 && errno != EEXIST) {
			xasprintf(cause, "%s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	return 0;
}

struct maildir *
maildir_start(struct inbox *ib, const char *path, char **cause)
{
	struct koyomi	*k = ib->k;
	struct maildir	*md = xcalloc(1, sizeof *md);

	md->ib = ib;
	md->root = xstrdup(path);
	xasprintf(&md->newd, "%s/new", path);
	xasprintf(&md->curd, "%s/cur", path);
	md->ifd = -1;
	if (make_dirs(md, cause) == -1) {
		maildir_stop(md);
		return NULL;
	}
	ev_timer_init(&md->pass, pass_cb, 0., 0.);
	md->pass.data = md;
	ev_timer_init(&md->rescan, rescan_cb, k->conf->inbound_poll,
	    k->conf->inbound_poll);
	md->rescan.data = md;
	ev_timer_start(k->loop, &md->rescan);
	if ((md->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(md->ifd, md->newd, IN_CREATE | IN_MOVED_TO |
	    IN_CLOSE_WRITE) == -1)
		log_warn("inbox: inotify on %s; reading it every %u s",
		    md->newd, k->conf->inbound_poll);
	else {
		ev_io_init(&md->io, inotify_cb, md->ifd, EV_READ);
		md->io.data = md;
		ev_io_start(k->loop, &md->io);
	}
	/* What arrived while koyomi was down. */
	schedule(md, 0.);
	return md;
}

void
maildir_stop(struct maildir *md)
{
	struct ev_loop	*loop;

	if (md == NULL)
		return;
	loop = md->ib->k->loop;
	if (loop != NULL) {
		ev_timer_stop(loop, &md->pass);
		ev_timer_stop(loop, &md->rescan);
		if (md->ifd != -1)
			ev_io_stop(loop, &md->io);
	}
	if (md->ifd != -1)
		close(md->ifd);
	free(md->root);
	free(md->newd);
	free(md->curd);
	free(md);
}
