#!/usr/bin/python3
"""run.py — delivery through the whole daemon, against its peers.

What a user gets: a rules folder with N organisations (one contact each)
and one deadline whose one-step policy ("0d 09:00", no digest) falls due
at 09:00; a fresh database; `koyomi run` started under libfaketime a few
seconds before 09:00 (the same faked day every time, a business day). At
09:00 the reminder pass queues N mails and/or N signed webhooks in the
outbox, and the dispatcher delivers them: to a minimal asyncio SMTP sink
that only counts (smtp_sink.py) and to nginx answering `return 204`
(nginx.conf). The rate is N over the time from the first to the last
arrival at the sink (so start-up and the wait for 09:00 are outside it).

In the same run, on the same sinks, the peers:
  smtplib-1      Python smtplib, one connection (smtp_peer.py)
  smtplib-K      Python smtplib, as many connections as koyomi's
                 mail_connections (K processes, one connection each)
  curl-mail      one `curl smtp://` process per mail (M mails)
  curl-post      one `curl -X POST` process per request (M requests)
All rates are first to last arrival at the sink, peers included.

Every koyomi run is checked: each message arrived (by Message-ID or
webhook-id), duplicates counted, every outbox row 'sent'.

Void reps: quiet.tsv holds each peer's rate measured alone on a quiet
box (--calibrate: the median of five). A repetition in which a peer that
ran for a second or more (smtplib at 20,000 mails, curl) was more than
20% below it shared the box with other work: its rows are kept but
marked void, it is measured again (at most --retries times), and only
the others count in the summary.

Usage: run.py [--reps 3] [--n 2000,20000] [--kinds mail,webhook,both]
              [--mail-conns K] [--hook-conns K] [--no-peers] [--out DIR]
              [--calibrate]
KOYOMI names the binary (default build/normal/koyomi; a wrapper script
such as `perf record ... build/normal/koyomi "$@"` profiles a run), KEEP=1
keeps the working folder (the last run's database and log). Needs nginx
(apt-get install nginx-light), curl and libfaketime. Writes DIR/rate.tsv
(one row per measure: date, rep, N, what, count, distinct ids,
duplicates, seconds, msg/s, load average, notes, ok or void) and
DIR/machine.txt; prints a summary. Servers are stopped by their PIDs.
"""
import argparse
import datetime
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
KOYOMI = os.environ.get("KOYOMI") or os.path.join(SRC, "build/normal/koyomi")
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
DAY = "2026-12-09"          # a Wednesday, no holiday
SECRET = "whsec_YmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtYmVuY2g="
PY = "/usr/bin/python3"
QUIET = os.path.join(HERE, "quiet.tsv")
VOID_BELOW = 0.8

procs = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


class Sinks:
    def __init__(self, w):
        self.w = w
        self.smtp_port, self.http_port = free_port(), free_port()
        while self.http_port == self.smtp_port:
            self.http_port = free_port()
        self.stats = os.path.join(w, "smtp.json")
        self.smtp = subprocess.Popen([PY, os.path.join(HERE, "smtp_sink.py"),
                                      str(self.smtp_port), self.stats])
        procs.append(self.smtp)
        nd = os.path.join(w, "nginx")
        os.makedirs(nd)
        with open(os.path.join(HERE, "nginx.conf")) as f:
            conf = f.read().replace("@W@", w).replace(
                "@PORT@", str(self.http_port))
        with open(os.path.join(nd, "nginx.conf"), "w") as f:
            f.write(conf)
        subprocess.run(["nginx", "-p", nd + "/", "-c",
                        os.path.join(nd, "nginx.conf"),
                        "-g", "worker_processes 1;"], check=True)
        self.log = os.path.join(nd, "hooks.log")
        end = time.monotonic() + 10
        while not os.path.exists(self.stats + ".ready"):
            if time.monotonic() > end:
                sys.exit("the SMTP sink did not start")
            time.sleep(0.05)
        self.mark()

    def nginx_pid(self):
        with open(os.path.join(self.w, "nginx", "nginx.pid")) as f:
            return int(f.read())

    def mark(self):
        """Starts a new count on both sinks."""
        self.smtp.send_signal(signal.SIGUSR1)
        time.sleep(0.1)
        self.sink_cpu0 = cpu_seconds(self.smtp.pid)[0]
        self.off = os.path.getsize(self.log) if os.path.exists(
            self.log) else 0

    def smtp_stats(self):
        try:
            os.unlink(self.stats)
        except OSError:
            pass
        self.smtp.send_signal(signal.SIGUSR2)
        for _ in range(200):
            try:
                with open(self.stats) as f:
                    return json.load(f)
            except (OSError, ValueError):
                time.sleep(0.01)
        sys.exit("the SMTP sink does not answer")

    def hooks(self):
        """(time, status, id) of the requests logged since the mark."""
        try:
            with open(self.log, "rb") as f:
                f.seek(self.off)
                data = f.read()
        except OSError:
            return []
        out = []
        for ln in data.decode().splitlines():
            p = ln.split()
            if len(p) >= 2:
                out.append((float(p[0]), p[1], p[2] if len(p) > 2 else ""))
        return out

    def stop(self):
        try:
            os.kill(self.nginx_pid(), signal.SIGQUIT)
        except OSError:
            pass
        self.smtp.send_signal(signal.SIGTERM)
        self.smtp.wait(10)


