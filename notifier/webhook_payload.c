/*
 * webhook_payload.c — JSON bodies for webhook events (see payload.h for
 * the keys) and the one builder every event is put together with. Chat
 * receivers get one readable line of Japanese instead of the envelope: a
 * coordinator reads them in Slack, Teams or LINE WORKS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notifier/payload.h"

/* Keep sorted: bsearch. Label shown in chat messages. */
static const struct payload_kind {
	const char	*type;
	const char	*label;
} payload_kinds[] = {
	{ "event.cancelled",	"【中止】" },
	{ "event.changed",	"【日程変更】" },
	{ "rules.reload_failed", "【ルール再読込エラー】" },
	{ "task.completed",	"【提出済み】" },
	{ "task.escalated",	"【未提出のご報告】" },
	{ "task.overdue",	"【期限超過】" },
	{ "task.reminder",	"【ご提出のお願い】" },
	{ "task.reopened",	"【再オープン】" },
};

static int
payload_kind_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct payload_kind *)elem)->type);
}

static const struct payload_kind *
payload_kind(const char *type)
{
	if (type == NULL)
		return NULL;
	return bsearch(type, payload_kinds, nitems(payload_kinds),
	    sizeof payload_kinds[0], payload_kind_cmp);
}

int
payload_type_known(const char *type)
{
	return payload_kind(type) != NULL;
}

void
payload_begin(struct payload_build *b, const char *type, time_t timestamp)
{
	memset(b, 0, sizeof *b);
	b->ev.type = type;
	b->ev.timestamp = timestamp;
	b->ev.data = b->f;
}

static void
payload_add(struct payload_build *b, const char *key, const char *str,
    long long num)
{
	if (b->ev.ndata >= nitems(b->f)) {
		b->dropped++;
		return;
	}
	b->f[b->ev.ndata++] = (struct payload_field){ key, str, num };
}

void
payload_str(struct payload_build *b, const char *key, const char *str)
{
	payload_add(b, key, str, 0);
}

void
payload_num(struct payload_build *b, const char *key, long long num)
{
	payload_add(b, key, NULL, num);
}

const struct payload_event *
payload_done(struct payload_build *b, char **cause)
{
	if (b->dropped > 0) {
		xasprintf(cause, "webhook %s: %zu field(s) past the %d a "
		    "payload holds", b->ev.type != NULL ? b->ev.type : "?",
		    b->dropped, PAYLOAD_MAX_FIELDS);
		return NULL;
	}
	return &b->ev;
}

static const char *
payload_get(const struct payload_event *ev, const char *key)
{
	size_t	i;

	for (i = 0; i < ev->ndata; i++)
		if (strcmp(ev->data[i].key, key) == 0)
			return ev->data[i].str;
	return NULL;
}

/* 1 when field i's key ends in "[]": a member of a list of strings. */
static int
payload_is_list(const struct payload_event *ev, size_t i)
{
	size_t	l = strlen(ev->data[i].key);

	return l > 2 && strcmp(ev->data[i].key + l - 2, "[]") == 0;
}

/* A field's value in JSON: its string, or else its number. */
static void
payload_value(const struct payload_field *f, struct buf *out)
{
	if (f->str != NULL)
		buf_json_string(out, f->str);
	else
		buf_printf(out, "%lld", f->num);
}

/*
 * Writes "key":[…] from the run of fields with field i's key, returns the
 * index of the run's last field.
 */
static size_t
payload_list(const struct payload_event *ev, size_t i, struct buf *out)
{
	const char	*key = ev->data[i].key;
	size_t		 l = strlen(key), j;

	buf_putc(out, '"');
	buf_append(out, key, l - 2);	/* a known key: nothing to escape */
	buf_puts(out, "\":[");
	for (j = i; j < ev->ndata && strcmp(ev->data[j].key, key) == 0; j++) {
		if (j > i)
			buf_putc(out, ',');
		payload_value(&ev->data[j], out);
	}
	buf_putc(out, ']');
	return j - 1;
}

static void
payload_standard(const struct payload_event *ev, struct buf *out)
{
	struct tm	tm;
	char		ts[32];
	size_t		i;

	gmtime_r(&ev->timestamp, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_puts(out, "{\"type\":");
	buf_json_string(out, ev->type);
	buf_printf(out, ",\"timestamp\":\"%s\",\"data\":{", ts);
	for (i = 0; i < ev->ndata; i++) {
		if (i > 0)
			buf_putc(out, ',');
		if (payload_is_list(ev, i)) {
			i = payload_list(ev, i, out);
			continue;
		}
		buf_json_string(out, ev->data[i].key);
		buf_putc(out, ':');
		payload_value(&ev->data[i], out);
	}
	buf_puts(out, "}}");
}

/*
 * Escapers: a value from the rules or an API body goes into a chat
 * message as text, never as markup, whatever it holds.
 */
typedef void	(*payload_escape)(struct buf *, const char *);

/* Slack mrkdwn: & < > are its only control characters (<!channel>). */
static void
esc_slack(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '&')
			buf_puts(b, "&amp;");
		else if (*s == '<')
			buf_puts(b, "&lt;");
		else if (*s == '>')
			buf_puts(b, "&gt;");
		else
			buf_putc(b, *s);
	}
}

/*
 * An Adaptive Card TextBlock: its Markdown subset and the {{DATE()}} /
 * {{TIME()}} functions. Every ASCII punctuation character that either
 * could start is backslash-escaped (CommonMark: any ASCII punctuation may
 * be), so "**x**", "[a](b)" and "{{DATE(…)}}" read as written.
 */
