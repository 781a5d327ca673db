/*
 * expand_occ.c — renders an instance into a struct occ: the title with
 * its approximation label, the description (agenda, roles, audience,
 * submissions, source, the cycle's caveat), the location, deadline fields,
 * the UID (never from a date) and the content hash that drives SEQUENCE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "rules/expand.h"
#include "rules/parse.h"

static const char *
circled(int n)
{
	static const char *const c[] = { "①", "②", "③", "④", "⑤", "⑥",
	    "⑦", "⑧", "⑨", "⑩", "⑪", "⑫", "⑬", "⑭", "⑮", "⑯", "⑰", "⑱",
	    "⑲", "⑳" };

	return n >= 1 && n <= 20 ? c[n - 1] : NULL;
}

/* Name of an org, contact or group id, else the text itself. */
static const char *
display_name(const struct rules *r, const char *id)
{
	const struct rules_org		*o;
	const struct rules_contact	*c;
	const struct rules_group	*g;

	if ((o = rules_find_org(r, id)) != NULL)
		return o->name;
	if ((g = rules_find_group(r, id)) != NULL)
		return g->name;
	if ((c = rules_find_contact(r, id)) != NULL)
		return c->name;
	return id;
}

/*
 * Appends who an id is: an organisation's, group's or contact's name;
 * a role (`kouiki-ad`) as the names of the contacts holding it (the first
 * three, then 「ほかN名」); else the text as written.
 */
static void
who_puts(struct buf *b, const struct rules *r, const char *id)
{
	size_t	 i, k, n = 0;

	if (rules_find_org(r, id) != NULL || rules_find_group(r, id) != NULL ||
	    rules_find_contact(r, id) != NULL) {
		buf_puts(b, display_name(r, id));
		return;
	}
	for (i = 0; i < r->ncontacts; i++)
		for (k = 0; k < r->contacts[i].nroles; k++) {
			if (strcmp(r->contacts[i].roles[k], id) != 0)
				continue;
			if (n < 3)
				buf_printf(b, "%s%s", n ? "、" : "",
				    r->contacts[i].name);
			n++;
			break;
		}
	if (n > 3)
		buf_printf(b, "ほか%zu名", n - 3);
	if (n == 0)
		buf_puts(b, id);
}

static const char *
group_attr(const struct rules_group *g, const char *key, size_t klen)
{
	size_t	 i;

	for (i = 0; i < g->nattrs; i++)
		if (strlen(g->attr_keys[i]) == klen &&
		    strncmp(g->attr_keys[i], key, klen) == 0)
			return g->attr_vals[i];
	return NULL;
}

/*
 * {group.KEY}: the attribute of the item's `per` group, else of the
 * first group (file order) that holds the member and has KEY — a block
 * meeting per prefecture takes its block's {group.host}. NULL if none.
 */
static const char *
title_attr(const struct rules *r, const struct rules_item *it,
    const struct inst *in, const char *key, size_t klen)
{
	const struct rules_group	*mg;
	const char	*v;
	size_t		 g, k;

	/* One occurrence per group (`per: {groups: G}`): that group's. */
	if (in->member != NULL && (mg = rules_find_group(r, in->member)) !=
	    NULL && (v = group_attr(mg, key, klen)) != NULL)
		return v;
	if (it->per != NULL && it->per_ix < r->ngroups &&
	    (v = group_attr(&r->groups[it->per_ix], key, klen)) != NULL)
		return v;
	for (g = 0; in->member != NULL && g < r->ngroups; g++) {
		if ((v = group_attr(&r->groups[g], key, klen)) == NULL)
			continue;
		for (k = 0; k < r->groups[g].nmembers; k++)
			if (strcmp(r->groups[g].members[k], in->member) == 0)
				return v;
	}
	return NULL;
}

