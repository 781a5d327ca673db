/*
 * load.c — rules_load: find the rule files, read them, build the trees,
 * parse, validate, and hand back one immutable rule set, or NULL with
 * every mistake in the caller's diag, sorted into file order. Also the
 * rule set's lookups and its destructor.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules/parse.h"

#define RULES_MAX_DIR_DEPTH	16	/* symlink loops end here */
#define RULES_MAX_FILES		10000
#define EFTYPE_RULES		(-1)	/* "not a regular file" */

static const char *const kind_ja[] = {
	"会議", "研修", "ヒアリング", "訪問", "調査", "締切",
	"マイルストーン", "目標",
};

static const char *const cert_names[] = { "confirmed", "tentative",
	"assumed", "undated" };
static const char *const cert_ja[] = { "確定", "予定", "想定", "随時" };

const char *
rules_certainty_name(enum occ_certainty c)
{
	return (unsigned)c <= OCC_CERT_UNDATED ? cert_names[c] : "?";
}

const char *
rules_certainty_ja(enum occ_certainty c)
{
	return (unsigned)c <= OCC_CERT_UNDATED ? cert_ja[c] : "?";
}

const char *
rules_kind_name(enum rules_kind k)
{
	if ((unsigned)k > RK_GOAL)
		return "?";
	return rules_kind_names[k];
}

const char *
rules_kind_ja(enum rules_kind k)
{
	if ((unsigned)k > RK_GOAL)
		return "?";
	return kind_ja[k];
}




