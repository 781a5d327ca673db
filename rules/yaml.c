/*
 * yaml.c — build a ynode tree from libyaml events. Anything a rule file
 * has no use for (anchors, aliases, tags, several documents) is an error
 * rather than a feature: aliases are how "billion laughs" bombs work and
 * refusing them is cheaper than counting expansions. Input is checked
 * for size, UTF-8 and tabs before libyaml sees it, so those mistakes get
 * a precise position and a plain message instead of libyaml's.
 */
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "calendars/log.h"
#include "rules/yaml.h"

struct ybuild {
	ynode_err_fn	  err;
	void		 *arg;
	struct ynode	 *stack[YAML_MAX_DEPTH + 1];
	size_t		  depth;
	struct ynode	 *root;
	int		  failed;
};

static void
yerr(struct ybuild *b, unsigned line, unsigned col, const char *msg)
{
	struct rules_mark	m = { line, col };

	b->err(b->arg, m, msg);
	b->failed = 1;
}

/*
 * Checks the raw bytes: UTF-8 validity and tabs in indentation. Columns
 * count characters, as libyaml's marks do.
 */
static int
yprecheck(struct ybuild *b, const unsigned char *p, size_t len)
{
	unsigned	line = 1, col = 1;
	size_t		i = 0, n;
	int		indent = 1;

	while (i < len) {
		if (p[i] == '\n') {
			line++;
			col = 1;
			indent = 1;
			i++;
			continue;
		}
		if (p[i] == '\t' && indent) {
			yerr(b, line, col, "tab character in indentation "
			    "(YAML indents with spaces)");
			return -1;
		}
		if (p[i] != ' ')
			indent = 0;
		if (p[i] == 0) {
			yerr(b, line, col, "NUL byte in file");
			return -1;
		}
		n = p[i] < 0x80 ? 1 : utf8_seqlen(p + i);
		if (i + n > len || !utf8_valid((const char *)p + i, n) ||
		    (n == 1 && p[i] >= 0x80)) {
			yerr(b, line, col, "invalid UTF-8 (the file must be "
			    "saved as UTF-8)");
			return -1;
		}
		i += n;
		col++;
	}
	return 0;
}

static struct ynode *
ynode_new(enum ynode_type t, const yaml_mark_t *m)
{
	struct ynode	*n;

	n = xcalloc(1, sizeof *n);
	n->type = t;
	n->mark.line = (unsigned)m->line + 1;
	n->mark.col = (unsigned)m->column + 1;
	return n;
}

static void
ynode_push_kid(struct ynode *parent, struct ynode *kid)
{
	parent->kids = xreallocarray(parent->kids, parent->n + 1,
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	    sizeof *parent->kids);
	parent->kids[parent->n++] = kid;
}

static int
ykeycmp(const void *a, const void *b)
{
	const struct ynode	*x = *(struct ynode *const *)a;
	const struct ynode	*y = *(struct ynode *const *)b;
	int			 c;

	c = strcmp(x->str, y->str);
	if (c != 0)
		return c;
	if (x->mark.line != y->mark.line)
		return x->mark.line < y->mark.line ? -1 : 1;
	return x->mark.col < y->mark.col ? -1 : x->mark.col > y->mark.col;
}

/* Duplicate keys: sort a copy so a huge mapping stays O(n log n). */
static void
ycheck_dupkeys(struct ybuild *b, const struct ynode *m)
{
	struct ynode	**keys;
	size_t		  i, j, nk = m->n / 2;
	char		 *msg;

	if (nk < 2)
		return;
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	keys = xreallocarray(NULL, nk, sizeof *keys);
	for (i = 0, j = 0; i < nk; i++) {
		if (m->kids[2 * i]->type == YN_SCALAR)
			keys[j++] = m->kids[2 * i];
	}
	nk = j;
	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	xqsort(keys, nk, sizeof *keys, ykeycmp);
	for (i = 1; i < nk; i++) {
		if (strcmp(keys[i - 1]->str, keys[i]->str) != 0)
			continue;
		xasprintf(&msg, "duplicate key '%s' (first at line %u)",
		    keys[i]->str, keys[i - 1]->mark.line);
		yerr(b, keys[i]->mark.line, keys[i]->mark.col, msg);
		free(msg);
	}
	free(keys);
}

