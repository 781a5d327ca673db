/*
 * conf_test.c — koyomi.conf (daemon/core/conf.c): a full config read
 * back field by field, defaults, errors with path:line:col (unknown
 * keys, bad windows, numbers, webhooks; every key takes one good value
 * and refuses a bad one), relative paths resolved against the config's
 * folder whatever the working directory, secret files that the group or
 * others can read refused, and koyomi.conf(5) documenting exactly the
 * keys of conf.c's table with their defaults.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/core/conf.h"

struct fx {
	char	 dir[64];	/* realpath of a fresh temp folder */
	char	 path[128];	/* dir/sub/koyomi.conf */
	char	 sub[96];
};

static int
setup(void **state)
{
	struct fx	*f = test_calloc(1, sizeof *f);
	char		 tmp[64], *real;

	snprintf(tmp, sizeof tmp, "/tmp/conf_test.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	real = realpath(tmp, NULL);
	assert_non_null(real);
	snprintf(f->dir, sizeof f->dir, "%s", real);
	free(real);
	snprintf(f->sub, sizeof f->sub, "%s/sub", f->dir);
	assert_int_equal(mkdir(f->sub, 0700), 0);
	snprintf(f->path, sizeof f->path, "%s/koyomi.conf", f->sub);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[160];

	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	test_free(f);
	return 0;
}

static void
put(const char *path, const char *text, mode_t mode)
{
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

/* Loads text as the config; returns the conf (or NULL) and the diag. */
static struct conf *
load(struct fx *f, const char *text, struct rules_diag *d)
{
	put(f->path, text, 0644);
	rules_diag_init(d);
	return conf_load(f->path, d);
}

/* 1 when some message starts with "path:line:col: error: " and has s. */
static int
has_error(const struct fx *f, const struct rules_diag *d, int line, int col,
    const char *s)
{
	char	 prefix[192];
	size_t	 i;

	snprintf(prefix, sizeof prefix, "%s:%d:%d: error: ", f->path, line,
	    col);
	for (i = 0; i < d->n; i++)
		if (strncmp(d->msgs[i], prefix, strlen(prefix)) == 0 &&
		    strstr(d->msgs[i], s) != NULL)
			return 1;
	for (i = 0; i < d->n; i++)
		print_message("diag: %s\n", d->msgs[i]);
	return 0;
}

static void
test_good(void **state)
{
	struct fx		*f = *state;
	struct rules_diag	 d;
	struct conf		*c;
	char			 want[256];

	c = load(f, "listen: 127.0.0.1:9999\n"
	    "base_url: https://koyomi.example.jp\n"
	    "database: /var/lib/koyomi/koyomi.db\n"
	    "rules: /etc/koyomi/rules\n"
	    "timezone: Asia/Tokyo\n"
	    "window: \"08:30-18:15\"\n"
	    "mail_transport: smtp://mail.example.jp:587\n"
	    "mail_starttls: required\n"
	    "mail_from: \"koyomi <k@example.jp>\"\n"
	    "admin_mail: admin@example.jp\n"
	    "max_connections: 50\nconn_timeout: 7\n"
	    "max_body: 2048\nmax_header: 4096\n"
	    "smtp_connect_timeout: 5\nsmtp_timeout: 3600\n"
	    "mail_connections: 8\nwebhook_connections: 2\n"
	    "watch_rules: false\n"
	    "chase_past: true\n"
	    "webhooks:\n"
	    "  - id: chat\n"
	    "    url: https://chat.example.jp/hook\n"
	    "    format: slack\n"
	    "    secrets: [whsec_a, whsec_b]\n"
	    "    events: [task.overdue]\n"
	    "  - {id: plain, url: \"http://127.0.0.1:1/x\"}\n", &d);
	assert_int_equal(d.n, 0);
	assert_non_null(c);
	assert_string_equal(c->listen, "127.0.0.1:9999");
	assert_string_equal(c->base_url, "https://koyomi.example.jp");
	assert_string_equal(c->database, "/var/lib/koyomi/koyomi.db");
	assert_string_equal(c->rules, "/etc/koyomi/rules");
	assert_int_equal(c->window_start, 8 * 3600 + 30 * 60);
	assert_int_equal(c->window_end, 18 * 3600 + 15 * 60);
	assert_string_equal(c->mail_transport, "smtp://mail.example.jp:587");
	assert_int_equal(c->mail_starttls, 1);
	assert_string_equal(c->mail_from, "koyomi <k@example.jp>");
	assert_string_equal(c->admin_mail, "admin@example.jp");
	assert_int_equal(c->max_connections, 50);
	assert_int_equal(c->conn_timeout, 7);
	assert_int_equal(c->max_body, 2048);
	assert_int_equal(c->max_header, 4096);
	assert_int_equal(c->smtp_connect_timeout, 5);
	assert_int_equal(c->smtp_timeout, 3600);
	assert_int_equal(c->mail_connections, 8);
	assert_int_equal(c->webhook_connections, 2);
	assert_int_equal(c->watch_rules, 0);
	assert_int_equal(c->chase_past, 1);
	assert_int_equal(c->nwebhooks, 2);
	assert_string_equal(c->webhooks[0].id, "chat");
	assert_int_equal(c->webhooks[0].format, HOOK_SLACK);
	assert_int_equal(c->webhooks[0].nsecrets, 2);
	assert_string_equal(c->webhooks[0].secrets[1], "whsec_b");
	assert_int_equal(c->webhooks[0].nevents, 1);
	assert_string_equal(c->webhooks[0].events[0], "task.overdue");
	assert_int_equal(c->webhooks[1].format, HOOK_STANDARD);
	assert_int_equal(c->webhooks[1].nsecrets, 0);
	/* secret_key_file defaults beside the config; absent is fine. */
	snprintf(want, sizeof want, "%s/secret.key", f->sub);
	assert_string_equal(c->secret_key_file, want);
	conf_free(c);
	rules_diag_free(&d);
}

static void
test_listen(void **state)
{
	struct fx		*f = *state;
	struct rules_diag	 d;
	struct conf		*c;

	c = load(f, "listen: \"[::1]:8081\"\n", &d);
	assert_non_null(c);
	assert_string_equal(c->listen, "[::1]:8081");
	assert_string_equal(c->base_url, "http://[::1]:8081");
	conf_free(c);
	rules_diag_free(&d);
	c = load(f, "listen: \":8082\"\n", &d);
	assert_non_null(c);
	assert_string_equal(c->listen, ":8082");
	assert_string_equal(c->base_url, "http://127.0.0.1:8082");
	conf_free(c);
	rules_diag_free(&d);
}

static void
test_defaults(void **state)
{
	struct fx		*f = *state;
	struct rules_diag	 d;
	struct conf		*c;
	char			 want[256];

	c = load(f, "# nothing but defaults\n", &d);
	assert_non_null(c);
	assert_int_equal(d.n, 0);
	assert_string_equal(c->listen, "127.0.0.1:8080");
	assert_string_equal(c->base_url, "http://127.0.0.1:8080");
	assert_string_equal(c->timezone, "Asia/Tokyo");
	assert_int_equal(c->window_start, 9 * 3600);
	assert_int_equal(c->window_end, 17 * 3600);
	assert_int_equal(c->max_connections, 1024);
	assert_int_equal(c->conn_timeout, 30);
	assert_int_equal(c->max_body, 1 << 20);
	assert_int_equal(c->max_header, 16384);
	assert_int_equal(c->smtp_connect_timeout, 10);
	assert_int_equal(c->smtp_timeout, 30);
	assert_int_equal(c->mail_connections, 4);
	assert_int_equal(c->webhook_connections, 8);
	assert_int_equal(c->watch_rules, 1);
	assert_int_equal(c->chase_past, 0);
	assert_int_equal(c->mail_starttls, 0);
	assert_null(c->templates);
	assert_null(c->mail_credentials);
	assert_int_equal(c->closed_days.n, 0);
	snprintf(want, sizeof want, "%s/koyomi.db", f->sub);
	assert_string_equal(c->database, want);
	snprintf(want, sizeof want, "%s/rules", f->sub);
	assert_string_equal(c->rules, want);
	snprintf(want, sizeof want, "maildir:%s/mail", f->sub);
	assert_string_equal(c->mail_transport, want);
	conf_free(c);
	rules_diag_free(&d);
}

/*
 * closed_days: dates in any order, repeats dropped, kept sorted for the
 * lookups; anything but a list of real YYYY-MM-DD refused in place.
 */
static void
test_closed_days(void **state)
{
	struct fx		*f = *state;
	struct rules_diag	 d;
	struct conf		*c;

	c = load(f, "closed_days: [2025-08-14, 2025-08-13, 2025-08-14]\n", &d);
	assert_non_null(c);
	assert_int_equal(c->closed_days.n, 2);
	assert_int_equal(c->closed_days.days[0], cal_from_ymd(2025, 8, 13));
	assert_int_equal(c->closed_days.days[1], cal_from_ymd(2025, 8, 14));
	assert_true(cal_is_closed_in(&c->closed_days,
	    cal_from_ymd(2025, 8, 13)));
	conf_free(c);
	rules_diag_free(&d);
	c = load(f, "closed_days: []\n", &d);
	assert_non_null(c);
	assert_int_equal(c->closed_days.n, 0);
	conf_free(c);
	rules_diag_free(&d);

	assert_null(load(f, "closed_days: 2025-08-13\n", &d));
	assert_true(has_error(f, &d, 1, 14, "'closed_days' must be a list of "
	    "dates"));
	assert_int_equal(d.nerrors, 1);
	rules_diag_free(&d);
	assert_null(load(f, "closed_days: [2025-08-13, 2025-02-30, R7.8.13, "
	    "[2025-08-14]]\n", &d));
	assert_true(has_error(f, &d, 1, 27, "'closed_days': '2025-02-30' is "
	    "not a date (YYYY-MM-DD)"));
	assert_true(has_error(f, &d, 1, 39, "'closed_days': 'R7.8.13' is not "
	    "a date"));
	assert_true(has_error(f, &d, 1, 48, "'closed_days' must be a single "
	    "value"));
	assert_int_equal(d.nerrors, 3);
	rules_diag_free(&d);
}

static void
test_unknown_key(void **state)
{
	struct fx		*f = *state;
	struct rules_diag	 d;

	assert_null(load(f, "listen: 127.0.0.1:1\n\nlistne_x: 1\n"
	    "  # comment\ndatabse: k.db\n", &d));
	assert_true(has_error(f, &d, 3, 1, "unknown key 'listne_x'"));
	assert_true(has_error(f, &d, 5, 1, "unknown key 'databse' (did you "
	    "mean 'database'?)"));
	assert_int_equal(d.nerrors, 2);
	rules_diag_free(&d);
	/* In a webhook too. */
	assert_null(load(f, "webhooks:\n  - id: a\n    url: http://x/\n"
	    "    colour: red\n", &d));
	assert_true(has_error(f, &d, 4, 5, "unknown key 'colour' in a "
	    "webhook"));
	rules_diag_free(&d);
}

static void
test_bad_window(void **state)
{
	static const char *const bad[] = {
		"17:00-09:00", "9-5", "09:00-17:00x", "09:00", "24:00-24:30",
		"09:60-10:00", "10:00-10:00", "",
	};
	struct fx		*f = *state;
	struct rules_diag	 d;
	char			 text[128];
	size_t			 i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "timezone: Asia/Tokyo\n"
		    "window: \"%s\"\n", bad[i]);
		assert_null(load(f, text, &d));
		if (!has_error(f, &d, 2, 9, "'window' must be like 09:00-17:00"))
			fail_msg("window \"%s\" was not refused", bad[i]);
		rules_diag_free(&d);
	}
	/* A list where a value belongs. */
	assert_null(load(f, "window: [a, b]\n", &d));
	assert_true(has_error(f, &d, 1, 9, "'window' must be a single value"));
	rules_diag_free(&d);
	/* listen: what `run` can bind, checked where it is written. */
	{
		static const char *const badl[] = { "localhost:8080",
		    "127.0.0.1:abc", "127.0.0.1:", "127.0.0.1:99999", "8080",
		    "[::1:8080", "1.2.3:80" };

		for (i = 0; i < sizeof badl / sizeof badl[0]; i++) {
			snprintf(text, sizeof text, "# x\nlisten: \"%s\"\n",
			    badl[i]);
			assert_null(load(f, text, &d));
			if (!has_error(f, &d, 2, 9, "'listen' must be "
			    "ADDRESS:PORT"))
				fail_msg("listen \"%s\" was not refused",
				    badl[i]);
			rules_diag_free(&d);
		}
	}
	/* Numbers and enumerations are checked too. */
	assert_null(load(f, "max_body: 0\nmail_starttls: maybe\n"
	    "watch_rules: perhaps\n", &d));
	assert_true(has_error(f, &d, 1, 11, "'max_body' must be a number"));
	assert_true(has_error(f, &d, 2, 16, "'mail_starttls' must be"));
	assert_true(has_error(f, &d, 3, 14, "'watch_rules' must be true or "
	    "false"));
	rules_diag_free(&d);
}

