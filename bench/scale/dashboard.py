#!/usr/bin/python3
"""Dashboard pages at scale (a bench, not a test).

    python3 bench/scale/dashboard.py [N …]

For the shipped rules ("shipped") and each N (bench/scale/gen.py: N
organisations, 30 deadlines assigned to all of them), starts the daemon
on a fresh database on loopback, waits until every task is written, logs
in as an admin and fetches each page 11 times: its size in bytes and the
median and worst wall time of a request (keep-alive off, as a browser's
first load). The API's task exports (JSON and CSV, every year) are
fetched the same way with a bearer token, and /metrics (what a
Prometheus scrape costs). While each page is fetched,
another connection asks GET /healthz every 5 ms: the slowest of those
answers is how long the page held the daemon's loop (feeds, delivery
and every other request wait that long). KOYOMI names the binary
(default build/normal/koyomi). Prints a markdown table.
"""
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
KOYOMI = os.environ.get("KOYOMI") or os.path.join(SRC, "build", "normal",
                                                   "koyomi")
REPS = 11


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def req(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), \
            r.read()
    finally:
        c.close()


def login(port, token):
    _, h, _ = req(port, "GET", "/login")
    ck = re.search(r"koyomi_login=([^;]+)", h["set-cookie"]).group(1)
    _, h, _ = req(port, "POST", "/login", urllib.parse.urlencode(
        {"csrf": ck, "token": token}).encode(), {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "koyomi_login=" + ck})
    return re.search(r"koyomi_session=[^;]+", h["set-cookie"]).group(0)


class Probe(threading.Thread):
    """GET /healthz every 5 ms on a keep-alive connection until stopped;
    worst is the slowest answer."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.worst, self.halt = port, 0.0, threading.Event()

    def run(self):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            while not self.halt.is_set():
                t = time.monotonic()
                c.request("GET", "/healthz")
                c.getresponse().read()
                self.worst = max(self.worst, time.monotonic() - t)
                time.sleep(0.005)
        finally:
            c.close()


def measure(port, headers, path):
    times, size = [], 0
    probe = Probe(port)
    probe.start()
    try:
        for _ in range(REPS):
            t = time.monotonic()
            st, _, body = req(port, "GET", path, headers=headers)
            times.append(time.monotonic() - t)
            if st != 200:
                return None
            size = len(body)
    finally:
        probe.halt.set()
        probe.join()
    return size, statistics.median(times), max(times), probe.worst


def run(label, rules):
    w = tempfile.mkdtemp(prefix="koyomi-dash-bench.")
    port = free_port()
    conf = os.path.join(w, "koyomi.conf")
    with open(conf, "w") as f:
        f.write("listen: 127.0.0.1:%d\nbase_url: http://127.0.0.1:%d\n"
                "database: %s/k.db\nrules: %s\ntimezone: Asia/Tokyo\n"
                "mail_transport: maildir:%s/mail\nsecret_key_file: %s/key\n"
                % (port, port, w, rules, w, w))
    tok = subprocess.run([KOYOMI, "-c", conf, "token", "add", "--role",
                          "admin", "bench"], capture_output=True,
                         text=True).stdout.strip()
    log = open(os.path.join(w, "log"), "w+")
    p = subprocess.Popen([KOYOMI, "-c", conf, "run"], stdout=log,
                         stderr=log)
    rows = []
    try:
        end = time.monotonic() + 300
        while time.monotonic() < end:
            log.seek(0)
            text = log.read()
            if re.search(r"tasks: \d+ created", text):
                break
            time.sleep(0.2)
        time.sleep(1)	# the reminder pass after the writes
        cookie = login(port, tok)
        _, _, home = req(port, "GET", "/", headers={"Cookie": cookie})
        uid = re.search(r'<section class="deadline" data-uid="([^"]+)"',
                        home.decode())
        pages = ["/", "/?view=all", "/annual", "/?format=csv"]
        if uid:
            pages.append("/occurrences/" + urllib.parse.quote(uid.group(1)))
        pages += ["/api/v1/tasks", "/api/v1/tasks?format=csv", "/metrics"]
        for path in pages:
            h = {"Authorization": "Bearer " + tok} if \
                path.startswith("/api/") else {"Cookie": cookie}
            m = measure(port, h, path)
            if m:
                rows.append((label, path, m[0], m[1] * 1000, m[2] * 1000,
                             m[3] * 1000))
    finally:
        p.terminate()
        p.wait(30)
        log.close()
        shutil.rmtree(w, ignore_errors=True)
    return rows


def main():
    sizes = sys.argv[1:] or ["shipped", "2000"]
    rows = []
    for n in sizes:
        if n == "shipped":
            rows += run("shipped rules", os.path.join(SRC, "rules"))
            continue
        d = tempfile.mkdtemp(prefix="koyomi-dash-rules.")
        subprocess.run([sys.executable, os.path.join(SRC, "bench", "scale",
                                                     "gen.py"), n, d],
                       check=True)
        rows += run("%s organisations" % n, d)
        shutil.rmtree(d, ignore_errors=True)
    print("| rules | page | bytes | median ms | max ms | slowest /healthz "
          "meanwhile, ms |")
    print("|---|---|---|---|---|---|")
    for label, path, size, med, worst, stall in rows:
        print("| %s | `%s` | %s | %.1f | %.1f | %.1f |" % (
            label, path if len(path) < 40 else path[:37] + "…",
            format(size, ","), med, worst, stall))


if __name__ == "__main__":
    main()
