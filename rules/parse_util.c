/*
 * parse_util.c — typed readers for rule-file values. Each reports its own
 * mistake at the value's line:col, naming the key, and returns -1 so the
 * caller skips the value and keeps going: `check` lists every mistake in
 * one run.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/parse.h"

const char *const rules_org_types[] = {
	"prefecture", "designated-city", "special-ward", "core-city",
	"health-centre-city", "municipality", "ministry", "office", "other",
};
const size_t rules_norg_types = nitems(rules_org_types);


struct rules_mark
rules_mk(const struct ynode *n)
{
	return n->mark;
}


/* Optimal string alignment distance: a swap of two letters costs 1. */
size_t
rules_edit_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, c, v;
	size_t	d[RULES_ID_MAX + 1][RULES_ID_MAX + 1];

	if (la > RULES_ID_MAX || lb > RULES_ID_MAX)
		return SIZE_MAX;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			c = a[i - 1] != b[j - 1];
			v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + c < v)
				v = d[i - 1][j - 1] + c;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

static int
rules_kwcmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct rules_kw *)e)->name);
}

/*
 * Finds a key in a sorted keyword table. An unknown key is an error with
 * the nearest known key as a hint when one is close enough to be a typo.
 */
int
rules_kw_lookup(struct rules_pctx *p, const struct rules_kw *kw, size_t n,
    const struct ynode *key, const char *what)
{
	const struct rules_kw	*hit, *best = NULL;
	size_t			 i, d, bestd = SIZE_MAX;

	hit = bsearch(key->str, kw, n, sizeof *kw, rules_kwcmp);
	if (hit != NULL)
		return hit->id;
	for (i = 0; i < n; i++) {
		d = rules_edit_distance(key->str, kw[i].name);
		if (d < bestd) {
			bestd = d;
			best = &kw[i];
		}
	}
	if (best != NULL && bestd <= 2 && bestd < strlen(best->name) &&
	    bestd < strlen(key->str)) {
		if (p->nhints < nitems(p->hints))
			p->hints[p->nhints++] = best->name;
		rules_perr(p, p->file, key->mark, "unknown key '%s' in %s "
		    "(did you mean '%s'?)", key->str, what, best->name);
	} else
		rules_perr(p, p->file, key->mark, "unknown key '%s' in %s",
		    key->str, what);
	return -1;
}

int
rules_hinted(const struct rules_pctx *p, const char *key)
{
	size_t	i;

	for (i = 0; i < p->nhints; i++)
		if (strcmp(p->hints[i], key) == 0)
			return 1;
	return 0;
}

/* Checks a value's shape: "'kind' must be text, not a list". */
int
rules_want(struct rules_pctx *p, const struct ynode *v, enum ynode_type t,
    const char *key)
{
	static const char *const names[] = { "text", "a list", "a mapping" };

	if (v->type == t && !(t == YN_SCALAR && ynode_is_null(v)))
		return 0;
	if (ynode_is_null(v))
		rules_perr(p, p->file, v->mark, "'%s' has no value "
		    "(expected %s)", key, names[t]);
	else
		rules_perr(p, p->file, v->mark, "'%s' must be %s, not %s",
		    key, names[t], ynode_type_name(v));
	return -1;
}

/* Text. oneline: no CR or LF, since it may reach a mail header. */
int
rules_get_text(struct rules_pctx *p, const struct ynode *v, const char *key,
    int oneline, char **out)
{
	if (rules_want(p, v, YN_SCALAR, key) == -1)
		return -1;
	if (oneline && strpbrk(v->str, "\r\n") != NULL) {
		rules_perr(p, p->file, v->mark, "'%s' must be one line: CR or "
		    "LF is not allowed here (it would end up in a mail header "
		    "or calendar property)", key);
		return -1;
	}
	free(*out);
	*out = xstrdup(v->str);
	return 0;
}

static int
rules_id_ok(const char *s)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > RULES_ID_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' &&
		    s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9'))
			continue;
		if (i > 0 && (s[i] == '.' || s[i] == '_' || s[i] == '-'))
			continue;
		return 0;
	}
	return 1;
}

static int
rules_id_check(struct rules_pctx *p, const struct ynode *v, const char *key,
    const char *s)
{
	if (rules_id_ok(s))
		return 0;
	if (strlen(s) > RULES_ID_MAX)
		rules_perr(p, p->file, v->mark, "'%s': id is longer than %d "
		    "bytes", key, RULES_ID_MAX);
	else
		rules_perr(p, p->file, v->mark, "'%s': '%s' is not a valid id "
		    "(letters, digits, '.', '_', '-'; starting with a letter "
		    "or digit)", key, s);
	return -1;
}

int
rules_get_id(struct rules_pctx *p, const struct ynode *v, const char *key,
    char **out)
{
	if (rules_want(p, v, YN_SCALAR, key) == -1 ||
	    rules_id_check(p, v, key, v->str) == -1)
		return -1;
	free(*out);
	*out = xstrdup(v->str);
	return 0;
}

/* `item` or `cycle/item`. */
int
rules_get_ref(struct rules_pctx *p, const struct ynode *v, const char *key,
    struct rules_ref *ref)
{
	const char	*slash;
	char		*cyc = NULL;

