/*
 * conf.c — koyomi.conf (conf.h). The YAML tree and its limits are the
 * rule files' (rules/yaml.h), so the config gets the same path:line:col
 * errors and the same refusal of aliases, tabs and oversized files.
 * Validate all or free all: a config with any error yields NULL.
 *
 * Every key is one row of conf_keys[] (webhooks: hook_keys[]), near the
 * end of the file: its kind, the field it fills, its bounds and its
 * default as written in a file. conf_load sets the defaults, reads the
 * file over them by that table, then resolves paths and derives what
 * depends on other keys (derive()).
 */
#include <sys/stat.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/core/conf.h"
#include "rules/parse.h"
#include "notifier/mail.h"
#include "rules/yaml.h"

struct cctx {
	const char		*path;
	char			*dir;		/* folder of the config file */
	struct rules_diag	*diag;
	int			 errors;
};

static void
cerr(struct cctx *c, struct rules_mark m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
cerr(struct cctx *c, struct rules_mark m, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	rules_diag_add(c->diag, "error", c->path, m.line, m.col, "%s", msg);
	free(msg);
	c->errors++;
}

static void
yerr(void *arg, struct rules_mark m, const char *msg)
{
	cerr(arg, m, "%s", msg);
}

/*
 * How a key's value is read. The kind also fixes the field's C type:
 * K_STR and K_PATH a char *, K_BOOL an int, K_NUM an unsigned or a
 * size_t (the table has its size), K_SECONDS an unsigned, K_ENUM an int
 * or an enum, K_LIST a char ** with its size_t count at noff. K_FUNC
 * leaves the value to the key's own parse function.
 */
enum kind {
	K_STR,		/* one line of text */
	K_PATH,		/* one line, resolved against the config's folder */
	K_BOOL,		/* true/yes or false/no */
	K_NUM,		/* a decimal number from lo to hi */
	K_SECONDS,	/* whole seconds from lo to hi, digits only */
	K_ENUM,		/* one of words */
	K_LIST,		/* a list of one-line texts */
	K_FUNC,		/* parse reads it */
};

struct word {
	const char	*word;
	int		 value;
};

struct key {
	const char		*name;
	enum kind		 kind;
	size_t			 off;	/* of the field in its struct */
	size_t			 size;	/* of the field */
	unsigned long		 lo, hi; /* K_NUM, K_SECONDS */
	const char		*def;	/* the default, as written in a file */
	const struct word	*words;	/* K_ENUM, up to a NULL word */
	size_t			 noff;	/* K_LIST: of the count */
	/* K_STR, K_LIST: returns 0, after saying why, to refuse a text. */
	int			(*check)(struct cctx *, const struct ynode *);
	void			(*parse)(struct cctx *, const struct ynode *,
				    const struct key *, void *);
};

#define CONF(f)	.off = offsetof(struct conf, f),			\
		.size = sizeof(((struct conf *)0)->f)
#define HOOK(f)	.off = offsetof(struct conf_webhook, f),		\
		.size = sizeof(((struct conf_webhook *)0)->f)
#define NUM_MAX	(1UL << 30)	/* K_NUM: the HTTP limits */
#define SECONDS_MAX 3600	/* K_SECONDS: the SMTP limits, an hour */
#define CONNS_MAX 64		/* K_NUM: connections to one mail server or endpoint */

/* The field of key k in base, a struct conf or a struct conf_webhook. */
static void *
field(void *base, const struct key *k)
{
	return (char *)base + k->off;
}

/* Stores n in a field of the width the table gives. */
static void
put_num(void *dst, size_t size, unsigned long n)
{
	unsigned	 u = (unsigned)n;
	size_t		 z = n;

	if (size == sizeof z)
		memcpy(dst, &z, sizeof z);
	else if (size == sizeof u)
		memcpy(dst, &u, sizeof u);
	else
		fatalx("conf: a number field of %zu bytes", size);
}

static int
want_scalar(struct cctx *c, const struct ynode *v, const char *key)
{
	if (v->type != YN_SCALAR) {
		cerr(c, v->mark, "'%s' must be a single value, not %s", key,
		    ynode_type_name(v));
		return 0;
	}
	if (strpbrk(v->str, "\r\n") != NULL) {
		cerr(c, v->mark, "'%s' must be one line", key);
		return 0;
	}
	return 1;
}

static void
set_str(struct cctx *c, const struct ynode *v, const struct key *k,
    char **dst)
{
	if (!want_scalar(c, v, k->name) ||
	    (k->check != NULL && !k->check(c, v)))
		return;
	free(*dst);
	*dst = xstrdup(v->str);
}

/* true/yes or false/no. */
static void
set_bool(struct cctx *c, const struct ynode *v, const struct key *k,
    void *dst)
{
	if (!want_scalar(c, v, k->name))
		return;
	if (strcmp(v->str, "true") == 0 || strcmp(v->str, "yes") == 0)
		put_num(dst, k->size, 1);
	else if (strcmp(v->str, "false") == 0 || strcmp(v->str, "no") == 0)
		put_num(dst, k->size, 0);
	else
		cerr(c, v->mark, "'%s' must be true or false", k->name);
}

/*
 * A number from lo to hi. K_NUM takes what strtoul takes (a sign or
 * blanks before the digits); K_SECONDS only digits: a time limit of 0
 * would mean "no limit" to libcurl, and a transfer that may hang forever
 * holds a connection and the messages queued behind it.
 */
static void
set_num(struct cctx *c, const struct ynode *v, const struct key *k,
    void *dst)
{
	char		*end;
	unsigned long	 n;
	int		 bad;

	if (!want_scalar(c, v, k->name))
		return;
	errno = 0;
	n = strtoul(v->str, &end, 10);
	if (k->kind == K_SECONDS)
		bad = *v->str < '0' || *v->str > '9';
	else
		bad = *v->str == '\0';
	if (bad || *end != '\0' || errno != 0 || n < k->lo || n > k->hi) {
		if (k->kind == K_SECONDS)
			cerr(c, v->mark, "'%s' must be a whole number of "
			    "seconds from %lu to %lu", k->name, k->lo, k->hi);
		else
			cerr(c, v->mark, "'%s' must be a number from %lu to "
			    "%lu", k->name, k->lo, k->hi);
		return;
	}
	put_num(dst, k->size, n);
}

/* One of the words; the error lists them all: "a, b or c". */
static void
set_enum(struct cctx *c, const struct ynode *v, const struct key *k,
    void *dst)
{
	const struct word	*w;
	char			*all, *tmp;

	if (!want_scalar(c, v, k->name))
		return;
	for (w = k->words; w->word != NULL; w++)
		if (strcmp(v->str, w->word) == 0) {
			put_num(dst, k->size, (unsigned long)w->value);
			return;
		}
	all = xstrdup(k->words[0].word);
	for (w = k->words + 1; w->word != NULL; w++) {
		xasprintf(&tmp, "%s%s%s", all, w[1].word != NULL ? ", " :
		    " or ", w->word);
		free(all);
		all = tmp;
	}
	cerr(c, v->mark, "'%s' must be %s", k->name, all);
	free(all);
}

static void
set_list(struct cctx *c, const struct ynode *v, const struct key *k,
    void *base)
{
	char	***list = field(base, k);
	size_t	  *n = (size_t *)((char *)base + k->noff);
	size_t	   i;

	if (v->type != YN_SEQ) {
		cerr(c, v->mark, "'%s' must be a list", k->name);
		return;
	}
	for (i = 0; i < v->n; i++) {
		if (!want_scalar(c, v->kids[i], k->name) ||
		    (k->check != NULL && !k->check(c, v->kids[i])))
			continue;
		*list = xreallocarray(*list, *n + 1, sizeof **list);
		(*list)[(*n)++] = xstrdup(v->kids[i]->str);
	}
}

/* Reads v into the field of k in base. */
static void
set_key(struct cctx *c, const struct ynode *v, const struct key *k,
    void *base)
{
	switch (k->kind) {
	case K_STR:
	case K_PATH:
		set_str(c, v, k, field(base, k));
		break;
	case K_BOOL:
		set_bool(c, v, k, field(base, k));
		break;
	case K_NUM:
	case K_SECONDS:
		set_num(c, v, k, field(base, k));
		break;
	case K_ENUM:
		set_enum(c, v, k, field(base, k));
		break;
	case K_LIST:
		set_list(c, v, k, base);
		break;
	case K_FUNC:
		k->parse(c, v, k, base);
		break;
	}
}

static int
key_cmp(const void *name, const void *k)
{
	return strcmp(name, ((const struct key *)k)->name);
}

/*
 * An unknown key: at the top with the nearest known one when it looks
 * like a typo, inside a nested map (in) with the map's name.
 */
static void
unknown_key(struct cctx *c, const struct ynode *key, const struct key *keys,
    size_t nkeys, const char *in)
{
	const char	*best = NULL;
	size_t		 i, d, bestd = SIZE_MAX;

	if (in != NULL) {
		cerr(c, key->mark, "unknown key '%s' in a %s", key->str, in);
		return;
	}
	for (i = 0; i < nkeys; i++)
		if ((d = rules_edit_distance(key->str, keys[i].name)) < bestd) {
			bestd = d;
			best = keys[i].name;
		}
	if (best != NULL && bestd <= 2 && bestd < strlen(best) &&
	    bestd < strlen(key->str))
		cerr(c, key->mark, "unknown key '%s' (did you mean '%s'?)",
		    key->str, best);
	else
		cerr(c, key->mark, "unknown key '%s'", key->str);
}

/* Every key of the mapping m into base, by the sorted table keys. */
static void
parse_map(struct cctx *c, const struct ynode *m, const struct key *keys,
    size_t nkeys, void *base, const char *in)
{
	const struct key	*k;
	size_t			 i;

	for (i = 0; i + 1 < m->n; i += 2) {
		k = bsearch(m->kids[i]->str, keys, nkeys, sizeof *keys,
		    key_cmp);
		if (k == NULL)
			unknown_key(c, m->kids[i], keys, nkeys, in);
		else
			set_key(c, m->kids[i + 1], k, base);
	}
}

/*
 * Each default is read like a value in the file, before the file: what
 * the file says replaces it, and a default passes the same checks.
 */
static void
set_defaults(struct cctx *c, const struct key *keys, size_t nkeys,
    void *base)
{
	struct ynode	 v = { .type = YN_SCALAR, .plain = 1 };
	size_t		 i;

	for (i = 0; i < nkeys; i++) {
		if (keys[i].def == NULL)
			continue;
		v.str = (char *)keys[i].def;
		v.len = strlen(v.str);
		set_key(c, &v, &keys[i], base);
	}
}

/* Frees the texts and lists that keys name in base. */
static void
free_fields(const struct key *keys, size_t nkeys, void *base)
{
	char	***list;
	size_t	   i, k, n;

	for (i = 0; i < nkeys; i++) {
		if (keys[i].kind == K_STR || keys[i].kind == K_PATH)
			free(*(char **)field(base, &keys[i]));
		if (keys[i].kind != K_LIST)
			continue;
		list = field(base, &keys[i]);
		n = *(size_t *)((char *)base + keys[i].noff);
		for (k = 0; k < n; k++)
			free((*list)[k]);
		free(*list);
	}
}

/*
 * "127.0.0.1:8080", "[::1]:8080" or ":8080" with a numeric address:
 * checked here so that `koyomi check` and the error's place agree with
 * what `koyomi run` will bind.
 */
static int
listen_ok(struct cctx *c, const struct ynode *v)
{
	const char	*s = v->str, *colon;
	char		 host[64], *end;
	unsigned char	 addr[16];
	long		 port;
	size_t		 n;
	int		 ok;

	if ((colon = strrchr(s, ':')) == NULL ||
	    (n = (size_t)(colon - s)) >= sizeof host)
		goto bad;
	memcpy(host, s, n);
	host[n] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || port < 0 ||
	    port > 65535)
		goto bad;
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = '\0';
		ok = inet_pton(AF_INET6, host + 1, addr) == 1;
	} else
		ok = n == 0 || inet_pton(AF_INET, host, addr) == 1;
	if (ok)
		return 1;
