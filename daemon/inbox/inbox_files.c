/*
 * inbox_files.c — attachments on disk (inbox.h, inbox_int.h): one file
 * per content under DBDIR/attachments/XX/SHA256, written to a temporary
 * name, synced and renamed into place, so a crash leaves either the
 * whole file or none, and storing the same bytes twice is harmless.
 * They are written before the transaction that records them: a crash in
 * between leaves a file nobody names, which the next try writes again.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "calendars/util.h"
#include "daemon/core/conf.h"
#include "daemon/inbox/inbox.h"
#include "daemon/inbox/inbox_int.h"

char *
inbox_files_dir(const struct conf *c)
{
	char	*db = xstrdup(c->database), *dir;

	xasprintf(&dir, "%s/attachments", dirname(db));
	free(db);
	return dir;
}

char *
inbox_file_path(const struct conf *c, const char *sha)
{
	char	*dir = inbox_files_dir(c), *p;

	xasprintf(&p, "%s/%.2s/%s", dir, sha, sha);
	free(dir);
	return p;
}

static int
mkdir_ok(const char *path)
{
	return mkdir(path, 0700) == 0 || errno == EEXIST;
}

/* Writes all of data to fd. */
static int
write_all(int fd, const unsigned char *data, size_t len)
{
	ssize_t	 n;
	size_t	 off = 0;

	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

int
inbox_file_store(const char *dir, const unsigned char *data, size_t len,
    char sha[65], char **cause)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	struct stat	 st;
	char		*sub, *path, *tmp;
	int		 fd = -1, dfd, rc = -1;

	SHA256(data, len, md);
	hex_encode(md, sizeof md, sha);
	xasprintf(&sub, "%s/%.2s", dir, sha);
	xasprintf(&path, "%s/%s", sub, sha);
	xasprintf(&tmp, "%s/.%s.XXXXXX", sub, sha);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size == len) {
		rc = 0;
		goto out;
	}
	if (!mkdir_ok(dir) || !mkdir_ok(sub) || (fd = mkstemp(tmp)) == -1) {
		xasprintf(cause, "%s: %s", sub, strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len) == -1 || fsync(fd) == -1 ||
	    close(fd) == -1) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		fd = -1;
		unlink(tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* The rename itself must outlive a crash: sync the folder. */
	if ((dfd = open(sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	free(sub);
	free(path);
	free(tmp);
	return rc;
}

int
inbox_file_read(const struct conf *c, const char *sha, struct buf *out,
    char **cause)
{
	struct stat	 st;
	char		*path, chunk[65536];
	ssize_t		 n;
	size_t		 total = 0;
	int		 fd;

	if (strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64) {
		*cause = xstrdup("bad file name");
		return -1;
	}
	path = inbox_file_path(c, sha);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s: %s", path, fd == -1 ? strerror(errno) :
		    "not a file");
		if (fd != -1)
			close(fd);
		free(path);
		return -1;
	}
	/* Bounded by the file's size at open: it never changes anyway. */
	while (total < (size_t)st.st_size &&
	    (n = read(fd, chunk, sizeof chunk)) > 0) {
		buf_append(out, chunk, (size_t)n);
		total += (size_t)n;
	}
	close(fd);
	free(path);
	if (total != (size_t)st.st_size) {
		*cause = xstrdup("short read");
		return -1;
	}
	return 0;
}
