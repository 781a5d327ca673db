/*
 * inbox_mime.c — one raw message into struct inbox_facts, with GMime 3
 * (inbox_mime.h). Every string leaves this file as a malloc'd, valid
 * UTF-8 C string; nothing of GLib escapes it.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "calendars/util.h"
#include "daemon/inbox/inbox_match.h"
#include "daemon/inbox/inbox_mime.h"

#define MIME_MAX_PARTS	64	/* attachments kept per message */
#define MIME_MAX_DEPTH	8	/* nested multiparts and messages */
#define MIME_MAX_RCPTS	32
#define MIME_MAX_HDRS	256	/* header fields looked at */

/* Charsets tried, in order, for 8-bit text that names none. */
static const char *fallback_charsets[] = { "UTF-8", "CP932", "EUC-JP",
	"ISO-8859-1", NULL };

struct walk {
	struct inbox_facts	*f;
	size_t			 max_part;
	char			*text;		/* the first text/plain */
	char			*html;		/* else the first text/html */
};

void
inbox_mime_init(void)
{
	g_mime_init();
}

void
inbox_mime_shutdown(void)
{
	g_mime_shutdown();
}

/* A copy that is valid UTF-8 (bad bytes become '?'), or NULL. */
static char *
utf8_dup(const char *s)
{
	char	*d;
	size_t	 i, l, n;

	if (s == NULL)
		return NULL;
	d = xstrdup(s);
	n = strlen(d);
	for (i = 0; i < n; i += l) {
		l = utf8_seqlen((unsigned char *)d + i);
		if (i + l > n || !utf8_valid(d + i, l)) {
			d[i] = '?';
			l = 1;
		}
	}
	return d;
}

static void
push(char ***v, size_t *n, char *s, size_t max)
{
	size_t	 i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0) {
			free(s);
			return;
		}
	if (*n >= max) {
		free(s);
		return;
	}
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = s;
}

/* Every mailbox of list (groups opened), lower case, into v. */
static void
add_addresses(InternetAddressList *list, char ***v, size_t *n)
{
	InternetAddress	*a;
	const char	*addr;
	int		 i, count;

	if (list == NULL)
		return;
	count = internet_address_list_length(list);
	for (i = 0; i < count && i < MIME_MAX_RCPTS; i++) {
		a = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_GROUP(a))
			add_addresses(internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(a)), v, n);
		else if (INTERNET_ADDRESS_IS_MAILBOX(a) &&
		    (addr = internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(a))) != NULL &&
		    strchr(addr, '@') != NULL)
			push(v, n, inbox_lower(utf8_dup(addr)), MIME_MAX_RCPTS);
	}
}

/* The addresses of a header value such as Delivered-To. */
static void
add_header_addresses(GMimeParserOptions *o, const char *value, char ***v,
    size_t *n)
{
	InternetAddressList	*l;

	if (value == NULL || (l = internet_address_list_parse(o, value)) ==
	    NULL)
		return;
	add_addresses(l, v, n);
	g_object_unref(l);
}

/* "<id>" of a msg-id without brackets. */
static char *
bracket(const char *id)
{
	char	*s, *u;

	if (id == NULL || *id == '\0' || strlen(id) > 250 ||
	    strpbrk(id, "<> \t\r\n") != NULL)
		return NULL;
	xasprintf(&s, "<%s>", id);
	u = utf8_dup(s);
	free(s);
	return u;
}

static void
add_refs(GMimeParserOptions *o, const char *value, struct inbox_facts *f)
{
	GMimeReferences	*r;
	char		*id;
	int		 i, n;

	if (value == NULL || (r = g_mime_references_parse(o, value)) == NULL)
		return;
	n = g_mime_references_length(r);
	for (i = 0; i < n && i < 32; i++)
		if ((id = bracket(g_mime_references_get_message_id(r, i))) !=
		    NULL)
			push(&f->refs, &f->nrefs, id, 64);
	g_mime_references_free(r);
}

