/*
 * feeds_http.c — GET/HEAD /feeds/NAME.ics and /feeds/private/TOKEN.ics
 * (design §6). The feeds module itself starts in feeds/feeds.c.
 *
 * A request never builds, compresses or copies, nor allocates: it looks
 * an entry up and queues one of the entry's four answers (identity,
 * gzip, and a 304 for each), made on the first request that needs it,
 * with every header in place (they depend on the bytes alone), and kept
 * with the entry until the cache lets it go (feeds_cache.h). An answer
 * borrows the cached bytes with a reference on the entry that MHD drops
 * once no client is being sent it, so a rebuild in between cannot free
 * bytes still being sent. The path is only ever compared with names in
 * memory: nothing here touches the filesystem, and a name outside
 * [A-Za-z0-9._-] is answered 404 before any lookup.
 *
 * Public identity bodies of 16 to 128 KB (one sendfile chunk of MHD) go
 * out with sendfile(2) from a sealed memfd of the bytes, as nginx sends
 * its file: no copy through user space, a fifth less CPU per request.
 * Larger ones are written from memory: MHD corks the socket around each
 * 128 KB chunk, and on loopback that halved the throughput of a 500 KB
 * feed against nginx (0.45-0.59x) where a plain write reaches 1x
 * (bench/README.md, "Feeds"). Private feeds, one per organisation and
 * contact, stay in memory: a memfd each would be thousands of open
 * files.
 */
#include <sys/mman.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendars/log.h"
#include "daemon/feeds/feeds.h"
#include "daemon/http/http.h"
#include "daemon/http/routes.h"
#include "daemon/core/koyomi.h"

#define FEEDS_CTYPE		"text/calendar; charset=utf-8"
/* Public feeds may sit in shared caches; private ones only in the client's. */
#define FEEDS_CC_PUBLIC		"public, max-age=900"
#define FEEDS_CC_PRIVATE	"private, max-age=900"
#define FEEDS_PRIVATE_PREFIX	"private/"
/* Identity bodies this size go out with sendfile(2): one MHD chunk. */
#define FEEDS_SENDFILE_MIN	((size_t)16 * 1024)
#define FEEDS_SENDFILE_MAX	((size_t)128 * 1024)

/* The four answers kept in feed_entry.resp[]. */
enum { FR_IDENTITY, FR_GZIP, FR_SAME, FR_SAME_GZ };

static void
feeds_release(void *arg)
{
	feed_entry_unref(arg);
}

static void
feeds_resp_drop(void *r)
{
	http_resp_free(r);
}

/* A sealed memfd holding the bytes, or -1 (then they are written). */
static int
feeds_memfd(const struct feed_entry *e)
{
	size_t	 off = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = memfd_create("koyomi-feed", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) == -1)
		return -1;
	while (off < e->len) {
		if ((n = write(fd, e->body + off, e->len - off)) <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	/* What a client is sent can never change under it. */
	(void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL);
	return fd;
}

/* Answer which of entry e (private or public), made on first use. */
static struct http_resp *
feeds_resp(struct feed_entry *e, int private, int which)
{
	struct http_resp	*r;
	int			 gz = which == FR_GZIP || which == FR_SAME_GZ;
	int			 fd;

	if (e->resp[which] != NULL)
		return e->resp[which];
	if (which == FR_SAME || which == FR_SAME_GZ)
		r = http_resp_new(NULL, "", 0, NULL, NULL);
	else if (!gz && !private && e->len >= FEEDS_SENDFILE_MIN &&
	    e->len <= FEEDS_SENDFILE_MAX && (fd = feeds_memfd(e)) != -1)
		r = http_resp_fd(FEEDS_CTYPE, fd, e->len);
	else {
		r = http_resp_new(FEEDS_CTYPE, gz ? e->gz : e->body,
		    gz ? e->gzlen : e->len, feeds_release, e);
		if (r != NULL)
			feed_entry_ref(e);
	}
	if (r == NULL)
		return NULL;
	/* Every answer, 304 included, names its representation. */
	http_resp_header(r, "ETag", gz ? e->etag_gz : e->etag);
	http_resp_header(r, "Last-Modified", e->lastmod);
	http_resp_header(r, "Cache-Control", private ? FEEDS_CC_PRIVATE :
	    FEEDS_CC_PUBLIC);
	http_resp_header(r, "Vary", "Accept-Encoding");
	if (which == FR_GZIP)
		http_resp_header(r, "Content-Encoding", "gzip");
	e->resp[which] = r;
	e->resp_drop = feeds_resp_drop;
	return r;
}

/* "NAME.ics" → NAME in out (len), or -1 when the shape is wrong. */
static int
feeds_strip(const char *s, char *out, size_t len)
{
	size_t	n = strlen(s);

	if (n <= 4 || n - 4 >= len || strcmp(s + n - 4, ".ics") != 0)
		return -1;
	if (!feeds_name_ok(s, n - 4))
		return -1;
	memcpy(out, s, n - 4);
	out[n - 4] = '\0';
	return 0;
}

static void
feeds_serve(struct http_req *req, struct feed_entry *e, int private)
{
	enum feeds_coding	 cod;
	int			 gz;

	cod = feeds_choose_coding(http_header(req, "Accept-Encoding"));
	if (cod == FEEDS_NONE) {
		http_add_header(req, "Vary", "Accept-Encoding");
		http_reply_json_error(req, 406, "neither identity nor gzip is "
		    "acceptable");
		return;
	}
	gz = cod == FEEDS_GZIP;
	if (feeds_not_modified(e, http_header(req, "If-None-Match"),
	    http_header(req, "If-Modified-Since")))
		http_reply_resp(req, 304, feeds_resp(e, private,
		    gz ? FR_SAME_GZ : FR_SAME));
	else
		http_reply_resp(req, 200, feeds_resp(e, private,
		    gz ? FR_GZIP : FR_IDENTITY));
}

void
feeds_handler(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct feed_entry	*e = NULL;
	const char		*suffix = http_suffix(req);
	char			 name[160];
	int			 private = 0;

	if (strncmp(suffix, FEEDS_PRIVATE_PREFIX,
	    strlen(FEEDS_PRIVATE_PREFIX)) == 0) {
		private = 1;
		suffix += strlen(FEEDS_PRIVATE_PREFIX);
	}
	if (feeds_strip(suffix, name, sizeof(name)) == 0)
		e = private ? feeds_private(k, name) : feeds_public(k, name);
	/* A wrong token looks exactly like an unknown feed: 404, not 403. */
	if (e == NULL) {
		http_reply_json_error(req, 404, "unknown feed");
		return;
	}
	feeds_serve(req, e, private);
}