def cpu_seconds(pid):
    """User and system CPU time so far (start-up included): of the
    process, and of its threads other than the main one (the mail
    thread)."""
    def ticks(path):
        try:
            with open(path) as f:
                v = f.read().rsplit(")", 1)[1].split()
            return int(v[11]) + int(v[12])
        except (OSError, IndexError, ValueError):
            return 0
    hz = os.sysconf("SC_CLK_TCK")
    try:
        tids = [int(t) for t in os.listdir("/proc/%d/task" % pid)]
    except OSError:
        tids = []
    other = sum(ticks("/proc/%d/task/%d/stat" % (pid, t))
                for t in tids if t != pid)
    return ticks("/proc/%d/stat" % pid) / hz, other / hz


def hook_stats(rows):
    if not rows:
        return {"count": 0, "distinct": 0, "duplicates": 0, "first": None,
                "last": None, "bad": 0}
    ids = {}
    for _, _, i in rows:
        ids[i] = ids.get(i, 0) + 1
    return {"count": len(rows), "distinct": len(ids),
            "duplicates": len(rows) - len(ids),
            "first": min(r[0] for r in rows), "last": max(r[0] for r in rows),
            "bad": sum(1 for r in rows if r[1] != "204")}


def rate(n, first, last):
    if first is None or last is None or last <= first:
        return 0.0, 0.0
    secs = last - first
    # n messages arrive over n - 1 gaps.
    return secs, (n - 1) / secs


