#!/usr/bin/python3
"""daemon_valgrind: start, serve, reload (good, broken, inotify), stop under
valgrind memcheck: no invalid access and no definite or indirect leak.
Skipped (exit 77) when the binary is a sanitizer build, which valgrind
cannot run; never in the normal build (tests/must-run.txt).
"""
import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, KOYOMI, check, finish, free_port, get,  # noqa
                        metric, new_token, request, skip, wait_for,
                        write_conf, write_rules, WORK)

syms = subprocess.run(["nm", "-D", KOYOMI], capture_output=True).stdout
if b"__asan" in syms or b"__ubsan" in syms:
    skip("a sanitizer build: valgrind cannot run it")

port = free_port()
conf = os.path.join(WORK, "koyomi.conf")
RULES = os.path.join(WORK, "rules")
write_rules(RULES)
write_conf(conf, port)
admin = new_token(conf, "admin", "root")
vlog = os.path.join(WORK, "valgrind.log")
d = Daemon(conf, port, wrap=["valgrind", "-q", "--leak-check=full",
                             "--show-leak-kinds=definite,indirect",
                             "--errors-for-leak-kinds=definite,indirect",
                             "--error-exitcode=99", "--log-file=" + vlog])
if not d.wait_ready(timeout=60):
    finish()
get(port, "/feeds/test.ics")
get(port, "/metrics")
get(port, "/nope")
# The exports, streamed from a cursor of their own (daemon/http/export.c),
# read to the end and abandoned after the head.
auth = {"Authorization": "Bearer " + admin}
st, _, body = request(port, "GET", "/api/v1/tasks", headers=auth, timeout=30)
check(st == 200 and json.loads(body)["count"] ==
      len(json.loads(body)["tasks"]) > 0, "JSON export (%d)" % st)
st, _, body = request(port, "GET", "/api/v1/tasks?format=csv", headers=auth,
                      timeout=30)
check(st == 200 and body.startswith(b"\xef\xbb\xbfid,"), "CSV export")
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.sendall(("GET /api/v1/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: "
           "Bearer %s\r\n\r\n" % admin).encode())
s.recv(64)
s.close()
request(port, "POST", "/api/v1/reload", body=b"x" * 100,
        headers={"Authorization": "Bearer " + admin})
write_rules(RULES, meeting="変更後の会議")
d.signal(signal.SIGHUP)
wait_for(lambda: "変更後の会議" in get(port, "/feeds/test.ics", 10)[1], 20,
         "the SIGHUP reload")
with open(os.path.join(RULES, "bad.yaml"), "w") as f:
    f.write("cycles:\n  - id: b\n    organiser: nobody\n")
wait_for(lambda: (metric(port, "koyomi_reload_failures_total") or 0) >= 1,
         20, "the broken file to fail a reload (inotify)")
st, _, body = request(port, "POST", "/api/v1/reload",
                      headers={"Authorization": "Bearer " + admin},
                      timeout=20)
check(st == 422, "API reload with errors: 422")
os.unlink(os.path.join(RULES, "bad.yaml"))
wait_for(lambda: metric(port, "koyomi_reload_errors") == 0, 20,
         "the removal to reload (inotify)")
t0 = time.monotonic()
rc = d.stop(timeout=30)
with open(vlog) as f:
    report = f.read()
check(rc == 0, "exit 0 under valgrind (%d)" % rc)
check(report.strip() == "", "valgrind is silent:\n" + report[:3000])
print("stopped in %.1f s" % (time.monotonic() - t0))
finish()