/* Replaces {n}, {member}, {member.name} and {group.KEY} in a title. */
static void
title_subst(struct buf *b, const struct rules *r, const struct rules_item *it,
    const char *t, const struct inst *in)
{
	const char	*p = t, *cn, *end, *v;
	char		 num[16];

	while (*p != '\0') {
		if (strncmp(p, "{n}", 3) == 0) {
			snprintf(num, sizeof num, "%d", in->number);
			cn = circled(in->number);
			buf_puts(b, cn != NULL ? cn : num);
			p += 3;
		} else if (strncmp(p, "{member.name}", 13) == 0 ||
		    strncmp(p, "{member}", 8) == 0) {
			if (in->member != NULL)
				buf_puts(b, display_name(r, in->member));
			p += p[7] == '}' ? 8 : 13;
		} else if (strncmp(p, "{group.", 7) == 0 &&
		    (end = strchr(p + 7, '}')) != NULL &&
		    (v = title_attr(r, it, in, p + 7,
		    (size_t)(end - p - 7))) != NULL) {
			buf_puts(b, v);
			p = end + 1;
		} else
			buf_putc(b, *p++);
	}
}

static void
list_line(struct buf *b, const struct rules *r, const char *label,
    char *const *v, size_t n)
{
	size_t	 i;

	if (n == 0)
		return;
	buf_printf(b, "%s%s：", b->len > 0 ? "\n" : "", label);
	for (i = 0; i < n; i++) {
		if (i)
			buf_puts(b, "、");
		who_puts(b, r, v[i]);
	}
}

/*
 * The instance of a submission item that goes with `in`: for the same
 * member when the submission is per member; the last one on or before
 * the event (before) or the first on or after it (after), else the
 * nearest one there is.
 */
static const struct inst *
submission_of(const struct inst_list *l, const struct inst *in, int after)
{
	const struct inst	*best = NULL, *c;
	size_t			 i;
	int			 fits, bfits = 0;

	for (i = 0; i < l->n; i++) {
		c = &l->v[i];
		if (c->adhoc || c->cancelled || (in->member != NULL &&
		    c->member != NULL && strcmp(in->member, c->member) != 0) ||
		    (in->member == NULL && c->member != NULL))
			continue;
		fits = after ? c->start >= in->start : c->start <= in->start;
		if (best == NULL || (fits && !bfits) || (fits == bfits &&
		    (after ? c->start < best->start : c->start > best->start))) {
			best = c;
			bfits = fits;
		}
	}
	return best;
}

/* 「事前提出：情報共有シート（期限 令和7年3月7日（金））」 */
/*
 * 事前提出 / 事後提出 only for what someone submits (a deadline, a survey,
 * an item with assignees); a meeting this one reports to is its 報告先, anything
 * else is just what comes before or after.
 */
static const char *
refs_label(const struct rules_item *t, int after)
{
	if (t->kind == RK_DEADLINE || t->kind == RK_SURVEY ||
	    t->nassignees > 0 || t->assignee_group != NULL)
		return after ? "事後提出" : "事前提出";
	if (t->kind == RK_MEETING)
		return after ? "報告先" : "前の会議";
	return after ? "この後" : "この前";
}

static void
refs_line(struct buf *b, const struct rules *r, int after,
    const struct rules_ref *v, size_t n, const struct inst_list *memo,
    const struct inst *in)
{
	const struct rules_item	*t;
	const struct inst	*s;
	char			 when[128];
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (v[i].ix == RULES_NONE || v[i].ix >= r->nitems)
			continue;
		t = &r->items[v[i].ix];
		s = memo != NULL ? submission_of(&memo[v[i].ix], in, after) :
		    NULL;
		buf_printf(b, "%s%s：", b->len > 0 ? "\n" : "",
		    refs_label(t, after));
		if (s != NULL)
			title_subst(b, r, t, t->title, s);
		else
			buf_puts(b, t->title);
		if (s == NULL)
			continue;
		if (s->tentative && s->approx[0] != '\0')
			snprintf(when, sizeof when, "%s", s->approx);
		else
			cal_wareki_format(when, sizeof when, s->start,
			    CAL_WF_WEEKDAY);
		/* 期限 only for what falls due; a meeting just has a date. */
		buf_printf(b, "（%s%s%s）", t->kind == RK_DEADLINE ||
		    t->nassignees > 0 || t->assignee_group != NULL ? "期限 " :
		    "", when, s->assumed || t->assumed ? "・想定" : "");
	}
}

