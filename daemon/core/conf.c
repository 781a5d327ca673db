/*
 * conf.c — koyomi.conf (conf.h). The YAML tree and its limits are the
 * rule files' (rules/yaml.h), so the config gets the same path:line:col
 * errors and the same refusal of aliases, tabs and oversized files.
 * Validate all or free all: a config with any error yields NULL.
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

#include "calendars/util.h"
#include "daemon/core/conf.h"
#include "rules/parse.h"
#include "rules/yaml.h"

#define CONF_MAX_TIMEOUT	3600	/* seconds: smtp_*timeout */

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

/* Relative paths are relative to the config file's folder. */
static char *
resolve(struct cctx *c, const char *p)
{
	char	*out;

	if (p[0] == '/')
		return xstrdup(p);
	xasprintf(&out, "%s/%s", c->dir, p);
	return out;
}

static int
want_scalar(struct cctx *c, const struct ynode *v, const char *key)
{
	if (v->type != YN_SCALAR) {
		cerr(c, v->mark, "'%s' must be a single value, not a %s", key,
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
set_str(struct cctx *c, const struct ynode *v, const char *key, char **dst)
{
	if (!want_scalar(c, v, key))
		return;
	free(*dst);
	*dst = xstrdup(v->str);
}

static void
set_num(struct cctx *c, const struct ynode *v, const char *key,
    unsigned long lo, unsigned long hi, unsigned long *dst)
{
	char		*end;
	unsigned long	 n;

	if (!want_scalar(c, v, key))
		return;
	errno = 0;
	n = strtoul(v->str, &end, 10);
	if (*v->str == '\0' || *end != '\0' || errno != 0 || n < lo || n > hi) {
		cerr(c, v->mark, "'%s' must be a number from %lu to %lu", key,
		    lo, hi);
		return;
	}
	*dst = n;
}

/*
 * A time limit in whole seconds, 1 to an hour: 0 would mean "no limit"
 * to libcurl, and a transfer that may hang forever holds a connection
 * and the messages queued behind it.
 */
static void
set_seconds(struct cctx *c, const struct ynode *v, const char *key,
    unsigned *dst)
{
	char		*end;
	unsigned long	 n;

	if (!want_scalar(c, v, key))
		return;
	errno = 0;
	n = strtoul(v->str, &end, 10);
	if (*v->str < '0' || *v->str > '9' || *end != '\0' || errno != 0 ||
	    n < 1 || n > CONF_MAX_TIMEOUT) {
		cerr(c, v->mark, "'%s' must be a whole number of seconds from "
		    "1 to %d", key, CONF_MAX_TIMEOUT);
		return;
	}
	*dst = (unsigned)n;
}

/* "09:00-17:00" → seconds. */
static void
set_window(struct cctx *c, const struct ynode *v, struct conf *cf)
{
	int	 h0, m0, h1, m1, n = 0;

	if (!want_scalar(c, v, "window"))
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

/*
 * "127.0.0.1:8080", "[::1]:8080" or ":8080" with a numeric address:
 * checked here so that `koyomi check` and the error's place agree with
 * what `koyomi run` will bind.
 */
static void
set_listen(struct cctx *c, const struct ynode *v, struct conf *cf)
{
	const char	*s, *colon;
	char		 host[64], *end;
	unsigned char	 addr[16];
	long		 port;
	size_t		 n;
	int		 ok;

	if (!want_scalar(c, v, "listen"))
		return;
	s = v->str;
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
	if (!ok)
		goto bad;
	free(cf->listen);
	cf->listen = xstrdup(s);
	return;
bad:
	cerr(c, v->mark, "'listen' must be ADDRESS:PORT with a numeric "
	    "address (127.0.0.1:8080, [::1]:8080 or :8080)");
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

static void
parse_hook(struct cctx *c, const struct ynode *m, struct conf_webhook *w)
{
	size_t	 i, k;

	if (m->type != YN_MAP) {
		cerr(c, m->mark, "a webhook must be a mapping");
		return;
	}
	for (i = 0; i + 1 < m->n; i += 2) {
		const struct ynode *key = m->kids[i], *v = m->kids[i + 1];

		if (strcmp(key->str, "id") == 0)
			set_str(c, v, "id", &w->id);
		else if (strcmp(key->str, "url") == 0)
			set_str(c, v, "url", &w->url);
		else if (strcmp(key->str, "format") == 0) {
			if (!want_scalar(c, v, "format"))
				continue;
			if (strcmp(v->str, "standard") == 0)
				w->format = HOOK_STANDARD;
			else if (strcmp(v->str, "slack") == 0)
				w->format = HOOK_SLACK;
			else if (strcmp(v->str, "teams") == 0)
				w->format = HOOK_TEAMS;
			else if (strcmp(v->str, "lineworks") == 0)
				w->format = HOOK_LINEWORKS;
			else
				cerr(c, v->mark, "'format' must be standard, "
				    "slack, teams or lineworks");
		} else if (strcmp(key->str, "secrets") == 0 ||
		    strcmp(key->str, "events") == 0) {
			int	 sec = key->str[0] == 's';
			char	***dst = sec ? &w->secrets : &w->events;
			size_t	 *n = sec ? &w->nsecrets : &w->nevents;

			if (v->type != YN_SEQ) {
				cerr(c, v->mark, "'%s' must be a list", key->str);
				continue;
			}
			for (k = 0; k < v->n; k++) {
				if (!want_scalar(c, v->kids[k], key->str))
					continue;
				if (sec && strncmp(v->kids[k]->str, "whsec_", 6) != 0) {
					cerr(c, v->kids[k]->mark, "a webhook "
					    "secret must start with whsec_");
					continue;
				}
				*dst = xreallocarray(*dst, *n + 1, sizeof **dst);
				(*dst)[(*n)++] = xstrdup(v->kids[k]->str);
			}
		} else
			cerr(c, key->mark, "unknown key '%s' in a webhook",
			    key->str);
	}
	if (w->id == NULL || w->url == NULL)
		cerr(c, m->mark, "a webhook needs 'id' and 'url'");
}

static void
parse_hooks(struct cctx *c, const struct ynode *v, struct conf *cf)
{
	size_t	 i;

	if (v->type != YN_SEQ) {
		cerr(c, v->mark, "'webhooks' must be a list");
		return;
	}
	cf->webhooks = xcalloc(v->n + 1, sizeof *cf->webhooks);
	for (i = 0; i < v->n; i++)
		parse_hook(c, v->kids[i], &cf->webhooks[cf->nwebhooks++]);
}

/* Keep sorted: looked up with bsearch. */
static const char *const conf_keys[] = {
	"admin_mail", "base_url", "conn_timeout", "database", "listen",
	"mail_credentials", "mail_from", "mail_ics", "mail_starttls",
	"mail_transport",
	"max_body", "max_connections", "max_header", "rules",
	"secret_key_file", "smtp_connect_timeout", "smtp_timeout",
	"templates", "timezone", "watch_rules", "webhooks", "window",
};

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(a, *(const char *const *)b);
}

/* An unknown key, with the nearest known one when it looks like a typo. */
static void
unknown_key(struct cctx *c, const struct ynode *key)
{
	const char	*best = NULL;
	size_t		 i, d, bestd = SIZE_MAX;

	for (i = 0; i < nitems(conf_keys); i++)
		if ((d = rules_edit_distance(key->str, conf_keys[i])) < bestd) {
			bestd = d;
			best = conf_keys[i];
		}
	if (best != NULL && bestd <= 2 && bestd < strlen(best) &&
	    bestd < strlen(key->str))
		cerr(c, key->mark, "unknown key '%s' (did you mean '%s'?)",
		    key->str, best);
	else
		cerr(c, key->mark, "unknown key '%s'", key->str);
}

/* true/yes or false/no. */
static void
set_bool(struct cctx *c, const struct ynode *v, const char *k, int *dst)
{
	if (!want_scalar(c, v, k))
		return;
	if (strcmp(v->str, "true") == 0 || strcmp(v->str, "yes") == 0)
		*dst = 1;
	else if (strcmp(v->str, "false") == 0 || strcmp(v->str, "no") == 0)
		*dst = 0;
	else
		cerr(c, v->mark, "'%s' must be true or false", k);
}

static void
parse_key(struct cctx *c, const struct ynode *key, const struct ynode *v,
    struct conf *cf)
{
	const char	*k = key->str;
	unsigned long	 n;

	if (bsearch(k, conf_keys, nitems(conf_keys), sizeof conf_keys[0],
	    key_cmp) == NULL) {
		unknown_key(c, key);
		return;
	}
	if (strcmp(k, "webhooks") == 0)
		parse_hooks(c, v, cf);
	else if (strcmp(k, "listen") == 0)
		set_listen(c, v, cf);
	else if (strcmp(k, "window") == 0)
		set_window(c, v, cf);
	else if (strcmp(k, "mail_starttls") == 0) {
		if (want_scalar(c, v, k)) {
			if (strcmp(v->str, "required") == 0)
				cf->mail_starttls = 1;
			else if (strcmp(v->str, "optional") == 0)
				cf->mail_starttls = 0;
			else
				cerr(c, v->mark, "'mail_starttls' must be "
				    "required or optional");
		}
	} else if (strcmp(k, "smtp_connect_timeout") == 0)
		set_seconds(c, v, k, &cf->smtp_connect_timeout);
	else if (strcmp(k, "smtp_timeout") == 0)
		set_seconds(c, v, k, &cf->smtp_timeout);
	else if (strcmp(k, "watch_rules") == 0 ||
	    strcmp(k, "mail_ics") == 0) {
		set_bool(c, v, k, k[0] == 'w' ? &cf->watch_rules :
		    &cf->mail_ics);
	} else if (strcmp(k, "max_connections") == 0 ||
	    strcmp(k, "conn_timeout") == 0 || strcmp(k, "max_body") == 0 ||
	    strcmp(k, "max_header") == 0) {
		n = 0;
		set_num(c, v, k, 1, 1UL << 30, &n);
		if (n == 0)
			return;
		if (k[4] == 'c')		/* max_connections */
			cf->max_connections = (unsigned)n;
		else if (k[0] == 'c')
			cf->conn_timeout = (unsigned)n;
		else if (k[4] == 'b')
			cf->max_body = n;
		else
			cf->max_header = n;
	} else {
		char	**dst = strcmp(k, "admin_mail") == 0 ? &cf->admin_mail :
		    strcmp(k, "base_url") == 0 ? &cf->base_url :
		    strcmp(k, "database") == 0 ? &cf->database :
		    strcmp(k, "listen") == 0 ? &cf->listen :
		    strcmp(k, "mail_credentials") == 0 ? &cf->mail_credentials :
		    strcmp(k, "mail_from") == 0 ? &cf->mail_from :
		    strcmp(k, "mail_transport") == 0 ? &cf->mail_transport :
		    strcmp(k, "rules") == 0 ? &cf->rules :
		    strcmp(k, "secret_key_file") == 0 ? &cf->secret_key_file :
		    strcmp(k, "templates") == 0 ? &cf->templates : &cf->timezone;

		set_str(c, v, k, dst);
	}
}

static void
defaults(struct cctx *c, struct conf *cf)
{
	char	*p;

	if (cf->listen == NULL)
		cf->listen = xstrdup("127.0.0.1:8080");
	/* ":8080" (every address) has no host to put in a link. */
	if (cf->base_url == NULL)
		xasprintf(&cf->base_url, "http://%s%s", cf->listen[0] == ':' ?
		    "127.0.0.1" : "", cf->listen);
	if (cf->timezone == NULL)
		cf->timezone = xstrdup("Asia/Tokyo");
	if (cf->window_end == 0) {
		cf->window_start = 9 * 3600;
		cf->window_end = 17 * 3600;
	}
	if (cf->mail_from == NULL)
		cf->mail_from = xstrdup("koyomi <koyomi@localhost>");
	if (cf->max_connections == 0)
		cf->max_connections = 1024;
	if (cf->conn_timeout == 0)
		cf->conn_timeout = 30;
	if (cf->smtp_connect_timeout == 0)
		cf->smtp_connect_timeout = 10;
	if (cf->smtp_timeout == 0)
		cf->smtp_timeout = 30;
	if (cf->max_body == 0)
		cf->max_body = 1 << 20;
	if (cf->max_header == 0)
		cf->max_header = 16384;
	/* Paths: resolved against the config's folder. */
#define RESOLVE(f, d) do {						\
	p = resolve(c, cf->f != NULL ? cf->f : (d));			\
	free(cf->f);							\
	cf->f = p;							\
} while (0)
	RESOLVE(database, "koyomi.db");
	RESOLVE(rules, "rules");
	RESOLVE(secret_key_file, "secret.key");
	if (cf->templates != NULL)
		RESOLVE(templates, "templates");
	if (cf->mail_credentials != NULL)
		RESOLVE(mail_credentials, "");
#undef RESOLVE
	if (cf->mail_transport == NULL)
		xasprintf(&cf->mail_transport, "maildir:%s/mail", c->dir);
	else if (strncmp(cf->mail_transport, "maildir:", 8) == 0 &&
	    cf->mail_transport[8] != '/') {
		xasprintf(&p, "maildir:%s/%s", c->dir, cf->mail_transport + 8);
		free(cf->mail_transport);
		cf->mail_transport = p;
	}
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

struct conf *
conf_load(const char *path, struct rules_diag *diag)
{
	struct cctx	 c = { path, NULL, diag, 0 };
	struct conf	*cf;
	struct ynode	*root = NULL;
	struct rules_mark top = { 1, 1 };
	char		*buf = NULL, *tmp, *real;
	size_t		 len = 0, i;

	cf = xcalloc(1, sizeof *cf);
	cf->path = xstrdup(path);
	cf->watch_rules = 1;
	cf->mail_ics = 1;
	real = realpath(path, NULL);
	tmp = xstrdup(real != NULL ? real : path);
	free(real);
	c.dir = xstrdup(dirname(tmp));
	free(tmp);
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
		for (i = 0; i + 1 < root->n; i += 2)
			parse_key(&c, root->kids[i], root->kids[i + 1], cf);
	}
	defaults(&c, cf);
	if (cf->mail_credentials != NULL)
		check_secret(&c, top, "mail_credentials", cf->mail_credentials);
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
	size_t	 i, k;

	if (c == NULL)
		return;
	for (i = 0; i < c->nwebhooks; i++) {
		free(c->webhooks[i].id);
		free(c->webhooks[i].url);
		for (k = 0; k < c->webhooks[i].nsecrets; k++)
			free(c->webhooks[i].secrets[k]);
		for (k = 0; k < c->webhooks[i].nevents; k++)
			free(c->webhooks[i].events[k]);
		free(c->webhooks[i].secrets);
		free(c->webhooks[i].events);
	}
	free(c->webhooks);
	free(c->path);
	free(c->listen);
	free(c->base_url);
	free(c->database);
	free(c->rules);
	free(c->timezone);
	free(c->mail_transport);
	free(c->mail_from);
	free(c->mail_credentials);
	free(c->admin_mail);
	free(c->secret_key_file);
	free(c->templates);
	free(c);
}
