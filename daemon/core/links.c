/*
 * links.c — completion link tokens and the key file (links.h).
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/core/links.h"
#include "notifier/base64.h"

#define LINKS_VERSION	1
#define LINKS_MAC_LEN	32
#define LINKS_HDR_LEN	(1 + 8 + 8 + 1)
#define LINKS_MAX_RAW	(LINKS_HDR_LEN + LINKS_ASSIGNEE_MAX + LINKS_MAC_LEN)
/* Separates these MACs from anything else the key may ever sign. */
static const char links_context[] = "koyomi completion link v1";
static const char reply_context[] = "koyomi reply address v1";
static const char bounce_context[] = "koyomi bounce address v1";
#define REPLY_SIG_BYTES	10	/* 80 bits: 16 base32 letters */
#define REPLY_SIG_LEN	16
#define REPLY_TASK_MAX	18	/* decimal digits of a task id */


static void
put64(unsigned char *p, uint64_t v)
{
	int	 i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
links_mac(const unsigned char *key, const unsigned char *msg, size_t n,
    unsigned char mac[LINKS_MAC_LEN])
{
	unsigned char	 in[sizeof links_context + LINKS_MAX_RAW];
	unsigned int	 maclen = LINKS_MAC_LEN;

	memcpy(in, links_context, sizeof links_context);
	memcpy(in + sizeof links_context, msg, n);
	if (HMAC(EVP_sha256(), key, LINKS_KEY_LEN, in,
	    sizeof links_context + n, mac, &maclen) == NULL)
		fatalx("links: HMAC-SHA256 failed");
}

char *
links_make(const unsigned char key[LINKS_KEY_LEN], int64_t task,
    const char *assignee, time_t expires)
{
	unsigned char	 raw[LINKS_MAX_RAW];
	size_t		 alen = strlen(assignee), n;
	struct buf	 out;

	if (alen == 0 || alen > LINKS_ASSIGNEE_MAX)
		return NULL;
	raw[0] = LINKS_VERSION;
	put64(raw + 1, (uint64_t)task);
	put64(raw + 9, (uint64_t)(int64_t)expires);
	raw[17] = (unsigned char)alen;
	/* Bytes with a length prefix, not a C string. */
	memcpy(raw + LINKS_HDR_LEN, assignee, alen);	/* NOLINT(bugprone-not-null-terminated-result) */
	n = LINKS_HDR_LEN + alen;
	links_mac(key, raw, n, raw + n);
	buf_init(&out);
	b64url_encode(&out, raw, n + LINKS_MAC_LEN);
	return buf_steal(&out);
}

enum links_verdict
links_verify(const unsigned char key[LINKS_KEY_LEN], const char *token,
    time_t now, int64_t *task, char *assignee)
{
	unsigned char	 raw[LINKS_MAX_RAW], mac[LINKS_MAC_LEN];
	size_t		 n, alen;

	if (token == NULL ||
	    b64url_decode(token, raw, sizeof raw, &n) == -1 ||
	    n < LINKS_HDR_LEN + 1 + LINKS_MAC_LEN)
		return LINKS_BAD;
	alen = raw[17];
	if (raw[0] != LINKS_VERSION || alen == 0 ||
	    alen > LINKS_ASSIGNEE_MAX ||
	    n != LINKS_HDR_LEN + alen + LINKS_MAC_LEN)
		return LINKS_BAD;
	links_mac(key, raw, n - LINKS_MAC_LEN, mac);
	if (CRYPTO_memcmp(mac, raw + n - LINKS_MAC_LEN, LINKS_MAC_LEN) != 0)
		return LINKS_BAD;
	*task = (int64_t)get64(raw + 1);
	memcpy(assignee, raw + LINKS_HDR_LEN, alen);
	assignee[alen] = '\0';
	if ((int64_t)get64(raw + 9) < (int64_t)now)
		return LINKS_EXPIRED;
	return LINKS_OK;
}

/* Reads exactly one key from an existing file, checking its mode. */
static int
key_read(int fd, const char *path, unsigned char *key, char **cause)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		xasprintf(cause, "%s: secret key file is accessible by group "
		    "or others (mode %03o); chmod 600 it", path,
		    (unsigned)(st.st_mode & 0777));
		return -1;
	}
	if (st.st_size != LINKS_KEY_LEN ||
	    read(fd, key, LINKS_KEY_LEN) != LINKS_KEY_LEN) {
		xasprintf(cause, "%s: secret key file must hold exactly %d "
		    "bytes", path, LINKS_KEY_LEN);
		return -1;
	}
	return 0;
}

