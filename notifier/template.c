/*
 * template.c — mail texts (see template.h). The built-in texts follow the
 * habits of 行政 mail: a salutation line (各位 / ご担当者様), a seasonal-free
 * opening (いつもお世話になっております。), the facts as ■ lines, the
 * completion link, the contact, and a closing that says the mail is
 * automatic, so nobody replies to a robot expecting a person.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "notifier/template.h"

#define TMPL_COMMON	"to", "org", "title", "fy", "source", "coordinator"
#define TMPL_FOOTER \
	"\n【お問い合わせ先】\n{{coordinator}}\n\n" \
	"本メールは koyomi から自動送信しています。\n"
/* The completion link, as reminders and overdue notices give it. */
#define TMPL_DONE_LINK \
	"ご提出がお済みになりましたら、次のリンクから" \
	"「提出済み」としてご登録ください。\n{{link}}\n\n"
/* The apology for a reminder that crossed a submission in the post. */
#define TMPL_CROSSED \
	"既にご提出いただいている場合は、" \
	"行き違いのご連絡となりましたことをご容赦ください。\n"
#define TMPL_MAXVARS	16
#define TMPL_MAXFILE	((size_t)64 * 1024)

struct tmpl_def {
	const char	*name;
	const char	*vars[TMPL_MAXVARS];	/* NULL-terminated */
	const char	*text;			/* "Subject: …\n\nbody" */
};

/* What template_load read: rendering needs nothing else. */
struct tmpl_set {
	char	*text[TMPL_NKINDS];	/* an override's text; NULL: built-in */
	char	*path[TMPL_NKINDS];	/* the override's path, for messages */
};

static const struct tmpl_def tmpl_defs[TMPL_NKINDS] = {
	[TMPL_REMINDER] = { "reminder",
	    { TMPL_COMMON, "due", "link", "days_left", NULL },
	    "Subject: 【ご提出のお願い】{{title}}（期限：{{due}}）\n\n"
	    "{{to}}\n\nいつもお世話になっております。\n\n"
	    "標記の件につきまして、下記のとおりご提出をお願いいたします。\n\n"
	    "■件名：{{title}}\n■提出期限：{{due}}（あと{{days_left}}日）\n"
	    "■出典：{{source}}\n\n"
	    TMPL_DONE_LINK TMPL_CROSSED
	    TMPL_FOOTER },
	[TMPL_OVERDUE] = { "overdue",
	    { TMPL_COMMON, "due", "link", "days_over", NULL },
	    "Subject: 【ご提出のお願い（期限超過）】{{title}}（期限：{{due}}）\n\n"
	    "{{to}}\n\nいつもお世話になっております。\n\n"
	    "標記の件につきまして、提出期限（{{due}}）を{{days_over}}日"
	    "過ぎておりますが、現時点でご提出を確認できておりません。\n"
	    "お忙しいところ恐れ入りますが、ご提出をお願いいたします。\n\n"
	    "■件名：{{title}}\n■提出期限：{{due}}\n■出典：{{source}}\n\n"
	    TMPL_DONE_LINK TMPL_CROSSED
	    TMPL_FOOTER },
	[TMPL_ESCALATION] = { "escalation",
	    { TMPL_COMMON, "assignee", "due", "days_over", "link", NULL },
	    "Subject: 【未提出のご報告】{{title}}：{{assignee}}（期限：{{due}}）\n\n"
	    "{{to}}\n\nお疲れ様です。\n\n"
	    "下記の提出物について、期限を過ぎても提出が確認できていない"
	    "団体がありますのでお知らせします。\n\n"
	    "■件名：{{title}}\n■提出期限：{{due}}\n■未提出：{{assignee}}\n"
	    "■期限からの経過：{{days_over}}日\n\n"
	    "提出状況は次のページでご確認いただけます。\n{{link}}\n"
	    TMPL_FOOTER },
	[TMPL_DIGEST] = { "digest",
	    { TMPL_COMMON, "items", "count", NULL },
	    "Subject: 【ご提出のお願い】提出期限が近い案件（{{count}}件）\n\n"
	    "{{to}}\n\nいつもお世話になっております。\n\n"
	    "下記の{{count}}件について、ご提出をお願いいたします。\n"
	    "各案件のリンクから「提出済み」としてご登録いただけます。\n\n"
	    "{{items}}\n"
	    TMPL_CROSSED
	    TMPL_FOOTER },
	[TMPL_CHANGED] = { "changed",
	    { TMPL_COMMON, "old_date", "new_date", NULL },
	    "Subject: 【日程変更のお知らせ】{{title}}（{{new_date}}）\n\n"
	    "{{to}}\n\nいつもお世話になっております。\n\n"
	    "下記の日程が変更となりましたのでお知らせします。\n"
	    "お手数ですが、ご予定の変更をお願いいたします。\n\n"
	    "■件名：{{title}}\n■変更前：{{old_date}}\n■変更後：{{new_date}}\n"
	    "■出典：{{source}}\n"
	    TMPL_FOOTER },
	[TMPL_CANCELLED] = { "cancelled",
	    { TMPL_COMMON, "date", NULL },
	    "Subject: 【中止のお知らせ】{{title}}（{{date}}）\n\n"
	    "{{to}}\n\nいつもお世話になっております。\n\n"
	    "下記の予定は中止となりましたのでお知らせします。\n\n"
	    "■件名：{{title}}\n■日程：{{date}}\n■出典：{{source}}\n"
	    TMPL_FOOTER },
	[TMPL_RECEIPT] = { "receipt",
	    { TMPL_COMMON, "due", "done_at", "by", NULL },
	    "Subject: 【受付完了】{{title}}\n\n"
	    "{{to}}\n\nいつもお世話になっております。\n\n"
	    "下記の提出について、提出済みとして登録されました。"
	    "ご対応ありがとうございました。\n\n"
	    "■件名：{{title}}\n■提出期限：{{due}}\n■登録日時：{{done_at}}\n"
	    "■登録者：{{by}}\n\n"
	    "お心当たりのない場合は、お問い合わせ先までご連絡ください。\n"
	    TMPL_FOOTER },
	[TMPL_NOTICES] = { "notices",
	    { TMPL_COMMON, "items", "count", NULL },
	    "Subject: 【日程変更・中止のお知らせ】{{count}}件\n\n"
	    "{{to}}\n\nいつもお世話になっております。\n\n"
	    "下記の{{count}}件の予定が変更または中止となりましたので"
	    "お知らせします。\n"
	    "お手数ですが、ご予定の変更をお願いいたします。\n\n"
	    "{{items}}\n"
	    TMPL_FOOTER },
};

