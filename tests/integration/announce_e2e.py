#!/usr/bin/python3
"""announce_e2e: what a reload changed reaches people (daemon/chase/announce.h).

A daemon with an aiosmtpd server and a webhook receiver on loopback
(lib_receivers.py): the first start of a fresh database announces
nothing; moving a meeting and SIGHUP → webhook event.changed (signature
checked here with our own HMAC, webhook-id derived from uid and
SEQUENCE) and a mail to the attendee's contact whose Japanese subject
and body decode and whose text/calendar part (python3-icalendar) has the
feed's UID and SEQUENCE; removing it → event.cancelled and a 中止 mail
with STATUS:CANCELLED; removing a deadline → a 中止 mail to its open
assignee, written with the cancelled.txt override saved just before (the
templates reload with the rules, before the news goes out); a broken rule saved several times → one rules.reload_failed
webhook and one admin mail; a restart announces nothing again.

"Nothing happened" is read from the outbox, which every mail and webhook
passes through, once a log line shows that the pass which could have
queued something has run (reloads announce before they log their
summary; a repeated rule error logs "announced already" after its hook).
The receivers then must hold exactly what the outbox sent.
"""
import datetime
import email
import email.policy
import glob
import hashlib
import json
import os
import shutil
import signal
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib_daemon  # noqa: E402
import lib_receivers  # noqa: E402
from lib_daemon import (Daemon, check, fail, finish, free_port, get,  # noqa
                        wait_for, WORK)

import icalendar  # noqa: E402  python3-icalendar

SRC = os.environ["KOYOMI_SRC"]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
RULES = os.path.join(WORK, "rules")
TPL = os.path.join(WORK, "tpl")
procs = []

# A date in the next fiscal year: in the window, never in the past.
today = datetime.date.today()
fy = today.year if today.month >= 4 else today.year - 1
D1 = datetime.date(fy + 1, 6, 2)
D2 = D1 + datetime.timedelta(days=7)
DL = datetime.date(fy + 1, 5, 15)

HEAD = """\
organisations:
  - {id: mhlw, name: 厚生労働省, type: ministry}
  - {id: pref-a, name: Ａ県, type: prefecture}
  - {id: pref-b, name: Ｂ県, type: prefecture}
groups:
  - {id: blk, name: テストブロック, members: [pref-a]}
contacts:
  - {id: a1, org: pref-a, name: Ａ県担当, mail: a1@example.jp}
  - {id: b1, org: pref-b, name: Ｂ県担当, mail: b1@example.jp}
  - {id: co, org: mhlw, name: 事務局, mail: co@example.jp}
cycles:
  - id: t
    title: テスト事業
    organiser: mhlw
    coordinator: co
    items:
      - {id: r, kind: milestone, title: 年度報告, date: 3月31日}
"""
MEETING = ("      - {id: m, kind: meeting, title: ブロック会議, date: %s, "
           "time: \"13:00-17:00\", audience: blk}\n")
DEADLINE = ("      - {id: d, kind: deadline, title: 参加意向調査, date: %s, "
            "assignees: [pref-b]}\n")
FEEDS = """\
feeds:
  - {id: test, title: テスト, cycles: [t], deadlines: true}
"""


