/*
 * feeds_cache.c — the in-memory feed entries (bytes, gzip, ETags,
 * Last-Modified) and the HTTP rules that depend on them only: conditional
 * requests, Accept-Encoding, feed names (see feeds.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/sha.h>
#include <zlib.h>

#include "calendars/log.h"
#include "daemon/feeds/feeds.h"

/* Public and private entries, each kept sorted by key. */
struct feeds_cache {
	struct feed_entry	**v[2];
	size_t			  n[2];
};

static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	"Fri", "Sat" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

void
feed_entry_ref(struct feed_entry *e)
{
	e->refs++;
}

void
feed_entry_unref(struct feed_entry *e)
{
	if (e == NULL || --e->refs > 0)
		return;
	free(e->key);
	free(e->body);
	free(e->gz);
	free(e);
}

/* Drops the cache's reference; responses in flight keep theirs. */
static void
feeds_entry_release(struct feed_entry *e)
{
	feed_entry_unref(e);
}

struct feeds_cache *
feeds_cache_new(void)
{
	return xcalloc(1, sizeof(struct feeds_cache));
}

void
feeds_cache_free(struct feeds_cache *c)
{
	size_t	i, p;

	if (c == NULL)
		return;
	for (p = 0; p < 2; p++) {
		for (i = 0; i < c->n[p]; i++)
			feeds_entry_release(c->v[p][i]);
		free(c->v[p]);
	}
	free(c);
}

/*
 * gzip (RFC 1952) at the highest level: it runs once per change, not per
 * request. zlib writes MTIME 0, so equal bytes give equal gzip bytes.
 */
static void
feeds_gzip(struct feed_entry *e)
{
	z_stream	z;
	uLong		bound;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		fatalx("feeds: deflateInit2");
	bound = deflateBound(&z, (uLong)e->len) + 32;
	e->gz = xmalloc(bound);
	z.next_in = (Bytef *)e->body;
	z.avail_in = (uInt)e->len;
	z.next_out = (Bytef *)e->gz;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		fatalx("feeds: deflate");
	e->gzlen = z.total_out;
	deflateEnd(&z);
}

