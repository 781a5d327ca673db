/*
 * reload.c — load new rules and mail templates beside the running ones
 * and swap on success (reload.h). Triggers: SIGHUP (server/server.c),
 * inotify on the rules and templates folders with a 300 ms debounce (an
 * editor writes a file in several steps), and POST /api/v1/reload
 * (http/api_reload.c).
 */
#include <sys/inotify.h>

#include <dirent.h>
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/metrics.h"
#include "daemon/core/reload.h"
#include "daemon/core/sdnotify.h"
#include "notifier/template.h"

#define RELOAD_DEBOUNCE		0.3
#define RELOAD_MAX_WATCHES	1024

struct reload {
	struct koyomi		*k;
	int			 ifd;
	ev_io			 io;
	ev_timer		 debounce;
	int			 last_ok;
	time_t			 last_when;
	struct rules_diag	 last_errors;
};

static void
diag_copy(struct rules_diag *dst, const struct rules_diag *src)
{
	size_t	 i;

	rules_diag_init(dst);
	for (i = 0; i < src->n; i++) {
		dst->msgs = xreallocarray(dst->msgs, dst->n + 1,
		    sizeof *dst->msgs);
		dst->msgs[dst->n++] = xstrdup(src->msgs[i]);
	}
	dst->nerrors = src->nerrors;
	dst->nwarnings = src->nwarnings;
}

/* Expands r over the daemon's window (koyomi_window) into *out. */
static int
expand_window(struct koyomi *k, const struct rules *r, struct occ_list *out,
    struct rules_diag *d)
{
	struct rules_expand_ctx	 x;
	int			 rc;

	if (koyomi_expand_ctx(k, &x) == -1) {
		rules_diag_add(d, "error", "database", 0, 0, "cannot read cases "
		    "and survey answers from the database");
		return -1;
	}
	koyomi_window(koyomi_today(k), &k->occ_from, &k->occ_to);
	rc = rules_expand(r, k->occ_from, k->occ_to, &x, out, d);
	koyomi_expand_ctx_free(&x);
	return rc;
}

/* Templates first: the KY_RULES_SWAPPED hooks may already send mail. */
static void
swap_in(struct koyomi *k, struct rules *r, struct occ_list *l,
    struct tmpl_set *t)
{
	struct rules	*old = k->rules;
	struct occ_list	 oldl = k->occs;

	template_free(k->tmpl);
	k->tmpl = t;
	k->rules = r;
	k->occs = *l;
	k->generation++;
	koyomi_hook_run(k, KY_RULES_SWAPPED);
	occ_list_free(&oldl);
	rules_free(old);
}

/*
 * A load that failed: log and keep its errors, tell the hooks (not at the
 * first load: nothing runs yet); the running rules and templates stay.
 */
static void
reload_failed(struct koyomi *k, const char *why, struct rules_diag *d,
    size_t terr, struct rules_diag *errs, int again)
{
	struct reload	*rl = k->reload;
	char		 in_tmpl[64];
	size_t		 i;

	for (i = 0; i < d->n; i++)
		log_warnx("reload (%s): %s", why, d->msgs[i]);
	snprintf(in_tmpl, sizeof in_tmpl, ", %zu in the mail templates", terr);
	log_warnx("reload (%s): %zu error(s)%s; the previous rules stay in "
	    "force, the mail templates too", why, d->nerrors,
	    terr > 0 ? in_tmpl : "");
	metrics_reload(k, 0, (unsigned)d->nerrors);
	if (rl != NULL) {
		rl->last_ok = 0;
		rl->last_when = koyomi_now(k);
		rules_diag_free(&rl->last_errors);
		diag_copy(&rl->last_errors, d);
	}
	if (errs != NULL)
		diag_copy(errs, d);
	if (again) {
		k->reload_errors = d;
		koyomi_hook_run(k, KY_RELOAD_FAILED);
		k->reload_errors = NULL;
	}
}

