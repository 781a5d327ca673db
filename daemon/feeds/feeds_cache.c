/*
 * feeds_cache.c — the in-memory feed entries (bytes, gzip, ETags,
 * Last-Modified) and the HTTP rules that depend on them only: conditional
 * requests, Accept-Encoding, feed names (see feeds_cache.h).
 */
#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/sha.h>
#include <zlib.h>

#include "calendars/log.h"
#include "daemon/feeds/feeds_cache.h"

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

/*
 * Drops the cache's reference and the HTTP answers kept for the entry;
 * responses in flight keep theirs.
 */
static void
feeds_entry_release(struct feed_entry *e)
{
	size_t	i;

	for (i = 0; i < FEED_NRESP; i++)
		if (e->resp[i] != NULL) {
			e->resp_drop(e->resp[i]);
			e->resp[i] = NULL;
		}
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

/*
 * An HTTP-date (RFC 9110 5.6.7): IMF-fixdate, and the obsolete RFC 850
 * and asctime forms a recipient must accept; -1 when it is none of them.
 * libcurl's parser reads all three (and more, which is harmless here: a
 * date that parses is compared, one that does not is ignored).
 */
static time_t
feeds_parse_httpdate(const char *s)
{
	time_t	t;

	if (*s == '\0' || strlen(s) > 64)
		return -1;
	t = curl_getdate(s, NULL);
	return t < 0 ? -1 : t;
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

/*
 * A qvalue (RFC 9110 12.4.2): "0", "0.xxx", "1", "1.000", in thousandths;
 * -1 when malformed.
 */
static int
feeds_qvalue(const char *p, size_t n)
{
	int	 v, scale = 100;
	size_t	 i;

	if (n == 0 || (p[0] != '0' && p[0] != '1'))
		return -1;
	v = (p[0] - '0') * 1000;
	if (n == 1)
		return v;
	if (p[1] != '.' || n > 5)
		return -1;
	for (i = 2; i < n; i++, scale /= 10) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v += (p[i] - '0') * scale;
	}
	return v > 1000 ? -1 : v;
}

/*
 * Reads one element "coding *( OWS ; OWS param )" of p..end: the coding
 * is p[0..*n), the weight its q parameter (1000 without one). -1 when the
 * element is malformed, which then counts as absent.
 */
static int
feeds_coding(const char *p, const char *end, size_t *n, int *q)
{
	const char	*v;
	size_t		 len;

	*n = strcspn(p, " \t;,");
	*q = 1000;
	for (p += *n; p < end; ) {
		p += strspn(p, " \t");
		if (p >= end)
			break;
		if (*p++ != ';')
			return -1;
		p += strspn(p, " \t");
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			v = p + 2;
			len = strcspn(v, " \t;,");
			if (v + len > end || (*q = feeds_qvalue(v, len)) == -1)
				return -1;
			p = v + len;
		} else
			p += strcspn(p, ";,");
	}
	return 0;
}

enum feeds_coding
feeds_choose_coding(const char *ae)
{
	const char	*p, *end;
	size_t		 n;
	int		 q, qgz = -1, qid = -1, qstar = -1, i;

	/* No field: anything goes; identity, as clients without it expect. */
	if (ae == NULL)
		return FEEDS_IDENTITY;
	for (p = ae, i = 0; *p != '\0' && i < 64; p = *end == ',' ? end + 1 :
	    end, i++) {
		p += strspn(p, " \t");
		end = p + strcspn(p, ",");
		if (p == end || feeds_coding(p, end, &n, &q) == -1)
			continue;
		if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		    (n == 6 && strncasecmp(p, "x-gzip", 6) == 0))
			qgz = q > qgz ? q : qgz;
		else if (n == 8 && strncasecmp(p, "identity", 8) == 0)
			qid = q;
		else if (n == 1 && *p == '*')
			qstar = q;
	}
	/* "*" stands for every coding the field does not name. */
	if (qgz == -1)
		qgz = qstar == -1 ? 0 : qstar;
	if (qid == -1)
		qid = qstar == -1 ? 1 : qstar;
	if (qgz > 0 && qgz >= qid)
		return FEEDS_GZIP;
	if (qid > 0)
		return FEEDS_IDENTITY;
	return qgz > 0 ? FEEDS_GZIP : FEEDS_NONE;
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
