#!/usr/bin/python3
"""ops_upgrade: schema migrations keyed on PRAGMA user_version.

1. A database koyomi creates has user_version equal to the number of
   migrations in daemon/store/schema.h (read by compiling the header, so
   the test follows every migration appended later).
2. The shipped migrations are the released ones: each one's SHA-256 is
   pinned below, so editing a shipped migration (instead of appending a
   new one) fails here, and a new migration must be pinned once shipped.
3. For EVERY earlier schema version N (1 .. latest-1): a database built by
   applying migrations 1..N with SQLite, holding a task with its audit
   event and reminder step, outbox rows (a mail still pending, a webhook
   sent) and an endpoint's health row, is opened by the running daemon:
   user_version becomes the latest, every row survives, the pending mail
   of the old database is delivered (to the Maildir) and marked sent,
   `koyomi tasks --all` lists the task, and every table and index is the
   same as in a freshly created database.
4. A database from a newer koyomi (user_version beyond ours) is refused,
   not silently used.
5. Migration 5 (history is history): an open task created after its due
   time becomes past (対象外・過去分: not overdue, not listed as open);
   one created before it, or already done, does not; `koyomi track`
   makes the past one overdue like the others.
"""
import glob
import hashlib
import json
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, check, finish, free_port, koyomi,  # noqa
                        wait_for, WORK)

SRC = os.environ.get("KOYOMI_SRC") or os.getcwd()

# SHA-256 of each released migration's SQL, in order.
RELEASED = [
    "ac97ed5a4d39655f5860b82c64934cf48db6469cfce26a13f376b9d6907afa57",
    "3ff29a035cbc0b9ad3be2482aa50af6fcc752731d8c3cd7835bc7ed52b234ecd",
    "dbcbea63c79c022e0272247308bc04d6540cc053efe11d3fc39e4ad7b5aad7a7",
    "5613f5ecad4a8dd5f168183e963d4716c024b2a810c132478aaa01b64d130dcf",
    # 5: replies by mail (inbox_messages, inbox_files, mail_refs, …).
    "28bbb9c9d6d84ca17141135067be88b589e0da9df365dffc3e6087b75a534c61",
    # 6: tasks.past (history is history) and the (fy, due) index.
    "6f42121a409ba109289beea9aecaa469babc5992f67862a2d9953e1d624dabf6",
    # 7: the outbox's due rows through indexes (head, outbox_line, …).
    "260bab65f47f193f3ba3e57a4206e633d72852a3597026a50b39c32ee74de638",
    # 8: tasks.next_step, so a reminder pass reads what is due.
    "3c2b88fab1adbaa05f6aaa44d8e4898d025c31fb55233540aef95647296e6fdc",
    # 9: the outbox rebuilt without IN lists of three (CHECK, indexes,
    # head triggers), its bodies in outbox_bodies.
    "913c775a31dd9ab48e7c37c84123709ca446de6f87902d06542eecdd16accd94",
    # 10: replies to a digest (mail_digest_refs, inbox_messages.candidates).
    "56054c66846c7fdbb5caf08232bebc192c01fed8254d0e49fef03245ebae461c",
    # 11: /metrics from indexes (tasks_count, task_events_via).
    "40b69b2a80b6da1fa762648425e991ede95e4cf3556f99f209e3f61a53167ac0",
]


def migrations():
    """Every migration's SQL, straight from daemon/store/schema.h."""
    with open("dump.c", "w") as f:
        f.write('#include <stdio.h>\n#include "daemon/store/schema.h"\n'
                'int main(void) { size_t i, n = sizeof schema_migrations /'
                ' sizeof schema_migrations[0];\n'
                ' for (i = 0; i < n; i++) { fputs(schema_migrations[i],'
                ' stdout); putchar(0); } return 0; }\n')
    subprocess.run(["cc", "-I", SRC, "-o", "dump", "dump.c"], check=True)
    out = subprocess.run(["./dump"], check=True, capture_output=True).stdout
    return [m.decode() for m in out.split(b"\0")[:-1]]