/* A fresh key, written to a temporary file and linked into place. */
static int
key_create(const char *path, char **cause)
{
	unsigned char	 key[LINKS_KEY_LEN];
	char		*tmp;
	int		 fd, rc = -1;

	xasprintf(&tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (fchmod(fd, 0600) == -1 ||
	    getrandom(key, sizeof key, 0) != (ssize_t)sizeof key ||
	    write(fd, key, sizeof key) != (ssize_t)sizeof key ||
	    fsync(fd) == -1) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	/* link(2) fails if another process created the key meanwhile. */
	if (link(tmp, path) == -1 && errno != EEXIST) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(key, sizeof key);
	close(fd);
	unlink(tmp);
	free(tmp);
	return rc;
}

int
links_key_load(const char *path, unsigned char key[LINKS_KEY_LEN],
    char **cause)
{
	int	 fd, rc;

	if (path == NULL || *path == '\0') {
		*cause = xstrdup("no secret_key_file configured");
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		if (key_create(path, cause) == -1)
			return -1;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = key_read(fd, path, key, cause);
	close(fd);
	return rc;
}

/*
 * The 16 base32 letters (a-z2-7) of the signature of id under ctx (the
 * context string with its NUL): a task's reply address, or an outbox
 * row's bounce address, never one for the other.
 */
static void
tag_sig(const unsigned char *key, const char *ctx, size_t ctxlen, int64_t id,
    char out[REPLY_SIG_LEN + 1])
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char	 in[64 + 24], mac[LINKS_MAC_LEN];
	unsigned int	 maclen = LINKS_MAC_LEN;
	unsigned	 acc = 0;
	int		 bits = 0, n, i, o = 0;

	if (ctxlen > 64)
		fatalx("links: context too long");
	memcpy(in, ctx, ctxlen);
	n = snprintf((char *)in + ctxlen, 24, "%lld", (long long)id);
	if (HMAC(EVP_sha256(), key, LINKS_KEY_LEN, in,
	    ctxlen + (size_t)n, mac, &maclen) == NULL)
		fatalx("links: HMAC-SHA256 failed");
	for (i = 0; i < REPLY_SIG_BYTES; i++) {
		acc = (acc << 8 | mac[i]) & 0xfff;
		for (bits += 8; bits >= 5; bits -= 5)
			out[o++] = alpha[(acc >> (bits - 5)) & 31];
	}
	out[o] = '\0';
}

static void
reply_sig(const unsigned char *key, int64_t task, char out[REPLY_SIG_LEN + 1])
{
	tag_sig(key, reply_context, sizeof reply_context, task, out);
}

void
links_reply_tag(const unsigned char key[LINKS_KEY_LEN], int64_t task,
    char tag[LINKS_TAG_MAX])
{
	char	 sig[REPLY_SIG_LEN + 1];

	reply_sig(key, task, sig);
	snprintf(tag, LINKS_TAG_MAX, "%lld.%s", (long long)task, sig);
}

/* "ID.SIG" (the SIG in any case) under ctx: 0 and *out, or -1. */
static int
tag_check(const unsigned char *key, const char *ctx, size_t ctxlen,
    const char *tag, int64_t *out)
{
	char		 sig[REPLY_SIG_LEN + 1], got[REPLY_SIG_LEN + 1];
	const char	*dot;
	long long	 id = 0;
	size_t		 nd, i;

	/* Canonical decimal only: one task has one tag. */
	nd = strspn(tag, "0123456789");
	if (nd == 0 || nd > REPLY_TASK_MAX || tag[0] == '0' ||
	    *(dot = tag + nd) != '.' || strlen(dot + 1) != REPLY_SIG_LEN)
		return -1;
	for (i = 0; i < nd; i++)
		id = id * 10 + (tag[i] - '0');
	for (i = 0; i < REPLY_SIG_LEN; i++)
		got[i] = (char)(dot[1 + i] >= 'A' && dot[1 + i] <= 'Z' ?
		    dot[1 + i] - 'A' + 'a' : dot[1 + i]);
	got[REPLY_SIG_LEN] = '\0';
	tag_sig(key, ctx, ctxlen, id, sig);
	if (CRYPTO_memcmp(sig, got, REPLY_SIG_LEN) != 0)
		return -1;
	*out = id;
	return 0;
}

int
links_reply_check(const unsigned char key[LINKS_KEY_LEN], const char *tag,
    int64_t *task)
{
	return tag_check(key, reply_context, sizeof reply_context, tag, task);
}

char *
links_reply_address(const unsigned char key[LINKS_KEY_LEN], int64_t task,
    const char *base, const char *delim)
{
	const char	*at = strrchr(base, '@');
	char		 tag[LINKS_TAG_MAX], *out;

	if (at == NULL || at == base || at[1] == '\0')
		return NULL;
	links_reply_tag(key, task, tag);
	xasprintf(&out, "%.*s%s%s%s", (int)(at - base), base, delim, tag, at);
	return out;
}

/*
 * The tag of addr, an address of base: LINKS_REPLY_OK with tag set,
 * LINKS_REPLY_UNTAGGED for base itself, LINKS_REPLY_OTHER, or
 * LINKS_REPLY_BAD when the tag is too long to be one of ours.
 */
static enum links_reply
addr_tag(const char *base, const char *delim, const char *addr,
    char tag[LINKS_TAG_MAX])
{
	const char	*bat = strrchr(base, '@'), *aat = strrchr(addr, '@');
	size_t		 nl, dl = strlen(delim), tl;

	if (bat == NULL || aat == NULL || strcasecmp(bat, aat) != 0)
		return LINKS_REPLY_OTHER;
	nl = (size_t)(bat - base);
	if ((size_t)(aat - addr) == nl && strncasecmp(addr, base, nl) == 0)
		return LINKS_REPLY_UNTAGGED;
	if ((size_t)(aat - addr) <= nl + dl ||
	    strncasecmp(addr, base, nl) != 0 ||
	    strncmp(addr + nl, delim, dl) != 0)
		return LINKS_REPLY_OTHER;
	tl = (size_t)(aat - addr) - nl - dl;
	if (tl >= LINKS_TAG_MAX)
		return LINKS_REPLY_BAD;
	memcpy(tag, addr + nl + dl, tl);
	tag[tl] = '\0';
	return LINKS_REPLY_OK;
}

enum links_reply
links_reply_parse(const unsigned char key[LINKS_KEY_LEN], const char *base,
    const char *delim, const char *addr, int64_t *task)
{
	char			 tag[LINKS_TAG_MAX];
	enum links_reply	 r;

	if ((r = addr_tag(base, delim, addr, tag)) != LINKS_REPLY_OK)
		return r;
	/* A tag that is not a task's (no digits first): not ours to judge. */
	if (tag[0] < '0' || tag[0] > '9')
		return LINKS_REPLY_UNTAGGED;
	return links_reply_check(key, tag, task) == 0 ? LINKS_REPLY_OK :
	    LINKS_REPLY_BAD;
}

char *
links_bounce_address(const unsigned char key[LINKS_KEY_LEN], int64_t id,
    const char *base, const char *delim)
{
	const char	*at = strrchr(base, '@');
	char		 sig[REPLY_SIG_LEN + 1], *out;

	if (at == NULL || at == base || at[1] == '\0' || id <= 0)
		return NULL;
	tag_sig(key, bounce_context, sizeof bounce_context, id, sig);
	xasprintf(&out, "%.*s%sb%lld.%s%s", (int)(at - base), base, delim,
	    (long long)id, sig, at);
	return out;
}

int
links_bounce_parse(const unsigned char key[LINKS_KEY_LEN], const char *base,
    const char *delim, const char *addr, int64_t *id)
{
	char	 tag[LINKS_TAG_MAX];

	if (addr_tag(base, delim, addr, tag) != LINKS_REPLY_OK ||
	    (tag[0] != 'b' && tag[0] != 'B'))
		return -1;
	return tag_check(key, bounce_context, sizeof bounce_context, tag + 1,
	    id);
}
