#!/usr/bin/python3
"""faults_resend: five `kill -9` while 2,000 mails and 2,000 webhooks go
out; each kill makes the next start send again at most one message per
open connection, and nothing is lost.

Setup: 2,000 organisations with one contact each and one deadline whose
only reminder step (0s) passed two minutes ago, mail and webhook: the
first start queues 2,000 mails (aiosmtpd, lib_receivers.py) and 2,000
signed webhooks to one endpoint (lib_receivers.py checks signatures).
mail_connections and webhook_connections are 4 (the defaults, written
out): at most 4 + 4 messages are on the wire at any moment.

Five rounds: start `koyomi run`, wait for a seeded random number of
deliveries (counts, not times: an ASan build is slower), a short random
time more, SIGKILL. At each kill, the messages the receivers accepted
whose outbox row is not 'sent' are those the next start sends again:
  - at most 4 mails and 4 webhooks per kill (one per connection);
then a last start drains the outbox, and:
  - every row is 'sent', every Message-ID and webhook-id arrived, none
    that has no row; every webhook signed right;
  - the duplicates that arrived are exactly those counted at the kills,
    each with the id (and body) of its first delivery.
KOYOMI_SEED=N replays the same choices.
"""
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (KOYOMI, WORK, check, fail, finish,  # noqa: E402
                        free_port, stop_process, wait_for)
import lib_receivers  # noqa: E402

ORGS = 2000
KILLS = 5
CONNS = 4
SECRET = "whsec_cmVzZW5kLXJlc2VuZC1yZXNlbmQtcmVzZW5kLXI="
SEED = int(os.environ.get("KOYOMI_SEED") or
           random.SystemRandom().randrange(1 << 31))
print("seed %d (replay with KOYOMI_SEED=%d)" % (SEED, SEED), flush=True)
rnd = random.Random(SEED)
DB = os.path.join(WORK, "koyomi.db")
CONF = os.path.join(WORK, "koyomi.conf")
SMTP_DIR = os.path.join(WORK, "smtp")
HOOK_DIR = os.path.join(WORK, "hook")
HOOKS = os.path.join(HOOK_DIR, "hooks.jsonl")
procs = []


def setup():
    rules = os.path.join(WORK, "rules")
    os.makedirs(rules)
    due = time.time() - 120
    jst = time.gmtime(due + 9 * 3600)
    with open(os.path.join(rules, "r.yaml"), "w") as f:
        f.write("organisations:\n  - {id: mhlw, name: 事務局, type: ministry}\n")
        f.write("".join("  - {id: o%04d, name: 団体%04d, type: municipality}\n"
                        % (i, i) for i in range(ORGS)))
        f.write("contacts:\n")
        f.write("".join("  - {id: c%04d, org: o%04d, name: 担当%04d, "
                        "mail: c%04d@o%04d.example.jp}\n"
                        % (i, i, i, i, i) for i in range(ORGS)))
        f.write("""\
groups:
  - id: all
    name: 全団体
    select: {type: [municipality]}
policies:
  - {id: now, steps: [0s], channels: [mail, webhook], digest: false}
cycles:
  - id: rs
    title: 再送試験
    organiser: mhlw
    policy: now
    items:
      - {id: a, kind: deadline, title: 提出, date: "%s", due: "%s", assignees: all}
""" % (time.strftime("%Y-%m-%d", jst), time.strftime("%H:%M", jst)))
    smtp_port, http_port, listen = free_port(), free_port(), free_port()
    while len({smtp_port, http_port, listen}) < 3:
        http_port, listen = free_port(), free_port()
    for kind, port, d, extra in (("smtp", smtp_port, SMTP_DIR, ()),
                                 ("http", http_port, HOOK_DIR, (SECRET,))):
        p = lib_receivers.start(kind, port, d, *extra, quiet=True)
        if p is None:
            fail("the %s receiver did not start" % kind)
            return False
        procs.append(p)
    with open(CONF, "w") as f:
        f.write("""\
listen: 127.0.0.1:%d
base_url: http://127.0.0.1:%d
database: %s
rules: %s
timezone: Asia/Tokyo
window: "00:00-24:00"
# The deadline passed before this first start: chase it anyway.
chase_past: true
mail_transport: smtp://127.0.0.1:%d
mail_starttls: optional
mail_from: "koyomi <koyomi@example.jp>"
mail_connections: %d
webhook_connections: %d
secret_key_file: %s/secret.key
webhooks:
  - {id: hook, url: "http://127.0.0.1:%d/ok", secrets: [%s]}
""" % (listen, listen, DB, rules, smtp_port, CONNS, CONNS, WORK, http_port,
       SECRET))
    return True


class Received:
    """What the receivers have accepted so far, read incrementally."""

    def __init__(self):
        self.mail = {}      # Message-ID -> times
        self.hook = {}      # webhook-id -> [records]
        self.seen = set()
        self.off = 0

    def update(self):
        for name in os.listdir(SMTP_DIR):
            if not name.endswith(".eml") or name in self.seen:
                continue
            self.seen.add(name)
            with open(os.path.join(SMTP_DIR, name), "rb") as f:
                m = re.search(rb"(?im)^Message-ID:[ \t]*(\S+)", f.read())
            mid = m.group(1).decode() if m else ""
            self.mail[mid] = self.mail.get(mid, 0) + 1
        if os.path.exists(HOOKS):
            with open(HOOKS, "rb") as f:
                f.seek(self.off)
                data = f.read()
            end = data.rfind(b"\n") + 1
            self.off += end
            for ln in data[:end].splitlines():
                h = json.loads(ln)
                self.hook.setdefault(h["id"], []).append(h)

    def count(self):
        return len(self.seen) + sum(len(v) for v in self.hook.values())