bad:
	cerr(c, v->mark, "'listen' must be ADDRESS:PORT with a numeric "
	    "address (127.0.0.1:8080, [::1]:8080 or :8080)");
	return 0;
}

/* "09:00-17:00" → window_start and window_end, in seconds. */
static void
set_window(struct cctx *c, const struct ynode *v, const struct key *k,
    void *base)
{
	struct conf	*cf = base;
	int		 h0, m0, h1, m1, n = 0;

	if (!want_scalar(c, v, k->name))
		return;
	if (sscanf(v->str, "%2d:%2d-%2d:%2d%n", &h0, &m0, &h1, &m1, &n) != 4 ||
	    v->str[n] != '\0' || h0 > 23 || h1 > 24 || m0 > 59 || m1 > 59 ||
	    h0 * 60 + m0 >= h1 * 60 + m1) {
		cerr(c, v->mark, "'window' must be like 09:00-17:00");
		return;
	}
	cf->window_start = (h0 * 60 + m0) * 60;
	cf->window_end = (h1 * 60 + m1) * 60;
}

static int
whsec_ok(struct cctx *c, const struct ynode *v)
{
	if (strncmp(v->str, "whsec_", 6) == 0)
		return 1;
	cerr(c, v->mark, "a webhook secret must start with whsec_");
	return 0;
}

