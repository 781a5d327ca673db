#!/usr/bin/python3
"""feeds_private_parties: a private feed holds what its owner attends.

On the shipped rules (KOYOMI_SRC/rules), the private feed of 東京都
(pref-13) holds both 合同会議 of the 構築支援事業, whose attendees are
the 都道府県等 (todofuken-to), and not the participants-only meetings
(joint-1p, joint-2p, ad-contact, hearing) while it has not answered the
参加意向調査. Once it answers 参加予定（新規） through the API, its feed
is rebuilt at once with them; a second organisation answering through
the command line while the daemon runs gets them too (the daemon notices
the answer; not the hearing, which is for 新規 only), and one answering
参加しない does not.
"""
import json
import os
import sys

import icalendar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, check, finish, free_port, koyomi,  # noqa
                        new_token, request, wait_for, write_conf, WORK)

SRC = os.environ.get("KOYOMI_SRC", os.getcwd())
PARTICIPANTS_ONLY = ("joint-1p", "joint-2p", "ad-contact", "hearing")

port = free_port()
conf = os.path.join(WORK, "koyomi.conf")
# The shipped rules, not a copy: the conf names the source folder.
write_conf(conf, port, rules=os.path.join(SRC, "rules"))
admin = new_token(conf, "admin", "root")


def feed_token(org):
    out = koyomi(conf, "feed-token", "add", org).stdout.decode()
    return [w for w in out.split() if w.startswith("http")][0] \
        .rsplit("/", 1)[1]


paths = {org: "/feeds/private/%s" % feed_token(org)
         for org in ("pref-13", "pref-27", "pref-14")}

d = Daemon(conf, port)
if not d.wait_ready(timeout=30):
    finish()


def items(org):
    """{(item, fy)} of the kochiku events in org's private feed."""
    st, _, body = request(port, "GET", paths[org])
    if st != 200:
        return None
    out = set()
    for ev in icalendar.Calendar.from_ical(body).walk("VEVENT"):
        uid = str(ev["UID"]).split("@")[0].split(".")
        if uid[0] == "kochiku":
            out.add((uid[1], int(uid[2][2:])))
    return out


def intent_task(org, fy):
    """org's 参加意向調査 task that plans fiscal year fy."""
    r = koyomi(conf, "tasks", "--assignee", org, "--format", "json")
    try:
        ts = [t for t in json.loads(r.stdout)["tasks"]
              if t["cycle"] == "kochiku" and t["item"] == "intent-due" and
              t["fy"] == fy]
    except (ValueError, KeyError):
        return None
    return ts[0] if ts else None


got = wait_for(lambda: items("pref-13"), 30, "東京都's private feed")
if not got:
    finish()
# The last fiscal year the feeds cover: its survey is answered in it.
fy = max([f for (i, f) in got if i == "joint-1"] or [0])
check(fy > 0, "a 合同会議 in 東京都's feed")
tokyo = wait_for(lambda: intent_task("pref-13", fy), 30,
                 "the daemon to create 東京都's survey task")
osaka = intent_task("pref-27", fy)
kanagawa = intent_task("pref-14", fy)
if not (tokyo and osaka and kanagawa):
    finish()
for it in ("joint-1", "joint-2"):
    check((it, fy) in got, "%s fy%d (attendees: 都道府県等) in 東京都's "
          "feed" % (it, fy))
for it in PARTICIPANTS_ONLY:
    check((it, fy) not in got, "%s fy%d not in 東京都's feed before it "
          "answers" % (it, fy))

st, _, body = request(port, "POST", "/api/v1/tasks/%d/answer" % tokyo["id"],
                      body={"answer": "参加予定（新規）", "by": "pref-13"},
                      headers={"Authorization": "Bearer " + admin})
check(st == 200, "API answer 参加予定（新規）: %d %s" % (st, body[:200]))
got = items("pref-13") or set()
for it in PARTICIPANTS_ONLY:
    check((it, fy) in got, "%s fy%d in 東京都's feed right after its "
          "answer" % (it, fy))

# Fetched once before, so the daemon holds them and must rebuild them.
check(items("pref-27") is not None and items("pref-14") is not None,
      "大阪府's and 神奈川県's feeds fetched before their answers")
koyomi(conf, "answer", str(osaka["id"]), "参加予定（継続）", "--by", "pref-27")
koyomi(conf, "answer", str(kanagawa["id"]), "参加しない", "--by", "pref-14")
got = wait_for(lambda: (lambda s: s if s and ("joint-1p", fy) in s
                        else None)(items("pref-27")), 15,
               "大阪府's feed to show the participants' meetings after a "
               "CLI answer")
for it in PARTICIPANTS_ONLY[:3]:
    check(got is not None and (it, fy) in got,
          "%s fy%d in 大阪府's feed after its CLI answer" % (it, fy))
# The April hearing is for 新規 participants only (kochiku-new).
check(got is not None and ("hearing", fy) not in got,
      "no hearing for 大阪府, which continues (継続)")
got = items("pref-14") or set()
check(("joint-1", fy) in got, "joint-1 still in 神奈川県's feed")
for it in PARTICIPANTS_ONLY:
    check((it, fy) not in got, "%s fy%d not in the feed of 神奈川県, which "
          "answered 参加しない" % (it, fy))

d.stop()
finish()
