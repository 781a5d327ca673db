#!/usr/bin/python3
"""Delivery through the real daemon: `koyomi done` queues a receipt mail
and a task.completed webhook in the outbox; the running daemon sends them
to an aiosmtpd server and to webhook receivers that check signatures with
their own HMAC code (lib_receivers.py), all on 127.0.0.1.

Checks: Japanese headers decode, body is UTF-8, Message-IDs unique; with
the SMTP server down the mail waits (not dead) and arrives once it is
back; a receiver answering 500 three times gets the event on the 4th
attempt with the same webhook-id. Retry delays are shrunk with
KOYOMI_TEST_RETRY_SCALE (tests only, see notifier/retry.h).
"""
import email
import email.policy
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import free_port  # noqa: E402
import lib_receivers  # noqa: E402

SRC = os.environ["KOYOMI_SRC"]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
W = os.getcwd()
# A private copy: a rebuild of the tree during the test must not swap the
# binary under the daemon and the CLI calls.
KOYOMI = os.path.join(W, "koyomi")
shutil.copy2(os.environ["KOYOMI"], KOYOMI)
procs = []


def fail(msg):
    print("FAIL:", msg)
    for p in procs:
        if p.poll() is None:
            p.kill()
    log = os.path.join(W, "run.log")
    if os.path.exists(log):
        print(open(log).read()[-3000:])
    sys.exit(1)


def receiver(kind, port, d):
    p = lib_receivers.start(kind, port, d, SECRET)
    if p is None:
        fail("receiver %s did not start" % kind)
    procs.append(p)
    return p


def stop(p):
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=10)


def koyomi(*args):
    r = subprocess.run([KOYOMI, "-c", os.path.join(W, "koyomi.conf")] + list(args),
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        fail("koyomi %s: %s %s" % (" ".join(args), r.returncode, r.stderr))
    return r.stdout


def wait_for(pred, secs, what):
    t0 = time.time()
    while time.time() - t0 < secs:
        if pred():
            return
        time.sleep(0.1)
    fail("timed out waiting for " + what)


def outbox():
    return json.loads(koyomi("outbox", "--format", "json"))


def hooks(path):
    f = os.path.join(W, "hook", "hooks.jsonl")
    if not os.path.exists(f):
        return []
    return [r for r in map(json.loads, open(f)) if r["path"] == path]


def mails():
    out = []
    for p in sorted(glob.glob(os.path.join(W, "smtp", "*.eml"))):
        raw = open(p, "rb").read()
        out.append((raw, email.message_from_bytes(raw, policy=email.policy.default)))
    return out


def receipts():
    """The receipts among the mails: the shipped rules may also have
    reminders due, depending on the day the test runs."""
    return [(raw, m) for raw, m in mails()
            if str(m["Subject"]).startswith("【受付完了】")]


def main():
    smtp_port, http_port, listen = free_port(), free_port(), free_port()
    smtp = receiver("smtp", smtp_port, os.path.join(W, "smtp"))
    receiver("http", http_port, os.path.join(W, "hook"))
    with open("koyomi.conf", "w") as f:
        f.write("""listen: 127.0.0.1:%d
base_url: http://127.0.0.1:%d
database: %s/koyomi.db
rules: %s/rules
timezone: Asia/Tokyo
window: "00:00-23:59"
mail_transport: smtp://127.0.0.1:%d
mail_starttls: optional
mail_from: "こよみ通知 <koyomi@example.jp>"
secret_key_file: %s/secret.key
webhooks:
  - id: ok
    url: http://127.0.0.1:%d/ok
    secrets: [%s]
    events: [task.completed]
  - id: flaky
    url: http://127.0.0.1:%d/flaky
    secrets: [%s]
    events: [task.completed]
""" % (listen, listen, W, SRC, smtp_port, W, http_port, SECRET, http_port, SECRET))
    env = dict(os.environ, KOYOMI_TEST_RETRY_SCALE="0.0005")
    log = open(os.path.join(W, "run.log"), "w")
    daemon = subprocess.Popen([KOYOMI, "-c", "koyomi.conf", "run"], stdout=log,
                              stderr=subprocess.STDOUT, env=env)
    procs.append(daemon)
    wait_for(lambda: "ready" in open(os.path.join(W, "run.log")).read(), 30,
             "daemon ready")
    tasks = json.loads(koyomi("tasks", "--format", "json"))
    tasks = tasks["tasks"] if isinstance(tasks, dict) else tasks
    if len(tasks) < 2:
        fail("need two tasks, got %d" % len(tasks))
    a, b = tasks[0]["id"], tasks[1]["id"]

    # 1. Receipt mail and signed webhooks for one completion.
    koyomi("done", str(a), "--by", "試験")
    wait_for(lambda: len(receipts()) >= 1 and len(hooks("/ok")) >= 1, 30,
             "first receipt and webhook")
    raw, m = receipts()[0]
    body = m.get_body().get_content()
    if "本メールは koyomi から自動送信しています。" not in body:
        fail("body: %r" % body[:200])
    raw.decode("ascii")  # 7-bit on the wire: encoded headers, base64 body
    if m["From"].addresses[0].display_name != "こよみ通知":
        fail("From: %r" % str(m["From"]))
    ok = hooks("/ok")
    if not all(r["sig_ok"] and r["status"] == 204 for r in ok):
        fail("webhook /ok: %r" % ok)
    if ok[0]["body"]["type"] != "task.completed" or ok[0]["body"]["data"]["task_id"] != a:
        fail("webhook body: %r" % ok[0]["body"])

    # 2. /flaky: 500, 500, 500, then 204 with the same webhook-id.
    wait_for(lambda: any(r["status"] == 204 for r in hooks("/flaky")), 30,
             "4th attempt on /flaky")
    fl = hooks("/flaky")
    if [r["status"] for r in fl] != [500, 500, 500, 204] or len({r["id"] for r in fl}) != 1:
        fail("flaky attempts: %r" % [(r["id"], r["status"]) for r in fl])

    # 3. SMTP down: the next receipt waits, then arrives when it is back.
    stop(smtp)
    koyomi("done", str(b), "--by", "試験")
    wait_for(lambda: any(x["kind"] == "receipt" and x["attempts"] >= 1 and
                         x["state"] in ("failed", "pending", "sending")
                         for x in outbox()["messages"]), 30, "a failed attempt")
    if outbox()["counts"]["dead"] != 0:
        fail("a message went dead while the server was down")
    receiver("smtp", smtp_port, os.path.join(W, "smtp"))
    wait_for(lambda: len(receipts()) >= 2, 60,
             "the receipt after the server came back")
    ids = [m["Message-ID"] for _, m in mails()]
    if len(set(ids)) != len(ids):
        fail("Message-IDs not unique: %r" % ids)
    daemon.send_signal(signal.SIGTERM)
    daemon.wait(timeout=20)
    for p in procs:
        if p.poll() is None:
            stop(p)
    print("PASS notify_smtp")


if __name__ == "__main__":
    main()