/* SMTP time limits: whole seconds from 1 to 3600, refused in place. */
static void
test_smtp_timeouts(void **state)
{
	static const char *const bad[] = {
		"0", "-1", "-0", "3601", "4294967297", "ten", "1.5", "10s",
		"+5", "\"\"", "0x10", "1e3",
	};
	struct fx		*f = *state;
	struct rules_diag	 d;
	struct conf		*c;
	char			 text[128];
	size_t			 i;

	c = load(f, "smtp_timeout: 1\nsmtp_connect_timeout: \"60\"\n", &d);
	assert_non_null(c);
	assert_int_equal(c->smtp_timeout, 1);
	assert_int_equal(c->smtp_connect_timeout, 60);
	conf_free(c);
	rules_diag_free(&d);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "# mail\nsmtp_timeout: %s\n"
		    "smtp_connect_timeout: %s\n", bad[i], bad[i]);
		assert_null(load(f, text, &d));
		if (!has_error(f, &d, 2, 15, "'smtp_timeout' must be a whole "
		    "number of seconds from 1 to 3600") ||
		    !has_error(f, &d, 3, 23, "'smtp_connect_timeout' must be "
		    "a whole number of seconds from 1 to 3600"))
			fail_msg("smtp timeout %s was not refused", bad[i]);
		assert_int_equal(d.nerrors, 2);
		rules_diag_free(&d);
	}
	/* Not a single value; a typo gets the nearest key. */
	assert_null(load(f, "smtp_timeout: [30]\nsmtp_timout: 30\n", &d));
	assert_true(has_error(f, &d, 1, 15, "'smtp_timeout' must be a single "
	    "value"));
	assert_true(has_error(f, &d, 2, 1, "unknown key 'smtp_timout' (did "
	    "you mean 'smtp_timeout'?)"));
	rules_diag_free(&d);
}

