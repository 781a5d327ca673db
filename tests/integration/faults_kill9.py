#!/usr/bin/python3
"""faults_kill9: `kill -9` 50 times at random moments while about 2,000
messages go out and while the rules reload; nothing is lost.

Setup: 500 organisations with one contact each and deadline A for all of
them, whose only reminder step (0s) passed two minutes ago: 500 tasks
that each owe one reminder mail and one task.reminder webhook at the
first start. Midway, a new rule file adds deadline B, due the same with
one step a second after it (overdue mail, task.overdue webhook): a reload
creates 500 more tasks and 1,000 more messages. Mail goes to a real
aiosmtpd server (smtp://), webhooks to a real HTTP receiver that checks
the Standard Webhooks signature (lib_receivers.py), both on 127.0.0.1;
two webhook endpoints split the event types, so two delivery queues.
Deadlines already over when the daemon learns of them are history
(対象外・過去分) unless the configuration asks for them: chase_past: true
here, as the whole point is what a start owes.
A third file with a future deadline C for 20 of the organisations is
rewritten now and then, moving its date: a reload that announces the
move by mail to each of them.

Fifty rounds, each: start `koyomi run`, wait a seeded random short time,
SIGKILL. The moments vary by round: during start-up (at once, right after
the rules were loaded, or any time before READY), while a wave of
reminders is being queued (the moment the first reminder step is visible
in the database, polled, or a random moment), in the middle of the
dispatch (after a random number of deliveries), after a SIGHUP, after a
rule file change (inotify), during a stream of completions through the
API (POST /api/v1/tasks/ID/done, admin token; after a random number of
answers, or the moment one is visible in the database, before its
answer) or through `koyomi done`.
The first start is killed while starting (it may be creating the schema).
After every kill:
  - PRAGMA integrity_check is "ok";
  - no outbox row seen before has vanished or changed its Message-ID /
    webhook-id, and no row went back from 'sent';
  - every completion acknowledged so far (HTTP 2xx, CLI exit 0) is done.
Then a last start drains the outbox, and:
  - nothing is left pending/sending/failed and nothing is dead;
  - every outbox row arrived (mail by Message-ID, webhook by webhook-id),
    and everything that arrived has its row (nothing sent and then lost);
  - duplicates carry the same id and the same content: per recipient and
    task one reminder Message-ID and one webhook-id, however often they
    arrived;
  - every open A/B task got its reminder (one reminder_steps row, one
    mail, one webhook); a done one at most that, queued before its
    completion (one completed before its reminder was queued gets none);
    every completed task exactly one receipt and one task.completed
    webhook; every recorded move of deadline C its one mail;
  - every acknowledged completion is still done.

Waits are counts where the machine's speed matters (deliveries,
acknowledged completions, the reload in the log), then a short random
time, so a slow ASan build on a loaded machine still gets killed in the
middle of things. The seed is printed; KOYOMI_SEED=N replays the same
choices (the daemon's own timing still varies).
"""
import email
import email.policy
import glob
import http.client
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (WORK, check, check_stopped, fail,  # noqa: E402
                        finish, free_port, request, stop_process, wait_for)
import lib_receivers  # noqa: E402

SRC = os.environ.get("KOYOMI_SRC") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
# A private copy: a rebuild of the tree during the test must not swap the
# binary under the daemon and the CLI calls.
KOYOMI = os.path.join(WORK, "koyomi-bin")
shutil.copy2(os.environ.get("KOYOMI") or os.path.join(SRC, "koyomi"), KOYOMI)

SEED = int(os.environ.get("KOYOMI_SEED") or
           random.SystemRandom().randrange(1 << 31))
print("seed %d (replay with KOYOMI_SEED=%d)" % (SEED, SEED), flush=True)
rnd = random.Random(SEED)

ORGS = 500          # x 2 deadlines x (mail + webhook) = 2,000 reminders
MOVERS = 20         # organisations with the deadline that reloads move
KILLS = 50
JST = datetime.timezone(datetime.timedelta(hours=9))
SECRET = "whsec_a2lsbDkta2lsbDkta2lsbDkta2lsbDkta2lsbDk="
DB = os.path.join(WORK, "koyomi.db")
CONF = os.path.join(WORK, "koyomi.conf")
LOGS = os.path.join(WORK, "logs")
READY_SECS = 90     # generous: ASan build on a loaded machine
DRAIN_SECS = 240

