/*
 * webhook_payload.c — JSON bodies for webhook events (see payload.h for
 * the keys). Chat receivers get one readable line of Japanese instead of
 * the envelope: a coordinator reads them in Slack, Teams or LINE WORKS.
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

/* "【ご提出のお願い】参加意向調査（東京都）期限：令和8年2月20日（金）". */
static void
payload_text(const struct payload_event *ev, const char *label,
    struct buf *t)
{
	const char	*title = payload_get(ev, "title");
	const char	*who = payload_get(ev, "assignee_name");
	const char	*v;

	buf_puts(t, label);
	if (title != NULL)
		buf_puts(t, title);
	if (who == NULL)
		who = payload_get(ev, "assignee");
	if (who != NULL)
		buf_printf(t, "（%s）", who);
	if ((v = payload_get(ev, "due_wareki")) != NULL)
		buf_printf(t, " 期限：%s", v);
	if ((v = payload_get(ev, "new_wareki")) != NULL) {
		buf_printf(t, " 変更後：%s", v);
		if ((v = payload_get(ev, "old_wareki")) != NULL)
			buf_printf(t, "（変更前：%s）", v);
	}
	if ((v = payload_get(ev, "date_wareki")) != NULL)
		buf_printf(t, " 日程：%s", v);
	if ((v = payload_get(ev, "by")) != NULL)
		buf_printf(t, " 担当：%s", v);
	if ((v = payload_get(ev, "first_error")) != NULL)
		buf_printf(t, "\n%s", v);
	if ((v = payload_get(ev, "link")) != NULL)
		buf_printf(t, "\n%s", v);
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
	buf_init(&text);
	payload_text(ev, payload_kind(ev->type)->label, &text);
	switch (fmt) {
	case NOTIFY_HOOK_SLACK:
		buf_puts(out, "{\"text\":");
		buf_json_string(out, text.data);
		buf_putc(out, '}');
		break;
	case NOTIFY_HOOK_TEAMS:
		buf_puts(out, "{\"@type\":\"MessageCard\",\"@context\":"
		    "\"https://schema.org/extensions\",\"summary\":");
		buf_json_string(out, payload_kind(ev->type)->label);
		buf_puts(out, ",\"text\":");
		buf_json_string(out, text.data);
		buf_putc(out, '}');
		break;
	default:
		buf_puts(out, "{\"content\":{\"type\":\"text\",\"text\":");
		buf_json_string(out, text.data);
		buf_puts(out, "}}");
		break;
	}
	buf_free(&text);
	return 0;
}