/*
 * 「日付：令和8年1月10日（土）は閉庁日（土曜日）のため、前の開庁日に変更」,
 * or why a closed day is kept (`adjust: {to: none, reason: …}`).
 */
static void
closed_line(struct buf *b, const struct rules_item *it, const struct inst *in)
{
	const char	*why;
	char		 from[64];

	if (in->moved) {
		why = in->closed_name;
		cal_wareki_format(from, sizeof from, in->moved_from,
		    CAL_WF_WEEKDAY);
		if (in->collided)
			buf_printf(b, "%s日付：%sは閉庁日（%s）のため休み（次の"
			    "開庁日には次の回があります）", b->len ? "\n" : "",
			    from, why != NULL ? why : "休日");
		else
			buf_printf(b, "%s日付：%sは閉庁日（%s）のため、%sの開庁日"
			    "に変更", b->len ? "\n" : "", from, why != NULL ?
			    why : "休日", in->start < in->moved_from ? "前" :
			    "次");
	} else if (in->kept) {
		why = in->closed_name;
		buf_printf(b, "%s日付：閉庁日（%s）ですが日付どおり（%s）",
		    b->len ? "\n" : "", why != NULL ? why : "休日",
		    it->adjust_reason != NULL ? it->adjust_reason : "");
	}
}

