/*
 * inbox_zip.c — every submission of one deadline as a zip (inbox.h),
 * built in memory with libzip. Entries are stored, not deflated: the
 * files are mostly .xlsx and .pdf, compressed already, and storing keeps
 * the loop's work to copying. Names are CODE_名称_file, flat, so that
 * Explorer sorts them by jurisdiction code; each is flagged UTF-8
 * (general purpose bit 11), which Windows' own zip folder and 7-Zip
 * read, so Japanese names do not turn into mojibake.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/inbox/inbox.h"
#include "daemon/inbox/inbox_int.h"
#include "daemon/inbox/inbox_match.h"
#include "daemon/store/store_inbox.h"

#define ZIP_MAX_FILES	10000

/* "CODE_名称" of the jurisdiction an assignee stands for. */
static void
who_prefix(const struct rules *r, const char *assignee, char *out,
    size_t len)
{
	const struct rules_contact	*c = NULL;
	const struct rules_org		*o = NULL;
	const char			*org = assignee, *code, *name;
	char				*raw;

	if (r != NULL && (c = rules_find_contact(r, assignee)) != NULL &&
	    c->org != NULL)
		org = c->org;
	if (r != NULL)
		o = rules_find_org(r, org);
	code = o != NULL && o->code != NULL ? o->code : org;
	name = o != NULL && o->name != NULL ? o->name :
	    c != NULL && c->name != NULL ? c->name : "";
	xasprintf(&raw, "%s%s%s", code, *name != '\0' ? "_" : "", name);
	inbox_sanitise_name(raw, out, len);
	free(raw);
}

/* prefix_file, or prefix_file(2).ext … when taken already (caller frees). */
static char *
unique_name(char **used, size_t nused, const char *prefix, const char *file)
{
	const char	*dot = strrchr(file, '.');
	char		*try;
	size_t		 i, k;
	int		 taken;

	xasprintf(&try, "%s_%s", prefix, file);
	for (k = 2; k < ZIP_MAX_FILES + 2; k++) {
		for (i = 0, taken = 0; i < nused && !taken; i++)
			taken = strcmp(used[i], try) == 0;
		if (!taken)
			break;
		free(try);
		if (dot != NULL)
			xasprintf(&try, "%s_%.*s(%zu)%s", prefix,
			    (int)(dot - file), file, k, dot);
		else
			xasprintf(&try, "%s_%s(%zu)", prefix, file, k);
	}
	return try;
}

/* Adds one stored file; -1 with *cause. */
static int
add_file(zip_t *za, struct koyomi *k, const struct inbox_file_row *f,
    const char *entry, char **cause)
{
	zip_source_t	*src;
	zip_int64_t	 idx;
	char		*path = inbox_file_path(k->conf, f->sha256);

	src = zip_source_file(za, path, 0, -1);
	free(path);
	if (src == NULL ||
	    (idx = zip_file_add(za, entry, src, ZIP_FL_ENC_UTF_8)) < 0) {
		xasprintf(cause, "zip: %s: %s", entry, zip_strerror(za));
		zip_source_free(src);
		return -1;
	}
	if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE,
	    0) == -1 ||
	    zip_file_set_mtime(za, (zip_uint64_t)idx, f->received, 0) == -1) {
		xasprintf(cause, "zip: %s", zip_strerror(za));
		return -1;
	}
	return 0;
}

/* The bytes the closed archive left in src. */
static int
read_out(zip_source_t *src, struct buf *out, char **cause)
{
	char		 chunk[65536];
	zip_int64_t	 n;
	size_t		 i;

	if (zip_source_open(src) == -1) {
		xasprintf(cause, "zip: %s",
		    zip_error_strerror(zip_source_error(src)));
		return -1;
	}
	for (i = 0; i < ((size_t)1 << 24); i++) {
		if ((n = zip_source_read(src, chunk, sizeof chunk)) <= 0)
			break;
		buf_append(out, chunk, (size_t)n);
	}
	zip_source_close(src);
	if (n < 0) {
		xasprintf(cause, "zip: %s",
		    zip_error_strerror(zip_source_error(src)));
		return -1;
	}
	return 0;
}

int
inbox_zip(struct koyomi *k, const char *uid, struct buf *out, char **cause)
{
	struct inbox_file_row	*v;
	zip_source_t		*src;
	zip_error_t		 ze;
	zip_t			*za;
	char			**used = NULL, prefix[INBOX_NAME_MAX + 1];
	size_t			 n, i, nused = 0;
	int			 rc = -1;

	if (store_inbox_files(k->store, uid, 0, &v, &n) == -1) {
		*cause = xstrdup("database error");
		return -1;
	}
	for (i = 0; i < n && nused == 0; i++)
		nused = v[i].stored;
	if (nused == 0) {
		inbox_files_free(v, n);
		return 1;
	}
	nused = 0;
	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(NULL, 0, 0, &ze)) == NULL ||
	    (zip_source_keep(src), (za = zip_open_from_source(src,
	    ZIP_TRUNCATE, &ze)) == NULL)) {
		xasprintf(cause, "zip: %s", zip_error_strerror(&ze));
		zip_source_free(src);	/* both references */
		zip_source_free(src);
		zip_error_fini(&ze);
		inbox_files_free(v, n);
		return -1;
	}
	zip_error_fini(&ze);
	used = xcalloc(n + 1, sizeof *used);
	for (i = 0; i < n && i < ZIP_MAX_FILES; i++) {
		if (!v[i].stored)
			continue;
		who_prefix(k->rules, v[i].assignee != NULL ? v[i].assignee :
		    "-", prefix, sizeof prefix);
		used[nused] = unique_name(used, nused, prefix, v[i].name);
		if (add_file(za, k, &v[i], used[nused++], cause) == -1) {
			zip_discard(za);
			goto out;
		}
	}
	if (zip_close(za) == -1) {
		xasprintf(cause, "zip: %s", zip_strerror(za));
		zip_discard(za);
		goto out;
	}
	rc = read_out(src, out, cause);
out:
	zip_source_free(src);
	for (i = 0; i < nused; i++)
		free(used[i]);
	free(used);
	inbox_files_free(v, n);
	return rc;
}
