#!/usr/bin/python3
"""mail_postfix.py — reminders through a real MTA, with TLS and AUTH.

The test starts its own Postfix (`postfix -c DIR`: config, queue, data
and log under the test's folder; only 127.0.0.1, on two free ports: a
submission port with STARTTLS, and an implicit-TLS port) with a
self-signed certificate made here by openssl, and its own Dovecot (`dovecot
-F -c FILE`, no protocol, only the auth service) whose passwd-file backs
Postfix's SASL. Postfix delivers koyomi.test into Maildirs under the
folder (virtual(8)), where the test reads what arrived. Nothing touches
/etc/postfix, the system's queue or port 25; both are stopped at the end.

koyomi trusts the certificate through SSL_CERT_FILE (koyomi(1)); one
daemon per case, each with a rule file whose reminder step is already
due, so the reminder is queued at start:

  a  smtp:// + mail_starttls: required + mail_credentials: the reminder
     arrives, sent after STARTTLS and AUTH (Postfix's Received header and
     log say so); the Japanese headers and the body decode;
  d  smtps:// on the implicit-TLS port: the reminder arrives;
  c  a proxy between koyomi and Postfix that strips STARTTLS from the
     EHLO answer and, as an attacker would, offers AUTH in its place
     (mail_starttls: required; 'optional' with credentials is refused
     when the configuration is read): koyomi sends no AUTH, MAIL, RCPT or
     DATA (the proxy records every command), and the reminder stays
     queued with an error saying so;
  b  a wrong password: the reminder stays queued (failed, retried) with
     an error naming mail_credentials in `koyomi outbox`, and the daemon
     goes on answering.

Each daemon must exit 0 and print no sanitizer report. Needs root (Postfix
and Dovecot drop to their own users) and the Debian packages postfix and
dovecot-core (tests/deps.sh installs them): without them the test fails.
"""
import asyncio
import atexit
import base64
import datetime
import email
import email.policy
import glob
import json
import os
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lib_daemon import (KOYOMI, Daemon, check, fail, finish,  # noqa: E402
                        free_port, get, wait_for)

W = os.getcwd()
ROOT = os.path.join(W, "mta")		# Postfix's and Dovecot's folders
JST = datetime.timezone(datetime.timedelta(hours=9))
DOMAIN = "koyomi.test"
USER = "koyomi@" + DOMAIN
PASSWORD = secrets.token_urlsafe(18)
MAILBOXES = ["koyomi", "case-a", "case-b", "case-c", "case-d"]
SANITIZER = re.compile(r"ERROR: (Address|Leak|Thread|Memory|Undefined)"
                       r"Sanitizer|runtime error:|SUMMARY: \w+Sanitizer")
cleanups = []


def die(msg):
    """A failure the rest of the test cannot go on after."""
    fail(msg)
    for path in (os.path.join(ROOT, "maillog"),
                 os.path.join(ROOT, "dovecot", "dovecot.log")):
        if os.path.exists(path):
            print("--- %s (tail) ---" % path)
            with open(path, errors="replace") as f:
                print("".join(f.readlines()[-30:]))
    cleanup()
    finish()


def run(argv, timeout=60, **kw):
    try:
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        die("%s: no answer in %d s" % (" ".join(argv), timeout))


def preflight():
    if os.geteuid() != 0:
        die("must run as root: Postfix and Dovecot start as root and "
            "drop to their own users")
    missing = [p for p in ("/usr/sbin/postfix", "/usr/sbin/dovecot",
                           "/usr/bin/openssl") if not os.access(p, os.X_OK)]
    if missing:
        die("missing %s: install the packages postfix, dovecot-core and "
            "openssl (sh tests/deps.sh)" % ", ".join(missing))
    # postfix and dovecot users traverse the test's folder to the queue,
    # the passwd-file and the Maildirs.
    os.chmod(W, 0o711)
    d = W
    for _ in range(64):
        if not os.stat(d).st_mode & stat.S_IXOTH:
            die("%s is not searchable by others: Postfix's and Dovecot's "
                "users cannot reach %s" % (d, ROOT))
        if d == "/":
            break
        d = os.path.dirname(d)


