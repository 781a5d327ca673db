#!/usr/bin/python3
"""ops_upgrade: schema migrations keyed on PRAGMA user_version.

1. A database koyomi creates has user_version equal to the number of
   migrations in daemon/store/schema.h (read by compiling the header, so the
   test follows every migration appended later).
2. A database made by the *first* migration only (user_version 1, with a
   task, its audit event and a reminder step in it) opens with the current
   binary: user_version is bumped to the latest, the rows survive and
   `koyomi tasks` lists the task, and every table has the same columns as
   in a freshly created database. Migration 5 (history is history): an
   open task created after its due time becomes past (対象外・過去分,
   not overdue); one created before it, or already done, does not.
3. A database from a newer koyomi (user_version beyond ours) is refused,
   not silently used.
"""
import json
import os
import sqlite3
import subprocess
import sys

KOYOMI = os.environ.get("KOYOMI") or os.path.abspath("koyomi")
SRC = os.environ.get("KOYOMI_SRC") or os.getcwd()
fails = []


def check(cond, msg):
    print(("ok: " if cond else "FAIL: ") + msg, flush=True)
    if not cond:
        fails.append(msg)


def migrations():
    """(count, SQL of migration 1) straight from daemon/store/schema.h."""
    with open("dump.c", "w") as f:
        f.write('#include <stdio.h>\n#include "daemon/store/schema.h"\n'
                'int main(void) { printf("%zu\\n%s", sizeof schema_migrations'
                ' / sizeof schema_migrations[0], schema_migrations[0]);'
                ' return 0; }\n')
    subprocess.run(["cc", "-I", SRC, "-o", "dump", "dump.c"], check=True)
    out = subprocess.run(["./dump"], check=True, capture_output=True,
                         text=True).stdout
    n, sql = out.split("\n", 1)
    return int(n), sql


def conf(name):
    os.makedirs("rules", exist_ok=True)
    with open("rules/a.yaml", "w") as f:
        f.write("organisations:\n"
                "  - {id: mhlw, name: 厚生労働省, type: ministry}\n"
                "  - {id: pref-a, name: Ａ県, type: prefecture}\n")
    path = name + ".conf"
    with open(path, "w") as f:
        f.write(f"listen: 127.0.0.1:1\nbase_url: http://127.0.0.1:1\n"
                f"database: {name}.db\nrules: rules\ntimezone: Asia/Tokyo\n"
                f"mail_transport: maildir:mail\nsecret_key_file: secret.key\n")
    return path


def koyomi(cf, *args):
    return subprocess.run([KOYOMI, "-c", cf, *args], capture_output=True,
                          text=True, timeout=30)


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


def main():
    n, first = migrations()
    check(n >= 1, f"daemon/store/schema.h has {n} migration(s)")

    fresh = conf("fresh")
    r = koyomi(fresh, "tasks", "--format", "json")
    check(r.returncode == 0, "koyomi tasks creates a fresh database")
    check(version("fresh.db") == n,
          f"fresh database: user_version {version('fresh.db')} == {n}")

    db = sqlite3.connect("old.db")
    db.executescript(first)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO tasks (id, uid, assignee, cycle, item, fy, title,"
               " due, due_day, state, created, updated) VALUES (7,"
               " 't.d.fy2025@koyomi', 'pref-a', 't', 'd', 2025, '参加意向調査',"
               " 1747296000, '2025-05-15', 'done', 1740000000, 1740000001)")
    # 8: open, learned of after its due time; 9: open, learned of in time.
    for tid, created in ((8, 1750000000), (9, 1740000000)):
        db.execute("INSERT INTO tasks (id, uid, assignee, cycle, item, fy,"
                   " title, due, due_day, state, created, updated) VALUES"
                   " (?, ?, 'pref-a', 't', 'd', 2025, '調査', 1747296000,"
                   " '2025-05-15', 'open', ?, ?)",
                   (tid, "t.d%d.fy2025@koyomi" % tid, created, created))
    db.execute("INSERT INTO task_events (task, at, action, who, via)"
               " VALUES (7, 1740000001, 'done', 'alice', 'cli')")
    db.execute("INSERT INTO reminder_steps (task, step, at)"
               " VALUES (7, '-7d', 1746691200)")
    db.commit()
    db.close()
    old = conf("old")
    r = koyomi(old, "tasks", "--format", "json")
    check(r.returncode == 0, "the current binary opens a first-schema "
          "database: " + r.stderr.strip()[:200])
    check(version("old.db") == n,
          f"upgraded database: user_version {version('old.db')} == {n}")
    try:
        tasks = json.loads(r.stdout)["tasks"]
    except (ValueError, KeyError):
        tasks = []
    check(any(t.get("id") == 7 and t.get("state") == "done" for t in tasks),
          "the first-schema task survives the upgrade and is listed")
    byid = dict((t.get("id"), t) for t in tasks)
    check(byid.get(8, {}).get("past") is True and
          byid.get(8, {}).get("overdue") is False,
          "an open task created after its due time is past, not overdue: %r"
          % byid.get(8))
    check(byid.get(9, {}).get("past") is False and
          byid.get(9, {}).get("overdue") is True,
          "an open task created before its due time stays overdue: %r"
          % byid.get(9))
    check(byid.get(7, {}).get("past") is False, "a done task is not past")
    r = koyomi(old, "tasks", "--state", "overdue", "--format", "json")
    ids = [t["id"] for t in json.loads(r.stdout or '{"tasks":[]}')["tasks"]]
    check(ids == [9], "--state overdue lists task 9 only: %r" % ids)
    r = koyomi(old, "tasks", "--state", "past", "--format", "json")
    ids = [t["id"] for t in json.loads(r.stdout or '{"tasks":[]}')["tasks"]]
    check(ids == [8], "--state past lists task 8 only: %r" % ids)
    r = koyomi(old, "track", "8", "--by", "admin")
    r2 = koyomi(old, "tasks", "--state", "overdue", "--format", "json")
    ids = [t["id"] for t in json.loads(r2.stdout or '{"tasks":[]}')["tasks"]]
    check(r.returncode == 0 and ids == [8, 9],
          "koyomi track makes a past task overdue like the others: %r %s"
          % (ids, r.stderr.strip()))
    c = sqlite3.connect("old.db")
    ev = c.execute("SELECT who, via FROM task_events WHERE task = 7").fetchall()
    st = c.execute("SELECT step FROM reminder_steps WHERE task = 7").fetchall()
    c.close()
    check(ev == [("alice", "cli")], "its audit event survives")
    check(st == [("-7d",)], "its reminder step survives")
    fc, fi = columns("fresh.db")
    oc, oi = columns("old.db")
    check(sorted(fc) == sorted(oc), "same tables as a fresh database")
    for t in fc:
        check(fc[t] == oc.get(t), f"table {t}: same columns as fresh")
    check(fi == oi, "same indexes as a fresh database")

    c = sqlite3.connect("fresh.db")
    c.execute(f"PRAGMA user_version = {n + 1}")
    c.commit()
    c.close()
    r = koyomi(fresh, "tasks")
    check(r.returncode != 0 and "newer" in r.stderr,
          "a database from a newer koyomi is refused: " + r.stderr.strip()[:120])
    check(version("fresh.db") == n + 1, "and left untouched")

    if fails:
        print(f"{len(fails)} failure(s)")
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
