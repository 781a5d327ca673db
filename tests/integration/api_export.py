#!/usr/bin/python3
"""api_export: the task exports sent a page at a time (daemon/http/export.c).

GET /api/v1/tasks (JSON and ?format=csv) and the dashboard's
/?format=csv read the tasks from one snapshot of the database, a page at
a time while the client takes them (chunked). On 200 organisations × 30
deadlines × four fiscal years (24,000 tasks, ~10 MB of JSON, more than
the sockets hold):

- every export has every task the database has, once, in (fy, due, uid,
  assignee) order, with a count that matches (JSON), the BOM and header
  (CSV); the dashboard's CSV is this fiscal year's, its block filter
  applied page by page (a block nobody is in: the header alone);
- a snapshot: an export held open by a client that reads slowly, while a
  task near its end is marked done, still shows that task open; a fresh
  export shows it done;
- at most two exports at once per token (a third: 429) and four in all
  (a fifth: 503), both with Retry-After (JSON on the API, text on the
  dashboard); once the four clients hang up, an export goes through
  again (their snapshots were released);
- the daemon stops cleanly with an export still held open (exit 0, no
  sanitizer report).
"""
import csv
import datetime
import http.client
import io
import json
import os
import socket
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, check, fail, finish, free_port,  # noqa
                        koyomi, new_token, request, wait_for, write_conf,
                        WORK)
from lib_dash import login  # noqa: E402

ORGS = 200


def write_rules(d):
    os.makedirs(d, exist_ok=True)
    lines = ["organisations:",
             "  - {id: ministry, name: 厚生労働省, type: ministry}"]
    for i in range(ORGS):
        lines.append("  - {id: org-%03d, name: 自治体%03d, type: municipality}"
                     % (i, i))
    lines += ["groups:",
              "  - {id: everyone, name: 全自治体, "
              "select: {type: [municipality]}}",
              "  - {id: nobody, name: 空, members: [ministry]}",
              "cycles:",
              "  - id: ex",
              "    title: 出力試験",
              "    organiser: ministry",
              "    from_fy: 2021",
              "    until_fy: 2035",
              "    items:"]
    for i in range(30):
        lines += ["      - id: d%02d" % i,
                  "        kind: deadline",
                  "        title: \"提出 その%d\"" % (i + 1),
                  "        date: \"%d月%d日\"" % (i % 12 + 1, (i * 3) % 27 + 1),
                  "        assignees: everyone"]
    with open(os.path.join(d, "ex.yaml"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def db_tasks(dbpath, fy=None):
    """(fy, due, uid, assignee, id) of every live task, in export order."""
    db = sqlite3.connect("file:%s?mode=ro" % dbpath, uri=True)
    try:
        q = "SELECT fy, due, uid, assignee, id FROM tasks WHERE cancelled = 0"
        args = ()
        if fy is not None:
            q += " AND fy = ?"
            args = (fy,)
        return sorted(db.execute(q, args).fetchall())
    finally:
        db.close()


def get(port, path, headers, timeout=60):
    return request(port, "GET", path, headers=headers, timeout=timeout)


class Slow:
    """An export held open: a socket with a small receive buffer that has
    read the answer's head and a little of its body, and then stops."""

    def __init__(self, port, path, headers):
        self.s = socket.socket()
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        self.s.settimeout(60)
        self.s.connect(("127.0.0.1", port))
        h = "".join("%s: %s\r\n" % kv for kv in headers.items())
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n"
                        % (path, h)).encode())
        self.data = b""
        for _ in range(1000):
            if b"\r\n\r\n" in self.data and len(self.data) >= 8192:
                break
            b = self.s.recv(4096)
            if not b:
                break
            self.data += b
        self.head = self.data.split(b"\r\n\r\n", 1)[0].decode()
        self.status = int(self.head.split()[1]) if self.head else 0

    def rest(self):
        """Reads to the end of the chunked body; the body, decoded."""
        buf = bytearray(self.data)
        for _ in range(100000):         # 6 GB of 64 KB reads at most
            if buf.endswith(b"\r\n0\r\n\r\n"):
                break
            b = self.s.recv(65536)
            if not b:
                break
            buf += b
        self.s.close()
        body = bytes(buf).split(b"\r\n\r\n", 1)[1]
        out, pos = bytearray(), 0
        for _ in range(10 ** 7):
            eol = body.index(b"\r\n", pos)
            n = int(body[pos:eol].split(b";")[0], 16)
            if n == 0:
                break
            out += body[eol + 2:eol + 2 + n]
            pos = eol + 2 + n + 2
        return bytes(out)

    def close(self):
        self.s.close()


