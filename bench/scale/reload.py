#!/usr/bin/python3
"""reload.py [N] [REPS] — how long a reload that changes tasks holds the
event loop.

The scale generator's N organisations (120·N open tasks), a fresh
database, `koyomi run`; once every task is written and the daemon is
idle, REPS times: one deadline of the rules moves by a day (alternating
between two dates: N·4 tasks move), SIGHUP, and for the next 8 s one
client asks /healthz again and again on one keep-alive connection. The
longest answer is the longest the loop was held (the rules load and
expansion, the task comparison, the writes, the reminder pass after
it); "tasks" is the daemon's own log line. KOYOMI names the binary.
Prints one TSV row per reload and the medians.
"""
import http.client
import os
import re
import signal
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scaled import cpu, logtext, start, stop as stop_daemon  # noqa: E402

PORT = 28293


def hammer(stop, lat):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    while not stop.is_set():
        t = time.monotonic()
        c.request("GET", "/healthz")
        c.getresponse().read()
        lat.append(time.monotonic() - t)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    w = tempfile.mkdtemp(prefix="koyomi-reload.")
    p = None
    try:
        _, p = start(w, n, PORT)
        cyc = os.path.join(w, "rules", "cycles", "scale.yaml")
        rows = []
        for r in range(reps):
            with open(cyc) as f:
                text = f.read()
            # 2月4日 <-> 2月5日 (both business days): that deadline moves.
            text = text.replace('"2月4日"', '"@"').replace(
                '"2月5日"', '"2月4日"').replace('"@"', '"2月5日"')
            with open(cyc, "w") as f:
                f.write(text)
            lat, stop = [], threading.Event()
            th = threading.Thread(target=hammer, args=(stop, lat))
            th.start()
            time.sleep(1)
            before = len(re.findall(r"tasks: .*", logtext(w)))
            c0 = cpu(p.pid)
            p.send_signal(signal.SIGHUP)
            time.sleep(8)
            stop.set()
            th.join()
            c1 = cpu(p.pid)
            lines = re.findall(r"tasks: .*", logtext(w))
            what = lines[-1] if len(lines) > before else "no tasks line"
            lat.sort()
            rows.append((max(lat), lat[int(len(lat) * 0.99)], c1 - c0))
            print("%d\treload %d\tmax %.0f ms\tp99 %.1f ms\t%d requests\t"
                  "cpu %.2f s\t%s" % (n, r + 1, rows[-1][0] * 1000,
                                      rows[-1][1] * 1000, len(lat),
                                      c1 - c0, what), flush=True)
        print("median: longest answer %.0f ms, p99 %.1f ms, %.2f s CPU "
              "per reload" % (statistics.median(x[0] for x in rows) * 1000,
                              statistics.median(x[1] for x in rows) * 1000,
                              statistics.median(x[2] for x in rows)))
    finally:
        stop_daemon(p, w)


if __name__ == "__main__":
    main()
