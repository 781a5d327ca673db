#!/usr/bin/python3
"""run.py — koyomi's feeds against nginx serving the same bytes.

In one run, on loopback: koyomi's /feeds/NAME.ics and nginx (one worker,
sendfile, etag, gzip_static on a gzip -9 copy, keep-alive, no access
log: nginx.conf) serving the very bytes `koyomi feed NAME` printed, for
a ~50 KB and a ~500 KB feed: 200 identity, 304 (If-None-Match with each
server's own ETag) and 200 gzip. `wrk -t1 -cC -dD` per measure, as the
peer baselines were taken on this kind of machine.

Pairs: each cell (test, size, connections) is measured as a pair, koyomi
and nginx back to back, the order alternating from one repetition to
the next; the ratio is per pair, and the table gives the median of the
pairs and the lowest one.

Void pairs: quiet.tsv holds nginx's rate for each cell measured on a
quiet box (--calibrate writes it: nginx alone, the best of 3). A pair
whose nginx rate falls more than 20% below it ran on a busy box: it is
recorded as void and measured again (at most --retries times), and only
the pairs that are not void count.

Usage: run.py [--reps 5] [--dur 5s] [--conns 64] [--out DIR]
              [--tests 200,304,gzip] [--sizes f50,f500] [--calibrate]
KOYOMI names the binary (default build/normal/koyomi). Needs wrk, nginx,
curl, gzip. Writes DIR/wrk.tsv (one row per wrk run, void ones marked)
and DIR/raw/*.txt (wrk's own output); prints the table. Servers are
stopped by their PIDs.
"""
import argparse
import datetime
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
KOYOMI = os.environ.get("KOYOMI") or os.path.join(SRC, "build/normal/koyomi")
QUIET = os.path.join(HERE, "quiet.tsv")
VOID_BELOW = 0.8
KP, NP = 28180, 28181
LABEL = {"200": "200 identity", "304": "304 If-None-Match",
         "gzip": "200 gzip"}


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def etag(url):
    out = subprocess.run(["curl", "-sI", url], capture_output=True,
                         text=True).stdout
    for ln in out.splitlines():
        if ln.lower().startswith("etag:"):
            return ln.split(":", 1)[1].strip()
    sys.exit("no ETag from " + url)


class Servers:
    def __init__(self, w):
        self.w = w
        self.k = None
        rules = os.path.join(w, "rules")
        os.makedirs(rules)
        os.makedirs(os.path.join(w, "data"))
        subprocess.run([sys.executable, os.path.join(HERE, "gen_rules.py"),
                        os.path.join(rules, "bench.yaml")], check=True)
        conf = os.path.join(w, "koyomi.conf")
        with open(conf, "w") as f:
            f.write("listen: 127.0.0.1:%d\nbase_url: http://127.0.0.1:%d\n"
                    "database: %s/koyomi.db\nrules: %s\n"
                    "timezone: Asia/Tokyo\nmail_transport: maildir:%s/mail\n"
                    "secret_key_file: %s/secret.key\nmax_connections: 2048\n"
                    % (KP, KP, w, rules, w, w))
        self.log = open(os.path.join(w, "koyomi.log"), "wb")
        self.k = subprocess.Popen([KOYOMI, "-c", conf, "run"],
                                  stdout=self.log, stderr=self.log)
        for _ in range(200):
            if subprocess.run(["curl", "-s", "-o", "/dev/null",
                               "http://127.0.0.1:%d/healthz" % KP]
                              ).returncode == 0:
                break
            time.sleep(0.1)
        self.size, self.gz = {}, {}
        for z in ("f50", "f500"):
            path = os.path.join(w, "data", z + ".ics")
            with open(path, "wb") as f:
                subprocess.run([KOYOMI, "-c", conf, "feed", z], stdout=f,
                               stderr=subprocess.DEVNULL, check=True)
            subprocess.run(["gzip", "-9", "-k", "-n", path], check=True)
            got = subprocess.run(["curl", "-s", "http://127.0.0.1:%d/feeds/"
                                  "%s.ics" % (KP, z)],
                                 capture_output=True).stdout
            with open(path, "rb") as f:
                if f.read() != got:
                    sys.exit("koyomi feed %s differs from what HTTP "
                             "serves" % z)
            self.size[z] = os.path.getsize(path)
            self.gz[z] = os.path.getsize(path + ".gz")
        nd = os.path.join(w, "nginx")
        os.makedirs(nd)
        with open(os.path.join(HERE, "nginx.conf")) as f:
            text = f.read().replace("@W@", w).replace("@PORT@", str(NP))
        with open(os.path.join(nd, "nginx.conf"), "w") as f:
            f.write(text)
        subprocess.run(["nginx", "-p", nd + "/", "-c",
                        os.path.join(nd, "nginx.conf"),
                        "-g", "worker_processes 1;"], check=True)
        time.sleep(0.5)

    def url(self, server, z):
        if server == "koyomi":
            return "http://127.0.0.1:%d/feeds/%s.ics" % (KP, z)
        return "http://127.0.0.1:%d/%s.ics" % (NP, z)

    def stop(self):
        try:
            with open(os.path.join(self.w, "nginx", "nginx.pid")) as f:
                os.kill(int(f.read()), signal.SIGQUIT)
        except (OSError, ValueError):
            pass
        if self.k is not None and self.k.poll() is None:
            self.k.send_signal(signal.SIGTERM)
            self.k.wait(30)


