/*
 * notify_webhook_test.c — Standard Webhooks signatures, the retry
 * schedule and webhook bodies ("messages[]" fields as one JSON list).
 * Expected signatures were computed outside koyomi, with Python's hmac
 * module:
 *   k = base64.b64decode('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')
 *   m = b'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}'
 *   base64.b64encode(hmac.new(k, m, hashlib.sha256).digest())
 * (the first one is also the example in the Standard Webhooks spec).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "calendars/util.h"
#include "notifier/notify.h"
#include "notifier/payload.h"
#include "notifier/retry.h"

#define MSGID	"msg_p5jXN8AQM9LWM0D4loKWxJek"
#define BODY	"{\"test\": 2432232314}"
#define SIG1	"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
#define SIG2	"v1,H1dghkiigkIfP2+S0A4rDaNYD9ZpZynI1PDk3tSUiqY="

static void
test_signature_vector(void **state)
{
	const char *const	 one[] = { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };
	const char *const	 two[] = { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	    "whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24=" };
	const char *const	 bad[] = { "whsec_not*base64" };
	char			*sig, *cause = NULL;

	(void)state;
	sig = notify_webhook_signature(MSGID, 1614265330, BODY, strlen(BODY),
	    one, 1, &cause);
	assert_non_null(sig);
	assert_string_equal(sig, SIG1);
	free(sig);
	/* Rotation: one signature per secret, space-separated. */
	sig = notify_webhook_signature(MSGID, 1614265330, BODY, strlen(BODY),
	    two, 2, &cause);
	assert_string_equal(sig, SIG1 " " SIG2);
	free(sig);
	/* A different timestamp must change the signature. */
	sig = notify_webhook_signature(MSGID, 1614265331, BODY, strlen(BODY),
	    one, 1, &cause);
	assert_string_not_equal(sig, SIG1);
	free(sig);
	assert_null(notify_webhook_signature(MSGID, 1, BODY, strlen(BODY),
	    bad, 1, &cause));
	assert_non_null(cause);
	free(cause);
}

static void
test_retry_schedule(void **state)
{
	const long	 expect[] = { 5, 300, 1800, 7200, 18000, 36000, 36000 };
	struct retry_policy p = { 1.0 };
	time_t		 next, now = 1000000;
	long		 total = 0;
	size_t		 i;
	int		 n;

	(void)state;
	for (i = 0; i < nitems(expect); i++)
		assert_int_equal(retry_delay((int)i + 1), expect[i]);
	/* Middle random number: no jitter. */
	assert_int_equal(retry_next(&p, 1, 0, -1, now, 0x7fffffff, &next),
	    RETRY_AGAIN);
	assert_int_equal(next, now + 5);
	/* Jitter stays within ±10 %. */
	assert_int_equal(retry_next(&p, 4, 0, -1, now, 0, &next), RETRY_AGAIN);
	assert_true(next >= now + 6480 && next < now + 7200);
	assert_int_equal(retry_next(&p, 4, 0, -1, now, UINT32_MAX, &next),
	    RETRY_AGAIN);
	assert_true(next > now + 7200 && next <= now + 7920);
	/* About three days in all, then dead. */
	for (n = 1; retry_delay(n) != -1; n++)
		total += retry_delay(n);
	assert_true(total > 60 * 3600 && total < 84 * 3600);
	assert_int_equal(retry_next(&p, n, 0, -1, now, 0, &next), RETRY_DEAD);
	/* Permanent failures are dead at once. */
	assert_int_equal(retry_next(&p, 1, 1, -1, now, 0, &next), RETRY_DEAD);
	/* Retry-After raises the delay, capped at a day. */
	assert_int_equal(retry_next(&p, 1, 0, 120, now, 0x7fffffff, &next),
	    RETRY_AGAIN);
	assert_int_equal(next, now + 120);
	assert_int_equal(retry_next(&p, 1, 0, 900000, now, 0x7fffffff, &next),
	    RETRY_AGAIN);
	assert_int_equal(next, now + 86400);
	/* The test knob shrinks the schedule. */
	p.scale = 0.001;
	assert_int_equal(retry_next(&p, 6, 0, -1, now, 0x7fffffff, &next),
	    RETRY_AGAIN);
	assert_int_equal(next, now + 36);
	/* Endpoint disabled after five days of failure. */
	p.scale = 1.0;
	assert_false(retry_endpoint_expired(&p, now, now + 4 * 86400));
	assert_true(retry_endpoint_expired(&p, now, now + 5 * 86400));
	assert_false(retry_endpoint_expired(&p, 0, now));
}

