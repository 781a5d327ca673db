#!/usr/bin/python3
"""daemon_webhook_enable: a disabled webhook endpoint can be enabled again,
and what it missed replayed.

A receiver that answers 500 makes the first task.completed fail; the
daemon, restarted six days later (libfaketime), retries, finds the
endpoint failing for more than 5 days, disables it (the message goes
dead) and announces it by mail. `koyomi webhook list` shows it disabled,
since when, with the last error and a URL cut to scheme://host:port (the
path of a Slack-style URL is its credential; user info is a password).
While disabled, an event queues nothing to send to it: its row is written
dead ("endpoint disabled"). `koyomi webhook replay` refuses a disabled
endpoint. Once the receiver is fixed, `koyomi webhook enable ID --replay`
run beside the running daemon brings it back and requeues both dead
messages: the receiver (one connection) gets them in order, signed,
with their original webhook-id (the one the 500s carried, the one in the
outbox), and then the next event. A second replay finds nothing after
the last message accepted. Unknown ids exit 1; a bad command line exits
2.
"""
import base64
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (FAKETIME_LIB, Daemon, check, faketime_env,  # noqa
                        finish, free_port, koyomi, new_token, request,
                        tasks_of, wait_for, write_conf, write_rules, WORK)
from lib_receivers import hook_server  # noqa: E402

SECRET = "whsec_" + base64.b64encode(b"enable-test-secret-0123456789ab").decode()
SLACK_PATH = "/services/T0SECRET/B0SECRET/xoxSECRETPATH"


class Receiver:
    """Answers every POST with self.status and records what came."""

    def __init__(self):
        self.status = 500
        self.got = []
        self.lock = threading.Lock()
        self.srv = hook_server(0, [SECRET], self.answer)
        self.port = self.srv.server_address[1]

    def answer(self, req):
        body = req["body"]
        kind = body.get("type") if isinstance(body, dict) else None
        with self.lock:
            st = self.status
            self.got.append((req["path"], kind, st, req["id"],
                             req["sig_ok"]))
        return st, {}

    def ids(self, status=None):
        """webhook-ids in arrival order."""
        return [g[3] for g in self.seen(status)]

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
# One connection: arrival order is then the queue's order, which the
# replay must keep. With more, requests in flight at once may arrive in
# any order (koyomi.conf(5), webhook_connections); a replay of two made
# the second arrive first once in a sanitizer run.
write_conf(conf, port, "admin_mail: admin@example.lg.jp\n"
           "webhook_connections: 1\n"
           "webhooks:\n"
           "  - {id: chat, url: \"http://user:pa55word@127.0.0.1:%d%s?token=q"
           "SECRET\", secrets: [\"%s\"]}\n" % (rx.port, SLACK_PATH, SECRET))
admin = new_token(conf, "admin", "root")
auth = {"Authorization": "Bearer " + admin}


def tasks():
    return tasks_of(conf, "pref-a")


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

def outbox_hooks():
    r = koyomi(conf, "outbox", "--format", "json")
    msgs = json.loads(r.stdout or "{}").get("messages", [])
    return sorted((m for m in msgs if m["channel"] == "webhook"),
                  key=lambda m: m["id"])


# 1. The receiver answers 500: the endpoint starts failing.
change(tid, "done")
wait_for(lambda: rx.seen(500), 10, "the receiver's first 500")
first_id = rx.ids(500)[0]
check(first_id and first_id.startswith("msg_"),
      "the failing request has a webhook-id: %r" % first_id)
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

# 3. While disabled, an event queues nothing to send: its row is dead.
n = len(rx.seen())
change(tid, "reopen")
hooks = outbox_hooks()
check(not any(m["state"] in ("pending", "failed", "sending")
              for m in hooks), "nothing queued for a disabled endpoint")
dead = [m for m in hooks if m["state"] == "dead"]
check([m["kind"] for m in dead] == ["task.completed", "task.reopened"],
      "the failed and the new event are dead: %r" % hooks)