def deliveries():
    n = sum(1 for x in os.listdir(SMTP_DIR) if x.endswith(".eml"))
    try:
        with open(HOOKS, "rb") as f:
            n += f.read().count(b"\n")
    except OSError:
        pass
    return n


def rows():
    db = sqlite3.connect("file:%s?mode=ro" % DB, uri=True, timeout=30)
    try:
        return {r[0]: (r[1], r[2]) for r in db.execute(
            "SELECT msgid, channel, state FROM outbox")}
    finally:
        db.close()


def start(n):
    log = open(os.path.join(WORK, "run%d.log" % n), "wb")
    p = subprocess.Popen([KOYOMI, "-c", CONF, "run"], stdout=log, stderr=log)
    procs.append(p)
    return p, log


def ready(n, p):
    def up():
        with open(os.path.join(WORK, "run%d.log" % n), "rb") as f:
            return b"ready: " in f.read() or p.poll() is not None
    wait_for(up, 120, "READY of run %d" % n)
    return p.poll() is None


def main():
    if not setup():
        return
    got = Received()
    at_kill = []            # (mail, hook) accepted but not 'sent'
    for i in range(KILLS):
        p, log = start(i)
        if not ready(i, p):
            fail("run %d exited before READY" % i)
            return
        base = deliveries()
        got.update()
        # Never more than are still owed: the wait must end.
        k = min(rnd.randint(100, 600),
                2 * ORGS - len(got.mail) - len(got.hook))
        if not wait_for(lambda: deliveries() >= base + k or
                        p.poll() is not None, 120,
                        "%d deliveries in run %d" % (k, i)):
            return
        time.sleep(rnd.uniform(0, 0.02))
        p.send_signal(signal.SIGKILL)
        p.wait()
        log.close()
        # A receiver may still be storing what it read before the kill.
        time.sleep(0.5)
        got.update()
        r = rows()
        m = sum(1 for mid in got.mail if r.get(mid, ("", ""))[1] != "sent")
        h = sum(1 for hid in got.hook if r.get(hid, ("", ""))[1] != "sent")
        at_kill.append((m, h))
        print("kill %d after %d deliveries: %d rows, %d sent; accepted and "
              "not written: %d mails, %d webhooks" % (
                  i + 1, got.count(), len(r),
                  sum(1 for v in r.values() if v[1] == "sent"), m, h),
              flush=True)
        check(m <= CONNS and h <= CONNS, "kill %d: at most %d mails and %d "
              "webhooks to send again (%d, %d)" % (i + 1, CONNS, CONNS, m, h))
    p, log = start(KILLS)
    if not ready(KILLS, p):
        fail("the last run exited before READY")
        return

    def drained():
        r = rows()
        return len(r) == 2 * ORGS and all(v[1] == "sent" for v in r.values())
    wait_for(drained, 240, "the outbox to drain")
    check(stop_process(p, "daemon", 30) == 0, "the last daemon stops "
          "cleanly")
    log.close()
    got.update()
    r = rows()
    mails = {m for m, v in r.items() if v[0] == "mail"}
    hooks = {m for m, v in r.items() if v[0] == "webhook"}
    check(len(mails) == ORGS and len(hooks) == ORGS,
          "%d mails and %d webhooks queued (%d, %d)" % (ORGS, ORGS,
                                                      len(mails), len(hooks)))
    check(set(got.mail) == mails, "every mail arrived, none without a row")
    check(set(got.hook) == hooks, "every webhook arrived, none without a row")
    check(all(h["sig_ok"] and h["status"] == 204
              for v in got.hook.values() for h in v),
          "every webhook signed right and accepted")
    check(all(len({json.dumps(h["body"], sort_keys=True) for h in v}) == 1
              for v in got.hook.values()),
          "a webhook sent again carries the same body")
    dm = sum(v - 1 for v in got.mail.values())
    dh = sum(len(v) - 1 for v in got.hook.values())
    print("duplicates: %d mails, %d webhooks over %d kills (at the kills: "
          "%r)" % (dm, dh, KILLS, at_kill), flush=True)
    check(dm == sum(a[0] for a in at_kill) and
          dh == sum(a[1] for a in at_kill),
          "the duplicates are the messages accepted and not written at "
          "the kills")
    check(dm + dh <= KILLS * 2 * CONNS, "at most %d messages sent twice "
          "(%d)" % (KILLS * 2 * CONNS, dm + dh))


signal.signal(signal.SIGTERM, lambda s, f: sys.exit("terminated"))
try:
    main()
finally:
    for q in procs:
        if q.poll() is None:
            q.send_signal(signal.SIGTERM)
    for q in procs:
        try:
            q.wait(10)
        except subprocess.TimeoutExpired:
            q.kill()
finish()
