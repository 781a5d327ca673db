#!/usr/bin/python3
"""security_matrix.py — the authorisation matrix (issue 14): every route
of daemon/http/routes.c, with every method it takes, asked by five
callers against a running daemon:

    none     no credentials
    viewer   a viewer token
    coordB   a coordinator of cycle B asking about cycle A
    coordA   the coordinator of cycle A
    admin    an admin token

API routes (/api/...) get "Authorization: Bearer TOKEN"; every other
route gets the caller's dashboard session cookie (from logging in with
the caller's token through /login with its CSRF cookie), and the form's
CSRF token where a POST needs one.

The routes are read from routes.c (the rows of http_route_table[]); the
expectations are this file's own table, one row per route and method
with one or more concrete requests (an existing task of cycle A or B, a
case code, a feed, a genuine, forged or expired completion link, ...)
and the status each caller must get: what a secure daemon answers, not
what today's happens to. A route of routes.c without a row, or a row
without a route, fails the test. Besides the table:

  - every error answer of an /api/ route is JSON with an "error" key;
  - HEAD of every GET answers the status of the GET;
  - every method a path does not take answers 405 with Allow, JSON;
  - lists (dashboard, CSV, API) show a coordinator its own cycle's
    tasks only, and the outbox's mail addresses only to admins;
  - the role column of routes.c agrees with the answers (public and
    secret-in-URL routes answer the same whoever asks; no other route
    lets a caller without credentials in; admin routes only admins);
  - POST /api/v1/cases/X/close with {"cycle": ""} (once an endless loop
    in auth_can_cycle) answers a coordinator 403 at once, /healthz
    still answers, and a coordinator whose token lists no cycle acts on
    nothing (cycle "" included);
  - the daemon stops on SIGTERM with exit 0 and no sanitizer report.

It ends by printing the matrix size.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import signal
import struct
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib_daemon  # noqa: E402
from lib_daemon import (WORK, Daemon, check, fail, finish,  # noqa: E402
                        free_port, koyomi, new_token, request, write_conf)

SRC = os.environ.get("KOYOMI_SRC") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
ROUTES_C = os.path.join(SRC, "daemon", "http", "routes.c")

ROLES = ("none", "viewer", "coordB", "coordA", "admin")
# Asked only where a row names it: a coordinator whose token has no cycle.
EXTRA = ("coord0",)
LOGIN = (303, "/login")		# no session: off to the login form
HOME = (303, "/")		# done, back to the dashboard
TITLE_A, TITLE_B = "甲提出", "乙提出"	# the deadlines of cycle A and B
MAIL_B = "b@b.example.jp"	# in the outbox once a task of B is done
REQ_TIMEOUT = 5			# seconds: an answer later than this fails

RULES = """\
organisations:
  - {id: mhlw, name: 事務局, type: ministry}
  - {id: org-a, name: 甲市}
  - {id: org-b, name: 乙市}
  - {id: org-c, name: 丙市}
contacts:
  - {id: c-a, org: org-a, name: 甲市担当, mail: a@a.example.jp}
  - {id: c-b, org: org-b, name: 乙市担当, mail: %s}
  - {id: c-c, org: org-c, name: 丙市担当, mail: c@c.example.jp}
cycles:
  - id: cyc-a
    title: 甲事業
    organiser: mhlw
    items:
      - {id: da, kind: deadline, title: %s, date: 5月15日,
         assignees: [org-a, org-b, org-c]}
      - {id: ma, kind: meeting, title: 甲会議, date: 6月1日,
         time: "13:00-15:00"}
  - id: cyc-b
    title: 乙事業
    organiser: mhlw
    items:
      - {id: db, kind: deadline, title: %s, date: 5月20日,
         assignees: [org-a, org-b]}
      - {id: mb, kind: meeting, title: 乙会議, date: 6月2日,
         time: "13:00-15:00"}
  # Cases belong to case cycles: one beside each cycle, coordinated by
  # the same coordinator.
  - id: kase-a
    title: 甲ケース
    organiser: mhlw
    case: true
    items:
      - {id: ka, kind: deadline, title: 甲報告, case: {at: start},
         assignees: [case]}
  - id: kase-b
    title: 乙ケース
    organiser: mhlw
    case: true
    items:
      - {id: kb, kind: deadline, title: 乙報告, case: {at: start},
         assignees: [case]}
feeds:
  - {id: pub, title: 公開, cycles: [cyc-a, cyc-b], deadlines: true}
