#!/usr/bin/python3
"""daemon_reload: rules reload beside the running rules.
SIGHUP with a valid change swaps it in; SIGHUP with a broken file keeps
the old rules serving and logs the error with path:line:col; POST
/api/v1/reload answers 422 with the located errors, then 200 once fixed;
editing a file (inotify, debounced) and adding a file in a new subfolder
reload by themselves; /metrics counts all of it. The mail templates load
with the rules: a broken one saved in the templates folder fails the
reload the same way (located error, previous rules and templates kept,
422 from the API) until fixed, and at startup it is fatal.
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, check, fail, finish, free_port, get,  # noqa
                        metric, new_token, request, wait_for, write_conf,
                        write_rules, KOYOMI, WORK)

RULES = os.path.join(WORK, "rules")
TPL = os.path.join(WORK, "tpl")
port = free_port()
conf = os.path.join(WORK, "koyomi.conf")
write_rules(RULES, meeting="全国会議")
write_conf(conf, port, "templates: %s\n" % TPL)


def write_template(text):
    os.makedirs(TPL, exist_ok=True)
    tmp = os.path.join(TPL, ".reminder.txt.tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, os.path.join(TPL, "reminder.txt"))


GOOD_TPL = "Subject: 催促 {{title}}\n\n{{to}}\n期限：{{due}}\n"
BAD_TPL = "Subject: 催促 {{title}}\n\n{{to}}\n{{nope}}\n"
write_template(GOOD_TPL)
admin = new_token(conf, "admin", "root")

d = Daemon(conf, port)
if not d.wait_ready():
    finish()


def feed():
    st, body = get(port, "/feeds/test.ics")
    return body if st == 200 else ""


def reloads():
    return (metric(port, "koyomi_reloads_total"),
            metric(port, "koyomi_reload_failures_total"))


check("全国会議" in feed(), "first rules served")

# 1. SIGHUP with a valid change.
write_rules(RULES, meeting="ブロック会議")
d.signal(signal.SIGHUP)
wait_for(lambda: "ブロック会議" in feed(), 5, "SIGHUP to swap in the change")
check("全国会議" not in feed().replace("CANCELLED", ""), "old title gone")
# The write also wakes inotify: at least 2 reloads, none failed.
r = reloads()
check(r[0] >= 2 and r[1] == 0, "metrics: reloads counted, none failed %r" % (r,))

# 2. SIGHUP with a broken file: old rules stay, error located in the log.
bad = os.path.join(RULES, "bad.yaml")
with open(bad + ".tmp", "w") as f:
    f.write("cycles:\n  - id: b\n    title: x\n    organiser: nobody\n"
            "    items:\n      - {id: i, kind: meeting, title: y, "
            "date: 13月40日}\n")
os.rename(bad + ".tmp", bad)
d.signal(signal.SIGHUP)
wait_for(lambda: reloads()[1] >= 1, 5, "the failed reload to be counted")
# The rename woke inotify too: that attempt fails the same way.
wait_for(lambda: reloads()[1] >= 2, 5, "the inotify-triggered attempt")
log = d.logtext()
check(bad + ":4:" in log or bad + ":6:" in log,
      "log has the error with its location")
check("previous rules stay" in log, "log says the old rules stay")
check("ブロック会議" in feed(), "old rules keep serving")
st, _ = get(port, "/healthz")
check(st == 200, "healthy with a failed reload")

# 3. The API: 422 with located errors, old rules kept.
auth = {"Authorization": "Bearer " + admin}
st, hdrs, body = request(port, "POST", "/api/v1/reload", headers=auth)
doc = json.loads(body) if body.startswith(b"{") else {}
check(st == 422 and "error" in doc, "API reload with errors: 422")
errs = doc.get("errors", [])
check(errs and all(e.startswith(bad + ":") for e in errs if "error" in e),
      "errors are path:line:col: %r" % errs[:2])
check(any(":4:" in e or ":6:" in e for e in errs), "errors carry lines")
os.unlink(bad)
# Removing the file reloads by itself (inotify); wait for it to settle.
wait_for(lambda: metric(port, "koyomi_reload_errors") == 0, 5,
         "the removal to reload")
st, hdrs, body = request(port, "POST", "/api/v1/reload", headers=auth)
doc = json.loads(body) if body.startswith(b"{") else {}
check(st == 200 and doc.get("ok") is True and doc.get("occurrences", 0) > 0,
      "API reload 200 with a summary: %r" % doc)

# 4. inotify: an edit in place reloads within the debounce.
before = reloads()[0]
t0 = time.monotonic()
write_rules(RULES, meeting="担当者会議")
if wait_for(lambda: "担当者会議" in feed(), 5, "inotify reload"):
    check(True, "edit picked up in %.2f s" % (time.monotonic() - t0))
# A second edit is the later event: it is served at least one debounce
# after it was written, so a second reload of the first edit (its burst
# of events not gathered into one) would have come before it.
write_rules(RULES, meeting="担当者会議二")
wait_for(lambda: "担当者会議二" in feed(), 5, "the second edit")
check(reloads()[0] - before == 2, "one reload for each edit (debounced): %d"
      % (reloads()[0] - before))

# 5. A new subfolder with a file in it.
sub = os.path.join(RULES, "more")
n = reloads()[0]
os.mkdir(sub)
# The new folder reloads once: by then it is watched.
wait_for(lambda: reloads()[0] > n, 5, "the new subfolder to be noticed")
with open(os.path.join(sub, "x.yaml.tmp"), "w") as f:
    f.write("""\