void
template_vars_init(struct tmpl_vars *v)
{
	memset(v, 0, sizeof *v);
}

void
template_vars_free(struct tmpl_vars *v)
{
	size_t	i;

	for (i = 0; i < v->n; i++) {
		free(v->names[i]);
		free(v->values[i]);
	}
	free(v->names);
	free(v->values);
	memset(v, 0, sizeof *v);
}

static const char *
template_get(const struct tmpl_vars *v, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < v->n; i++)
		if (strlen(v->names[i]) == len &&
		    memcmp(v->names[i], name, len) == 0)
			return v->values[i];
	return NULL;
}

void
template_set(struct tmpl_vars *v, const char *name, const char *value)
{
	size_t	i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->names[i], name) == 0) {
			free(v->values[i]);
			v->values[i] = xstrdup(value);
			return;
		}
	v->names = xreallocarray(v->names, v->n + 1, sizeof *v->names);
	v->values = xreallocarray(v->values, v->n + 1, sizeof *v->values);
	v->names[v->n] = xstrdup(name);
	v->values[v->n] = xstrdup(value);
	v->n++;
}

void
template_set_day(struct tmpl_vars *v, const char *name, cal_day day)
{
	char	s[64];

	cal_wareki_format(s, sizeof s, day, CAL_WF_WEEKDAY);
	template_set(v, name, s);
}

void
template_digest_add(struct tmpl_vars *v, const char *title, cal_day due,
    const char *link)
{
	const char	*old = template_get(v, "items", 5);
	char		 d[64], *s;

	cal_wareki_format(d, sizeof d, due, CAL_WF_WEEKDAY);
	xasprintf(&s, "%s・%s（期限：%s）\n　%s\n", old != NULL ? old : "",
	    title, d, link);
	template_set(v, "items", s);
	free(s);
}