check(len(dead) == 2 and dead[0]["msgid"] == first_id,
      "the dead task.completed keeps the id the 500s carried")
check(len(dead) == 2 and dead[1]["attempts"] == 0 and
      "endpoint disabled" in (dead[1]["last_error"] or ""),
      "the event while disabled was never tried: %r" % dead[1:])
r = koyomi(conf, "webhook", "replay", "chat", check_rc=None)
check(r.returncode == 1 and b"enable chat --replay" in r.stderr,
      "replay refuses a disabled endpoint (%d): %r" % (r.returncode,
                                                        r.stderr))
# "Nothing sent while disabled" is read below: the replay after enable
# is the later event; the first requests after this point must be it.

# 4. Receiver fixed; enable and replay from the command line beside the
#    daemon: both dead messages arrive, in order, with their ids.
rx.status = 204
r = koyomi(conf, "webhook", "enable", "chat", "--replay")
out = r.stdout.decode()
print(out, end="")
check(r.returncode == 0 and "chat: enabled (disabled since 20" in out,
      "webhook enable chat --replay: exit 0, enabled: %r" % out)
check("chat: requeued 2 messages" in out, "two messages requeued: %r" % out)
rows, out = listing()
check("chat" in rows and "\tenabled\t" in rows["chat"],
      "listed as enabled again: %r" % out)
want = [m["msgid"] for m in dead]
got = wait_for(lambda: len(rx.ids(204)) >= 2, 15,
               "the replayed messages to reach the receiver")
check(rx.ids(204)[:2] == want,
      "replayed with their original webhook-ids, in order: %r, want %r"
      % (rx.ids(204), want))
check(rx.ids()[n:n + 2] == want,
      "nothing sent while disabled: the first requests after it are the "
      "replay: %r" % rx.seen()[n:])
check(all(g[4] for g in rx.seen(204)), "replayed requests are signed")
check([g[1] for g in rx.seen(204)][:2] == ["task.completed",
                                          "task.reopened"],
      "replayed bodies: %r" % [g[1] for g in rx.seen(204)])
wait_for(lambda: all(m["state"] == "sent" for m in outbox_hooks()), 10,
         "the replayed rows to be sent")
check(all(m["state"] == "sent" for m in outbox_hooks()),
      "replayed rows are sent: %r" % outbox_hooks())
change(tid, "done")
got = wait_for(lambda: len(rx.seen(204, "task.completed")) >= 2, 15,
               "the next event to reach the enabled endpoint")
check(bool(got), "task.completed delivered after enable")
check(len(rx.seen()) > n + 2, "the receiver was called again")
check(len(set(rx.ids(204))) == len(rx.ids(204)),
      "no webhook-id delivered twice: %r" % rx.ids(204))

# Nothing more to replay after the last message accepted.
r = koyomi(conf, "webhook", "replay", "chat")
check(b"chat: requeued 0 messages" in r.stdout,
      "a second replay: %r" % r.stdout)
r = koyomi(conf, "webhook", "replay", "chat", "--since", "yesterday",
           check_rc=None)
check(r.returncode == 1 and b"--since" in r.stderr,
      "a bad --since: exit 1 (%d)" % r.returncode)

# 5. Idempotent; unknown id; usage.
r = koyomi(conf, "webhook", "enable", "chat")
check(r.returncode == 0, "enable an enabled endpoint: exit 0")
r = koyomi(conf, "webhook", "enable", "nosuch", check_rc=None)
check(r.returncode == 1 and b"nosuch" in r.stderr,
      "unknown endpoint: exit 1 (%d)" % r.returncode)
for bad in (["webhook"], ["webhook", "enable"], ["webhook", "frob"],
            ["webhook", "list", "extra"], ["webhook", "replay"],
            ["webhook", "enable", "chat", "--since", "2026-01-01"],
            ["webhook", "replay", "chat", "--replay"]):
    r = koyomi(conf, *bad, check_rc=None)
    check(r.returncode == 2, "%s: exit 2 (%d)" % (" ".join(bad),
                                                   r.returncode))
d.stop()
finish()