static char *
describe(const struct rules *r, const struct rules_item *it,
    const struct inst *in, const struct inst_list *memo,
    const char *audience)
{
	const struct rules_cycle	*cy = &r->cycles[it->cycle];
	struct buf			 b;
	int				 h, m;

	buf_init(&b);
	if (it->description != NULL)
		buf_puts(&b, it->description);
	while (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	if (it->door_secs >= 0) {
		h = it->door_secs / 3600;
		m = it->door_secs / 60 % 60;
		buf_printf(&b, "%s入室 %d:%02d～", b.len ? "\n" : "", h, m);
	}
	if (in->approx[0] != '\0')
		buf_printf(&b, "%s時期：%s（日程調整中）", b.len ? "\n" : "",
		    in->approx);
	closed_line(&b, it, in);
	if (in->assumed && !in->adhoc)
		buf_printf(&b, "%s日付：資料に記載がなく、koyomiが想定した日付"
		    "です（確定ではありません）。", b.len ? "\n" : "");
	list_line(&b, r, "主催", it->organiser, it->norganiser);
	list_line(&b, r, "出席", it->attendees, it->nattendees);
	if (audience != NULL)
		buf_printf(&b, "%s対象：%s", b.len ? "\n" : "",
		    display_name(r, audience));
	refs_line(&b, r, 0, it->before, it->nbefore, memo, in);
	refs_line(&b, r, 1, it->after, it->nafter, memo, in);
	if (it->source != NULL)
		buf_printf(&b, "%s出典：%s", b.len ? "\n" : "", it->source);
	if (cy->note != NULL)
		buf_printf(&b, "%s%s", b.len ? "\n" : "", cy->note);
	return buf_steal(&b);
}

static char *
locate(const struct rules *r, const struct rules_item *it,
    const struct inst *in)
{
	const char	*loc = it->location, *addr = it->address;
	struct buf	 b, t;

	if (in->ovr_member != NULL) {
		if (in->ovr_member->location != NULL)
			loc = in->ovr_member->location;
		if (in->ovr_member->address != NULL)
			addr = in->ovr_member->address;
	}
	buf_init(&b);
	if (loc != NULL)	/* {member.name}, {group.KEY} as in titles */
		title_subst(&b, r, it, loc, in);
	if (addr != NULL) {
		buf_init(&t);
		title_subst(&t, r, it, addr, in);
		buf_printf(&b, "%s%s", b.len ? "　" : "", t.data ? t.data : "");
		buf_free(&t);
	}
	if (b.len > 0 && strstr(b.data, "オンライン") != NULL)
		;	/* the location already says how to join */
	else if (it->online == RO_HYBRID)
		buf_puts(&b, b.len ? "（オンライン併用）" : "オンライン併用");
	else if (it->online == RO_ONLY && (loc == NULL ||
	    strstr(loc, "オンライン") == NULL))
		buf_puts(&b, b.len ? "（オンライン）" : "オンライン");
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}


static void
add_assignee(struct occ *o, const char *id)
{
	size_t	 i;

	for (i = 0; i < o->nassignees; i++)
		if (strcmp(o->assignees[i], id) == 0)
			return;
	o->assignees = xreallocarray(o->assignees, o->nassignees + 1,
	    sizeof *o->assignees);
	o->assignees[o->nassignees++] = xstrdup(id);
}

/*
 * A copy for one member (its own `per`, or the member of the per item it
 * is relative to / same day as) is that member's: an organisation, or a
 * group's organisations of the year. Listed assignees are narrowed to the
 * member's; a deadline that lists none gets the member's.
 */
static void
member_assignees(const struct rules *r, const struct rules_item *it, int fy,
    const struct rules_expand_ctx *ctx, const struct inst *in,
    struct occ *o)
{
	const struct rules_group	*g;
	const char			**mem, *one[1];
	size_t				 n, i, k, j;

	if ((g = rules_find_group(r, in->member)) != NULL)
		n = expand_group_members(r, (size_t)(g - r->groups), fy, ctx,
		    &mem);
	else {
		one[0] = in->member;
		mem = one;
		n = 1;
	}
	if (o->nassignees == 0 && (it->per != NULL || it->kind == RK_DEADLINE))
		for (k = 0; k < n; k++)
			add_assignee(o, mem[k]);
	else {
		for (i = j = 0; i < o->nassignees; i++) {
			for (k = 0; k < n; k++)
				if (strcmp(o->assignees[i], mem[k]) == 0)
					break;
			if (k < n)
				o->assignees[j++] = o->assignees[i];
			else
				free(o->assignees[i]);
		}
		o->nassignees = j;
	}
	if (mem != one)
		free(mem);
}

static void
assignees(const struct rules *r, const struct rules_item *it, int fy,
    const struct rules_expand_ctx *ctx, const struct inst *in,
    struct occ *o)
{
	const struct rules_group	*g;
	const char			**mem, *id;
	size_t				 i, k, n;

	if (it->assignee_group != NULL &&
	    it->assignee_group_ix != RULES_NONE) {
		n = expand_group_members(r, it->assignee_group_ix, fy, ctx, &mem);
		/* Group members are unique already: no quadratic dedupe. */
		o->assignees = xreallocarray(o->assignees, n + 1,
		    sizeof *o->assignees);
		for (k = 0; k < n; k++)
			o->assignees[o->nassignees++] = xstrdup(mem[k]);
		free(mem);
	}
	for (i = 0; i < it->nassignees; i++) {
		if (in->case_code != NULL &&
		    strcmp(it->assignees[i], RULES_CASE_ORG) == 0) {
			if ((id = expand_case_assignee(r, it, in)) != NULL)
				add_assignee(o, id);
			continue;
		}
		if ((g = rules_find_group(r, it->assignees[i])) == NULL) {
			add_assignee(o, it->assignees[i]);
			continue;
		}
		n = expand_group_members(r, (size_t)(g - r->groups), fy, ctx,
		    &mem);
		for (k = 0; k < n; k++)
			add_assignee(o, mem[k]);
		free(mem);
	}
	/* A case deadline naming nobody is the case's own. */
	if (in->case_code != NULL && it->nassignees == 0 &&
	    it->assignee_group == NULL &&
	    (id = expand_case_assignee(r, it, in)) != NULL)
		add_assignee(o, id);
	if (in->member != NULL)
		member_assignees(r, it, fy, ctx, in, o);
	/* A target nobody is named for is its cycle's organiser's. */
	if (o->nassignees == 0 && it->frequency.min > 0 && in->member == NULL &&
	    r->cycles[it->cycle].organiser != NULL)
		add_assignee(o, r->cycles[it->cycle].organiser);
}

static void
hash_str(uint64_t *h, const char *s)
{
	const unsigned char	*p = (const unsigned char *)(s ? s : "");

	for (; *p != '\0'; p++)
		*h = (*h ^ *p) * 0x100000001b3ULL;
	*h = (*h ^ 0xff) * 0x100000001b3ULL;	/* field separator */
}

static void
hash_int(uint64_t *h, long long v)
{
	char	 b[32];

	snprintf(b, sizeof b, "%lld", v);
	hash_str(h, b);
}

static void
content_hash(struct occ *o)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i;

	hash_str(&h, o->title);
	hash_str(&h, o->description);
	hash_str(&h, o->location);
	hash_int(&h, o->adhoc ? -1 : o->start);
	hash_int(&h, o->adhoc ? -1 : o->end);
	hash_int(&h, o->start_secs);
	hash_int(&h, o->end_secs);
	hash_int(&h, o->status);
	hash_int(&h, o->is_deadline ? o->due_secs : -1);
	for (i = 0; i < o->nassignees; i++)
		hash_str(&h, o->assignees[i]);
	snprintf(o->hash, sizeof o->hash, "%016llx", (unsigned long long)h);
}

