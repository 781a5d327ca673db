#!/usr/bin/python3
"""cases_private: case items reach the case's organisation, never the public.

On the shipped rules, `koyomi case add --cycle outreach --code T-001
--start (10 days ago) --org pref-13` while the daemon runs: the daemon
notices it, and 東京都's (pref-13) private feed then holds the case's
meetings (intake, mid-review, evaluation) and deadlines (start-report,
report-6mo, monthly-report), which are its tasks (`assignees: [case]`),
each showing the case it belongs to (`koyomi tasks` text and JSON, the
dashboard's column ケース);
the organiser example-hokenjo sees the meetings too; 大阪府 sees nothing
of it and no public feed holds any case item (or the code). An unknown
--org is refused. `koyomi case close` cancels the items after the close
day and dates the close report. The same over the API: POST
/api/v1/cases (201, 422 for an unknown org, 422 with a JSON error naming
the case cycles for a cycle that is not one or does not exist, 403 for a
viewer), GET lists with the org, POST /api/v1/cases/CODE/close (200, 409
the second time), and the feed follows at once. (`koyomi case add` for a
cycle that is not a case cycle: plan_cases.py.)
"""
import datetime
import json
import os
import re
import sys
import urllib.parse

import icalendar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, check, finish, free_port, koyomi,  # noqa
                        new_token, request, wait_for, write_conf, WORK)

SRC = os.environ.get("KOYOMI_SRC", os.getcwd())
MEETINGS = ("intake", "mid-review", "evaluation")
DEADLINES = ("start-report", "report-6mo", "monthly-report")

port = free_port()
conf = os.path.join(WORK, "koyomi.conf")
# The shipped rules, not a copy: the conf names the source folder.
write_conf(conf, port, rules=os.path.join(SRC, "rules"))
admin = new_token(conf, "admin", "root")
viewer = new_token(conf, "viewer", "eve")
AUTH = {"Authorization": "Bearer " + admin}


def feed_token(org):
    out = koyomi(conf, "feed-token", "add", org).stdout.decode()
    return [w for w in out.split() if w.startswith("http")][0] \
        .rsplit("/", 1)[1]


paths = {org: "/feeds/private/%s" % feed_token(org)
         for org in ("pref-13", "pref-27", "example-hokenjo", "pref-14")}

d = Daemon(conf, port)
if not d.wait_ready(timeout=30):
    finish()


def events(path):
    """{item: (STATUS, SUMMARY, DTSTART)} of case events in a feed."""
    st, _, body = request(port, "GET", path)
    if st != 200:
        return None
    out = {}
    for ev in icalendar.Calendar.from_ical(body).walk("VEVENT"):
        uid = str(ev["UID"]).split("@")[0]
        if ".case-" in uid:
            item, code = uid.split(".")[1], uid.split(".case-")[1]
            out.setdefault(code, {}).setdefault(item, []).append(
                (str(ev.get("STATUS")), str(ev["SUMMARY"]),
                 ev["DTSTART"].dt))
    return out


def case_events(org, code):
    e = events(paths[org])
    return e.get(code) if e else None


today = datetime.date.today()
start = today - datetime.timedelta(days=10)

# Fetched once, so the daemon holds the feeds it must rebuild.
for org in paths:
    check(events(paths[org]) == {}, "no case items in %s's feed yet" % org)

r = koyomi(conf, "case", "add", "--cycle", "outreach", "--code", "X-9",
           "--start", start.isoformat(), "--org", "no-such-org", check_rc=1)
check(b"unknown organisation" in r.stderr, "unknown --org refused: %r"
      % r.stderr)
koyomi(conf, "case", "add", "--cycle", "outreach", "--code", "T-001",
       "--start", start.isoformat(), "--org", "pref-13")
got = wait_for(lambda: (lambda e: e if e and "evaluation" in e else None)(
    case_events("pref-13", "T-001")), 15,
    "the daemon to notice the case and put it in 東京都's feed")
got = got or {}
for it in MEETINGS + DEADLINES:
    check(it in got, "case item %s in 東京都's private feed" % it)
for it in DEADLINES:
    check(all(s.startswith("【締切】") for _, s, _ in got.get(it, [])),
          "%s shown as a deadline: %r" % (it, got.get(it)))
r = koyomi(conf, "tasks", "--assignee", "pref-13", "--format", "json")
rows = [t for t in json.loads(r.stdout or b"{}").get("tasks", [])
        if t["cycle"] == "outreach"]
mine = {t["item"] for t in rows}
check(set(DEADLINES) <= mine, "case deadlines are 東京都's tasks: %r" % mine)
check(rows and all(t.get("case") == "T-001" for t in rows),
      "each task names its case: %r" % [t.get("case") for t in rows])
check(all(t.get("certainty") in ("confirmed", "tentative", "assumed")
          for t in rows), "and how sure its date is")
r = koyomi(conf, "tasks", "--assignee", "pref-13")
lines = [ln for ln in r.stdout.decode().splitlines() if "実施主体" in ln]
check(lines and all("\tケース：T-001" in ln for ln in lines),
      "`koyomi tasks` shows the case: %r" % lines[:2])


def dashboard(path):
    """GET path of the dashboard, logged in with the admin token."""
    st, hdr, body = request(port, "GET", "/login")
    cookie = hdr.get("set-cookie", "").split(";")[0]
    m = re.search(r'name="csrf" value="([^"]+)"', body.decode())
    if st != 200 or not m:
        return ""
    form = urllib.parse.urlencode({"token": admin, "csrf": m.group(1)})
    st, hdr, _ = request(port, "POST", "/login", body=form.encode(),
                         headers={"Content-Type":
                                  "application/x-www-form-urlencoded",
                                  "Cookie": cookie})
    session = hdr.get("set-cookie", "").split(";")[0]
    st, _, body = request(port, "GET", path, headers={"Cookie": session})
    return body.decode() if st == 200 else ""