procs = []


# ---------------------------------------------------------------- setup

def distinct_ports(n):
    # free_port can hand out a just-released port twice.
    ports = []
    while len(ports) < n:
        p = free_port()
        if p not in ports:
            ports.append(p)
    return ports


def receiver(kind, port, d, *extra):
    p = lib_receivers.start(kind, port, d, *extra, quiet=True)
    if p is None:
        fail("the %s receiver did not start" % kind)
        raise SystemExit(1)
    procs.append(p)
    return p


def org(i):
    return "o%03d" % i


def write_main_rules(d, due):
    orgs = "".join("  - {id: %s, name: 団体%03d}\n" % (org(i), i)
                   for i in range(ORGS))
    contacts = "".join("  - {id: c%03d, org: %s, name: 担当%03d, "
                       "mail: c%03d@%s.example.jp}\n"
                       % (i, org(i), i, i, org(i)) for i in range(ORGS))
    with open(os.path.join(d, "main.yaml"), "w") as f:
        f.write("""\
organisations:
  - {id: mhlw, name: 事務局, type: ministry}
%scontacts:
%sgroups:
  - {id: all, name: 全団体, members: [%s]}
  - {id: movers, name: 変更対象, members: [%s]}
policies:
  - {id: now, steps: [0s], channels: [mail, webhook], digest: false}
  - {id: late, steps: [+1s], channels: [mail, webhook], digest: false}
  - {id: later, steps: [-1d], channels: [mail]}
cycles:
  - id: k9
    title: 強制終了試験
    organiser: mhlw
    policy: now
    items:
      - {id: a, kind: deadline, title: 提出A, date: "%s", due: "%s", assignees: all,
         adjust: {to: none, reason: 試験は数分前の期限を確かめる}}
""" % (orgs, contacts, ", ".join(org(i) for i in range(ORGS)),
       ", ".join(org(i) for i in range(MOVERS)),
       due.strftime("%Y-%m-%d"), due.strftime("%H:%M")))


def write_wave_rules(d, due):
    """Deadline B for everyone, due as long ago as A: 1,000 more messages."""
    tmp = os.path.join(d, ".wave.yaml.tmp")
    with open(tmp, "w") as f:
        f.write("""\
cycles:
  - id: k9b
    title: 強制終了試験（追加）
    organiser: mhlw
    policy: late
    items:
      - {id: b, kind: deadline, title: 提出B, date: "%s", due: "%s", assignees: all,
         adjust: {to: none, reason: 試験は数分前の期限を確かめる}}
""" % (due.strftime("%Y-%m-%d"), due.strftime("%H:%M")))
    os.rename(tmp, os.path.join(d, "wave.yaml"))


def write_moved_rules(d, version):
    """The file reloads pick up: deadline C moves by a day each version.
    Both days are kept as written: a weekend pair would otherwise move to
    the same Friday, and C would never move."""
    day = datetime.datetime.now(JST).date() + datetime.timedelta(
        days=20 + version % 2)
    tmp = os.path.join(d, ".moved.yaml.tmp")
    with open(tmp, "w") as f:
        f.write("""\
cycles:
  - id: mv
    title: 日程変更試験
    organiser: mhlw
    policy: later
    items:
      - {id: c, kind: deadline, title: 提出C, date: "%s", assignees: movers,
         adjust: {to: none, reason: 試験は書いた日付への移動を確かめる}}
      - {id: m, kind: meeting, title: 会議第%d版, date: "%s", time: "10:00-11:00",
         adjust: {to: none, reason: 試験は書いた日付への移動を確かめる}}
""" % (day.isoformat(), version, day.isoformat()))
    os.rename(tmp, os.path.join(d, "moved.yaml"))


def cli(*args, timeout=60):
    return subprocess.run([KOYOMI, "-c", CONF] + list(args),
                          capture_output=True, text=True, timeout=timeout)


# ---------------------------------------------------------------- daemon