/* Every text key: one line of text, not a list, not two lines. */
static void
test_text_keys(void **state)
{
	static const char *const keys[] = {
		"admin_mail", "base_url", "database", "inbound",
		"inbound_address", "inbound_cafile", "inbound_credentials",
		"inbound_delimiter", "listen", "mail_ca_file",
		"mail_credentials", "mail_from", "mail_transport", "rules",
		"secret_key_file", "templates", "timezone",
	};
	struct fx		*f = *state;
	struct rules_diag	 d;
	char			 text[128], want[96];
	size_t			 i, col;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		col = strlen(keys[i]) + 3;
		snprintf(text, sizeof text, "%s: [a]\n", keys[i]);
		assert_null(load(f, text, &d));
		snprintf(want, sizeof want, "'%s' must be a single value, not "
		    "a list", keys[i]);
		if (!has_error(f, &d, 1, (int)col, want))
			fail_msg("%s: a list was not refused", keys[i]);
		assert_int_equal(d.nerrors, 1);
		rules_diag_free(&d);

		snprintf(text, sizeof text, "# two lines\n%s: \"a\\nb\"\n",
		    keys[i]);
		assert_null(load(f, text, &d));
		snprintf(want, sizeof want, "'%s' must be one line", keys[i]);
		if (!has_error(f, &d, 2, (int)col, want))
			fail_msg("%s: two lines were not refused", keys[i]);
		assert_int_equal(d.nerrors, 1);
		rules_diag_free(&d);
	}
}

