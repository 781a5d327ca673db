#!/usr/bin/python3
"""plan_cases: cases in `koyomi plan`, case cycles only, closed days listed
in koyomi.conf, 和暦 on request.

No daemon: a configuration over the shipped rules and a fresh database.
1. `koyomi case add` refuses a cycle that is not a case cycle (chiiki-iko,
   kochiku: their items never expand for a case) and an unknown one, exit
   1, naming the case cycles; nothing is stored.
2. An outreach case (`case add --cycle outreach`, Monday 2026-04-06): plan
   with the configuration shows its steps (the intake, the first visit a
   week on, the weekly conference, the evaluation every ~6 months, the
   monthly report); `plan --cases` with rule files and -c too; plan of the
   rule files alone does not. After `case close`, the follow-up 3 months
   on (12/30 is 年末年始: moved to Monday 2027-01-04, and said so).
3. `closed_days` in the configuration: the first visit (Monday 4/13) moves
   to 4/14 as a 臨時閉庁日, in JSON and text; `koyomi check` warns about a
   date written on a listed day (and not without the list).
4. --wareki writes 令和 dates in the text and is refused for JSON.
5. --cases without a configuration, or without its database, exits 1.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import KOYOMI, WORK, check, finish  # noqa

SRC = os.environ.get("KOYOMI_SRC", os.getcwd())
RULES = os.path.join(SRC, "rules")
CONF = os.path.join(WORK, "koyomi.conf")
ENV = {k: v for k, v in os.environ.items() if k != "KOYOMI_CONFIG"}


def write_conf(extra=""):
    with open(CONF, "w") as f:
        f.write("database: %s/koyomi.db\nrules: %s\n"
                "secret_key_file: %s/secret.key\n%s" % (WORK, RULES, WORK,
                                                         extra))


def run(*args, conf=CONF, env=None):
    argv = [KOYOMI] + (["-c", conf] if conf else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60,
                          env=env or ENV)


def case_occs(r, code):
    """{uid without @koyomi: occurrence} of case code in plan JSON r."""
    if r.returncode != 0:
        print(r.stderr[:500])
        return {}
    doc = json.loads(r.stdout)
    return {o["uid"].split("@")[0]: o for o in doc["occurrences"]
            if o.get("case") == code}


write_conf()

# 1. Only case cycles take cases.
for cyc, why in (("chiiki-iko", "cycle 'chiiki-iko' is not a case cycle"),
                 ("kochiku", "cycle 'kochiku' is not a case cycle"),
                 ("no-such", "unknown cycle 'no-such'")):
    r = run("case", "add", "--cycle", cyc, "--code", "X-1", "--start",
            "2026-04-06")
    check(r.returncode == 1 and why in r.stderr and
          "case cycles: " in r.stderr and "outreach" in r.stderr,
          "case add --cycle %s refused: %d %r" % (cyc, r.returncode,
                                                  r.stderr.strip()))
r = run("case", "list")
check(r.returncode == 0 and r.stdout == "", "nothing stored: %r" % r.stdout)

# 2. An outreach case in plan.
r = run("case", "add", "--cycle", "outreach", "--code", "C-7", "--start",
        "2026-04-06", "--org", "pref-13")
check(r.returncode == 0, "case add --cycle outreach: %r" % r.stderr)
occ = case_occs(run("plan", "--fy", "2026", "--format", "json"), "C-7")
want = {"outreach.intake.fy2026.case-C-7": "2026-04-06",
        "outreach.first-visit.fy2026.case-C-7": "2026-04-13",
        "outreach.conference.fy2026.n1.case-C-7": "2026-04-13",
        "outreach.conference.fy2026.n2.case-C-7": "2026-04-20",
        "outreach.evaluation.fy2026.n1.case-C-7": "2026-10-06",
        "outreach.monthly-report.fy2026.n1.case-C-7": "2026-05-01"}
for uid, day in sorted(want.items()):
    check(uid in occ and occ[uid]["start"] == day,
          "plan shows %s on %s: %r" % (uid, day, occ.get(uid, {}).get(
              "start")))
confs = [o for u, o in occ.items() if ".conference." in u]
check(len(confs) >= 50, "a conference every week of the year: %d"
      % len(confs))
check(occ.get("outreach.first-visit.fy2026.case-C-7", {}).get(
      "certainty") == "assumed", "the first visit's day is koyomi's guess")
# 2026-05-06 (振替休日): the monthly report goes back to Friday 5/1.
mr = occ.get("outreach.monthly-report.fy2026.n1.case-C-7", {})
check(mr.get("moved_from") == "2026-05-06" and mr.get("closed") == "振替休日",
      "the monthly report moved off 振替休日: %r" % mr)
check(not any(".follow-up." in u for u in occ), "no follow-up while open")

r = run("plan", "--fy", "2026", "--format", "json", "--cases", RULES)
check(len(case_occs(r, "C-7")) == len(occ),
      "plan --cases PATH reads the configuration's cases too")
r = run("plan", "--fy", "2026", "--format", "json", RULES, conf=None)
alone = json.loads(r.stdout)["occurrences"] if r.returncode == 0 else []
check(alone and not any(o.get("case") for o in alone),
      "plan of the rule files alone has no case")
r = run("plan", "--fy", "2026")
check(r.returncode == 0 and "ケース・カンファレンス" in r.stdout and
      "case-C-7" in r.stdout, "the text plan lists the case's steps")

r = run("case", "close", "C-7", "--date", "2026-09-30")
check(r.returncode == 0, "case close: %r" % r.stderr)
occ = case_occs(run("plan", "--fy", "2026", "--format", "json"), "C-7")
fu = occ.get("outreach.follow-up.fy2026.case-C-7", {})
check(fu.get("start") == "2027-01-04" and fu.get("moved_from") ==
      "2026-12-30" and fu.get("closed") == "年末年始" and
      fu.get("certainty") == "assumed",
      "follow-up 3 months after the close, off 年末年始: %r" % fu)
check("outreach.evaluation.fy2026.n1.case-C-7" not in occ,
      "no evaluation after the close")
check(occ.get("outreach.end-report.fy2026.case-C-7", {}).get("start") ==
      "2026-09-30", "the end report on the close day")

# 3. The office's own closed days.
write_conf("closed_days: [2026-04-13, 2026-08-13]\n")
occ = case_occs(run("plan", "--fy", "2026", "--format", "json"), "C-7")
fv = occ.get("outreach.first-visit.fy2026.case-C-7", {})
check(fv.get("start") == "2026-04-14" and fv.get("moved_from") ==
      "2026-04-13" and fv.get("closed") == "臨時閉庁日",
      "the first visit skips the listed 4/13: %r" % fv)
check("臨時閉庁日" in fv.get("description", ""),
      "its description says why: %r" % fv.get("description"))
r = run("plan", "--from", "2026-04-13", "--to", "2026-04-14")
check("※2026-04-13（月）は閉庁日（臨時閉庁日）" in r.stdout,
      "the text plan says it: %r" % r.stdout[:300])
with open(os.path.join(WORK, "d.yaml"), "w") as f:
    f.write("organisations:\n  - {id: o1, name: 甲県}\ncycles:\n"
            "  - id: c\n    title: t\n    organiser: o1\n    items:\n"
            "      - {id: d, kind: deadline, title: 名簿, "
            "date: 2026-08-13, assignees: [o1]}\n")
r = run("check", os.path.join(WORK, "d.yaml"))
check(r.returncode == 0 and "d.yaml:8:50: warning: " in r.stderr and
      "2026-08-13（木） is a closed day (臨時閉庁日): the deadline moves to "
      "the previous business day 2026-08-12（水）" in r.stderr,
      "check warns about a date on a listed closed day: %r" % r.stderr)
r = run("check", os.path.join(WORK, "d.yaml"), conf=None)
check(r.returncode == 0 and "closed day" not in r.stderr,
      "and not without the configuration: %r" % r.stderr)
write_conf("closed_days: [2026-02-30]\n")
r = run("plan", "--fy", "2026")
check(r.returncode == 1 and "koyomi.conf:4:15: error: 'closed_days': "
      "'2026-02-30' is not a date" in r.stderr,
      "a wrong closed day is refused at its place: %r" % r.stderr.strip())
write_conf()

# 4. 和暦.
r = run("plan", "--from", "2026-04-06", "--to", "2026-04-06", "--wareki")
check(r.returncode == 0 and "令和8年4月6日（月）" in r.stdout and
      "2026-04-06" not in r.stdout.split("<")[0],
      "--wareki: %r" % r.stdout[:200])
r = run("plan", "--wareki", "--format", "json")
check(r.returncode == 2, "--wareki with JSON is a usage error: %d"
      % r.returncode)

# 5. --cases needs a configuration and its database.
r = run("plan", "--cases", RULES, conf=os.path.join(WORK, "none.conf"))
check(r.returncode == 1 and "no such config file" in r.stderr,
      "--cases without a configuration: %d %r" % (r.returncode, r.stderr))
os.rename(os.path.join(WORK, "koyomi.db"), os.path.join(WORK, "moved.db"))
r = run("plan", "--cases", "--fy", "2026")
check(r.returncode == 1 and "no database" in r.stderr and
      not os.path.exists(os.path.join(WORK, "koyomi.db")),
      "--cases without the database, none created: %d %r"
      % (r.returncode, r.stderr))
r = run("plan", "--fy", "2026", "--format", "json")
check(r.returncode == 0 and case_occs(r, "C-7") == {} and
      not os.path.exists(os.path.join(WORK, "koyomi.db")),
      "plan with a configuration but no database: no cases, none created")
finish()