page = dashboard("/org?id=pref-13")
check(re.search(r"<th[^>]*>ケース</th>", page) is not None and
      '<td class="case">T-001</td>' in page,
      "the dashboard's task rows show the case")
page = dashboard("/?cycle=outreach")
check('ケース <span class="case">T-001</span>' in page,
      "the dashboard's deadlines name the case")

org_view = case_events("example-hokenjo", "T-001") or {}
for it in MEETINGS:
    check(it in org_view, "case meeting %s in the organiser's feed" % it)
check(case_events("pref-27", "T-001") is None, "nothing of T-001 for 大阪府")

for name in ("national", "participants", "block-kanto", "bunkyo"):
    st, _, body = request(port, "GET", "/feeds/%s.ics" % name)
    check(st == 200, "public feed %s: %d" % (name, st))
    check(b".case-" not in body and b"T-001" not in body,
          "no case item in public feed %s" % name)
    out = koyomi(conf, "feed", name).stdout
    check(b".case-" not in out, "no case item in `koyomi feed %s`" % name)

# Close today: the meetings still ahead are cancelled, the close report
# is due today, or on the next business day when today is closed (a
# report cannot fall due before the close it reports; rules-syntax.md,
# "Closed days").
hol = {l.split("\t")[0] for y in (today.year, today.year + 1)
       for l in koyomi(conf, "holidays", str(y)).stdout.decode().splitlines()}


def business_on_or_after(d):
    for _ in range(15):
        if d.weekday() < 5 and d.isoformat() not in hol and not (
                (d.month == 12 and d.day >= 29) or
                (d.month == 1 and d.day <= 3)):
            return d
        d += datetime.timedelta(days=1)
    return d


report_day = business_on_or_after(today)
koyomi(conf, "case", "close", "T-001", "--date", today.isoformat())
got = wait_for(lambda: (lambda e: e if e and "end-report" in e else None)(
    case_events("pref-13", "T-001")), 15,
    "the close to reach 東京都's feed") or {}
for it in ("mid-review", "evaluation"):
    check(all(st == "CANCELLED" for st, _, _ in got.get(it, [])) and
          it in got, "%s cancelled after the close: %r" % (it, got.get(it)))
check(all(st != "CANCELLED" for st, _, _ in got.get("intake", [])),
      "the intake (before the close) stays")
check([dt for _, _, dt in got.get("end-report", [])] == [report_day],
      "end report due on the close day (%s): %r" % (report_day,
                                                    got.get("end-report")))

# The API.
st, _, body = request(port, "POST", "/api/v1/cases", headers=AUTH,
                      body={"cycle": "outreach", "code": "A-002",
                            "start": today.isoformat(), "org": "nope"})
check(st == 422, "API case with an unknown org: %d" % st)
# chiiki-iko has no case items: a case there would never expand.
for cyc, why in (("chiiki-iko", "cycle 'chiiki-iko' is not a case cycle"),
                 ("no-such-cycle", "unknown cycle 'no-such-cycle'")):
    st, _, body = request(port, "POST", "/api/v1/cases", headers=AUTH,
                          body={"cycle": cyc, "code": "A-009",
                                "start": today.isoformat()})
    try:
        err = json.loads(body).get("error", "")
    except ValueError:
        err = ""
    check(st == 422 and err.startswith(why) and "case cycles: " in err and
          "outreach" in err, "API case in %s refused: %d %r" % (cyc, st, body))
st, _, body = request(port, "POST", "/api/v1/cases",
                      headers={"Authorization": "Bearer " + viewer},
                      body={"cycle": "outreach", "code": "A-002",
                            "start": today.isoformat(), "org": "pref-27"})
check(st == 403, "API case add as a viewer: %d" % st)
st, _, body = request(port, "POST", "/api/v1/cases", headers=AUTH,
                      body={"cycle": "outreach", "code": "A-002",
                            "start": today.isoformat(), "org": "pref-27"})
check(st == 201, "API case add: %d %s" % (st, body[:200]))
got = case_events("pref-27", "A-002") or {}
for it in MEETINGS:
    check(it in got, "API case: %s in 大阪府's feed at once" % it)
check(case_events("pref-13", "A-002") is None, "A-002 not for 東京都")
st, _, body = request(port, "GET", "/api/v1/cases",
                      headers={"Authorization": "Bearer " + viewer})
cases = {c["code"]: c for c in json.loads(body).get("cases", [])} \
    if st == 200 else {}
check(st == 200 and cases.get("A-002", {}).get("org") == "pref-27" and
      cases.get("T-001", {}).get("closed") == today.isoformat(),
      "API case list: %d %r" % (st, cases))
check("A-009" not in cases, "the refused cases were not stored")
st, _, body = request(port, "POST", "/api/v1/cases/A-002/close",
                      headers=AUTH, body={"cycle": "outreach"})
check(st == 200, "API case close: %d %s" % (st, body[:200]))
st, _, _ = request(port, "POST", "/api/v1/cases/A-002/close",
                   headers=AUTH, body={"cycle": "outreach"})
check(st == 409, "API case closed twice: %d" % st)
got = case_events("pref-27", "A-002") or {}
check(all(s == "CANCELLED" for s, _, _ in got.get("evaluation", [])) and
      "evaluation" in got, "API close cancels the evaluation: %r"
      % got.get("evaluation"))
check(case_events("pref-14", "A-002") is None and
      case_events("pref-14", "T-001") is None, "nothing for 神奈川県")

d.stop()
finish()