# --- certificate, Dovecot, Postfix ----------------------------------------

def make_cert(d):
    os.makedirs(d)
    r = run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
             "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", os.path.join(d, "key.pem"),
             "-out", os.path.join(d, "cert.pem")])
    if r.returncode != 0:
        die("openssl req: " + r.stderr)
    return os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")


DOVECOT_CONF = """\
base_dir = %(d)s/run
state_dir = %(d)s/state
instance_name = koyomi-test-%(tag)s
log_path = %(d)s/dovecot.log
protocols =
listen = 127.0.0.1
ssl = no
# Postfix checks TLS before offering AUTH (smtpd_tls_auth_only).
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = dovecot
default_login_user = dovenull
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %(d)s/passwd
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=%(root)s/mail/%%n
}
service auth {
  unix_listener %(root)s/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
"""


class Dovecot:
    def __init__(self):
        self.d = os.path.join(ROOT, "dovecot")
        for sub in ("run", "state"):
            os.makedirs(os.path.join(self.d, sub))
        pw = os.path.join(self.d, "passwd")
        with open(pw, "w") as f:
            f.write("%s:{PLAIN}%s\n" % (USER, PASSWORD))
        shutil.chown(pw, group="dovecot")
        os.chmod(pw, 0o640)
        self.conf = os.path.join(self.d, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(DOVECOT_CONF % {"d": self.d, "root": ROOT,
                                    "tag": os.path.basename(W)})
        self.log = open(os.path.join(self.d, "stderr.log"), "wb")
        self.p = subprocess.Popen(["dovecot", "-F", "-c", self.conf],
                                  stdout=self.log, stderr=self.log)
        cleanups.append(self.stop)
        sock = os.path.join(ROOT, "auth")
        if not wait_for(lambda: os.path.exists(sock) or
                        self.p.poll() is not None, 20, "Dovecot's auth socket") \
                or not os.path.exists(sock):
            die("dovecot did not start (exit %s)" % self.p.poll())

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(5)
                fail("dovecot ignored SIGTERM")
        self.log.close()


MAIN_CF = """\
compatibility_level = 3.6
queue_directory = %(root)s/spool
data_directory = %(root)s/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = %(root)s/maillog
maillog_file_prefixes = %(root)s
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mta.%(domain)s
mydestination =
relay_domains =
mynetworks =
alias_maps =
alias_database =
# Nothing leaves: no local delivery, no relaying.
local_transport = error:no local delivery in this test
default_transport = error:no mail leaves this test
relay_transport = error:no mail leaves this test
virtual_mailbox_domains = %(domain)s
virtual_mailbox_base = %(root)s/mail
virtual_mailbox_maps = texthash:%(root)s/conf/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
smtpd_tls_cert_file = %(cert)s
smtpd_tls_key_file = %(key)s
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
smtpd_tls_received_header = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = %(root)s/auth
smtpd_sasl_authenticated_header = yes
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
"""

MASTER_CF = """\
127.0.0.1:%(sub)d inet n - n - - smtpd
127.0.0.1:%(smtps)d inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


class Postfix:
    def __init__(self, cert, key):
        self.conf = os.path.join(ROOT, "conf")
        self.sub, self.smtps = free_port(), free_port()
        for sub in ("conf", "spool", "data", "mail"):
            os.makedirs(os.path.join(ROOT, sub))
        shutil.chown(os.path.join(ROOT, "data"), user="postfix")
        shutil.chown(os.path.join(ROOT, "mail"), user=65534, group=65534)
        v = {"root": ROOT, "domain": DOMAIN, "cert": cert, "key": key,
             "sub": self.sub, "smtps": self.smtps}
        with open(os.path.join(self.conf, "main.cf"), "w") as f:
            f.write(MAIN_CF % v)
        with open(os.path.join(self.conf, "master.cf"), "w") as f:
            f.write(MASTER_CF % v)
        with open(os.path.join(self.conf, "vmailbox"), "w") as f:
            for box in MAILBOXES:
                f.write("%s@%s %s/\n" % (box, DOMAIN, box))
        r = run(["postfix", "-c", self.conf, "check"])
        if r.returncode != 0:
            die("postfix check: %s%s" % (r.stdout, r.stderr))
        cleanups.append(self.stop)
        r = run(["postfix", "-c", self.conf, "start"])
        if r.returncode != 0:
            die("postfix start: %s%s" % (r.stdout, r.stderr))
        for port in (self.sub, self.smtps):
            if not wait_for(lambda: self.greets(port), 30,
                            "Postfix on port %d" % port):
                die("postfix does not listen on %d" % port)

    def greets(self, port):
        try:
            with socket.create_connection(("127.0.0.1", port), 1):
                return True
        except OSError:
            return False

    def master_pid(self):
        try:
            with open(os.path.join(ROOT, "spool", "pid", "master.pid")) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self):
        pid = self.master_pid()
        r = run(["postfix", "-c", self.conf, "stop"], timeout=30)
        if r.returncode != 0:
            fail("postfix stop: %s%s" % (r.stdout, r.stderr))
        if pid is None:
            return
        end = time.monotonic() + 15
        while time.monotonic() < end and os.path.exists("/proc/%d" % pid):
            time.sleep(0.1)
        if os.path.exists("/proc/%d" % pid):
            fail("Postfix's master %d still runs after stop: killed" % pid)
            os.kill(pid, signal.SIGKILL)

    def log(self):
        try:
            with open(os.path.join(ROOT, "maillog"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def mailbox(box):
    out = []
    for p in sorted(glob.glob(os.path.join(ROOT, "mail", box, "new", "*"))):
        with open(p, "rb") as f:
            raw = f.read()
        out.append((raw, email.message_from_bytes(raw,
                                                  policy=email.policy.default)))
    return out


# --- the STARTTLS-stripping proxy -----------------------------------------

class StripProxy:
    """Relays plain SMTP to Postfix, minus STARTTLS, plus AUTH.

    A man in the middle fishing for the password: the EHLO answer loses
    STARTTLS and gains "AUTH PLAIN LOGIN", and AUTH is answered here (334,
    then 535) so that the credentials come to the proxy. Every line the
    client sends is kept in self.commands.
    """

    def __init__(self, upstream):
        self.upstream = upstream
        self.port = free_port()
        self.commands = []
        self.sessions = 0
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.t = threading.Thread(target=self.serve, args=(started,),
                                  daemon=True)
        self.t.start()
        if not started.wait(10):
            die("the proxy did not start")
        cleanups.append(self.stop)

    def serve(self, started):
        asyncio.set_event_loop(self.loop)

        async def main():
            self.server = await asyncio.start_server(
                self.session, "127.0.0.1", self.port)
            started.set()
        self.loop.run_until_complete(main())
        self.loop.run_forever()

    async def session(self, cr, cw):
        with self.lock:
            self.sessions += 1
        try:
            sr, sw = await asyncio.open_connection("127.0.0.1", self.upstream)
        except OSError:
            cw.close()
            return
        ehlo = asyncio.Event()

        async def up():
            in_auth = False
            while True:
                line = await cr.readline()
                if not line:
                    break
                text = line.decode(errors="replace").rstrip("\r\n")
                with self.lock:
                    self.commands.append(text)
                words = text.split()
                if in_auth or (words and words[0].upper() == "AUTH"):
                    in_auth = not in_auth and len(words) == 2
                    cw.write(b"334 \r\n" if in_auth else
                             b"535 5.7.8 Authentication failed\r\n")
                    await cw.drain()
                    continue
                if line[:4].upper() in (b"EHLO", b"HELO"):
                    ehlo.set()
                sw.write(line)
                await sw.drain()
            sw.close()

        async def down():
            held = []
            while True:
                line = await sr.readline()
                if not line:
                    break
                if ehlo.is_set() and line[:3] == b"250":
                    held.append(line[4:].rstrip(b"\r\n"))
                    if line[3:4] == b"-":
                        continue
                    ehlo.clear()
                    caps = [c for c in held
                            if c.upper() != b"STARTTLS"]
                    if not any(c.upper().startswith(b"AUTH") for c in caps):
                        caps.append(b"AUTH PLAIN LOGIN")
                    held = []
                    line = b"".join(b"250-" + c + b"\r\n" for c in caps[:-1])
                    line += b"250 " + caps[-1] + b"\r\n"
                cw.write(line)
                await cw.drain()
            cw.close()

        try:
            await asyncio.gather(up(), down())
        except (ConnectionError, OSError):
            pass
        finally:
            cw.close()
            sw.close()

    def cleartext_leaks(self):
        """Commands that must not go out without TLS, and the password."""
        leaks = []
        with self.lock:
            for c in self.commands:
                try:
                    plain = base64.b64decode(c, validate=True)
                except ValueError:
                    plain = b""
                if c.split(" ")[0].upper() in ("AUTH", "MAIL", "RCPT",
                                               "DATA", "BDAT") or \
                        PASSWORD in c or PASSWORD.encode() in plain:
                    leaks.append(c)
        return leaks

    def stop(self):
        def close():
            self.server.close()
            self.loop.stop()
        self.loop.call_soon_threadsafe(close)
        self.t.join(10)


# --- koyomi ---------------------------------------------------------------

RULES = """\
organisations:
  - {id: pref, name: 送信試験県}
  - {id: mhlw, name: 厚生労働省, type: ministry}
contacts:
  - {id: c, org: pref, name: 送信試験県担当, mail: %(rcpt)s}
policies:
  # Already due when the daemon starts: the reminder is queued at once.
  - id: now
    steps: [-72h]
cycles:
  - id: mta
    title: 送信試験事業
    organiser: mhlw
    policy: now
    items:
      - id: submit
        kind: deadline
        title: 調査票の提出
        date: "%(date)s"
        due: "12:00"
        assignees: [pref]
feeds:
  - {id: mta, title: 送信試験, cycles: [mta]}
"""


class Case:
    def __init__(self, name, cert, transport, starttls=None,
                 password=PASSWORD, ca_key=False):
        self.name = name
        self.d = os.path.join(W, "case-" + name)
        self.rcpt = "case-%s@%s" % (name, DOMAIN)
        self.port = free_port()
        os.makedirs(os.path.join(self.d, "rules"))
        due = datetime.datetime.now(JST) + datetime.timedelta(days=2)
        with open(os.path.join(self.d, "rules", "mta.yaml"), "w") as f:
            f.write(RULES % {"rcpt": self.rcpt,
                             "date": due.strftime("%Y-%m-%d")})
        cred = os.path.join(self.d, "smtp.secret")
        fd = os.open(cred, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write("%s:%s\n" % (USER, password))
        self.conf = os.path.join(self.d, "koyomi.conf")
        with open(self.conf, "w") as f:
            f.write("listen: 127.0.0.1:%d\n"
                    "base_url: http://127.0.0.1:%d\n"
                    "database: %s/koyomi.db\n"
                    "rules: %s/rules\n"
                    "secret_key_file: %s/secret.key\n"
                    "window: \"00:00-24:00\"\n"
                    "mail_transport: %s\n"
                    "mail_from: \"こよみ通知 <koyomi@%s>\"\n"
                    "mail_credentials: %s\n%s%s"
                    % (self.port, self.port, self.d, self.d, self.d,
                       transport, DOMAIN, cred,
                       "mail_starttls: %s\n" % starttls if starttls else "",
                       "mail_ca_file: %s\n" % cert if ca_key else ""))
        # The CA through koyomi.conf's mail_ca_file, or the environment.
        env = {"SSL_CERT_FILE": "/nonexistent" if ca_key else cert,
               # Retries within seconds (tests only, notifier/retry.h).
               "KOYOMI_TEST_RETRY_SCALE": "0.05"}
        self.daemon = Daemon(self.conf, self.port, env=env,
                             log="case-%s.log" % name)
        cleanups.append(self.stop)
        self.stopped = False
        if not self.daemon.wait_ready():
            die("case %s: the daemon did not start" % name)

    def outbox(self):
        r = subprocess.run([KOYOMI, "-c", self.conf, "outbox", "--format",
                            "json"], capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            fail("case %s: koyomi outbox: %s" % (self.name, r.stderr))
            return []
        return [m for m in json.loads(r.stdout)["messages"]
                if m["channel"] == "mail"]

    def outbox_text(self):
        r = subprocess.run([KOYOMI, "-c", self.conf, "outbox"],
                           capture_output=True, text=True, timeout=60)
        return r.stdout

    def stop(self):
        if self.stopped:
            return
        self.stopped = True
        rc = self.daemon.stop(20)
        log = self.daemon.logtext()
        check(rc == 0, "case %s: the daemon exits 0 (got %s)"
              % (self.name, rc))
        m = SANITIZER.search(log)
        check(m is None, "case %s: no sanitizer report in the daemon's log%s"
              % (self.name, ": " + log[m.start():m.start() + 300]
                 if m else ""))


def delivered(case, mta):
    """The reminder arrived in the case's mailbox, sent with TLS and AUTH."""
    got = wait_for(lambda: mailbox("case-" + case.name), 60,
                   "case %s: the reminder in the mailbox" % case.name)
    if not got:
        return
    raw, m = got[0]
    check(len(got) == 1, "case %s: one mail (got %d)" % (case.name, len(got)))
    check(str(m["Subject"]).startswith("【ご提出のお願い】調査票の提出"),
          "case %s: Japanese subject decodes: %r" % (case.name,
                                                      str(m["Subject"])))
    check(m["From"].addresses[0].display_name == "こよみ通知" and
          m["From"].addresses[0].addr_spec == USER,
          "case %s: From: %r" % (case.name, str(m["From"])))
    check(m["To"].addresses[0].addr_spec == case.rcpt,
          "case %s: To: %r" % (case.name, str(m["To"])))
    body = m.get_body(("plain",)).get_content()
    check("調査票の提出" in body and "送信試験県" in body,
          "case %s: the body decodes (UTF-8): %r" % (case.name, body[:300]))
    received = " ".join(str(h) for h in m.get_all("Received", []))
    check("ESMTPSA" in received and "using TLS" in received and
          "Authenticated sender: " + USER in received,
          "case %s: Postfix got it over TLS after AUTH: %r"
          % (case.name, received[:400]))
    rows = wait_for(lambda: [r for r in case.outbox() if r["state"] == "sent"],
                    30, "case %s: the outbox row sent" % case.name)
    if rows:
        check(rows[0]["destination"] == case.rcpt and
              rows[0]["msgid"] == str(m["Message-ID"]).strip(),
              "case %s: outbox row %r matches the mail" % (case.name, rows[0]))
    check("sasl_username=" + USER in mta.log(),
          "case %s: Postfix logged the SASL login" % case.name)


def queued(case, what, attempts=2):
    """The reminder waits in the outbox, retried, with WHAT in last_error."""
    def failed_enough():
        rows = case.outbox()
        return [r for r in rows if r["attempts"] >= attempts and
                r["state"] in ("pending", "failed") and
                what in (r["last_error"] or "")]
    rows = wait_for(failed_enough, 90, "case %s: %d failed attempts "
                    "saying %r" % (case.name, attempts, what))
    if not rows:
        print("outbox: %r" % case.outbox())
        return None
    check(rows[0]["destination"] == case.rcpt,
          "case %s: the row is the reminder to %s" % (case.name, case.rcpt))
    text = case.outbox_text()
    check(what in text and case.rcpt in text,
          "case %s: `koyomi outbox` shows the error: %r" % (case.name, text))
    st, _ = get(case.port, "/healthz")
    check(st == 200, "case %s: the daemon still answers /healthz" % case.name)
    return rows[0]


def main():
    preflight()
    os.makedirs(ROOT)
    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    cert, key = make_cert(os.path.join(ROOT, "tls"))
    Dovecot()
    mta = Postfix(cert, key)
    print("postfix on 127.0.0.1:%d (STARTTLS) and :%d (TLS)"
          % (mta.sub, mta.smtps), flush=True)

    # a: STARTTLS required, AUTH, delivered.
    a = Case("a", cert, "smtp://127.0.0.1:%d" % mta.sub, starttls="required")
    delivered(a, mta)
    a.stop()

    # d: smtps://, the CA named by mail_ca_file (the environment names none).
    d = Case("d", cert, "smtps://127.0.0.1:%d" % mta.smtps, ca_key=True)
    delivered(d, mta)
    d.stop()

    # c: STARTTLS stripped on the path. With credentials, 'optional' is
    # refused at path:line:col before anything starts...
    c0 = os.path.join(W, "case-c0")
    os.makedirs(c0)
    fd = os.open(os.path.join(c0, "smtp.secret"),
                 os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("%s:%s\n" % (USER, PASSWORD))
    with open(os.path.join(c0, "koyomi.conf"), "w") as f:
        f.write("database: %s/koyomi.db\nrules: %s/rules\n"
                "secret_key_file: %s/secret.key\n"
                "mail_transport: smtp://127.0.0.1:%d\n"
                "mail_credentials: %s/smtp.secret\n"
                % (c0, a.d, c0, mta.sub, c0))
    r = subprocess.run([KOYOMI, "-c", os.path.join(c0, "koyomi.conf"),
                        "check"], capture_output=True, text=True, timeout=60)
    check(r.returncode != 0 and "needs 'mail_starttls: required'" in
          r.stderr, "case c: credentials over smtp:// with STARTTLS "
          "optional are refused: %r" % r.stderr[-300:])
    # ... and with 'required' nothing goes out when it is stripped.
    proxy = StripProxy(mta.sub)
    c = Case("c", cert, "smtp://127.0.0.1:%d" % proxy.port,
             starttls="required")
    queued(c, "nothing was sent in clear text")
    with proxy.lock:
        sessions, commands = proxy.sessions, list(proxy.commands)
    check(sessions >= 2 and any(x.upper().startswith("EHLO")
                                for x in commands),
          "case c: koyomi went through the proxy (%d sessions: %r)"
          % (sessions, commands))
    check(proxy.cleartext_leaks() == [],
          "case c: no AUTH, MAIL, RCPT, DATA nor password in clear "
          "text: %r" % commands)
    check(not mailbox("case-c"), "case c: nothing delivered")
    c.stop()
    proxy.stop()

    # b: a wrong password keeps the reminder queued. Last: Dovecot then
    # delays every login from 127.0.0.1 by up to 15 s (its auth penalty).
    b = Case("b", cert, "smtp://127.0.0.1:%d" % mta.sub, starttls="required",
             password="not-" + PASSWORD)
    row = queued(b, "mail_credentials")
    if row:
        check("535" in row["last_error"],
              "case b: the error quotes the server's 535: %r"
              % row["last_error"])
    check(not mailbox("case-b"), "case b: nothing delivered")
    b.stop()
    cleanup()
    finish()


def cleanup():
    while cleanups:
        f = cleanups.pop()
        try:
            f()
        except Exception as e:  # noqa: BLE001 — the rest must still stop
            print("cleanup: %r" % e, flush=True)


if __name__ == "__main__":
    main()
