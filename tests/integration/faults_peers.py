#!/usr/bin/python3
"""faults_peers.py — misbehaving mail and webhook peers.

Requirement: with the SMTP server and the webhook endpoint down, slow
(answers after 30 s), refusing, or closing mid-transfer, the loop keeps
serving feeds, and the messages are retried and arrive.

Six daemons run side by side, one per kind of fault, each with its own
smtp:// transport and webhook endpoints. The real receivers are
lib_receivers.py (aiosmtpd, and the webhook receiver that checks Standard
Webhooks signatures with its own HMAC code); between the daemons and them
sit small misbehaving peers written here (asyncio, 127.0.0.1), which
relay to the real receivers once they "behave":

  down     nothing listens on the SMTP or webhook port; after the first
           failed attempt of both messages a server starts on the ports;
  slow     the first SMTP connection gets its greeting, the first webhook
           request its response, only after SLOW (35) s; the daemon's own
           timeouts (notifier/curlev.c: 10 s to connect, which for curl
           includes the SMTP greeting; 30 s in all) end the attempt, the
           retry arrives; a third, healthy endpoint gets its webhook at
           once meanwhile;
  slowdata the reply to the end of DATA comes only after SLOW s (the
           whole message was sent: libcurl waits for this reply with a
           blocking poll, which must not stop the daemon's loop; the
           late reply must not be taken for the answer to the retry);
  refuse   the first SMTP connection gets 421 instead of the greeting; one
           mail gets 451 at RCPT once, another 451 after DATA once
           (lib_receivers' retry-rcpt / retry-data addresses); every
           webhook gets 503 with Retry-After: 8 on its first attempt, and
           the retry must wait that long;
  drop     the SMTP connection is reset in the middle of DATA; one
           webhook endpoint resets the connection in the middle of the
           request body, two others close it in the middle of their answer
           (inside the status line; inside a body whose length was
           announced) after the receiver took the request: a legitimate
           duplicate, same webhook-id. (An answer cut after a complete 2xx
           status line counts as delivered: curl reports no error, and the
           receiver did say 2xx.)
  stop     SIGTERM while the slow peers hold a mail and a webhook: the
           daemon exits at once (0), the rows stay 'sending', and after a
           restart they go out once, with the ids they had.

While each daemon's faults run, a probe thread GETs /healthz and
/feeds/test.ics every 100 ms on a new connection and records the
latency: none may fail, and the maximum must stay far below the 10 to
30 s a peer could hold a blocked loop (LAT_MAX). Every message must be sent
after exactly one failed attempt (the real schedule: the first retry
comes after 5 s, see notifier/retry.c), keep its Message-ID / webhook-id
across attempts, be delivered once (but for the cut response), and every
webhook attempt must carry a valid signature. No test-only setting of
the daemon is used.
"""
import asyncio
import atexit
import base64
import email
import email.policy
import glob
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lib_daemon import (check, check_stopped, fail, finish,  # noqa: E402
                        free_port, request, stop_process)
import lib_receivers  # noqa: E402
from lib_receivers import verify  # noqa: E402

W = os.getcwd()
# A private copy: a rebuild of the tree during the test must not swap the
# binary under the daemons and the CLI calls.
KOYOMI = os.path.join(W, "koyomi")
shutil.copy2(os.environ["KOYOMI"], KOYOMI)
SECRET = "whsec_" + base64.b64encode(b"faults-peers-secret-0123456789ab").decode()

SLOW = 35.0          # the slow peer answers after this long (> 30 s)
RETRY_AFTER = 8      # seconds, in the 503 answers
# Bound on any probe request while a fault runs. The shortest stall a
# peer could cause in a blocked loop is 10 s (curl's connect timeout,
# which covers the SMTP greeting), the others 30 s; unblocked, the worst
# seen was about 1 s (ASan build, load average 26 on 2 cores).
LAT_MAX = 4.0
PROBE_EVERY = 0.1
CUT_BODY_AFTER = 100  # bytes of the mail body relayed before the drop

# Tasks only in the next fiscal year: due more than a year ahead, so no
# reminder step falls due while the test runs; only the receipts of the
# completions (and their webhooks) go out.
_jst = time.gmtime(time.time() + 9 * 3600)
NEXT_FY = (_jst.tm_year if _jst.tm_mon >= 4 else _jst.tm_year - 1) + 1

NAMES = ("down", "slow", "slowdata", "refuse", "drop", "stop")
procs = []
_ports = set()


@atexit.register
def _reap():
    """Whatever way the test ends, no receiver or daemon outlives it."""
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()


def port():
    """A free loopback port, never one handed out before in this test."""
    while True:
        p = free_port()
        if p not in _ports:
            _ports.add(p)
            return p


def expect(cond, msg, detail=None):
    """check(), with the detail shown only when it fails."""
    return check(cond, msg if cond or detail is None else
                 "%s: %s" % (msg, detail))


