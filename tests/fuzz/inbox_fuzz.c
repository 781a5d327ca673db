/*
 * inbox_fuzz.c — libFuzzer target for what a stranger can mail to the
 * inbound mailbox: the raw message through GMime (inbox_mime_parse),
 * the verdict (inbox_decide) with look-ups that answer from the bytes,
 * and the helpers fed by it (file names, first line, survey answers,
 * delivery reports). Whatever the bytes, nothing crashes, leaks or
 * reads out of bounds, and what the parser hands on keeps its promises:
 * UTF-8 everywhere a person will read it, a sanitised name for every
 * attachment, no attachment bytes over the limit, and a verdict that is
 * never APPLY without a signed reply address, nor with a digest's
 * candidates.
 * fuzz-sources: daemon/inbox/inbox_mime.c daemon/inbox/inbox_match.c daemon/core/links.c daemon/codec/token.c notifier/base64.c calendars/util.c calendars/log.c
 * fuzz-pkgs: gmime-3.0
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/inbox/inbox_mime.h"
#include "daemon/inbox/inbox_match.h"

#define FUZZ_MAX_PART	4096

static const unsigned char key[32] = "koyomi-fuzz-key-koyomi-fuzz-key";

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Look-ups that depend on the message, so every branch can be reached. */
static int
ref_task(void *arg, const char *msgid, int64_t *task)
{
	(void)arg;
	*task = (int64_t)strlen(msgid);
	return msgid[0] == '<' && strlen(msgid) % 3 == 0;
}

static int
task_live(void *arg, int64_t task)
{
	(void)arg;
	return task % 2 == 0;
}

static int
sender_ok(void *arg, int64_t task, const char *addr)
{
	(void)arg;
	(void)task;
	return strchr(addr, '@') != NULL;
}

static int
msgid_used(void *arg, const char *msgid)
{
	(void)arg;
	return strstr(msgid, "used") != NULL;
}

static int
own_mail(void *arg, const char *msgid)
{
	(void)arg;
	return strstr(msgid, "koyomi") != NULL;
}

static int
digest_tasks(void *arg, const char *msgid, int64_t *tasks, size_t max,
    size_t *n)
{
	size_t	 i;

	(void)arg;
	*n = 0;
	if (strstr(msgid, "digest") == NULL)
		return 1;
	for (i = 0; i < max && i < strlen(msgid); i++)
		tasks[(*n)++] = (int64_t)i + 1;
	return 0;
}

static void
check_utf8(const char *s)
{
	if (s != NULL && !utf8_valid(s, strlen(s)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int		 init;
	static const char *const opts[] = { "参加予定", "参加しない", "未定" };
	struct inbox_facts	 f;
	struct inbox_env	 env;
	struct inbox_verdict	 v;
	struct inbox_dsn	 d;
	char			 name[INBOX_NAME_MAX + 1], *s, *line;
	size_t			 i;

	if (!init) {
		inbox_mime_init();
		init = 1;
	}
	memset(&f, 0, sizeof f);
	if (inbox_mime_parse((const char *)data, size, FUZZ_MAX_PART, &f) ==
	    0) {
		check_utf8(f.subject);
		check_utf8(f.first_line);
		for (i = 0; i < f.nparts; i++) {
			check_utf8(f.parts[i].name);
			if (f.parts[i].name == NULL ||
			    strlen(f.parts[i].name) > INBOX_NAME_MAX ||
			    strpbrk(f.parts[i].name, "/\\<>:\"|?*") != NULL)
				abort();
			if (f.parts[i].data != NULL &&
			    f.parts[i].len > FUZZ_MAX_PART)
				abort();
		}
		memset(&env, 0, sizeof env);
		env.key = key;
		env.base = "koyomi@example.jp";
		env.delim = "+";
		env.ref_task = ref_task;
		env.task_live = task_live;
		env.sender_ok = sender_ok;
		env.msgid_used = msgid_used;
		env.own_mail = own_mail;
		env.digest_tasks = digest_tasks;
		inbox_decide(&f, &env, &v);
		if (v.kind == INBOX_APPLY && v.task <= 0)
			abort();
		/* Candidates only ever come with a message kept unmatched. */
		if (v.ncandidates > INBOX_CANDIDATES_MAX ||
		    (v.ncandidates > 0 && v.kind != INBOX_UNMATCHED))
			abort();
		if (f.first_line != NULL)
			(void)inbox_answer_option(f.first_line, opts, 3);
		inbox_facts_free(&f);
	}
	/* The same bytes as a name, a text and a delivery report. */
	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	inbox_sanitise_name(s, name, sizeof name);
	check_utf8(name);
	if (name[0] == '\0' || strpbrk(name, "/\\") != NULL)
		abort();
	if ((line = inbox_first_line(s)) != NULL) {
		(void)inbox_answer_option(line, opts, 3);
		free(line);
	}
	memset(&d, 0, sizeof d);
	inbox_dsn_parse(s, size, &d);
	free(d.orig_msgid);
	for (i = 0; i < d.nfailed; i++)
		free(d.failed[i]);
	free(d.failed);
	free(d.status);
	free(s);
	return 0;
}
