#!/usr/bin/python3
"""webhooks_standard.py — webhook signatures checked by two verifiers.

A daemon with one endpoint holding two secrets (a rotation: old and new)
sends task.reminder webhooks (a deadline whose only step is due at once,
three assignees) and task.completed (one completion through the API).
The receiver (lib_receivers.py, its own HMAC code) accepts a request
signed by either secret; then the npm package standardwebhooks — the
specification's reference library, installed by `make deps` into
tests/node — verifies every recorded request once with the old secret
and once with the new one, so both signatures in the header are right.
Also: every id is msg_…, timestamps are within 5 minutes of arrival, the
signature header has one v1 entry per secret, and a body changed by one
byte is refused by the library (the check is not vacuous).
"""
import base64
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (KOYOMI, WORK, Daemon, check, fail,  # noqa: E402
                        finish, free_port, new_token, request, wait_for,
                        write_conf)
import lib_receivers  # noqa: E402

SRC = os.environ.get("KOYOMI_SRC", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."))
JST = datetime.timezone(datetime.timedelta(hours=9))
OLD = "whsec_" + base64.b64encode(b"rotation-old-secret-0123456789ab").decode()
NEW = "whsec_" + base64.b64encode(b"rotation-new-secret-abcdefghijkl").decode()
NODE_DIR = os.path.join(SRC, "tests", "node")
VERIFY = os.path.join(NODE_DIR, "verify_webhooks.js")


def write_rules(d):
    due = datetime.datetime.now(JST) - datetime.timedelta(minutes=2)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "w.yaml"), "w") as f:
        f.write("""\
organisations:
  - {id: mhlw, name: 事務局, type: ministry}
  - {id: org-a, name: 甲市}
  - {id: org-b, name: 乙町}
  - {id: org-c, name: 丙村}
contacts:
  - {id: c-a, org: org-a, name: 甲市担当, mail: a@a.example.jp}
  - {id: c-b, org: org-b, name: 乙町担当, mail: b@b.example.jp}
  - {id: c-c, org: org-c, name: 丙村担当, mail: c@c.example.jp}
policies:
  - id: now
    steps: [0s]
    channels: [webhook]
cycles:
  - id: w
    title: 署名試験
    organiser: mhlw
    policy: now
    items:
      - {id: d, kind: deadline, title: 「報告」提出, date: "%s", due: "%s", assignees: [org-a, org-b, org-c]}
""" % (due.strftime("%Y-%m-%d"), due.strftime("%H:%M")))


def node_verify(secret, jsonl):
    r = subprocess.run(["node", VERIFY, secret, jsonl], capture_output=True,
                       timeout=60, cwd=NODE_DIR)
    return r.returncode, (r.stdout + r.stderr).decode(errors="replace").strip()


def main():
    port, hook_port = free_port(), free_port()
    conf = os.path.join(WORK, "koyomi.conf")
    write_rules(os.path.join(WORK, "rules"))
    # The deadline passed before the first start: chase_past asks for it
    # (otherwise it would be history, 対象外・過去分, and never chased).
    write_conf(conf, port, 'window: "00:00-24:00"\nchase_past: true\n'
               'webhooks:\n'
               '  - {id: hook, url: "http://127.0.0.1:%d/ok", '
               'secrets: ["%s", "%s"]}\n' % (hook_port, OLD, NEW))
    admin = new_token(conf, "admin", "root")
    hooks = os.path.join(WORK, "hooks")
    # The receiver knows only the new secret: a request is accepted when
    # the new secret's signature is among those sent.
    recv = lib_receivers.start("http", hook_port, hooks, NEW)
    if recv is None:
        fail("the webhook receiver did not start")
        finish()
    log = os.path.join(hooks, "hooks.jsonl")

    def recorded():
        if not os.path.exists(log):
            return []
        with open(log) as f:
            return [json.loads(x) for x in f if x.strip()]

    d = Daemon(conf, port)
    try:
        if not d.wait_ready():
            finish()
        wait_for(lambda: sum(1 for r in recorded() if r["body"] and
                             r["body"].get("type") == "task.reminder") >= 3,
                 30, "three task.reminder webhooks")
        st, _, body = request(port, "GET", "/api/v1/tasks",
                              headers={"Authorization": "Bearer " + admin})
        tasks = json.loads(body).get("tasks", []) if st == 200 else []
        check(len(tasks) == 3, "three tasks (%d)" % len(tasks))
        if tasks:
            st, _, _ = request(port, "POST", "/api/v1/tasks/%d/done"
                               % tasks[0]["id"], body={"note": "済"},
                               headers={"Authorization": "Bearer " + admin})
            check(st == 200, "a completion through the API (%d)" % st)
            wait_for(lambda: any(r["body"] and r["body"].get("type") ==
                                 "task.completed" for r in recorded()),
                     30, "the task.completed webhook")
    finally:
        rc = d.stop()
        recv.terminate()
        recv.wait(10)
    check(rc == 0, "daemon stops cleanly (rc %s)" % rc)

    rows = recorded()
    types = sorted(set(r["body"]["type"] for r in rows if r["body"]))
    check(types == ["task.completed", "task.reminder"],
          "event types received: %s" % types)
    check(rows and all(r["sig_ok"] and r["status"] == 204 for r in rows),
          "the receiver's own HMAC accepted all %d requests" % len(rows))
    check(all(r["id"].startswith("msg_") for r in rows), "ids are msg_…")
    check(all(len(r["sig"].split()) == 2 and
              all(s.startswith("v1,") for s in r["sig"].split())
              for r in rows), "two v1 signatures per request (two secrets)")

    if not os.path.exists(os.path.join(NODE_DIR, "node_modules",
                                       "standardwebhooks")) or \
            shutil.which("node") is None:
        finish(skipped="standardwebhooks (npm) not installed in tests/node: "
               "`make deps` installs it when node and the npm registry "
               "are there; the receiver's own HMAC check above still ran")
    for name, secret in (("old", OLD), ("new", NEW)):
        rc, out = node_verify(secret, log)
        check(rc == 0, "standardwebhooks verifies every request with the "
              "%s secret: %s" % (name, out))
    # Not vacuous: one changed byte in a body is refused by the library.
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", dir=WORK,
                                     delete=False) as f:
        r = dict(rows[0])
        raw = bytearray(base64.b64decode(r["raw"]))
        raw[-2] ^= 0x01
        r["raw"] = base64.b64encode(bytes(raw)).decode()
        f.write(json.dumps(r) + "\n")
    rc, out = node_verify(NEW, f.name)
    check(rc != 0 and "FAIL" in out,
          "standardwebhooks refuses a body changed by one byte: %s" % out)
    rc, out = node_verify("whsec_" + base64.b64encode(b"x" * 24).decode(),
                          log)
    check(rc != 0, "standardwebhooks refuses every request with a wrong "
          "secret: %s" % out.splitlines()[-1] if out else "")
    finish()


if __name__ == "__main__":
    main()