/* The Standard Webhooks body of ev must be want. */
static void
standard_is(const struct payload_event *ev, const char *want)
{
	struct buf	 b;
	char		*cause = NULL;

	buf_init(&b);
	assert_int_equal(payload_render(ev, NOTIFY_HOOK_STANDARD, &b, &cause),
	    0);
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static void
test_payload_standard(void **state)
{
	const struct payload_field f[] = {
		{ "task_id", NULL, 42 },
		{ "title", "参加意向調査 \"第1回\"\n", 0 },
		{ "due", "2026-02-20", 0 },
	};
	struct payload_event	ev = { "task.reminder", 1771545600, f, 3 };
	struct buf		b;
	char			*cause = NULL;

	(void)state;
	standard_is(&ev, "{\"type\":\"task.reminder\","
	    "\"timestamp\":\"2026-02-20T00:00:00Z\",\"data\":{\"task_id\":42,"
	    "\"title\":\"参加意向調査 \\\"第1回\\\"\\n\",\"due\":\"2026-02-20\"}}");
	ev.type = "task.unknown";
	buf_init(&b);
	assert_int_equal(payload_render(&ev, NOTIFY_HOOK_STANDARD, &b,
	    &cause), -1);
	free(cause);
	buf_free(&b);
}

/*
 * The builder gives the bytes of the same fields written by hand, and a
 * field past its capacity is counted, not written, and fails the event.
 */
static void
test_payload_build(void **state)
{
	const struct payload_field f[] = {
		{ "task_id", NULL, 42 },
		{ "title", "参加意向調査", 0 },
		{ "messages[]", "a:1:1: error: x", 0 },
		{ "messages[]", "a:2:1: error: y", 0 },
		{ "due", NULL, 0 },
	};
	struct payload_event		 hand = { "task.reminder", 1771545600,
	    f, 5 };
	struct payload_build		 b;
	const struct payload_event	*ev;
	struct buf			 want, got;
	char				*cause = NULL, msg[64];
	size_t				 i;

	(void)state;
	payload_begin(&b, "task.reminder", 1771545600);
	payload_num(&b, "task_id", 42);
	payload_str(&b, "title", "参加意向調査");
	payload_str(&b, "messages[]", "a:1:1: error: x");
	payload_str(&b, "messages[]", "a:2:1: error: y");
	payload_str(&b, "due", NULL);
	assert_non_null(ev = payload_done(&b, &cause));
	buf_init(&want);
	buf_init(&got);
	assert_int_equal(payload_render(&hand, NOTIFY_HOOK_STANDARD, &want,
	    &cause), 0);
	assert_int_equal(payload_render(ev, NOTIFY_HOOK_STANDARD, &got,
	    &cause), 0);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	buf_free(&want);
	buf_free(&got);

	payload_begin(&b, "rules.reload_failed", 0);
	for (i = 0; i < PAYLOAD_MAX_FIELDS + 3; i++)
		payload_num(&b, "messages[]", (long long)i);
	assert_int_equal(b.ev.ndata, PAYLOAD_MAX_FIELDS);
	assert_int_equal(b.dropped, 3);
	assert_int_equal(b.f[PAYLOAD_MAX_FIELDS - 1].num,
	    PAYLOAD_MAX_FIELDS - 1);
	assert_null(payload_done(&b, &cause));
	snprintf(msg, sizeof msg, "3 field(s) past the %d", PAYLOAD_MAX_FIELDS);
	assert_non_null(strstr(cause, msg));
	free(cause);
	/* Exactly full is fine. */
	payload_begin(&b, "rules.reload_failed", 0);
	for (i = 0; i < PAYLOAD_MAX_FIELDS; i++)
		payload_num(&b, "messages[]", (long long)i);
	assert_non_null(payload_done(&b, &cause));
}

/* Fields named "x[]" in a row make one list "x". */
static void
test_payload_list(void **state)
{
	struct payload_field	 f[] = {
		{ "errors", NULL, 2 },
		{ "messages[]", "a:1:1: error: x", 0 },
		{ "messages[]", "a:2:1: error: \"y\"", 0 },
		{ "truncated", NULL, 0 },
	};
	struct payload_event	 ev = { "rules.reload_failed", 0, f, 4 };

	(void)state;
	standard_is(&ev, "{\"type\":\"rules.reload_failed\","
	    "\"timestamp\":\"1970-01-01T00:00:00Z\",\"data\":{\"errors\":2,"
	    "\"messages\":[\"a:1:1: error: x\",\"a:2:1: error: \\\"y\\\"\"],"
	    "\"truncated\":0}}");
}

static void
test_payload_chat(void **state)
{
	const struct payload_field f[] = {
		{ "title", "参加意向調査", 0 },
		{ "assignee_name", "東京都", 0 },
		{ "due_wareki", "令和8年2月20日（金）", 0 },
	};
	struct payload_event	ev = { "task.overdue", 0, f, 3 };
	struct buf		b;
	char			*cause = NULL;

	(void)state;
	buf_init(&b);
	assert_int_equal(payload_render(&ev, NOTIFY_HOOK_SLACK, &b, &cause), 0);
	assert_string_equal(b.data, "{\"text\":\"【期限超過】参加意向調査"
	    "（東京都） 期限：令和8年2月20日（金）\"}");
	buf_reset(&b);
	assert_int_equal(payload_render(&ev, NOTIFY_HOOK_LINEWORKS, &b,
	    &cause), 0);
	assert_non_null(strstr(b.data, "{\"content\":{\"type\":\"text\","
	    "\"text\":\"【期限超過】"));
	buf_reset(&b);
	assert_int_equal(payload_render(&ev, NOTIFY_HOOK_TEAMS, &b, &cause), 0);
	assert_null(strstr(b.data, "MessageCard"));
	assert_non_null(strstr(b.data, "{\"type\":\"message\",\"attachments\":"
	    "[{\"contentType\":\"application/vnd.microsoft.card.adaptive\""));
	assert_non_null(strstr(b.data, "\"type\":\"AdaptiveCard\""));
	assert_non_null(strstr(b.data, "\"text\":\"【期限超過】\""));
	assert_non_null(strstr(b.data, "\"text\":\"参加意向調査（東京都）"));
	buf_free(&b);
}

/* Values are text in every chat format, whatever markup they hold. */
static void
test_payload_chat_escapes(void **state)
{
	const struct payload_field f[] = {
		{ "title", "a*b*_c_ [x](y) {{DATE(z)}}", 0 },
		{ "by", "<!channel> & <m userId=\"all\">", 0 },
		{ "link", "https://k.example/c/t?a=1&b=2", 0 },
	};
	struct payload_event	ev = { "task.completed", 0, f, 3 };
	struct buf		b;
	char			*cause = NULL;

	(void)state;
	buf_init(&b);
	assert_int_equal(payload_render(&ev, NOTIFY_HOOK_SLACK, &b, &cause), 0);
	assert_non_null(strstr(b.data, "担当：&lt;!channel&gt; &amp; "
	    "&lt;m userId=\\\"all\\\"&gt;"));
	assert_non_null(strstr(b.data, "?a=1&amp;b=2"));
	assert_null(strstr(b.data, "<"));
	buf_reset(&b);
	assert_int_equal(payload_render(&ev, NOTIFY_HOOK_LINEWORKS, &b,
	    &cause), 0);
	assert_non_null(strstr(b.data, "担当：＜!channel＞ & ＜m userId="));
	assert_null(strstr(b.data, "<"));
	buf_reset(&b);
	assert_int_equal(payload_render(&ev, NOTIFY_HOOK_TEAMS, &b, &cause), 0);
	/* JSON doubles each backslash of the Markdown escapes. */
	assert_non_null(strstr(b.data, "a\\\\*b\\\\*\\\\_c\\\\_ "
	    "\\\\[x\\\\]\\\\(y\\\\) \\\\{\\\\{DATE\\\\(z\\\\)\\\\}\\\\}"));
	/* The link is a button, not text, and stays as it is. */
	assert_non_null(strstr(b.data, "\"actions\":[{\"type\":"
	    "\"Action.OpenUrl\",\"title\":\"開く\",\"url\":"
	    "\"https://k.example/c/t?a=1&b=2\"}]"));
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_vector),
		cmocka_unit_test(test_retry_schedule),
		cmocka_unit_test(test_payload_standard),
		cmocka_unit_test(test_payload_build),
		cmocka_unit_test(test_payload_list),
		cmocka_unit_test(test_payload_chat),
		cmocka_unit_test(test_payload_chat_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