static const struct word hook_formats[] = {
	{ "standard", HOOK_STANDARD }, { "slack", HOOK_SLACK },
	{ "teams", HOOK_TEAMS }, { "lineworks", HOOK_LINEWORKS }, { NULL, 0 },
};

/* The keys of one webhook. Keep sorted: looked up with bsearch. */
static const struct key hook_keys[] = {
	{ "events",	K_LIST,	HOOK(events),
	    .noff = offsetof(struct conf_webhook, nevents) },
	{ "format",	K_ENUM,	HOOK(format), .def = "standard",
	    .words = hook_formats },
	{ "id",		K_STR,	HOOK(id) },
	{ "secrets",	K_LIST,	HOOK(secrets),
	    .noff = offsetof(struct conf_webhook, nsecrets),
	    .check = whsec_ok },
	{ "url",	K_STR,	HOOK(url) },
};

/* A list of mappings, each read by hook_keys. */
static void
parse_hooks(struct cctx *c, const struct ynode *v, const struct key *k,
    void *base)
{
	struct conf		*cf = base;
	struct conf_webhook	*w;
	const struct ynode	*m;
	size_t			 i;

	if (v->type != YN_SEQ) {
		cerr(c, v->mark, "'%s' must be a list", k->name);
		return;
	}
	cf->webhooks = xcalloc(v->n + 1, sizeof *cf->webhooks);
	for (i = 0; i < v->n; i++) {
		m = v->kids[i];
		w = &cf->webhooks[cf->nwebhooks++];
		if (m->type != YN_MAP) {
			cerr(c, m->mark, "a webhook must be a mapping");
			continue;
		}
		set_defaults(c, hook_keys, nitems(hook_keys), w);
		parse_map(c, m, hook_keys, nitems(hook_keys), w, "webhook");
		if (w->id == NULL || w->url == NULL)
			cerr(c, m->mark, "a webhook needs 'id' and 'url'");
	}
}