""" % (MAIL_B, TITLE_A, TITLE_B)


class Unresponsive(Exception):
    """The daemon stopped answering: the rest of the matrix would only
    time out request by request."""


def by_role(none, viewer, coord_b, coord_a, admin, **extra):
    d = dict(zip(ROLES, (none, viewer, coord_b, coord_a, admin)))
    d.update(extra)
    return d


def same(st):
    return by_role(st, st, st, st, st)


def case(path, expect, **kw):
    """One request of a row: path (str.format with the context and
    {who}), the status per caller, and options:
    body     JSON object (strings formatted like path) or form dict
    form     1 when body is a form; csrf=1 adds the caller's CSRF token
    cookies  extra cookies (name: context key)
    deny     {caller: [text]} that must not be in the answer
    want     {caller: [text]} that must be in a 2xx answer
    prepare  fn(ctx, who) run first (fills ctx for this request)
    after    fn(ctx, who, status) run after the request
    head     0: do not repeat a GET as HEAD (it would use up the secret)
    """
    kw.update(path=path, expect=expect)
    return kw


# Statuses for a dashboard page every session may see.
PAGE = by_role(LOGIN, 200, 200, 200, 200)
# An API list every token may read.
API_READ = by_role(401, 200, 200, 200, 200)
SCOPED = {"coordB": [TITLE_A], "coordA": [TITLE_B], "coord0":
          [TITLE_A, TITLE_B]}
BOTH = {"viewer": [TITLE_A, TITLE_B], "admin": [TITLE_A, TITLE_B]}
ADMIN_ONLY_API = by_role(401, 403, 403, 403, 200)
ADMIN_ONLY_PAGE = by_role(LOGIN, 403, 403, 403, 200)
NOT_ADMIN = ("none", "viewer", "coordB", "coordA")


def healthz_after(ctx, who, st):
    t0 = time.monotonic()
    try:
        hst, _, _ = request(ctx["port"], "GET", "/healthz", timeout=3)
    except OSError as e:
        hst = "no answer (%s)" % e
    check(hst == 200, "/healthz answers 200 after close {cycle: \"\"} by %s "
          "(%s in %.2f s)" % (who, hst, time.monotonic() - t0))


def mint_once(ctx, who):
    """A fresh one-time login path, opened from who's session (an
    admin's for the caller without one)."""
    s = ctx["sessions"][who if who in ctx["sessions"] else "admin"]
    st, _, b = request(ctx["port"], "POST", "/login/once",
                       body=("csrf=" + s["csrf"]).encode(),
                       headers={"Cookie": "koyomi_session=" + s["cookie"],
                                "Content-Type": FORM})
    m = re.search(rb"/login/once/([A-Za-z0-9_-]+)", b)
    check(st == 200 and m is not None, "a one-time login path for %s (%d)"
          % (who, st))
    ctx["once"] = m.group(1).decode() if m else "x"


def session_dead(ctx, who, st):
    """The session logged out is no more; who gets a new one for the
    rows after this one."""
    s = ctx["sessions"].get(who)
    if s is None:
        return
    st, h, _ = request(ctx["port"], "GET", "/", headers={
        "Cookie": "koyomi_session=" + s["cookie"]})
    check((st, h.get("location")) == LOGIN, "%s's session ends at logout "
          "(GET / now %d %s)" % (who, st, h.get("location")))
    ctx["sessions"][who] = login(ctx["port"], ctx["tokens"][who])