/* Adds a finished node to the open collection, or makes it the root. */
static void
yattach(struct ybuild *b, struct ynode *n)
{
	struct ynode	*top;

	if (b->depth == 0) {
		if (b->root == NULL)
			b->root = n;
		else
			ynode_free(n);
		return;
	}
	top = b->stack[b->depth - 1];
	if (top->type == YN_MAP && top->n % 2 == 0 && n->type != YN_SCALAR) {
		yerr(b, n->mark.line, n->mark.col,
		    "a key must be plain text, not a list or mapping");
	}
	ynode_push_kid(top, n);
}

static int
ytag_ok(struct ybuild *b, const yaml_mark_t *m, const yaml_char_t *anchor,
    const yaml_char_t *tag, int *forcestr)
{
	char	*msg;

	*forcestr = 0;
	if (anchor != NULL) {
		xasprintf(&msg, "aliases are not allowed: remove the anchor "
		    "'&%.40s'", (const char *)anchor);
		yerr(b, m->line + 1, m->column + 1, msg);
		free(msg);
		return -1;
	}
	if (tag == NULL || strcmp((const char *)tag, "!") == 0)
		return 0;
	if (strcmp((const char *)tag, YAML_STR_TAG) == 0) {
		*forcestr = 1;
		return 0;
	}
	yerr(b, m->line + 1, m->column + 1, "tags are not allowed");
	return -1;
}

/* The code point of the UTF-8 character ending just before p (or at p). */
static unsigned
ycp_at(const unsigned char *p, size_t len)
{
	if (len >= 1 && p[0] < 0x80)
		return p[0];
	if (len >= 3 && (p[0] & 0xf0) == 0xe0)
		return (unsigned)(p[0] & 0x0f) << 12 |
		    (unsigned)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
	return 0;	/* 2- and 4-byte characters: not CJK text */
}

/* Japanese text: kana, CJK ideographs and symbols, full-width forms. */
static int
ywide(unsigned cp)
{
	return (cp >= 0x3000 && cp <= 0x9fff) || (cp >= 0xff00 &&
	    cp <= 0xffef);
}

/*
 * YAML folds a line break inside a multi-line scalar into a space, which
 * in Japanese text is a stray gap (「実施状況は 問わない」). In such a
 * scalar, a single space between two Japanese characters is dropped.
 * Bounded by the value's length; the value only shrinks.
 */
static void
yjoin_folds(char *s, size_t *len)
{
	unsigned char	*v = (unsigned char *)s;
	size_t		 i, o = 0;

	for (i = 0; i < *len; i++) {
		if (v[i] == ' ' && o >= 3 && i + 3 < *len &&
		    (i + 1 >= *len || v[i + 1] != ' ') &&
		    ywide(ycp_at(v + o - 3, 3)) &&
		    ywide(ycp_at(v + i + 1, *len - i - 1)))
			continue;
		v[o++] = v[i];
	}
	v[o] = '\0';
	*len = o;
}

static int
yscalar(struct ybuild *b, const yaml_event_t *ev)
{
	struct ynode	*n;
	int		 forcestr;

	if (ytag_ok(b, &ev->start_mark, ev->data.scalar.anchor,
	    ev->data.scalar.tag, &forcestr) == -1)
		return -1;
	if (memchr(ev->data.scalar.value, 0, ev->data.scalar.length) != NULL) {
		yerr(b, ev->start_mark.line + 1, ev->start_mark.column + 1,
		    "NUL character in text");
		return -1;
	}
	n = ynode_new(YN_SCALAR, &ev->start_mark);
	n->str = xstrndup((const char *)ev->data.scalar.value,
	    ev->data.scalar.length);
	n->len = ev->data.scalar.length;
	n->plain = !forcestr && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (ev->end_mark.line > ev->start_mark.line &&
	    ev->data.scalar.style != YAML_LITERAL_SCALAR_STYLE)
		yjoin_folds(n->str, &n->len);
	yattach(b, n);
	return 0;
}

static int
yopen(struct ybuild *b, const yaml_event_t *ev, enum ynode_type t)
{
	const yaml_char_t	*anchor, *tag;
	struct ynode		*n;
	int			 forcestr;

	if (t == YN_MAP) {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	} else {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	}
	if (ytag_ok(b, &ev->start_mark, anchor, tag, &forcestr) == -1)
		return -1;
	if (b->depth >= YAML_MAX_DEPTH) {
		yerr(b, ev->start_mark.line + 1, ev->start_mark.column + 1,
		    "nesting deeper than 64 levels");
		return -1;
	}
	n = ynode_new(t, &ev->start_mark);
	b->stack[b->depth++] = n;
	return 0;
}