static void
feeds_httpdate(time_t t, char *out, size_t len)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	/* By hand: strftime's names follow the locale. */
	snprintf(out, len, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    wdays[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Only while the entry is the cache's alone: entries are immutable. */
static void
feeds_entry_mtime(struct feed_entry *e, time_t t)
{
	e->mtime = t;
	feeds_httpdate(t, e->lastmod, sizeof(e->lastmod));
}

static struct feed_entry *
feeds_entry_new(const char *key, struct buf *b, time_t now)
{
	struct feed_entry	*e = xcalloc(1, sizeof(*e));

	unsigned char		 md[SHA256_DIGEST_LENGTH];
	char			 hex[2 * 16 + 1];

	e->key = xstrdup(key);
	e->len = b->len;
	e->body = buf_steal(b);
	if (e->body == NULL)
		e->body = xstrdup("");
	feeds_gzip(e);
	/* 128 bits of SHA-256: a strong validator of the exact bytes. */
	SHA256((const unsigned char *)e->body, e->len, md);
	hex_encode(md, 16, hex);
	snprintf(e->etag, sizeof(e->etag), "\"%s\"", hex);
	snprintf(e->etag_gz, sizeof(e->etag_gz), "\"%s-gz\"", hex);
	feeds_entry_mtime(e, now);
	e->refs = 1;
	return e;
}

/* Index of key in list p, or where it would go (*found = 0). */
static size_t
feeds_find(struct feeds_cache *c, int p, const char *key, int *found)
{
	size_t	lo = 0, hi = c->n[p], mid;
	int	r;

	*found = 0;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		r = strcmp(c->v[p][mid]->key, key);
		if (r == 0) {
			*found = 1;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
feeds_cache_put(struct feeds_cache *c, int private, const char *key,
    struct buf *b, time_t now)
{
	return feeds_cache_put_known(c, private, key, b, now, NULL);
}

int
feeds_cache_put_known(struct feeds_cache *c, int private, const char *key,
    struct buf *b, time_t now, const struct feed_stamp *known)
{
	struct feed_entry	*old, *e;
	size_t			 i;
	int			 p = private != 0, found;

	i = feeds_find(c, p, key, &found);
	if (found) {
		old = c->v[p][i];
		if (old->len == b->len && (b->len == 0 ||
		    memcmp(old->body, b->data, b->len) == 0)) {
			buf_free(b);
			return 0;
		}
		c->v[p][i] = feeds_entry_new(key, b, now);
		/* Never go back in time: Apple compares If-Modified-Since. */
		if (c->v[p][i]->mtime <= old->mtime)
			feeds_entry_mtime(c->v[p][i], old->mtime + 1);
		feeds_entry_release(old);
		return 1;
	}
	e = feeds_entry_new(key, b, now);
	/* What clients saw before a restart: the same date, or a later one. */
	if (known != NULL && strcmp(known->etag, e->etag) == 0)
		feeds_entry_mtime(e, known->mtime);
	else if (known != NULL && e->mtime <= known->mtime)
		feeds_entry_mtime(e, known->mtime + 1);
	/* An array of entry pointers, kept sorted by key. */
	c->v[p] = xreallocarray(c->v[p], c->n[p] + 1,
	    sizeof(struct feed_entry *));
	memmove(&c->v[p][i + 1], &c->v[p][i],
	    (c->n[p] - i) * sizeof(struct feed_entry *));
	c->v[p][i] = e;
	c->n[p]++;
	return 1;
}

void
feeds_cache_prune(struct feeds_cache *c, int private,
    const char *const *keep, size_t n)
{
	size_t	i, j, o = 0;
	int	p = private != 0, kept;

	for (i = 0; i < c->n[p]; i++) {
		for (kept = 0, j = 0; !kept && j < n; j++)
			kept = strcmp(keep[j], c->v[p][i]->key) == 0;
		if (kept)
			c->v[p][o++] = c->v[p][i];
		else
			feeds_entry_release(c->v[p][i]);
	}
	c->n[p] = o;
}

struct feed_entry *
feeds_cache_get(struct feeds_cache *c, int private, const char *key)
{
	size_t	i;
	int	found;

	i = feeds_find(c, private != 0, key, &found);
	return found ? c->v[private != 0][i] : NULL;
}

/* One entity-tag of an If-None-Match list against ours (weak compare). */
static int
feeds_tag_match(const struct feed_entry *e, const char *t, size_t n)
{
	if (n >= 2 && t[0] == 'W' && t[1] == '/') {
		t += 2;
		n -= 2;
	}
	return (n == strlen(e->etag) && memcmp(t, e->etag, n) == 0) ||
	    (n == strlen(e->etag_gz) && memcmp(t, e->etag_gz, n) == 0);
}

/* IMF-fixdate only ("Sun, 06 Nov 1994 08:49:37 GMT"); -1 otherwise. */
static time_t
feeds_parse_httpdate(const char *s)
{
	struct tm	tm;
	char		wd[4], mon[4], zone[4];
	int		i, used = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%3s, %2d %3s %4d %2d:%2d:%2d %3s%n", wd, &tm.tm_mday,
	    mon, &tm.tm_year, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, zone,
	    &used) != 8 || s[used] != '\0' || strcmp(zone, "GMT") != 0)
		return -1;
	for (i = 0; i < 12 && strcmp(mon, months[i]) != 0; i++)
		;
	if (i == 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_mon = i;
	tm.tm_year -= 1900;
	return timegm(&tm);
}

int
feeds_not_modified(const struct feed_entry *e, const char *inm,
    const char *ims)
{
	const char	*p, *q;
	time_t		 t;

	if (inm != NULL) {
		for (p = inm; *p != '\0'; p = *q == ',' ? q + 1 : q) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '*')
				return 1;
			for (q = p; *q != '\0' && *q != ','; q++)
				;
			while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
				q--;
			if (feeds_tag_match(e, p, (size_t)(q - p)))
				return 1;
			while (*q == ' ' || *q == '\t')
				q++;
		}
		return 0;
	}
	if (ims != NULL && (t = feeds_parse_httpdate(ims + strspn(ims,
	    " \t"))) != -1)
		return e->mtime <= t;
	return 0;
}

int
feeds_accepts_gzip(const char *ae)
{
	const char	*p, *end, *q;
	size_t		 n;
	double		 qv;

	for (p = ae; p != NULL && *p != '\0'; p = *end == ',' ? end + 1 : end) {
		p += strspn(p, " \t");
		end = p + strcspn(p, ",");
		n = strcspn(p, " \t;,");
		if (!((n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		    (n == 6 && strncasecmp(p, "x-gzip", 6) == 0) ||
		    (n == 1 && *p == '*')))
			continue;
		qv = 1;
		for (q = p + n; q < end; q++)
			if ((*q == 'q' || *q == 'Q') && q[1] == '=')
				qv = strtod(q + 2, NULL);
		if (qv > 0)
			return 1;
	}
	return 0;
}

int
feeds_name_ok(const char *s, size_t len)
{
	size_t	i;

	/* No leading dot: no ".", "..", nor hidden names. */
	if (len == 0 || len > 128 || s[0] == '.')
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}