# One row per route and method of routes.c; the key is (pattern, method).
EXPECT = {
    ("/", "GET"): [
        # The first page lists what needs action; A's and B's deadlines
        # were over before the first start (対象外・過去分), so the whole
        # year (view=all) is where both titles must show.
        case("/", dict(PAGE, coord0=200), deny=SCOPED),
        case("/?view=all", dict(PAGE, coord0=200), deny=SCOPED, want=BOTH),
        case("/?format=csv", PAGE, deny=SCOPED, want=BOTH),
        case("/?cycle=cyc-a", PAGE, deny=SCOPED),
    ],
    ("/annual", "GET"): [
        case("/annual", PAGE, deny=SCOPED, want=BOTH),
        case("/annual?cycle=cyc-a", by_role(LOGIN, 200, 403, 200, 200)),
        case("/annual?cycle=cyc-a&format=html",
             by_role(LOGIN, 200, 403, 200, 200)),
    ],
    ("/api/v1/cases", "GET"): [
        case("/api/v1/cases", API_READ),
    ],
    ("/api/v1/cases", "POST"): [
        case("/api/v1/cases", by_role(401, 403, 403, 201, 201),
             body={"cycle": "kase-a", "code": "N-{who}",
                   "start": "2026-04-01"}),
        # No such cycle: nothing to refuse to whom.
        case("/api/v1/cases", by_role(401, 403, 422, 422, 422),
             body={"cycle": "", "code": "E-{who}", "start": "2026-04-01"}),
    ],
    ("/api/v1/cases/*", "POST"): [
        case("/api/v1/cases/K-{who}/close", by_role(401, 403, 403, 200, 200),
             body={"cycle": "kase-a"}),
        # Defect 1: once an endless loop; now a refusal, and at once.
        case("/api/v1/cases/K-{who}/close",
             by_role(401, 403, 403, 403, 404, coord0=403),
             body={"cycle": ""}, after=healthz_after),
        # Only an admin closes by code alone, across cycles.
        case("/api/v1/cases/L-{who}/close", by_role(401, 403, 403, 403, 200),
             body={}),
        case("/api/v1/cases/L-{who}/close", by_role(401, 403, 404, 403, 404),
             body={"cycle": "kase-b"}),
        case("/api/v1/cases/K-{who}/reopen", by_role(401, 403, 404, 404, 404),
             body={"cycle": "kase-a"}),
    ],
    ("/api/v1/occurrences", "GET"): [
        case("/api/v1/occurrences?fy=2026", API_READ),
        case("/api/v1/occurrences?fy=abc", by_role(401, 400, 400, 400, 400)),
    ],
    ("/api/v1/outbox", "GET"): [
        case("/api/v1/outbox", ADMIN_ONLY_API,
             want={"admin": [MAIL_B]}),
        case("/api/v1/outbox?state=sent", ADMIN_ONLY_API),
    ],
    ("/api/v1/reload", "POST"): [
        case("/api/v1/reload", ADMIN_ONLY_API),
    ],
    ("/api/v1/tasks", "GET"): [
        case("/api/v1/tasks", dict(API_READ, coord0=200), deny=SCOPED,
             want=BOTH),
        case("/api/v1/tasks?format=csv", API_READ, deny=SCOPED, want=BOTH),
        case("/api/v1/tasks?cycle=cyc-a", API_READ, deny=SCOPED),
        case("/api/v1/tasks?state=nonsense", by_role(401, 400, 400, 400, 400)),
    ],
    ("/api/v1/tasks/*", "GET"): [
        case("/api/v1/tasks/{task_a}", by_role(401, 200, 403, 200, 200)),
        case("/api/v1/tasks/{task_b}", by_role(401, 200, 200, 403, 200)),
        case("/api/v1/tasks/999999", by_role(401, 404, 404, 404, 404)),
        case("/api/v1/tasks/{task_a}/done", by_role(401, 405, 405, 405, 405)),
    ],
    ("/api/v1/tasks/*", "POST"): [
        case("/api/v1/tasks/{task_a}/done",
             by_role(401, 403, 403, 200, 200, coord0=403),
             body={"by": "matrix {who}"}),
        case("/api/v1/tasks/{task_a}/reopen", by_role(401, 403, 403, 200, 200),
             body={}),
        case("/api/v1/tasks/{task_a}/waive", by_role(401, 403, 403, 422, 422),
             body={}),
        case("/api/v1/tasks/{task_a}/waive", by_role(401, 403, 403, 200, 200),
             body={"note": "対象外"}),
        case("/api/v1/tasks/{task_a}/answer", by_role(401, 403, 403, 422, 422),
             body={"answer": "はい"}),
        case("/api/v1/tasks/{task_a}/reopen", by_role(401, 403, 403, 200, 200),
             body={}),
        case("/api/v1/tasks/{task_b}/done", by_role(401, 403, 200, 403, 200),
             body={}),
        case("/api/v1/tasks/{task_a}/done", by_role(401, 403, 403, 400, 400),
             body=b"{not json"),
        case("/api/v1/tasks/{task_a}/nonsense", by_role(401, 403, 404, 404,
                                                         404), body={}),
        case("/api/v1/tasks/{task_a}", by_role(401, 403, 405, 405, 405),
             body={}),
    ],
    ("/c/*", "GET"): [
        case("/c/{link_ok}", same(200)),
        case("/c/{link_forged}", same(403)),
        case("/c/{link_other}", same(403)),
        case("/c/{link_expired}", same(410)),
        case("/c/AAAA", same(403)),
    ],
    ("/c/*", "POST"): [
        case("/c/{link_ok}", same(200), body={}, form=1),
        case("/c/{link_forged}", same(403), body={}, form=1),
        case("/c/{link_expired}", same(410), body={}, form=1),
    ],
    ("/dash/bulk", "POST"): [
        case("/dash/bulk", by_role(LOGIN, 403, 403, 403, 403),
             body={"op": "done", "id": "{task_a_dash}"}, form=1),
        # The op is read before the tasks: any coordinator learns only
        # that it makes no sense.
        case("/dash/bulk", by_role(LOGIN, 403, 400, 400, 400),
             body={"op": "nonsense", "id": "{task_a_dash}"}, form=1, csrf=1),
        # A reason is asked only of who may waive A's task.
        case("/dash/bulk", by_role(LOGIN, 403, 403, 422, 422),
             body={"op": "waive", "id": "{task_a_dash}"}, form=1, csrf=1),
        # Tracking history is for admins (the task is next year's, not
        # past: nothing to change).
        case("/dash/bulk", by_role(LOGIN, 403, 403, 403, (
            303, "/?bulk=0&skipped=0")), body={"op": "track",
                                               "id": "{task_a_dash}"},
             form=1, csrf=1),
        case("/dash/bulk", by_role(LOGIN, 403, 403, (
            303, "/?bulk=1&skipped=0"), (303, "/?bulk=0&skipped=0")),
             body={"op": "done", "id": "{task_a_dash}", "note": "一括"},
             form=1, csrf=1),
        case("/dash/bulk", by_role(LOGIN, 403, (303, "/?bulk=1&skipped=0"),
                                   403, (303, "/?bulk=0&skipped=0")),
             body={"op": "reopen", "id": "{task_b_bulk}"}, form=1, csrf=1),
    ],
    ("/dash/nudge/*", "GET"): [
        case("/dash/nudge/{uid_deadline_a}",
             by_role(LOGIN, 403, 403, 200, 200)),
        case("/dash/nudge/nope@koyomi", by_role(LOGIN, 404, 404, 404, 404)),
    ],
    ("/dash/nudge/*", "POST"): [
        case("/dash/nudge/{uid_deadline_a}",
             by_role(LOGIN, 403, 403, 403, 403), body={}, form=1),
        # Next year's A: org-a has not submitted (org-b did by its link,
        # org-c by the bulk form above), so one mail each time.
        case("/dash/nudge/{uid_deadline_a}", by_role(LOGIN, 403, 403, (
            303, "/occurrences/{uid_deadline_a_q}?nudged=1&noaddr=0"), (
            303, "/occurrences/{uid_deadline_a_q}?nudged=1&noaddr=0")),
             body={}, form=1, csrf=1),
    ],
    ("/dash/tasks/*", "POST"): [
        case("/dash/tasks/{task_a_dash}/done",
             by_role(LOGIN, 403, 403, HOME, HOME), body={}, form=1, csrf=1),
        case("/dash/tasks/{task_a_dash}/reopen",
             by_role(LOGIN, 403, 403, HOME, HOME), body={}, form=1, csrf=1),
        case("/dash/tasks/{task_b_dash}/done",
             by_role(LOGIN, 403, HOME, 403, HOME), body={}, form=1, csrf=1),
        case("/dash/tasks/{task_a_dash}/done",
             by_role(LOGIN, 403, 403, 403, 403), body={}, form=1),
        case("/dash/tasks/999999/done",
             by_role(LOGIN, 403, 404, 404, 404), body={}, form=1, csrf=1),
    ],
    ("/feeds/*", "GET"): [
        case("/feeds/pub.ics", same(200)),
        case("/feeds/private/{feed_token}.ics", same(200)),
        case("/feeds/private/{feed_wrong}.ics", same(404)),
        case("/feeds/nope.ics", same(404)),
    ],
    ("/healthz", "GET"): [
        case("/healthz", same(200)),
    ],
    ("/login", "GET"): [
        case("/login", same(200)),
    ],
    ("/login", "POST"): [
        # The form carries the credential: whoever asks, the same answer.
        case("/login", same(HOME), body={"csrf": "{login_csrf}",
                                         "token": "{token_admin}"},
             form=1, cookies={"koyomi_login": "login_csrf"}),
        case("/login", same(401), body={"csrf": "{login_csrf}",
                                        "token": "ky_wrong"},
             form=1, cookies={"koyomi_login": "login_csrf"}),
        case("/login", same(403), body={"csrf": "{login_csrf}",
                                        "token": "{token_admin}"}, form=1),
    ],
    ("/login/once", "POST"): [
        case("/login/once", by_role(LOGIN, 200, 200, 200, 200), body={},
             form=1, csrf=1),
        case("/login/once", by_role(LOGIN, 403, 403, 403, 403), body={},
             form=1),
    ],
    ("/login/once/*", "GET"): [
        case("/login/once/{once}", same(HOME), prepare=mint_once, head=0),
        case("/login/once/{once_used}", same(410)),
        case("/login/once/nonsense", same(410)),
    ],
    ("/logout", "POST"): [
        case("/logout", by_role(LOGIN, 403, 403, 403, 403), body={}, form=1),
        case("/logout", same(LOGIN), body={}, form=1, csrf=1,
             after=session_dead),
    ],
    ("/meetings", "GET"): [
        case("/meetings", PAGE),
        case("/meetings?format=csv", PAGE),
    ],
    ("/metrics", "GET"): [
        case("/metrics", same(200)),
    ],
    ("/occurrences/*", "GET"): [
        # A viewer reads what GET /api/v1/tasks shows it: every cycle.
        case("/occurrences/{uid_meeting_a}", by_role(LOGIN, 200, 403, 200,
                                                     200)),
        case("/occurrences/{uid_deadline_b}", by_role(LOGIN, 200, 200, 403,
                                                      200)),
        case("/occurrences/nope@koyomi", by_role(LOGIN, 404, 404, 404, 404)),
    ],
    # Replies by mail (daemon/inbox): coordinators and admins; nothing was
    # received here, so a message or file id names nothing (404), and a
    # viewer or a stranger never learns even that.
    ("/inbox", "GET"): [
        case("/inbox", by_role(LOGIN, 403, 200, 200, 200)),
    ],
    ("/inbox/files/*", "GET"): [
        case("/inbox/files/1", by_role(LOGIN, 403, 404, 404, 404)),
    ],
    ("/inbox/messages/*", "POST"): [
        case("/inbox/messages/1/dismiss", by_role(LOGIN, 403, 404, 404, 404),
             body={}, form=1, csrf=1),
        case("/inbox/messages/1/dismiss", by_role(LOGIN, 403, 403, 403, 403),
             body={}, form=1),
    ],
    ("/inbox/zip/*", "GET"): [
        # Cycle B's deadline: its coordinator and an admin are told it has
        # no files yet (404), A's coordinator is refused first (403).
        case("/inbox/zip/{uid_deadline_b}", by_role(LOGIN, 403, 404, 403, 404)),
    ],
    ("/org", "GET"): [
        case("/org?id=org-a", PAGE, deny=SCOPED, want=BOTH),
        case("/org?id=org-a&format=csv", PAGE, deny=SCOPED, want=BOTH),
        case("/org", by_role(LOGIN, 404, 404, 404, 404)),
    ],
    ("/outbox", "GET"): [
        case("/outbox", ADMIN_ONLY_PAGE, want={"admin": [MAIL_B]},
             deny={r: [MAIL_B] for r in NOT_ADMIN}),
        case("/outbox?format=csv", ADMIN_ONLY_PAGE, want={"admin": [MAIL_B]},
             deny={r: [MAIL_B] for r in NOT_ADMIN}),
    ],
    ("/reload", "GET"): [
        case("/reload", PAGE),
    ],
    ("/tasks/*", "GET"): [
        case("/tasks/{task_a}", by_role(LOGIN, 200, 403, 200, 200,
                                        coord0=403)),
        case("/tasks/{task_b}", by_role(LOGIN, 200, 200, 403, 200)),
        case("/tasks/999999", by_role(LOGIN, 404, 404, 404, 404)),
        case("/tasks/abc", by_role(LOGIN, 404, 404, 404, 404)),
    ],
}