/* The HTTP limits: 1 to 2^30, in the field of their own width. */
static void
test_numbers(void **state)
{
	static const char *const keys[] = {
		"max_connections", "conn_timeout", "max_body", "max_header",
	};
	static const char *const bad[] = {
		"0", "1073741825", "-1", "ten", "\"\"", "12k", "[1]",
	};
	struct fx		*f = *state;
	struct rules_diag	 d;
	struct conf		*c;
	char			 text[128], want[96];
	size_t			 i, k;

	c = load(f, "max_connections: 1\nconn_timeout: 1073741824\n"
	    "max_body: 1073741824\nmax_header: 1\n", &d);
	assert_non_null(c);
	assert_int_equal(c->max_connections, 1);
	assert_int_equal(c->conn_timeout, 1073741824);
	assert_int_equal(c->max_body, 1073741824);
	assert_int_equal(c->max_header, 1);
	conf_free(c);
	rules_diag_free(&d);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
			snprintf(text, sizeof text, "%s: %s\n", keys[i],
			    bad[k]);
			assert_null(load(f, text, &d));
			snprintf(want, sizeof want, bad[k][0] == '[' ?
			    "'%s' must be a single value" : "'%s' must be a "
			    "number from 1 to 1073741824", keys[i]);
			if (!has_error(f, &d, 1, (int)strlen(keys[i]) + 3,
			    want))
				fail_msg("%s: %s was not refused", keys[i],
				    bad[k]);
			assert_int_equal(d.nerrors, 1);
			rules_diag_free(&d);
		}
}

/* Connections to the mail server and to each endpoint: 1 to 64. */
static void
test_connections(void **state)
{
	static const char *const keys[] = {
		"mail_connections", "webhook_connections",
	};
	static const char *const bad[] = {
		"0", "65", "-1", "four", "\"\"", "1.5", "[4]",
	};
	struct fx		*f = *state;
	struct rules_diag	 d;
	struct conf		*c;
	char			 text[128], want[96];
	size_t			 i, k;

	c = load(f, "mail_connections: 1\nwebhook_connections: 64\n", &d);
	assert_non_null(c);
	assert_int_equal(c->mail_connections, 1);
	assert_int_equal(c->webhook_connections, 64);
	conf_free(c);
	rules_diag_free(&d);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
			snprintf(text, sizeof text, "%s: %s\n", keys[i],
			    bad[k]);
			assert_null(load(f, text, &d));
			snprintf(want, sizeof want, bad[k][0] == '[' ?
			    "'%s' must be a single value" : "'%s' must be a "
			    "number from 1 to 64", keys[i]);
			if (!has_error(f, &d, 1, (int)strlen(keys[i]) + 3,
			    want))
				fail_msg("%s: %s was not refused", keys[i],
				    bad[k]);
			assert_int_equal(d.nerrors, 1);
			rules_diag_free(&d);
		}
}