void
template_notice_add(struct tmpl_vars *v, const char *title, const char *old,
    const char *new_date)
{
	const char	*prev = template_get(v, "items", 5);
	char		*s;

	if (new_date != NULL)
		xasprintf(&s, "%s・%s\n　変更前：%s\n　変更後：%s\n",
		    prev != NULL ? prev : "", title, old, new_date);
	else
		xasprintf(&s, "%s・%s\n　日程：%s（中止）\n",
		    prev != NULL ? prev : "", title, old);
	template_set(v, "items", s);
	free(s);
}

const char *
template_kind_name(enum tmpl_kind k)
{
	return (unsigned)k < TMPL_NKINDS ? tmpl_defs[k].name : NULL;
}

int
template_kind_from_name(const char *name)
{
	int	k;

	for (k = 0; k < TMPL_NKINDS; k++)
		if (strcmp(tmpl_defs[k].name, name) == 0)
			return k;
	return -1;
}

/* Appends one problem to a growing list of strings. */
static void
template_push(char ***errors, size_t *nerrors, char *msg)
{
	*errors = xreallocarray(*errors, *nerrors + 1, sizeof **errors);
	(*errors)[(*nerrors)++] = msg;
}

/* Where problems go: a caller's error list, or one cause string. */
struct tmpl_err {
	const char	*path;
	const char	*text;		/* for line:col */
	char		***errors;
	size_t		*nerrors;
	char		*first;		/* render: the first problem */
	size_t		 count;
};

static void __attribute__((format(printf, 3, 4)))
template_error(struct tmpl_err *e, const char *at, const char *fmt, ...)
{
	va_list		 ap;
	const char	*p;
	char		*msg, *line;
	int		 ln = 1, col = 1;

	for (p = e->text; p < at; p++) {
		if (*p == '\n') {
			ln++;
			col = 1;
		} else if (((unsigned char)*p & 0xc0) != 0x80)
			col++;
	}
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(&line, "%s:%d:%d: error: %s", e->path, ln, col, msg);
	free(msg);
	e->count++;
	if (e->errors != NULL)
		template_push(e->errors, e->nerrors, line);
	else if (e->first == NULL)
		e->first = line;
	else
		free(line);
}

static int
template_allowed(const struct tmpl_def *d, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < TMPL_MAXVARS && d->vars[i] != NULL; i++)
		if (strlen(d->vars[i]) == len &&
		    memcmp(d->vars[i], name, len) == 0)
			return 1;
	return 0;
}

/* Expands s[0..len) into out; vars NULL only checks. */
static void
template_expand(const struct tmpl_def *d, const char *s, size_t len,
    const struct tmpl_vars *vars, struct buf *out, struct tmpl_err *e)
{
	const char	*p = s, *end = s + len, *open, *close, *n, *ne, *val;

	while (p < end) {
		open = memmem(p, (size_t)(end - p), "{{", 2);
		if (open == NULL) {
			buf_append(out, p, (size_t)(end - p));
			break;
		}
		buf_append(out, p, (size_t)(open - p));
		close = memmem(open, (size_t)(end - open), "}}", 2);
		if (close == NULL || memchr(open, '\n', (size_t)(close - open))) {
			template_error(e, open, "unterminated {{");
			break;
		}
		for (n = open + 2; n < close && *n == ' '; n++)
			;
		for (ne = close; ne > n && ne[-1] == ' '; ne--)
			;
		if (!template_allowed(d, n, (size_t)(ne - n)))
			template_error(e, open, "template %s has no variable "
			    "{{%.*s}}", d->name, (int)(ne - n), n);
		else if (vars != NULL &&
		    (val = template_get(vars, n, (size_t)(ne - n))) != NULL)
			buf_puts(out, val);
		else if (vars != NULL)
			template_error(e, open, "variable {{%.*s}} not set",
			    (int)(ne - n), n);
		p = close + 2;
	}
}

/* Subject line and body of one template text. */
static void
template_parse(const struct tmpl_def *d, const char *text,
    const struct tmpl_vars *vars, struct buf *subj, struct buf *body,
    struct tmpl_err *e)
{
	const char	*nl, *b;