static void
yclose(struct ybuild *b)
{
	struct ynode	*n;

	n = b->stack[--b->depth];
	if (n->type == YN_MAP)
		ycheck_dupkeys(b, n);
	yattach(b, n);
}

/* One event; -1 stops the parse. */
static int
yevent(struct ybuild *b, const yaml_event_t *ev, int *ndocs)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++*ndocs > 1) {
			yerr(b, ev->start_mark.line + 1,
			    ev->start_mark.column + 1,
			    "only one YAML document per file ('---' starts "
			    "another)");
			return -1;
		}
		return 0;
	case YAML_ALIAS_EVENT:
		yerr(b, ev->start_mark.line + 1, ev->start_mark.column + 1,
		    "aliases are not allowed");	/* an anchor comes first */
		return -1;
	case YAML_SCALAR_EVENT:
		return yscalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return yopen(b, ev, YN_SEQ);
	case YAML_MAPPING_START_EVENT:
		return yopen(b, ev, YN_MAP);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (b->depth > 0)
			yclose(b);
		return 0;
	default:
		return 0;
	}
}

static void
ylibyaml_error(struct ybuild *b, const yaml_parser_t *p)
{
	char		*msg;
	const char	*problem;

	problem = p->problem != NULL ? p->problem : "syntax error";
	if (p->context != NULL && (p->context_mark.line !=
	    p->problem_mark.line || p->context_mark.column !=
	    p->problem_mark.column))
		xasprintf(&msg, "YAML syntax: %s %s (which starts at line %zu, "
		    "column %zu)", problem, p->context,
		    (size_t)p->context_mark.line + 1,
		    (size_t)p->context_mark.column + 1);
	else if (p->context != NULL)
		xasprintf(&msg, "YAML syntax: %s %s", problem, p->context);
	else
		xasprintf(&msg, "YAML syntax: %s", problem);
	yerr(b, (unsigned)p->problem_mark.line + 1,
	    (unsigned)p->problem_mark.column + 1, msg);
	free(msg);
}

struct ynode *
ynode_parse(const char *buf, size_t len, ynode_err_fn err, void *arg)
{
	struct ybuild	 b;
	yaml_parser_t	 p;
	yaml_event_t	 ev;
	int		 done = 0, ndocs = 0, rc;

	memset(&b, 0, sizeof b);
	b.err = err;
	b.arg = arg;
	if (len > YAML_MAX_SIZE) {
		yerr(&b, 1, 1, "file is larger than 4 MiB");
		return NULL;
	}
	if (yprecheck(&b, (const unsigned char *)buf, len) == -1)
		return NULL;
	if (!yaml_parser_initialize(&p))
		fatalx("yaml_parser_initialize");
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			ylibyaml_error(&b, &p);
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = yevent(&b, &ev, &ndocs);
		yaml_event_delete(&ev);
		if (rc == -1)
			break;
	}
	yaml_parser_delete(&p);
	while (b.depth > 0)
		ynode_free(b.stack[--b.depth]);
	if (!b.failed && (b.root == NULL || ynode_is_null(b.root)))
		yerr(&b, 1, 1, "file is empty (expected a mapping with "
		    "organisations, groups, contacts, policies, cycles or "
		    "feeds)");
	if (b.failed) {
		ynode_free(b.root);
		return NULL;
	}
	return b.root;
}

void
ynode_free(struct ynode *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++)
		ynode_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

struct ynode *
ynode_get(const struct ynode *m, const char *k, struct ynode **keyp)
{
	size_t	i;

	if (m == NULL || m->type != YN_MAP)
		return NULL;
	for (i = 0; i + 1 < m->n; i += 2) {
		if (m->kids[i]->type == YN_SCALAR &&
		    strcmp(m->kids[i]->str, k) == 0) {
			if (keyp != NULL)
				*keyp = m->kids[i];
			return m->kids[i + 1];
		}
	}
	return NULL;
}

int
ynode_is_null(const struct ynode *n)
{
	if (n == NULL || n->type != YN_SCALAR || !n->plain)
		return 0;
	return n->len == 0 || strcmp(n->str, "~") == 0 ||
	    strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
	    strcmp(n->str, "NULL") == 0;
}

const char *
ynode_type_name(const struct ynode *n)
{
	if (n->type == YN_MAP)
		return "a mapping";
	if (n->type == YN_SEQ)
		return "a list";
	return "text";
}