/*
 * closed_days: a list of YYYY-MM-DD, each refused at its own place when
 * it is not a real date. Kept sorted without repeats for the lookups.
 */
static void
parse_closed(struct cctx *c, const struct ynode *v, const struct key *k,
    void *base)
{
	struct cal_closed	*cc = field(base, k);
	cal_day			 z;
	size_t			 i;

	if (v->type != YN_SEQ) {
		cerr(c, v->mark, "'%s' must be a list of dates", k->name);
		return;
	}
	free(cc->days);
	cc->days = xcalloc(v->n + 1, sizeof *cc->days);
	cc->n = 0;
	for (i = 0; i < v->n; i++) {
		if (!want_scalar(c, v->kids[i], k->name))
			continue;
		if (cal_parse_iso(v->kids[i]->str, &z) == -1) {
			cerr(c, v->kids[i]->mark, "'%s': '%s' is not a date "
			    "(YYYY-MM-DD)", k->name, v->kids[i]->str);
			continue;
		}
		cc->days[cc->n++] = z;
	}
	cc->n = cal_closed_sort(cc->days, cc->n);
}

/* Where replies are read: a Maildir the MTA delivers into, or IMAP. */
static int
inbound_ok(struct cctx *c, const struct ynode *v)
{
	if ((strncmp(v->str, "maildir:", 8) == 0 && v->str[8] != '\0') ||
	    (strncmp(v->str, "imaps://", 8) == 0 && v->str[8] != '\0'))
		return 1;
	cerr(c, v->mark, "'inbound' must be maildir:PATH or "
	    "imaps://USER@HOST/MAILBOX (IMAP only over TLS)");
	return 0;
}