	if (strncmp(text, "Subject:", 8) != 0) {
		template_error(e, text, "first line must be \"Subject: …\"");
		return;
	}
	nl = strchr(text, '\n');
	b = nl != NULL ? nl + 1 : text + strlen(text);
	if (nl == NULL)
		nl = b;
	text += 8;
	while (*text == ' ')
		text++;
	if (nl > text && nl[-1] == '\r')
		nl--;
	template_expand(d, text, (size_t)(nl - text), vars, subj, e);
	if (*b == '\n')
		b++;
	else if (b[0] == '\r' && b[1] == '\n')
		b += 2;
	template_expand(d, b, strlen(b), vars, body, e);
}

/* The override file's text (caller frees), or NULL if there is none. */
static char *
template_read(const char *dir, const struct tmpl_def *d, char **path,
    char **cause)
{
	FILE	*f;
	char	*text;
	size_t	 n;

	*path = NULL;
	if (dir == NULL)
		return NULL;
	xasprintf(path, "%s/%s.txt", dir, d->name);
	if ((f = fopen(*path, "re")) == NULL) {
		if (errno != ENOENT)
			xasprintf(cause, "%s: %s", *path, strerror(errno));
		return NULL;
	}
	text = xmalloc(TMPL_MAXFILE + 1);
	n = fread(text, 1, TMPL_MAXFILE + 1, f);
	fclose(f);
	if (n > TMPL_MAXFILE || !utf8_valid(text, n) ||
	    memchr(text, '\0', n) != NULL) {
		xasprintf(cause, "%s: not a UTF-8 text under 64 KiB", *path);
		free(text);
		return NULL;
	}
	text[n] = '\0';
	return text;
}

/* Where kind k's text comes from: the set's override, or the built-in. */
static void
template_source(const struct tmpl_set *t, int k, struct tmpl_err *e)
{
	memset(e, 0, sizeof *e);
	if (t != NULL && t->text[k] != NULL) {
		e->path = t->path[k];
		e->text = t->text[k];
	} else {
		e->path = tmpl_defs[k].name;
		e->text = tmpl_defs[k].text;
	}
}

void
template_free(struct tmpl_set *t)
{
	int	k;

	if (t == NULL)
		return;
	for (k = 0; k < TMPL_NKINDS; k++) {
		free(t->text[k]);
		free(t->path[k]);
	}
	free(t);
}

struct tmpl_set *
template_load(const char *dir, char ***errors, size_t *nerrors)
{
	struct tmpl_set	*t = xcalloc(1, sizeof *t);
	struct tmpl_err	 e;
	struct buf	 s, b;
	char		*cause, *path;
	size_t		 before = *nerrors;
	int		 k;

	for (k = 0; k < TMPL_NKINDS; k++) {
		cause = NULL;
		t->text[k] = template_read(dir, &tmpl_defs[k], &path, &cause);
		if (cause != NULL)
			template_push(errors, nerrors, cause);
		if (t->text[k] != NULL)
			t->path[k] = path;
		else
			free(path);
		template_source(t, k, &e);
		e.errors = errors;
		e.nerrors = nerrors;
		buf_init(&s);
		buf_init(&b);
		template_parse(&tmpl_defs[k], e.text, NULL, &s, &b, &e);
		buf_free(&s);
		buf_free(&b);
	}
	if (*nerrors > before) {
		template_free(t);
		return NULL;
	}
	return t;
}

int
template_render(const struct tmpl_set *t, enum tmpl_kind k,
    const struct tmpl_vars *vars, char **subject, char **body, char **cause)
{
	struct tmpl_err	 e;
	struct buf	 s, b;

	*subject = *body = *cause = NULL;
	if ((unsigned)k >= TMPL_NKINDS) {
		xasprintf(cause, "unknown template kind");
		return -1;
	}
	template_source(t, k, &e);
	buf_init(&s);
	buf_init(&b);
	template_parse(&tmpl_defs[k], e.text, vars, &s, &b, &e);
	if (e.count > 0) {
		*cause = e.first;
		buf_free(&s);
		buf_free(&b);
		return -1;
	}
	buf_putc(&s, '\0');
	buf_putc(&b, '\0');
	*subject = buf_steal(&s);
	*body = buf_steal(&b);
	return 0;
}
