#!/usr/bin/python3
"""systemd_syscalls: every system call `koyomi run` makes while it starts,
serves (health, metrics, feeds, API reload), reloads (SIGHUP, inotify) and
stops is allowed by the SystemCallFilter= lines of systemd/koyomi.service,
and every socket it opens is of a family RestrictAddressFamilies= allows —
so the hardened unit cannot kill the daemon with SIGSYS or EPERM halfway.
The daemon runs under strace -f here; groups are expanded with
`systemd-analyze syscall-filter`. Calls SQLite makes only as root (fchown
of its journal files: the unit runs as User=koyomi) are ignored when this
test runs as root.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, check, fail, finish, free_port, get,  # noqa
                        metric, new_token, request, skip, wait_for,
                        write_conf, write_rules, WORK)

SRC = os.environ.get("KOYOMI_SRC", os.getcwd())
UNIT = os.path.join(SRC, "systemd", "koyomi.service")

for tool in ("strace", "systemd-analyze"):
    if shutil.which(tool) is None:
        skip("%s is not installed (tests/deps.sh installs it)" % tool)


def unit_values(key):
    with open(UNIT) as f:
        return [l.split("=", 1)[1].strip() for l in f
                if l.startswith(key + "=")]


def filter_groups():
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"],
                         capture_output=True, text=True, check=True).stdout
    groups, cur = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            cur = line.strip()
            groups[cur] = []
        elif cur and line.strip() and not line.strip().startswith("#"):
            groups[cur].append(line.strip())
    return groups


def expand(groups, names, seen=None):
    seen = set() if seen is None else seen
    out = set()
    for n in names:
        if not n.startswith("@"):
            out.add(n)
        elif n not in seen:
            seen.add(n)
            out |= expand(groups, groups.get(n, []), seen)
    return out


def allowed_syscalls():
    """Allow-list lines add, '~' lines take away, in order, as systemd."""
    groups = filter_groups()
    allowed, listed = set(), False
    for v in unit_values("SystemCallFilter"):
        names = expand(groups, v.lstrip("~").split())
        if v.startswith("~"):
            allowed -= names
        else:
            allowed |= names
            listed = True
    if not listed:
        fail("no allow-list SystemCallFilter= in the unit")
    return allowed


allowed = allowed_syscalls()
check(len(allowed) > 100, "the unit's filter allows %d calls" % len(allowed))
families = set(" ".join(unit_values("RestrictAddressFamilies")).split())
check(families, "RestrictAddressFamilies: %s" % " ".join(sorted(families)))

port = free_port()
conf = os.path.join(WORK, "koyomi.conf")
rules = os.path.join(WORK, "rules")
write_rules(rules)
write_conf(conf, port)
admin = new_token(conf, "admin", "root")
trace = os.path.join(WORK, "strace.out")
# LeakSanitizer cannot run under ptrace and would turn a clean stop into
# exit 1 in the ASan build; leaks are checked by every other test there.
opts = os.environ.get("ASAN_OPTIONS", "")
d = Daemon(conf, port, wrap=["strace", "-f", "-qq", "-o", trace],
           env={"ASAN_OPTIONS": (opts + ":" if opts else "") +
                "detect_leaks=0"})
if not d.wait_ready(timeout=30):
    finish()
# strace is the child of the test; koyomi is strace's child.
kids = open("/proc/%d/task/%d/children" % (d.p.pid, d.p.pid)).read().split()
check(len(kids) == 1, "koyomi runs under strace (pid %s)" % kids)
kpid = int(kids[0])
check(get(port, "/healthz")[0] == 200, "/healthz")
check(metric(port, "koyomi_reloads_total") == 1, "/metrics")
check(get(port, "/feeds/test.ics")[0] == 200, "feed")
st, _, _ = request(port, "POST", "/api/v1/reload",
                   headers={"Authorization": "Bearer " + admin})
check(st == 200, "API reload")
os.kill(kpid, signal.SIGHUP)
wait_for(lambda: metric(port, "koyomi_reloads_total") == 3, 10, "SIGHUP")
write_rules(rules, meeting="変更後の会議")
wait_for(lambda: metric(port, "koyomi_reloads_total") == 4, 10, "inotify")
os.kill(kpid, signal.SIGTERM)
rc = d.p.wait(30)
check(rc == 0, "stopped with exit 0 (%d)" % rc)

used, fams = {}, set()
call = re.compile(r"^\d+\s+([a-z_0-9]+)\(")
with open(trace) as f:
    for line in f:
        m = call.match(line)
        if not m:
            continue
        used.setdefault(m.group(1), line.strip())
        if m.group(1) in ("socket", "socketpair"):
            fm = re.search(r"\((AF_[A-Z0-9]+)", line)
            if fm:
                fams.add(fm.group(1))
check(len(used) > 30, "%d distinct calls traced" % len(used))
root_only = {"fchown"} if os.geteuid() == 0 else set()
# execve is strace starting koyomi: systemd's own exec, not filtered.
bad = sorted(set(used) - allowed - root_only - {"execve"})
check(not bad, "every call is allowed by SystemCallFilter: %s" %
      (", ".join("%s (%s)" % (b, used[b][:80]) for b in bad) or "yes"))
badf = sorted(fams - families)
check(not badf, "socket families %s allowed: %s" %
      (" ".join(sorted(fams)), " ".join(badf) or "yes"))
finish()
