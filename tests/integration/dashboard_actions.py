#!/usr/bin/python3
"""dashboard_actions: the coordinator's pages and actions over HTTP.

  - the first page lists this fiscal year's upcoming deadline with
    提出済 x / y and the names of who has not submitted, and shows the
    deadline that was already over when the daemon first started as
    対象外・過去分, never as overdue (history is history);
  - every new route answers each role as the route table says: no
    session (303 to /login), viewer, coordinator of another cycle,
    coordinator of the cycle, admin;
  - the nudge asks first (GET), needs the CSRF token, mails only those
    who have not submitted (a completion link in each, through the
    outbox to the Maildir) and writes a 'nudged' audit row per task;
  - bulk done and waive change only the checked tasks, with an audit row
    each; waive needs a reason; a survey needing an answer is left as it
    is; tracking history is for admins and makes the task overdue.
"""
import csv
import email
import email.policy
import glob
import io
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, WORK, check, finish, free_port,  # noqa
                        koyomi, request, write_conf)
import lib_dash  # noqa: E402
from lib_dash import form_post, login  # noqa: E402


def tasks(conf):
    r = koyomi(conf, "tasks", "--all", "--format", "json")
    return json.loads(r.stdout)["tasks"]


def by_item(conf, item):
    return dict((t["assignee"], t) for t in tasks(conf) if t["item"] == item)


def events(port, admin, tid):
    st, _, body = request(port, "GET", "/api/v1/tasks/%d" % tid,
                          headers={"Authorization": "Bearer " + admin})
    return json.loads(body).get("events", []) if st == 200 else []


