#!/usr/bin/python3
"""dashboard_browser: every coordinator action clicked in a real browser.

Two daemons: one on the small rule set of lib_dash.py (dates around
today), one on the shipped rules. tests/node/dashboard_browser.js drives
Debian's chromium with puppeteer-core (npm, tests/node; it downloads no
browser) and, as a coordinator would:

  - opens a deadline's link without a session, logs in with the keyboard
    and lands on that deadline (login's next);
  - reads the first page (the card, 提出済 0 / 3 and the names), filters
    (the filter lands in the URL), shows the whole year in one click;
  - opens the deadline from its card, marks one as submitted with a note
    (bulk form), nudges the survey's open ones (confirmation, then send);
  - downloads the first page's CSV as a file;
  - answers the survey through the completion link of the nudge mail in
    the Maildir;
  - draws the annual view and compares every drawn occurrence, its dates,
    certainty, bar or mark and month column with `koyomi plan --format
    json`, for the small set and every shipped cycle, and prints each to
    PDF with the page's own print CSS;
  - checks labels, lang, one h1 and main, the skip link on the first Tab,
    and that the first page fits a 375 px phone;
  - on a third daemon that reads replies from a Maildir: finds a reply
    to a digest on /inbox with a button per task the digest named, and
    clicks the one it is for.

This side then checks what the clicks did: the task states and audit rows,
the CSV file, the answered survey, and that each PDF's pages are A4
landscape. Screenshots go to build/artifacts/ and, with SCREENSHOTS=DIR
(make screenshots), to that folder (docs/screenshots/ for the README).
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (KOYOMI, WORK, Daemon, check, fail, finish,  # noqa
                        free_port, koyomi, request, wait_for, write_conf)
import lib_dash  # noqa: E402
import lib_inbox  # noqa: E402

SRC = os.environ.get("KOYOMI_SRC") or os.getcwd()
NODE_DIR = os.path.join(SRC, "tests", "node")
# A4 landscape in PostScript points, as chromium writes the MediaBox.
A4_LANDSCAPE = (841.89, 595.28)


def fy_bounds(fy):
    return "%d-04-01" % fy, "%d-03-31" % (fy + 1)


def plan(conf, fy, rules=None):
    """The occurrences the annual view must draw: dated, live, in the FY."""
    lo, hi = fy_bounds(fy)
    args = ["plan", "--from", lo, "--to", hi, "--format", "json"]
    if rules:
        args.append(rules)
    r = koyomi(conf, *args)
    occ = json.loads(r.stdout)["occurrences"]
    return [o for o in occ if not o["adhoc"] and o["status"] != "cancelled"
            and o["end"] >= lo and o["start"] <= hi]


def tasks(conf):
    r = koyomi(conf, "tasks", "--all", "--format", "json")
    return json.loads(r.stdout)["tasks"]


def item_tasks(conf, item):
    return dict((t["assignee"], t) for t in tasks(conf) if t["item"] == item)


def events(port, admin, tid):
    st, _, body = request(port, "GET", "/api/v1/tasks/%d" % tid,
                          headers={"Authorization": "Bearer " + admin})
    return json.loads(body).get("events", []) if st == 200 else []


def pdf_pages(path):
    """[(width, height)] of each page, by pdfinfo or the MediaBoxes."""
    if shutil.which("pdfinfo"):
        r = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", path],
                           capture_output=True, text=True, timeout=60)
        return [(float(m.group(1)), float(m.group(2))) for m in re.finditer(
            r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", r.stdout)]
    with open(path, "rb") as f:
        data = f.read()
    return [(float(m.group(3)) - float(m.group(1)),
             float(m.group(4)) - float(m.group(2))) for m in re.finditer(
        rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]",
        data)]


def write_digest_rules(path, due):
    """One organisation, two deadlines on one day, one digest a person."""
    os.makedirs(path, exist_ok=True)
    adj = "adjust: {to: none, reason: 試験のため書いた日が期限}"
    with open(os.path.join(path, "digest.yaml"), "w") as f:
        f.write("""\
organisations:
  - {id: org-d, name: 新宿区, type: special-ward, code: "131041"}
contacts:
  - {id: c-d, org: org-d, name: 新宿区担当, mail: d@d.example.jp}
policies:
  - {id: dg, steps: [-240h], digest: true}
cycles:
  - id: share
    title: 情報共有
    items:
      - {id: dg1, kind: deadline, title: 研修報告, date: "%(due)s", due: "17:00", %(adj)s, policy: dg, assignees: [org-d]}
      - {id: dg2, kind: deadline, title: 実績報告, date: "%(due)s", due: "17:00", %(adj)s, policy: dg, assignees: [org-d]}