class Run:
    def __init__(self, n, env):
        self.log = os.path.join(LOGS, "run%02d.log" % n)
        self.logf = open(self.log, "wb")
        self.t0 = time.monotonic()
        self.up_after = None
        self.queued_after = None
        self.p = subprocess.Popen([KOYOMI, "-c", CONF, "run"],
                                  stdout=self.logf, stderr=self.logf, env=env)
        procs.append(self.p)
        threading.Thread(target=self.watch, daemon=True).start()

    def text(self):
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return f.read()

    def ready(self):
        """True once READY was logged; None if it exited first."""
        def up():
            if "ready: " in self.text():
                return "up"
            if self.p.poll() is not None:
                return "exited"
            return None
        r = None
        if until(lambda: up() is not None, READY_SECS):
            r = up()
        else:
            fail("timed out waiting for READY in " + self.log)
        self.up_after = time.monotonic() - self.t0
        if r != "up":
            fail("daemon not ready (%s): %s" % (r, self.text()[-1500:]))
            return False
        return True

    def queued(self):
        """Whether reminders were queued in this run."""
        return ": reminder step(s) queued" in self.text()

    def watch(self):
        """Notes when a big batch of reminders (a wave) was queued."""
        while self.p.poll() is None:
            if self.up_after is not None and re.search(
                    r"chase: ([4-9]\d\d) reminder step\(s\) queued",
                    self.text()):
                self.queued_after = time.monotonic() - self.t0 - \
                    self.up_after
                return
            time.sleep(0.003)

    def sigkill(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGKILL)
        self.p.wait()

    def kill9(self):
        was_ready = "ready: " in self.text()
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGKILL)
        rc = self.p.wait()
        self.logf.close()
        return rc, was_ready

    def stop(self):
        rc = stop_process(self.p, "daemon", 30)
        self.logf.close()
        return rc


# ---------------------------------------------------------------- completions

class Completions:
    """Acknowledged completions and those whose answer never came."""

    def __init__(self):
        self.todo = []
        self.known = set()
        self.acked = {}      # task id -> "api" | "cli"
        self.maybe = set()   # sent, no answer: may or may not have committed
        self.lock = threading.Lock()

    def add(self, tasks):
        """A seeded fifth of the deadline A/B tasks not seen before."""
        new = sorted(t for t, (item, _, _) in tasks.items()
                     if item in ("a", "b") and t not in self.known)
        self.known.update(new)
        pick = rnd.sample(new, len(new) // 5)
        with self.lock:
            self.todo = pick + self.todo

    def take(self):
        with self.lock:
            return self.todo.pop(0) if self.todo else None

    def api_burst(self, port, token, stop, r):
        hdr = {"Authorization": "Bearer " + token}
        while not stop.is_set():
            tid = self.take()
            if tid is None:
                return
            try:
                st, _, _ = request(port, "POST", "/api/v1/tasks/%d/done" % tid,
                                   body={"by": "kill9", "note": "試験"},
                                   headers=hdr, timeout=5)
            except (OSError, http.client.HTTPException):
                st = 0      # killed under it: it may or may not have committed
            with self.lock:
                if 200 <= st < 300:
                    self.acked[tid] = "api"
                else:
                    self.maybe.add(tid)
            time.sleep(r.uniform(0.01, 0.06))

    def cli_burst(self, stop, r):
        while not stop.is_set():
            tid = self.take()
            if tid is None:
                return
            try:
                rc = cli("done", str(tid), "--by", "kill9-cli").returncode
            except subprocess.TimeoutExpired:
                rc = -1
            with self.lock:
                if rc == 0:
                    self.acked[tid] = "cli"
                else:
                    self.maybe.add(tid)
            time.sleep(r.uniform(0, 0.05))


# ---------------------------------------------------------------- database

def db_snapshot():
    """integrity_check, outbox rows, task states; the daemon is down."""
    if not os.path.exists(DB):
        return ["ok"], {}, {}      # killed before it was created
    db = sqlite3.connect("file:%s?mode=rw" % DB, uri=True, timeout=30)
    try:
        ok = [r[0] for r in db.execute("PRAGMA integrity_check")]
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = "
                          "'outbox'").fetchone():
            return ok, {}, {}      # killed before the schema was made
        rows = {r[0]: r[1:] for r in db.execute(
            "SELECT id, msgid, state, channel, destination, kind FROM outbox")}
        tasks = {r[0]: r[1:] for r in db.execute(
            "SELECT t.id, t.item, t.state, EXISTS (SELECT 1 FROM "
            "reminder_steps r WHERE r.task = t.id) FROM tasks t")}
    finally:
        db.close()
    return ok, rows, tasks


