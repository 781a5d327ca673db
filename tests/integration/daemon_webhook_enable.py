#!/usr/bin/python3
"""daemon_webhook_enable: a disabled webhook endpoint can be enabled again.

A receiver that answers 500 makes the first task.completed fail; the
daemon, restarted six days later (libfaketime), retries, finds the
endpoint failing for more than 5 days, disables it and announces it by
mail. `koyomi webhook list` shows it disabled, since when, with the last
error and a URL cut to scheme://host:port (the path of a Slack-style URL
is its credential; user info is a password). While disabled, events
queue nothing for it. Once the receiver is fixed, `koyomi webhook enable
ID` run beside the running daemon brings it back: the next event is
delivered. Unknown ids exit 1; a bad command line exits 2.
"""
import base64
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (FAKETIME_LIB, Daemon, check, faketime_env,  # noqa
                        finish, free_port, koyomi, new_token, request,
                        wait_for, write_conf, write_rules, WORK)

SECRET = "whsec_" + base64.b64encode(b"enable-test-secret-0123456789ab").decode()
SLACK_PATH = "/services/T0SECRET/B0SECRET/xoxSECRETPATH"


class Receiver:
    """Answers every POST with self.status and records what came."""

    def __init__(self):
        self.status = 500
        self.got = []
        self.lock = threading.Lock()
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                try:
                    kind = json.loads(body.decode()).get("type")
                except ValueError:
                    kind = None
                with outer.lock:
                    st = outer.status
                    outer.got.append((self.path, kind, st))
                self.send_response(st)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def seen(self, status=None, kind=None):
        with self.lock:
            return [g for g in self.got if (status is None or g[2] == status)
                    and (kind is None or g[1] == kind)]


if not os.path.exists(FAKETIME_LIB):
    print("FAIL: libfaketime missing (Debian package faketime)")
    sys.exit(1)

rx = Receiver()
port = free_port()
conf = os.path.join(WORK, "koyomi.conf")
write_rules(os.path.join(WORK, "rules"))
write_conf(conf, port, "admin_mail: admin@example.lg.jp\n"
           "webhooks:\n"
           "  - {id: chat, url: \"http://user:pa55word@127.0.0.1:%d%s?token=q"
           "SECRET\", secrets: [\"%s\"]}\n" % (rx.port, SLACK_PATH, SECRET))
admin = new_token(conf, "admin", "root")
auth = {"Authorization": "Bearer " + admin}


def tasks():
    r = koyomi(conf, "tasks", "--assignee", "pref-a", "--format", "json")
    try:
        return json.loads(r.stdout)["tasks"]
    except (ValueError, KeyError):
        return []


def change(tid, op):
    st, _, _ = request(port, "POST", "/api/v1/tasks/%d/%s" % (tid, op),
                       body={}, headers=auth)
    check(st == 200, "API %s task %d: %d" % (op, tid, st))


def listing():
    """`koyomi webhook list` as {id: line}."""
    r = koyomi(conf, "webhook", "list")
    out = r.stdout.decode()
    return {ln.split("\t")[0]: ln for ln in out.splitlines() if ln}, out


def secretless(text, what):
    for s in ("SECRET", "pa55word", "user:", "/services", "token"):
        check(s not in text, "%s shows no %r" % (what, s))


d = Daemon(conf, port)
if not d.wait_ready():
    finish()
ts = wait_for(tasks, 10, "the daemon to create pref-a's tasks")
if not ts:
    finish()
tid = ts[0]["id"]

# Healthy at first: listed as enabled, URL cut to its origin.
rows, out = listing()
check("chat" in rows and "\tenabled\t" in rows["chat"],
      "webhook list: chat enabled: %r" % out)
check("http://127.0.0.1:%d…" % rx.port in out,
      "webhook list: URL is scheme://host:port…: %r" % out)
secretless(out, "webhook list")

# 1. The receiver answers 500: the endpoint starts failing.
change(tid, "done")
wait_for(lambda: rx.seen(500), 10, "the receiver's first 500")
rows, out = listing()
check("chat" in rows and "\tenabled\t" in rows["chat"] and "500" in
      rows["chat"], "failing but still enabled, last error shown: %r" % out)
d.stop()

# 2. Six days later the retry fails again: disabled and announced.
env = faketime_env({}, "+6d")
d = Daemon(conf, port, env=env)
if not d.wait_ready():
    finish()


def disabled():
    rows, _ = listing()
    return "chat" in rows and "\tdisabled\t" in rows["chat"]


wait_for(disabled, 15, "the endpoint to be disabled after 5 days")
rows, out = listing()
print(out, end="")
line = rows.get("chat", "")
f = line.split("\t")
check(len(f) == 5 and f[2] == "disabled" and f[3].startswith("20") and
      "500" in f[4], "disabled line: id, url, state, since, last error: %r"
      % line)
secretless(out, "webhook list of a disabled endpoint")
check("disabled" in d.logtext(), "the daemon logs the disabling")
r = koyomi(conf, "outbox", "--format", "json")
msgs = json.loads(r.stdout or "{}").get("messages", [])
check(any(m["kind"] == "endpoint_disabled" and
          m["destination"] == "admin@example.lg.jp" for m in msgs),
      "the administrators are told by mail")

# 3. While disabled, an event queues nothing for it.
n = len(rx.seen())
change(tid, "reopen")
r = koyomi(conf, "outbox", "--format", "json")
msgs = json.loads(r.stdout or "{}").get("messages", [])
check(not any(m["channel"] == "webhook" and m["state"] in
              ("pending", "failed", "sending") for m in msgs),
      "nothing queued for a disabled endpoint")

# 4. Receiver fixed; enable from the command line beside the daemon.
rx.status = 204
r = koyomi(conf, "webhook", "enable", "chat")
check(r.returncode == 0, "webhook enable chat: exit 0")
rows, out = listing()
check("chat" in rows and "\tenabled\t" in rows["chat"],
      "listed as enabled again: %r" % out)
change(tid, "done")
got = wait_for(lambda: rx.seen(204, "task.completed"), 15,
               "the next event to reach the enabled endpoint")
check(bool(got), "task.completed delivered after enable")
check(len(rx.seen()) > n, "the receiver was called again")

# 5. Idempotent; unknown id; usage.
r = koyomi(conf, "webhook", "enable", "chat")
check(r.returncode == 0, "enable an enabled endpoint: exit 0")
r = koyomi(conf, "webhook", "enable", "nosuch", check_rc=None)
check(r.returncode == 1 and b"nosuch" in r.stderr,
      "unknown endpoint: exit 1 (%d)" % r.returncode)
for bad in (["webhook"], ["webhook", "enable"], ["webhook", "frob"],
            ["webhook", "list", "extra"]):
    r = koyomi(conf, *bad, check_rc=None)
    check(r.returncode == 2, "%s: exit 2 (%d)" % (" ".join(bad),
                                                   r.returncode))
d.stop()
finish()