/* A bare addr-spec: its plus-addresses are made by adding a tag. */
static int
address_ok(struct cctx *c, const struct ynode *v)
{
	char	*name = NULL, *addr = NULL;
	int	 ok;

	ok = mail_split_address(v->str, &name, &addr) == 0 && name == NULL &&
	    strcmp(addr, v->str) == 0 && strpbrk(addr, "+=") == NULL;
	free(name);
	free(addr);
	if (!ok)
		cerr(c, v->mark, "'inbound_address' must be a bare address "
		    "(koyomi@example.jp) without + or =");
	return ok;
}

static int
delimiter_ok(struct cctx *c, const struct ynode *v)
{
	if (strcmp(v->str, "+") == 0 || strcmp(v->str, "-") == 0 ||
	    strcmp(v->str, "=") == 0)
		return 1;
	cerr(c, v->mark, "'inbound_delimiter' must be +, - or = (the MTA's "
	    "recipient_delimiter)");
	return 0;
}

static const struct word starttls_words[] = {
	{ "required", 1 }, { "optional", 0 }, { NULL, 0 },
};

/*
 * Every key of koyomi.conf, and the only list of them: koyomi.conf(5)
 * documents each (conf_test holds the two together). Keep sorted:
 * looked up with bsearch. A key without a default here is left unset,
 * or (base_url, mail_transport) derived from others by derive().
 */