class Bench:
    def __init__(self, a, w):
        self.a = a
        self.w = w
        self.sinks = Sinks(w)
        self.tsv = open(os.path.join(a.out, "rate.tsv"), "a")
        self.msg = os.path.join(w, "msg.eml")
        self.hook = os.path.join(w, "hook.json")
        self.pending, self.rates, self.secs = [], {}, {}

    def row(self, rep, n, what, st, extra=""):
        secs, r = rate(st["count"], st["first"], st["last"])
        fields = [datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                  rep, n, what, st["count"], st.get("distinct", ""),
                  st.get("duplicates", ""), "%.3f" % secs, "%.1f" % r,
                  loadavg(), extra or "-"]
        self.pending.append(fields)
        print("\t".join(str(x) for x in fields), flush=True)
        self.rates[(what, n)] = r
        self.secs[(what, n)] = secs
        return r

    def end_rep(self, quiet):
        """Writes the rep's rows, void when a peer ran 20% below its
        quiet-box rate; returns whether it counts. Only peers that ran
        for a second or more judge: a quarter of a second (smtplib at
        2,000 mails) swings by half from one run to the next."""
        low = ["%s/%d %.0f < 0.8 x %.0f" % (w, n, r, quiet[(w, n)])
               for (w, n), r in self.rates.items()
               if (w, n) in quiet and self.secs[(w, n)] >= 1 and
               r < VOID_BELOW * quiet[(w, n)]]
        status = "void: " + "; ".join(low) if low else "ok"
        for f in self.pending:
            self.tsv.write("\t".join(str(x) for x in f + [status]) + "\n")
        self.tsv.flush()
        self.pending, self.rates, self.secs = [], {}, {}
        if low:
            print("VOID rep (%s): measured again" % status, flush=True)
        return not low

    def rules(self, n, kind):
        d = os.path.join(self.w, "rules-%d-%s" % (n, kind))
        if not os.path.isdir(d):
            ch = {"mail": "mail", "webhook": "webhook",
                  "both": "mail, webhook"}[kind]
            subprocess.run([PY, os.path.join(HERE, "gen_rules.py"), str(n),
                            DAY, ch, d], check=True)
        return d

    def koyomi(self, rep, n, kind):
        a = self.a
        d = os.path.join(self.w, "run")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        conf = os.path.join(d, "koyomi.conf")
        keys = ""
        if a.mail_conns:
            keys += "mail_connections: %d\n" % a.mail_conns
        if a.hook_conns:
            keys += "webhook_connections: %d\n" % a.hook_conns
        listen = free_port()
        with open(conf, "w") as f:
            f.write("""\
listen: 127.0.0.1:%d
base_url: http://127.0.0.1:%d
database: %s/koyomi.db
rules: %s
timezone: Asia/Tokyo
mail_transport: smtp://127.0.0.1:%d
mail_starttls: optional
mail_from: "koyomi <reminder@bench.example.jp>"
secret_key_file: %s/secret.key
%swebhooks:
  - id: bench
    url: http://127.0.0.1:%d/hook
    secrets: [%s]
    events: [task.*]
""" % (listen, listen, d, self.rules(n, kind), self.sinks.smtp_port, d,
                keys, self.sinks.http_port, SECRET))
        lead = a.lead if a.lead else 4 + n // 2500
        start = datetime.datetime.strptime(DAY + " 09:00:00",
                                           "%Y-%m-%d %H:%M:%S") - \
            datetime.timedelta(seconds=lead)
        env = dict(os.environ, LD_PRELOAD=FAKETIME_LIB,
                   FAKETIME="@" + start.strftime("%Y-%m-%d %H:%M:%S"),
                   FAKETIME_DONT_FAKE_MONOTONIC="1", TZ="Asia/Tokyo")
        self.sinks.mark()
        log = open(os.path.join(d, "koyomi.log"), "wb")
        t0 = time.monotonic()
        p = subprocess.Popen([KOYOMI, "-c", conf, "run"], stdout=log,
                             stderr=log, env=env)
        procs.append(p)
        want_mail = n if kind in ("mail", "both") else 0
        want_hook = n if kind in ("webhook", "both") else 0
        end = t0 + lead + a.timeout
        sm, hk = {"count": 0}, []
        ready = None
        while time.monotonic() < end and p.poll() is None:
            time.sleep(0.2)
            if ready is None:
                with open(log.name, "rb") as f:
                    if b"ready: " in f.read():
                        ready = time.monotonic() - t0
            sm = self.sinks.smtp_stats() if want_mail else sm
            hk = self.sinks.hooks() if want_hook else hk
            if sm["count"] >= want_mail and len(hk) >= want_hook:
                break
        time.sleep(0.5)     # late duplicates, the log's flush
        sm = self.sinks.smtp_stats() if want_mail else sm
        hs = hook_stats(self.sinks.hooks()) if want_hook else None
        cpu = cpu_seconds(p.pid)
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()
        db = sqlite3.connect(os.path.join(d, "koyomi.db"))
        states = dict(db.execute("SELECT state, COUNT(*) FROM outbox "
                                 "GROUP BY state").fetchall())
        for ch, path in (("mail", self.msg), ("webhook", self.hook)):
            if not os.path.exists(path):
                r = db.execute("SELECT b.body FROM outbox AS o JOIN "
                               "outbox_bodies AS b USING (id) WHERE "
                               "o.channel = ? LIMIT 1", (ch,)).fetchone()
                if r:
                    with open(path, "wb") as f:
                        f.write(bytes(r[0]))
        db.close()
        # READY must come before 09:00 (lead seconds after the exec).
        note = "outbox=%s ready=%s lead=%g cpu=%.2fs thread=%.2fs " \
            "sink=%.2fs" % (
                ",".join("%s:%d" % kv for kv in sorted(states.items())),
                "%.1fs" % ready if ready is not None else "?", lead, cpu[0],
                cpu[1], cpu_seconds(self.sinks.smtp.pid)[0] -
                self.sinks.sink_cpu0)
        res = {}
        tag = "" if kind != "both" else "+both"
        if want_mail:
            res["mail"] = self.row(rep, n, "koyomi-mail" + tag, sm, note)
        if want_hook:
            res["webhook"] = self.row(rep, n, "koyomi-webhook" + tag, hs,
                                      note)
        if kind == "both" and sm.get("first") and hs["first"]:
            both = {"count": sm["count"] + hs["count"],
                    "distinct": sm["distinct"] + hs["distinct"],
                    "duplicates": sm["duplicates"] + hs["duplicates"],
                    "first": min(sm["first"], hs["first"]),
                    "last": max(sm["last"], hs["last"])}
            res["both"] = self.row(rep, n, "koyomi-all+both", both, note)
        if (want_mail and (sm["distinct"] != n or sm["duplicates"])) or \
                (want_hook and (hs["distinct"] != n or hs["duplicates"] or
                                hs["bad"])):
            print("WARNING: not exactly once (%s)" % note, flush=True)
        return res

    def smtplib(self, rep, n, k):
        self.sinks.mark()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([PY, os.path.join(HERE, "smtp_peer.py"),
                        str(self.sinks.smtp_port), str(n), str(k), self.msg],
                       check=True)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        time.sleep(0.2)
        cpu = r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
        return self.row(rep, n, "smtplib-%d" % k, self.sinks.smtp_stats(),
                        "cpu=%.2fs sink=%.2fs" % (
                            cpu, cpu_seconds(self.sinks.smtp.pid)[0] -
                            self.sinks.sink_cpu0))

    def curl_mail(self, rep, m):
        self.sinks.mark()
        subprocess.run(["sh", "-c", 'i=0; while [ $i -lt %d ]; do '
                        'curl -sS --url smtp://127.0.0.1:%d '
                        '--mail-from reminder@bench.example.jp '
                        '--mail-rcpt "curl$i@example.lg.jp" '
                        '--upload-file %s || exit 1; i=$((i + 1)); done'
                        % (m, self.sinks.smtp_port, self.msg)], check=True)
        time.sleep(0.2)
        return self.row(rep, m, "curl-mail", self.sinks.smtp_stats())

    def curl_post(self, rep, m):
        self.sinks.mark()
        subprocess.run(["sh", "-c", 'i=0; while [ $i -lt %d ]; do '
                        'curl -sS -o /dev/null -X POST '
                        '-H "Content-Type: application/json" '
                        '-H "webhook-id: curl$i" --data-binary @%s '
                        'http://127.0.0.1:%d/hook || exit 1; '
                        'i=$((i + 1)); done'
                        % (m, self.hook, self.sinks.http_port)], check=True)
        time.sleep(0.5)
        return self.row(rep, m, "curl-post", hook_stats(self.sinks.hooks()))