cycles:
  - id: x
    title: 追加事業
    organiser: mhlw
    items:
      - {id: m2, kind: meeting, title: 追加会議, date: 7月1日}
feeds:
  - {id: extra, title: 追加, cycles: [x]}
""")
os.rename(os.path.join(sub, "x.yaml.tmp"), os.path.join(sub, "x.yaml"))
wait_for(lambda: get(port, "/feeds/extra.ics")[0] == 200, 5,
         "the file in a new subfolder to load")
with open(os.path.join(sub, "x.yaml"), "a") as f:
    f.write("# touched\n")
n = reloads()[0]
wait_for(lambda: reloads()[0] > n, 5, "an edit inside the subfolder")

# 6. A broken mail template: the watch on the templates folder reloads,
# the reload fails with the template's location, nothing is swapped.
failed = reloads()[1]
write_template(BAD_TPL)     # first: every reload from here sees it
write_rules(RULES, meeting="地区会議")
wait_for(lambda: reloads()[1] > failed, 5, "the template edit to reload")
tpath = os.path.join(TPL, "reminder.txt")
log = d.logtext()
check(tpath + ":4:1: error: template reminder has no variable {{nope}}"
      in log, "log has the template error with its location")
check("1 in the mail templates; the previous rules stay" in log,
      "log says the templates failed and the old rules stay")
check("担当者会議" in feed() and "地区会議" not in feed(),
      "rules saved with a broken template are not swapped in")
st, hdrs, body = request(port, "POST", "/api/v1/reload", headers=auth)
doc = json.loads(body) if body.startswith(b"{") else {}
errs = doc.get("errors", [])
check(st == 422 and any(e.startswith(tpath + ":4:1: error:") for e in errs),
      "API reload: 422 naming the template: %r" % errs[:2])
write_template(GOOD_TPL)
wait_for(lambda: "地区会議" in feed(), 5, "the fixed template to reload")
st, hdrs, body = request(port, "POST", "/api/v1/reload", headers=auth)
check(st == 200, "API reload 200 once the template is fixed")

rc = d.stop()
check(rc == 0, "SIGTERM exit 0")

# 7. At startup a broken template is fatal, with its location.
write_template(BAD_TPL)
r = subprocess.run([KOYOMI, "-c", conf, "run"], capture_output=True,
                   timeout=30)
err = r.stderr.decode()
check(r.returncode == 1, "broken template at startup: exit 1 (%d)"
      % r.returncode)
check(tpath + ":4:1: error:" in err and "mail templates in " + TPL in err,
      "startup names the template and the folder: " + err.strip()[-300:])
finish()