def until_count(query, base, timeout):
    """Waits, polling the live database, until query counts more than
    base; returns at once if that is already so."""
    db = None

    def grown():
        nonlocal db
        try:
            if db is None:
                db = sqlite3.connect("file:%s?mode=rw" % DB, uri=True,
                                     timeout=0.1)
            return db.execute(query).fetchone()[0] > base
        except sqlite3.Error:
            return False        # not created yet, or busy: look again
    try:
        return until(grown, timeout, 0.001)
    finally:
        if db is not None:
            db.close()


STEPS_Q = "SELECT COUNT(DISTINCT task) FROM reminder_steps"
DONE_Q = "SELECT COUNT(*) FROM tasks WHERE state = 'done'"


def deliveries(smtp_dir, hooks_file):
    """How many deliveries the receivers have recorded so far."""
    n = sum(1 for f in os.listdir(smtp_dir) if f.endswith(".eml"))
    try:
        with open(hooks_file, "rb") as f:
            n += f.read().count(b"\n")
    except OSError:
        pass
    return n


def until(pred, timeout, step=0.01):
    """Like wait_for, but running out of time is no failure here."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return False


def main():
    os.makedirs(LOGS)
    rules = os.path.join(WORK, "rules")
    os.makedirs(rules)
    smtp_port, http_port, listen = distinct_ports(3)
    smtp_dir, hook_dir = os.path.join(WORK, "smtp"), os.path.join(WORK, "hook")
    hooks_file = os.path.join(hook_dir, "hooks.jsonl")
    receiver("smtp", smtp_port, smtp_dir)
    receiver("http", http_port, hook_dir, SECRET)
    due = datetime.datetime.now(JST) - datetime.timedelta(minutes=2)
    write_main_rules(rules, due)
    version = 0
    write_moved_rules(rules, version)
    with open(CONF, "w") as f:
        f.write("""\
listen: 127.0.0.1:%d
chase_past: true
base_url: http://127.0.0.1:%d
database: %s
rules: %s
timezone: Asia/Tokyo
window: "00:00-24:00"
mail_transport: smtp://127.0.0.1:%d
mail_starttls: optional
mail_from: "koyomi <koyomi@example.jp>"
secret_key_file: %s/secret.key
webhooks:
  - id: hook-a
    url: http://127.0.0.1:%d/ok
    secrets: [%s]
    events: [task.reminder, task.completed]
  - id: hook-b
    url: http://127.0.0.1:%d/ok
    secrets: [%s]
    events: [task.overdue, event.*]