static char *
make_uid(const struct rules *r, const struct rules_item *it, int fy,
    const struct inst *in)
{
	struct buf	 b;

	buf_init(&b);
	buf_printf(&b, "%s.%s.fy%d", r->cycles[it->cycle].id, it->id,
	    in->uid_fy != 0 ? in->uid_fy : fy);
	if (in->member != NULL)
		buf_printf(&b, ".%s", in->member);
	if (in->number > 0)
		buf_printf(&b, ".n%d", in->number);
	if (in->case_code != NULL)
		buf_printf(&b, ".case-%s", in->case_code);
	buf_puts(&b, "@koyomi");
	return buf_steal(&b);
}

/* Local day and time in zone `from` → the same instant in zone `to`. */
static void
zone_shift(const struct cal_zone *from, const struct cal_zone *to,
    cal_day *day, int *secs)
{
	cal_utc_to_local(to, cal_local_to_utc(from, *day, *secs), day, secs);
}

/*
 * A cycle written in another zone: timed occurrences and due times move
 * to the calendar's zone (ctx->zone, set by rules_expand). All-day dates
 * and tentative spans are days, not instants, and stay; a single-day
 * deadline moves with its due time.
 */
static void
zone_apply(const struct rules *r, const struct rules_item *it,
    const struct rules_expand_ctx *ctx, struct occ *o)
{
	const struct cal_zone	*from = r->cycles[it->cycle].zone;
	cal_day			 d;
	int			 s;

	if (from == NULL || ctx == NULL || ctx->zone == NULL || o->adhoc)
		return;
	if (o->start_secs >= 0) {
		d = o->start;
		zone_shift(from, ctx->zone, &o->start, &o->start_secs);
		if (o->end_secs >= 0)
			zone_shift(from, ctx->zone, &o->end, &o->end_secs);
		else
			o->end += o->start - d;
	}
	if (!o->is_deadline || o->due_secs < 0)
		return;
	d = o->end;
	s = o->due_secs;
	zone_shift(from, ctx->zone, &d, &s);
	o->due_secs = s;
	if (o->start == o->end && o->start_secs < 0)
		o->start = o->end = d;
}

/*
 * Appends "（年2回以上・1回目）": the parts of the suffix (split at ・)
 * the title does not say already.
 */
static void
suffix_add(struct buf *t, const char *suffix)
{
	static const char	 dot[] = "・";
	const char		*part = suffix, *end;
	char			*s;
	size_t			 n = 0;

	while (*part != '\0') {
		if ((end = strstr(part, dot)) == NULL)
			end = part + strlen(part);
		s = xstrndup(part, (size_t)(end - part));
		if (*s != '\0' && strstr(t->data ? t->data : "", s) == NULL) {
			buf_puts(t, n++ ? dot : "（");
			buf_puts(t, s);
		}
		free(s);
		part = *end != '\0' ? end + sizeof dot - 1 : end;
	}
	if (n > 0)
		buf_puts(t, "）");
}