class Bench:
    def __init__(self, a, s):
        self.a = a
        self.s = s
        self.raw = os.path.join(a.out, "raw")
        os.makedirs(self.raw, exist_ok=True)
        self.tsv = open(os.path.join(a.out, "wrk.tsv"), "a")
        self.etags = {}
        for srv in ("koyomi", "nginx"):
            for z in ("f50", "f500"):
                self.etags[(srv, z)] = etag(s.url(srv, z))
        self.seq = 0

    def wrk(self, srv, test, z, c, tag):
        args = ["wrk", "--latency", "-t1", "-c%d" % c, "-d" + self.a.dur,
                "--timeout", "10s"]
        if test == "304":
            args += ["-H", "If-None-Match: " + self.etags[(srv, z)]]
        elif test == "gzip":
            args += ["-H", "Accept-Encoding: gzip"]
        args.append(self.s.url(srv, z))
        time.sleep(1)
        load = loadavg()
        out = subprocess.run(args, capture_output=True, text=True).stdout
        self.seq += 1
        name = "%s-%03d-%s-%s-%s-c%d.txt" % (tag, self.seq, srv, test, z, c)
        with open(os.path.join(self.raw, name), "w") as f:
            f.write(out)
        rps, p50, p99, errs = 0.0, "", "", ""
        for ln in out.splitlines():
            p = ln.split()
            if ln.startswith("Requests/sec:"):
                rps = float(p[1])
            elif ln.startswith("     50%"):
                p50 = p[1]
            elif ln.startswith("     99%"):
                p99 = p[1]
            elif "Socket errors" in ln or "Non-2xx" in ln:
                errs += ln.strip() + ";"
        return rps, p50, p99, errs, load, name

    def row(self, *v):
        self.tsv.write("\t".join(str(x) for x in v) + "\n")
        self.tsv.flush()


def read_quiet():
    q = {}
    if os.path.exists(QUIET):
        for ln in open(QUIET):
            if ln.startswith("#") or not ln.strip():
                continue
            test, z, c, rps = ln.split()[:4]
            q[(test, z, int(c))] = float(rps)
    return q


def calibrate(a, b):
    """nginx alone, each cell 3 times: the best rate goes to quiet.tsv."""
    lines = ["# nginx's rate per cell on a quiet box (bench/feeds/run.py "
             "--calibrate)", "# %s load %s commit %s" % (
                 datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%MZ"),
                 loadavg(), git_head()),
             "# test\tfeed\tconns\treq/s (best of 3)"]
    for z in a.sizes:
        for test in a.tests:
            for c in a.conns:
                best = max(b.wrk("nginx", test, z, c, "cal")[0]
                           for _ in range(3))
                lines.append("%s\t%s\t%d\t%.0f" % (test, z, c, best))
                print(lines[-1], flush=True)
    with open(QUIET, "w") as f:
        f.write("\n".join(lines) + "\n")