FORM = "application/x-www-form-urlencoded"
METHODS = {"GET": 1, "HEAD": 2, "POST": 4, "PUT": 8, "DELETE": 16}
ROW = re.compile(r'\{\s*"([^"]+)",\s*([A-Z|\s]+?),\s*(R_[A-Z]+),\s*'
                 r'"([^"]+)",\s*(\w+)\s*\}')


def read_routes():
    """[(pattern, [methods], role, name, handler)] from routes.c."""
    with open(ROUTES_C, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"http_route_table\[\]\s*=\s*\{(.*?)\n\};", text, re.S)
    if not check(m is not None, "routes.c has http_route_table[]"):
        return []
    # Comments are whole lines there; "/*" also ends prefix patterns.
    body = re.sub(r"^\s*/\*.*?\*/\s*$", "", m.group(1), flags=re.M | re.S)
    rows = []
    for r in ROW.finditer(body):
        methods = [x.strip() for x in r.group(2).split("|")]
        if not all(x in METHODS for x in methods):
            fail("route %s: methods %r" % (r.group(1), methods))
        rows.append((r.group(1), methods, r.group(3), r.group(4),
                     r.group(5)))
    # Every row of the table was understood: as many rows as handlers.
    check(len(rows) == body.count("{") and rows, "parsed all %d rows of "
          "http_route_table[] (%d braces)" % (len(rows), body.count("{")))
    return rows