def main():
    port = free_port()
    conf = os.path.join(WORK, "koyomi.conf")
    write_rules(os.path.join(WORK, "rules"))
    write_conf(conf, port)
    koyomi(conf, "check", check_rc=0)
    admin = new_token(conf, "admin", "admin")
    viewer = new_token(conf, "viewer", "viewer")
    d = Daemon(conf, port)
    if not d.wait_ready():
        return
    if not wait_for(lambda: "tasks: " in d.logtext() and
                    " created" in d.logtext(), 120, "the tasks written"):
        fail("no tasks: " + d.logtext()[-2000:])
        d.stop()
        return
    dbpath = os.path.join(WORK, "koyomi.db")
    want = db_tasks(dbpath)
    check(len(want) >= ORGS * 30 * 4, "%d tasks in the database" % len(want))
    ids = [t[4] for t in want]
    bearer = {"Authorization": "Bearer " + viewer}

    # JSON: every task, once, in order, counted.
    st, h, body = get(port, "/api/v1/tasks", bearer)
    check(st == 200 and h.get("content-type", "").startswith(
        "application/json"), "JSON export: %d %s" % (st, h.get(
            "content-type")))
    check(h.get("transfer-encoding") == "chunked",
          "JSON export sent chunked (%s)" % h.get("transfer-encoding"))
    doc = json.loads(body)
    got = doc["tasks"]
    check(doc["count"] == len(got) == len(want),
          "JSON count %d, %d tasks, %d in the database" %
          (doc["count"], len(got), len(want)))
    check([t["id"] for t in got] == ids,
          "JSON export: the database's tasks in (fy, due, uid, assignee) "
          "order, each once")
    check(len(body) > 8 * 1024 * 1024, "JSON export is %d bytes" % len(body))

    # CSV from the API: the same tasks.
    st, h, body = get(port, "/api/v1/tasks?format=csv", bearer)
    check(st == 200 and body.startswith(b"\xef\xbb\xbf") and
          "tasks.csv" in h.get("content-disposition", ""),
          "CSV export: %d, BOM, attachment" % st)
    rows = list(csv.reader(io.StringIO(body[3:].decode())))
    check(rows[0][:2] == ["id", "fy"], "CSV header %s" % rows[0][:3])
    check([int(r[0]) for r in rows[1:]] == ids,
          "CSV export: the same tasks in the same order")

    # The dashboard's CSV: this fiscal year, filters page by page.
    cookie = login(port, admin)
    st, _, home = get(port, "/", {"Cookie": cookie})
    today = datetime.datetime.now(datetime.timezone(
        datetime.timedelta(hours=9))).date()
    fy = today.year if today.month >= 4 else today.year - 1
    st, h, body = get(port, "/?format=csv", {"Cookie": cookie})
    rows = list(csv.reader(io.StringIO(body[3:].decode())))
    fyids = [t[4] for t in db_tasks(dbpath, fy)]
    check(st == 200 and h.get("cache-control") == "no-store",
          "dashboard CSV: %d, Cache-Control %s" % (st,
                                                   h.get("cache-control")))
    check([int(r[0]) for r in rows[1:]] == fyids,
          "dashboard CSV: the %d tasks of FY%d in order (got %d)" %
          (len(fyids), fy, len(rows) - 1))
    st, _, body = get(port, "/?format=csv&block=everyone",
                      {"Cookie": cookie})
    n = len(list(csv.reader(io.StringIO(body[3:].decode())))) - 1
    check(st == 200 and n == len(fyids),
          "dashboard CSV of block everyone: %d rows" % n)
    st, _, body = get(port, "/?format=csv&block=nobody", {"Cookie": cookie})
    rows = list(csv.reader(io.StringIO(body[3:].decode())))
    check(st == 200 and len(rows) == 1 and rows[0][0] == "id",
          "dashboard CSV of a block with no municipality: the header alone "
          "(%d rows)" % len(rows))

    # A snapshot: a task near the end is done while an export is held.
    last = want[-1][4]
    slow = Slow(port, "/api/v1/tasks?format=csv", bearer)
    check(slow.status == 200, "held export answered %d" % slow.status)
    st, _, _ = request(port, "POST", "/api/v1/tasks/%d/done" % last,
                       body={"by": "test"},
                       headers={"Authorization": "Bearer " + admin})
    check(st == 200, "task %d done while the export is held (%d)" %
          (last, st))
    st, _, b = get(port, "/api/v1/tasks/%d" % last, bearer)
    check(st == 200 and json.loads(b)["state"] == "done",
          "the task reads done")
    rows = list(csv.reader(io.StringIO(slow.rest()[3:].decode())))
    byid = dict((int(r[0]), r) for r in rows[1:])
    check(len(byid) == len(want), "held export: %d tasks" % len(byid))
    check(last in byid and byid[last][7] == "open",
          "held export shows task %d as it was when it began: %s" %
          (last, byid.get(last, ["?"] * 8)[7]))
    st, _, body = get(port, "/api/v1/tasks?format=csv", bearer)
    rows = list(csv.reader(io.StringIO(body[3:].decode())))
    check(any(r[0] == str(last) and r[7] == "done" for r in rows[1:]),
          "a fresh export shows it done")

    # Two per token; four in all; the others wait their turn.
    others = [new_token(conf, "viewer", "viewer%d" % i) for i in (2, 3, 4)]
    held = [Slow(port, "/api/v1/tasks", bearer) for _ in range(2)]
    check(all(s.status == 200 for s in held),
          "two exports held by one token: %s" % [s.status for s in held])
    st, h, body = get(port, "/api/v1/tasks", bearer)
    err = json.loads(body).get("error", "") if st == 429 else ""
    check(st == 429 and h.get("retry-after") == "10" and "export" in err,
          "a third export for the same token: %d, Retry-After %s, %s" %
          (st, h.get("retry-after"), err))
    held += [Slow(port, "/api/v1/tasks", {"Authorization": "Bearer " + t})
             for t in others[:2]]
    check(all(s.status == 200 for s in held),
          "four exports held by three tokens: %s" %
          [s.status for s in held])
    st, h, body = get(port, "/api/v1/tasks",
                      {"Authorization": "Bearer " + others[2]})
    err = json.loads(body).get("error", "") if st == 503 else ""
    check(st == 503 and h.get("retry-after") == "10" and "export" in err,
          "a fifth API export, another token: %d, Retry-After %s, %s" %
          (st, h.get("retry-after"), err))
    st, h, body = get(port, "/?format=csv", {"Cookie": cookie})
    check(st == 503 and h.get("retry-after") == "10" and
          h.get("cache-control") == "no-store",
          "a fifth dashboard export: %d, Retry-After %s" %
          (st, h.get("retry-after")))
    st, _ = request(port, "GET", "/healthz")[:2]
    check(st == 200, "/healthz answers while four exports are held")
    for s in held:
        s.close()

    def again():
        st, _, body = get(port, "/api/v1/tasks?state=done", bearer)
        return st == 200 and body
    body = wait_for(again, 30, "an export once the four clients hung up")
    check(bool(body) and json.loads(body)["count"] == 1,
          "an export goes through again once the four hung up")

    # Stopping with an export held open.
    slow = Slow(port, "/api/v1/tasks", bearer)
    check(slow.status == 200, "export held at stop: %d" % slow.status)
    d.stop()
    slow.close()


main()
finish()