/* Headers: sender, recipients, references, and the auto-reply signs. */
static void
read_headers(GMimeMessage *m, GMimeParserOptions *o, struct inbox_facts *f)
{
	GMimeHeaderList		*hl = g_mime_object_get_header_list(
	    GMIME_OBJECT(m));
	GMimeObject		*body = g_mime_message_get_mime_part(m);
	InternetAddressList	*from = g_mime_message_get_from(m);
	struct inbox_hdr	 h[MIME_MAX_HDRS];
	GMimeHeader		*hd;
	const char		*name, *value;
	char			*ct = NULL, **froms = NULL;
	size_t			 nh = 0, nfroms = 0;
	int			 i, count;

	f->msgid = bracket(g_mime_message_get_message_id(m));
	f->subject = utf8_dup(g_mime_message_get_subject(m));
	add_addresses(from, &froms, &nfroms);
	if (nfroms > 0) {
		f->from = froms[0];
		froms[0] = NULL;
	}
	while (nfroms > 0)
		free(froms[--nfroms]);
	free(froms);
	add_addresses(g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_TO),
	    &f->rcpts, &f->nrcpts);
	add_addresses(g_mime_message_get_addresses(m, GMIME_ADDRESS_TYPE_CC),
	    &f->rcpts, &f->nrcpts);
	count = g_mime_header_list_get_count(hl);
	for (i = 0; i < count && nh < MIME_MAX_HDRS; i++) {
		hd = g_mime_header_list_get_header_at(hl, i);
		name = g_mime_header_get_name(hd);
		value = g_mime_header_get_value(hd);
		if (name == NULL || value == NULL)
			continue;
		h[nh].name = name;
		h[nh++].value = value;
		if (strcasecmp(name, "Delivered-To") == 0 ||
		    strcasecmp(name, "X-Original-To") == 0 ||
		    strcasecmp(name, "Envelope-To") == 0)
			add_header_addresses(o, value, &f->rcpts, &f->nrcpts);
		else if (strcasecmp(name, "In-Reply-To") == 0)
			add_refs(o, value, f);
	}
	/* References after In-Reply-To: the nearest first. */
	for (i = 0; i < count; i++) {
		hd = g_mime_header_list_get_header_at(hl, i);
		name = g_mime_header_get_name(hd);
		if (name != NULL && strcasecmp(name, "References") == 0)
			add_refs(o, g_mime_header_get_value(hd), f);
	}
	if (body != NULL)
		ct = g_mime_content_type_get_mime_type(
		    g_mime_object_get_content_type(body));
	f->auto_flags = inbox_auto_flags(h, nh, ct);
	g_free(ct);
}

/* The decoded bytes of a leaf part; NULL when over max (then *len). */
static unsigned char *
part_bytes(GMimePart *p, size_t max, size_t *len)
{
	GMimeDataWrapper	*dw = g_mime_part_get_content(p);
	GMimeStream		*s;
	GByteArray		*ba;
	unsigned char		*out = NULL;

	*len = 0;
	if (dw == NULL)
		return xcalloc(1, 1);
	s = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(dw, s) >= 0) {
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
		*len = ba->len;
		if (ba->len <= max) {
			/* An empty part's array may have no data at all. */
			out = xmalloc(ba->len + 1);
			if (ba->len > 0)
				memcpy(out, ba->data, ba->len);
			out[ba->len] = '\0';
		}
	} else
		out = xcalloc(1, 1);
	g_object_unref(s);
	return out;
}

/* The whole of an object (an attached message) as bytes. */
static unsigned char *
object_bytes(GMimeObject *obj, size_t max, size_t *len)
{
	GMimeStream	*s = g_mime_stream_mem_new();
	GByteArray	*ba;
	unsigned char	*out = NULL;

	*len = 0;
	if (g_mime_object_write_to_stream(obj, NULL, s) >= 0) {
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
		*len = ba->len;
		if (ba->len <= max) {
			/* An empty part's array may have no data at all. */
			out = xmalloc(ba->len + 1);
			if (ba->len > 0)
				memcpy(out, ba->data, ba->len);
			out[ba->len] = '\0';
		}
	}
	g_object_unref(s);
	return out;
}

static void
add_part(struct walk *w, const char *name, const char *type,
    unsigned char *data, size_t len)
{
	struct inbox_facts	*f = w->f;
	struct inbox_part	*p;
	char			 clean[INBOX_NAME_MAX + 1];

	if (f->nparts >= MIME_MAX_PARTS) {
		free(data);
		f->too_big = 1;
		return;
	}
	f->parts = xreallocarray(f->parts, f->nparts + 1, sizeof *f->parts);
	p = &f->parts[f->nparts++];
	p->name = xstrdup(inbox_sanitise_name(name, clean, sizeof clean));
	p->type = inbox_lower(utf8_dup(type != NULL ? type :
	    "application/octet-stream"));
	p->data = data;
	p->len = len;
	if (data == NULL)
		f->too_big = 1;
}

/* A leaf: an attachment, the body text, or a part of a DSN. */
static void
walk_leaf(struct walk *w, GMimePart *p, int in_report)
{
	GMimeObject		*obj = GMIME_OBJECT(p);
	GMimeContentType	*ct = g_mime_object_get_content_type(obj);
	const char		*disp = g_mime_object_get_disposition(obj);
	const char		*name = g_mime_part_get_filename(p);
	char			*type, *text;
	unsigned char		*data;
	size_t			 len;
	int			 attachment;

	if (in_report && g_mime_content_type_is_type(ct, "message",
	    "delivery-status")) {
		if ((data = part_bytes(p, 1 << 20, &len)) != NULL)
			inbox_dsn_parse((char *)data, len, &w->f->dsn);
		free(data);
		return;
	}
	if (in_report && g_mime_content_type_is_type(ct, "text",
	    "rfc822-headers")) {
		if (w->f->dsn.orig_msgid == NULL &&
		    (data = part_bytes(p, 1 << 20, &len)) != NULL) {
			w->f->dsn.orig_msgid = inbox_headers_msgid((char *)data,
			    len);
			free(data);
		}
		return;
	}
	attachment = name != NULL ||
	    (disp != NULL && strcasecmp(disp, "attachment") == 0);
	/* Pictures of a signature or an HTML body: inline with an id. */
	if (attachment && g_mime_object_get_content_id(obj) != NULL &&
	    g_mime_content_type_is_type(ct, "image", "*") &&
	    (disp == NULL || strcasecmp(disp, "attachment") != 0))
		return;
	if (!attachment && GMIME_IS_TEXT_PART(p)) {
		if (in_report)
			return;
		if (w->text == NULL &&
		    g_mime_content_type_is_type(ct, "text", "plain"))
			w->text = g_mime_text_part_get_text(GMIME_TEXT_PART(p));
		else if (w->html == NULL &&
		    g_mime_content_type_is_type(ct, "text", "html"))
			w->html = g_mime_text_part_get_text(GMIME_TEXT_PART(p));
		return;
	}
	if (!attachment || in_report)
		return;
	data = part_bytes(p, w->max_part, &len);
	type = g_mime_content_type_get_mime_type(ct);
	text = utf8_dup(name);
	add_part(w, text != NULL ? text : "", type, data, len);
	free(text);
	g_free(type);
}