def write_conf(name, port):
    os.makedirs("rules", exist_ok=True)
    with open("rules/a.yaml", "w") as f:
        # The rules the old database's task came from: an upgrade keeps
        # the rules, so the task stays what it was (not cancelled).
        f.write("organisations:\n"
                "  - {id: mhlw, name: 厚生労働省, type: ministry}\n"
                "  - {id: pref-a, name: Ａ県, type: prefecture}\n"
                "cycles:\n"
                "  - id: t\n    title: テスト事業\n    organiser: mhlw\n"
                "    items:\n"
                "      - {id: d, kind: deadline, title: 参加意向調査,"
                " date: 5月15日, assignees: [pref-a]}\n")
    path = os.path.join(WORK, name + ".conf")
    with open(path, "w") as f:
        f.write(f"listen: 127.0.0.1:{port}\nbase_url: http://127.0.0.1:{port}\n"
                f"database: {name}.db\nrules: rules\ntimezone: Asia/Tokyo\n"
                f"mail_transport: maildir:mail-{name}\n"
                f"secret_key_file: secret.key\n")
    return path


def columns(db):
    c = sqlite3.connect(db)
    out = {}
    for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type='table'"
                          " AND name NOT LIKE 'sqlite_%'"):
        out[t] = [(r[1], r[2], r[3], r[5])
                  for r in c.execute(f"PRAGMA table_info({t})")]
    idx = sorted(r[0] for r in c.execute(
        "SELECT name FROM sqlite_master WHERE type='index' AND sql NOT NULL"))
    c.close()
    return out, idx


def version(db):
    c = sqlite3.connect(db)
    v = c.execute("PRAGMA user_version").fetchone()[0]
    c.close()
    return v