static const struct key conf_keys[] = {
	{ "admin_mail",		K_STR,	CONF(admin_mail) },
	{ "base_url",		K_STR,	CONF(base_url) },
	{ "chase_past",		K_BOOL,	CONF(chase_past), .def = "false" },
	{ "closed_days",	K_FUNC,	CONF(closed_days),
	    .parse = parse_closed },
	{ "conn_timeout",	K_NUM,	CONF(conn_timeout),
	    .lo = 1, .hi = NUM_MAX, .def = "30" },
	{ "database",		K_PATH,	CONF(database), .def = "koyomi.db" },
	{ "inbound",		K_STR,	CONF(inbound), .check = inbound_ok },
	{ "inbound_ack",	K_BOOL,	CONF(inbound_ack), .def = "false" },
	{ "inbound_address",	K_STR,	CONF(inbound_address),
	    .check = address_ok },
	{ "inbound_cafile",	K_PATH,	CONF(inbound_cafile) },
	{ "inbound_credentials", K_PATH, CONF(inbound_credentials) },
	{ "inbound_delimiter",	K_STR,	CONF(inbound_delimiter), .def = "+",
	    .check = delimiter_ok },
	{ "inbound_max_attachment", K_NUM, CONF(inbound_max_attachment),
	    .lo = 1024, .hi = NUM_MAX, .def = "10485760" },
	{ "inbound_poll",	K_SECONDS, CONF(inbound_poll),
	    .lo = 1, .hi = SECONDS_MAX, .def = "60" },
	{ "listen",		K_STR,	CONF(listen), .def = "127.0.0.1:8080",
	    .check = listen_ok },
	{ "mail_ca_file",	K_PATH,	CONF(mail_ca_file) },
	{ "mail_connections",	K_NUM,	CONF(mail_connections),
	    .lo = 1, .hi = CONNS_MAX, .def = "4" },
	{ "mail_credentials",	K_PATH,	CONF(mail_credentials) },
	{ "mail_from",		K_STR,	CONF(mail_from),
	    .def = "koyomi <koyomi@localhost>" },
	{ "mail_ics",		K_BOOL,	CONF(mail_ics), .def = "true" },
	{ "mail_starttls",	K_ENUM,	CONF(mail_starttls), .def = "optional",
	    .words = starttls_words },
	{ "mail_transport",	K_STR,	CONF(mail_transport) },
	{ "max_body",		K_NUM,	CONF(max_body),
	    .lo = 1, .hi = NUM_MAX, .def = "1048576" },
	{ "max_connections",	K_NUM,	CONF(max_connections),
	    .lo = 1, .hi = NUM_MAX, .def = "1024" },
	{ "max_header",		K_NUM,	CONF(max_header),
	    .lo = 1, .hi = NUM_MAX, .def = "16384" },
	{ "rules",		K_PATH,	CONF(rules), .def = "rules" },
	{ "secret_key_file",	K_PATH,	CONF(secret_key_file),
	    .def = "secret.key" },
	{ "smtp_connect_timeout", K_SECONDS, CONF(smtp_connect_timeout),
	    .lo = 1, .hi = SECONDS_MAX, .def = "10" },
	{ "smtp_timeout",	K_SECONDS, CONF(smtp_timeout),
	    .lo = 1, .hi = SECONDS_MAX, .def = "30" },
	{ "templates",		K_PATH,	CONF(templates) },
	{ "timezone",		K_STR,	CONF(timezone), .def = "Asia/Tokyo" },
	{ "watch_rules",	K_BOOL,	CONF(watch_rules), .def = "true" },
	{ "webhook_connections", K_NUM,	CONF(webhook_connections),
	    .lo = 1, .hi = CONNS_MAX, .def = "8" },
	{ "webhooks",		K_FUNC,	.off = offsetof(struct conf, webhooks),
	    .parse = parse_hooks },
	{ "window",		K_FUNC,	CONF(window_start),
	    .def = "09:00-17:00", .parse = set_window },
};

const char *
conf_key(size_t i, const char **parent, const char **def)
{
	const struct key	*k;

	if (i < nitems(conf_keys)) {
		k = &conf_keys[i];
		*parent = NULL;
	} else if ((i -= nitems(conf_keys)) < nitems(hook_keys)) {
		k = &hook_keys[i];
		*parent = "webhooks";
	} else
		return NULL;
	*def = k->def;
	return k->name;
}