""" % {"due": due, "adj": adj})


def digest_reply(conf_c, inbox):
    """Waits for the digest in c's outgoing Maildir and drops the reply to
    it in c's inbound Maildir; the reply's Message-ID, or None."""
    out = os.path.join(os.path.dirname(conf_c), "mail")
    got = wait_for(lambda: lib_inbox.maildir_messages(out), 60,
                   "c: the digest")
    if not check(got is not None and len(got) == 1, "c: one digest mail "
                 "for the two deadlines: %d" % len(got or [])):
        return None
    m = lib_inbox.reply("新宿区担当 <d@d.example.jp>", "koyomi@example.jp",
                        "Re: " + str(got[0]["Subject"]),
                        "実績報告を提出します。\n",
                        [("実績.pdf", b"%PDF-1.4\n%digest\n",
                          "application/pdf")],
                        in_reply_to=str(got[0]["Message-ID"]))
    tmp = os.path.join(inbox, "tmp", "reply.eml")
    with open(tmp, "wb") as f:
        f.write(m.as_bytes())
    os.rename(tmp, os.path.join(inbox, "new", "1.reply.eml"))
    return str(m["Message-ID"])


def start(rules_dir, name, extra=""):
    port = free_port()
    d = os.path.join(WORK, name)
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "koyomi.conf")
    write_conf(conf, port, "timezone: Asia/Tokyo\n" + extra)
    # write_conf names <dir>/rules; point it at the rules wanted.
    with open(conf) as f:
        text = f.read().replace("rules: %s/rules" % d, "rules: " + rules_dir)
    with open(conf, "w") as f:
        f.write(text)
    return conf, port


def main():
    node = shutil.which("node")
    chromium = shutil.which("chromium")
    pptr = os.path.join(NODE_DIR, "node_modules", "puppeteer-core")
    if not (node and chromium and os.path.isdir(pptr)):
        fail("needs node, chromium and tests/node/node_modules/"
             "puppeteer-core (make deps): %r" % [node, chromium,
                                                 os.path.isdir(pptr)])
        finish()
    today = lib_dash.TODAY
    soon_fy = lib_dash.fiscal_year(today + datetime.timedelta(days=5))
    survey_fy = lib_dash.fiscal_year(today + datetime.timedelta(days=20))
    this_fy = lib_dash.fiscal_year(today)

    rules_a = os.path.join(WORK, "rules-a")
    lib_dash.write_rules(rules_a)
    conf_a, port_a = start(rules_a, "a")
    toks = lib_dash.tokens(conf_a)
    conf_b, port_b = start(os.path.join(SRC, "rules"), "b")
    admin_b = lib_dash.tokens(conf_b)["admin"]
    rules_c = os.path.join(WORK, "rules-c")
    write_digest_rules(rules_c, (today + datetime.timedelta(days=5)).strftime(
        "%Y-%m-%d"))
    inbox_c = os.path.join(WORK, "c", "in")
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(inbox_c, sub), exist_ok=True)
    conf_c, port_c = start(rules_c, "c", 'mail_from: "koyomi '
                           '<koyomi@example.jp>"\nwindow: "00:00-24:00"\n'
                           "inbound: maildir:%s\ninbound_poll: 1\n" % inbox_c)
    coord_c = koyomi(conf_c, "token", "add", "--role", "coordinator",
                     "--cycle", "share", "coord-c").stdout.decode().strip()
    da, db = Daemon(conf_a, port_a, log="a.log"), Daemon(conf_b, port_b,
                                                         log="b.log")
    dc = Daemon(conf_c, port_c, log="c.log")
    try:
        if not (da.wait_ready(30) and db.wait_ready(60) and
                dc.wait_ready(30)):
            finish()
        dg = dict((t["item"], t) for t in tasks(conf_c))
        reply_id = digest_reply(conf_c, inbox_c)
        unmatched = reply_id and wait_for(lambda: [
            ln.split("\t") for ln in koyomi(
                conf_c, "inbox", "list", "--state",
                "unmatched").stdout.decode().splitlines()], 30,
            "c: the reply recorded")
        check(bool(unmatched) and unmatched[0][-1] == "%d %d" % (
            dg["dg1"]["id"], dg["dg2"]["id"]),
            "c: the reply is kept with both tasks as candidates: %r" %
            (unmatched,))
        soon = item_tasks(conf_a, "soon")
        survey = item_tasks(conf_a, "survey")
        plan_b = plan(conf_b, this_fy)
        cycles_b = sorted(set(o["cycle"] for o in plan_b))
        check(len(cycles_b) >= 5, "shipped cycles with dates this year: %r"
              % cycles_b)
        shot_cycle = "kochiku" if "kochiku" in cycles_b else cycles_b[0]
        artifacts = os.path.join(SRC, "build", "artifacts")
        cfg = {
            "chromium": chromium, "work": WORK, "artifacts": artifacts,
            "screenshots": os.environ.get("SCREENSHOTS"),
            "results": os.path.join(WORK, "results.json"),
            "a": {
                "base": "http://127.0.0.1:%d" % port_a,
                "coord": toks["coord-x"], "admin": toks["admin"],
                "fy": soon_fy, "home": "/?fy=%d" % soon_fy,
                "survey_same_fy": survey_fy == soon_fy,
                "soon_uid": soon["city-1"]["uid"],
                "survey_uid": survey["city-1"]["uid"],
                "maildir": os.path.join(WORK, "a", "mail", "new"),
                "plan": plan(conf_a, soon_fy, rules_a),
            },
            "b": {
                "base": "http://127.0.0.1:%d" % port_b, "admin": admin_b,
                "fy": this_fy, "plan": plan_b, "cycles": cycles_b,
                "shot_cycle": shot_cycle,
            },
            "c": {
                "base": "http://127.0.0.1:%d" % port_c, "coord": coord_c,
                "candidates": [dg["dg1"]["id"], dg["dg2"]["id"]],
                "pick": dg["dg2"]["id"],
            },
        }
        cfg_path = os.path.join(WORK, "browser.json")
        with open(cfg_path, "w") as f:
            json.dump(cfg, f, ensure_ascii=False)
        r = subprocess.run([node, os.path.join(NODE_DIR,
                                               "dashboard_browser.js"),
                            cfg_path], capture_output=True, text=True,
                           timeout=480, cwd=WORK)
        sys.stdout.write(r.stdout)
        sys.stdout.write(r.stderr[-3000:])
        check(r.returncode == 0, "the browser script passed (rc %d)"
              % r.returncode)
        try:
            with open(cfg["results"]) as f:
                res = json.load(f)
        except (OSError, ValueError):
            fail("the browser script wrote no results")
            finish()
        after_checks(conf_a, port_a, toks, res, cycles_b)
        dg = dict((t["item"], t) for t in tasks(conf_c))
        check(dg["dg2"]["state"] == "done" and
              dg["dg2"].get("done_via") == "mail" and
              dg["dg1"]["state"] == "open",
              "c: the clicked task is done through the mail, the other "
              "still open: %r" % ([dg["dg1"]["state"], dg["dg2"]],))
    finally:
        ra, rb, rc = da.stop(), db.stop(), dc.stop()
    check(ra == 0 and rb == 0 and rc == 0,
          "daemons stop cleanly (%s, %s, %s)" % (ra, rb, rc))
    finish()


def after_checks(conf_a, port_a, toks, res, cycles_b):
    """What the clicks did, read from the database and the files."""
    soon = item_tasks(conf_a, "soon")
    check(soon["city-1"]["state"] == "done" and
          soon["city-1"]["done_via"] == "dashboard" and
          soon["city-1"]["done_by"] == "coord-x",
          "marked submitted in the browser: %r" % soon["city-1"])
    check(soon["city-2"]["state"] == "open", "…and only that one")
    survey = item_tasks(conf_a, "survey")
    s1 = survey["city-1"]
    check(s1["state"] == "done" and s1["answer"] == "参加" and
          s1["answer_text"] == "2年目" and s1["done_via"] == "link",
          "the survey answered through the mail link: %r" % s1)
    for a in ("city-1", "city-2"):
        ev = [e for e in events(port_a, toks["admin"], survey[a]["id"])
              if e["action"] == "nudged"]
        check(len(ev) == 1 and ev[0]["who"] == "coord-x",
              "the nudge is audited for %s" % a)
    csv = res.get("csv")
    if check(csv is not None and os.path.exists(csv), "the CSV downloaded"):
        with open(csv, "rb") as f:
            data = f.read()
        text = data.decode("utf-8-sig")
        check(data.startswith(b"\xef\xbb\xbf") and
              text.startswith("id,fy,cycle,item,title") and
              text.count("\r\n") >= 4, "the CSV: BOM, header, rows")
    printed = set()
    for p in res.get("pdfs", []):
        pages = pdf_pages(p["path"]) if os.path.exists(p["path"]) else []
        ok = pages and all(abs(w - A4_LANDSCAPE[0]) < 2 and
                           abs(h - A4_LANDSCAPE[1]) < 2 for w, h in pages)
        check(ok, "annual %s printed on %d A4 landscape page(s): %r"
              % (p["cycle"], len(pages), pages[:1]))
        if ok:
            printed.add(p["cycle"])
    check(set(cycles_b) <= printed, "every shipped cycle printed: missing %r"
          % sorted(set(cycles_b) - printed))


if __name__ == "__main__":
    main()