static void
esc_teams(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr("\\`*_{}[]()#+-.!|<>~=&", *s) != NULL)
			buf_putc(b, '\\');
		buf_putc(b, *s);
	}
}

/*
 * LINE WORKS text messages have no escape; "<m userId=\"all\">" mentions
 * everyone. The angle brackets become their full-width forms.
 */
static void
esc_lineworks(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '<')
			buf_puts(b, "＜");
		else if (*s == '>')
			buf_puts(b, "＞");
		else
			buf_putc(b, *s);
	}
}

/* lit, then v escaped, then tail (both literal; NULL for none). */
static void
text_put(struct buf *t, payload_escape esc, const char *lit, const char *v,
    const char *tail)
{
	if (lit != NULL)
		buf_puts(t, lit);
	esc(t, v);
	if (tail != NULL)
		buf_puts(t, tail);
}

/*
 * "【ご提出のお願い】参加意向調査（東京都） 期限：令和8年2月20日（金）",
 * every value through esc; the link too when with_link.
 */
static void
payload_text(const struct payload_event *ev, const char *label,
    payload_escape esc, int with_link, struct buf *t)
{
	const char	*title = payload_get(ev, "title");
	const char	*who = payload_get(ev, "assignee_name");
	const char	*v;

	buf_puts(t, label);
	if (title != NULL)
		esc(t, title);
	if (who == NULL)
		who = payload_get(ev, "assignee");
	if (who != NULL)
		text_put(t, esc, "（", who, "）");
	if ((v = payload_get(ev, "due_wareki")) != NULL)
		text_put(t, esc, " 期限：", v, NULL);
	if ((v = payload_get(ev, "new_wareki")) != NULL) {
		text_put(t, esc, " 変更後：", v, NULL);
		if ((v = payload_get(ev, "old_wareki")) != NULL)
			text_put(t, esc, "（変更前：", v, "）");
	}
	if ((v = payload_get(ev, "date_wareki")) != NULL)
		text_put(t, esc, " 日程：", v, NULL);
	if ((v = payload_get(ev, "by")) != NULL)
		text_put(t, esc, " 担当：", v, NULL);
	if ((v = payload_get(ev, "first_error")) != NULL)
		text_put(t, esc, "\n", v, NULL);
	if (with_link && (v = payload_get(ev, "link")) != NULL)
		text_put(t, esc, "\n", v, NULL);
}

/*
 * Teams through the Workflows app: a message whose one attachment is an
 * Adaptive Card (1.4): the label in bold, the text, and the link as a
 * button rather than in the text.
 */
static void
payload_teams(const struct payload_event *ev, const char *label,
    struct buf *out)
{
	struct buf	 text, head;
	const char	*link = payload_get(ev, "link");

	buf_init(&text);
	buf_init(&head);
	payload_text(ev, "", esc_teams, 0, &text);
	esc_teams(&head, label);
	buf_puts(out, "{\"type\":\"message\",\"attachments\":[{"
	    "\"contentType\":\"application/vnd.microsoft.card.adaptive\","
	    "\"content\":{\"$schema\":"
	    "\"http://adaptivecards.io/schemas/adaptive-card.json\","
	    "\"type\":\"AdaptiveCard\",\"version\":\"1.4\",\"body\":["
	    "{\"type\":\"TextBlock\",\"weight\":\"Bolder\",\"wrap\":true,"
	    "\"text\":");
	buf_json_string(out, head.data != NULL ? head.data : "");
	buf_puts(out, "},{\"type\":\"TextBlock\",\"wrap\":true,\"text\":");
	buf_json_string(out, text.data != NULL ? text.data : "");
	buf_puts(out, "}]");
	if (link != NULL) {
		buf_puts(out, ",\"actions\":[{\"type\":\"Action.OpenUrl\","
		    "\"title\":\"開く\",\"url\":");
		buf_json_string(out, link);
		buf_puts(out, "}]");
	}
	buf_puts(out, "}}]}");
	buf_free(&text);
	buf_free(&head);
}

static int
payload_check(const struct payload_event *ev, char **cause)
{
	size_t	i;

	if (!payload_type_known(ev->type)) {
		xasprintf(cause, "unknown webhook event type");
		return -1;
	}
	for (i = 0; i < ev->ndata; i++)
		if (ev->data[i].key == NULL || (ev->data[i].str != NULL &&
		    !utf8_valid(ev->data[i].str, strlen(ev->data[i].str)))) {
			xasprintf(cause, "webhook field %zu is not UTF-8", i);
			return -1;
		}
	return 0;
}

int
payload_render(const struct payload_event *ev, enum notify_hook_format fmt,
    struct buf *out, char **cause)
{
	struct buf	text;

	if (payload_check(ev, cause) == -1)
		return -1;
	if (fmt == NOTIFY_HOOK_STANDARD) {
		payload_standard(ev, out);
		return 0;
	}
	if (fmt == NOTIFY_HOOK_TEAMS) {
		payload_teams(ev, payload_kind(ev->type)->label, out);
		return 0;
	}
	buf_init(&text);
	if (fmt == NOTIFY_HOOK_SLACK) {
		payload_text(ev, payload_kind(ev->type)->label, esc_slack, 1,
		    &text);
		buf_puts(out, "{\"text\":");
		buf_json_string(out, text.data);
		buf_putc(out, '}');
	} else {
		payload_text(ev, payload_kind(ev->type)->label, esc_lineworks,
		    1, &text);
		buf_puts(out, "{\"content\":{\"type\":\"text\",\"text\":");
		buf_json_string(out, text.data);
		buf_puts(out, "}}");
	}
	buf_free(&text);
	return 0;
}