/* Relative paths are relative to the config file's folder. */
static void
resolve_paths(struct cctx *c, struct conf *cf)
{
	char	**dst, *p;
	size_t	  i;

	for (i = 0; i < nitems(conf_keys); i++) {
		if (conf_keys[i].kind != K_PATH)
			continue;
		dst = field(cf, &conf_keys[i]);
		if (*dst == NULL || **dst == '/')
			continue;
		xasprintf(&p, "%s/%s", c->dir, *dst);
		free(*dst);
		*dst = p;
	}
}

/*
 * A relative maildir: of transport (mail_transport, inbound) is
 * relative to the config's folder, like a K_PATH.
 */
static void
resolve_maildir(struct cctx *c, char **spec)
{
	char	*p;

	if (*spec == NULL || strncmp(*spec, "maildir:", 8) != 0 ||
	    (*spec)[8] == '/')
		return;
	xasprintf(&p, "maildir:%s/%s", c->dir, *spec + 8);
	free(*spec);
	*spec = p;
}

/* The defaults that depend on other keys or on the config's folder. */
static void
derive(struct cctx *c, struct conf *cf)
{
	char	*name = NULL, *addr = NULL;

	/* ":8080" (every address) has no host to put in a link. */
	if (cf->base_url == NULL)
		xasprintf(&cf->base_url, "http://%s%s", cf->listen[0] == ':' ?
		    "127.0.0.1" : "", cf->listen);
	if (cf->mail_transport == NULL)
		xasprintf(&cf->mail_transport, "maildir:%s/mail", c->dir);
	else
		resolve_maildir(c, &cf->mail_transport);
	resolve_maildir(c, &cf->inbound);
	/* Replies go where mail comes from, unless told otherwise. */
	if (cf->inbound_address == NULL && cf->mail_from != NULL &&
	    mail_split_address(cf->mail_from, &name, &addr) == 0) {
		cf->inbound_address = addr;
		addr = NULL;
	}
	free(name);
	free(addr);
}

/*
 * IMAP needs a password, and a reply address must be one the tag can be
 * added to.
 */
static void
check_inbound(struct cctx *c, const struct ynode *root,
    struct rules_mark top, const struct conf *cf)
{
	struct ynode	*key = NULL;

	if (cf->inbound == NULL)
		return;
	if (root != NULL && root->type == YN_MAP)
		(void)ynode_get(root, "inbound", &key);
	if (key != NULL)
		top = key->mark;
	if (strncmp(cf->inbound, "imaps://", 8) == 0 &&
	    cf->inbound_credentials == NULL)
		cerr(c, top, "'inbound' over IMAP needs "
		    "'inbound_credentials' (a 0600 file user:password)");
	if (cf->inbound_address == NULL ||
	    strpbrk(cf->inbound_address, "+=") != NULL)
		cerr(c, top, "'inbound' needs a reply address without + or =: "
		    "set 'inbound_address'");
}

/* Refuses a secret file that the group or others can read. */
static void
check_secret(struct cctx *c, struct rules_mark m, const char *key,
    const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == -1) {
		if (errno != ENOENT || strcmp(key, "secret_key_file") != 0)
			cerr(c, m, "'%s': %s: %s", key, path, strerror(errno));
		return;		/* the key file is created on first start */
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		cerr(c, m, "'%s': %s is readable by others (chmod 600 it)",
		    key, path);
}