def mint_link(key, task, assignee, expires, forge=False):
    """A completion link token, as links.h lays it out."""
    raw = bytes([1]) + struct.pack(">qq", task, expires) + \
        bytes([len(assignee)]) + assignee.encode()
    mac = hmac.new(key, b"koyomi completion link v1\0" + raw,
                   hashlib.sha256).digest()
    if forge:
        mac = bytes([mac[0] ^ 1]) + mac[1:]
    return base64.urlsafe_b64encode(raw + mac).rstrip(b"=").decode()


def login(port, token):
    """{"cookie", "csrf"} of a new dashboard session for token."""
    st, h, _ = request(port, "GET", "/login")
    m = re.search(r"koyomi_login=([^;]+)", h.get("set-cookie", ""))
    if not m:
        fail("GET /login sets no koyomi_login cookie (%d)" % st)
        return None
    form = urllib.parse.urlencode({"csrf": m.group(1), "token": token})
    st, h, _ = request(port, "POST", "/login", body=form.encode(), headers={
        "Content-Type": FORM, "Cookie": "koyomi_login=" + m.group(1)})
    s = re.search(r"koyomi_session=([^;]+)", h.get("set-cookie", ""))
    if st != 303 or not s:
        fail("login with a token: %d" % st)
        return None
    st, _, b = request(port, "GET", "/meetings", headers={
        "Cookie": "koyomi_session=" + s.group(1)})
    c = re.search(rb'name="csrf" value="([^"]+)"', b)
    if st != 200 or not c:
        fail("the session's CSRF token is on its pages (%d)" % st)
        return None
    return {"cookie": s.group(1), "csrf": c.group(1).decode()}


def fmt(v, ctx, who):
    if isinstance(v, str):
        return v.format(who=who, **ctx)
    if isinstance(v, dict):
        return {k: fmt(x, ctx, who) for k, x in v.items()}
    return v