int
reload_now(struct koyomi *k, const char *why, struct rules_diag *errs)
{
	struct reload		*rl = k->reload;
	struct rules_diag	 d;
	struct rules		*r;
	struct tmpl_set		*t;
	struct occ_list		 l = { 0 };
	const char		*path = k->conf->rules;
	size_t			 terr;
	char			 sum[256];
	/* The first load's READY=1 is cmd_run's, once the modules run. */
	int			 again = rl != NULL && k->rules != NULL;

	if (again)
		sdn_reloading();
	rules_diag_init(&d);
	r = rules_load(&path, 1, &k->conf->closed_days, &d);
	if (r != NULL && expand_window(k, r, &l, &d) == -1) {
		occ_list_free(&l);
		rules_free(r);
		r = NULL;
	}
	/* Read here, never while a mail is queued inside a transaction. */
	terr = d.nerrors;
	t = koyomi_templates_load(k->conf, &d);
	terr = d.nerrors - terr;
	if (r == NULL || t == NULL) {
		occ_list_free(&l);
		rules_free(r);
		template_free(t);
		reload_failed(k, why, &d, terr, errs, again);
		rules_diag_free(&d);
		if (again)
			sdn_ready();
		return -1;
	}
	rules_summary(r, sum, sizeof sum);
	if (again)
		koyomi_hook_run(k, KY_RELOAD_OK);
	swap_in(k, r, &l, t);
	log_info("reload (%s): %s, %zu occurrences", why, sum, k->occs.n);
	metrics_reload(k, 1, 0);
	if (rl != NULL) {
		rl->last_ok = 1;
		rl->last_when = koyomi_now(k);
		rules_diag_free(&rl->last_errors);
		diag_copy(&rl->last_errors, &d);	/* warnings */
	}
	if (again)
		sdn_ready();
	rules_diag_free(&d);
	return 0;
}

int
reload_reexpand(struct koyomi *k)
{
	struct rules_diag	 d;
	struct occ_list		 l = { 0 }, old;

	if (k->rules == NULL)
		return -1;
	rules_diag_init(&d);
	if (expand_window(k, k->rules, &l, &d) == -1) {
		occ_list_free(&l);
		rules_diag_free(&d);
		return -1;
	}
	old = k->occs;
	k->occs = l;
	k->generation++;
	koyomi_hook_run(k, KY_RULES_SWAPPED);
	occ_list_free(&old);
	rules_diag_free(&d);
	return 0;
}

int
reload_last(struct koyomi *k, time_t *when, const struct rules_diag **errs)
{
	struct reload	*rl = k->reload;

	*when = rl->last_when;
	*errs = &rl->last_errors;
	return rl->last_ok;
}

/* Watches dir and its subfolders (bounded). */
static void
watch_tree(struct reload *rl, const char *dir, int depth, int *n)
{
	DIR		*d;
	struct dirent	*e;
	char		*sub;

	if (depth > 8 || *n >= RELOAD_MAX_WATCHES)
		return;
	if (inotify_add_watch(rl->ifd, dir, IN_CLOSE_WRITE | IN_MOVED_TO |
	    IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ONLYDIR) == -1)
		return;
	(*n)++;
	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		xasprintf(&sub, "%s/%s", dir, e->d_name);
		watch_tree(rl, sub, depth + 1, n);
		free(sub);
	}
	closedir(d);
}

static void
debounce_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct reload	*rl = w->data;
	int		 n = 0;

	(void)loop;
	(void)revents;
	reload_now(rl->k, "rules or templates changed", NULL);
	watch_tree(rl, rl->k->conf->rules, 0, &n);	/* new subfolders */
}

static void
inotify_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct reload	*rl = w->data;
	char		 buf[8192];

	(void)revents;
	while (read(rl->ifd, buf, sizeof buf) > 0)
		;	/* drain; what changed does not matter */
	ev_timer_stop(loop, &rl->debounce);
	ev_timer_set(&rl->debounce, RELOAD_DEBOUNCE, 0.);
	ev_timer_start(loop, &rl->debounce);
}

struct reload *
reload_start(struct koyomi *k)
{
	struct reload	*rl;
	int		 n = 0;

	rl = xcalloc(1, sizeof *rl);
	rl->k = k;
	rl->ifd = -1;
	rules_diag_init(&rl->last_errors);
	ev_init(&rl->debounce, debounce_cb);
	rl->debounce.data = rl;
	if (k->conf->watch_rules) {
		if ((rl->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
			log_warn("reload: inotify");
		else {
			watch_tree(rl, k->conf->rules, 0, &n);
			if (k->conf->templates != NULL)
				watch_tree(rl, k->conf->templates, 0, &n);
			ev_io_init(&rl->io, inotify_cb, rl->ifd, EV_READ);
			rl->io.data = rl;
			ev_io_start(k->loop, &rl->io);
		}
	}
	return rl;
}

void
reload_stop(struct reload *rl)
{
	if (rl == NULL)
		return;
	ev_timer_stop(rl->k->loop, &rl->debounce);
	if (rl->ifd != -1) {
		ev_io_stop(rl->k->loop, &rl->io);
		close(rl->ifd);
	}
	rules_diag_free(&rl->last_errors);
	free(rl);
}
