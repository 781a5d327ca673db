/*
 * conf.h — koyomi.conf (YAML, design.md §10). Parsed with libyaml into a
 * fresh struct; errors go to a rules_diag as path:line:col, exactly like
 * rule files. Relative paths in the file are resolved against the folder
 * the config file is in, so `make run` works from a checkout.
 */
#ifndef KOYOMI_CONF_H
#define KOYOMI_CONF_H

#include <stddef.h>

#include "rules/rules.h"

enum conf_hook_format { HOOK_STANDARD, HOOK_SLACK, HOOK_TEAMS, HOOK_LINEWORKS };

struct conf_webhook {
	char			 *id;
	char			 *url;
	char			**secrets;	/* "whsec_…"; several during rotation */
	size_t			  nsecrets;
	char			**events;	/* filter; empty = all */
	size_t			  nevents;
	enum conf_hook_format	  format;
};

struct conf {
	char			*path;		/* the file read */
	char			*listen;	/* "127.0.0.1:8080" */
	char			*base_url;	/* "http://127.0.0.1:8080" */
	char			*database;	/* absolute path */
	char			*rules;		/* absolute path of the rules folder */
	char			*timezone;	/* "Asia/Tokyo" */
	int			 window_start;	/* delivery window, local secs */
	int			 window_end;
	char			*mail_transport; /* "maildir:/abs/path", "smtp://…", "smtps://…" */
	char			*mail_from;	/* "koyomi <koyomi@example.jp>" */
	char			*mail_credentials; /* file with "user:password", 0600 */
	char			*mail_ca_file;	/* PEM CAs for the mail server */
	int			 mail_starttls;	/* 1 required, 0 optional */
	unsigned		 smtp_connect_timeout; /* seconds to connect and greet */
	unsigned		 smtp_timeout;	/* seconds per message, connecting included */
	unsigned		 mail_connections; /* to the mail server; 0: 4 */
	char			*admin_mail;	/* announcements to administrators */
	char			*secret_key_file; /* signed links; created 0600 */
	char			*templates;	/* folder of template overrides, or NULL */
	struct conf_webhook	*webhooks;
	size_t			 nwebhooks;
	unsigned		 webhook_connections; /* per endpoint; 0: 8 */
	/* HTTP limits. */
	unsigned		 max_connections;
	unsigned		 conn_timeout;	/* seconds */
	size_t			 max_body;	/* bytes */
	size_t			 max_header;	/* bytes */
	int			 watch_rules;	/* inotify on the rules folder */
	int			 mail_ics;	/* text/calendar in meeting notices */
	/* The office's own closed days beyond the law's (sorted, owned):
	   for rule expansion, `check` and the reminders' business days. */
	struct cal_closed	 closed_days;
	/* Replies by mail (daemon/inbox/); inbound NULL: none read. */
	char			*inbound;	/* "maildir:/abs/path" or "imaps://…" */
	char			*inbound_address; /* replies go to its plus-addresses */
	char			*inbound_cafile; /* CA for imaps://, or NULL */
	char			*inbound_credentials; /* "user:password", 0600 */
	char			*inbound_delimiter; /* "+", "-" or "=" */
	int			 inbound_ack;	/* 受領確認 to the sender */
	size_t			 inbound_max_attachment; /* bytes per file */
	unsigned		 inbound_poll;	/* seconds between IMAP polls */
	/*
	 * Chase deadlines already past when koyomi first learns of them;
	 * false records them as 対象外・過去分 (tasks.past).
	 */
	int			 chase_past;
};

/* NULL on error, with every mistake in diag. */
struct conf	*conf_load(const char *path, struct rules_diag *);
void		 conf_free(struct conf *);
/*
 * The i-th key of the table conf.c reads, NULL past the last: its name,
 * the key it is nested in (NULL at the top, "webhooks") and its default
 * as written in a file (NULL: none, or derived from other keys). For
 * the test that holds koyomi.conf(5) to the table.
 */
const char	*conf_key(size_t i, const char **parent, const char **def);

#endif
