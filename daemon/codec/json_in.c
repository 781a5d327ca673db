/*
 * json_in.c — strict flat-object JSON reader (json_in.h), RFC 8259.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/codec/json_in.h"

struct jp {
	const char	*s;
	size_t		 len, pos;
	char		*err;
};

static int
jp_fail(struct jp *p, const char *what)
{
	if (p->err == NULL)
		xasprintf(&p->err, "%s at byte %zu", what, p->pos);
	return -1;
}

static void
jp_ws(struct jp *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) != NULL &&
	    p->s[p->pos] != '\0')
		p->pos++;
}

static int
hex4(struct jp *p, unsigned *v)
{
	int	 i;
	char	 c;

	*v = 0;
	if (p->len - p->pos < 4)
		return jp_fail(p, "short \\u escape");
	for (i = 0; i < 4; i++) {
		c = p->s[p->pos++];
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return jp_fail(p, "bad \\u escape");
	}
	return 0;
}

static void
put_utf8(struct buf *b, unsigned cp)
{
	if (cp < 0x80)
		buf_putc(b, (char)cp);
	else if (cp < 0x800) {
		buf_putc(b, (char)(0xc0 | cp >> 6));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_putc(b, (char)(0xe0 | cp >> 12));
		buf_putc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_putc(b, (char)(0xf0 | cp >> 18));
		buf_putc(b, (char)(0x80 | (cp >> 12 & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	}
}

static int
unicode_escape(struct jp *p, struct buf *b)
{
	unsigned	 hi, lo;

	if (hex4(p, &hi) == -1)
		return -1;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return jp_fail(p, "unpaired surrogate");
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (p->len - p->pos < 2 || p->s[p->pos] != '\\' ||
		    p->s[p->pos + 1] != 'u')
			return jp_fail(p, "unpaired surrogate");
		p->pos += 2;
		if (hex4(p, &lo) == -1)
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return jp_fail(p, "unpaired surrogate");
		hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (hi == 0)
		return jp_fail(p, "\\u0000 not accepted");
	put_utf8(b, hi);
	return 0;
}

static int
escape(struct jp *p, struct buf *b)
{
	static const char	 from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char		*e;
	char			 c;

	if (p->pos >= p->len)
		return jp_fail(p, "unterminated string");
	c = p->s[p->pos++];
	if (c == 'u')
		return unicode_escape(p, b);
	if (c == '\0' || (e = strchr(from, c)) == NULL)
		return jp_fail(p, "bad escape");
	buf_putc(b, to[e - from]);
	return 0;
}

static int
jp_string(struct jp *p, char **out)
{
	struct buf		 b;
	unsigned char		 c;

	if (p->pos >= p->len || p->s[p->pos] != '"')
		return jp_fail(p, "expected a string");
	p->pos++;
	buf_init(&b);
	buf_puts(&b, "");
	for (;;) {
		if (p->pos >= p->len) {
			buf_free(&b);
			return jp_fail(p, "unterminated string");
		}
		c = (unsigned char)p->s[p->pos++];
		if (c == '"')
			break;
		if (c < 0x20 || (c == '\\' && escape(p, &b) == -1)) {
			buf_free(&b);
			return jp_fail(p, "control character in string");
		}
		if (c != '\\')
			buf_putc(&b, (char)c);
	}
	if (!utf8_valid(b.data, b.len)) {
		buf_free(&b);
		return jp_fail(p, "string is not UTF-8");
	}
	*out = buf_steal(&b);
	return 0;
}

static int
digits(struct jp *p)
{
	size_t	 start = p->pos;

	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
		p->pos++;
	return p->pos > start ? 0 : jp_fail(p, "bad number");
}

static int
jp_number(struct jp *p, char **out)
{
	size_t	 start = p->pos;

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0')
		p->pos++;
	else if (digits(p) == -1)
		return -1;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (digits(p) == -1)
			return -1;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' ||
		    p->s[p->pos] == '-'))
			p->pos++;
		if (digits(p) == -1)
			return -1;
	}
	*out = xstrndup(p->s + start, p->pos - start);
	return 0;
}

static int
jp_literal(struct jp *p, const char *word)
{
	size_t	 n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return jp_fail(p, "unexpected value");
	p->pos += n;
	return 0;
}

static int
jp_value(struct jp *p, struct json_in_member *m)
{
	char	 c;

	if (p->pos >= p->len)
		return jp_fail(p, "missing value");
	c = p->s[p->pos];
	m->type = JSON_IN_STRING;
	if (c == '"')
		return jp_string(p, &m->str);
	if (c == '{' || c == '[')
		return jp_fail(p, "nested values are not accepted");
	if (c == 't' || c == 'f') {
		m->type = JSON_IN_BOOL;
		m->boolean = c == 't';
		return jp_literal(p, c == 't' ? "true" : "false");
	}
	if (c == 'n') {
		m->type = JSON_IN_NULL;
		return jp_literal(p, "null");
	}
	m->type = JSON_IN_NUMBER;
	return jp_number(p, &m->str);
}

static int
jp_member(struct jp *p, struct json_in *o)
{
	struct json_in_member	*m;
	char			*key;

	if (o->n == JSON_IN_MAX_MEMBERS)
		return jp_fail(p, "too many members");
	if (jp_string(p, &key) == -1)
		return -1;
	if (json_in_get(o, key) != NULL) {
		free(key);
		return jp_fail(p, "duplicate key");
	}
	o->v = xreallocarray(o->v, o->n + 1, sizeof *o->v);
	m = &o->v[o->n++];
	memset(m, 0, sizeof *m);
	m->key = key;
	jp_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != ':')
		return jp_fail(p, "expected ':'");
	p->pos++;
	jp_ws(p);
	return jp_value(p, m);
}

int
json_in_parse(const char *s, size_t len, struct json_in *o, char **cause)
{
	struct jp	 p = { s, len, 0, NULL };

	o->v = NULL;
	o->n = 0;
	jp_ws(&p);
	if (p.pos >= len || s[p.pos] != '{') {
		jp_fail(&p, "expected a JSON object");
		goto fail;
	}
	p.pos++;
	jp_ws(&p);
	if (p.pos < len && s[p.pos] == '}')
		p.pos++;
	else {
		for (;;) {
			if (jp_member(&p, o) == -1)
				goto fail;
			jp_ws(&p);
			if (p.pos < len && s[p.pos] == ',') {
				p.pos++;
				jp_ws(&p);
				continue;
			}
			if (p.pos < len && s[p.pos] == '}') {
				p.pos++;
				break;
			}
			jp_fail(&p, "expected ',' or '}'");
			goto fail;
		}
	}
	jp_ws(&p);
	if (p.pos != len) {
		jp_fail(&p, "trailing bytes");
		goto fail;
	}
	return 0;
fail:
	json_in_free(o);
	*cause = p.err;
	return -1;
}

void
json_in_free(struct json_in *o)
{
	size_t	 i;

	for (i = 0; i < o->n; i++) {
		free(o->v[i].key);
		free(o->v[i].str);
	}
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

const struct json_in_member *
json_in_get(const struct json_in *o, const char *key)
{
	size_t	 i;

	for (i = 0; i < o->n; i++)
		if (strcmp(o->v[i].key, key) == 0)
			return &o->v[i];
	return NULL;
}

int
json_in_str(const struct json_in *o, const char *key, const char **out)
{
	const struct json_in_member	*m = json_in_get(o, key);

	*out = NULL;
	if (m == NULL || m->type == JSON_IN_NULL)
		return 0;
	if (m->type != JSON_IN_STRING)
		return -1;
	*out = m->str;
	return 0;
}
