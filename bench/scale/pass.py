#!/usr/bin/python3
"""pass.py [N] [KICKS] — what one reminder pass costs the daemon.

The scale generator's N organisations (30 deadlines for all of them over
four fiscal years: 120·N open tasks), a fresh database, `koyomi run`;
once every task is written and the daemon is idle, KICKS times: a
`koyomi done` from the command line (another process: the daemon sees
the commit and runs a reminder pass, as after any CLI or API change),
and the daemon's CPU time (user + system, /proc) over the next 1.5 s.
The idle CPU over the same time (the least of three windows) is
measured first and subtracted; /proc counts in 10 ms ticks.
Prints one TSV row per kick and the median. KOYOMI names the binary.
"""
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scaled import KOYOMI, cpu, start, stop  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    kicks = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    w = tempfile.mkdtemp(prefix="koyomi-pass.")
    p = None
    try:
        conf, p = start(w, n, 28291)
        idle = None
        for _ in range(3):      # the least of three quiet windows
            c0 = cpu(p.pid)
            time.sleep(1.5)
            d = cpu(p.pid) - c0
            idle = d if idle is None or d < idle else idle
        db = sqlite3.connect(os.path.join(w, "k.db"))
        ids = [r[0] for r in db.execute(
            "SELECT id FROM tasks WHERE state = 'open' ORDER BY id "
            "LIMIT ?", (kicks,))]
        nopen = db.execute("SELECT COUNT(*) FROM tasks WHERE state = "
                           "'open' AND cancelled = 0").fetchone()[0]
        db.close()
        per = []
        for tid in ids:
            c0 = cpu(p.pid)
            subprocess.run([KOYOMI, "-c", conf, "done", str(tid), "--by",
                            "bench"], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            time.sleep(1.5)
            per.append(cpu(p.pid) - c0 - idle)
            print("%d\t%d open tasks\tkick %d\t%.0f ms CPU" % (
                n, nopen, len(per), per[-1] * 1000), flush=True)
        print("median %.0f ms CPU per kick (idle %.0f ms per 1.5 s "
              "subtracted), %d open tasks" % (
                  statistics.median(per) * 1000, idle * 1000, nopen))
    finally:
        stop(p, w)


if __name__ == "__main__":
    main()