def text_of(headers, body):
    """The answer as text; JSON re-encoded so \\u escapes read plainly."""
    t = body.decode("utf-8", errors="replace")
    if "json" in headers.get("content-type", ""):
        try:
            t = json.dumps(json.loads(body), ensure_ascii=False)
        except ValueError:
            pass
    return t


def login_next_ok(loc, method, path):
    """A GET without a session goes to /login?next=<the page asked for>:
    that next must name this very page (re-encoded); the location is
    then read as plain /login. Anything else is returned as it is."""
    if loc is None or not loc.startswith("/login?next="):
        return loc
    nxt = urllib.parse.unquote(urllib.parse.unquote(loc[len(
        "/login?next="):]))
    if method not in ("GET", "HEAD") or nxt != urllib.parse.unquote(path):
        fail("%s %s: login's next %r is not the page asked for"
             % (method, path[:60], nxt))
        return loc
    return "/login"


def success(got):
    st, loc = got
    return 200 <= st < 300 or (300 <= st < 400 and loc != "/login")


def show(exp):
    return "%d %s" % exp if isinstance(exp, tuple) else str(exp)


class Matrix:
    def __init__(self, ctx):
        self.ctx = ctx
        self.requests = 0
        self.cells = 0
        self.answers = {}	# (pattern, method) -> [{who: (st, loc)}]

    def send(self, method, path, who, body=None, form=False, csrf=False,
             cookies=None):
        ctx = self.ctx
        h = {}
        sess = ctx["sessions"].get(who)
        jar = {}
        if path.startswith("/api/"):
            if who in ctx["tokens"]:
                h["Authorization"] = "Bearer " + ctx["tokens"][who]
        elif sess:
            jar["koyomi_session"] = sess["cookie"]
        for name, key in (cookies or {}).items():
            jar[name] = ctx[key]
        if jar:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in jar.items())
        data = None
        if body is not None and isinstance(body, bytes):
            data = body
            h["Content-Type"] = "application/json"
        elif body is not None and form:
            f = dict(body)
            if csrf and sess:
                f["csrf"] = sess["csrf"]
            data = urllib.parse.urlencode(f).encode()
            h["Content-Type"] = FORM
        elif body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        self.requests += 1
        t0 = time.monotonic()
        try:
            st, rh, rb = request(ctx["port"], method, path, body=data,
                                 headers=h, timeout=REQ_TIMEOUT)
        except OSError as e:
            fail("%s %s as %s: no answer within %d s (%s)"
                 % (method, path[:60], who, REQ_TIMEOUT, e))
            try:
                request(ctx["port"], "GET", "/healthz", timeout=3)
            except OSError:
                raise Unresponsive("after %s %s as %s" % (method, path[:60],
                                                          who))
            return None
        took = time.monotonic() - t0
        if took > 2:
            fail("%s %s as %s: answered in %.1f s" % (method, path[:60], who,
                                                       took))
        return st, rh, rb

    def json_error(self, method, path, who, st, rh, rb):
        """An /api/ error answer is JSON with an "error" key."""
        if not path.startswith("/api/") or st < 400 or method == "HEAD":
            return
        try:
            ok = "error" in json.loads(rb)
        except ValueError:
            ok = False
        if not ok or "application/json" not in rh.get("content-type", ""):
            fail("%s %s as %s: %d without a JSON error (%s, %r)"
                 % (method, path[:60], who, st, rh.get("content-type"),
                    rb[:80]))

    def run_case(self, key, c):
        pattern, method = key
        seen = {}
        nfail = len(lib_daemon.failures)
        callers = [w for w in ROLES + EXTRA if w in c["expect"]]
        for who in callers:
            if c.get("prepare"):
                c["prepare"](self.ctx, who)
            path = fmt(c["path"], self.ctx, who)
            r = self.send(method, path, who, fmt(c.get("body"), self.ctx,
                                                 who),
                          c.get("form"), c.get("csrf"), c.get("cookies"))
            if r is None:
                continue
            st, rh, rb = r
            if who in ROLES:
                self.cells += 1
            loc = rh.get("location") if 300 <= st < 400 else None
            loc = login_next_ok(loc, method, path)
            got = (st, loc)
            seen[who] = got
            exp = c["expect"][who]
            if isinstance(exp, tuple):
                exp = (exp[0], fmt(exp[1], self.ctx, who))
            if (got if isinstance(exp, tuple) else st) != exp:
                fail("%s %s as %s: %s, expected %s" % (
                    method, path[:70], who, show(got if loc else st),
                    show(exp)))
            self.json_error(method, path, who, st, rh, rb)
            text = text_of(rh, rb)
            for s in c.get("deny", {}).get(who, []):
                if s in text:
                    fail("%s %s as %s: the answer shows %r" % (
                        method, path[:60], who, s))
            if 200 <= st < 300:
                for s in c.get("want", {}).get(who, []):
                    if s not in text:
                        fail("%s %s as %s: %r missing from the answer, so "
                             "the scope checks prove nothing" % (
                                 method, path[:60], who, s))
            if method == "GET" and c.get("head", 1):
                self.head(path, who, st)
            if c.get("after"):
                c["after"](self.ctx, who, st)
        self.answers.setdefault(key, []).append(seen)
        check(len(lib_daemon.failures) == nfail, "%s %s: %s as expected by "
              "%s" % (method, pattern, c["path"], ", ".join(seen)))

    def head(self, path, who, st):
        r = self.send("HEAD", path, who)
        if r is not None and r[0] != st:
            fail("HEAD %s as %s: %d, GET answered %d" % (path[:60], who,
                                                         r[0], st))

    def not_allowed(self, pattern, methods, example):
        """Every other method of the path: 405 with Allow, JSON."""
        for m in ("GET", "POST", "PUT", "DELETE"):
            if m in methods:
                continue
            for who in ROLES:
                r = self.send(m, example, who,
                              body={} if m in ("POST", "PUT") else None)
                if r is None:
                    continue
                st, rh, rb = r
                try:
                    ok = "error" in json.loads(rb)
                except ValueError:
                    ok = False
                allow = set(x.strip() for x in rh.get("allow", "").split(","))
                if st != 405 or not ok or not set(methods) <= allow:
                    fail("%s %s as %s: %d Allow %r, expected 405 JSON with "
                         "Allow %s" % (m, example[:60], who, st,
                                       rh.get("allow"), methods))