static int
rules_pdiag_cmp(const void *a, const void *b)
{
	const struct rules_pdiag	*x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted into file order, then handed to the caller's list. */
static void
rules_flush_diag(struct rules_pctx *p, struct rules_diag *out)
{
	size_t	i;

	if (p->nd > 1)
		xqsort(p->d, p->nd, sizeof *p->d, rules_pdiag_cmp);
	for (i = 0; i < p->nd; i++) {
		rules_diag_add(out, p->d[i].warning ? "warning" : "error",
		    p->paths[p->d[i].file], p->d[i].line, p->d[i].col, "%s",
		    p->d[i].msg);
		free(p->d[i].msg);
	}
	free(p->d);
	p->d = NULL;
	p->nd = 0;
}

static void
rules_tree_err(void *arg, struct rules_mark m, const char *msg)
{
	struct rules_pctx	*p = arg;

	rules_perr(p, p->file, m, "%s", msg);
}

static size_t
rules_add_path(struct rules_pctx *p, const char *path)
{
	p->paths = xreallocarray(p->paths, p->npaths + 1, sizeof *p->paths);
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	p->trees = xreallocarray(p->trees, p->npaths + 1, sizeof *p->trees);
	p->paths[p->npaths] = xstrdup(path);
	p->trees[p->npaths] = NULL;
	return p->npaths++;
}

static int
rules_is_yaml(const char *name)
{
	size_t	n = strlen(name);

	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	    (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/*
 * Collects the YAML files under dir. Dot files and folders are skipped:
 * editors leave ".#x.yaml" locks and "x.yaml~" backups beside the rules.
 */
struct rules_files {
	char	**v;
	size_t	  n;
	dev_t	 *devs;		/* folders seen: a symlink loop ends here */
	ino_t	 *inos;
	size_t	  ndirs;
};

/* 1 when the folder was walked already (through a symlink, say). */
static int
rules_dir_seen(struct rules_files *f, const struct stat *st)
{
	size_t	i;

	for (i = 0; i < f->ndirs; i++)
		if (f->devs[i] == st->st_dev && f->inos[i] == st->st_ino)
			return 1;
	f->devs = xreallocarray(f->devs, f->ndirs + 1, sizeof *f->devs);
	f->inos = xreallocarray(f->inos, f->ndirs + 1, sizeof *f->inos);
	f->devs[f->ndirs] = st->st_dev;
	f->inos[f->ndirs++] = st->st_ino;
	return 0;
}

static void
rules_files_add(struct rules_files *f, const char *path)
{
	f->v = xreallocarray(f->v, f->n + 1, sizeof *f->v);
	f->v[f->n++] = xstrdup(path);
}

static void
rules_walk(struct rules_pctx *p, const char *dir, int depth,
    struct rules_files *f)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		*path;
	size_t		 len;

	if (stat(dir, &st) == 0 && rules_dir_seen(f, &st))
		return;
	if ((d = opendir(dir)) == NULL) {
		rules_perr(p, rules_add_path(p, dir),
		    (struct rules_mark){ 0, 0 }, "cannot read folder: %s",
		    strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL && f->n < RULES_MAX_FILES) {
		if (de->d_name[0] == '.')
			continue;
		len = strlen(dir);
		xasprintf(&path, "%s%s%s", dir, len > 0 && dir[len - 1] == '/'
		    ? "" : "/", de->d_name);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (depth < RULES_MAX_DIR_DEPTH)
				rules_walk(p, path, depth + 1, f);
		} else if (rules_is_yaml(de->d_name))
			rules_files_add(f, path);
		free(path);
	}
	closedir(d);
}

static int
rules_strptrcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads a whole file, refusing more than the YAML size limit. */
static char *
rules_read_file(const char *path, size_t *lenp, int *toobig, int *err)
{
	char	*buf;
	size_t	 len = 0, cap = YAML_MAX_SIZE + 1;
	struct stat	 st;
	ssize_t		 n = 0;
	int		 fd;

	*toobig = 0;
	/* O_NONBLOCK: a FIFO named *.yaml must not hang check. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		*err = errno;
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		*err = fstat(fd, &st) == -1 ? errno : EFTYPE_RULES;
		close(fd);
		return NULL;
	}
	buf = xmalloc(cap + 1);
	while (len < cap) {
		n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	*err = n == -1 ? errno : 0;
	close(fd);
	if (*err != 0) {
		free(buf);
		return NULL;
	}
	*toobig = len > YAML_MAX_SIZE;
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* Parses one file's bytes into the rule set being built. */
static void
rules_load_one(struct rules_pctx *p, size_t file, const char *buf,
    size_t len)
{
	struct ynode	*root;

	p->file = file;
	root = ynode_parse(buf, len, rules_tree_err, p);
	p->trees[file] = root;
	if (root != NULL)
		rules_parse_tree(p, root);
}

static void
rules_load_path(struct rules_pctx *p, const char *path)
{
	char	*buf;
	size_t	 file, len = 0;
	int	 toobig, err;

	file = rules_add_path(p, path);
	if ((buf = rules_read_file(path, &len, &toobig, &err)) == NULL) {
		rules_perr(p, file, (struct rules_mark){ 0, 0 },
		    "cannot read: %s", err == EFTYPE_RULES ?
		    "not a regular file" : strerror(err));
		return;
	}
	if (toobig)
		rules_perr(p, file, (struct rules_mark){ 1, 1 },
		    "file is larger than 4 MiB");
	else
		rules_load_one(p, file, buf, len);
	free(buf);
}

/* Validation and teardown common to rules_load and rules_load_buf. */
static struct rules *
rules_finish(struct rules_pctx *p, struct rules_diag *diag)
{
	struct rules		*r = p->r;
	struct rules_priv	*pv = r->priv;
	size_t			 i;

	pv->cycle_first = p->cycle_first;
	pv->cycle_n = p->cycle_n;
	p->cycle_first = p->cycle_n = NULL;
	rules_index(r);
	/* Even after parse errors: report every mistake in one run. */
	rules_validate(p);
	rules_flush_diag(p, diag);
	for (i = 0; i < p->npaths; i++) {
		ynode_free(p->trees[i]);
		free(p->paths[i]);
	}
	free(p->trees);
	free(p->paths);
	free(p->org_src);
	free(p->contact_src);
	free(p->group_src);
	free(p->policy_src);
	free(p->cycle_src);
	free(p->feed_src);
	free(p->item_src);
	if (p->nerrors > 0) {
		rules_free(r);
		return NULL;
	}
	return r;
}

static void
rules_pctx_init(struct rules_pctx *p)
{
	memset(p, 0, sizeof *p);
	p->r = xcalloc(1, sizeof *p->r);
	p->r->priv = xcalloc(1, sizeof(struct rules_priv));
}

struct rules *
rules_load(const char *const *paths, size_t npaths,
    const struct cal_closed *closed, struct rules_diag *diag)
{
	struct rules_pctx	p;
	struct rules_files	f = { NULL, 0, NULL, NULL, 0 };
	struct stat		st;
	size_t			i, n;

	rules_pctx_init(&p);
	p.closed = closed;
	for (i = 0; i < npaths; i++) {
		if (stat(paths[i], &st) == -1)
			rules_perr(&p, rules_add_path(&p, paths[i]),
			    (struct rules_mark){ 0, 0 }, "%s", strerror(errno));
		else if (S_ISDIR(st.st_mode)) {
			n = f.n;
			rules_walk(&p, paths[i], 0, &f);
			if (f.n == n)	/* most likely the wrong folder */
				rules_perr(&p, rules_add_path(&p, paths[i]),
				    (struct rules_mark){ 0, 0 }, "no *.yaml or "
				    "*.yml files in this folder");
		}
		else
			rules_files_add(&f, paths[i]);
	}
	if (f.n > 1)
		xqsort(f.v, f.n, sizeof *f.v, rules_strptrcmp);
	for (i = 0; i < f.n; i++) {
		/* The same file named twice is read once. */
		if (i == 0 || strcmp(f.v[i], f.v[i - 1]) != 0) {
			rules_load_path(&p, f.v[i]);
			p.r->nfiles++;
		}
	}
	rules_strv_free(f.v, f.n);
	free(f.devs);
	free(f.inos);
	return rules_finish(&p, diag);
}

struct rules *
rules_load_buf(const char *name, const char *buf, size_t len,
    struct rules_diag *diag)
{
	struct rules_pctx	p;
	size_t			file;

	rules_pctx_init(&p);
	file = rules_add_path(&p, name);
	p.r->nfiles = 1;
	rules_load_one(&p, file, buf, len);
	return rules_finish(&p, diag);
}

void
rules_summary(const struct rules *r, char *out, size_t len)
{
	snprintf(out, len, "%zu file%s, %zu cycle%s, %zu item%s, "
	    "%zu organisation%s, %zu feed%s", r->nfiles,
	    r->nfiles == 1 ? "" : "s", r->ncycles, r->ncycles == 1 ? "" : "s",
	    r->nitems, r->nitems == 1 ? "" : "s", r->norgs,
	    r->norgs == 1 ? "" : "s", r->nfeeds, r->nfeeds == 1 ? "" : "s");
}
