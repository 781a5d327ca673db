/*
 * inbox_apply.c — one message from the inbound mailbox, judged and
 * recorded with everything it does in one transaction (inbox_int.h):
 * the inbox_messages row (keyed by the hash of its bytes), the task's
 * change (tasks_change_in: state, history, receipt and webhook), the
 * attachments' rows, a bounce's failing addresses and the 受領確認.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/sha.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/chase/chase_msg.h"
#include "daemon/chase/mailq.h"
#include "daemon/chase/tasks_ops.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/inbox/inbox.h"
#include "daemon/inbox/inbox_int.h"
#include "daemon/inbox/inbox_match.h"
#include "daemon/inbox/inbox_mime.h"
#include "daemon/outbox/outbox.h"
#include "daemon/store/store.h"
#include "daemon/store/store_inbox.h"
#include "notifier/template.h"

/* What became of one message, for its row and the log. */
struct outcome {
	const char	*state;		/* inbox_messages.state */
	const char	*reason;
	int64_t		 task;		/* recorded with the row */
	char		*cycle;		/* the task's, owned */
	int		 files_to_task;	/* the files are the task's */
	int		 changed;	/* tasks_changed() after commit */
	int		 answered;
	int		 ack;		/* a 受領確認 was queued */
	char		*why;		/* an owned reason */
	char		*candidates;	/* a digest reply's task ids, owned */
};

static int
env_ref_task(void *arg, const char *msgid, int64_t *task)
{
	struct inbox	*ib = arg;

	return store_mail_ref_task(ib->k->store, msgid, task);
}

static int
env_digest_tasks(void *arg, const char *msgid, int64_t *tasks, size_t max,
    size_t *n)
{
	struct inbox	*ib = arg;

	return store_mail_digest_tasks(ib->k->store, msgid, tasks, max, n);
}

static int
env_task_live(void *arg, int64_t id)
{
	struct inbox	*ib = arg;
	struct task	 t;
	int		 rc, live;

	if ((rc = store_task_get(ib->k->store, id, &t)) != 0)
		return rc == 1 ? 0 : -1;
	live = !t.cancelled;
	task_free(&t);
	return live;
}

/* The organisation an assignee answers for: itself, or a contact's. */
static const char *
assignee_org(const struct rules *r, const char *assignee)
{
	const struct rules_contact	*c;

	if (r != NULL && (c = rules_find_contact(r, assignee)) != NULL)
		return c->org;
	return assignee;
}

static int
env_sender_ok(void *arg, int64_t id, const char *addr)
{
	struct inbox			*ib = arg;
	const struct rules		*r = ib->k->rules;
	const struct rules_contact	*c;
	const char			*org;
	struct task			 t;
	size_t				 i;
	int				 ok = 0, rc;

	if ((rc = store_task_get(ib->k->store, id, &t)) != 0)
		return rc == 1 ? 0 : -1;
	org = assignee_org(r, t.assignee);
	for (i = 0; r != NULL && i < r->ncontacts && !ok; i++) {
		c = &r->contacts[i];
		if (c->mail == NULL || strcasecmp(c->mail, addr) != 0)
			continue;
		ok = strcmp(c->id, t.assignee) == 0 ||
		    (org != NULL && c->org != NULL && strcmp(c->org, org) == 0);
	}
	if (!ok && (rc = store_inbox_sender_has(ib->k->store, t.assignee,
	    addr)) != 0)
		ok = rc;
	if (!ok && org != NULL && strcmp(org, t.assignee) != 0 &&
	    (rc = store_inbox_sender_has(ib->k->store, org, addr)) != 0)
		ok = rc;
	task_free(&t);
	return ok;
}

