"""Helpers for the daemon_* integration tests (a helper, not a test).

Starts `koyomi run` on a temp config and a free loopback port, with tiny
rule files written per docs/rules-syntax.md; plain-socket HTTP so tests
can also speak broken HTTP on purpose.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time

KOYOMI = os.environ.get("KOYOMI") or os.path.abspath("koyomi")
WORK = os.getcwd()

RULES = """\
organisations:
  - {id: mhlw, name: 厚生労働省, type: ministry}
  - {id: pref-a, name: Ａ県, type: prefecture}
cycles:
  - id: t
    title: テスト事業
    organiser: mhlw
    items:
      - {id: m, kind: meeting, title: %(meeting)s, date: 6月1日, time: "13:00-17:00"}
      - {id: d, kind: deadline, title: 参加意向調査, date: 5月15日, assignees: [pref-a]}
feeds:
  - {id: test, title: テスト, cycles: [t], deadlines: true}
"""

failures = []


def fail(msg):
    print("FAIL: " + msg, flush=True)
    failures.append(msg)


def check(cond, msg):
    if cond:
        print("ok: " + msg, flush=True)
    else:
        fail(msg)
    return cond


def finish(skipped=None):
    """Exit 1 after any failure; else 77 when part of the test could not
    run (skipped: the reason), else 0."""
    if failures:
        # Repeated at the end: a runner that shows only the log's tail
        # still shows what failed.
        for msg in failures:
            print("FAIL: " + msg)
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    if skipped:
        skip(skipped)
    print("PASS")
    sys.exit(0)


def skip(reason):
    """The test cannot run here: "SKIP: reason" and exit 77, which
    tests/run-integration.sh records as skipped (never as passed)."""
    print("SKIP: " + reason, flush=True)
    sys.exit(77)


# What a sanitizer build prints when it finds something; LeakSanitizer
# reports at exit, so only the complete log of a stopped daemon has it.
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                   "ThreadSanitizer", "MemorySanitizer")


def check_stopped(rc, logtext, what="daemon", want_rc=0):
    """After a daemon stopped: its exit status is want_rc (0 after
    SIGTERM; None when the test killed it on purpose and any status
    will do) and its stderr (logtext) holds no sanitizer report. For
    every test that starts `koyomi run` itself, not through Daemon."""
    good = True
    if want_rc is not None and rc != want_rc:
        fail("%s: exit status %r, want %d" % (what, rc, want_rc))
        good = False
    marks = [m for m in SANITIZER_MARKS if m in logtext]
    if marks:
        at = min(logtext.find(m) for m in marks)
        fail("%s: sanitizer report (%s):\n%s" %
             (what, ", ".join(marks), logtext[max(0, at - 200):at + 3000]))
        good = False
    if good:
        print("ok: %s stopped cleanly (exit %r, no sanitizer report)"
              % (what, rc), flush=True)
    return good


FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def faketime_env(env, faketime):
    """ENV with libfaketime preloaded and FAKETIME set.

    An ASan build checks that its runtime comes first among the loaded
    libraries; libfaketime only wraps the clock calls, so the order does
    not matter to it and the check is turned off.
    """
    e = dict(env)
    e["LD_PRELOAD"] = FAKETIME_LIB
    e["FAKETIME"] = faketime
    e["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
    opts = e.get("ASAN_OPTIONS", "")
    e["ASAN_OPTIONS"] = (opts + ":" if opts else "") + \
        "verify_asan_link_order=0"
    return e


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    fail("timed out waiting for " + what)
    return None


def write_rules(d, meeting="全国会議", name="t.yaml"):
    os.makedirs(d, exist_ok=True)
    tmp = os.path.join(d, "." + name + ".tmp")
    with open(tmp, "w") as f:
        f.write(RULES % {"meeting": meeting})
    os.rename(tmp, os.path.join(d, name))


def write_conf(path, port, extra="", rules=None):
    """koyomi.conf at PATH; everything beside it but RULES, the rules
    folder (default: rules/ beside it)."""
    d = os.path.dirname(os.path.abspath(path))
    with open(path, "w") as f:
        f.write("listen: 127.0.0.1:%d\n"
                "base_url: http://127.0.0.1:%d\n"
                "database: %s/koyomi.db\n"
                "rules: %s\n"
                "mail_transport: maildir:%s/mail\n"
                "secret_key_file: %s/secret.key\n%s"
                % (port, port, d, rules or os.path.join(d, "rules"), d, d,
                   extra))


def stop_process(p, what, timeout):
    """SIGTERM to P if it still runs; its exit status. One that ignores
    the signal for TIMEOUT seconds is killed, and that is a failure."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
        fail("%s ignored SIGTERM for %d s" % (what, timeout))
        return rc


