#!/usr/bin/python3
"""chase_window: the delivery window end to end (koyomi.conf(5) `window`).

Every other end-to-end test opens the window all day; here it is
"09:00-17:00" (Asia/Tokyo) and the daemon runs under libfaketime on the
Maildir transport. Deadline W (org A) is due Wed 2026-06-10 17:00 with
one step "-1d 20:00": Tue 20:00, after the window closed, so the mail
must wait for Wed 09:00. Deadline M (org B) has exact steps (seconds,
which ignore the window) just after Tue 20:00 and just before Wed 09:00:
their mails are the events that prove the daemon's clock got there.

  1. Start at Tue 19:59:55: M's first mail arrives (20:00:05); W's step
     is not taken, no mail to A is queued or delivered.
  2. Restart at Wed 08:59:45: M's second mail arrives (08:59:55); still
     nothing for A. Then A's reminder arrives, once, dated 09:00 or
     later, and its outbox row was sent at 09:00 or later.
"""
import calendar
import datetime
import email
import email.policy
import email.utils
import glob
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_faults import (FAKETIME_LIB, Daemon, check, faketime_env,  # noqa
                        finish, free_port, koyomi, wait_for, write_conf)

JST = datetime.timezone(datetime.timedelta(hours=9))


def jst(y, mo, d, h, mi, s=0):
    return calendar.timegm((y, mo, d, h, mi, s)) - 9 * 3600


DUE = jst(2026, 6, 10, 17, 0)
OPEN = jst(2026, 6, 10, 9, 0)          # the window opens on Wed
M1 = jst(2026, 6, 9, 20, 0, 5)         # M's first step: Tue, after 20:00
M2 = jst(2026, 6, 10, 8, 59, 55)       # M's second: Wed, before 09:00
W_STEP = "-1d 20:00"
W_NAME = "-1d@20:00"                  # as reminder_steps names it
RULES = """\
organisations:
  - {id: mhlw, name: 厚生労働省, type: ministry}
  - {id: org-a, name: Ａ市}
  - {id: org-b, name: Ｂ市}
contacts:
  - {id: c-a, org: org-a, name: Ａ市担当, mail: a@a.example.jp}
  - {id: c-b, org: org-b, name: Ｂ市担当, mail: b@b.example.jp}
policies:
  - {id: evening, steps: ["%(w)s"], channels: [mail], digest: false}
  - {id: marker, steps: [%(m1)ds, %(m2)ds], channels: [mail], digest: false}
cycles:
  - id: w
    title: 窓口試験
    organiser: mhlw
    items:
      - {id: late, kind: deadline, title: 夜の締切, date: "2026-06-10", due: "17:00", policy: evening, assignees: [org-a]}
      - {id: mark, kind: deadline, title: 目印, date: "2026-06-10", due: "17:00", policy: marker, assignees: [org-b]}
""" % {"w": W_STEP, "m1": M1 - DUE, "m2": M2 - DUE}


def env_at(fake_now):
    e = faketime_env(os.environ, "%+d" % int(fake_now - time.time()))
    e["FAKETIME_NO_CACHE"] = "1"
    return e


def mails():
    out = []
    for p in sorted(glob.glob("mail/new/*") + glob.glob("mail/cur/*")):
        with open(p, "rb") as f:
            out.append(email.message_from_bytes(f.read(),
                                                policy=email.policy.default))
    return out


def mails_to(addr):
    return [m for m in mails() if addr in str(m["To"])]


def outbox_to(addr):
    r = koyomi("outbox", "--format", "json")
    try:
        rows = json.loads(r.stdout)["messages"]
    except (ValueError, KeyError):
        check(False, "koyomi outbox --format json: " + r.stderr[:200])
        return []
    return [m for m in rows if m["destination"] == addr]


def steps_of(item):
    db = sqlite3.connect("koyomi.db")
    try:
        return [s for (s,) in db.execute(
            "SELECT r.step FROM reminder_steps r JOIN tasks t ON t.id = r.task"
            " WHERE t.item = ?", (item,))]
    finally:
        db.close()


def nothing_for_a(when):
    check(steps_of("late") == [], "%s: W's step not taken (%r)"
          % (when, steps_of("late")))
    check(outbox_to("a@a.example.jp") == [], "%s: no mail to A queued" % when)
    check(mails_to("a@a.example.jp") == [], "%s: no mail to A delivered"
          % when)


def main():
    if not os.path.exists(FAKETIME_LIB):
        print("FAIL: libfaketime missing (Debian package faketime)")
        sys.exit(1)
    os.makedirs("rules", exist_ok=True)
    with open("rules/w.yaml", "w") as f:
        f.write(RULES)
    port = free_port()
    write_conf(port, 'window: "09:00-17:00"\n')
    r = koyomi("check", "rules")
    if not check(r.returncode == 0, "the rules check: " + r.stdout + r.stderr):
        finish()

    # 1. Tuesday evening: M's first mail is the event after 20:00.
    d = Daemon(port, env=env_at(M1 - 10))
    try:
        wait_for(lambda: mails_to("b@b.example.jp"), 30,
                 "M's first mail (Tue 20:00:05)")
        nothing_for_a("Tue after 20:00")
    finally:
        d.stop()

    # 2. Wednesday just before the window opens.
    d = Daemon(port, env=env_at(M2 - 10))
    try:
        wait_for(lambda: len(mails_to("b@b.example.jp")) >= 2, 30,
                 "M's second mail (Wed 08:59:55)")
        nothing_for_a("Wed 08:59:55")
        got = wait_for(lambda: mails_to("a@a.example.jp"), 30,
                       "A's reminder once the window opens (Wed 09:00)")
        if got:
            sent = email.utils.parsedate_to_datetime(str(got[0]["Date"]))
            check(sent.timestamp() >= OPEN, "A's reminder dated %s, at or "
                  "after 09:00 JST" % sent.astimezone(JST).isoformat())
            check("夜の締切" in str(got[0]["Subject"]) +
                  got[0].get_body(preferencelist=("plain",)).get_content(),
                  "the reminder names its deadline")
        rows = outbox_to("a@a.example.jp")
        check(len(rows) == 1 and rows[0]["state"] == "sent",
              "one outbox row for A, sent: %r" % rows)
        if rows and rows[0]["sent_at"]:
            at = datetime.datetime.fromisoformat(rows[0]["sent_at"])
            check(at.timestamp() >= OPEN, "sent at %s, at or after 09:00 "
                  "JST" % at.astimezone(JST).isoformat())
        check(steps_of("late") == [W_NAME], "W's step taken once: %r"
              % steps_of("late"))
    finally:
        d.stop()
    check(len(mails_to("a@a.example.jp")) == 1, "one reminder for A")
    finish()


if __name__ == "__main__":
    main()
