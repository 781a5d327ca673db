"""Helpers for the faults_* integration tests (a helper, not a test).

Starts `koyomi run` on a config in the current directory and a free
loopback port; minimal HTTP with http.client; bounded waits.
"""
import http.client
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The shared primitives: one check/finish/wait_for for every test.
from lib_daemon import (FAKETIME_LIB, KOYOMI, WORK, check,  # noqa: F401
                        check_stopped, faketime_env, finish, free_port,
                        wait_for)


def write_conf(port, extra=""):
    path = os.path.join(WORK, "koyomi.conf")
    with open(path, "w") as f:
        f.write(f"listen: 127.0.0.1:{port}\nbase_url: http://127.0.0.1:{port}\n"
                f"database: {WORK}/koyomi.db\nrules: {WORK}/rules\n"
                f"timezone: Asia/Tokyo\nmail_transport: maildir:{WORK}/mail\n"
                f"secret_key_file: {WORK}/secret.key\n{extra}")
    return path


def get(port, path, headers=None):
    """(status, headers dict, body bytes) or (0, {}, b'') on no answer."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, dict(r.getheaders()), body
    except OSError:
        return 0, {}, b""


class Daemon:
    def __init__(self, port, env=None, log="daemon.log"):
        self.port = port
        self.log = os.path.join(WORK, log)
        self.logf = open(self.log, "ab")
        # The log is appended to across restarts: this run's part.
        self.mark = self.logf.tell()
        self.p = subprocess.Popen([KOYOMI, "-c", "koyomi.conf", "run"],
                                  stdout=self.logf, stderr=self.logf,
                                  env=env)
        if not wait_for(lambda: self.p.poll() is not None or
                        get(port, "/healthz")[0] == 200, 30, "daemon start"):
            self.stop()
            raise SystemExit(1)
        if self.p.poll() is not None:
            check(False, "daemon exited at start: " + self.text()[-500:])
            raise SystemExit(1)

    def text(self, since=0):
        with open(self.log, "rb") as f:
            f.seek(since)
            return f.read().decode("utf-8", errors="replace")

    def stop(self):
        """SIGTERM; then exit 0 and no sanitizer report (check_stopped)."""
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                check(False, "daemon ignored SIGTERM for 10 s")
                self.p.kill()
                self.p.wait()
        self.logf.close()
        check_stopped(self.p.returncode, self.text(self.mark), "daemon")


def koyomi(*args, env=None):
    return subprocess.run([KOYOMI, "-c", "koyomi.conf", *args], env=env,
                          capture_output=True, text=True, timeout=30)