def write_rules(meeting=D1, deadline=DL, extra=""):
    os.makedirs(RULES, exist_ok=True)
    text = HEAD
    if meeting:
        text += MEETING % meeting.isoformat()
    if deadline:
        text += DEADLINE % deadline.isoformat()
    text += FEEDS + extra
    tmp = os.path.join(RULES, ".t.yaml.tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, os.path.join(RULES, "t.yaml"))


def receiver(kind, port, d):
    p = lib_receivers.start(kind, port, d, SECRET)
    if p is None:
        fail("receiver %s did not start" % kind)
        finish()
    procs.append(p)
    return p


def hooks(type_=None):
    f = os.path.join(WORK, "hook", "hooks.jsonl")
    if not os.path.exists(f):
        return []
    out = [r for r in map(json.loads, open(f)) if r["body"]]
    return [r for r in out if type_ is None or r["body"].get("type") == type_]


def mails(to=None):
    out = []
    for p in sorted(glob.glob(os.path.join(WORK, "smtp", "*.eml")),
                    key=lambda p: int(os.path.basename(p)[:-4])):
        rcpt = open(p[:-4] + ".env").read().split()
        if to is not None and to not in rcpt:
            continue
        out.append(email.message_from_bytes(open(p, "rb").read(),
                                            policy=email.policy.default))
    return out


def outbox():
    """Every outbox row, oldest first."""
    r = lib_daemon.koyomi(conf, "outbox", "--format", "json")
    try:
        return sorted(json.loads(r.stdout)["messages"], key=lambda m: m["id"])
    except (ValueError, KeyError):
        fail("koyomi outbox --format json: %r" % r.stdout[:200])
        return []


def logged(text):
    """How many times the running daemon logged text."""
    return d.logtext().count(text)


def after_log(text, what, n=None):
    """Waits until the daemon logged text more than n times (default:
    now), so that the pass it ends has run."""
    if n is None:
        n = logged(text)
    return wait_for(lambda: logged(text) > n, 15, what)


def all_sent(rows_before):
    """Waits until every row queued since rows_before was sent; returns
    the new rows."""
    def done():
        new = outbox()[rows_before:]
        return all(m["state"] == "sent" for m in new) and (new or [None])
    got = wait_for(done, 15, "the outbox to send what was queued")
    return [m for m in (got or []) if m]


def parts(m):
    """(text body, text/calendar bytes or None) of a message."""
    text, cal = None, None
    for part in m.walk():
        ct = part.get_content_type()
        if ct == "text/plain" and text is None:
            text = part.get_content()
        elif ct == "text/calendar":
            cal = part.get_payload(decode=True)
    return text, cal


raw = []     # what the /raw endpoint got, as lib_receivers.hook_server has it
raw_lock = threading.Lock()


def raw_answer(req):
    """A second endpoint: keeps every request for our own HMAC check."""
    with raw_lock:
        raw.append(req)
    return 204, {}


def raw_events(type_):
    with raw_lock:
        v = list(raw)
    return [r for r in v if (r["body"] or {}).get("type") == type_]


def feed_seq(uid):
    st, body = get(port, "/feeds/test.ics")
    cal = icalendar.Calendar.from_ical(body)
    for ev in cal.walk("VEVENT"):
        if str(ev["UID"]) == uid:
            return int(ev.get("SEQUENCE", 0)), str(ev.get("STATUS", ""))
    return None, None


def wareki(d):
    return "令和%d年%d月%d日（%s）" % (d.year - 2018, d.month, d.day,
                                   "月火水木金土日"[d.weekday()])


smtp_port, http_port, port = free_port(), free_port(), free_port()
while http_port == smtp_port:
    http_port = free_port()
receiver("smtp", smtp_port, os.path.join(WORK, "smtp"))
receiver("http", http_port, os.path.join(WORK, "hook"))
# A private copy: a rebuild of the tree must not swap the binary.
KOYOMI = os.path.join(WORK, "koyomi")
shutil.copy2(os.environ["KOYOMI"], KOYOMI)
lib_daemon.KOYOMI = KOYOMI
rawsrv = lib_receivers.hook_server(0, [SECRET], raw_answer)
conf = os.path.join(WORK, "koyomi.conf")
with open(conf, "w") as f:
    f.write("""listen: 127.0.0.1:%d
base_url: http://127.0.0.1:%d
database: %s/koyomi.db
rules: %s
window: "00:00-23:59"
mail_transport: smtp://127.0.0.1:%d
mail_from: "こよみ <koyomi@example.jp>"
admin_mail: admin@example.jp
secret_key_file: %s/secret.key
templates: %s
webhooks:
  - id: hook
    url: http://127.0.0.1:%d/ok
    secrets: [%s]
  - id: raw
    url: http://127.0.0.1:%d/raw
    secrets: [%s]
    events: [event.*, rules.reload_failed]
""" % (port, port, WORK, RULES, smtp_port, WORK, TPL, http_port, SECRET,
       rawsrv.server_address[1], SECRET))
write_rules()
os.makedirs(TPL)
env = {}
d = Daemon(conf, port, env=env)
if not d.wait_ready():
    finish()

# 0. A fresh database: nothing was announced before, nothing changed.
# The start-up pass ran before READY; an unchanged SIGHUP is a later one.
d.signal(signal.SIGHUP)
after_log("reload (SIGHUP): ", "an unchanged SIGHUP reload", 0)
check(outbox() == [], "first start and an unchanged reload: nothing queued")
check(not hooks("event.changed") and not hooks("event.cancelled") and
      not hooks("rules.reload_failed"), "first start: no event webhooks")
check(not mails(), "first start: no mail (%d)" % len(mails()))

# 1. The meeting moves a week: event.changed and a mail with a calendar.
n_inotify = logged("reload (rules or templates changed): ")
write_rules(meeting=D2)
d.signal(signal.SIGHUP)
got = wait_for(lambda: hooks("event.changed"), 10, "event.changed")
ch = got[0] if got else {"body": {"data": {}}, "id": ""}
data = ch["body"].get("data", {})
uid = data.get("uid", "")
check(ch.get("sig_ok"), "event.changed signature valid (receiver)")
got = wait_for(lambda: raw_events("event.changed"), 10, "raw event.changed")
check(got and got[0]["sig_ok"], "event.changed signature valid (own HMAC)")
rid = "msg_" + hashlib.sha256(("event.changed %s 1\nraw" % uid)
                              .encode()).hexdigest()[:24]
check(got and got[0]["id"] == rid, "raw webhook-id derived too")
check(data.get("new_date") == D2.isoformat() and
      data.get("old_date") == D1.isoformat(),
      "event.changed dates %s → %s" % (data.get("old_date"),
                                       data.get("new_date")))
check(data.get("sequence") == 1, "event.changed sequence 1")
want_id = "msg_" + hashlib.sha256(("event.changed %s 1\nhook" % uid)
                                  .encode()).hexdigest()[:24]
check(ch["id"] == want_id, "webhook-id derived from uid and SEQUENCE")
check(feed_seq(uid)[0] == 1, "feed SEQUENCE 1 too")
got = wait_for(lambda: mails("a1@example.jp"), 10, "the attendee's mail")
m = got[0] if got else None
if m is not None:
    text, cal = parts(m)
    check(str(m["Subject"]).startswith("【日程変更のお知らせ】ブロック会議"),
          "subject decodes: %s" % m["Subject"])
    check(text is not None and wareki(D1) in text and wareki(D2) in text,
          "body names old and new dates in 和暦")
    check(text is not None and "Ａ県" in text, "body greets Ａ県")
    check(cal is not None, "a text/calendar part")
    if cal is not None:
        c = icalendar.Calendar.from_ical(cal)
        evs = list(c.walk("VEVENT"))
        check(str(c.get("METHOD")) == "PUBLISH" and len(evs) == 1,
              "METHOD:PUBLISH, one VEVENT")
        if evs:
            check(str(evs[0]["UID"]) == uid and
                  int(evs[0]["SEQUENCE"]) == 1,
                  "VEVENT has the feed's UID and SEQUENCE 1")
            check(evs[0].decoded("DTSTART").date() == D2,
                  "VEVENT at the new date")
check(not mails("b1@example.jp"), "not to a non-attendee")
# The write also woke inotify: that second reload of the same rules must
# announce nothing more. Two webhooks (hook, raw) and one mail in all.
after_log("reload (rules or templates changed): ", "the inotify reload",
          n_inotify)
sent = all_sent(0)
check(len(sent) == 3, "one change: 2 webhooks and 1 mail queued, not "
      "more: %r" % [(m["channel"], m["kind"]) for m in sent])
check(len(hooks("event.changed")) == 1 and
      len(mails("a1@example.jp")) == 1, "one webhook, one mail")

# 2. The meeting is removed: event.cancelled and a 中止 mail.
write_rules(meeting=None)
d.signal(signal.SIGHUP)
got = wait_for(lambda: hooks("event.cancelled"), 10, "event.cancelled")
if got:
    data = got[0]["body"]["data"]
    check(got[0]["sig_ok"] and data.get("uid") == uid and
          data.get("date") == D2.isoformat() and data.get("sequence") == 2,
          "event.cancelled for the meeting: %r" % data)
got = wait_for(lambda: len(mails("a1@example.jp")) >= 2, 10, "中止 mail")
if got:
    m = mails("a1@example.jp")[1]
    text, cal = parts(m)
    check(str(m["Subject"]).startswith("【中止のお知らせ】ブロック会議"),
          "cancel subject: %s" % m["Subject"])
    check(text is not None and wareki(D2) in text, "cancel body has date")
    if check(cal is not None, "cancel mail has a calendar part"):
        ev = list(icalendar.Calendar.from_ical(cal).walk("VEVENT"))
        check(ev and str(ev[0]["STATUS"]) == "CANCELLED" and
              int(ev[0]["SEQUENCE"]) == 2, "STATUS:CANCELLED, SEQUENCE 2")
check(feed_seq(uid) == (2, "CANCELLED"), "feed: cancelled, SEQUENCE 2")

# 3. The deadline is removed: its open assignee hears of it, in the
# words of the override saved before the rules.
with open(os.path.join(TPL, "cancelled.txt"), "w") as f:
    f.write("Subject: 【中止のお知らせ】{{title}}（{{date}}）\n\n{{to}}\n"
            "上書きした文面です。\n")
write_rules(meeting=None, deadline=None)
d.signal(signal.SIGHUP)
got = wait_for(lambda: mails("b1@example.jp"), 10, "deadline 中止 mail")
if got:
    text, cal = parts(got[0])
    check(str(got[0]["Subject"]).startswith("【中止のお知らせ】参加意向調査"),
          "deadline cancel subject: %s" % got[0]["Subject"])
    check(text is not None and "上書きした文面です。" in text and
          "自動送信" not in text, "the override's body: %r" % text)
    check(cal is None, "no calendar part for a deadline")

# 4. A broken rule saved several times: one webhook, one admin mail.
bad = os.path.join(RULES, "bad.yaml")
FAILED = "error(s); the previous rules stay in force"
before = len(outbox())
for i in range(3):
    n = logged(FAILED)
    with open(bad + ".tmp", "w") as f:
        f.write("cycles:\n  - id: b\n    title: x\n    organiser: nobody\n"
                "    items:\n      - {id: i, kind: meeting, title: y, "
                "date: 13月40日}\n")
    os.rename(bad + ".tmp", bad)
    after_log(FAILED, "failed reload %d (inotify)" % (i + 1), n)
d.signal(signal.SIGHUP)
# Attempts 2, 3 and the SIGHUP each log this once their hook has run.
wait_for(lambda: logged("announced already") >= 3, 15,
         "every later attempt to be recognised")
sent = all_sent(before)
check(len(sent) == 3, "four failed attempts: 2 webhooks and 1 admin mail "
      "queued, not more: %r" % [(m["channel"], m["kind"]) for m in sent])
rf = hooks("rules.reload_failed")
check(len(rf) == 1, "one rules.reload_failed (%d)" % len(rf))
rr = raw_events("rules.reload_failed")
check(len(rr) == 1 and rr[0]["sig_ok"], "raw: one, signed")
if rf:
    data = rf[0]["body"]["data"]
    msgs = data.get("messages", [])
    check(rf[0]["sig_ok"] and data.get("errors", 0) >= 1 and msgs and
          all(x.startswith(bad + ":") for x in msgs if ": error:" in x),
          "errors as path:line:col: %r" % msgs[:2])
am = mails("admin@example.jp")
check(len(am) == 1, "one admin mail (%d)" % len(am))
if am:
    text, _ = parts(am[0])
    check("ルールの再読込に失敗" in str(am[0]["Subject"]) and
          text is not None and bad + ":" in text, "admin mail has errors")
check(d.logtext().count("announced already") >= 2,
      "later attempts recognised as the same errors")
# Fixed: the rules load again.
n = logged("occurrences\n")
os.unlink(bad)
d.signal(signal.SIGHUP)
after_log("occurrences\n", "a good reload after the fix", n)

# 5. A restart with the same rules and database announces nothing: the
# start-up pass runs before READY, an unchanged SIGHUP after it.
n = (len(hooks()), len(mails()))
rows = [m["id"] for m in outbox()]
d.stop()
d = Daemon(conf, port, env=env, log="daemon2.log")
if d.wait_ready():
    d.signal(signal.SIGHUP)
    after_log("reload (SIGHUP): ", "an unchanged SIGHUP after the restart",
              0)
    check([m["id"] for m in outbox()] == rows, "restart: nothing queued")
    check((len(hooks()), len(mails())) == n, "restart: nothing new")
else:
    finish()
d.stop()
for p in procs:
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=10)
rawsrv.shutdown()
finish()