""" % (listen, listen, DB, rules, smtp_port, WORK, http_port, SECRET,
       http_port, SECRET))
    r = cli("check", rules)
    if not check(r.returncode == 0, "the rules check: %s" % r.stdout.strip()
                 + r.stderr.strip()[-500:]):
        return
    # Failed deliveries (none expected) retry within seconds, not hours.
    env = dict(os.environ, KOYOMI_TEST_RETRY_SCALE="0.001")

    # Modes, shuffled: every kind of moment occurs several times. The
    # first start creates the tasks and queues the first 1,000 reminders:
    # kill it while starting, the next one in the middle of the dispatch.
    # Somewhere in the middle, a rule file adds deadline B for everyone:
    # a reload that creates 500 tasks and queues 1,000 more reminders.
    rest = (["boot"] * 7 + ["dispatch"] * 11 + ["sighup"] * 8 +
            ["rules"] * 8 + ["api"] * 8 + ["cli"] * 4)
    rnd.shuffle(rest)
    modes = ["boot", "dispatch"] + rest
    # The start after the wave has 1,000 reminders to queue: in the middle
    # of that if it can.
    w = rnd.randint(12, 22)
    modes[w:w] = ["wave", "dispatch"]
    assert len(modes) == KILLS

    comp = Completions()
    token = ""           # issued after the first kill
    seen = {}            # outbox id -> (msgid, state) after the last kill
    bad_integrity, vanished, regressed, lost_acks = [], [], [], []
    before_ready = with_waiting = 0
    ready_times = []
    busy = True          # reminders or messages still waiting
    unsent = 0           # outbox rows not 'sent' at the last kill
    owed = True          # open A/B tasks not yet reminded, or the wave
    chase_est = 0.2      # seconds from READY to the reminders queued
    waved = False
    chase_kills = 0
    steps_taken = 0      # tasks with a reminder step at the last kill
    n_done = 0           # tasks done at the last kill
    t0 = time.monotonic()
    boots = 0
    for i, mode in enumerate(modes):
        run = Run(i, env)
        stop = threading.Event()
        worker = None
        note = ""
        if mode == "boot":
            # Somewhere in start-up: at once (config, database, schema),
            # right after the rules were loaded (tasks reconciled, outbox
            # recovered), or anywhere up to the usual time to READY. Each
            # in turn, not drawn: a seed that never drew "exec" killed too
            # few starts before READY once start-up took 40 ms.
            how = ["exec", "loaded", "any"][boots % 3]
            boots += 1
            delay = rnd.uniform(0, 1)
            if how == "exec":
                time.sleep(delay * 0.005)
            elif how == "loaded":
                until(lambda: ": reload (startup)" in run.text(), 20, 0.001)
            else:
                time.sleep(delay * (sorted(ready_times)[len(ready_times) // 2]
                                    if ready_times else 0.3))
            note = how
        elif not run.ready():
            run.kill9()
            break
        else:
            ready_times.append(run.up_after)
        if mode == "dispatch" and owed:
            # While the reminders are being queued: either the moment the
            # first of them became visible in the database (a step taken
            # must come with its messages, in the same transaction), or a
            # random moment within the time queueing took before.
            if chase_kills == 0 or rnd.random() < 0.5:
                got = until_count(STEPS_Q, steps_taken, 30)
                run.sigkill()
                note = "queueing: at the first commit%s" % (
                    "" if got else " (none came)")
            else:
                t = rnd.uniform(0, chase_est)
                time.sleep(max(0, t - (time.monotonic() - run.t0 -
                                       run.up_after)))
                run.sigkill()
                note = "queueing: +%.3f s of ~%.3f s%s" % (
                    t, chase_est, ", after a commit" if run.queued() else "")
            chase_kills += 1
        elif mode == "dispatch":
            # While messages are going out: after a random number of
            # deliveries (ASan builds and loaded machines are slow, so a
            # count, not a time), then a random moment.
            # Each row not yet 'sent' is delivered (again) by this run:
            # waiting for no more deliveries than that cannot hang.
            k = rnd.randint(1, 150)
            if unsent:
                k = min(k, unsent)
            extra = rnd.uniform(0, 0.1)
            if busy:
                base = deliveries(smtp_dir, hooks_file)
                got = until(lambda: deliveries(smtp_dir, hooks_file) >=
                            base + k, 20)
                note = "after %d deliveries" % k if got else "slow"
                time.sleep(extra)
            else:
                time.sleep(extra * 10)
                note = "idle"
        elif mode == "sighup":
            time.sleep(rnd.uniform(0, 0.2))
            run.p.send_signal(signal.SIGHUP)
            if rnd.random() < 0.5:
                # Right after the reload: while tasks are reconciled.
                until(lambda: run.text().count(": reload (") >= 2, 20)
                note = "after the reload"
            time.sleep(rnd.uniform(0, 0.4))
        elif mode in ("rules", "wave"):
            if mode == "wave":
                write_wave_rules(rules, due)
                waved = True
            else:
                version += 1
                write_moved_rules(rules, version)
            if rnd.random() < 0.5:
                until(lambda: run.text().count(": reload (") >= 2, 20)
                note = "after the reload"
            # The watcher waits 300 ms for more changes.
            time.sleep(rnd.uniform(0, 0.8))
        elif mode in ("api", "cli"):
            # During a stream of completions: after k acknowledged ones,
            # while the next requests are under way.
            wr = random.Random(rnd.random())
            k = rnd.randint(1, 6 if mode == "api" else 3)
            if mode == "api":
                worker = threading.Thread(target=comp.api_burst,
                                          args=(listen, token, stop, wr))
            else:
                worker = threading.Thread(target=comp.cli_burst,
                                          args=(stop, wr))
            base = len(comp.acked)
            at_commit = mode == "api" and rnd.random() < 0.5
            worker.start()
            if at_commit:
                # The moment the k-th completion is visible in the
                # database, before its answer: its receipt and webhook
                # must be in the same transaction.
                got = until_count(DONE_Q, n_done + k - 1, 20)
                run.sigkill()
                note = "at the commit of completion %d" % k
            else:
                got = until(lambda: len(comp.acked) >= base + k or
                            not worker.is_alive(), 20)
                note = "after %d completions" % k
                time.sleep(rnd.uniform(0, 0.05))
            if not got:
                note += " (slow)"
        rc, was_ready = run.kill9()
        if run.queued_after is not None:
            # How long queueing a wave takes on this build and machine.
            chase_est = 1.2 * run.queued_after
        stop.set()
        if worker is not None:
            worker.join(60)
        before_ready += not was_ready
        if rc != -signal.SIGKILL:
            fail("round %d (%s): the daemon exited by itself (rc %s): %s"
                 % (i, mode, rc, run.text()[-1500:]))
            break
        # Killed on purpose: any status, but no sanitizer report.
        check_stopped(rc, run.text(), "round %d (%s)" % (i, mode),
                      want_rc=None)
        ok, rows, tasks = db_snapshot()
        if ok != ["ok"]:
            bad_integrity.append((i, mode, ok[:5]))
            fail("round %d (%s): integrity_check: %r" % (i, mode, ok[:5]))
        for oid, (msgid, state) in seen.items():
            now = rows.get(oid)
            if now is None or now[0] != msgid:
                vanished.append((i, oid, msgid, now))
            elif state == "sent" and now[1] != "sent":
                regressed.append((i, oid, now[1]))
        seen = {oid: (v[0], v[1]) for oid, v in rows.items()}
        with comp.lock:
            lost = [t for t in comp.acked if tasks[t][1] != "done"]
        lost_acks.extend((i, t) for t in lost)
        comp.add(tasks)
        sent = sum(1 for v in rows.values() if v[1] == "sent")
        unsent = len(rows) - sent
        busy = unsent > 0 or not rows
        nb = sum(1 for t in tasks.values() if t[0] == "b")
        steps_taken = sum(1 for t in tasks.values() if t[2])
        n_done = sum(1 for t in tasks.values() if t[1] == "done")
        was_owed = owed
        owed = not tasks or (waved and nb < ORGS) or any(
            t[0] in ("a", "b") and t[1] == "open" and not t[2]
            for t in tasks.values())
        if mode == "dispatch" and was_owed and owed and \
                run.queued_after is None:
            # Killed before the first commit: aim later next time.
            chase_est *= 1.5
        with_waiting += busy
        if i == 0:
            # After the first start (killed maybe while it created the
            # schema): the database must still be usable by the CLI.
            r = cli("token", "add", "--role", "admin", "kill9")
            token = r.stdout.split()[-1] if r.returncode == 0 and \
                r.stdout else ""
            if not check(token.startswith("ky_"), "admin token issued "
                         "after the first kill: %s" % r.stderr[-300:]):
                return
        print("round %2d %-8s %s %5d rows %5d sent %4d done  %s" % (
            i, mode, "ready" if was_ready else "early", len(rows), sent,
            sum(1 for t in tasks.values() if t[1] == "done"), note),
            flush=True)
    print("%d kills in %.1f s: %d before READY, %d while reminders were "
          "queued, %d with messages waiting; READY after %.2f s (median)" % (
              len(modes), time.monotonic() - t0, before_ready, chase_kills,
              with_waiting, sorted(ready_times)[len(ready_times) // 2]
              if ready_times else 0), flush=True)
    check(not bad_integrity, "integrity_check ok after every kill (%r)"
          % bad_integrity[:5])
    check(not vanished, "no outbox row vanished or changed its id (%r)"
          % vanished[:5])
    check(not regressed, "no sent row went back (%r)" % regressed[:5])
    check(not lost_acks, "every acknowledged completion survived each kill "
          "(%r)" % lost_acks[:5])
    check(before_ready >= 3, "some kills landed before READY (%d)"
          % before_ready)
    check(with_waiting >= 10, "many kills landed with messages waiting (%d)"
          % with_waiting)
    if not seen:
        return

    # The last start: drain everything.
    run = Run(KILLS, env)
    if not run.ready():
        run.kill9()
        return

    def drained():
        res = cli("outbox", "--format", "json")
        if res.returncode != 0:
            return None
        c = json.loads(res.stdout)["counts"]
        return c.get("pending", 0) + c.get("sending", 0) + \
            c.get("failed", 0) == 0 and c
    t1 = time.monotonic()
    counts = wait_for(drained, DRAIN_SECS, "the outbox to drain")
    print("outbox after the drain (%.1f s): %r" % (time.monotonic() - t1,
                                                 counts), flush=True)
    # A receiver records a delivery before it answers; the row is 'sent'
    # only after the answer, so everything sent is recorded by now.
    rc = run.stop()
    check_stopped(rc, run.text(), "the last daemon (SIGTERM)")
    ok, _, _ = db_snapshot()
    check(ok == ["ok"], "integrity_check ok at the end (%r)" % ok[:5])
    verify(comp, hooks_file, smtp_dir, counts)


def verify(comp, hooks_file, smtp_dir, counts):
    db = sqlite3.connect(DB, timeout=30)
    db.row_factory = sqlite3.Row
    rows = list(db.execute("SELECT id, msgid, channel, destination, kind, "
                           "subject, body, state FROM outbox JOIN "
                           "outbox_bodies USING (id) ORDER BY id"))
    tasks = {t["id"]: t for t in db.execute(
        "SELECT id, assignee, item, title, state FROM tasks")}
    steps = {}
    for s in db.execute("SELECT task, step FROM reminder_steps"):
        steps.setdefault(s["task"], []).append(s["step"])
    moves = {}
    for e in db.execute("SELECT task, COUNT(*) FROM task_events "
                        "WHERE action = 'due_changed' GROUP BY task"):
        moves[e[0]] = e[1]
    db.close()

    check(counts and counts.get("dead", 0) == 0,
          "no message is dead (%r)" % (counts,))
    check(all(r["state"] == "sent" for r in rows),
          "every outbox row is sent (%r)" % sorted({r["state"] for r in rows}))

    # What arrived.
    mails = {}           # Message-ID -> [(rcpt, subject, raw)]
    for p in sorted(glob.glob(os.path.join(smtp_dir, "*.eml"))):
        with open(p, "rb") as f:
            raw = f.read()
        m = email.message_from_bytes(raw, policy=email.policy.default)
        with open(p[:-4] + ".env") as f:
            rcpt = f.read().split()
        mails.setdefault(str(m["Message-ID"]).strip(), []).append(
            (tuple(rcpt), str(m["Subject"]), raw))
    hooks = {}           # webhook-id -> [record]
    if os.path.exists(hooks_file):
        with open(hooks_file) as f:
            for line in f:
                h = json.loads(line)
                hooks.setdefault(h["id"], []).append(h)
    print("received %d mails (%d ids), %d webhooks (%d ids)" % (
        sum(map(len, mails.values())), len(mails),
        sum(map(len, hooks.values())), len(hooks)), flush=True)
    check(all(h["sig_ok"] and h["status"] == 204
              for v in hooks.values() for h in v),
          "every webhook was signed right and accepted")

    mail_rows = {r["msgid"]: r for r in rows if r["channel"] == "mail"}
    hook_rows = {r["msgid"]: r for r in rows if r["channel"] == "webhook"}
    missing = [m for m in mail_rows if m not in mails]
    check(not missing, "every queued mail arrived (%d of %d missing: %r)"
          % (len(missing), len(mail_rows), missing[:3]))
    missing = [m for m, r in hook_rows.items()
               if not any(h["status"] == 204 for h in hooks.get(m, []))]
    check(not missing, "every queued webhook arrived (%d of %d missing: %r)"
          % (len(missing), len(hook_rows), missing[:3]))
    stray = [m for m in mails if m not in mail_rows]
    check(not stray, "every mail that arrived has its outbox row (%r)"
          % stray[:3])
    stray = [m for m in hooks if m not in hook_rows]
    check(not stray, "every webhook that arrived has its outbox row (%r)"
          % stray[:3])
    # The same id means the same message.
    diff = [m for m, v in mails.items()
            if len({(x[0], x[1]) for x in v}) != 1 or
            (m in mail_rows and v[0][0] != (mail_rows[m]["destination"],))]
    check(not diff, "mail duplicates are the same message (%r)" % diff[:3])
    diff = [m for m, v in hooks.items()
            if len({json.dumps(h["body"], sort_keys=True) for h in v}) != 1]
    check(not diff, "webhook duplicates carry the same body (%r)" % diff[:3])
    dup_mails = sum(len(v) - 1 for v in mails.values())
    dup_hooks = sum(len(v) - 1 for v in hooks.values())
    print("duplicates (same id, after a kill): %d mails, %d webhooks"
          % (dup_mails, dup_hooks), flush=True)

    # Per task: which rows it got.
    by_addr = {}         # contact address -> task ids, by title
    for t in tasks.values():
        n = int(t["assignee"][1:])
        by_addr.setdefault("c%03d@%s.example.jp" % (n, t["assignee"]),
                           {})[t["title"]] = t["id"]
    per_task = {}        # task id -> kind -> [outbox ids]
    unknown = []
    for r in rows:
        if r["channel"] == "mail":
            titles = by_addr.get(r["destination"], {})
            hit = [tid for title, tid in titles.items()
                   if title in (r["subject"] or "")]
            if len(hit) != 1:
                unknown.append((r["id"], r["kind"], r["destination"]))
                continue
            per_task.setdefault(hit[0], {}).setdefault(
                "mail:" + r["kind"], []).append(r["id"])
        else:
            body = json.loads(bytes(r["body"]).decode())
            tid = (body.get("data") or {}).get("task_id")
            if tid is None:
                continue        # event.changed and the like
            per_task.setdefault(tid, {}).setdefault(
                "hook:" + r["kind"], []).append(r["id"])
    check(not unknown, "every mail row belongs to one task (%r)"
          % unknown[:3])

    acked = set(comp.acked) if comp else set()
    lost = [t for t in acked if tasks[t]["state"] != "done"]
    check(not lost, "every acknowledged completion is done at the end "
          "(%d acknowledged; lost %r)" % (len(acked), lost[:5]))
    check(len(acked) >= 10, "completions were acknowledged during the kills "
          "(%d)" % len(acked))

    problems = []
    reminded = done = 0
    for tid, t in tasks.items():
        got = per_task.get(tid, {})
        rem_mail = got.get("mail:reminder", []) + got.get("mail:overdue", [])
        rem_hook = got.get("hook:task.reminder", []) + \
            got.get("hook:task.overdue", [])
        receipts = got.get("mail:receipt", [])
        completed = got.get("hook:task.completed", [])
        if t["item"] in ("a", "b"):
            st = steps.get(tid, [])
            if len(st) > 1 or len(rem_mail) > 1 or len(rem_hook) > 1:
                problems.append((tid, "more than one reminder", st, got))
            elif len(st) != len(rem_mail) or len(st) != len(rem_hook):
                problems.append((tid, "step and messages disagree", st, got))
            elif t["state"] == "open" and not st:
                problems.append((tid, "open and never reminded", st, got))
            reminded += len(st)
        if t["state"] == "done":
            done += 1
            if len(receipts) != 1 or len(completed) != 1:
                problems.append((tid, "done: receipt/completed", got))
            elif rem_mail and max(rem_mail + rem_hook) > completed[0]:
                problems.append((tid, "reminded after its completion", got))
        elif receipts or completed:
            problems.append((tid, "open with a receipt", got))
        if t["item"] == "c":
            ch = got.get("mail:changed", [])
            if len(ch) != moves.get(tid, 0):
                problems.append((tid, "due moves vs mails", moves.get(tid),
                                 ch))
    check(not problems, "every task got exactly what it should (%d "
          "problems: %r)" % (len(problems), problems[:3]))
    print("%d tasks reminded, %d done, %d due-date moves announced, %d rows"
          % (reminded, done, sum(moves.values()), len(rows)), flush=True)
    nab = sum(1 for t in tasks.values() if t["item"] in ("a", "b"))
    check(nab == 2 * ORGS, "deadlines A and B have %d tasks (%d)"
          % (2 * ORGS, nab))
    check(len(rows) >= 2 * 2 * ORGS - 2 * len(acked),
          "about 2,000 messages went through the outbox (%d)" % len(rows))
    check(sum(moves.values()) > 0, "some reloads moved deadline C")


def on_term(signum, frame):
    # Killed by the runner's timeout: still stop the daemon and receivers.
    raise SystemExit("terminated by signal %d" % signum)


signal.signal(signal.SIGTERM, on_term)
try:
    main()
finally:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
finish()
