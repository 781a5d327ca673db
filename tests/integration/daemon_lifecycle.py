#!/usr/bin/python3
"""daemon_lifecycle: koyomi run on a temp config and a free loopback port.
/healthz, /metrics, 404/405/413 JSON, SIGTERM exits 0 quickly (also with
idle keep-alive connections open), a request in flight at SIGTERM still
gets its answer; startup refuses broken rules and a broken config with
path:line:col; `koyomi token` and `koyomi backup` while the daemon runs.
"""
import os
import signal
import socket
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, check, check_stopped, finish,  # noqa
                        free_port, get, koyomi, metric, new_token, request,
                        wait_for, write_conf, write_rules, WORK)

port = free_port()
conf = os.path.join(WORK, "koyomi.conf")
write_rules(os.path.join(WORK, "rules"))
write_conf(conf, port, "max_body: 1000\n")

d = Daemon(conf, port)
if not d.wait_ready():
    finish()
st, body = get(port, "/healthz")
check(st == 200 and body == "ok\n", "/healthz 200 ok (%d %r)" % (st, body))

# Another writer holds the database: not writable, 503; then 200 again.
lock = sqlite3.connect(os.path.join(WORK, "koyomi.db"), isolation_level=None)
lock.execute("BEGIN IMMEDIATE")
st, body = get(port, "/healthz")
check(st == 503, "/healthz 503 while the database is locked (%d)" % st)
lock.execute("ROLLBACK")
lock.close()
st, body = get(port, "/healthz")
check(st == 200, "/healthz 200 once the lock is gone")

st, hdrs, body = request(port, "GET", "/metrics")
text = body.decode()
check(st == 200 and hdrs["content-type"].startswith("text/plain"),
      "/metrics is text")
for fam in ("koyomi_build_info{", "koyomi_uptime_seconds ",
            "koyomi_reloads_total 1", "koyomi_reload_failures_total 0",
            "koyomi_reload_last_success_timestamp_seconds ",
            'koyomi_http_requests_total{route="healthz",code="200"} '):
    check(fam in text, "metrics has " + fam.strip())
ts = metric(port, "koyomi_reload_last_success_timestamp_seconds")
check(ts is not None and abs(ts - time.time()) < 60, "last success is now")

st, hdrs, body = request(port, "GET", "/no/such/thing")
check(st == 404 and body.startswith(b'{"error":'), "404 JSON")
st, hdrs, body = request(port, "DELETE", "/healthz")
check(st == 405 and "GET" in hdrs.get("allow", ""), "405 with Allow")
st, hdrs, body = request(port, "POST", "/api/v1/reload", body=b"x" * 5000)
check(st == 413 and b"error" in body, "413 over max_body (%d)" % st)
st, _, _ = request(port, "POST", "/api/v1/reload")
check(st == 401, "reload without a token: 401")
text = get(port, "/metrics")[1]
check('koyomi_http_requests_total{route="none",code="404"} 1' in text and
      'koyomi_http_requests_total{route="reload",code="401"} 1' in text,
      "requests counted by route and code")

# Tokens and backup through the CLI while the daemon runs.
admin = new_token(conf, "admin", "alice")
check(admin.startswith("ky_") and len(admin) == 46, "token add prints ky_…")
viewer = new_token(conf, "viewer", "vic")
st, _, _ = request(port, "POST", "/api/v1/reload",
                   headers={"Authorization": "Bearer " + viewer})
check(st == 403, "viewer may not reload: %d" % st)
st, _, body = request(port, "POST", "/api/v1/reload",
                      headers={"Authorization": "Bearer " + admin})
check(st == 200 and b'"ok":true' in body, "admin reload 200")
r = koyomi(conf, "token", "list")
check(b"alice\tadmin" in r.stdout and b"vic\tviewer" in r.stdout,
      "token list")
check(admin.encode() not in r.stdout, "token list shows no token")
koyomi(conf, "token", "revoke", "alice")
st, _, _ = request(port, "POST", "/api/v1/reload",
                   headers={"Authorization": "Bearer " + admin})
check(st == 401, "revoked token: 401")
koyomi(conf, "token", "revoke", "alice", check_rc=1)
koyomi(conf, "token", "add", "--role", "boss", "x", check_rc=2)
r = koyomi(conf, "backup", os.path.join(WORK, "copy.db"))
db = sqlite3.connect(os.path.join(WORK, "copy.db"))
names = [n for (n,) in db.execute("SELECT name FROM api_tokens ORDER BY id")]
ok = db.execute("PRAGMA integrity_check").fetchone()[0]
db.close()
check(names == ["alice", "vic"] and ok == "ok", "backup has the tokens")

# SIGTERM with idle keep-alive connections and one request in flight.
idle = []
for _ in range(20):
    s = socket.create_connection(("127.0.0.1", port))
    idle.append(s)
slow = socket.create_connection(("127.0.0.1", port))
slow.sendall(b"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
             b"\r\nab")
time.sleep(0.2)
t0 = time.monotonic()
d.signal(signal.SIGTERM)


def refused():
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return False
    except OSError:
        return True


# The refusal is the event: polled, not assumed after a pause.
if wait_for(refused, 3, "new connections to be refused after SIGTERM"):
    check(True, "new connections refused %.2f s after SIGTERM"
          % (time.monotonic() - t0))
slow.sendall(b"cd")
slow.settimeout(3)
answer = slow.recv(4096)
check(answer.startswith(b"HTTP/1.1 405"), "in-flight request answered "
      "after SIGTERM (%r)" % answer[:20])
rc = d.stop()
took = time.monotonic() - t0
check(rc == 0, "SIGTERM exit status 0 (%d)" % rc)
check(took < 3, "stopped in %.2f s" % took)
for s in idle + [slow]:
    s.close()

# Broken rules at startup: fatal, errors printed with their location.
with open(os.path.join(WORK, "rules", "bad.yaml"), "w") as f:
    f.write("cycles:\n  - id: b\n    title: x\n    organiser: nobody\n"
            "    items: []\n")
d = Daemon(conf, port, log="bad.log")
try:
    rc = d.p.wait(10)
except Exception:
    rc = None
    d.kill9()
log = d.logtext()
check_stopped(rc, log, "broken rules at startup", want_rc=1)
check("bad.yaml:" in log, "the error names the file and line")
os.unlink(os.path.join(WORK, "rules", "bad.yaml"))

# Broken config: located errors, unknown key with its position.
with open(os.path.join(WORK, "broken.conf"), "w") as f:
    f.write("listen: 127.0.0.1:%d\nlisten_adress: x\nwindow: 9-5\n" % port)
r = koyomi(os.path.join(WORK, "broken.conf"), "run", check_rc=1)
err = r.stderr.decode()
check_stopped(r.returncode, err, "run with a broken config", want_rc=1)
check("broken.conf:2:1: error: unknown key 'listen_adress'" in err,
      "unknown config key located: " + err.strip()[:200])
check("broken.conf:3:" in err, "bad window located")

# A group-readable secret file is refused.
with open(os.path.join(WORK, "secret.key"), "w") as f:
    f.write("x" * 64)
os.chmod(os.path.join(WORK, "secret.key"), 0o640)
r = koyomi(conf, "run", check_rc=1)
check(b"readable by others" in r.stderr, "group-readable secret refused")
check_stopped(r.returncode, r.stderr.decode(errors="replace"),
              "run with a readable secret", want_rc=1)
finish()
