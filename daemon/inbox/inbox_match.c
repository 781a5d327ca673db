/*
 * inbox_match.c — judging a message read from the inbound mailbox
 * (inbox_match.h): machine-made or not, which task its reply address
 * names, whether its sender may answer for it; file names and survey
 * answers. Pure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calendars/util.h"
#include "daemon/inbox/inbox_match.h"

#define LIST_HEADERS_MAX	8

char *
inbox_lower(char *s)
{
	char	*p;

	for (p = s; p != NULL && *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

/* The first word of a header value: no blanks, comments or parameters. */
static void
first_word(const char *v, char *out, size_t len)
{
	size_t	 n;

	v += strspn(v, " \t");
	n = strcspn(v, " \t;(\r\n");
	if (n >= len)
		n = len - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

static unsigned
header_flags(const struct inbox_hdr *h)
{
	static const char *const lists[LIST_HEADERS_MAX] = { "List-Id",
		"List-Unsubscribe", "List-Post", "List-Help",
		"List-Subscribe", "List-Owner", "List-Archive", NULL };
	char		 w[64];
	const char	*at;
	size_t		 i;

	if (h->name == NULL || h->value == NULL)
		return 0;
	first_word(h->value, w, sizeof w);
	if (strcasecmp(h->name, "Auto-Submitted") == 0)
		return strcasecmp(w, "no") != 0 ? INBOX_AUTO_SUBMITTED : 0;
	if (strcasecmp(h->name, "Precedence") == 0)
		return strcasecmp(w, "bulk") == 0 || strcasecmp(w, "list") == 0 ||
		    strcasecmp(w, "junk") == 0 ? INBOX_AUTO_PRECEDENCE : 0;
	if (strcasecmp(h->name, "X-Autoreply") == 0 ||
	    strcasecmp(h->name, "X-Autorespond") == 0 ||
	    strcasecmp(h->name, "X-Auto-Reply") == 0)
		return INBOX_AUTO_XHEADER;
	if (strcasecmp(h->name, "Return-Path") == 0) {
		/* "<>" possibly with blanks: the null reverse path. */
		for (at = h->value; *at == ' ' || *at == '\t'; at++)
			;
		return strncmp(at, "<>", 2) == 0 ? INBOX_AUTO_NULL_PATH : 0;
	}
	if (strcasecmp(h->name, "From") == 0)
		return strcasestr(h->value, "mailer-daemon@") != NULL ?
		    INBOX_AUTO_DAEMON : 0;
	for (i = 0; lists[i] != NULL; i++)
		if (strcasecmp(h->name, lists[i]) == 0)
			return INBOX_AUTO_LIST;
	return 0;
}

unsigned
inbox_auto_flags(const struct inbox_hdr *h, size_t n,
    const char *content_type)
{
	unsigned	 f = 0;
	char		 w[64];
	size_t		 i;

	for (i = 0; i < n; i++)
		f |= header_flags(&h[i]);
	if (content_type != NULL) {
		first_word(content_type, w, sizeof w);
		if (strcasecmp(w, "multipart/report") == 0)
			f |= INBOX_AUTO_REPORT;
	}
	return f;
}

const char *
inbox_auto_reason(unsigned f)
{
	if (f & INBOX_AUTO_REPORT)
		return "配信状況の通知（multipart/report）";
	if (f & INBOX_AUTO_NULL_PATH)
		return "差出人のない通知（Return-Path: <>）";
	if (f & INBOX_AUTO_DAEMON)
		return "メールサーバからの通知（MAILER-DAEMON）";
	if (f & INBOX_AUTO_SUBMITTED)
		return "自動送信のメール（Auto-Submitted）";
	if (f & INBOX_AUTO_XHEADER)
		return "自動応答（X-Autoreply）";
	if (f & INBOX_AUTO_PRECEDENCE)
		return "一斉配信のメール（Precedence）";
	if (f & INBOX_AUTO_LIST)
		return "メーリングリストのメール（List-*）";
	return NULL;
}

static void
strv_free(char **v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
inbox_facts_free(struct inbox_facts *f)
{
	size_t	 i;

	free(f->msgid);
	free(f->from);
	free(f->subject);
	strv_free(f->rcpts, f->nrcpts);
	strv_free(f->refs, f->nrefs);
	free(f->dsn.orig_msgid);
	strv_free(f->dsn.failed, f->dsn.nfailed);
	free(f->dsn.status);
	free(f->first_line);
	for (i = 0; i < f->nparts; i++) {
		free(f->parts[i].name);
		free(f->parts[i].type);
		free(f->parts[i].data);
	}
	free(f->parts);
	memset(f, 0, sizeof *f);
}

/* The task the message's reply addresses name; see inbox_decide. */
static const char *
tag_task(const struct inbox_facts *f, const struct inbox_env *e,
    int64_t *task)
{
	int64_t		 t;
	size_t		 i;
	int		 forged = 0, several = 0;

	*task = 0;
	for (i = 0; i < f->nrcpts; i++) {
		switch (links_reply_parse(e->key, e->base, e->delim,
		    f->rcpts[i], &t)) {
		case LINKS_REPLY_OK:
			if (*task != 0 && *task != t)
				several = 1;
			*task = t;
			break;
		case LINKS_REPLY_BAD:
			forged = 1;
			break;
		default:
			break;
		}
	}
	if (forged) {
		*task = 0;
		return "返信先アドレスの署名が正しくありません（改変または偽造）";
	}
	if (several) {
		*task = 0;
		return "複数の提出物の返信先アドレスに宛てられています";
	}
	if (*task == 0)
		return "提出物ごとの返信先アドレス宛てではありません";
	return NULL;
}

/* The task the first known In-Reply-To / References names: 0, 1, -1. */
static int
ref_task(const struct inbox_facts *f, const struct inbox_env *e,
    int64_t *task)
{
	size_t	 i;
	int	 rc;

	*task = 0;
	for (i = 0; i < f->nrefs && i < 64; i++)
		if ((rc = e->ref_task(e->arg, f->refs[i], task)) != 1)
			return rc;
	return 1;
}

static void
verdict(struct inbox_verdict *v, enum inbox_kind kind, int64_t task,
    const char *reason)
{
	v->kind = kind;
	v->task = task;
	v->reason = reason;
	v->ncandidates = 0;
	v->bounced = 0;
}

/* The outbox row a bounce address among the recipients names, or 0. */
static int64_t
bounce_row(const struct inbox_facts *f, const struct inbox_env *e)
{
	int64_t	 id;
	size_t	 i;

	for (i = 0; i < f->nrcpts; i++)
		if (links_bounce_parse(e->key, e->base, e->delim, f->rcpts[i],
		    &id) == 0)
			return id;
	return 0;
}

/*
 * A reply to a digest: the live tasks of the first digest its
 * In-Reply-To / References name, into v->candidates. 0 (none found
 * included) or -1.
 */
static int
digest_candidates(const struct inbox_facts *f, const struct inbox_env *e,
    struct inbox_verdict *v)
{
	int64_t	 tasks[INBOX_CANDIDATES_MAX];
	size_t	 i, j, n;
	int	 rc;

	v->ncandidates = 0;
	if (e->digest_tasks == NULL)
		return 0;
	for (i = 0; i < f->nrefs && i < 64; i++) {
		rc = e->digest_tasks(e->arg, f->refs[i], tasks, nitems(tasks),
		    &n);
		if (rc == -1)
			return -1;
		if (rc == 1)
			continue;
		for (j = 0; j < n && j < nitems(tasks); j++) {
			if ((rc = e->task_live(e->arg, tasks[j])) == -1)
				return -1;
			if (rc == 1)
				v->candidates[v->ncandidates++] = tasks[j];
		}
		return 0;
	}
	return 0;
}

/* Bounces and machine-made mail: 1 when it settled the verdict. */
static int
decide_auto(const struct inbox_facts *f, const struct inbox_env *e,
    struct inbox_verdict *v)
{
	int64_t	 id;
	int	 rc;

	/*
	 * A delivery report, or a mail from a mailer daemon, sent back to
	 * the bounce address of one of our messages (VERP): that message
	 * bounced, whatever the report quotes of it. An auto-reply to the
	 * same address (a vacation notice: no report, no daemon) is not.
	 */
	if ((f->is_dsn || (f->auto_flags & INBOX_AUTO_DAEMON)) &&
	    (id = bounce_row(f, e)) != 0) {
		verdict(v, INBOX_BOUNCE, 0, "koyomi が送ったメールの配信エラー");
		v->bounced = id;
		return 1;
	}
	if ((f->is_dsn || (f->auto_flags & (INBOX_AUTO_NULL_PATH |
	    INBOX_AUTO_DAEMON))) && f->dsn.orig_msgid != NULL) {
		if ((rc = e->own_mail(e->arg, f->dsn.orig_msgid)) == -1) {
			verdict(v, INBOX_ERROR, 0, NULL);
			return 1;
		}
		if (rc == 1) {
			verdict(v, INBOX_BOUNCE, 0, "koyomi が送ったメールの"
			    "配信エラー");
			return 1;
		}
	}
	if (f->is_dsn) {
		verdict(v, INBOX_AUTO, 0, "koyomi が送ったものではないメールの"
		    "配信状況の通知");
		return 1;
	}
	if (f->auto_flags != 0) {
		verdict(v, INBOX_AUTO, 0, inbox_auto_reason(f->auto_flags));
		return 1;
	}
	return 0;
}

void
inbox_decide(const struct inbox_facts *f, const struct inbox_env *e,
    struct inbox_verdict *v)
{
	const char	*why;
	int64_t		 task, ref;
	int		 rc;

	if (decide_auto(f, e, v))
		return;
	if (f->msgid != NULL &&
	    (rc = e->msgid_used(e->arg, f->msgid)) != 0) {
		verdict(v, rc == 1 ? INBOX_DUPLICATE : INBOX_ERROR, 0,
		    rc == 1 ? "同じ Message-ID のメールを既に受け付けています" :
		    NULL);
		return;
	}
	why = tag_task(f, e, &task);
	if ((rc = ref_task(f, e, &ref)) == -1) {
		verdict(v, INBOX_ERROR, 0, NULL);
		return;
	}
	if (why != NULL) {
		/* In-Reply-To alone never applies: it only suggests. */
		verdict(v, INBOX_UNMATCHED, rc == 0 ? ref : 0, why);
		if (rc == 1 && digest_candidates(f, e, v) == -1)
			verdict(v, INBOX_ERROR, 0, NULL);
		else if (v->ncandidates > 0)
			v->reason = "複数の提出物をまとめたお知らせへの返信です。"
			    "どの提出物への回答か選んでください";
		return;
	}
	if (rc == 0 && ref != task) {
		verdict(v, INBOX_UNMATCHED, task, "返信先アドレスと "
		    "In-Reply-To が別の提出物を指しています");
		return;
	}
	if ((rc = e->task_live(e->arg, task)) != 1) {
		verdict(v, rc == -1 ? INBOX_ERROR : INBOX_UNMATCHED, 0,
		    rc == -1 ? NULL : "宛先の提出物がないか、取り下げられています");
		return;
	}
	if (f->from == NULL ||
	    (rc = e->sender_ok(e->arg, task, f->from)) == 0) {
		verdict(v, INBOX_UNMATCHED, task, "差出人が提出先の連絡先として"
		    "登録されていません");
		return;
	}
	if (rc == -1) {
		verdict(v, INBOX_ERROR, 0, NULL);
		return;
	}
	if (f->too_big) {
		verdict(v, INBOX_UNMATCHED, task, "添付ファイルが大きさの上限を"
		    "超えています（保存していません）");
		return;
	}
	verdict(v, INBOX_APPLY, task, NULL);
}

/* Bidirectional overrides and isolates: they can disguise an extension. */
static int
is_bidi(const unsigned char *p, size_t n)
{
	unsigned	 cp;

	if (n != 3 || p[0] != 0xe2)
		return 0;
	cp = (unsigned)(p[0] & 0x0f) << 12 | (unsigned)(p[1] & 0x3f) << 6 |
	    (p[2] & 0x3f);
	return (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f;
}

/* CON, PRN, AUX, NUL, COM1-9, LPT1-9, whatever follows a dot. */
static int
windows_device(const char *s)
{
	static const char *const dev[] = { "con", "prn", "aux", "nul" };
	size_t	 n = strcspn(s, "."), i;

	for (i = 0; i < nitems(dev); i++)
		if (n == 3 && strncasecmp(s, dev[i], 3) == 0)
			return 1;
	return n == 4 && (strncasecmp(s, "com", 3) == 0 ||
	    strncasecmp(s, "lpt", 3) == 0) && s[3] >= '1' && s[3] <= '9';
}

/* Cuts s to at most max bytes of whole characters, keeping .ext. */
static void
cut_name(char *s, size_t max)
{
	char	*dot = strrchr(s, '.');
	size_t	 len = strlen(s), ext, keep, n = 0, l;

	if (len <= max)
		return;
	ext = dot != NULL && dot != s && strlen(dot) <= 16 ? strlen(dot) : 0;
	keep = max - ext;
	while (n < keep) {
		l = utf8_seqlen((const unsigned char *)s + n);
		if (n + l > keep)
			break;
		n += l;
	}
	memmove(s + n, s + len - ext, ext + 1);
}

char *
inbox_sanitise_name(const char *in, char *out, size_t len)
{
	const unsigned char	*p;
	const char		*base = in;
	struct buf		 b;
	char			*name;
	size_t			 l, start, end;

	if (in != NULL)
		for (p = (const unsigned char *)in; *p != '\0'; p++)
			if (*p == '/' || *p == '\\')
				base = (const char *)p + 1;
	buf_init(&b);
	for (p = (const unsigned char *)(base != NULL ? base : "");
	    *p != '\0'; p += l) {
		l = utf8_seqlen(p);
		if (l > 1 && !utf8_valid((const char *)p, l)) {
			buf_putc(&b, '_');
			l = 1;
		} else if (l == 1 && (*p < 0x20 || *p == 0x7f || *p >= 0x80 ||
		    strchr("<>:\"/\\|?*", *p) != NULL))
			buf_putc(&b, '_');
		else if (!is_bidi(p, l))
			buf_append(&b, p, l);
	}
	/* No hidden files, no "..", nothing Windows would trim. */
	start = 0;
	while (start < b.len && (b.data[start] == '.' || b.data[start] == ' '))
		start++;
	end = b.len;
	while (end > start && (b.data[end - 1] == '.' ||
	    b.data[end - 1] == ' '))
		end--;
	if (end == start)
		name = xstrdup("attachment");
	else
		xasprintf(&name, "%s%.*s", windows_device(b.data + start) ?
		    "_" : "", (int)(end - start), b.data + start);
	buf_free(&b);
	cut_name(name, len - 1 < INBOX_NAME_MAX ? len - 1 : INBOX_NAME_MAX);
	snprintf(out, len, "%s", name);
	free(name);
	return out;
}

/* Strips blanks (ASCII and U+3000) at both ends, in place. */
static char *
trim(char *s)
{
	size_t	 n;

	for (;;) {
		if (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		else if (strncmp(s, "\xe3\x80\x80", 3) == 0)
			s += 3;
		else
			break;
	}
	for (n = strlen(s); n > 0;) {
		if (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')
			n--;
		else if (n >= 3 && strncmp(s + n - 3, "\xe3\x80\x80", 3) == 0)
			n -= 3;
		else
			break;
	}
	s[n] = '\0';
	return s;
}

char *
inbox_first_line(const char *text)
{
	const char	*p = text, *nl;
	char		*line, *t, *out;
	size_t		 i;

	/* The first line that is not blank, within the first 50 lines. */
	for (i = 0; p != NULL && *p != '\0' && i < 50; i++) {
		nl = strchr(p, '\n');
		line = xstrndup(p, nl != NULL ? (size_t)(nl - p) : strlen(p));
		t = trim(line);
		if (*t != '\0') {
			out = *t == '>' ? NULL : xstrdup(t);
			free(line);
			return out;
		}
		free(line);
		p = nl != NULL ? nl + 1 : NULL;
	}
	return NULL;
}

/* If s starts with pre and ends with post, strips both; 1 if it did. */
static int
strip_pair(char *s, const char *pre, const char *post)
{
	size_t	 n = strlen(s), a = strlen(pre), b = strlen(post);

	if (n < a + b || strncmp(s, pre, a) != 0 ||
	    strcmp(s + n - b, post) != 0)
		return 0;
	memmove(s, s + a, n - a - b);
	s[n - a - b] = '\0';
	return 1;
}

/* Takes one final 。．.！! away; 1 if it did. */
static int
strip_final(char *s)
{
	static const char *const fin[] = { "\xe3\x80\x82", "\xef\xbc\x8e",
		".", "\xef\xbc\x81", "!" };
	size_t	 n = strlen(s), i, l;

	for (i = 0; i < nitems(fin); i++) {
		l = strlen(fin[i]);
		if (n > l && strcmp(s + n - l, fin[i]) == 0) {
			s[n - l] = '\0';
			return 1;
		}
	}
	return 0;
}

int
inbox_answer_option(const char *line, const char *const *options, size_t n)
{
	static const char *const pairs[][2] = {
		{ "\xe3\x80\x8c", "\xe3\x80\x8d" },	/* 「」 */
		{ "\xe3\x80\x8e", "\xe3\x80\x8f" },	/* 『』 */
		{ "\xe3\x80\x90", "\xe3\x80\x91" },	/* 【】 */
		{ "\xe2\x80\x9c", "\xe2\x80\x9d" },	/* “” */
		{ "\"", "\"" },
		{ "\xef\xbc\x88", "\xef\xbc\x89" },	/* （） */
		{ "(", ")" },
	};
	char	*s, *t;
	size_t	 i, round;
	int	 found = -1, more;

	if (line == NULL || n == 0)
		return -1;
	s = xstrdup(line);
	t = trim(s);
	/* A few rounds: 「参加」。 loses 。 and then 「」. */
	for (round = 0, more = 1; more && round < 4; round++) {
		more = strip_final(t);
		t = trim(t);
		for (i = 0; i < nitems(pairs); i++)
			if (strip_pair(t, pairs[i][0], pairs[i][1])) {
				more = 1;
				t = trim(t);
			}
	}
	for (i = 0; i < n && found == -1; i++)
		if (options[i] != NULL && *t != '\0' &&
		    strcmp(t, options[i]) == 0)
			found = (int)i;
	free(s);
	return found;
}

/*
 * The next header field of text[*off..len) unfolded into out (at most
 * max bytes), "" for a blank line that ends a block; -1 at the end.
 */
static int
next_field(const char *text, size_t len, size_t *off, char *out, size_t max)
{
	size_t	 o = *off, n = 0, e;

	if (o >= len)
		return -1;
	do {
		for (e = o; e < len && text[e] != '\n'; e++)
			;
		/* A line, its CR dropped, joined to what came before. */
		while (o < e && n + 1 < max && text[o] != '\r')
			out[n++] = text[o++];
		o = e + 1;
	} while (n > 0 && o < len && (text[o] == ' ' || text[o] == '\t'));
	out[n] = '\0';
	*off = o;
	return 0;
}

/* "Name: value" → the value if the name is name (any case), else NULL. */
static const char *
field_value(const char *f, const char *name)
{
	size_t	 n = strlen(name);

	if (strncasecmp(f, name, n) != 0 || f[n] != ':')
		return NULL;
	f += n + 1;
	return f + strspn(f, " \t");
}

/* "rfc822; a@b" → "a@b" lower case, or NULL. */
static char *
dsn_address(const char *v)
{
	const char	*semi = strchr(v, ';');
	char		*a;

	if (semi == NULL)
		return NULL;
	semi += 1 + strspn(semi + 1, " \t<");
	a = xstrndup(semi, strcspn(semi, " \t>"));
	if (strchr(a, '@') == NULL) {
		free(a);
		return NULL;
	}
	return inbox_lower(a);
}

/* One per-recipient block's facts, added to d when it failed. */
struct dsn_rcpt {
	char	*final, *original, *status, *diag;
	int	 failed;
};

static void
dsn_rcpt_end(struct dsn_rcpt *r, struct inbox_dsn *d)
{
	char	*a = r->final != NULL ? r->final : r->original;

	if (r->failed && a != NULL && d->nfailed < 64) {
		d->failed = xreallocarray(d->failed, d->nfailed + 1,
		    sizeof *d->failed);
		d->failed[d->nfailed++] = xstrdup(a);
		if (d->status == NULL && (r->status != NULL || r->diag != NULL))
			xasprintf(&d->status, "%s%s%s%s",
			    r->status != NULL ? r->status : "",
			    r->diag != NULL ? " (" : "",
			    r->diag != NULL ? r->diag : "",
			    r->diag != NULL ? ")" : "");
	}
	free(r->final);
	free(r->original);
	free(r->status);
	free(r->diag);
	memset(r, 0, sizeof *r);
}

void
inbox_dsn_parse(const char *text, size_t len, struct inbox_dsn *d)
{
	struct dsn_rcpt	 r = { 0 };
	char		 f[1024] = "";	/* the analyzer cannot follow next_field */
	const char	*v;
	size_t		 off = 0, i;

	for (i = 0; i < 4096 && next_field(text, len, &off, f, sizeof f) ==
	    0; i++) {
		if (*f == '\0') {
			dsn_rcpt_end(&r, d);
			continue;
		}
		if ((v = field_value(f, "Final-Recipient")) != NULL) {
			free(r.final);
			r.final = dsn_address(v);
		} else if ((v = field_value(f, "Original-Recipient")) != NULL) {
			free(r.original);
			r.original = dsn_address(v);
		} else if ((v = field_value(f, "Action")) != NULL)
			r.failed = strncasecmp(v, "failed", 6) == 0;
		else if ((v = field_value(f, "Status")) != NULL) {
			free(r.status);
			r.status = xstrndup(v, strcspn(v, " \t"));
		} else if ((v = field_value(f, "Diagnostic-Code")) != NULL) {
			free(r.diag);
			r.diag = xstrndup(v, 200);
		}
	}
	dsn_rcpt_end(&r, d);
}

char *
inbox_headers_msgid(const char *text, size_t len)
{
	char		 f[1024] = "";	/* the analyzer cannot follow next_field */
	const char	*v, *lt, *gt;
	size_t		 off = 0, i;

	for (i = 0; i < 4096 && next_field(text, len, &off, f, sizeof f) ==
	    0; i++) {
		if (*f == '\0')
			break;
		if ((v = field_value(f, "Message-ID")) == NULL)
			continue;
		if ((lt = strchr(v, '<')) == NULL ||
		    (gt = strchr(lt, '>')) == NULL || gt - lt < 3)
			return NULL;
		return xstrndup(lt, (size_t)(gt - lt) + 1);
	}
	return NULL;
}