/* true/yes, false/no; and the two words of mail_starttls. */
static void
test_switches(void **state)
{
	struct fx		*f = *state;
	struct rules_diag	 d;
	struct conf		*c;

	c = load(f, "watch_rules: no\nmail_ics: false\n"
	    "mail_starttls: required\n", &d);
	assert_non_null(c);
	assert_int_equal(c->watch_rules, 0);
	assert_int_equal(c->mail_ics, 0);
	assert_int_equal(c->mail_starttls, 1);
	conf_free(c);
	rules_diag_free(&d);
	c = load(f, "watch_rules: yes\nmail_ics: true\n"
	    "mail_starttls: optional\n", &d);
	assert_non_null(c);
	assert_int_equal(c->watch_rules, 1);
	assert_int_equal(c->mail_ics, 1);
	assert_int_equal(c->mail_starttls, 0);
	conf_free(c);
	rules_diag_free(&d);
	assert_null(load(f, "mail_ics: 1\nwatch_rules: [true]\n"
	    "mail_starttls: Required\n", &d));
	assert_true(has_error(f, &d, 1, 11, "'mail_ics' must be true or "
	    "false"));
	assert_true(has_error(f, &d, 2, 14, "'watch_rules' must be a single "
	    "value"));
	assert_true(has_error(f, &d, 3, 16, "'mail_starttls' must be "
	    "required or optional"));
	assert_int_equal(d.nerrors, 3);
	rules_diag_free(&d);
}

/*
 * Replies by mail: a relative Maildir and the reply address derived from
 * mail_from; IMAP only over TLS and with a password file nobody else
 * reads; a reply address without a tag of its own; the MTA's delimiter.
 */
static void
test_inbound(void **state)
{
	struct fx		*f = *state;
	struct rules_diag	 d;
	struct conf		*c;
	char			 want[256], cred[160], text[512];

	c = load(f, "mail_from: \"koyomi <koyomi@example.jp>\"\n"
	    "inbound: maildir:../inbox\n", &d);
	assert_non_null(c);
	snprintf(want, sizeof want, "maildir:%s/../inbox", f->sub);
	assert_string_equal(c->inbound, want);
	assert_string_equal(c->inbound_address, "koyomi@example.jp");
	assert_string_equal(c->inbound_delimiter, "+");
	assert_int_equal(c->inbound_ack, 0);
	assert_int_equal(c->inbound_poll, 60);
	assert_int_equal(c->inbound_max_attachment, 10485760);
	assert_null(c->inbound_credentials);
	conf_free(c);
	rules_diag_free(&d);
	/* No inbound: the rest is read but nothing needs it. */
	c = load(f, "", &d);
	assert_non_null(c);
	assert_null(c->inbound);
	assert_string_equal(c->inbound_address, "koyomi@localhost");
	conf_free(c);
	rules_diag_free(&d);
	snprintf(cred, sizeof cred, "%s/imap.secret", f->sub);
	put(cred, "koyomi:pw\n", 0600);
	snprintf(text, sizeof text, "inbound: imaps://koyomi@mx/INBOX\n"
	    "inbound_credentials: imap.secret\ninbound_cafile: ca.pem\n"
	    "inbound_address: replies@example.jp\ninbound_delimiter: \"-\"\n"
	    "inbound_poll: 5\ninbound_max_attachment: 1024\n"
	    "inbound_ack: yes\n");
	c = load(f, text, &d);
	assert_non_null(c);
	assert_string_equal(c->inbound, "imaps://koyomi@mx/INBOX");
	assert_string_equal(c->inbound_credentials, cred);
	snprintf(want, sizeof want, "%s/ca.pem", f->sub);
	assert_string_equal(c->inbound_cafile, want);
	assert_string_equal(c->inbound_address, "replies@example.jp");
	assert_string_equal(c->inbound_delimiter, "-");
	assert_int_equal(c->inbound_poll, 5);
	assert_int_equal(c->inbound_max_attachment, 1024);
	assert_int_equal(c->inbound_ack, 1);
	conf_free(c);
	rules_diag_free(&d);
	assert_null(load(f, "inbound: imap://mx/INBOX\n"
	    "inbound_address: \"koyomi <k@example.jp>\"\n"
	    "inbound_delimiter: \".\"\ninbound_poll: 0\n"
	    "inbound_max_attachment: 1023\n", &d));
	assert_true(has_error(f, &d, 1, 10, "'inbound' must be maildir:PATH "
	    "or imaps://"));
	assert_true(has_error(f, &d, 2, 18, "'inbound_address' must be a "
	    "bare address"));
	assert_true(has_error(f, &d, 3, 20, "'inbound_delimiter' must be +, "
	    "- or ="));
	assert_true(has_error(f, &d, 4, 15, "'inbound_poll' must be a whole "
	    "number of seconds from 1 to 3600"));
	assert_true(has_error(f, &d, 5, 25, "'inbound_max_attachment' must "
	    "be a number from 1024 to 1073741824"));
	assert_int_equal(d.nerrors, 5);
	rules_diag_free(&d);
	/* IMAP without a password file; a tagged reply address. */
	assert_null(load(f, "mail_from: k+x@example.jp\n"
	    "inbound: imaps://mx/INBOX\n", &d));
	assert_true(has_error(f, &d, 2, 1, "needs 'inbound_credentials'"));
	assert_true(has_error(f, &d, 2, 1, "needs a reply address without +"));
	assert_int_equal(d.nerrors, 2);
	rules_diag_free(&d);
	/* A password file the group may read. */
	put(cred, "koyomi:pw\n", 0640);
	assert_null(load(f, "inbound: imaps://mx/INBOX\n"
	    "inbound_credentials: imap.secret\n", &d));
	assert_true(has_error(f, &d, 1, 1, "'inbound_credentials'"));
	assert_int_equal(d.nerrors, 1);
	rules_diag_free(&d);
}