def mail_body(v):
    return ("From: koyomi <koyomi@example.jp>\r\nTo: old@example.jp\r\n"
            "Subject: schema v%d\r\nMessage-ID: <old-v%d@koyomi.test>\r\n"
            "Date: Mon, 03 Mar 2025 09:00:00 +0900\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            "queued by schema version %d\r\n" % (v, v, v)).encode()


def build_old(path, ms, v):
    """A database at schema version v, with rows in the tables every
    version has (only the columns of version 1 are written)."""
    db = sqlite3.connect(path)
    for sql in ms[:v]:
        db.executescript(sql)
    db.execute("PRAGMA user_version = %d" % v)
    db.execute("INSERT INTO tasks (id, uid, assignee, cycle, item, fy, title,"
               " due, due_day, state, created, updated) VALUES (7,"
               " 't.d.fy2025@koyomi', 'pref-a', 't', 'd', 2025, '参加意向調査',"
               " 1747296000, '2025-05-15', 'done', 1740000000, 1740000001)")
    db.execute("INSERT INTO task_events (task, at, action, who, via)"
               " VALUES (7, 1740000001, 'done', 'alice', 'cli')")
    bodies = [mail_body(v), b'{"type":"task.completed"}']
    # From version 9 on, a message's bytes are a row of outbox_bodies.
    col, ph = (", body", ", ?") if v < 9 else ("", "")
    db.execute("INSERT INTO outbox (id, msgid, channel, destination, kind,"
               " subject%s, state, attempts, next_attempt, created)"
               " VALUES (1, ?, 'mail', 'old@example.jp', 'reminder',"
               " ?%s, 'pending', 0, 1740000000, 1740000000)" % (col, ph),
               ("<old-v%d@koyomi.test>" % v, "schema v%d" % v) +
               tuple(bodies[:1] if v < 9 else []))
    db.execute("INSERT INTO outbox (id, msgid, channel, destination, kind"
               "%s, state, attempts, next_attempt, created, sent_at)"
               " VALUES (2, ?, 'webhook', 'hook', 'task.completed'%s,"
               " 'sent', 1, 1740000000, 1740000000, 1740000002)" % (col, ph),
               ("msg_oldv%d" % v,) + tuple(bodies[1:] if v < 9 else []))
    if v >= 9:
        db.executemany("INSERT INTO outbox_bodies (id, body) VALUES (?, ?)",
                       [(1, bodies[0]), (2, bodies[1])])
    db.execute("INSERT INTO reminder_steps (task, step, at, outbox)"
               " VALUES (7, '-7d', 1746691200, 1)")
    db.execute("INSERT INTO endpoints (id, failing_since) VALUES"
               " ('hook', 1740000100)")
    db.commit()
    db.close()


def upgrade_from(ms, v, fresh_cols):
    name = "v%d" % v
    build_old(name + ".db", ms, v)
    port = free_port()
    conf = write_conf(name, port)
    d = Daemon(conf, port, log=name + ".log")
    if not d.wait_ready():
        d.stop()
        return
    # The old database's pending mail goes out: the outbox row is usable.
    got = wait_for(lambda: glob.glob("mail-%s/new/*" % name), 20,
                   "v%d: the old pending mail delivered" % v)
    if got:
        with open(got[0], "rb") as f:
            check(b"<old-v%d@koyomi.test>" % v in f.read(),
                  "v%d: the Maildir holds the old outbox's message" % v)
    wait_for(lambda: (sqlite3.connect(name + ".db").execute(
        "SELECT state FROM outbox WHERE id = 1").fetchone() or [""])[0]
        == "sent", 10, "v%d: the old mail's row marked sent" % v)
    rc = d.stop()
    check(rc == 0, "v%d: the daemon stops with 0 (%r)" % (v, rc))
    n = len(ms)
    check(version(name + ".db") == n,
          "v%d: upgraded to user_version %d (%d)" % (v, n,
                                                   version(name + ".db")))
    c = sqlite3.connect(name + ".db")
    rows = {
        "task": c.execute("SELECT uid, state, cancelled, title FROM tasks"
                          " WHERE id = 7").fetchall(),
        "event": c.execute("SELECT who, via FROM task_events WHERE task = 7")
        .fetchall(),
        "step": c.execute("SELECT step, outbox FROM reminder_steps"
                          " WHERE task = 7").fetchall(),
        "outbox": c.execute("SELECT id, msgid, channel, state FROM outbox"
                            " ORDER BY id").fetchall(),
        "endpoint": c.execute("SELECT id, failing_since, disabled_at"
                              " FROM endpoints").fetchall(),
    }
    c.close()
    want = {
        "task": [("t.d.fy2025@koyomi", "done", 0, "参加意向調査")],
        "event": [("alice", "cli")],
        "step": [("-7d", 1)],
        "outbox": [(1, "<old-v%d@koyomi.test>" % v, "mail", "sent"),
                   (2, "msg_oldv%d" % v, "webhook", "sent")],
        "endpoint": [("hook", 1740000100, None)],
    }
    for k in want:
        check(rows[k] == want[k], "v%d: %s rows survive: %r" % (v, k,
                                                                rows[k]))
    r = koyomi(conf, "tasks", "--all", "--format", "json")
    try:
        tasks = json.loads(r.stdout)["tasks"]
    except (ValueError, KeyError):
        tasks = []
    check(any(t.get("id") == 7 and t.get("state") == "done" for t in tasks),
          "v%d: koyomi tasks --all lists the old task" % v)
    oc, oi = columns(name + ".db")
    fc, fi = fresh_cols
    check(sorted(fc) == sorted(oc), "v%d: same tables as a fresh database"
          % v)
    for t in fc:
        check(fc[t] == oc.get(t), "v%d: table %s: same columns as fresh"
              % (v, t))
    check(fi == oi, "v%d: same indexes as a fresh database" % v)


def past_backfill(ms):
    """The tasks.past migration (6) on a version-4 database with open tasks."""
    db = sqlite3.connect("past.db")
    for sql in ms[:4]:
        db.executescript(sql)
    db.execute("PRAGMA user_version = 4")
    # 7: done; 8: open, created after its due time; 9: open, in time.
    for tid, state, created in ((7, "done", 1750000000),
                                (8, "open", 1750000000),
                                (9, "open", 1740000000)):
        db.execute("INSERT INTO tasks (id, uid, assignee, cycle, item, fy,"
                   " title, due, due_day, state, created, updated) VALUES"
                   " (?, ?, 'pref-a', 't', 'd', 2025, '調査', 1747296000,"
                   " '2025-05-15', ?, ?, ?)", (tid, "t.d%d.fy2025@koyomi"
                                               % tid, state, created,
                                               created))
    db.commit()
    db.close()
    conf = write_conf("past", free_port())

    def listed(*args):
        r = koyomi(conf, "tasks", "--all", "--format", "json", *args)
        return json.loads(r.stdout or '{"tasks":[]}')["tasks"]
    byid = dict((t["id"], t) for t in listed())
    check(byid.get(8, {}).get("past") is True and
          byid.get(8, {}).get("overdue") is False,
          "v4 → latest: the open task created after its due time is past, "
          "not overdue: %r" % byid.get(8))
    check(byid.get(9, {}).get("past") is False and
          byid.get(9, {}).get("overdue") is True,
          "…the one created before its due time stays overdue")
    check(byid.get(7, {}).get("past") is False, "…a done task is not past")
    ids = [t["id"] for t in listed("--state", "overdue")]
    check(ids == [9], "--state overdue lists task 9 only: %r" % ids)
    ids = [t["id"] for t in listed("--state", "past")]
    check(ids == [8], "--state past lists task 8 only: %r" % ids)
    ids = [t["id"] for t in listed("--state", "open")]
    check(ids == [9], "--state open leaves the past one out: %r" % ids)
    r = koyomi(conf, "track", "8", "--by", "admin", check_rc=None)
    ids = [t["id"] for t in listed("--state", "overdue")]
    check(r.returncode == 0 and ids == [8, 9],
          "koyomi track makes the past task overdue like the others: %r %s"
          % (ids, r.stderr.decode(errors="replace").strip()))


def main():
    ms = migrations()
    n = len(ms)
    check(n >= 1, "daemon/store/schema.h has %d migration(s)" % n)
    for i, sql in enumerate(ms):
        h = hashlib.sha256(sql.encode()).hexdigest()
        if i < len(RELEASED):
            check(h == RELEASED[i], "migration %d is the released one (a "
                  "shipped migration is never edited: append one)" % (i + 1))
        else:
            check(False, "migration %d (sha256 %s) is not pinned in "
                  "ops_upgrade.py RELEASED: pin it once it ships"
                  % (i + 1, h))

    fresh = write_conf("fresh", free_port())
    r = koyomi(fresh, "tasks", "--format", "json")
    check(r.returncode == 0, "koyomi tasks creates a fresh database")
    check(version("fresh.db") == n,
          "fresh database: user_version %d == %d" % (version("fresh.db"), n))
    fresh_cols = columns("fresh.db")

    for v in range(1, n):
        upgrade_from(ms, v, fresh_cols)
    past_backfill(ms)

    c = sqlite3.connect("fresh.db")
    c.execute("PRAGMA user_version = %d" % (n + 1))
    c.commit()
    c.close()
    r = koyomi(fresh, "tasks", check_rc=None)
    err = r.stderr.decode(errors="replace")
    check(r.returncode != 0 and "newer" in err,
          "a database from a newer koyomi is refused: " + err.strip()[:120])
    check(version("fresh.db") == n + 1, "and left untouched")
    finish()


if __name__ == "__main__":
    main()
