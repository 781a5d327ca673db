#!/usr/bin/python3
"""feeds_private_sequence: a deadline in a private feed never goes back.

A private feed shows an owner's deadline as 【締切】…, then as
【締切】【提出済】… once the task is done. Calendar clients ignore an
update whose SEQUENCE is not higher than the one they hold, so every
change of the task's state (done, reopen, done again, waive), through
the API or the command line while the daemon runs, must give the
event's UID a strictly higher SEQUENCE and the matching title; a restart
in between changes nothing.
"""
import os
import sys
import urllib.parse

import icalendar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, check, finish, free_port, koyomi,  # noqa
                        new_token, request, tasks_of, wait_for,
                        write_conf, write_rules, WORK)

port = free_port()
conf = os.path.join(WORK, "koyomi.conf")
write_rules(os.path.join(WORK, "rules"))
write_conf(conf, port)
admin = new_token(conf, "admin", "root")
out = koyomi(conf, "feed-token", "add", "pref-a").stdout.decode()
path = urllib.parse.urlsplit(
    [w for w in out.split() if w.startswith("http")][0]).path

d = Daemon(conf, port)
if not d.wait_ready():
    finish()


def tasks():
    return tasks_of(conf, "pref-a")


ts = wait_for(tasks, 10, "the daemon to create pref-a's tasks")
if not ts:
    finish()
task = ts[0]
tid = task["id"]


def event():
    """(SEQUENCE, SUMMARY, DTSTAMP) of the task's deadline, or None."""
    st, _, body = request(port, "GET", path)
    if st != 200:
        return None
    for ev in icalendar.Calendar.from_ical(body).walk("VEVENT"):
        if str(ev["UID"]) == task["uid"]:
            return (int(ev["SEQUENCE"]), str(ev["SUMMARY"]),
                    ev["DTSTAMP"].dt)
    return None


def api(op, body=None):
    st, _, _ = request(port, "POST", "/api/v1/tasks/%d/%s" % (tid, op),
                       body=body or {},
                       headers={"Authorization": "Bearer " + admin})
    check(st == 200, "API %s: %d" % (op, st))


def cli(*args):
    koyomi(conf, *args)


ev = event()
check(ev is not None and "【提出済】" not in ev[1],
      "open deadline in the private feed: %r" % (ev,))
seen = [ev]

steps = [
    ("done (API)", lambda: api("done", {"by": "alice"}), True),
    ("reopen (CLI)", lambda: cli("reopen", str(tid)), False),
    ("done again (CLI)", lambda: cli("done", str(tid)), True),
    ("reopen (API)", lambda: api("reopen"), False),
    ("waive (CLI)", lambda: cli("waive", str(tid), "--note", "参加しない"),
     True),
]
for name, act, done in steps:
    prev = seen[-1]
    act()
    # The CLI reaches the daemon through the database (polled each second).
    ev = wait_for(lambda: (lambda e: e if e is not None and
                           ("【提出済】" in e[1]) == done else None)(event()),
                  10, "the private feed to show " + name)
    if ev is None or prev is None:
        continue
    check(ev[0] > max(e[0] for e in seen if e is not None),
          "%s: SEQUENCE %d > every earlier one %r"
          % (name, ev[0], [e[0] for e in seen if e is not None]))
    check(ev[2] >= prev[2], "%s: DTSTAMP does not go back" % name)
    seen.append(ev)

# A restart rebuilds from the database: the same event, not an older one.
last = seen[-1]
d.stop()
d = Daemon(conf, port)
if d.wait_ready():
    check(event() == last, "after a restart: same SEQUENCE, title, DTSTAMP")
    # Reopening once more still goes up.
    api("reopen")
    ev = event()
    check(ev is not None and last is not None and ev[0] > last[0] and
          "【提出済】" not in ev[1], "reopen after a restart goes up: %r"
          % (ev,))
d.stop()
finish()
