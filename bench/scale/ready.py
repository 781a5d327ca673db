#!/usr/bin/python3
"""Time from exec to the daemon's "ready" line, and its CPU time then.

    ready.py BINARY CONF [RUNS]

Starts `BINARY -c CONF run` RUNS times (default 7) on the same database,
reads its log from a pipe (no polling delay), and prints each run's wall
and CPU milliseconds to READY, then the medians. Run it for two binaries
on copies of one database to compare them in one sitting (bench/README.md
"Scale"). Loopback only: CONF should listen on 127.0.0.1.
"""
import os
import signal
import subprocess
import sys
import time


def one(binary, conf):
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "-c", conf, "run"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    wall = cpu = None
    try:
        for n, line in enumerate(p.stderr):
            if n > 10000:
                break
            if "info: ready" in line:
                wall = (time.monotonic() - t0) * 1000
                with open("/proc/%d/stat" % p.pid) as f:
                    st = f.read().rsplit(")", 1)[1].split()
                cpu = (int(st[11]) + int(st[12])) * 1000 / \
                    os.sysconf("SC_CLK_TCK")
                break
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return wall, cpu


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: ready.py BINARY CONF [RUNS]")
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    res = [one(sys.argv[1], sys.argv[2]) for _ in range(runs)]
    if any(w is None for w, _ in res):
        sys.exit("a run never logged ready")
    print(" ".join("%.0f/%.0f" % r for r in res), "(wall/cpu ms)")
    walls = sorted(w for w, _ in res)
    cpus = sorted(c for _, c in res)
    print("median: wall %.0f ms, cpu %.0f ms" % (walls[runs // 2],
                                                 cpus[runs // 2]))


if __name__ == "__main__":
    main()