	if (rules_want(p, v, YN_SCALAR, key) == -1)
		return -1;
	slash = strchr(v->str, '/');
	if (slash != NULL) {
		cyc = xstrndup(v->str, slash - v->str);
		if (rules_id_check(p, v, key, cyc) == -1 ||
		    rules_id_check(p, v, key, slash + 1) == -1) {
			free(cyc);
			return -1;
		}
	} else if (rules_id_check(p, v, key, v->str) == -1)
		return -1;
	free(ref->cycle);
	free(ref->item);
	ref->cycle = cyc;
	ref->item = xstrdup(slash != NULL ? slash + 1 : v->str);
	ref->mark = v->mark;
	ref->ix = RULES_NONE;
	return 0;
}

int
rules_get_bool(struct rules_pctx *p, const struct ynode *v, const char *key,
    int *out)
{
	if (rules_want(p, v, YN_SCALAR, key) == -1)
		return -1;
	if (strcasecmp(v->str, "true") == 0)
		*out = 1;
	else if (strcasecmp(v->str, "false") == 0)
		*out = 0;
	else {
		rules_perr(p, p->file, v->mark, "'%s' must be true or false, "
		    "not '%s'", key, v->str);
		return -1;
	}
	return 0;
}

/* Decimal integer; full-width digits and signs are accepted too. */
static int
rules_parse_long(const char *s, long *out)
{
	const unsigned char	*u = (const unsigned char *)s;
	long			 v = 0;
	int			 neg = 0, digits = 0;

	if (*u == '+' || *u == '-') {
		neg = *u++ == '-';
	} else if (u[0] == 0xef && u[1] == 0xbc && (u[2] == 0x8b ||
	    u[2] == 0x8d)) {
		neg = u[2] == 0x8d;
		u += 3;
	}
	for (;;) {
		int d;

		if (*u >= '0' && *u <= '9') {
			d = *u++ - '0';
		} else if (u[0] == 0xef && u[1] == 0xbc && u[2] >= 0x90 &&
		    u[2] <= 0x99) {
			d = u[2] - 0x90;
			u += 3;
		} else
			break;
		if (v > 100000000L)
			return -1;
		v = v * 10 + d;
		digits++;
	}
	if (digits == 0 || *u != '\0')
		return -1;
	*out = neg ? -v : v;
	return 0;
}

int
rules_get_int(struct rules_pctx *p, const struct ynode *v, const char *key,
    long lo, long hi, int *out)
{
	long	n;

	if (rules_want(p, v, YN_SCALAR, key) == -1)
		return -1;
	if (rules_parse_long(v->str, &n) == -1) {
		rules_perr(p, p->file, v->mark, "'%s' must be a whole number, "
		    "not '%s'", key, v->str);
		return -1;
	}
	if (n < lo || n > hi) {
		rules_perr(p, p->file, v->mark, "'%s' must be between %ld and "
		    "%ld, not %ld", key, lo, hi, n);
		return -1;
	}
	*out = (int)n;
	return 0;
}

/*
 * A list of text (ids when `ids`). A single text value is taken as a
 * list of one, which is what `cycles: kochiku` plainly means.
 */
int
rules_get_list(struct rules_pctx *p, const struct ynode *v, const char *key,
    int ids, int oneline, char ***out, size_t *nout)
{
	const struct ynode	*e;
	char			**vec, *s;
	size_t			  i, n = 0;
	int			  bad = 0;

	if ((v->type != YN_SCALAR || ynode_is_null(v)) &&
	    rules_want(p, v, YN_SEQ, key) == -1)
		return -1;
	vec = xcalloc(v->type == YN_SEQ ? v->n + 1 : 1, sizeof *vec);
	for (i = 0; i < (v->type == YN_SEQ ? v->n : 1); i++) {
		e = v->type == YN_SEQ ? v->kids[i] : v;
		s = NULL;
		if (ids ? rules_get_id(p, e, key, &s) :
		    rules_get_text(p, e, key, oneline, &s)) {
			bad = 1;
			continue;
		}
		vec[n++] = s;
	}
	if (bad) {
		rules_strv_free(vec, n);
		return -1;
	}
	rules_strv_free(*out, *nout);
	*out = vec;
	*nout = n;
	return 0;
}

/* One of a fixed set of words: "'online' must be one of: …". */
int
rules_get_enum(struct rules_pctx *p, const struct ynode *v, const char *key,
    const char *const *names, size_t n, int *out)
{
	struct buf	b;
	size_t		i;

	if (rules_want(p, v, YN_SCALAR, key) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(v->str, names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	}
	buf_init(&b);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
	rules_perr(p, p->file, v->mark, "'%s' must be one of %s; not '%s'",
	    key, b.data, v->str);
	buf_free(&b);
	return -1;
}

/* 6 digits; the last is 11 - (Σ digit × 6,5,4,3,2 mod 11), last digit. */
int
rules_lgcode_valid(const char *code)
{
	static const int	w[] = { 6, 5, 4, 3, 2 };
	int			i, sum = 0;

	if (code == NULL || strlen(code) != 6)
		return 0;
	for (i = 0; i < 6; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	for (i = 0; i < 5; i++)
		sum += (code[i] - '0') * w[i];
	return code[5] - '0' == (11 - sum % 11) % 10;
}