def read_quiet():
    q = {}
    if os.path.exists(QUIET):
        for ln in open(QUIET):
            if ln.strip() and not ln.startswith("#"):
                what, n, r = ln.split()[:3]
                q[(what, int(n))] = float(r)
    return q


def summary(path, k):
    """Medians over the reps that count, and the ratios of the goals,
    per rep then the median."""
    rows = [ln.rstrip("\n").split("\t") for ln in open(path) if ln.strip()]
    by = {}         # (what, n) -> {rep: rate}
    for r in rows:
        if len(r) < 12 or r[11] != "ok":
            continue
        by.setdefault((r[3], int(r[2])), {})[r[1]] = float(r[8])
    print("\n| N | what | reps | median msg/s | range |")
    print("|---|---|---|---|---|")
    for (what, n), v in sorted(by.items(), key=lambda x: (x[0][1], x[0][0])):
        v = list(v.values())
        print("| %s | %s | %d | %.0f | %.0f–%.0f |" % (
            "{:,}".format(n), what, len(v), statistics.median(v), min(v),
            max(v)))

    def ratio(a, b):
        va, vb = by.get(a, {}), by.get(b, {})
        per = [va[rep] / vb[rep] for rep in va if rep in vb and vb[rep]]
        if not per:
            return "—"
        return "%.2f (%s)" % (statistics.median(per),
                              ", ".join("%.2f" % x for x in sorted(per)))

    curl_m = [x for (w, n) in by if w == "curl-mail" for x in [n]]
    curl_p = [x for (w, n) in by if w == "curl-post" for x in [n]]
    print("\n| ratio (per rep, median) | value |")
    print("|---|---|")
    for n in sorted({n for (_, n) in by if n >= 1000}):
        print("| N=%s koyomi-mail / smtplib-%d | %s |" % (
            "{:,}".format(n), k, ratio(("koyomi-mail", n),
                                       ("smtplib-%d" % k, n))))
        print("| N=%s koyomi-mail / smtplib-1 | %s |" % (
            "{:,}".format(n), ratio(("koyomi-mail", n), ("smtplib-1", n))))
        for c in curl_m:
            print("| N=%s koyomi-mail / curl-mail | %s |" % (
                "{:,}".format(n), ratio(("koyomi-mail", n),
                                        ("curl-mail", c))))
        for c in curl_p:
            print("| N=%s koyomi-webhook / curl-post | %s |" % (
                "{:,}".format(n), ratio(("koyomi-webhook", n),
                                        ("curl-post", c))))
    ns = sorted({n for (w, n) in by if w == "koyomi-mail"})
    for what in ("koyomi-mail", "koyomi-webhook", "koyomi-all+both"):
        if len(ns) >= 2 and (what, ns[0]) in by and (what, ns[-1]) in by:
            print("| %s: N=%s / N=%s | %.2f |" % (
                what, "{:,}".format(ns[-1]), "{:,}".format(ns[0]),
                statistics.median(by[(what, ns[-1])].values()) /
                statistics.median(by[(what, ns[0])].values())))