static int
env_msgid_used(void *arg, const char *msgid)
{
	struct inbox	*ib = arg;
	int64_t		 id;
	int		 rc;

	rc = store_inbox_msgid_used(ib->k->store, msgid, &id);
	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

static int
env_own_mail(void *arg, const char *msgid)
{
	struct inbox	*ib = arg;
	char		*rcpt;
	int		 rc;

	rc = store_outbox_mail_rcpt(ib->k->store, msgid, &rcpt);
	free(rcpt);
	return rc == 0 ? 1 : rc == 1 ? 0 : -1;
}

/* "YYYY-MM-DD HH:MM" in the configured zone. */
static void
local_time(struct koyomi *k, time_t t, char *s, size_t len)
{
	cal_day	 day;
	int	 secs;
	char	 iso[16];

	cal_utc_to_local(k->zone, t, &day, &secs);
	cal_format_iso(iso, day);
	snprintf(s, len, "%s %02d:%02d", iso, secs / 3600, secs / 60 % 60);
}

/* The 受領確認 to the sender, inside the transaction. */
static int
queue_ack(struct inbox *ib, const struct inbox_facts *f,
    const struct task *t, const struct outcome *o, time_t now)
{
	struct koyomi		*k = ib->k;
	struct outbox_mail	 m = { .kind = template_kind_name(TMPL_ACK) };
	struct tmpl_vars	 tv;
	struct buf		 files;
	char			*subject = NULL, *body = NULL, *cause = NULL;
	char			 at[32];
	size_t			 i;
	int			 rc = -1;

	template_vars_init(&tv);
	chase_vars(&tv, k->rules, t, k->zone, NULL, now);
	local_time(k, now, at, sizeof at);
	template_set(&tv, "received_at", at);
	template_set(&tv, "subject", f->subject != NULL ? f->subject :
	    "（件名なし）");
	buf_init(&files);
	for (i = 0; i < f->nparts; i++)
		buf_printf(&files, "・%s（%zu バイト）\n", f->parts[i].name,
		    f->parts[i].len);
	if (f->nparts == 0)
		buf_puts(&files, "（なし）\n");
	template_set(&tv, "files", files.data);
	buf_free(&files);
	template_set(&tv, "result", strcmp(o->state, "applied") == 0 ?
	    "提出済みとして登録しました。ありがとうございました。" :
	    "ご回答（選択肢）をまだ確認できていません。"
	    "お手数ですが、ご案内のリンクからご回答ください。");
	if (template_render(k->tmpl, TMPL_ACK, &tv, &subject, &body,
	    &cause) == 0) {
		m.to_addr = f->from;
		m.subject = subject;
		m.body = body;
		m.in_reply_to = f->msgid;
		m.auto_submitted = "auto-replied";
		m.reply_to = mailq_reply_address(k, t->id);
		rc = outbox_enqueue_mail(k, &m, &cause) == -1 ? -1 : 0;
		free((char *)m.reply_to);
	}
	if (rc == -1)
		log_warnx("inbox: 受領確認: %s", cause != NULL ? cause : "?");
	free(cause);
	free(subject);
	free(body);
	template_vars_free(&tv);
	return rc;
}

/*
 * A matching reply: the task becomes done through the mail, with the
 * survey answer of the first line when the survey has options; without
 * one the mail is recorded in its history and the task waits for the
 * answer from the link. -1 on a database error.
 */
static int
apply_task(struct inbox *ib, const struct inbox_facts *f, int64_t id,
    time_t now, struct outcome *o)
{
	struct koyomi			*k = ib->k;
	const struct rules_response	*resp;
	struct task_change		 tc = { TASK_DONE, { NULL, VIA_MAIL,
		NULL }, NULL, NULL };
	struct task			 t;
	enum task_result		 res;
	char				*note, *cause = NULL;
	int				 idx, rc = -1;

	if (store_task_get(k->store, id, &t) != 0)
		return -1;
	xasprintf(&note, "件名：%s", f->subject != NULL ? f->subject :
	    "（件名なし）");
	tc.actor.who = f->from;
	tc.actor.note = note;
	o->task = id;
	o->cycle = xstrdup(t.cycle);
	resp = tasks_response(k, &t);
	if (resp != NULL && resp->noptions > 0) {
		idx = inbox_answer_option(f->first_line,
		    (const char *const *)resp->options, resp->noptions);
		if (idx >= 0)
			tc.answer = resp->options[idx];
		else if (t.answer == NULL) {
			/* Recorded in the history; the answer still to come. */
			o->state = "received";
			o->reason = "回答（選択肢）が本文の1行目にありません";
			o->files_to_task = 1;
			rc = store_task_event(k->store, id, now, "received",
			    &tc.actor);
			goto ack;
		}
	}
	res = tasks_change_in(k, id, &tc, now, &o->answered, &cause);
	switch (res) {
	case TASK_CHANGED:
		o->state = "applied";
		o->changed = 1;
		o->files_to_task = 1;
		rc = 0;
		break;
	case TASK_UNCHANGED:
		/* Done already: a second file, or a correction. */
		o->state = "applied";
		o->reason = "既に提出済みでした（ファイルを追加）";
		o->files_to_task = 1;
		rc = store_task_event(k->store, id, now, "received",
		    &tc.actor);
		break;
	case TASK_NOTFOUND:
	case TASK_INVALID:
		o->state = "unmatched";
		o->why = cause;
		cause = NULL;
		rc = 0;
		break;
	case TASK_ERROR:
		log_warnx("inbox: task %lld: %s", (long long)id,
		    cause != NULL ? cause : "database error");
		break;
	}
ack:
	if (rc == 0 && o->files_to_task && k->conf->inbound_ack &&
	    f->from != NULL)
		o->ack = queue_ack(ib, f, &t, o, now) == 0;
	free(cause);
	free(note);
	task_free(&t);
	return rc;
}

/* A bounce of koyomi's own mail: its failed addresses are marked. */
static int
record_bounce(struct inbox *ib, const struct inbox_facts *f,
    const struct inbox_verdict *v, time_t now)
{
	struct store	*s = ib->k->store;
	char		*rcpt = NULL, *msgid = NULL;
	size_t		 i;
	int		 rc = 0;

	/* Its bounce address named the message: its recipient failed. */
	if (v->bounced != 0 &&
	    (rc = store_outbox_mail_of(s, v->bounced, &rcpt, &msgid)) != 1) {
		if (rc == 0) {
			inbox_lower(rcpt);
			rc = store_mail_failure_add(s, rcpt, now, f->dsn.status,
			    msgid);
		}
		free(rcpt);
		free(msgid);
		return rc;
	}
	rc = 0;

	for (i = 0; i < f->dsn.nfailed && rc == 0; i++)
		rc = store_mail_failure_add(s, f->dsn.failed[i], now,
		    f->dsn.status, f->dsn.orig_msgid);
	/* No failed recipient listed: the one the bounced mail went to. */
	if (rc == 0 && f->dsn.nfailed == 0 &&
	    store_outbox_mail_rcpt(s, f->dsn.orig_msgid, &rcpt) == 0) {
		inbox_lower(rcpt);
		rc = store_mail_failure_add(s, rcpt, now, f->dsn.status,
		    f->dsn.orig_msgid);
	}
	free(rcpt);
	return rc;
}

/* Writes the attachments' bytes; their hashes into shas. */
static int
store_files(struct inbox *ib, const struct inbox_facts *f, char (*shas)[65])
{
	char	*dir = inbox_files_dir(ib->k->conf), *cause = NULL;
	size_t	 i;
	int	 rc = 0;

	for (i = 0; i < f->nparts && rc == 0; i++) {
		shas[i][0] = '\0';
		if (f->parts[i].data == NULL)
			continue;
		if ((rc = inbox_file_store(dir, f->parts[i].data,
		    f->parts[i].len, shas[i], &cause)) == -1) {
			log_warnx("inbox: %s", cause);
			free(cause);
		}
	}
	free(dir);
	return rc;
}

/* The message's row and its files' rows. */
static int
record(struct inbox *ib, const struct inbox_facts *f, const char *hash,
    size_t len, time_t now, const struct outcome *o, char (*shas)[65])
{
	struct inbox_row	 r = { 0 };
	struct inbox_file_row	 fr = { 0 };
	int64_t			 id;
	size_t			 i;

	r.hash = (char *)hash;
	r.msgid = f->msgid;
	r.received = now;
	r.sender = f->from;
	r.subject = f->subject;
	r.state = (char *)o->state;
	r.reason = o->why != NULL ? o->why : (char *)o->reason;
	r.task = o->task;
	r.cycle = o->cycle;
	r.size = len;
	r.candidates = o->candidates;
	if ((id = store_inbox_add(ib->k->store, &r)) == -1)
		return -1;
	for (i = 0; shas != NULL && i < f->nparts; i++) {
		fr.message = id;
		fr.task = o->files_to_task ? o->task : 0;
		fr.name = f->parts[i].name;
		fr.type = f->parts[i].type;
		fr.size = f->parts[i].len;
		fr.sha256 = shas[i][0] != '\0' ? shas[i] : (char *)"";
		fr.stored = shas[i][0] != '\0';
		if (store_inbox_file_add(ib->k->store, &fr) == -1)
			return -1;
	}
	return 0;
}

static const char *const kind_states[] = {
	[INBOX_APPLY] = "applied", [INBOX_UNMATCHED] = "unmatched",
	[INBOX_AUTO] = "auto", [INBOX_BOUNCE] = "bounce",
	[INBOX_DUPLICATE] = "duplicate", [INBOX_ERROR] = "unmatched",
};

/* Inside the transaction: what the verdict does. -1 rolls back. */
static int
act(struct inbox *ib, const struct inbox_facts *f,
    const struct inbox_verdict *v, time_t now, struct outcome *o)
{
	struct task	 t;
	struct buf	 b;
	int64_t		 seen;
	size_t		 i;

	o->state = kind_states[v->kind];
	o->reason = v->reason;
	o->task = v->task;
	if (v->kind == INBOX_APPLY)
		return apply_task(ib, f, v->task, now, o);
	if (v->kind == INBOX_BOUNCE)
		return record_bounce(ib, f, v, now);
	/* Only an unmatched verdict ever has candidates (inbox_match.h). */
	if (v->ncandidates > 0) {
		buf_init(&b);
		for (i = 0; i < v->ncandidates; i++)
			buf_printf(&b, "%s%lld", i > 0 ? " " : "",
			    (long long)v->candidates[i]);
		o->candidates = b.data;
	}
	/*
	 * A suggested task shows whose coordinators see the message; for a
	 * digest's reply, its first task (one digest goes to one person).
	 */
	seen = v->task != 0 ? v->task :
	    v->ncandidates > 0 ? v->candidates[0] : 0;
	if (seen != 0 && store_task_get(ib->k->store, seen, &t) == 0) {
		o->cycle = xstrdup(t.cycle);
		task_free(&t);
	}
	return 0;
}

static int
outcome_index(const char *state)
{
	static const char *const names[] = { "applied", "received",
		"unmatched", "auto", "bounce", "duplicate" };
	size_t	 i;

	for (i = 0; i < nitems(names); i++)
		if (strcmp(names[i], state) == 0)
			return (int)i;
	return 6;
}

/*
 * Judges f and records it in one transaction. unread: why the message
 * could not be read whole (too large, not MIME), or NULL; such a
 * message is kept as unmatched unless machines wrote it.
 */
static int
judge_and_record(struct inbox *ib, struct inbox_facts *f, const char *hash,
    size_t len, const char *unread)
{
	struct koyomi		*k = ib->k;
	struct inbox_env	 env = { k->link_key, k->conf->inbound_address,
		k->conf->inbound_delimiter, ib, env_ref_task, env_task_live,
		env_sender_ok, env_msgid_used, env_own_mail, env_digest_tasks };
	struct inbox_verdict	 v;
	struct outcome		 o = { 0 };
	char			(*shas)[65] = NULL;
	time_t			 now = time(NULL);
	int			 rc = -1;

	/*
	 * Judged and the files written before the transaction, so that it
	 * holds the write lock for the rows only; only the daemon records
	 * messages, and tasks_change_in reads the task again inside it.
	 */
	inbox_decide(f, &env, &v);
	if (v.kind == INBOX_ERROR)
		return -1;
	if (unread != NULL && v.kind != INBOX_AUTO && v.kind != INBOX_BOUNCE) {
		v.kind = INBOX_UNMATCHED;
		v.reason = unread;
	}
	/* Machines' mail brings no files worth keeping (a bounce: ours). */
	if (v.kind != INBOX_AUTO && v.kind != INBOX_BOUNCE && unread == NULL &&
	    f->nparts > 0) {
		shas = xcalloc(f->nparts, sizeof *shas);
		if (store_files(ib, f, shas) == -1) {
			free(shas);
			return -1;
		}
	}
	if (store_begin(k->store) == -1) {
		free(shas);
		return -1;
	}
	if ((rc = store_inbox_seen(k->store, hash)) != 0) {
		rc = rc == 1 ? 0 : -1;
		goto fail;
	}
	rc = -1;
	if (act(ib, f, &v, now, &o) == -1 ||
	    record(ib, f, hash, len, now, &o, shas) == -1)
		goto fail;
	if (store_commit(k->store) == -1)
		goto out;
	rc = 0;
	ib->counts[outcome_index(o.state)]++;
	log_info("inbox: %s from %s: %s%s%s (task %lld)", f->msgid != NULL ?
	    f->msgid : "(no Message-ID)", f->from != NULL ? f->from : "?",
	    o.state, o.reason != NULL || o.why != NULL ? ": " : "",
	    o.why != NULL ? o.why : o.reason != NULL ? o.reason : "",
	    (long long)o.task);
	if (o.changed)
		tasks_changed(k, o.task, o.answered);
	else if (o.ack && k->outbox != NULL)
		outbox_wake(k->outbox);
	goto out;
fail:
	store_rollback(k->store);
out:
	free(shas);
	free(o.cycle);
	free(o.candidates);
	free(o.why);
	return rc;
}

int
inbox_process(struct inbox *ib, const char *raw, size_t len, int truncated)
{
	unsigned char		 md[SHA256_DIGEST_LENGTH];
	char			 hash[2 * SHA256_DIGEST_LENGTH + 1];
	struct inbox_facts	 f = { 0 };
	const char		*unread = NULL;
	int			 rc;

	SHA256((const unsigned char *)raw, len, md);
	hex_encode(md, sizeof md, hash);
	/* Seen already (a crash after the commit): nothing to do. */
	if ((rc = store_inbox_seen(ib->k->store, hash)) != 0)
		return rc == 1 ? 0 : -1;
	if (truncated)
		unread = "メールが大きすぎるため読めません（添付ファイルの上限を"
		    "超えています）";
	if (inbox_mime_parse(raw, len, ib->k->conf->inbound_max_attachment,
	    &f) == -1) {
		memset(&f, 0, sizeof f);
		unread = "MIME のメールとして読めません";
	}
	rc = judge_and_record(ib, &f, hash, len, unread);
	if (rc == -1)
		ib->errors++;
	inbox_facts_free(&f);
	return rc;
}