static void	walk(struct walk *, GMimeObject *, int in_report, int depth);

/* message/rfc822: in a report the bounced mail, elsewhere a file. */
static void
walk_message(struct walk *w, GMimeMessagePart *mp, int in_report,
    int depth)
{
	GMimeMessage	*inner = g_mime_message_part_get_message(mp);
	const char	*name;
	unsigned char	*data;
	size_t		 len;

	if (inner == NULL)
		return;
	if (in_report) {
		if (w->f->dsn.orig_msgid == NULL)
			w->f->dsn.orig_msgid = bracket(
			    g_mime_message_get_message_id(inner));
		return;
	}
	(void)depth;
	name = g_mime_object_get_content_disposition_parameter(
	    GMIME_OBJECT(mp), "filename");
	data = object_bytes(GMIME_OBJECT(inner), w->max_part, &len);
	add_part(w, name != NULL ? name : "message.eml", "message/rfc822",
	    data, len);
}

static void
walk(struct walk *w, GMimeObject *obj, int in_report, int depth)
{
	GMimeMultipart		*mp;
	GMimeContentType	*ct;
	int			 i, n, report;

	if (obj == NULL || depth > MIME_MAX_DEPTH)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		mp = GMIME_MULTIPART(obj);
		ct = g_mime_object_get_content_type(obj);
		report = g_mime_content_type_is_type(ct, "multipart",
		    "report");
		if (report && depth == 0) {
			const char *rt = g_mime_content_type_get_parameter(ct,
			    "report-type");

			w->f->is_dsn = rt != NULL &&
			    strcasecmp(rt, "delivery-status") == 0;
		}
		n = g_mime_multipart_get_count(mp);
		for (i = 0; i < n && i < 256; i++)
			walk(w, g_mime_multipart_get_part(mp, i),
			    in_report || report, depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(obj))
		walk_message(w, GMIME_MESSAGE_PART(obj), in_report, depth);
	else if (GMIME_IS_PART(obj))
		walk_leaf(w, GMIME_PART(obj), in_report);
}

/* Text of an HTML body, tags dropped: enough for a first line. */
static char *
html_text(const char *html)
{
	struct buf	 b;
	const char	*p;
	int		 tag = 0;

	buf_init(&b);
	for (p = html; *p != '\0' && b.len < 4096; p++) {
		if (*p == '<') {
			tag = 1;
			if (strncasecmp(p, "<br", 3) == 0 ||
			    strncasecmp(p, "<p", 2) == 0 ||
			    strncasecmp(p, "<div", 4) == 0)
				buf_putc(&b, '\n');
		} else if (*p == '>')
			tag = 0;
		else if (!tag)
			buf_putc(&b, *p);
	}
	return buf_steal(&b);
}

int
inbox_mime_parse(const char *raw, size_t len, size_t max_part,
    struct inbox_facts *f)
{
	GMimeParserOptions	*o;
	GMimeStream		*s;
	GMimeParser		*p;
	GMimeMessage		*m;
	struct walk		 w = { f, max_part, NULL, NULL };
	char			*t;

	memset(f, 0, sizeof *f);
	o = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(o, fallback_charsets);
	s = g_mime_stream_mem_new_with_buffer(raw, len);
	p = g_mime_parser_new_with_stream(s);
	m = g_mime_parser_construct_message(p, o);
	g_object_unref(p);
	g_object_unref(s);
	if (m == NULL) {
		g_mime_parser_options_free(o);
		return -1;
	}
	read_headers(m, o, f);
	walk(&w, g_mime_message_get_mime_part(m), 0, 0);
	if (w.text != NULL)
		f->first_line = inbox_first_line(w.text);
	else if (w.html != NULL) {
		t = html_text(w.html);
		f->first_line = inbox_first_line(t);
		free(t);
	}
	t = f->first_line;
	f->first_line = utf8_dup(t);
	free(t);
	g_free(w.text);
	g_free(w.html);
	g_object_unref(m);
	g_mime_parser_options_free(o);
	return 0;
}