/* Each key of a webhook refused in place, and the mapping as a whole. */
static void
test_bad_webhooks(void **state)
{
	struct fx		*f = *state;
	struct rules_diag	 d;
	struct conf		*c;

	c = load(f, "webhooks:\n  - {id: a, url: u, format: teams}\n"
	    "  - {id: b, url: v, format: lineworks, events: []}\n", &d);
	assert_non_null(c);
	assert_int_equal(c->nwebhooks, 2);
	assert_int_equal(c->webhooks[0].format, HOOK_TEAMS);
	assert_int_equal(c->webhooks[1].format, HOOK_LINEWORKS);
	assert_int_equal(c->webhooks[1].nevents, 0);
	conf_free(c);
	rules_diag_free(&d);

	assert_null(load(f, "webhooks: {id: a, url: u}\n", &d));
	assert_true(has_error(f, &d, 1, 11, "'webhooks' must be a list"));
	rules_diag_free(&d);

	assert_null(load(f, "webhooks:\n"
	    "  - chat\n"
	    "  - {id: a}\n"
	    "  - {id: b, url: u, format: Slack}\n"
	    "  - {id: c, url: u, secrets: [whsec_ok, wh_bad]}\n"
	    "  - {id: d, url: u, secrets: whsec_one, events: task.overdue}\n"
	    "  - {id: [e], url: u}\n", &d));
	assert_true(has_error(f, &d, 2, 5, "a webhook must be a mapping"));
	assert_true(has_error(f, &d, 3, 5, "a webhook needs 'id' and 'url'"));
	assert_true(has_error(f, &d, 4, 29, "'format' must be standard, "
	    "slack, teams or lineworks"));
	assert_true(has_error(f, &d, 5, 41, "a webhook secret must start "
	    "with whsec_"));
	assert_true(has_error(f, &d, 6, 30, "'secrets' must be a list"));
	assert_true(has_error(f, &d, 6, 49, "'events' must be a list"));
	assert_true(has_error(f, &d, 7, 10, "'id' must be a single value"));
	assert_true(has_error(f, &d, 7, 5, "a webhook needs 'id' and 'url'"));
	assert_int_equal(d.nerrors, 8);
	rules_diag_free(&d);
}

/* One key of koyomi.conf(5): the tag line after a .TP under KEYS. */
struct doc_key {
	char	 parent[32];	/* "" at the top, else the key above */
	char	 name[32];
	char	 tag[512];
};

