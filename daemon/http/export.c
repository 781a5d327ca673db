/*
 * export.c — every task export in one way: the store's cursor reads the
 * filter's tasks from one snapshot (store_tasks_open), EXPORT_PAGE at a
 * time, and each page is rendered when the client takes more
 * (http_reply_stream). 240,000 tasks (2,000 organisations, four fiscal
 * years) are 100 MB of JSON: built at once they held the loop for 1.5 s
 * and the memory twice over; sent this way the loop does a page per
 * turn, feeds and deliveries going on between pages, and the rows are
 * still those of one moment.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/chase/tasks.h"
#include "daemon/chase/tasks_ops.h"
#include "daemon/codec/csv.h"
#include "daemon/core/koyomi.h"
#include "daemon/http/export.h"
#include "daemon/http/http.h"
#include "daemon/store/store_tasks.h"

#define JSON_TYPE	"application/json; charset=utf-8"
#define CSV_TYPE	"text/csv; charset=utf-8"

struct export {
	struct export		*next;		/* exports in progress */
	int64_t			 owner;		/* token id */
	struct koyomi		*k;
	struct task_cursor	*cur;
	enum export_format	 fmt;
	time_t			 now;
	ev_tstamp		 started;
	struct export_keep	 keep;
	struct csv		 csv;
	size_t			 count;		/* tasks sent */
	int			 begun;
	struct task		 page[EXPORT_PAGE];
};

/*
 * The exports in progress, for EXPORT_PER_TOKEN: the daemon has one HTTP
 * server, and an export leaves this list when MHD frees its answer.
 */
static struct export	*exports;

static size_t
exports_of(int64_t owner)
{
	const struct export	*e;
	size_t			 n = 0;

	for (e = exports; e != NULL; e = e->next)
		n += e->owner == owner;
	return n;
}

static void
export_free(void *arg)
{
	struct export	*e = arg, **pp;

	for (pp = &exports; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	store_tasks_close(e->cur);
	if (e->keep.arg_free != NULL)
		e->keep.arg_free(e->keep.arg);
	free(e);
}

/* One page's rows into b (some pages may have none). */
static void
export_page(struct export *e, struct buf *b, size_t n)
{
	size_t	 i;

	tasks_note_occs(e->k, e->page, n);
	for (i = 0; i < n; i++) {
		if (e->keep.keep != NULL &&
		    !e->keep.keep(e->k, e->keep.arg, &e->page[i]))
			continue;
		if (e->fmt == EXPORT_CSV)
			task_csv_row(&e->csv, &e->page[i], e->now);
		else {
			if (e->count > 0)
				buf_putc(b, ',');
			task_render_json(&e->page[i], e->now, b);
		}
		e->count++;
	}
	for (i = 0; i < n; i++)
		task_free(&e->page[i]);
}

/*
 * The next piece: pages until one has a row for the client, or the end.
 * A filter that leaves most rows out reads several pages in one turn;
 * the store's filter (year, cycle, scope) does the bulk of the work.
 */
static int
export_fill(void *arg, struct buf *b)
{
	struct export	*e = arg;
	size_t		 n;

	if (!e->begun) {
		e->begun = 1;
		if (e->fmt == EXPORT_CSV)
			tasks_csv_head(&e->csv, b);
		else
			buf_puts(b, "{\"tasks\":[");
	}
	/* csv writes where it is told: b is the stream's buffer, not ours. */
	e->csv.out = b;
	if (ev_now(e->k->loop) - e->started > EXPORT_MAX_SECONDS) {
		log_warnx("export: cut after %.0f s (%zu tasks sent)",
		    EXPORT_MAX_SECONDS, e->count);
		return -1;
	}
	do {
		if (store_tasks_read(e->cur, e->page, EXPORT_PAGE, &n) == -1)
			return -1;
		if (n == 0) {
			if (e->fmt == EXPORT_JSON)
				buf_printf(b, "],\"count\":%zu}\n", e->count);
			return 0;
		}
		export_page(e, b, n);
	} while (b->len == 0);
	return 1;
}

/*
 * 429 (this token has its EXPORT_PER_TOKEN), 503 (the daemon has its
 * STORE_MAX_CURSORS) or 500, as JSON or as text; Retry-After on the two
 * that pass.
 */
static void
export_refuse(struct http_req *req, unsigned status, int json_errors)
{
	const char	*msg = status == 429 ?
	    "this token has exports in progress already; try again when "
	    "one is done" : status == 503 ?
	    "too many exports in progress; try again shortly" :
	    "database error";
	struct buf	 b;

	if (status != 500)
		http_add_header(req, "Retry-After", "10");
	if (json_errors) {
		http_reply_json_error(req, status, msg);
		return;
	}
	buf_init(&b);
	buf_printf(&b, "%s\n", msg);
	http_reply(req, status, "text/plain; charset=utf-8", b.data, b.len,
	    HTTP_MEM_COPY);
	buf_free(&b);
}

void
task_export(struct http_req *req, struct koyomi *k, int64_t owner,
    const struct task_filter *f, enum export_format fmt,
    const struct export_keep *keep, const char *filename, int json_errors)
{
	struct export	*e;
	char		*cause = NULL, disp[128];
	unsigned	 refuse = 0;

	if (exports_of(owner) >= EXPORT_PER_TOKEN)
		refuse = 429;
	else if (store_tasks_busy(k->store))
		refuse = 503;
	if (refuse != 0) {
		if (keep != NULL && keep->arg_free != NULL)
			keep->arg_free(keep->arg);
		export_refuse(req, refuse, json_errors);
		return;
	}
	e = xcalloc(1, sizeof *e);
	e->owner = owner;
	e->k = k;
	e->fmt = fmt;
	e->now = f->now;
	e->started = ev_now(k->loop);
	if (keep != NULL)
		e->keep = *keep;
	if ((e->cur = store_tasks_open(k->store, f, &cause)) == NULL) {
		free(cause);	/* logged by the store */
		export_free(e);
		export_refuse(req, 500, json_errors);
		return;
	}
	e->next = exports;
	exports = e;
	if (fmt == EXPORT_CSV) {
		snprintf(disp, sizeof disp, "attachment; filename=\"%s\"",
		    filename);
		http_add_header(req, "Content-Disposition", disp);
	}
	http_reply_stream(req, 200, fmt == EXPORT_CSV ? CSV_TYPE : JSON_TYPE,
	    export_fill, export_free, e);
}
