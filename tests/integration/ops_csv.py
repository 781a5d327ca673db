#!/usr/bin/python3
"""ops_csv: the bytes of `koyomi tasks --format csv` and `koyomi case list
--format csv`, as a spreadsheet will read them (daemon/codec/csv.h).

Checked byte for byte: the UTF-8 BOM once at the start, the header row,
CRLF row ends, a value with a comma and double quotes quoted with its
quotes doubled, a line break kept inside quotes, and values a spreadsheet
would run as a formula (starting with = + - @) quoted behind an
apostrophe: a title "=1+1" from the rules, a `done --by` of
"=HYPERLINK(...)", an answer text "@SUM(A1)", a case code "-2026.1".
Case codes and rule ids cannot hold a comma or a quote at all: such a
code is refused, so the case list has no other hostile value to show.
"""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, check, finish, free_port, koyomi,  # noqa
                        write_conf, WORK)

BOM = b"\xef\xbb\xbf"
today = datetime.date.today()
fy = today.year if today.month >= 4 else today.year - 1
DUE = datetime.date(fy + 1, 7, 1).isoformat()   # next FY: open, not overdue
TITLE = '提出, "様式1"'
RULES = """\
organisations:
  - {id: mhlw, name: 厚生労働省, type: ministry}
  - {id: org-a, name: Ａ市}
  - {id: org-b, name: Ｂ市}
cycles:
  - id: c
    title: 書式試験
    organiser: mhlw
    items:
      - {id: d1, kind: deadline, title: '%(title)s', date: "%(due)s", assignees: [org-a, org-b],
         adjust: {to: none, reason: the bytes of the test keep one date}}
      - {id: d2, kind: deadline, title: "=1+1", date: "%(due)s", assignees: [org-a],
         response: {options: [参加, 不参加], text: true},
         adjust: {to: none, reason: the bytes of the test keep one date}}
  - id: k
    title: ケース書式試験
    organiser: mhlw
    case: true
    items:
      - {id: r, kind: deadline, title: 報告, case: {at: start}, assignees: [case]}
""" % {"title": TITLE, "due": DUE}

port = free_port()
conf = os.path.join(WORK, "koyomi.conf")
os.makedirs(os.path.join(WORK, "rules"), exist_ok=True)
with open(os.path.join(WORK, "rules", "c.yaml"), "w") as f:
    f.write(RULES)
write_conf(conf, port)
koyomi(conf, "check", check_rc=0)

d = Daemon(conf, port)
if not d.wait_ready():
    finish()
try:
    tasks = json.loads(koyomi(conf, "tasks", "--format", "json").stdout)
    tasks = tasks["tasks"]
    ids = {(t["item"], t["assignee"]): t["id"] for t in tasks}
    check(sorted(ids) == [("d1", "org-a"), ("d1", "org-b"), ("d2", "org-a")],
          "three tasks: %r" % sorted(ids))
    koyomi(conf, "done", str(ids[("d1", "org-a")]), "--by",
           '=HYPERLINK("http://x.example/","y")')
    koyomi(conf, "answer", str(ids[("d2", "org-a")]), "参加", "--text",
           "@SUM(A1)\n2行目", "--by", "Ａ市 担当")
    out = koyomi(conf, "tasks", "--format", "csv").stdout

    # The rows in the listing's order (json and csv list the same way).
    order = [(t["item"], t["assignee"]) for t in json.loads(
        koyomi(conf, "tasks", "--format", "json").stdout)["tasks"]]
    row = {
        ("d1", "org-a"): 'c,d1,"提出, ""様式1""",org-a,%s,done,,,'
                         '"\'=HYPERLINK(""http://x.example/"",""y"")",cli,0,'
                         ',confirmed,,',
        ("d1", "org-b"): 'c,d1,"提出, ""様式1""",org-b,%s,open,,,,,0,'
                         ',confirmed,,',
        ("d2", "org-a"): 'c,d2,"\'=1+1",org-a,%s,done,参加,'
                         '"\'@SUM(A1)\n2行目",Ａ市 担当,cli,0,,confirmed,,',
    }
    want = BOM + b"id,fy,cycle,item,title,assignee,due_day,state,answer," \
        b"answer_text,done_by,done_via,cancelled,case,certainty," \
        b"moved_from,closed\r\n"
    for k in order:
        want += ("%d,%d,%s\r\n" % (ids[k], fy + 1, row[k] % DUE)).encode()
    check(out == want, "tasks --format csv, byte for byte:\n got %r\nwant %r"
          % (out, want))
    check(out.count(BOM) == 1 and out.startswith(BOM), "one BOM, first")

    # Cases: a code a spreadsheet would read as a formula, one without an
    # org, one closed; a code with a comma and a quote is refused.
    koyomi(conf, "case", "add", "--cycle", "k", "--code", "-2026.1",
           "--start", "2026-04-01", "--org", "org-a")
    koyomi(conf, "case", "add", "--cycle", "k", "--code", "K_2",
           "--start", "2026-05-01")
    koyomi(conf, "case", "close", "K_2", "--date", "2026-05-20")
    r = koyomi(conf, "case", "add", "--cycle", "k", "--code", 'a,"b"',
               "--start", "2026-05-01", check_rc=1)
    check(b"code" in r.stderr, "a code with a comma and a quote is refused")
    out = koyomi(conf, "case", "list", "--format", "csv").stdout
    want = BOM + b"cycle,code,org,start,closed\r\n" \
        b"k,\"'-2026.1\",org-a,2026-04-01,\r\n" \
        b"k,K_2,,2026-05-01,2026-05-20\r\n"
    check(out == want, "case list --format csv, byte for byte:\n got %r\n"
          "want %r" % (out, want))
finally:
    rc = d.stop()
check(rc == 0, "daemon exit 0 (%r)" % rc)
finish()