/* Collects the keys the manual documents; returns how many. */
static size_t
doc_keys(struct doc_key *dk, size_t max)
{
	const char	*src = getenv("KOYOMI_SRC");
	char		 path[512], line[512], top[32] = "";
	const char	*p;
	FILE		*fp;
	size_t		 n = 0, len, lines;
	int		 in_keys = 0, depth = 0, tag = 0;

	snprintf(path, sizeof path, "%s/docs/koyomi.conf.5",
	    src != NULL ? src : ".");
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("%s: cannot open (run from the repository top)", path);
	for (lines = 0; lines < 10000 && fgets(line, sizeof line, fp) != NULL;
	    lines++) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".SH ", 4) == 0)
			in_keys = strcmp(line + 4, "KEYS") == 0;
		else if (!in_keys)
			continue;
		else if (strcmp(line, ".RS") == 0)
			depth++;
		else if (strcmp(line, ".RE") == 0)
			depth--;
		else if (strcmp(line, ".TP") == 0)
			tag = 1;
		else if (tag) {
			tag = 0;
			if (strncmp(line, ".B ", 3) != 0 &&
			    strncmp(line, ".BR ", 4) != 0)
				fail_msg("KEYS: .TP without a key: %s", line);
			p = line + strcspn(line, " ");
			p += strspn(p, " ");
			assert_true(n < max);
			len = strcspn(p, " ");
			assert_true(len > 0 && len < sizeof dk[n].name);
			memcpy(dk[n].name, p, len);
			dk[n].name[len] = '\0';
			snprintf(dk[n].parent, sizeof dk[n].parent, "%s",
			    depth > 0 ? top : "");
			snprintf(dk[n].tag, sizeof dk[n].tag, "%s", line);
			if (depth == 0)
				snprintf(top, sizeof top, "%s", dk[n].name);
			n++;
		}
	}
	assert_int_equal(fclose(fp), 0);
	return n;
}

/*
 * koyomi.conf(5) and conf.c's table of keys agree: every key in the
 * table is documented, under the key it is nested in, with its default
 * on its line; every key documented is in the table. The table is
 * sorted within each mapping, or bsearch would miss keys.
 */
static void
test_manual(void **state)
{
	struct doc_key	 dk[64];
	const char	*name, *parent, *def, *prev = NULL, *prevp = NULL;
	size_t		 ndoc, i, k, nkeys = 0;
	int		 found;

	(void)state;
	ndoc = doc_keys(dk, sizeof dk / sizeof dk[0]);
	for (i = 0; i < 100 && (name = conf_key(i, &parent, &def)) != NULL;
	    i++) {
		nkeys++;
		if (prev != NULL && (parent == prevp || (parent != NULL &&
		    prevp != NULL && strcmp(parent, prevp) == 0)) &&
		    strcmp(prev, name) >= 0)
			fail_msg("the table is not sorted at '%s'", name);
		prev = name;
		prevp = parent;
		for (k = 0, found = 0; k < ndoc && !found; k++) {
			if (strcmp(dk[k].name, name) != 0 ||
			    strcmp(dk[k].parent, parent != NULL ? parent :
			    "") != 0)
				continue;
			found = 1;
			if (def != NULL && strstr(dk[k].tag, def) == NULL)
				fail_msg("koyomi.conf(5) does not give '%s' as "
				    "the default of %s: %s", def, name,
				    dk[k].tag);
		}
		if (!found)
			fail_msg("key %s%s%s is not in koyomi.conf(5)",
			    parent != NULL ? parent : "", parent != NULL ?
			    "." : "", name);
	}
	assert_true(nkeys > 20);
	for (k = 0; k < ndoc; k++) {
		for (i = 0, found = 0; !found &&
		    (name = conf_key(i, &parent, &def)) != NULL; i++)
			found = strcmp(dk[k].name, name) == 0 &&
			    strcmp(dk[k].parent, parent != NULL ? parent :
			    "") == 0;
		if (!found)
			fail_msg("koyomi.conf(5) documents '%s', which conf.c "
			    "does not know", dk[k].tag);
	}
	assert_int_equal(ndoc, nkeys);
}

static void
test_relative_paths(void **state)
{
	struct fx		*f = *state;
	struct rules_diag	 d;
	struct conf		*c;
	char			 want[256], cwd[256];

	/* Work from elsewhere: paths must not depend on the cwd. */
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir("/"), 0);
	put(f->path, "database: ../var/k.db\nrules: rules.d\n"
	    "secret_key_file: keys/link.key\ntemplates: tpl\n"
	    "mail_transport: maildir:../mail\n"
	    "mail_credentials: smtp.secret\n", 0644);
	snprintf(want, sizeof want, "%s/smtp.secret", f->sub);
	put(want, "u:p\n", 0600);
	rules_diag_init(&d);
	c = conf_load(f->path, &d);
	assert_int_equal(chdir(cwd), 0);
	assert_non_null(c);
	snprintf(want, sizeof want, "%s/../var/k.db", f->sub);
	assert_string_equal(c->database, want);
	snprintf(want, sizeof want, "%s/rules.d", f->sub);
	assert_string_equal(c->rules, want);
	snprintf(want, sizeof want, "%s/keys/link.key", f->sub);
	assert_string_equal(c->secret_key_file, want);
	snprintf(want, sizeof want, "%s/tpl", f->sub);
	assert_string_equal(c->templates, want);
	snprintf(want, sizeof want, "maildir:%s/../mail", f->sub);
	assert_string_equal(c->mail_transport, want);
	snprintf(want, sizeof want, "%s/smtp.secret", f->sub);
	assert_string_equal(c->mail_credentials, want);
	conf_free(c);
	rules_diag_free(&d);

	/* A relative -c path: resolved through the config's real folder. */
	assert_int_equal(chdir(f->dir), 0);
	put(f->path, "database: k.db\n", 0644);
	rules_diag_init(&d);
	c = conf_load("sub/koyomi.conf", &d);
	assert_int_equal(chdir(cwd), 0);
	assert_non_null(c);
	snprintf(want, sizeof want, "%s/k.db", f->sub);
	assert_string_equal(c->database, want);
	conf_free(c);
	rules_diag_free(&d);
}