def role_checks(routes, answers):
    """The role column of routes.c against what the callers got."""
    for pattern, methods, role, _, _ in routes:
        for m in methods:
            for seen in answers.get((pattern, m), []):
                if not seen:
                    continue
                where = "%s %s (%s)" % (m, pattern, role)
                if role in ("R_PUB", "R_SEC"):
                    if len(set(seen.values())) != 1:
                        fail("%s answers by who asks: %r" % (where, seen))
                    continue
                if "none" in seen and success(seen["none"]):
                    fail("%s lets a caller without credentials in: %r"
                         % (where, seen["none"]))
                if role == "R_ADMIN":
                    bad = [w for w in NOT_ADMIN + EXTRA
                           if w in seen and success(seen[w])]
                    if bad:
                        fail("%s, an admin route, lets %s in" % (where, bad))
                if role == "R_COORD" and "viewer" in seen and \
                        success(seen["viewer"]):
                    fail("%s, a coordinator route, lets a viewer in" % where)


def setup(port, conf):
    ctx = {"port": port}
    ctx["tokens"] = {
        "admin": new_token(conf, "admin", "root"),
        "viewer": new_token(conf, "viewer", "eve"),
    }
    for who, cyc, kase in (("coordA", "cyc-a", "kase-a"),
                           ("coordB", "cyc-b", "kase-b")):
        r = koyomi(conf, "token", "add", "--role", "coordinator", "--cycle",
                   cyc, "--cycle", kase, who)
        ctx["tokens"][who] = r.stdout.decode().split()[-1]
    ctx["tokens"]["coord0"] = new_token(conf, "coordinator", "nobody")
    ctx["token_admin"] = ctx["tokens"]["admin"]
    for who in ROLES + EXTRA:
        for p in ("K", "L"):
            koyomi(conf, "case", "add", "--cycle", "kase-a", "--code",
                   "%s-%s" % (p, who), "--start", "2026-04-01")
    out = koyomi(conf, "feed-token", "add", "org-a").stdout.decode()
    m = re.search(r"/feeds/private/([A-Za-z0-9_-]+)\.ics", out)
    ctx["feed_token"] = m.group(1) if m else "missing"
    ctx["feed_wrong"] = ctx["feed_token"][:-1] + (
        "A" if ctx["feed_token"][-1] != "A" else "B")
    return ctx


