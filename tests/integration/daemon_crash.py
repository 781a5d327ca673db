#!/usr/bin/python3
"""daemon_crash: kill -9 in the middle of writes loses nothing that was
acknowledged. Clients mark tasks done and reopen them through the API as
fast as they can; the daemon is killed with SIGKILL at a random moment;
after a restart every acknowledged change is there and PRAGMA
integrity_check says ok. Three rounds.
"""
import json
import os
import random
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, check, fail, finish, free_port,  # noqa
                        new_token, request, write_conf, WORK)

N = 40
port = free_port()
conf = os.path.join(WORK, "koyomi.conf")
os.makedirs(os.path.join(WORK, "rules"))
orgs = "\n".join("  - {id: p%02d, name: 県%02d, type: prefecture}" % (i, i)
                 for i in range(N))
with open(os.path.join(WORK, "rules", "t.yaml"), "w") as f:
    f.write("""organisations:
  - {id: mhlw, name: 厚生労働省, type: ministry}
%s
cycles:
  - id: t
    title: テスト事業
    organiser: mhlw
    items:
      - {id: d, kind: deadline, title: 調査, date: 5月15日, assignees: [%s]}
""" % (orgs, ", ".join("p%02d" % i for i in range(N))))
write_conf(conf, port, "watch_rules: false\n")
admin = new_token(conf, "admin", "root")
AUTH = {"Authorization": "Bearer " + admin}
fy = time.localtime().tm_year - (1 if time.localtime().tm_mon < 4 else 0)


def tasks():
    st, _, body = request(port, "GET", "/api/v1/tasks?fy=%d" % fy,
                          headers=AUTH)
    if st != 200:
        fail("GET /api/v1/tasks: %d %r" % (st, body[:200]))
        return {}
    return {t["id"]: t["state"] for t in json.loads(body)["tasks"]}


def writer(ids, acked, maybe, stop, seed):
    rnd = random.Random(seed)
    while not stop.is_set():
        tid = rnd.choice(ids)
        op = rnd.choice(["done", "reopen"])
        want = "done" if op == "done" else "open"
        try:
            st, _, _ = request(port, "POST", "/api/v1/tasks/%d/%s" % (tid, op),
                               body={"by": "crash-test"}, headers=AUTH,
                               timeout=2)
        except OSError:
            # Killed mid-request: it may or may not have committed.
            maybe.setdefault(tid, set()).add(want)
            continue
        if st == 200:
            # Later acknowledgements of the same task win.
            acked[tid] = want
            maybe.pop(tid, None)


d = Daemon(conf, port)
if not d.wait_ready():
    finish()
state = tasks()
check(len(state) == N, "%d tasks created (%d)" % (N, len(state)))
ids = sorted(state)
for rnd in range(3):
    acked, maybe, stop = {}, {}, threading.Event()
    # One writer: with several, two could race on one task and the later
    # acknowledgement need not be the later commit.
    w = threading.Thread(target=writer, args=(ids, acked, maybe, stop, rnd))
    w.start()
    time.sleep(0.3 + random.random() * 0.7)
    d.kill9()
    stop.set()
    w.join()
    db = sqlite3.connect(os.path.join(WORK, "koyomi.db"))
    ok = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    check(ok == "ok", "round %d: integrity_check ok after kill -9" % rnd)
    d = Daemon(conf, port, log="daemon%d.log" % rnd)
    if not d.wait_ready():
        break
    now = tasks()
    lost = [(t, s, now.get(t)) for t, s in acked.items()
            if now.get(t) != s and now.get(t) not in maybe.get(t, ())]
    check(len(acked) > 5 and not lost,
          "round %d: %d acknowledged changes survived (lost: %r)"
          % (rnd, len(acked), lost[:5]))
check(d.stop() == 0, "clean stop at the end")
finish()