static char *
read_file(struct cctx *c, size_t *len)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	int		 fd;
	struct rules_mark none = { 0, 0 };

	if ((fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1 ||
	    fstat(fd, &st) == -1) {
		cerr(c, none, "%s", strerror(errno));
		if (fd != -1)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)YAML_MAX_SIZE) {
		cerr(c, none, "not a regular file of at most %zu bytes",
		    YAML_MAX_SIZE);
		close(fd);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		cerr(c, none, "short read");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* 1 when the file holds only blank lines, comments and "---". */
static int
blank(const char *buf, size_t len)
{
	size_t	 i = 0;

	while (i < len) {
		while (i < len && (buf[i] == ' ' || buf[i] == '\t' ||
		    buf[i] == '\r'))
			i++;
		if (i < len && buf[i] == '#')
			while (i < len && buf[i] != '\n')
				i++;
		else if (len - i >= 3 && memcmp(buf + i, "---", 3) == 0 &&
		    (len - i == 3 || buf[i + 3] == '\n' || buf[i + 3] == ' '))
			i += 3;
		if (i < len && buf[i] != '\n')
			return 0;
		i++;
	}
	return 1;
}

/*
 * A password must never go out in clear text: over smtp:// STARTTLS is
 * what protects AUTH, and "optional" lets anyone on the path strip it
 * from the server's EHLO answer. The error points at mail_starttls when
 * the file sets it, else at mail_credentials.
 */
static void
check_clear_auth(struct cctx *c, const struct ynode *root,
    struct rules_mark top, const struct conf *cf)
{
	struct ynode		*key = NULL;
	struct rules_mark	 m = top;

	if (cf->mail_credentials == NULL || cf->mail_starttls ||
	    strncmp(cf->mail_transport, "smtp://", 7) != 0)
		return;
	if (root != NULL && root->type == YN_MAP &&
	    (ynode_get(root, "mail_starttls", &key) != NULL ||
	    ynode_get(root, "mail_credentials", &key) != NULL) && key != NULL)
		m = key->mark;
	cerr(c, m, "'mail_credentials' over smtp:// needs 'mail_starttls: "
	    "required' (or an smtps:// transport): the password would go out "
	    "in clear text if STARTTLS were stripped");
}

struct conf *
conf_load(const char *path, struct rules_diag *diag)
{
	struct cctx	 c = { path, NULL, diag, 0 };
	struct conf	*cf;
	struct ynode	*root = NULL;
	struct rules_mark top = { 1, 1 };
	char		*buf = NULL, *tmp, *real;
	size_t		 len = 0;

	cf = xcalloc(1, sizeof *cf);
	cf->path = xstrdup(path);
	real = realpath(path, NULL);
	tmp = xstrdup(real != NULL ? real : path);
	free(real);
	c.dir = xstrdup(dirname(tmp));
	free(tmp);
	set_defaults(&c, conf_keys, nitems(conf_keys), cf);
	if ((buf = read_file(&c, &len)) == NULL)
		goto out;
	/* Every key is optional: a file of comments means all defaults. */
	if (!blank(buf, len)) {
		root = ynode_parse(buf, len, yerr, &c);
		if (root == NULL)
			goto out;
		if (root->type != YN_MAP) {
			cerr(&c, root->mark, "the configuration must be a "
			    "mapping");
			goto out;
		}
		top = root->mark;
		parse_map(&c, root, conf_keys, nitems(conf_keys), cf, NULL);
	}
	resolve_paths(&c, cf);
	derive(&c, cf);
	if (cf->mail_credentials != NULL)
		check_secret(&c, top, "mail_credentials", cf->mail_credentials);
	if (cf->mail_ca_file != NULL && access(cf->mail_ca_file, R_OK) == -1)
		cerr(&c, top, "'mail_ca_file': %s: %s", cf->mail_ca_file,
		    strerror(errno));
	if (cf->inbound_credentials != NULL)
		check_secret(&c, top, "inbound_credentials",
		    cf->inbound_credentials);
	check_inbound(&c, root, top, cf);
	check_clear_auth(&c, root, top, cf);
	check_secret(&c, top, "secret_key_file", cf->secret_key_file);
out:
	free(buf);
	ynode_free(root);
	free(c.dir);
	if (c.errors > 0) {
		conf_free(cf);
		return NULL;
	}
	return cf;
}

void
conf_free(struct conf *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nwebhooks; i++)
		free_fields(hook_keys, nitems(hook_keys), &c->webhooks[i]);
	free(c->webhooks);
	free(c->closed_days.days);
	free_fields(conf_keys, nitems(conf_keys), c);
	free(c->path);
	free(c);
}