def setup_running(ctx, conf):
    """What needs the daemon: tasks, sessions, links, an outbox row."""
    port = ctx["port"]
    auth = {"Authorization": "Bearer " + ctx["tokens"]["admin"]}
    st, _, b = request(port, "GET", "/api/v1/tasks", headers=auth)
    tasks = json.loads(b)["tasks"] if st == 200 else []
    latest = {}
    for t in tasks:
        k = (t["cycle"], t["assignee"])
        if k not in latest or t["fy"] > latest[k]["fy"]:
            latest[k] = t
    need = [("cyc-a", "org-a"), ("cyc-a", "org-b"), ("cyc-a", "org-c"),
            ("cyc-b", "org-a"), ("cyc-b", "org-b")]
    if not check(all(k in latest for k in need), "tasks of both cycles "
                 "exist: %r" % sorted(latest)):
        return False
    ctx["task_a"] = latest[("cyc-a", "org-a")]["id"]
    ctx["task_a_dash"] = latest[("cyc-a", "org-c")]["id"]
    ctx["task_b"] = latest[("cyc-b", "org-a")]["id"]
    ctx["task_b_dash"] = latest[("cyc-b", "org-a")]["id"]
    link_task = latest[("cyc-a", "org-b")]["id"]
    # A task of B done: its receipt mail puts MAIL_B in the outbox.
    st, _, _ = request(port, "POST", "/api/v1/tasks/%d/done"
                       % latest[("cyc-b", "org-b")]["id"], body={},
                       headers=auth)
    check(st == 200, "a task of cycle B done as admin (%d)" % st)
    st, _, b = request(port, "GET", "/api/v1/occurrences?fy=2026",
                       headers=auth)
    occs = json.loads(b).get("occurrences", []) if st == 200 else []
    uids = [o["uid"] for o in occs]
    ctx["uid_meeting_a"] = next((u for u in uids
                                 if u.startswith("cyc-a.ma.")), "none")
    ctx["uid_deadline_b"] = latest[("cyc-b", "org-a")]["uid"]
    ctx["uid_deadline_a"] = latest[("cyc-a", "org-a")]["uid"]
    ctx["uid_deadline_a_q"] = urllib.parse.quote(ctx["uid_deadline_a"],
                                                 safe="")
    # Done above (its receipt fills the outbox): B's coordinator reopens.
    ctx["task_b_bulk"] = latest[("cyc-b", "org-b")]["id"]
    check(ctx["uid_meeting_a"] != "none", "the meeting of A: %r" % uids)
    with open(os.path.join(WORK, "secret.key"), "rb") as f:
        key = f.read()
    now = int(time.time())
    ctx["link_ok"] = mint_link(key, link_task, "org-b", now + 86400)
    ctx["link_forged"] = mint_link(key, link_task, "org-b", now + 86400,
                                   forge=True)
    ctx["link_other"] = mint_link(key, link_task, "org-a", now + 86400)
    ctx["link_expired"] = mint_link(key, link_task, "org-b", now - 60)
    ctx["sessions"] = {}
    for who in ROLES[1:] + EXTRA:
        s = login(port, ctx["tokens"][who])
        if s is None:
            return False
        ctx["sessions"][who] = s
    st, h, _ = request(port, "GET", "/login")
    m = re.search(r"koyomi_login=([^;]+)", h.get("set-cookie", ""))
    ctx["login_csrf"] = m.group(1) if m else "missing"
    mint_once(ctx, "admin")
    ctx["once_used"] = ctx["once"]
    st, _, _ = request(port, "GET", "/login/once/" + ctx["once_used"])
    check(st == 303, "a one-time login path works once (%d)" % st)
    return True


def main():
    routes = read_routes()
    keys = set((p, m) for p, ms, _, _, _ in routes for m in ms)
    for k in sorted(keys - set(EXPECT)):
        fail("route %s %s of routes.c has no row in the matrix" % (k[1], k[0]))
    for k in sorted(set(EXPECT) - keys):
        fail("the matrix has a row for %s %s, which routes.c does not "
             "have" % (k[1], k[0]))
    for k, cases in EXPECT.items():
        for c in cases:
            missing = [w for w in ROLES if w not in c["expect"]]
            if missing:
                fail("%s %s %s: no expectation for %s" % (k[1], k[0],
                                                         c["path"], missing))

    port = free_port()
    conf = os.path.join(WORK, "koyomi.conf")
    os.makedirs(os.path.join(WORK, "rules"), exist_ok=True)
    with open(os.path.join(WORK, "rules", "matrix.yaml"), "w") as f:
        f.write(RULES)
    write_conf(conf, port)
    ctx = setup(port, conf)
    d = Daemon(conf, port)
    mx = Matrix(ctx)
    # The runner's timeout sends SIGTERM: still stop the daemon then.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("SIGTERM"))
    try:
        if not d.wait_ready(30) or not setup_running(ctx, conf):
            finish()
        for key in sorted(EXPECT, key=lambda k: (k[0], k[1])):
            if key not in keys:
                continue
            for c in EXPECT[key]:
                mx.run_case(key, c)
        examples = {}
        for (p, m), cases in EXPECT.items():
            examples.setdefault(p, fmt(cases[0]["path"], ctx, "admin"))
        allowed = {}
        for p, ms, _, _, _ in routes:
            allowed.setdefault(p, set()).update(ms)
        for p in sorted(allowed):
            if p in examples:
                mx.not_allowed(p, sorted(allowed[p]), examples[p])
        role_checks(routes, mx.answers)
        st, _, _ = request(port, "GET", "/healthz")
        check(st == 200, "the daemon answers /healthz at the end (%d)" % st)
    except Unresponsive as e:
        fail("the daemon stopped answering %s (not even /healthz): the "
             "matrix stops here" % e)
    finally:
        d.stop()
    pairs = len(keys)
    ncases = sum(len(v) for v in EXPECT.values())
    print("matrix: %d routes, %d route x method pairs x %d roles = %d "
          "cells; %d requests of them (%d answers checked), %d requests "
          "in all" % (len(routes), pairs, len(ROLES), pairs * len(ROLES),
                      ncases, mx.cells, mx.requests))
    finish()


if __name__ == "__main__":
    main()