def mails(maildir):
    out = []
    for p in sorted(glob.glob(os.path.join(maildir, "new", "*"))):
        with open(p, "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        body = m.get_body(("plain",))
        out.append({"to": str(m["To"]), "subject": str(m["Subject"]),
                    "body": body.get_content() if body else ""})
    return out


def first_page(port, cookie, conf):
    st, _, body = request(port, "GET", "/", headers={"Cookie": cookie})
    page = body.decode()
    check(st == 200 and len(body) < 100 * 1024,
          "first page: %d, %d bytes" % (st, len(body)))
    soon = by_item(conf, "soon")
    uid = next(iter(soon.values()))["uid"]
    m = re.search(r'<section class="deadline" data-uid="%s" data-done="0" '
                  r'data-open="3" data-overdue="0"' % re.escape(uid), page)
    check(m is not None, "the deadline due in 5 days is a card: 0 / 3")
    up = page[page.find('id="upcoming"'):]
    check(uid in up[:up.find("</div>")], "…in 今後の締切")
    check(all(n in page for n in ("甲市", "乙町", "丙村")),
          "the card names who has not submitted")
    check("提出済 <strong class=\"n-done\">0</strong> / "
          "<span class=\"n-total\">3</span>" in page, "提出済 0 / 3")
    old = next(iter(by_item(conf, "old").values()))
    check(old["past"] and not old["overdue"],
          "the deadline over before the first start is past: %r" % old)
    ov = page[page.find('id="overdue"'):]
    check(old["uid"] not in ov[:ov.find("</div>")],
          "…and not listed as overdue")
    fy = lib_dash.fiscal_year(lib_dash.TODAY + __import__(
        "datetime").timedelta(days=-20))
    st, _, body = request(port, "GET", "/?view=all&fy=%d" % fy,
                          headers={"Cookie": cookie})
    row = re.search(r'<tr class="deadline-row" data-uid="%s">(.*?)</tr>'
                    % re.escape(old["uid"]), body.decode())
    check(st == 200 and row is not None and
          row.group(1).endswith("<td>0 / 0</td><td>0</td><td>3</td>"),
          "view=all: the old deadline counts 0 / 0, 3 対象外 (%r)"
          % (row.group(1)[-60:] if row else None))
    csv_years(port, cookie)


def csv_years(port, cookie):
    """/?format=csv exports the year the page shows: this fiscal year
    unless ?fy= names another, as the page's own CSV link does."""
    def fys(q):
        st, _, body = request(port, "GET", "/?format=csv" + q,
                              headers={"Cookie": cookie})
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        check(st == 200 and rows and rows[0][:2] == ["id", "fy"],
              "CSV%s: %d, header %r" % (q, st, rows[0][:2] if rows else None))
        return [int(r[1]) for r in rows[1:]]
    this = lib_dash.fiscal_year(lib_dash.TODAY)
    default, year = fys(""), fys("&fy=%d" % this)
    check(default and set(default) == {this} and sorted(default) == sorted(year),
          "/?format=csv: %d rows, all of 年度 %d, as &fy=%d (%d rows; "
          "years %r)" % (len(default), this, this, len(year),
                         sorted(set(default))))
    nxt = fys("&fy=%d" % (this + 1))
    check(nxt and set(nxt) == {this + 1},
          "&fy=%d: %d rows, all of that year" % (this + 1, len(nxt)))


# Each route × role: the status expected. "none" is no session.
ROLES = ("none", "viewer", "coord-y", "coord-x", "admin")


def role_checks(port, cookies, csrf, uid):
    q = urllib.parse.quote(uid, safe="")
    want = {
        ("GET", "/dash/nudge/" + q): (303, 403, 403, 200, 200),
        ("GET", "/occurrences/" + q): (303, 200, 403, 200, 200),
        ("GET", "/org?id=city-1"): (303, 200, 200, 200, 200),
        ("GET", "/?view=all"): (303, 200, 200, 200, 200),
        ("GET", "/annual?cycle=x"): (303, 200, 403, 200, 200),
        ("GET", "/annual?cycle=x&format=html"): (303, 200, 403, 200, 200),
        ("GET", "/annual"): (303, 200, 200, 200, 200),
        # Bad op: the role is checked first, then 400; the cycle of each
        # task only once there are tasks (bulk_checks).
        ("POST", "/dash/bulk"): (303, 403, 400, 400, 400),
    }
    for (method, path), codes in want.items():
        for role, code in zip(ROLES, codes):
            h = {}
            if role != "none":
                h["Cookie"] = cookies[role]
            if method == "POST":
                h["Content-Type"] = "application/x-www-form-urlencoded"
                body = ("csrf=" + csrf.get(role, "") + "&op=nothing").encode()
            else:
                body = None
            st, hd, _ = request(port, method, path, body=body, headers=h)
            check(st == code, "%s %s as %s: %d (want %d)"
                  % (method, path, role, st, code))
            if role == "none":
                check(urllib.parse.urlparse(hd.get("location", "")).path ==
                      "/login", "…to /login")


def nudge_checks(port, cookies, csrf, conf, admin, maildir, uid):
    q = urllib.parse.quote(uid, safe="")
    st, _, body = request(port, "GET", "/dash/nudge/" + q,
                          headers={"Cookie": cookies["coord-x"]})
    page = body.decode()
    check('id="nudge-confirm"' in page and page.count('class="rcpt"') == 3,
          "the confirmation lists the 3 not submitted")
    check("メールアドレスがありません" in page, "…and who has no address")
    before = len(mails(maildir))
    for role in ("viewer", "coord-y"):
        st, _, _ = form_post(port, "/dash/nudge/" + q, cookies[role],
                             {"csrf": csrf[role]})
        check(st == 403, "nudge POST as %s: 403 (%d)" % (role, st))
    st, _, _ = form_post(port, "/dash/nudge/" + q, cookies["coord-x"], {})
    check(st == 403, "nudge POST without CSRF: 403 (%d)" % st)
    check(len(mails(maildir)) == before, "refused nudges mailed nothing")
    st, h, _ = form_post(port, "/dash/nudge/" + q, cookies["coord-x"],
                         {"csrf": csrf["coord-x"], "note": "電話でも依頼"})
    loc = h.get("location", "")
    check(st == 303 and "nudged=2" in loc and "noaddr=1" in loc,
          "nudge: 2 sent, 1 without address (%d %s)" % (st, loc))
    got = []
    for _ in range(100):
        got = mails(maildir)[before:]
        if len(got) >= 2:
            break
        __import__("time").sleep(0.1)
    to = sorted(m["to"] for m in got)
    check(len(got) == 2 and "one@city1.example.jp" in to[0] + to[1] and
          "two@city2.example.jp" in to[0] + to[1],
          "the nudge reached the two addresses: %r" % to)
    check(all("/c/" in m["body"] and "計画の提出" in m["body"] for m in got),
          "each nudge carries the title and a completion link")
    for a, t in by_item(conf, "soon").items():
        ev = [e for e in events(port, admin, t["id"])
              if e["action"] == "nudged"]
        if a == "city-3":
            check(not ev, "no nudge audited for the assignee without mail")
        else:
            check(len(ev) == 1 and ev[0]["who"] == "coord-x" and
                  ev[0]["via"] == "dashboard" and
                  ev[0]["note"] == "電話でも依頼",
                  "nudge audited for %s: %r" % (a, ev))


def bulk_checks(port, cookies, csrf, conf, admin):
    soon = by_item(conf, "soon")
    uid = soon["city-1"]["uid"]
    ids = [("id", str(soon[a]["id"])) for a in ("city-1", "city-2")]
    base = [("uid", uid), ("op", "done"), ("note", "まとめて受領")]
    for role in ("viewer", "coord-y"):
        st, _, _ = form_post(port, "/dash/bulk", cookies[role],
                             [("csrf", csrf[role])] + base + ids)
        check(st == 403, "bulk as %s: 403 (%d)" % (role, st))
    st, _, _ = form_post(port, "/dash/bulk", cookies["coord-x"], base + ids)
    check(st == 403, "bulk without CSRF: 403 (%d)" % st)
    check(all(t["state"] == "open" for t in by_item(conf, "soon").values()),
          "refused bulk actions changed nothing")
    # The coordinator of y cannot reach x's tasks by leaving out the uid.
    st, _, _ = form_post(port, "/dash/bulk", cookies["coord-y"],
                         [("csrf", csrf["coord-y"]), ("op", "done")] + ids)
    check(st == 403, "bulk of x's tasks by y's coordinator: 403 (%d)" % st)
    st, h, _ = form_post(port, "/dash/bulk", cookies["coord-x"],
                         [("csrf", csrf["coord-x"])] + base + ids)
    check(st == 303 and "bulk=2" in h.get("location", ""),
          "bulk done of 2: %d %s" % (st, h.get("location")))
    now = by_item(conf, "soon")
    check(now["city-1"]["state"] == "done" and now["city-2"]["state"] ==
          "done" and now["city-3"]["state"] == "open",
          "only the checked two are done")
    ev = [e for e in events(port, admin, now["city-1"]["id"])
          if e["action"] == "done"]
    check(len(ev) == 1 and ev[0]["who"] == "coord-x" and
          ev[0]["via"] == "dashboard" and ev[0]["note"] == "まとめて受領",
          "bulk done audited: %r" % ev)
    st, _, _ = form_post(port, "/dash/bulk", cookies["coord-x"],
                         [("csrf", csrf["coord-x"]), ("uid", uid),
                          ("op", "waive"), ("id", str(now["city-3"]["id"]))])
    check(st == 422 and by_item(conf, "soon")["city-3"]["state"] == "open",
          "waive without a reason: 422, unchanged (%d)" % st)
    st, h, _ = form_post(port, "/dash/bulk", cookies["coord-x"],
                         [("csrf", csrf["coord-x"]), ("uid", uid),
                          ("op", "waive"), ("note", "対象外の自治体"),
                          ("all_open", "1")])
    check(st == 303 and "bulk=1" in h.get("location", "") and
          by_item(conf, "soon")["city-3"]["state"] == "waived",
          "waive every open one (all_open): %s" % h.get("location"))
    # A survey needs an answer: bulk done leaves it.
    sv = by_item(conf, "survey")
    st, h, _ = form_post(port, "/dash/bulk", cookies["coord-x"],
                         [("csrf", csrf["coord-x"]), ("op", "done"),
                          ("id", str(sv["city-1"]["id"]))])
    check(st == 303 and "bulk=0" in h.get("location", "") and
          "skipped=1" in h.get("location", "") and
          by_item(conf, "survey")["city-1"]["state"] == "open",
          "bulk done of a survey needing an answer: skipped (%s)"
          % h.get("location"))
    # History: only an admin tracks it, and then it is overdue.
    old = by_item(conf, "old")
    oid = str(old["city-1"]["id"])
    st, _, _ = form_post(port, "/dash/bulk", cookies["coord-x"],
                         [("csrf", csrf["coord-x"]), ("op", "track"),
                          ("id", oid)])
    check(st == 403, "track as a coordinator: 403 (%d)" % st)
    st, _, _ = form_post(port, "/dash/bulk", cookies["admin"],
                         [("csrf", csrf["admin"]), ("op", "track"),
                          ("id", oid)])
    t = by_item(conf, "old")["city-1"]
    check(st == 303 and not t["past"] and t["overdue"],
          "track as admin: past → overdue (%d %r)" % (st, t))
    ev = [e for e in events(port, admin, t["id"]) if e["action"] == "tracked"]
    check(len(ev) == 1 and ev[0]["who"] == "admin", "tracking audited")


def deadline_page_checks(port, cookies, conf):
    uid = by_item(conf, "soon")["city-1"]["uid"]
    q = urllib.parse.quote(uid, safe="")
    st, _, body = request(port, "GET", "/occurrences/" + q,
                          headers={"Cookie": cookies["viewer"]})
    page = body.decode()
    check(st == 200 and 'id="matrix"' in page and 'id="bulk"' not in page
          and 'id="nudge"' not in page,
          "a viewer sees the matrix, no bulk form, no nudge")
    st, _, body = request(port, "GET", "/occurrences/" + q,
                          headers={"Cookie": cookies["coord-x"]})
    page = body.decode()
    check("まとめて受領" in page and "対象外の自治体" in page,
          "the matrix shows the notes")
    check(page.count('<tr class="assignee') == 3, "three rows")
    st, _, body = request(port, "GET", "/occurrences/" + q + "?state=open",
                          headers={"Cookie": cookies["coord-x"]})
    check(body.decode().count('<tr class="assignee') == 0,
          "?state=open: nobody left")
    st, h, body = request(port, "GET", "/occurrences/" + q + "?format=csv",
                          headers={"Cookie": cookies["coord-x"]})
    lines = body.decode("utf-8-sig").strip().split("\r\n")
    check(st == 200 and "text/csv" in h.get("content-type", "") and
          len(lines) == 4 and lines[0].startswith("id,fy,cycle"),
          "the deadline's CSV: header and 3 rows (%d lines)" % len(lines))
    st, _, body = request(port, "GET", "/org?id=city-1",
                          headers={"Cookie": cookies["coord-x"]})
    page = body.decode()
    check(st == 200 and "one@city1.example.jp" in page and
          'id="org-tasks"' in page and 'id="org-history"' in page and
          "参加意向調査" in page, "the organisation's page: contact, "
          "open items and history")


def main():
    port = free_port()
    conf = os.path.join(WORK, "koyomi.conf")
    lib_dash.write_rules(os.path.join(WORK, "rules"))
    write_conf(conf, port, "timezone: Asia/Tokyo\n")
    toks = lib_dash.tokens(conf)
    d = Daemon(conf, port)
    try:
        if not d.wait_ready(30):
            finish()
        cookies = dict((r, login(port, toks[r])) for r in toks)
        csrf = dict((r, lib_dash.csrf_of(port, c)) for r, c in cookies.items())
        first_page(port, cookies["coord-x"], conf)
        uid = by_item(conf, "soon")["city-1"]["uid"]
        role_checks(port, cookies, csrf, uid)
        nudge_checks(port, cookies, csrf, conf, toks["admin"],
                     os.path.join(WORK, "mail"), uid)
        bulk_checks(port, cookies, csrf, conf, toks["admin"])
        deadline_page_checks(port, cookies, conf)
    finally:
        rc = d.stop()
    check(rc == 0, "daemon stops cleanly (rc %s)" % rc)
    finish()


if __name__ == "__main__":
    main()