def git_head():
    return subprocess.run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()


def run(a, b):
    quiet = read_quiet()
    pairs = {}
    for rep in range(1, a.reps + 1):
        for z in a.sizes:
            for test in a.tests:
                for c in a.conns:
                    order = ["koyomi", "nginx"]
                    if rep % 2 == 0:
                        order.reverse()
                    for attempt in range(a.retries + 1):
                        got = {srv: b.wrk(srv, test, z, c, "r%d" % rep)
                               for srv in order}
                        ref = quiet.get((test, z, c))
                        void = ref is not None and \
                            got["nginx"][0] < VOID_BELOW * ref
                        ratio = got["koyomi"][0] / got["nginx"][0] \
                            if got["nginx"][0] else 0
                        for srv in order:
                            rps, p50, p99, errs, load, name = got[srv]
                            b.row(datetime.datetime.utcnow().strftime(
                                "%Y-%m-%dT%H:%M:%SZ"), rep, attempt, srv,
                                test, z, c, "%.0f" % rps, p50, p99, load,
                                "void" if void else "ok", "%.3f" % ratio,
                                errs or "-", name)
                        print("rep %d %-5s %-4s c%-3d koyomi %8.0f nginx "
                              "%8.0f ratio %.2f%s" % (
                                  rep, test, z, c, got["koyomi"][0],
                                  got["nginx"][0], ratio,
                                  " VOID (nginx below %.0f%% of %.0f)" % (
                                      VOID_BELOW * 100, ref) if void else ""),
                              flush=True)
                        if not void:
                            pairs.setdefault((test, z, c), []).append(
                                (ratio, got["koyomi"][0], got["nginx"][0]))
                            break
    print("\n| test | feed | conns | pairs | koyomi req/s | nginx req/s "
          "| koyomi/nginx: median (lowest pair) | goal ≥ 1, no pair < 0.9 |")
    print("|---|---|---|---|---|---|---|---|")
    for z in a.sizes:
        for test in a.tests:
            for c in a.conns:
                v = pairs.get((test, z, c), [])
                if not v:
                    continue
                med = statistics.median(x[0] for x in v)
                low = min(x[0] for x in v)
                size = "%.0f KB" % (b.s.size[z] / 1000) if test != "gzip" \
                    else "%.0f KB (gz %.1f KB)" % (b.s.size[z] / 1000,
                                                   b.s.gz[z] / 1000)
                print("| %s | %s | %d | %d | %s | %s | %.2f (%.2f) | %s |" % (
                    LABEL[test], size, c, len(v),
                    "{:,.0f}".format(statistics.median(x[1] for x in v)),
                    "{:,.0f}".format(statistics.median(x[2] for x in v)),
                    med, low, "met" if med >= 1 and low >= 0.9 else
                    "not met"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--dur", default="5s")
    ap.add_argument("--conns", default="64")
    ap.add_argument("--retries", type=int, default=3)
    ap.add_argument("--calibrate", action="store_true")
    ap.add_argument("--tests", default="200,304,gzip")
    ap.add_argument("--sizes", default="f50,f500")
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(),
                                                  "koyomi-bench-feeds"))
    a = ap.parse_args()
    a.conns = [int(x) for x in a.conns.split(",")]
    a.tests = a.tests.split(",")
    a.sizes = a.sizes.split(",")
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "machine.txt"), "a") as f:
        f.write("%s commit %s koyomi %s nproc %d loadavg %s args %s\n" % (
            datetime.datetime.utcnow().isoformat(), git_head(), KOYOMI,
            os.cpu_count(), open("/proc/loadavg").read().strip(),
            " ".join(sys.argv[1:])))
    w = tempfile.mkdtemp(prefix="koyomi-feeds.")
    os.chmod(w, 0o755)      # nginx's worker (nobody) reads data/
    s = None
    try:
        s = Servers(w)
        b = Bench(a, s)
        if a.calibrate:
            calibrate(a, b)
        else:
            run(a, b)
    finally:
        if s is not None:
            s.stop()
        shutil.rmtree(w, ignore_errors=True)


if __name__ == "__main__":
    main()