static void
test_secret_files(void **state)
{
	struct fx		*f = *state;
	struct rules_diag	 d;
	struct conf		*c;
	char			 key[192], cred[192], text[512];

	snprintf(key, sizeof key, "%s/secret.key", f->sub);
	snprintf(cred, sizeof cred, "%s/cred", f->sub);
	snprintf(text, sizeof text, "secret_key_file: %s\n"
	    "mail_credentials: %s\n", key, cred);

	put(key, "0123456789abcdef0123456789abcdef\n", 0644);
	put(cred, "user:pass\n", 0600);
	assert_null(load(f, text, &d));
	assert_true(has_error(f, &d, 1, 1, "'secret_key_file': "));
	assert_true(has_error(f, &d, 1, 1, "is readable by others"));
	rules_diag_free(&d);

	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(chmod(cred, 0640), 0);	/* the group is others too */
	assert_null(load(f, text, &d));
	assert_true(has_error(f, &d, 1, 1, "'mail_credentials': "));
	assert_int_equal(d.nerrors, 1);
	rules_diag_free(&d);

	assert_int_equal(chmod(cred, 0400), 0);
	c = load(f, text, &d);
	assert_non_null(c);
	assert_int_equal(d.n, 0);
	conf_free(c);
	rules_diag_free(&d);

	/* A CA file must be readable; one that is, is kept resolved. */
	snprintf(text, sizeof text, "secret_key_file: %s\n"
	    "mail_ca_file: %s/no-such-ca.pem\n", key, f->sub);
	assert_null(load(f, text, &d));
	assert_true(has_error(f, &d, 1, 1, "'mail_ca_file': "));
	assert_true(has_error(f, &d, 1, 1, "No such file"));
	rules_diag_free(&d);
	snprintf(text, sizeof text, "secret_key_file: %s\n"
	    "mail_ca_file: %s\n", key, cred);
	c = load(f, text, &d);
	assert_non_null(c);
	assert_string_equal(c->mail_ca_file, cred);
	conf_free(c);
	rules_diag_free(&d);

	/* Credentials over smtp:// only with STARTTLS required. */
	snprintf(text, sizeof text, "secret_key_file: %s\n"
	    "mail_credentials: %s\nmail_transport: smtp://127.0.0.1:25\n"
	    "mail_starttls: optional\n", key, cred);
	assert_null(load(f, text, &d));
	assert_true(has_error(f, &d, 4, 1, "'mail_credentials' over smtp:// "
	    "needs 'mail_starttls: required'"));
	assert_int_equal(d.nerrors, 1);
	rules_diag_free(&d);
	snprintf(text, sizeof text, "secret_key_file: %s\n"
	    "mail_credentials: %s\nmail_transport: smtp://127.0.0.1:25\n",
	    key, cred);
	assert_null(load(f, text, &d));	/* the default is optional */
	assert_true(has_error(f, &d, 2, 1, "in clear text"));
	rules_diag_free(&d);
	snprintf(text, sizeof text, "secret_key_file: %s\n"
	    "mail_credentials: %s\nmail_transport: smtp://127.0.0.1:25\n"
	    "mail_starttls: required\n", key, cred);
	c = load(f, text, &d);
	assert_non_null(c);
	conf_free(c);
	rules_diag_free(&d);
	snprintf(text, sizeof text, "secret_key_file: %s\n"
	    "mail_credentials: %s\nmail_transport: smtps://127.0.0.1:465\n",
	    key, cred);
	c = load(f, text, &d);
	assert_non_null(c);
	conf_free(c);
	rules_diag_free(&d);

	/* A missing key file is created at start; missing credentials not. */
	assert_int_equal(unlink(key), 0);
	assert_int_equal(unlink(cred), 0);
	assert_null(load(f, text, &d));
	assert_true(has_error(f, &d, 1, 1, "'mail_credentials': "));
	assert_int_equal(d.nerrors, 1);
	rules_diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_days, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unknown_key, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_window, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_smtp_timeouts, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_text_keys, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connections, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_switches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_webhooks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_inbound, setup, teardown),
		cmocka_unit_test(test_manual),
		cmocka_unit_test_setup_teardown(test_relative_paths, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secret_files, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