def until(pred, timeout, what, every=0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(every)
    fail("timed out (%d s) waiting for %s" % (timeout, what))
    return None


# ---------------------------------------------------------------- receivers

class Receivers:
    """The real aiosmtpd and webhook receivers (lib_receivers.py)."""

    def __init__(self):
        self.smtp_dir = os.path.join(W, "smtp")
        self.hook_dir = os.path.join(W, "hooks")
        self.smtp_port, self.http_port = port(), port()
        for kind, p, d, extra in (("smtp", self.smtp_port, self.smtp_dir, []),
                                  ("http", self.http_port, self.hook_dir,
                                   [SECRET])):
            proc = lib_receivers.start(kind, p, d, *extra)
            if proc is None:
                fail("timed out waiting for " + kind + " receiver")
                raise SystemExit(finish())
            procs.append(proc)

    def mails(self):
        out = []
        for p in glob.glob(os.path.join(self.smtp_dir, "*.eml")):
            with open(p, "rb") as f:
                m = email.message_from_bytes(f.read(), policy=email.policy.default)
            with open(p[:-4] + ".env") as f:
                rcpts = f.read().split()
            out.append({"rcpts": rcpts, "msgid": str(m["Message-ID"]),
                        "subject": str(m["Subject"]),
                        "t": os.stat(p).st_mtime})
        return out

    def mails_to(self, rcpt):
        return [m for m in self.mails() if rcpt in m["rcpts"]]

    def hooks(self, path):
        p = os.path.join(self.hook_dir, "hooks.jsonl")
        if not os.path.exists(p):
            return []
        with open(p) as f:
            return [r for r in map(json.loads, f) if r["path"] == path]

    def refused(self):
        p = os.path.join(self.smtp_dir, "refused.jsonl")
        if not os.path.exists(p):
            return []
        with open(p) as f:
            return [json.loads(l) for l in f if l.strip()]


# ------------------------------------------------------------ faulty peers

class Loop:
    """An asyncio loop in a thread: every misbehaving peer lives on it."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def run(self, coro, timeout=10):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


async def hold(reader, secs):
    """Wait secs without answering: None, or the seconds until the client
    hung up (it gave up first)."""
    t0 = time.monotonic()
    while True:
        left = secs - (time.monotonic() - t0)
        if left <= 0:
            return None
        try:
            data = await asyncio.wait_for(reader.read(65536), left)
        except asyncio.TimeoutError:
            return None
        except ConnectionError:
            data = b""
        if not data:
            return time.monotonic() - t0


def abort(*writers):
    for w in writers:
        if w is not None:
            w.transport.abort()     # RST: no orderly end of anything


class Peer:
    """A misbehaving peer on 127.0.0.1:port relaying to a real receiver.

    fault(key, n) names the fault for the n-th unit (connection, DATA or
    request) with that key, or None to behave. Every attempt is recorded
    in self.log (wall-clock t, fault, outcome, ids)."""

    def __init__(self, L, name, port_, backend, fault):
        self.L, self.name, self.port, self.backend = L, name, port_, backend
        self.fault = fault
        self.lock = threading.Lock()
        self.seen = {}
        self.log = []
        self.server = None

    def decide(self, key):
        with self.lock:
            n = self.seen[key] = self.seen.get(key, 0) + 1
        return self.fault(key, n)

    def record(self, **kw):
        kw["t"] = time.time()
        with self.lock:
            self.log.append(kw)

    def records(self, **match):
        with self.lock:
            return [r for r in self.log
                    if all(r.get(k) == v for k, v in match.items())]

    def start(self):
        async def listen():
            return await asyncio.start_server(self.guarded, "127.0.0.1",
                                              self.port)
        self.server = self.L.run(listen())

    def stop(self):
        if self.server is not None:
            self.server.close()

    async def guarded(self, reader, writer):
        try:
            await self.handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception:
            fail("peer %s: %s" % (self.name, traceback.format_exc()))
        finally:
            writer.close()


class SmtpPeer(Peer):
    """Faults: key "conn" (per connection): "421" instead of the greeting,
    "slow" greeting; key "data" (per DATA): "cut" mid-DATA."""

    async def handle(self, cr, cw):
        f = self.decide("conn")
        if f == "421":
            cw.write(b"421 4.3.2 Service not available, closing channel\r\n")
            await cw.drain()
            self.record(stage="greeting", fault="421", outcome="refused")
            return
        if f == "slow":
            gone = await hold(cr, SLOW)
            if gone is not None:
                self.record(stage="greeting", fault="slow",
                            outcome="client gave up", after=gone)
                return
            self.record(stage="greeting", fault="slow", outcome="answered late")
        br, bw = await asyncio.open_connection("127.0.0.1", self.backend)
        st = {"mode": "cmd", "data": None, "fault": None}
        tasks = [asyncio.ensure_future(self.c2s(cr, bw, cw, st)),
                 asyncio.ensure_future(self.s2c(br, cw, st))]
        try:
            done, pending = await asyncio.wait(
                tasks, return_when=asyncio.FIRST_COMPLETED)
            for t in pending:
                t.cancel()
            for t in done:
                if t.exception() is not None and not isinstance(
                        t.exception(), (ConnectionError,
                                        asyncio.IncompleteReadError)):
                    raise t.exception()
        finally:
            bw.close()

    async def s2c(self, br, cw, st):
        while True:
            data = await br.read(65536)
            if not data:
                return
            if st["mode"] == "wait354":
                # The reply to DATA: the client sends the message after 354.
                st["mode"] = "data" if data.startswith(b"354") else "cmd"
            cw.write(data)
            await cw.drain()

    async def c2s(self, cr, bw, cw, st):
        while True:
            line = await cr.readline()
            if not line:
                return
            if st["mode"] != "data":
                bw.write(line)
                await bw.drain()
                if line.rstrip(b"\r\n").upper() == b"DATA":
                    st["mode"] = "wait354"
                continue
            if st["data"] is None:
                st["data"] = b""
                st["fault"] = self.decide("data")
            st["data"] += line
            m = re.search(rb"(?im)^Message-ID:[ \t]*(\S+)", st["data"])
            msgid = m.group(1).decode() if m else None
            end = line == b".\r\n"
            if st["fault"] == "cut":
                h = st["data"].find(b"\r\n\r\n")
                if end or (h != -1 and len(st["data"]) >= h + 4 + CUT_BODY_AFTER):
                    part = st["data"][:-len(line)] if end else \
                        st["data"][:h + 4 + CUT_BODY_AFTER]
                    bw.write(part)
                    await bw.drain()
                    self.record(stage="DATA", fault="cut", id=msgid,
                                relayed=len(part), outcome="dropped mid-DATA")
                    abort(cw, bw)
                    return
                continue
            if end and st["fault"] == "slow":
                # The whole message is here; its end goes to the receiver,
                # and so the reply comes back, only after SLOW s.
                gone = await hold(cr, SLOW)
                if gone is not None:
                    self.record(stage="DATA", fault="slow", id=msgid,
                                outcome="client gave up", after=gone)
                    abort(bw)
                    return
            bw.write(line)
            await bw.drain()
            if end:
                self.record(stage="DATA", fault=st["fault"], id=msgid,
                            outcome="answered late" if st["fault"] else
                            "relayed")
                st["mode"], st["data"] = "cmd", None


def http_headers(head):
    h = {}
    for l in head.decode("latin-1").split("\r\n")[1:]:
        if ":" in l:
            k, v = l.split(":", 1)
            h[k.strip().lower()] = v.strip()
    return h


class HttpPeer(Peer):
    """Faults per request, keyed by webhook-id: "slow" answer, "503" with
    Retry-After, "cutreq" (reset in the middle of the request body),
    "cutstatus" / "cutbody" (the receiver gets the request, the answer is
    closed inside the status line / inside an announced body)."""

    async def handle(self, cr, cw):
        bk = None
        try:
            while True:
                try:
                    head = await cr.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                h = http_headers(head)
                n = int(h.get("content-length", "0"))
                mid = h.get("webhook-id", "")
                f = self.decide(mid)
                if f == "cutreq":
                    part = await cr.readexactly(n // 2)
                    self.record(fault=f, id=mid, outcome="dropped mid-body",
                                relayed=len(part), of=n)
                    abort(cw)
                    return
                body = await cr.readexactly(n)
                rec = {"fault": f, "id": mid, "ts": h.get("webhook-timestamp"),
                       "sig_ok": verify([SECRET], mid,
                                        h.get("webhook-timestamp", ""), body,
                                        h.get("webhook-signature", ""))}
                if f == "503":
                    cw.write(b"HTTP/1.1 503 Service Unavailable\r\n"
                             b"Retry-After: %d\r\nContent-Length: 0\r\n\r\n"
                             % RETRY_AFTER)
                    await cw.drain()
                    self.record(outcome="503", **rec)
                    continue
                if f == "slow":
                    gone = await hold(cr, SLOW)
                    if gone is not None:
                        self.record(outcome="client gave up", after=gone, **rec)
                        return
                if bk is None:
                    bk = await asyncio.open_connection("127.0.0.1", self.backend)
                br, bw = bk
                bw.write(head + body)
                await bw.drain()
                rhead = await br.readuntil(b"\r\n\r\n")
                rbody = await br.readexactly(
                    int(http_headers(rhead).get("content-length", "0")))
                status = int(rhead.split()[1])
                if f in ("cutstatus", "cutbody"):
                    # The receiver took the request; its answer is cut
                    # short by an orderly close, inside the status line
                    # (no status at all) or inside a body whose length
                    # was announced.
                    if f == "cutstatus":
                        part = rhead[:rhead.index(b" ") + 2]
                    else:
                        b = b'{"received": true, "note": "cut short here"}'
                        part = (b"HTTP/1.1 200 OK\r\nContent-Type: "
                                b"application/json\r\nContent-Length: %d"
                                b"\r\n\r\n" % len(b)) + b[:len(b) // 2]
                    cw.write(part)
                    await cw.drain()
                    self.record(outcome="response cut", status=status,
                                relayed=part.decode(), **rec)
                    return
                cw.write(rhead + rbody)
                await cw.drain()
                self.record(outcome="answered late" if f == "slow" else
                            "relayed", status=status, **rec)
        finally:
            if bk is not None:
                bk[1].close()


def first(fault):
    """The fault for the first unit of each key only."""
    return lambda key, n: fault if n == 1 else None


def never(key, n):
    return None


# ------------------------------------------------------------------ probe

class Probe(threading.Thread):
    """GET /healthz and a feed every PROBE_EVERY s, new connection each."""

    PATHS = ("/healthz", "/feeds/test.ics")

    def __init__(self, port_):
        super().__init__(daemon=True)
        self.port = port_
        self.samples = []
        self.halt = threading.Event()
        self.t0 = self.t1 = time.monotonic()

    def run(self):
        self.t0 = time.monotonic()
        while not self.halt.is_set():
            t = time.monotonic()
            for path in self.PATHS:
                t0 = time.monotonic()
                why = None
                try:
                    st, _, body = request(self.port, "GET", path, timeout=60)
                    ok = st == 200 and (body == b"ok\n" if path == "/healthz"
                                        else b"BEGIN:VCALENDAR" in body)
                    if not ok:
                        why = "%d %r" % (st, body[:80])
                except (OSError, http.client.HTTPException) as e:
                    ok, why = False, repr(e)
                self.samples.append((path, time.monotonic() - t0, ok, why))
            self.halt.wait(max(0., PROBE_EVERY - (time.monotonic() - t)))

    def stop(self):
        if not self.halt.is_set():
            self.halt.set()
            self.join(90)
            self.t1 = time.monotonic()

    def summary(self, path):
        lat = [s[1] for s in self.samples if s[0] == path]
        bad = [s for s in self.samples if s[0] == path and not s[2]]
        return len(lat), bad, (statistics.median(lat) if lat else 0.), \
            (max(lat) if lat else 0.)


# ----------------------------------------------------------------- daemons

RULES = """\
organisations:
  - {id: org-1, name: 一市}
  - {id: org-2, name: 二市}
  - {id: org-3, name: 三市}
contacts:
  - {id: c-1, org: org-1, name: 一市担当, mail: "%(m1)s"}
  - {id: c-2, org: org-2, name: 二市担当, mail: "%(m2)s"}
  - {id: c-3, org: org-3, name: 三市担当, mail: "%(m3)s"}
policies:
  - {id: quiet, steps: [-1d]}
cycles:
  - id: p
    title: 障害試験事業
    from_fy: %(fy)d
    policy: quiet
    items:
      - {id: d, kind: deadline, title: 調査票の提出, date: 3月20日, assignees: [org-1, org-2, org-3]}
      - {id: m, kind: meeting, title: 担当者会議, date: 6月1日, time: "13:00-17:00"}
feeds:
  - {id: test, title: 障害試験, cycles: [p], deadlines: true}
"""


class Daemon:
    """One `koyomi run` with its own rules, database and peers."""

    def __init__(self, name, smtp_port, hooks):
        self.name = name
        self.dir = os.path.join(W, name)
        self.port = port()
        self.rcpt = {"org-%d" % i: "%s@%s.example.jp" % (
            {1: "m1", 2: "retry-rcpt-" + name, 3: "retry-data-" + name}[i],
            name) for i in (1, 2, 3)}
        os.makedirs(os.path.join(self.dir, "rules"))
        with open(os.path.join(self.dir, "rules", "p.yaml"), "w") as f:
            f.write(RULES % {"m1": self.rcpt["org-1"], "m2": self.rcpt["org-2"],
                             "m3": self.rcpt["org-3"], "fy": NEXT_FY})
        self.conf = os.path.join(self.dir, "koyomi.conf")
        with open(self.conf, "w") as f:
            f.write('listen: 127.0.0.1:%d\nbase_url: http://127.0.0.1:%d\n'
                    'database: %s/koyomi.db\nrules: %s/rules\n'
                    'timezone: Asia/Tokyo\nwindow: "00:00-24:00"\n'
                    'mail_transport: smtp://127.0.0.1:%d\n'
                    'mail_from: "koyomi <koyomi@example.jp>"\n'
                    'mail_starttls: optional\nsecret_key_file: %s/secret.key\n'
                    % (self.port, self.port, self.dir, self.dir, smtp_port,
                       self.dir))
            if hooks:
                f.write("webhooks:\n")
            for hid, url in hooks:
                f.write('  - {id: %s, url: "%s", secrets: ["%s"], '
                        'events: [task.completed]}\n' % (hid, url, SECRET))
        r = subprocess.run([KOYOMI, "-c", self.conf, "token", "add", "--role",
                            "admin", "faults"], capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0 or not r.stdout.split():
            fail("%s: token add: %s" % (name, r.stderr))
            raise SystemExit(finish())
        self.token = r.stdout.split()[-1]
        self.log = os.path.join(self.dir, "daemon.log")
        self.p = None

    def start(self):
        self.logf = open(self.log, "ab")
        self.p = subprocess.Popen([KOYOMI, "-v", "-c", self.conf, "run"],
                                  stdout=self.logf, stderr=subprocess.STDOUT)
        procs.append(self.p)

    def ready(self):
        def up():
            if self.p.poll() is not None:
                return "exited"
            try:
                return request(self.port, "GET", "/healthz", timeout=2)[0] == 200
            except OSError:
                return False
        r = until(up, 60, self.name + " daemon /healthz", every=0.1)
        if r is not True:
            fail("%s daemon not ready: %s" % (self.name, self.logtail()))
            return False
        return True

    def logtail(self, n=3000):
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")[-n:]

    def api(self, method, path, body=None):
        st, _, data = request(self.port, method, path, body=body, headers={
            "Authorization": "Bearer " + self.token}, timeout=30)
        try:
            return st, json.loads(data.decode()) if data else None
        except ValueError:
            return st, None

    def tasks(self):
        st, doc = self.api("GET", "/api/v1/tasks")
        check(st == 200, "%s: GET /api/v1/tasks: %d" % (self.name, st))
        out = {}
        for t in sorted(doc["tasks"], key=lambda t: t["id"]):
            out.setdefault(t["assignee"], t["id"])
        return out

    def done(self, org):
        tid = self.tasks()[org]
        st, doc = self.api("POST", "/api/v1/tasks/%d/done" % tid,
                           {"by": "faults_peers"})
        expect(st == 200, "%s: %s done through the API" % (self.name, org),
               "%d %r" % (st, doc))
        return time.time()

    def retries(self, row):
        """[(error, delay s)] the daemon logged for an outbox row."""
        return [(m.group(1), int(m.group(2))) for m in re.finditer(
            r"outbox: message %d: (.*); retry in (\d+)s" % row["id"],
            self.logtail(10**7))]

    def outbox(self):
        st, doc = self.api("GET", "/api/v1/outbox?limit=1000")
        return doc["messages"] if st == 200 and doc else []

    def row(self, channel, destination):
        rows = [m for m in self.outbox() if m["channel"] == channel and
                m["destination"] == destination]
        return rows[0] if len(rows) == 1 else None

    def stop(self):
        if self.p is None:
            return
        rc = stop_process(self.p, "%s daemon" % self.name, 30)
        self.logf.close()
        # Both runs of "stop" are in the log: the whole of it is read.
        check_stopped(rc, self.logtail(10**8), "%s daemon" % self.name)


# --------------------------------------------------------------- scenarios

def sent(d, channel, dest):
    r = d.row(channel, dest)
    return r if r is not None and r["state"] == "sent" else None


def check_mail(d, rx, rcpt, what):
    """Sent after one failed attempt, one copy, Message-ID kept."""
    row = d.row("mail", rcpt)
    if not expect(row is not None and row["state"] == "sent",
                  "%s: %s: sent" % (d.name, what), repr(row)):
        return None
    expect(row["attempts"] == 2, "%s: %s: sent on the 2nd attempt"
           % (d.name, what), repr(row))
    got = rx.mails_to(rcpt)
    expect(len(got) == 1, "%s: %s: exactly one copy received"
           % (d.name, what), repr(got))
    expect(all(m["msgid"] == row["msgid"] for m in got),
           "%s: %s: received with the outbox's Message-ID %s"
           % (d.name, what, row["msgid"]), repr(got))
    return row


def check_hook(d, rx, hid, path, what, copies=1, attempts=2):
    """Sent after one failed attempt, webhook-id kept, signatures valid."""
    row = d.row("webhook", hid)
    if not expect(row is not None and row["state"] == "sent",
                  "%s: %s: sent" % (d.name, what), repr(row)):
        return None
    expect(row["attempts"] == attempts, "%s: %s: sent on attempt %d"
           % (d.name, what, attempts), repr(row))
    got = rx.hooks(path)
    expect(len(got) == copies and all(h["id"] == row["msgid"] for h in got),
           "%s: %s: %d cop%s received, all with webhook-id %s"
           % (d.name, what, copies, "y" if copies == 1 else "ies",
              row["msgid"]), repr(got))
    expect(bool(got) and all(h["sig_ok"] for h in got) and
           got[-1]["status"] == 204, "%s: %s: signatures verify at the "
           "receiver, last answer 204" % (d.name, what), repr(got))
    return row


def note(d, msg):
    print("[%s] %s" % (d.name, msg), flush=True)


def scenario_down(d, rx, L, ports, probe):
    """Nothing listens; a server starts after the first failed attempts."""
    t = d.done("org-1")
    rcpt = d.rcpt["org-1"]

    def both_failed():
        rows = [d.row("mail", rcpt), d.row("webhook", "hook")]
        return all(r is not None and r["state"] == "failed" and
                   r["attempts"] == 1 for r in rows) and rows
    rows = until(both_failed, 30, "down: both first attempts to fail", every=0.1)
    if not rows:
        return
    t_fail = time.time()
    for r in rows:
        note(d, "%s failed %.1f s after done: %s" % (r["channel"], t_fail - t,
                                                     r["last_error"]))
    smtp = SmtpPeer(L, "smtp-down", ports["smtp"], rx.smtp_port, never)
    hook = HttpPeer(L, "hook-down", ports["hook"], rx.http_port, never)
    smtp.start()
    hook.start()
    d.peers = [smtp, hook]
    note(d, "servers up %.2f s after the failures were seen" %
         (time.time() - t_fail))
    until(lambda: sent(d, "mail", rcpt) and sent(d, "webhook", "hook"), 60,
          "down: mail and webhook sent after the servers came up")
    check_mail(d, rx, rcpt, "mail after SMTP down")
    check_hook(d, rx, "hook", "/down", "webhook after endpoint down")
    for p, what in ((smtp, "mail"), (hook, "webhook")):
        ok = p.records(outcome="relayed")
        if ok:
            note(d, "%s retried %.1f s after the failure" % (
                what, ok[0]["t"] - t_fail))


def scenario_slow(d, rx, L, ports, probe):
    smtp, hook = d.peers
    d.done("org-1")
    rcpt = d.rcpt["org-1"]
    # A healthy endpoint is served at once, while the slow peers hold.
    until(lambda: rx.hooks("/fast"), 20, "slow: the healthy endpoint's webhook")
    fast = rx.hooks("/fast")
    if fast:
        check(not smtp.records(outcome="relayed") and
              not hook.records(outcome="relayed"),
              "slow: the healthy endpoint was served while the slow peers held")
    until(lambda: sent(d, "mail", rcpt) and sent(d, "webhook", "slow"),
          SLOW + 60, "slow: mail and webhook sent")
    for p, what in ((smtp, "mail"), (hook, "webhook")):
        held = p.records(fault="slow")
        if not expect(len(held) == 1, "slow: one slow %s attempt" % what,
                      repr(held)):
            continue
        h = held[0]
        if h["outcome"] == "client gave up":
            note(d, "%s: the daemon gave up on the slow peer after %.1f s, "
                 "retried %.1f s later" % (what, h["after"], (
                     p.records(outcome="relayed") or [{"t": h["t"]}])[0]["t"]
                     - h["t"]))
            check(h["after"] < SLOW, "slow: %s attempt ended by the daemon's "
                  "timeout" % what)
        else:
            note(d, "%s: the slow answer itself delivered" % what)
    mail_attempts = 2 if smtp.records(fault="slow", outcome="client gave up") \
        else 1
    hook_attempts = 2 if hook.records(fault="slow", outcome="client gave up") \
        else 1
    row = d.row("mail", rcpt)
    expect(row is not None and row["attempts"] == mail_attempts,
           "slow: mail sent on attempt %d" % mail_attempts, repr(row))
    got = rx.mails_to(rcpt)
    check(len(got) == 1 and row is not None and got[0]["msgid"] == row["msgid"],
          "slow: one copy of the mail with the outbox's Message-ID")
    row = check_hook(d, rx, "slow", "/slow", "slow webhook",
                     attempts=hook_attempts)
    if row:
        check(all(r["id"] == row["msgid"] and r["sig_ok"] for r in hook.log),
              "slow: every webhook attempt had webhook-id %s and a valid "
              "signature" % row["msgid"])
    check_hook(d, rx, "fast", "/fast", "healthy endpoint beside the slow one",
               attempts=1)


def scenario_slowdata(d, rx, L, ports, probe):
    """The whole message sent, the reply to its end comes after SLOW s."""
    smtp, = d.peers
    d.done("org-1")
    rcpt = d.rcpt["org-1"]
    until(lambda: sent(d, "mail", rcpt), SLOW + 60, "slowdata: mail sent")
    held = smtp.records(fault="slow")
    if not expect(len(held) == 1, "slowdata: one attempt held after DATA",
                  repr(smtp.log)):
        return
    gave_up = held[0]["outcome"] == "client gave up"
    if gave_up:
        later = smtp.records(outcome="relayed")
        note(d, "mail: the daemon gave up waiting for the reply to DATA "
             "after %.1f s, retried %.1f s later" % (
                 held[0]["after"], (later or held)[0]["t"] - held[0]["t"]))
        expect(held[0]["after"] < SLOW and len(later) == 1 and
               later[0]["id"] == held[0]["id"], "slowdata: the daemon's "
               "timeout ended the attempt, the retry had the same Message-ID",
               repr(smtp.log))
    else:
        note(d, "mail: the slow reply to DATA itself delivered")
    row = d.row("mail", rcpt)
    expect(row is not None and row["attempts"] == (2 if gave_up else 1),
           "slowdata: mail sent on attempt %d" % (2 if gave_up else 1),
           repr(row))
    got = rx.mails_to(rcpt)
    expect(len(got) == 1 and row is not None and got[0]["msgid"] == row["msgid"],
           "slowdata: one copy of the mail with the outbox's Message-ID",
           repr(got))


def scenario_refuse(d, rx, L, ports, probe):
    smtp, hook = d.peers
    # 1. 421 instead of the greeting; webhook 503 with Retry-After.
    d.done("org-1")
    until(lambda: sent(d, "mail", d.rcpt["org-1"]) and
          sent(d, "webhook", "busy") and len(hook.records(fault=None)) >= 1,
          60, "refuse: the first mail and webhook")
    check(len(smtp.records(fault="421")) == 1, "refuse: one 421 greeting")
    row = check_mail(d, rx, d.rcpt["org-1"], "mail after 421")
    if row:
        note(d, "mail after 421: %r" % d.retries(row))
    # 2. 451 at RCPT and 451 after DATA, once each, at the same time.
    d.done("org-2")
    d.done("org-3")
    until(lambda: all(sent(d, "mail", d.rcpt[o]) for o in ("org-2", "org-3"))
          and len(hook.records(fault=None)) >= 3, 60,
          "refuse: the 451 mails and all webhooks")
    check_mail(d, rx, d.rcpt["org-2"], "mail after 451 at RCPT")
    row = check_mail(d, rx, d.rcpt["org-3"], "mail after 451 after DATA")
    ref = rx.refused()
    expect([r["stage"] for r in ref if r["rcpt"] == d.rcpt["org-2"]] ==
           ["RCPT"], "refuse: the receiver refused RCPT once", repr(ref))
    data = [r for r in ref if r["rcpt"] == d.rcpt["org-3"]]
    expect(len(data) == 1 and data[0]["stage"] == "DATA" and
           row is not None and data[0]["message_id"] == row["msgid"],
           "refuse: the mail refused after DATA had the Message-ID it was "
           "delivered with", repr(data))
    # Webhooks: 503 then the retry, no sooner than Retry-After.
    rows = [m for m in d.outbox() if m["channel"] == "webhook"]
    expect(len(rows) == 3 and all(r["state"] == "sent" and r["attempts"] == 2
                                  for r in rows),
           "refuse: three webhooks sent on the 2nd attempt", repr(rows))
    got = rx.hooks("/refuse")
    check(sorted(h["id"] for h in got) == sorted(r["msgid"] for r in rows) and
          all(h["sig_ok"] and h["status"] == 204 for h in got),
          "refuse: each webhook received once, same ids, signatures valid")
    for r in rows:
        tries = [x for x in hook.log if x["id"] == r["msgid"]]
        expect([x["outcome"] for x in tries] == ["503", "relayed"] and
               all(x["sig_ok"] for x in tries),
               "refuse: webhook %s: 503, then relayed, both signed"
               % r["msgid"], repr(tries))
        if len(tries) == 2:
            gap = tries[1]["t"] - tries[0]["t"]
            note(d, "webhook %s retried %.1f s after its 503 (Retry-After: %d)"
                 % (r["msgid"], gap, RETRY_AFTER))
            check(gap >= RETRY_AFTER - 1.0,
                  "refuse: Retry-After honoured (%.1f s)" % gap)


def scenario_drop(d, rx, L, ports, probe):
    smtp, cutreq, cutstatus, cutbody = d.peers
    d.done("org-1")
    rcpt = d.rcpt["org-1"]
    until(lambda: sent(d, "mail", rcpt) and all(
        sent(d, "webhook", h) for h in ("cutreq", "cutstatus", "cutbody")),
        60, "drop: the mail and the three webhooks sent")
    row = check_mail(d, rx, rcpt, "mail after a drop mid-DATA")
    cut = smtp.records(fault="cut")
    expect(len(cut) == 1 and row is not None and cut[0]["id"] == row["msgid"],
           "drop: the dropped DATA carried the delivered Message-ID", repr(cut))
    if row:
        note(d, "mail: dropped after %d bytes of DATA: %r"
             % (cut[0]["relayed"] if cut else -1, d.retries(row)))
    row = check_hook(d, rx, "cutreq", "/cutreq", "webhook after a drop "
                     "mid-request")
    tries = cutreq.log
    if row:
        expect([x["outcome"] for x in tries] == ["dropped mid-body", "relayed"]
               and all(x["id"] == row["msgid"] for x in tries),
               "drop: request cut, then relayed, same webhook-id", repr(tries))
        note(d, "webhook cut mid-body: %r" % d.retries(row))
    # The receiver took the first request, the answer was cut: it sees the
    # message twice, with one webhook-id, and can drop the duplicate.
    for hid, peer, where in (("cutstatus", cutstatus, "status line"),
                             ("cutbody", cutbody, "body")):
        row = check_hook(d, rx, hid, "/" + hid, "webhook after a drop in the "
                         "response's " + where, copies=2)
        if row:
            expect([x["outcome"] for x in peer.log] == ["response cut",
                                                         "relayed"]
                   and all(x["sig_ok"] for x in peer.log) and
                   all(x["id"] == row["msgid"] for x in peer.log),
                   "drop: response cut in the %s, then relayed, same "
                   "webhook-id, both signed" % where, repr(peer.log))
            note(d, "webhook answer cut in the %s after %r: %r; the "
                 "receiver saw id %s twice" % (where, peer.log[0]["relayed"],
                                               d.retries(row), row["msgid"]))


def scenario_stop(d, rx, L, ports, probe):
    """SIGTERM while both peers hold an attempt: a prompt, clean stop; the
    interrupted messages go out after the restart, same ids, once."""
    smtp, hook = d.peers
    d.done("org-1")
    rcpt = d.rcpt["org-1"]
    if not until(lambda: smtp.seen.get("conn") and len(hook.seen) >= 1, 20,
                 "stop: both attempts held by the slow peers"):
        return
    time.sleep(1)
    probe.stop()    # the restart below is a planned outage
    t = time.monotonic()
    d.p.send_signal(signal.SIGTERM)
    try:
        rc = d.p.wait(30)
    except subprocess.TimeoutExpired:
        fail("stop: SIGTERM with deliveries held by a slow peer: no exit "
             "within 30 s")
        return
    secs = time.monotonic() - t
    d.logf.close()
    note(d, "stopped %.1f s after SIGTERM with both deliveries held" % secs)
    expect(rc == 0 and secs < 10, "stop: exit 0 within 10 s of SIGTERM "
           "although a peer held two deliveries", "exit %d after %.1f s"
           % (rc, secs))
    r = subprocess.run([KOYOMI, "-c", d.conf, "outbox", "--format", "json"],
                       capture_output=True, text=True, timeout=60)
    rows = json.loads(r.stdout)["messages"] if r.returncode == 0 else []
    expect(sorted(m["state"] for m in rows) == ["sending", "sending"],
           "stop: both interrupted messages left 'sending' for the next start",
           repr(rows))
    before = {m["destination"]: m["msgid"] for m in rows}
    d.start()
    if not d.ready():
        return
    until(lambda: sent(d, "mail", rcpt) and sent(d, "webhook", "held"), 30,
          "stop: the interrupted mail and webhook sent after the restart")
    for channel, dest, got in (
            ("mail", rcpt, lambda: [m["msgid"] for m in rx.mails_to(rcpt)]),
            ("webhook", "held", lambda: [h["id"] for h in rx.hooks("/held")])):
        row = d.row(channel, dest)
        ids = got()
        expect(row is not None and ids == [before.get(dest)] and
               row["msgid"] == before.get(dest),
               "stop: the interrupted %s arrived once after the restart, "
               "with the id it had before" % channel,
               "%r, received %r, before %r" % (row, ids, before))
    expect(all(h["sig_ok"] for h in rx.hooks("/held")),
           "stop: the resent webhook's signature verifies")


def run_scenario(fn, d, rx, L, ports, results):
    probe = Probe(d.port)
    probe.start()
    try:
        fn(d, rx, L, ports, probe)
    except Exception:
        fail("%s: %s" % (d.name, traceback.format_exc()))
    finally:
        probe.stop()
        results[d.name] = (probe, probe.t1 - probe.t0)


def main():
    t_start = time.time()
    rx = Receivers()
    L = Loop()
    hook = lambda p, path: "http://127.0.0.1:%d%s" % (p, path)  # noqa: E731
    P = {name: {"smtp": port(), "hook": port(), "hook2": port(),
                "hook3": port()}
         for name in NAMES}
    daemons = {
        "down": Daemon("down", P["down"]["smtp"],
                       [("hook", hook(P["down"]["hook"], "/down"))]),
        "slow": Daemon("slow", P["slow"]["smtp"],
                       [("slow", hook(P["slow"]["hook"], "/slow")),
                        ("fast", hook(rx.http_port, "/fast"))]),
        "slowdata": Daemon("slowdata", P["slowdata"]["smtp"], []),
        "refuse": Daemon("refuse", P["refuse"]["smtp"],
                         [("busy", hook(P["refuse"]["hook"], "/refuse"))]),
        "drop": Daemon("drop", P["drop"]["smtp"],
                       [("cutreq", hook(P["drop"]["hook"], "/cutreq")),
                        ("cutstatus", hook(P["drop"]["hook2"], "/cutstatus")),
                        ("cutbody", hook(P["drop"]["hook3"], "/cutbody"))]),
        "stop": Daemon("stop", P["stop"]["smtp"],
                       [("held", hook(P["stop"]["hook"], "/held"))]),
    }
    sp, hp = rx.smtp_port, rx.http_port
    daemons["down"].peers = []
    daemons["slow"].peers = [
        SmtpPeer(L, "smtp-slow", P["slow"]["smtp"], sp,
                 lambda k, n: "slow" if k == "conn" and n == 1 else None),
        HttpPeer(L, "hook-slow", P["slow"]["hook"], hp, first("slow"))]
    daemons["slowdata"].peers = [
        SmtpPeer(L, "smtp-slowdata", P["slowdata"]["smtp"], sp,
                 lambda k, n: "slow" if k == "data" and n == 1 else None)]
    daemons["refuse"].peers = [
        SmtpPeer(L, "smtp-421", P["refuse"]["smtp"], sp,
                 lambda k, n: "421" if k == "conn" and n == 1 else None),
        HttpPeer(L, "hook-503", P["refuse"]["hook"], hp, first("503"))]
    daemons["drop"].peers = [
        SmtpPeer(L, "smtp-cut", P["drop"]["smtp"], sp,
                 lambda k, n: "cut" if k == "data" and n == 1 else None),
        HttpPeer(L, "hook-cutreq", P["drop"]["hook"], hp, first("cutreq")),
        HttpPeer(L, "hook-cutstatus", P["drop"]["hook2"], hp,
                 first("cutstatus")),
        HttpPeer(L, "hook-cutbody", P["drop"]["hook3"], hp, first("cutbody"))]
    daemons["stop"].peers = [
        SmtpPeer(L, "smtp-held", P["stop"]["smtp"], sp,
                 lambda k, n: "slow" if k == "conn" and n == 1 else None),
        HttpPeer(L, "hook-held", P["stop"]["hook"], hp, first("slow"))]
    try:
        for d in daemons.values():
            for p in d.peers:
                p.start()
            d.start()
        if not all([d.ready() for d in daemons.values()]):
            raise SystemExit(finish())
        print("%d daemons up after %.1f s" % (len(daemons),
                                              time.time() - t_start), flush=True)
        results, threads = {}, []
        for name in NAMES:
            fn = globals()["scenario_" + name]
            th = threading.Thread(target=run_scenario, daemon=True, args=(
                fn, daemons[name], rx, L, P[name], results))
            th.start()
            threads.append(th)
        end = time.monotonic() + 200
        for th in threads:
            th.join(max(1., end - time.monotonic()))
        if any(th.is_alive() for th in threads):
            fail("scenarios still running after 200 s")
        print("\nloop latency while the peers misbehaved "
              "(GET every %.1f s, new connection each):" % PROBE_EVERY)
        for name in NAMES:
            if name not in results:
                continue
            probe, secs = results[name]
            for path in Probe.PATHS:
                n, bad, p50, mx = probe.summary(path)
                print("  %-7s %-16s n=%4d  p50=%6.1f ms  max=%7.1f ms  "
                      "failed=%d  (fault phase %.0f s)"
                      % (name, path, n, p50 * 1000, mx * 1000, len(bad), secs))
                expect(n > 0 and not bad, "%s: every %s answered during the "
                       "faults" % (name, path), "%d failed: %r"
                       % (len(bad), bad[:3]))
                check(mx < LAT_MAX, "%s: %s max latency %.2f s < %.1f s"
                      % (name, path, mx, LAT_MAX))
        print("\nfailed attempts as the daemons logged them:")
        for d in daemons.values():
            for r in sorted(d.outbox(), key=lambda r: r["id"]):
                tries = d.retries(r)
                for err, delay in tries:
                    print("  %-7s %-7s %-40s %s; retry in %d s" % (
                        d.name, r["channel"], r["destination"], err, delay))
                expect(len(tries) == r["attempts"] - 1,
                       "%s: %s %s: one logged failure per failed attempt"
                       % (d.name, r["channel"], r["destination"]),
                       "%r, attempts %d" % (tries, r["attempts"]))
                # The real schedule: 5 s ±10 % after the first failure, or
                # what Retry-After asked for.
                want = (RETRY_AFTER,) if "HTTP 503" in "".join(
                    e for e, _ in tries) else (4, 5, 6)
                expect(all(x in want for _, x in tries),
                       "%s: %s %s: retry delay %s s" % (
                           d.name, r["channel"], r["destination"],
                           "/".join(map(str, want))), repr(tries))
        for d in daemons.values():
            left = [(m["channel"], m["destination"], m["state"])
                    for m in d.outbox() if m["state"] != "sent"]
            expect(not left, "%s: nothing left unsent in the outbox"
                   % d.name, repr(left))
            d.stop()
    finally:
        for d in daemons.values():
            if d.p is not None and d.p.poll() is None:
                d.p.kill()
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        if failures_seen():
            for d in daemons.values():
                print("--- %s daemon log (tail) ---\n%s" % (d.name,
                                                            d.logtail(2500)))
    print("faults_peers: %.0f s" % (time.time() - t_start))
    finish()


def failures_seen():
    import lib_daemon
    return bool(lib_daemon.failures)


if __name__ == "__main__":
    main()
