#!/usr/bin/python3
"""feeds_urls: every URL in a feed lands on a dashboard page of its item.

A public feed and the private feed of pref-a are fetched; each VEVENT's
URL must point into the daemon (base_url), answer 303 to /login without
a session, and after logging in with a token answer 200 with a page that
shows the event's title: /occurrences/UID for events, /tasks/ID for the
owner's deadlines (its state, history and the done button). A task
completed through the API shows 提出済 and the completion in its
history; /meetings anchors each meeting row by UID; an unknown task or
event is 404.
"""
import html
import os
import re
import sys
import urllib.parse

import icalendar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, check, finish, free_port, koyomi,  # noqa
                        new_token, request, write_conf, write_rules, WORK)

port = free_port()
conf = os.path.join(WORK, "koyomi.conf")
write_rules(os.path.join(WORK, "rules"), meeting="'全国会議 <第1回> & 研修'")
write_conf(conf, port)
admin = new_token(conf, "admin", "root")
out = koyomi(conf, "feed-token", "add", "pref-a").stdout.decode()
token = [w for w in out.split() if w.startswith("http")][0].rsplit("/", 1)[1]
BASE = "http://127.0.0.1:%d" % port

d = Daemon(conf, port)
if not d.wait_ready():
    finish()


def login():
    st, hdr, body = request(port, "GET", "/login")
    cookie = hdr.get("set-cookie", "").split(";")[0]
    m = re.search(r'name="csrf" value="([^"]+)"', body.decode())
    if st != 200 or not m:
        return None
    form = urllib.parse.urlencode({"token": admin, "csrf": m.group(1)})
    st, hdr, _ = request(port, "POST", "/login", body=form.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": cookie})
    check(st == 303, "POST /login: %d" % st)
    return hdr.get("set-cookie", "").split(";")[0]


def events(path):
    st, _, body = request(port, "GET", path)
    check(st == 200, "GET %s: %d" % (path[:40], st))
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT")) \
        if st == 200 else []


def visit(ev, session):
    """GETs the event's URL; returns the page (or '')."""
    url = str(ev.get("URL", ""))
    title = str(ev["SUMMARY"]).replace("【締切】", "").replace(
        "【提出済】", "")
    check(url.startswith(BASE + "/"), "URL into the daemon: %r" % url)
    path = url[len(BASE):]
    st, hdr, _ = request(port, "GET", path)
    # The login comes back to the event's page (security_http checks
    # that next takes local paths only).
    # next is the path re-encoded, then encoded as a query value.
    check(st == 303 and urllib.parse.unquote(urllib.parse.unquote(
        hdr.get("location", ""))) == "/login?next=" +
          urllib.parse.unquote(path),
          "%s without a session: %d → login, then back (%r)"
          % (path, st, hdr.get("location")))
    st, _, body = request(port, "GET", path, headers={"Cookie": session})
    page = body.decode(errors="replace")
    check(st == 200, "%s after login: %d" % (path, st))
    check(html.escape(title, quote=True) in page or
          html.escape(title, quote=False) in page,
          "%s shows the title %r" % (path, title))
    return path, page


session = login()
if not session:
    finish()

pub = events("/feeds/test.ics")
check(len(pub) >= 2, "public feed: %d events" % len(pub))
for ev in pub:
    path, page = visit(ev, session)
    check(path == "/occurrences/" + str(ev["UID"]),
          "public event links its occurrence: %s" % path)
    check('data-uid="%s"' % ev["UID"] in page, "occurrence page hook")

priv = events("/feeds/private/" + token)
deadlines = [ev for ev in priv if str(ev["SUMMARY"]).startswith("【締切】")]
check(len(deadlines) >= 1, "pref-a's deadlines in its feed")
for ev in deadlines:
    path, page = visit(ev, session)
    m = re.match(r"/tasks/(\d+)$", path)
    check(m is not None, "deadline links its task: %s" % path)
for ev in deadlines[:1]:
    path, page = visit(ev, session)
    m = re.match(r"/tasks/(\d+)$", path)
    if m is None:
        continue
    tid = int(m.group(1))
    # The oldest deadline was already over when the daemon first
    # started: 対象外・過去分 (past), not submitted all the same.
    check(re.search('id="task" data-id="%d" data-state="(open|overdue|past)"'
                    % tid, page) is not None,
          "task page shows the task not yet submitted")
    check("提出済にする" in page, "task page offers the done button")
    st, _, _ = request(port, "POST", "/api/v1/tasks/%d/done" % tid,
                       body={"by": "担当者", "note": "メールで提出"},
                       headers={"Authorization": "Bearer " + admin})
    check(st == 200, "API done: %d" % st)
    st, _, body = request(port, "GET", path, headers={"Cookie": session})
    page = body.decode(errors="replace")
    check(st == 200 and 'data-state="done"' in page and "提出済" in page,
          "task page after done: %d" % st)
    check(page.count('<tr class="event">') >= 1 and "メールで提出" in page,
          "task page shows the history")
    occ = "/occurrences/" + str(ev["UID"])
    st, _, body = request(port, "GET", occ, headers={"Cookie": session})
    check(st == 200 and ('href="/tasks/%d"' % tid) in body.decode(),
          "the deadline's occurrence page links its tasks")

meetings = [ev for ev in priv if not str(ev["SUMMARY"]).startswith("【締切】")]
st, _, body = request(port, "GET", "/meetings", headers={"Cookie": session})
for ev in meetings:
    check(('id="%s"' % ev["UID"]) in body.decode(),
          "/meetings anchors %s" % ev["UID"])
    visit(ev, session)

for path in ("/tasks/999999", "/tasks/abc", "/occurrences/nope@koyomi"):
    st, _, _ = request(port, "GET", path, headers={"Cookie": session})
    check(st == 404, "%s: %d" % (path, st))

d.stop()
finish()