void
expand_emit(const struct rules *r, size_t ix, int fy, const struct inst *in,
    const struct rules_expand_ctx *ctx, const struct inst_list *memo,
    struct occ_list *out)
{
	const struct rules_item	*it = &r->items[ix];
	struct occ		*o;
	struct buf		 t;
	const char		*title = it->title;

	out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
	o = &out->v[out->n++];
	memset(o, 0, sizeof *o);
	o->uid = make_uid(r, it, fy, in);
	o->cycle_id = r->cycles[it->cycle].id;
	o->item_id = it->id;
	o->fy = fy;
	o->member = in->member;
	/* A copy: the case list belongs to the caller's context. */
	o->case_code = in->case_code != NULL ? xstrdup(in->case_code) : NULL;
	o->number = in->number;
	o->kind = it->kind;
	if (in->ovr_member != NULL && in->ovr_member->title != NULL)
		title = in->ovr_member->title;
	if (in->ovr_fy != NULL && in->ovr_fy->title != NULL)
		title = in->ovr_fy->title;
	buf_init(&t);
	title_subst(&t, r, it, title, in);
	suffix_add(&t, in->suffix);
	if (in->tentative && in->approx[0] != '\0')
		buf_printf(&t, "（%s・日程調整中）", in->approx);
	if (in->assumed && !in->adhoc && !in->cancelled)
		buf_puts(&t, "（想定）");
	o->title = buf_steal(&t);
	/* One per group: that group is who the occurrence is for. */
	o->audience = in->member != NULL && (it->per_groups ||
	    (it->audience == NULL && (it->has_relative || it->has_same_day) &&
	    rules_find_group(r, in->member) != NULL)) ? in->member :
	    it->audience;
	o->description = describe(r, it, in, memo, o->audience);
	o->location = locate(r, it, in);
	o->source = it->source;
	o->approx = in->approx[0] != '\0' ? xstrdup(in->approx) : NULL;
	/* Assumed dates are never shown as confirmed: TENTATIVE in feeds. */
	o->certainty = in->adhoc ? OCC_CERT_UNDATED : in->assumed ?
	    OCC_CERT_ASSUMED : (in->tentative || (it->tentative &&
	    !in->confirmed)) ? OCC_CERT_TENTATIVE : OCC_CERT_CONFIRMED;
	o->status = in->cancelled ? OCC_CANCELLED :
	    o->certainty == OCC_CERT_ASSUMED ||
	    o->certainty == OCC_CERT_TENTATIVE ? OCC_TENTATIVE : OCC_CONFIRMED;
	o->adhoc = in->adhoc;
	o->start = in->start;
	o->end = in->end;
	o->start_secs = in->start_secs;
	o->end_secs = in->end_secs;
	o->moved = in->moved;
	o->kept = in->kept;
	o->moved_from = in->moved ? in->moved_from : 0;
	o->closed_name = in->moved || in->kept ? in->closed_name : NULL;
	o->rules = r;
	o->is_deadline = rules_item_is_deadline(it);
	o->due_secs = in->due_secs >= 0 ? in->due_secs : it->due_secs;
	if (o->is_deadline)
		assignees(r, it, fy, ctx, in, o);
	if (it->policy_ix != RULES_NONE && it->policy_ix < r->npolicies)
		o->policy = &r->policies[it->policy_ix];
	o->response = it->response;
	zone_apply(r, it, ctx, o);
	/* Not hashed: who sees an event is no change to the event. */
	expand_parties(r, it, fy, ctx, in, o);
	content_hash(o);
}

void
occ_free_one(struct occ *o)
{
	free(o->uid);
	free(o->title);
	free(o->description);
	free(o->location);
	free((char *)o->approx);
	free((char *)(uintptr_t)o->case_code);
	rules_strv_free(o->assignees, o->nassignees);
	free(o->parties);
}

void
occ_list_free(struct occ_list *l)
{
	size_t	 i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		occ_free_one(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