def calibrate(a, b, k):
    """The peers alone, five times each: the median rate per peer and N
    goes to quiet.tsv (what counts as this machine kind's quiet rate; a
    peer run of 2,000 mails lasts a quarter of a second, so its best of
    a few would void most runs)."""
    got = {}
    for _ in range(5):
        for n in (int(x) for x in a.n.split(",")):
            for kk in sorted({1, k}):
                b.smtplib(0, n, kk)
        b.curl_mail(0, a.curl)
        b.curl_post(0, a.curl)
        for key, r in b.rates.items():
            got.setdefault(key, []).append(r)
        b.pending, b.rates = [], {}
    lines = ["# the peers' rates on a quiet box (bench/delivery/run.py "
             "--calibrate): what, N, msg/s (median of 5)",
             "# %s loadavg %s" % (datetime.datetime.utcnow().strftime(
                 "%Y-%m-%dT%H:%MZ"), loadavg())]
    lines += ["%s\t%d\t%.0f" % (w, n, statistics.median(v))
              for (w, n), v in sorted(got.items())]
    with open(QUIET, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--n", default="2000,20000")
    ap.add_argument("--kinds", default="mail,webhook,both")
    ap.add_argument("--mail-conns", type=int, default=0)
    ap.add_argument("--hook-conns", type=int, default=0)
    ap.add_argument("--peer-conns", type=int, default=4,
                    help="smtplib-K's K when --mail-conns is not given")
    ap.add_argument("--curl", type=int, default=300)
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--lead", type=float, default=0)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--retries", type=int, default=3,
                    help="void reps measured again, at most")
    ap.add_argument("--calibrate", action="store_true",
                    help="measure the peers alone into quiet.tsv")
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(),
                                                  "koyomi-bench-delivery"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "machine.txt"), "a") as f:
        head = subprocess.run(["git", "-C", SRC, "rev-parse", "--short",
                               "HEAD"], capture_output=True, text=True)
        f.write("%s commit %s koyomi %s nproc %d loadavg %s args %s\n" % (
            datetime.datetime.utcnow().isoformat(), head.stdout.strip(),
            KOYOMI, os.cpu_count(), open("/proc/loadavg").read().strip(),
            " ".join(sys.argv[1:])))
    w = tempfile.mkdtemp(prefix="koyomi-delivery.")
    b = None
    try:
        b = Bench(a, w)
        k = a.mail_conns or a.peer_conns
        if a.calibrate:
            b.koyomi(0, 200, "both")      # the payloads the peers send
            b.pending, b.rates = [], {}
            calibrate(a, b, k)
            return
        quiet = read_quiet()
        good = rep = 0
        while good < a.reps and rep < a.reps + a.retries:
            rep += 1
            for n in (int(x) for x in a.n.split(",")):
                for kind in a.kinds.split(","):
                    b.koyomi(rep, n, kind)
                if not a.no_peers and os.path.exists(b.msg):
                    b.smtplib(rep, n, 1)
                    b.smtplib(rep, n, k)
            if not a.no_peers:
                if os.path.exists(b.msg):
                    b.curl_mail(rep, a.curl)
                if os.path.exists(b.hook):
                    b.curl_post(rep, a.curl)
            good += b.end_rep(quiet)
        summary(os.path.join(a.out, "rate.tsv"), k)
    finally:
        if b is not None:
            b.sinks.stop()
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(10)
        if os.environ.get("KEEP"):
            print("kept", w)
        else:
            shutil.rmtree(w, ignore_errors=True)


if __name__ == "__main__":
    main()
