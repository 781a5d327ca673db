#!/usr/bin/python3
"""daemon_sdnotify: the systemd notify protocol as a service manager sees
it. The test binds its own NOTIFY_SOCKET (a datagram socket) and sets
WATCHDOG_USEC: READY=1 only after the first good load (never with broken
rules), RELOADING=1 with MONOTONIC_USEC (the current CLOCK_MONOTONIC) then
READY=1 around a SIGHUP reload, WATCHDOG=1 at about half the interval, and
STOPPING=1 on SIGTERM.
"""
import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, check, finish, free_port,  # noqa
                        write_conf, write_rules, WORK)

port = free_port()
conf = os.path.join(WORK, "koyomi.conf")
write_rules(os.path.join(WORK, "rules"))
write_conf(conf, port, "watch_rules: false\n")
path = os.path.join(WORK, "notify.sock")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(0.1)
env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"}


def collect(seconds, until=None):
    """Datagrams received for up to seconds (or until one contains until)."""
    out = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            m = sock.recv(4096).decode()
        except socket.timeout:
            continue
        out.append((time.monotonic(), m))
        if until is not None and until in m:
            break
    return out


def has(msgs, s):
    return [m for _, m in msgs if s in m.split("\n")]


# Broken rules: the daemon exits and never says READY.
with open(os.path.join(WORK, "rules", "bad.yaml"), "w") as f:
    f.write("cycles: 3\n")
d = Daemon(conf, port, env=env, log="bad.log")
rc = d.p.wait(10)
msgs = collect(0.3)
check(rc == 1 and not has(msgs, "READY=1"), "no READY=1 with broken rules")
os.unlink(os.path.join(WORK, "rules", "bad.yaml"))

d = Daemon(conf, port, env=env)
msgs = collect(10, until="READY=1")
check(has(msgs, "READY=1"), "READY=1 after the first load")
check(d.wait_ready(), "and /healthz answers")
msgs = collect(0.5)
check(not has(msgs, "READY=1"), "READY=1 once at startup")

# Watchdog pings at about half of 400 ms.
msgs = collect(1.2)
n = len(has(msgs, "WATCHDOG=1"))
check(4 <= n <= 8, "WATCHDOG=1 every ~200 ms (%d in 1.2 s)" % n)

# Reload: RELOADING=1 + MONOTONIC_USEC, then READY=1.
t = time.monotonic()
d.signal(signal.SIGHUP)
msgs = [m for m in collect(5, until="READY=1") if "WATCHDOG=1" != m[1]]
rel = [m for _, m in msgs if "RELOADING=1" in m.split("\n")]
check(len(rel) == 1, "RELOADING=1 once")
if rel:
    usec = [int(line.split("=")[1]) for line in rel[0].split("\n")
            if line.startswith("MONOTONIC_USEC=")]
    check(usec and abs(usec[0] / 1e6 - t) < 2,
          "MONOTONIC_USEC is CLOCK_MONOTONIC now")
order = [m for _, m in msgs]
check(rel and has(msgs, "READY=1") and
      order.index(rel[0]) < len(order) - 1 and "READY=1" in order[-1],
      "READY=1 after RELOADING=1")

d.signal(signal.SIGTERM)
msgs = collect(5, until="STOPPING=1")
check(has(msgs, "STOPPING=1"), "STOPPING=1 on SIGTERM")
check(d.stop() == 0, "exit 0")
finish()