class Daemon:
    """`koyomi -c CONF run`, stderr to a log file.

    stop() sends SIGTERM and checks what every test needs: exit status 0
    and no sanitizer report in what this daemon wrote to its log (the log
    may be shared with earlier daemons of the test: only this one's part
    is read). kill9() checks nothing: the daemon gets no say.
    """

    def __init__(self, conf, port, env=None, wrap=None, log="daemon.log"):
        self.conf, self.port, self.log = conf, port, os.path.join(WORK, log)
        e = dict(os.environ)
        e.update(env or {})
        argv = (wrap or []) + [KOYOMI, "-c", conf, "run"]
        self.log_start = os.path.getsize(self.log) \
            if os.path.exists(self.log) else 0
        self.logf = open(self.log, "ab")
        self.p = subprocess.Popen(argv, stdout=self.logf, stderr=self.logf,
                                  env=e)

    def wait_ready(self, timeout=30):
        def up():
            if self.p.poll() is not None:
                return "exited"
            try:
                st, body = get(self.port, "/healthz", timeout=1)
                return st == 200 and "up"
            except OSError:
                return None
        r = wait_for(up, timeout, "the daemon to answer /healthz")
        if r != "up":
            fail("daemon not ready: " + self.logtext()[-2000:])
            return False
        return True

    def logtext(self):
        if not self.logf.closed:
            self.logf.flush()
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def signal(self, sig):
        self.p.send_signal(sig)

    def stop(self, timeout=10):
        rc = stop_process(self.p, "daemon", timeout)
        self.logf.close()
        self.check_exit(rc)
        return rc

    def check_exit(self, rc):
        """Exit 0 and a log without sanitizer reports, or a failure."""
        # A subclass may open its log itself: then all of it is this one's.
        with open(self.log, "rb") as f:
            f.seek(getattr(self, "log_start", 0))
            text = f.read().decode(errors="replace")
        check_stopped(rc, text, "daemon (%s)" % os.path.basename(self.log))

    def kill9(self):
        self.p.kill()
        self.p.wait()
        self.logf.close()


def request(port, method, path, body=None, headers=None, timeout=5):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        h = dict(headers or {})
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), \
            r.read()
    finally:
        c.close()


def get(port, path, timeout=5):
    st, _, body = request(port, "GET", path, timeout=timeout)
    return st, body.decode(errors="replace")


def metric(port, name):
    """The value of an unlabelled sample, or None."""
    st, body = get(port, "/metrics")
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def koyomi(conf, *args, check_rc=0):
    r = subprocess.run([KOYOMI, "-c", conf] + list(args),
                       capture_output=True, timeout=60)
    if check_rc is not None and r.returncode != check_rc:
        fail("koyomi %s: exit %d: %s" % (" ".join(args), r.returncode,
                                          r.stderr.decode(errors="replace")))
    return r


def tasks_of(conf, assignee):
    """`koyomi tasks --assignee ASSIGNEE`: the task dicts, [] if none."""
    r = koyomi(conf, "tasks", "--assignee", assignee, "--format", "json")
    try:
        return json.loads(r.stdout)["tasks"]
    except (ValueError, KeyError):
        return []


def new_token(conf, role, name):
    r = koyomi(conf, "token", "add", "--role", role, name)
    out = r.stdout.decode().split()
    return out[-1] if out else ""
