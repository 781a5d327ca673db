"""Replies by mail, end to end, on real mail servers (a helper, not a test).

inbox_maildir.py and inbox_imap.py run run(mode) with mode "maildir" or
"imap". Everything listens on 127.0.0.1 and lives in the test's folder:

  - Postfix (its own main.cf and master.cf, queue, data and log) accepts
    mail on a free port. Virtual mailboxes (Maildir, owned by nobody):
    koyomi@example.jp (the inbound mailbox; recipient_delimiter = + puts
    koyomi+TAG@ there too) and one per jurisdiction contact. Mail for
    city.example.jp goes to a pipe that exits 67, so Postfix bounces it
    with a real DSN to koyomi@example.jp.
  - In imap mode, Dovecot (its own base_dir, log, a self-signed
    certificate for localhost) serves the inbound Maildir over imaps;
    koyomi polls it with inbound_cafile set to that certificate.
  - koyomi sends its mail through Postfix (smtp://), reads the inbound
    mailbox, and serves the dashboard.

The test, as the jurisdictions, reads each reminder from its own Maildir
and answers it through Postfix: a reply with an .xlsx, a survey answer in
the first line, one without, a forged signature, a stranger, an
out-of-office reply; a contact at city.example.jp bounces. Then: the
task states and histories, the 受領確認 mails, the dashboard (files,
zip, /inbox, failing addresses) for every role, a coordinator's
assignment, a restart, a message found again after a crash between the
commit and the marking, and a kill -9 loop over 40 messages.

At every stop the daemon must exit 0 and its log must hold no sanitizer
report.
"""
import base64
import datetime
import email
import email.policy
import glob
import hashlib
import hmac
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import smtplib
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import zipfile
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (KOYOMI, check, fail, failures, finish,  # noqa: E402
                        free_port, request, wait_for)

WORK = os.getcwd()
JST = datetime.timezone(datetime.timedelta(hours=9))
NOBODY = 65534
DOMAIN = "example.jp"
BASE = "koyomi@" + DOMAIN
SANITIZER = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
             "runtime error:", "WARNING: ThreadSanitizer")

# Jurisdictions: org id, code, name, contact mailbox.
ORGS = [("org-a", "131016", "千代田区", "a@a.example.jp"),
        ("org-b", "131024", "中央区", "b@b.example.jp"),
        ("org-c", "131032", "港区", "gone@city.example.jp")]
# For the kill -9 loop: one deadline, KILL_ORGS more jurisdictions.
KILL_ORGS = 30


def sh(*argv, ok=(0,)):
    r = subprocess.run(list(argv), capture_output=True, timeout=120)
    if r.returncode not in ok:
        fail("%s: exit %d: %s%s" % (" ".join(argv), r.returncode,
                                    r.stdout.decode(errors="replace"),
                                    r.stderr.decode(errors="replace")))
    return r


def mkdirs(*paths, owner=None, mode=0o755):
    for p in paths:
        os.makedirs(p, exist_ok=True)
        os.chmod(p, mode)
        if owner is not None:
            os.chown(p, owner, owner)


class Postfix:
    """A Postfix of its own: `postfix -c DIR start`, stopped at the end."""

    def __init__(self, root, port, boxes, mailboxes):
        self.root, self.port, self.boxes = root, port, boxes
        self.etc = os.path.join(root, "etc")
        mkdirs(self.etc, os.path.join(root, "queue"))
        mkdirs(os.path.join(root, "data"), mode=0o700)
        os.chown(os.path.join(root, "data"), *self.postfix_ids())
        gone = os.path.join(root, "gone.sh")
        with open(gone, "w") as f:
            f.write("#!/bin/sh\n# EX_NOUSER: Postfix bounces the mail.\n"
                    "exit 67\n")
        os.chmod(gone, 0o755)
        maps = ", ".join("%s=%s/" % (a, b) for a, b in mailboxes.items())
        domains = sorted(set(a.split("@")[1] for a in mailboxes))
        with open(os.path.join(self.etc, "main.cf"), "w") as f:
            f.write("""\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.example.jp
mydomain = example.jp
myorigin = example.jp
mydestination =
mynetworks = 127.0.0.0/8
relayhost =
smtpd_recipient_restrictions = permit_mynetworks, reject
virtual_mailbox_domains = {domains}
virtual_mailbox_base = {boxes}
virtual_mailbox_maps = inline:{{ {maps} }}
virtual_uid_maps = static:{uid}
virtual_gid_maps = static:{uid}
virtual_minimum_uid = 1
virtual_mailbox_limit = 0
message_size_limit = 0
recipient_delimiter = +
transport_maps = inline:{{ city.example.jp=gone: }}
default_transport = error:nothing leaves this test
maillog_file_prefixes = /tmp, {root}
maillog_file = {root}/maillog
alias_maps =
alias_database =
biff = no
smtputf8_enable = no
""".format(root=root, domains=", ".join(domains), boxes=boxes, maps=maps,
           uid=NOBODY))
        with open(os.path.join(self.etc, "master.cf"), "w") as f:
            f.write("127.0.0.1:%d inet n - n - - smtpd\n" % port)
            for line in ("pickup unix n - n 60 1 pickup",
                         "cleanup unix n - n - 0 cleanup",
                         "qmgr unix n - n 300 1 qmgr",
                         "rewrite unix - - n - - trivial-rewrite",
                         "bounce unix - - n - 0 bounce",
                         "defer unix - - n - 0 bounce",
                         "trace unix - - n - 0 bounce",
                         "verify unix - - n - 1 verify",
                         "flush unix n - n 1000? 0 flush",
                         "proxymap unix - - n - - proxymap",
                         "smtp unix - - n - - smtp",
                         "relay unix - - n - - smtp",
                         "showq unix n - n - - showq",
                         "error unix - - n - - error",
                         "retry unix - - n - - error",
                         "discard unix - - n - - discard",
                         "virtual unix - n n - - virtual",
                         "anvil unix - - n - 1 anvil",
                         "scache unix - - n - 1 scache",
                         "postlog unix-dgram n - n - 1 postlogd",
                         "gone unix - n n - - pipe flags=q user=nobody "
                         "argv=" + gone):
                f.write(line + "\n")

    @staticmethod
    def postfix_ids():
        import pwd
        p = pwd.getpwnam("postfix")
        return p.pw_uid, p.pw_gid

    def ctl(self, *args):
        # postfix(1) says why it failed only on a terminal or in syslog.
        return sh("script", "-qec", " ".join(["postfix", "-c", self.etc] +
                                             list(args)), "/dev/null")

    def start(self):
        self.ctl("start")
        wait_for(lambda: port_open(self.port), 20, "Postfix to listen")

    def stop(self):
        sh("script", "-qec", "postfix -c %s stop" % self.etc, "/dev/null",
           ok=(0, 1))

    def log(self):
        try:
            with open(os.path.join(self.root, "maillog"),
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""


class Dovecot:
    """A Dovecot of its own serving one Maildir over imaps."""

    def __init__(self, root, port, maildir, user, password):
        self.root, self.port = root, port
        mkdirs(root, os.path.join(root, "run"), os.path.join(root, "state"))
        self.cert, self.key = os.path.join(root, "cert.pem"), \
            os.path.join(root, "key.pem")
        sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
           "-keyout", self.key, "-out", self.cert, "-days", "2",
           "-subj", "/CN=localhost",
           "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1")
        with open(os.path.join(root, "passwd"), "w") as f:
            f.write("%s:{PLAIN}%s::::::\n" % (user, password))
        home = os.path.join(root, "home")
        mkdirs(home, owner=NOBODY)
        self.conf = os.path.join(root, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write("""\
base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = yes
auth_mechanisms = plain login
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = maildir:{maildir}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0600
  }}
  unix_listener stats-writer {{
    mode = 0600
  }}
}}
passdb {{
  driver = passwd-file
  args = {r}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={home}
}}
""".format(r=root, cert=self.cert, key=self.key, maildir=maildir,
           port=port, uid=NOBODY, home=home))

    def start(self):
        # Dovecot forks into the background with our descriptors: no pipes.
        with open(os.path.join(self.root, "start.log"), "ab") as f:
            r = subprocess.run(["dovecot", "-c", self.conf],
                               stdout=subprocess.DEVNULL, stderr=f,
                               timeout=60)
        check(r.returncode == 0, "dovecot started (exit %d)" % r.returncode)
        wait_for(lambda: port_open(self.port), 20, "Dovecot to listen")

    def stop(self):
        pidf = os.path.join(self.root, "run", "master.pid")
        try:
            with open(pidf) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            return
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: not os.path.exists("/proc/%d" % pid), 20,
                 "Dovecot to stop")

    def log(self):
        try:
            with open(os.path.join(self.root, "dovecot.log"),
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def port_open(port):
    import socket
    s = socket.socket()
    s.settimeout(0.5)
    try:
        s.connect(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def tagged_address(key, context, prefix, n, base=BASE):
    """LOCAL+PREFIX N.SIG@DOMAIN, SIG 80 bits of HMAC-SHA256 over the
    context, its NUL and N in lower-case base32, computed here as
    docs/koyomi.conf.5 and core/links.h describe it: a second
    implementation of the scheme."""
    mac = hmac.new(key, context + b"\0" + str(n).encode(),
                   hashlib.sha256).digest()
    sig = base64.b32encode(mac[:10]).decode().lower()
    local, dom = base.split("@")
    return "%s+%s%d.%s@%s" % (local, prefix, n, sig, dom)


def reply_address(key, task, base=BASE):
    """The reply address of a task."""
    return tagged_address(key, b"koyomi reply address v1", "", task, base)


def bounce_address(key, row, base=BASE):
    """The envelope sender (VERP) of an outbox row."""
    return tagged_address(key, b"koyomi bounce address v1", "b", row, base)


def xlsx(seed, size):
    """A real .xlsx (a zip of the parts Excel needs) with SIZE bytes of
    seeded noise inside, so every file differs."""
    rnd = random.Random(seed)
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http'
                   '://schemas.openxmlformats.org/package/2006/content-types'
                   '"><Default Extension="xml" ContentType="application/xml"'
                   '/></Types>')
        z.writestr("xl/workbook.xml", "<workbook><!-- %d --></workbook>" %
                   seed)
        z.writestr("xl/media/noise.bin",
                   bytes(rnd.getrandbits(8) for _ in range(size)),
                   compress_type=zipfile.ZIP_STORED)
    return b.getvalue()


XLSX_TYPE = ("application/vnd.openxmlformats-officedocument."
             "spreadsheetml.sheet")


def reply(frm, to, subject, text, files=(), in_reply_to=None, headers=None):
    m = EmailMessage()
    m["From"] = frm
    m["To"] = to
    m["Subject"] = subject
    m["Message-ID"] = make_msgid(domain=parseaddr(frm)[1].split("@")[1])
    if in_reply_to:
        m["In-Reply-To"] = in_reply_to
        m["References"] = in_reply_to
    for k, v in (headers or {}).items():
        m[k] = v
    m.set_content(text)
    for name, data, ctype in files:
        maj, sub = ctype.split("/")
        m.add_attachment(data, maintype=maj, subtype=sub, filename=name)
    return m


def send(port, msg, envelope_from=None):
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        s.send_message(msg, from_addr=envelope_from)
    return str(msg["Message-ID"])


def maildir_messages(d):
    out = []
    for sub in ("new", "cur"):
        for p in sorted(glob.glob(os.path.join(d, sub, "*"))):
            with open(p, "rb") as f:
                out.append(email.message_from_bytes(
                    f.read(), policy=email.policy.default))
    return out


class Session:
    """A dashboard session: login with a token, then cookie and CSRF."""

    def __init__(self, port, token):
        self.port = port
        self.cookie = self.csrf = None
        if token is None:
            return
        st, hdr, body = request(port, "GET", "/login")
        cookie = hdr.get("set-cookie", "").split(";")[0]
        m = re.search(r'name="csrf" value="([^"]+)"', body.decode())
        form = urllib.parse.urlencode({"token": token, "csrf": m.group(1)})
        st, hdr, _ = request(port, "POST", "/login", body=form.encode(),
                             headers={"Content-Type": "application/"
                                      "x-www-form-urlencoded",
                                      "Cookie": cookie})
        check(st == 303, "login: %d" % st)
        self.cookie = hdr.get("set-cookie", "").split(";")[0]
        st, _, body = self.get("/")
        m = re.search(r'name="csrf" value="([^"]+)"', body.decode())
        self.csrf = m.group(1) if m else ""

    def headers(self):
        return {"Cookie": self.cookie} if self.cookie else {}

    def get(self, path):
        return request(self.port, "GET", path, headers=self.headers(),
                       timeout=60)

    def post(self, path, fields):
        f = dict(fields)
        if self.csrf:
            f.setdefault("csrf", self.csrf)
        h = self.headers()
        h["Content-Type"] = "application/x-www-form-urlencoded"
        return request(self.port, "POST", path,
                       body=urllib.parse.urlencode(f).encode(), headers=h)


def koyomi(conf, *args, check_rc=0):
    r = subprocess.run([KOYOMI, "-c", conf] + list(args),
                       capture_output=True, timeout=120)
    if check_rc is not None and r.returncode != check_rc:
        fail("koyomi %s: exit %d: %s" % (" ".join(args), r.returncode,
                                          r.stderr.decode(errors="replace")))
    return r


class Daemon:
    """`koyomi run` with its log; stop() checks the exit status and the
    log for sanitizer reports."""

    def __init__(self, conf, port, log="daemon.log"):
        self.conf, self.port = conf, port
        self.log = os.path.join(WORK, log)
        self.logf = open(self.log, "ab")
        self.p = subprocess.Popen([KOYOMI, "-v", "-c", conf, "run"],
                                  stdout=self.logf, stderr=self.logf)
        self.mark = os.path.getsize(self.log)

    def wait_ready(self):
        def up():
            if self.p.poll() is not None:
                return "exited"
            try:
                return request(self.port, "GET", "/healthz",
                               timeout=2)[0] == 200
            except OSError:
                return False
        r = wait_for(up, 60, "koyomi /healthz")
        if r != True:  # noqa: E712
            fail("koyomi did not start: " + self.text()[-3000:])
            return False
        return True

    def text(self):
        if not self.logf.closed:
            self.logf.flush()
        with open(self.log, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
            fail("koyomi ignored SIGTERM")
        self.logf.close()
        check(rc == 0, "koyomi exit status %d" % rc)
        self.scan()
        return rc

    def kill9(self):
        self.p.kill()
        self.p.wait()
        self.logf.close()
        self.scan()

    def scan(self):
        t = self.text()
        for s in SANITIZER:
            if s in t:
                i = t.index(s)
                fail("sanitizer report in the log: " + t[i:i + 3000])
                break


def db(path):
    c = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10)
    c.execute("PRAGMA busy_timeout = 10000")
    return c


def q(path, sql, *args):
    for _ in range(50):
        c = None
        try:
            c = db(path)
            return c.execute(sql, args).fetchall()
        except sqlite3.OperationalError:
            time.sleep(0.1)
        finally:
            if c is not None:
                c.close()
    fail("database not readable: " + sql)
    return []


def write_rules(path, due):
    kills = "".join("  - {id: k%02d, name: 試験市%02d}\n" % (i, i)
                    for i in range(1, KILL_ORGS + 1))
    kcontacts = "".join("  - {id: c-k%02d, org: k%02d, name: 試験市%02d担当, "
                        "mail: k%02d@k.example.jp}\n" % (i, i, i, i)
                        for i in range(1, KILL_ORGS + 1))
    klist = ", ".join("k%02d" % i for i in range(1, KILL_ORGS + 1))
    adj = "adjust: {to: none, reason: 試験のため書いた日が期限}"
    with open(path, "w") as f:
        f.write("""\
organisations:
  - {id: mhlw, name: 事務局, type: ministry}
  - {id: org-a, name: 千代田区, type: special-ward, code: "131016"}
  - {id: org-b, name: 中央区, type: special-ward, code: "131024"}
  - {id: org-c, name: 港区, type: special-ward, code: "131032"}
  - {id: org-d, name: 新宿区, type: special-ward, code: "131041"}
%(kills)scontacts:
  - {id: c-a, org: org-a, name: 千代田区担当, mail: a@a.example.jp}
  - {id: c-b, org: org-b, name: 中央区担当, mail: b@b.example.jp}
  - {id: c-c, org: org-c, name: 港区担当, mail: gone@city.example.jp}
  - {id: c-co, org: mhlw, name: 事務局担当, mail: co@example.jp, roles: [coordinator]}
  - {id: c-d, org: org-d, name: 新宿区担当, mail: d@d.example.jp}
%(kc)spolicies:
  - {id: now, steps: [-240h], digest: false}
  - {id: dg, steps: [-240h], digest: true}
cycles:
  - id: share
    title: 情報共有
    coordinator: c-co
    items:
      - {id: sheet, kind: deadline, title: 情報共有シート, date: "%(due)s", due: "17:00", %(adj)s, policy: now, assignees: [org-a, org-b, org-c]}
      - id: survey
        kind: deadline
        title: 参加意向調査
        date: "%(due)s"
        due: "17:00"
        %(adj)s
        policy: now
        assignees: [org-a, org-b]
        response: {options: [参加予定, 参加しない]}
      - {id: dg1, kind: deadline, title: 研修報告, date: "%(due)s", due: "17:00", %(adj)s, policy: dg, assignees: [org-d]}
      - {id: dg2, kind: deadline, title: 実績報告, date: "%(due)s", due: "17:00", %(adj)s, policy: dg, assignees: [org-d]}
  - id: other
    title: 別の事業
    items:
      - {id: other, kind: deadline, title: 別の提出, date: "%(due)s", %(adj)s, assignees: [org-a]}
  - id: bulk
    title: 月次報告
    items:
      - {id: monthly, kind: deadline, title: 月次報告, date: "%(due)s", %(adj)s, assignees: [%(klist)s]}
""" % {"kills": kills, "kc": kcontacts, "due": due, "adj": adj,
            "klist": klist})


class World:
    """Everything one run sets up; stop() tears it down in reverse."""

    def __init__(self, mode):
        self.mode = mode
        os.chmod(WORK, 0o711)		# Postfix and Dovecot run as others
        self.boxes = os.path.join(WORK, "boxes")
        mkdirs(self.boxes, owner=NOBODY)
        self.inbox = os.path.join(self.boxes, "inbox")
        for sub in ("", "tmp", "new", "cur"):
            mkdirs(os.path.join(self.inbox, sub), owner=NOBODY, mode=0o700)
        mailboxes = {BASE: "inbox", "a@a.example.jp": "a",
                     "b@b.example.jp": "b", "co@example.jp": "co",
                     "d@d.example.jp": "d"}
        for i in range(1, KILL_ORGS + 1):
            mailboxes["k%02d@k.example.jp" % i] = "k"
        self.smtp_port, self.http_port = free_port(), free_port()
        self.postfix = Postfix(os.path.join(WORK, "postfix"),
                               self.smtp_port, self.boxes, mailboxes)
        self.dovecot = None
        self.imap_port = None
        self.conf = os.path.join(WORK, "koyomi.conf")
        self.dbpath = os.path.join(WORK, "koyomi.db")
        self.daemon = None
        due = (datetime.datetime.now(JST) + datetime.timedelta(days=5))
        self.due = due.strftime("%Y-%m-%d")
        os.makedirs(os.path.join(WORK, "rules"), exist_ok=True)
        write_rules(os.path.join(WORK, "rules", "inbox.yaml"), self.due)
        extra = ""
        if mode == "imap":
            self.imap_port = free_port()
            self.password = "imap-" + base64.b16encode(
                os.urandom(8)).decode()
            self.dovecot = Dovecot(os.path.join(WORK, "dovecot"),
                                   self.imap_port, self.inbox, "koyomi",
                                   self.password)
            cred = os.path.join(WORK, "imap.secret")
            with open(cred, "w") as f:
                f.write("koyomi:%s\n" % self.password)
            os.chmod(cred, 0o600)
            extra = ("inbound: imaps://koyomi@localhost:%d/INBOX\n"
                     "inbound_credentials: %s\ninbound_cafile: %s\n" %
                     (self.imap_port, cred, self.dovecot.cert))
        else:
            extra = "inbound: maildir:%s\n" % self.inbox
        with open(self.conf, "w") as f:
            f.write("""\
listen: 127.0.0.1:{p}
base_url: http://127.0.0.1:{p}
database: {db}
rules: {w}/rules
timezone: Asia/Tokyo
window: "00:00-24:00"
mail_transport: smtp://127.0.0.1:{s}
mail_from: "koyomi <koyomi@example.jp>"
secret_key_file: {w}/secret.key
inbound_poll: 1
inbound_ack: true
inbound_max_attachment: 400000
{extra}""".format(p=self.http_port, db=self.dbpath, w=WORK,
                  s=self.smtp_port, extra=extra))

    def start_servers(self):
        self.postfix.start()
        if self.dovecot is not None:
            self.dovecot.start()

    def start(self):
        self.daemon = Daemon(self.conf, self.http_port)
        return self.daemon.wait_ready()

    def stop_daemon(self):
        if self.daemon is not None and self.daemon.p.poll() is None:
            self.daemon.stop()
        self.daemon = None

    def stop(self):
        try:
            self.stop_daemon()
        finally:
            if self.dovecot is not None:
                self.dovecot.stop()
            self.postfix.stop()

    def key(self):
        with open(os.path.join(WORK, "secret.key"), "rb") as f:
            return f.read()

    def tasks(self, cycle=None):
        r = koyomi(self.conf, "tasks", "--format", "json")
        try:
            ts = json.loads(r.stdout)["tasks"]
        except (ValueError, KeyError):
            fail("koyomi tasks: " + r.stdout.decode(errors="replace"))
            return {}
        return dict(((t["item"], t["assignee"]), t) for t in ts
                    if cycle is None or t["cycle"] == cycle)

    def count(self, where="1"):
        return q(self.dbpath, "SELECT count(*) FROM inbox_messages WHERE " +
                 where)[0][0]

    def unmarked(self):
        """Messages the mailbox still shows as not yet read by koyomi."""
        if self.mode == "maildir":
            return len(os.listdir(os.path.join(self.inbox, "new")))
        r = sh("curl", "-s", "--cacert", self.dovecot.cert, "-u",
               "koyomi:" + self.password,
               "imaps://localhost:%d/INBOX" % self.imap_port,
               "-X", "UID SEARCH UNKEYWORD $Koyomi")
        m = re.search(r"\* SEARCH([ 0-9]*)", r.stdout.decode())
        return len(m.group(1).split()) if m else -1

    def delivered(self):
        """Messages Postfix put in the inbound Maildir."""
        return sum(len(os.listdir(os.path.join(self.inbox, s)))
                   for s in ("new", "cur"))


def task_events(w, tid):
    return q(w.dbpath, "SELECT action, who, via, note FROM task_events "
             "WHERE task = ? ORDER BY id", tid)


def outbox_rows(w, kind, dest=None):
    if dest is None:
        return q(w.dbpath, "SELECT destination, body FROM outbox JOIN "
                 "outbox_bodies USING (id) WHERE kind = ?", kind)
    return q(w.dbpath, "SELECT destination, body FROM outbox JOIN "
             "outbox_bodies USING (id) WHERE kind = ? AND destination = ?",
             kind, dest)


def wait_count(w, n, what, timeout=120):
    return wait_for(lambda: w.count() >= n, timeout, what)


def reminders(w):
    """The reminders each jurisdiction received, by task id."""
    out = {}
    for box in ("a", "b"):
        for m in maildir_messages(os.path.join(w.boxes, box)):
            rt = m.get("Reply-To")
            if rt is None or "【受領確認】" in str(m["Subject"]):
                continue
            tid = int(re.match(r"koyomi\+(\d+)\.", str(rt)).group(1))
            out[tid] = m
    return out


def phase_reminders(w, tasks):
    key = w.key()
    want = [tasks[("sheet", "org-a")], tasks[("sheet", "org-b")],
            tasks[("survey", "org-a")], tasks[("survey", "org-b")]]
    got = wait_for(lambda: len(reminders(w)) >= 4 and reminders(w), 90,
                   "four reminders with a Reply-To in a/ and b/")
    if not got:
        fail("Postfix log: " + w.postfix.log()[-3000:])
        return {}
    for t in want:
        m = got.get(t["id"])
        if not check(m is not None, "a reminder for task %d" % t["id"]):
            continue
        check(str(m["Reply-To"]) == reply_address(key, t["id"]),
              "task %d: Reply-To %s is the signed reply address" %
              (t["id"], m["Reply-To"]))
        ref = q(w.dbpath, "SELECT task FROM mail_refs WHERE msgid = ?",
                str(m["Message-ID"]))
        check(ref == [(t["id"],)], "task %d: its Message-ID is recorded "
              "for In-Reply-To" % t["id"])
        row = q(w.dbpath, "SELECT id FROM outbox WHERE msgid = ?",
                str(m["Message-ID"]))
        check(len(row) == 1 and str(m["Return-Path"]) ==
              "<%s>" % bounce_address(key, row[0][0]),
              "task %d: the envelope sender is its outbox row's signed "
              "bounce address: %s" % (t["id"], m["Return-Path"]))
    # org-c's address does not exist: Postfix bounces the reminder.
    wait_for(lambda: w.count("state = 'bounce'") >= 1, 90,
             "the bounce of org-c's reminder")
    f = q(w.dbpath, "SELECT address, count, error FROM mail_failures")
    check(len(f) == 1 and f[0][0] == "gone@city.example.jp" and
          "5.1.1" in (f[0][2] or ""), "the bounced address is failing "
          "(5.1.1): %r" % (f,))
    return got


def phase_replies(w, tasks, rem):
    key = w.key()
    sa, sb = tasks[("sheet", "org-a")], tasks[("sheet", "org-b")]
    va, vb = tasks[("survey", "org-a")], tasks[("survey", "org-b")]
    before = w.count()
    w.sheet_xlsx = xlsx(1, 120000)
    ma = rem[sa["id"]]
    w.reply_a = send(w.smtp_port, reply(
        "千代田区担当 <a@a.example.jp>", str(ma["Reply-To"]),
        "Re: " + str(ma["Subject"]), "お世話になっております。\n提出します。\n",
        [("調査票.xlsx", w.sheet_xlsx, XLSX_TYPE)],
        in_reply_to=str(ma["Message-ID"])))
    mb = rem[vb["id"]]
    send(w.smtp_port, reply("b@b.example.jp", str(mb["Reply-To"]),
                            "Re: 参加意向", "「参加しない」\n\n> 引用\n",
                            in_reply_to=str(mb["Message-ID"])))
    mva = rem[va["id"]]
    send(w.smtp_port, reply("a@a.example.jp", str(mva["Reply-To"]),
                            "Re: 参加意向", "回答票を添付します。\n",
                            [("回答票.xlsx", xlsx(2, 3000), XLSX_TYPE)]))
    good_b = reply_address(key, sb["id"])
    forged = list(good_b)
    i = good_b.index(".") + 3
    forged[i] = "a" if forged[i] != "a" else "b"
    send(w.smtp_port, reply("b@b.example.jp", "".join(forged), "提出",
                            "提出します\n",
                            [("forged.xlsx", xlsx(3, 1000), XLSX_TYPE)]))
    w.stranger = send(w.smtp_port, reply(
        "stranger@evil.example.com", good_b, "提出（代理）", "代理で提出\n",
        [("代理.xlsx", xlsx(4, 2000), XLSX_TYPE)]))
    send(w.smtp_port, reply("b@b.example.jp", good_b, "不在のお知らせ",
                            "12月10日まで不在です。\n",
                            headers={"Auto-Submitted": "auto-replied"}))
    send(w.smtp_port, reply("a@a.example.jp", str(ma["Reply-To"]),
                            "大きすぎる", "重いファイル\n",
                            [("big.xlsx", xlsx(5, 500000), XLSX_TYPE)]))
    wait_count(w, before + 7, "seven replies recorded")
    # The .xlsx reply: done through the mail, sender and subject noted.
    t = w.tasks()
    check(t[("sheet", "org-a")]["state"] == "done",
          "the reply with an .xlsx marked sheet/org-a done")
    ev = [e for e in task_events(w, sa["id"]) if e[0] == "done"]
    check(len(ev) == 1 and ev[0][1] == "a@a.example.jp" and
          ev[0][2] == "mail" and
          "情報共有シート" in (ev[0][3] or ""),
          "sheet/org-a history: done by a@a.example.jp via mail with "
          "the subject: %r" % (ev,))
    f = q(w.dbpath, "SELECT name, type, size, stored FROM inbox_files WHERE "
          "task = ?", sa["id"])
    check(f == [("調査票.xlsx", XLSX_TYPE, len(w.sheet_xlsx), 1)],
          "its attachment recorded: %r" % (f,))
    # The survey answered in the first line.
    check(t[("survey", "org-b")]["state"] == "done" and
          t[("survey", "org-b")].get("answer") == "参加しない",
          "「参加しない」 in the first line answered survey/org-b: %r" %
          (t[("survey", "org-b")],))
    # A survey reply without an answer: recorded, the task still open.
    check(t[("survey", "org-a")]["state"] == "open",
          "a survey reply without an answer leaves the task open")
    check(any(e[0] == "received" and e[2] == "mail"
              for e in task_events(w, va["id"])),
          "... and is in its history as received")
    # Forged, stranger, auto-reply: nothing applied.
    check(t[("sheet", "org-b")]["state"] == "open",
          "forged, stranger and auto-reply left sheet/org-b open")
    rows = q(w.dbpath, "SELECT state, reason, sender FROM inbox_messages "
             "ORDER BY id")
    states = [r[0] for r in rows]
    check(states.count("unmatched") == 3,
          "forged, stranger and too large kept as unmatched: %r" % (rows,))
    check(any(r[0] == "unmatched" and "署名" in (r[1] or "") for r in rows),
          "the forged signature is named as the reason")
    check(any(r[0] == "unmatched" and r[2] == "stranger@evil.example.com"
              and "差出人" in (r[1] or "") for r in rows),
          "the stranger is named as the reason")
    check(any(r[0] == "auto" and "Auto-Submitted" in (r[1] or "")
              for r in rows), "the auto-reply is kept as auto")
    check(any(r[0] == "unmatched" and "大きさ" in (r[1] or "") for r in rows),
          "the attachment over the limit is kept as unmatched")
    big = q(w.dbpath, "SELECT stored FROM inbox_files WHERE name = "
            "'big.xlsx'")
    check(big == [(0,)], "the file over the limit is listed, not stored")
    # 受領確認: to the senders of the applied and received replies only.
    wait_for(lambda: len([m for m in maildir_messages(
        os.path.join(w.boxes, "a")) if "【受領確認】" in str(m["Subject"])])
        >= 2, 60, "two 受領確認 in a/")
    acks = [m for m in maildir_messages(os.path.join(w.boxes, "a"))
            if "【受領確認】" in str(m["Subject"])]
    mine = [m for m in acks if str(m["In-Reply-To"]) == w.reply_a]
    check(len(mine) == 1, "one 受領確認 answers the .xlsx reply")
    if mine:
        check(str(mine[0]["Auto-Submitted"]) == "auto-replied",
              "the 受領確認 says Auto-Submitted: auto-replied")
        body = mine[0].get_body(("plain",)).get_content()
        check("調査票.xlsx" in body, "the 受領確認 lists the file")
    check(outbox_rows(w, "ack", "stranger@evil.example.com") == [] and
          len(outbox_rows(w, "ack", "b@b.example.jp")) == 1 and
          len(outbox_rows(w, "ack")) == 3,
          "受領確認 went to a (twice) and b (once), never to the stranger, "
          "the auto-reply or a bounce: %r" %
          ([r[0] for r in outbox_rows(w, "ack")],))


def zip_of(w, sess, uid):
    st, h, body = sess.get("/inbox/zip/" + urllib.parse.quote(uid))
    if not check(st == 200 and h.get("content-type") == "application/zip",
                 "zip: %d %s" % (st, h.get("content-type"))):
        return None, h
    return zipfile.ZipFile(io.BytesIO(body)), h


def phase_dashboard(w, tasks):
    sa, sb = tasks[("sheet", "org-a")], tasks[("sheet", "org-b")]
    uid = sa["uid"]
    tok = {}
    for role, name, cyc in (("admin", "root", None),
                            ("coordinator", "co", "share"),
                            ("coordinator", "other", "other"),
                            ("viewer", "look", None)):
        args = ["token", "add", "--role", role] + \
            (["--cycle", cyc] if cyc else []) + [name]
        tok[name] = koyomi(w.conf, *args).stdout.decode().split()[-1]
    ses = dict((n, Session(w.http_port, t)) for n, t in tok.items())
    ses["none"] = Session(w.http_port, None)
    co = ses["co"]
    # The zip: named by code and name, the file byte for byte, UTF-8.
    z, h = zip_of(w, co, uid)
    if z is not None:
        names = z.namelist()
        check(names == ["131016_千代田区_調査票.xlsx"],
              "the zip names the file by code and name: %r" % names)
        if names:
            check(z.read(names[0]) == w.sheet_xlsx,
                  "the zip holds the .xlsx byte for byte")
            check(z.infolist()[0].flag_bits & 0x800,
                  "the zip's name has the UTF-8 flag (bit 11)")
        check("attachment" in h.get("content-disposition", "") and
              "filename*=UTF-8''" in h.get("content-disposition", ""),
              "the zip comes as an attachment with a UTF-8 name")
    # The deadline's page lists the file and the failing address.
    st, _, body = co.get("/occurrences/" + urllib.parse.quote(uid))
    page = body.decode()
    check(st == 200 and 'data-files="1"' in page and 'id="zip"' in page
          and "gone@city.example.jp" in page,
          "the deadline's page lists the file, the zip and the failing "
          "address (%d)" % st)
    fid = q(w.dbpath, "SELECT id FROM inbox_files WHERE task = ?",
            sa["id"])[0][0]
    st, h, body = co.get("/inbox/files/%d" % fid)
    check(st == 200 and body == w.sheet_xlsx,
          "GET /inbox/files/ID: the file byte for byte (%d)" % st)
    check(h.get("content-disposition", "").startswith("attachment;") and
          h.get("x-content-type-options") == "nosniff" and
          "sandbox" in h.get("content-security-policy", "") and
          h.get("content-type") == XLSX_TYPE,
          "a file is a download, never inline: %r" % (h,))
    st, _, body = co.get("/inbox")
    page = body.decode()
    check(st == 200 and 'id="failing"' in page and
          'data-address="gone@city.example.jp"' in page and
          "stranger@evil.example.com" in page,
          "/inbox lists the unmatched mail and the failing address")
    st, _, body = ses["other"].get("/inbox")
    check(st == 200 and "stranger@evil.example.com" not in body.decode(),
          "/inbox: a coordinator of another cycle does not see it")
    stranger = q(w.dbpath, "SELECT id, task FROM inbox_messages WHERE "
                 "sender = 'stranger@evil.example.com'")[0]
    check(stranger[1] == sb["id"], "the stranger's mail suggests sheet/org-b")
    # Roles on every route of replies by mail.
    routes = [("GET", "/inbox"), ("GET", "/inbox/files/%d" % fid),
              ("GET", "/inbox/zip/" + urllib.parse.quote(uid)),
              ("POST", "/inbox/messages/%d/dismiss" % stranger[0])]
    want = {"none": [303, 303, 303, 303], "look": [403, 403, 403, 403],
            "other": [200, 403, 403, 403], "co": [200, 200, 200, None],
            "root": [200, 200, 200, None]}
    for who, exp in want.items():
        for (meth, path), e in zip(routes, exp):
            if e is None:
                continue
            if meth == "GET":
                st = ses[who].get(path)[0]
            else:
                st = ses[who].post(path, {})[0]
            check(st == e, "%s %s as %s: %d (want %d)" % (meth, path, who,
                                                          st, e))
    st = co.post("/inbox/messages/%d/assign" % stranger[0],
                 {"task": str(sb["id"]), "csrf": "wrong"})[0]
    check(st == 403, "assign without the CSRF token: %d" % st)
    # The coordinator assigns the stranger's mail to sheet/org-b.
    st = co.post("/inbox/messages/%d/assign" % stranger[0],
                 {"task": str(sb["id"])})[0]
    check(st == 303, "assign the stranger's mail: %d" % st)
    check(w.tasks()[("sheet", "org-b")]["state"] == "done",
          "the assignment marked sheet/org-b done")
    z, _ = zip_of(w, ses["root"], uid)
    if z is not None:
        check(sorted(z.namelist()) == ["131016_千代田区_調査票.xlsx",
                                       "131024_中央区_代理.xlsx"],
              "the zip now holds both submissions: %r" % z.namelist())
    return ses


def phase_digest(w, tasks, ses):
    """A reply to a digest (two tasks, one mail, no reply address of one
    task) is kept for the coordinators with both tasks offered as
    buttons; one click assigns it, and nothing is applied by itself."""
    d1, d2 = tasks[("dg1", "org-d")], tasks[("dg2", "org-d")]
    box = os.path.join(w.boxes, "d")
    got = wait_for(lambda: maildir_messages(box), 90, "the digest in d/")
    if not got:
        return
    check(len(got) == 1, "one digest for org-d's two tasks: %d mail(s)" %
          len(got))
    dg = got[0]
    check(dg.get("Reply-To") is None,
          "a digest has no reply address of one task")
    refs = q(w.dbpath, "SELECT task FROM mail_digest_refs WHERE msgid = ? "
             "ORDER BY task", str(dg["Message-ID"]))
    check(refs == sorted([(d1["id"],), (d2["id"],)]),
          "the digest's Message-ID is tied to both tasks: %r" % (refs,))
    before = w.count()
    mid = send(w.smtp_port, reply(
        "新宿区担当 <d@d.example.jp>", BASE, "Re: " + str(dg["Subject"]),
        "実績報告を提出します。\n", [("実績.xlsx", xlsx(6, 2000), XLSX_TYPE)],
        in_reply_to=str(dg["Message-ID"])))
    wait_count(w, before + 1, "the reply to the digest recorded")
    row = q(w.dbpath, "SELECT id, state, reason, task, candidates, cycle "
            "FROM inbox_messages WHERE msgid = ?", mid)
    if not check(len(row) == 1, "the reply is one row: %r" % (row,)):
        return
    mid_id, state, reason, task, cands, cycle = row[0]
    want = "%d %d" % tuple(sorted((d1["id"], d2["id"])))
    check(state == "unmatched" and task is None and cands == want and
          "まとめた" in (reason or "") and cycle == "share",
          "kept as unmatched with both tasks as candidates, no guess: %r" %
          (row[0],))
    check(w.tasks()[("dg2", "org-d")]["state"] == "open" and
          w.tasks()[("dg1", "org-d")]["state"] == "open",
          "nothing applied by itself")
    st, _, body = ses["co"].get("/inbox")
    page = body.decode()
    forms = re.findall(r'<form class="candidate" data-task="(\d+)"[^>]*'
                       r'action="/inbox/messages/(\d+)/assign"', page)
    check(st == 200 and sorted(forms) == sorted(
        [(str(d1["id"]), str(mid_id)), (str(d2["id"]), str(mid_id))]),
        "/inbox offers both tasks as buttons: %r" % (forms,))
    check("「実績報告」新宿区" in page and "に割り当て" in page and
          re.search(r"期限 %s（[日月火水木金土]）" % w.due, page),
          "each button names the task, whose it is and the due day with "
          "its 曜日")
    st, _, body = ses["other"].get("/inbox")
    check(st == 200 and 'class="candidate"' not in body.decode(),
          "a coordinator of another cycle sees neither the mail nor its "
          "buttons")
    r = koyomi(w.conf, "inbox", "list", "--state", "unmatched")
    line = [ln.split("\t") for ln in r.stdout.decode().splitlines()
            if ln.startswith("%d\t" % mid_id)]
    check(len(line) == 1 and line[0][-1] == want,
          "koyomi inbox list gives the same candidates: %r" % (line,))
    st = ses["co"].post("/inbox/messages/%d/assign" % mid_id,
                        {"task": str(d2["id"])})[0]
    check(st == 303, "the button assigns it: %d" % st)
    t = w.tasks()
    check(t[("dg2", "org-d")]["state"] == "done" and
          t[("dg1", "org-d")]["state"] == "open",
          "the chosen task is done, the other still open")
    f = q(w.dbpath, "SELECT task FROM inbox_files WHERE message = ?",
          mid_id)
    check(f == [(d2["id"],)], "its file is the chosen task's: %r" % (f,))
    st, _, body = ses["co"].get("/inbox")
    check('class="candidate"' not in body.decode(),
          "once assigned, no button is left")


def phase_cli(w, tasks):
    """koyomi inbox: the reply address, an allowed sender, the list, and
    a failing address cleared."""
    key = w.key()
    t = tasks[("other", "org-a")]
    r = koyomi(w.conf, "inbox", "address", str(t["id"]))
    check(r.stdout.decode().strip() == reply_address(key, t["id"]),
          "koyomi inbox address prints the signed reply address")
    koyomi(w.conf, "inbox", "sender", "add", "org-a", "Helper@A.example.jp",
           "--by", "admin")
    r = koyomi(w.conf, "inbox", "sender", "list")
    check("org-a\thelper@a.example.jp\t" in r.stdout.decode(),
          "the allowed sender is listed, lower case")
    n = w.count()
    send(w.smtp_port, reply("helper@a.example.jp",
                            reply_address(key, t["id"]), "別の提出",
                            "提出します\n",
                            [("別紙.pdf", b"%PDF-1.4\n%test\n",
                              "application/pdf")]))
    wait_count(w, n + 1, "the allowed sender's reply")
    check(w.tasks()[("other", "org-a")]["state"] == "done",
          "a reply from an address an administrator allowed applies")
    r = koyomi(w.conf, "inbox", "list", "--state", "applied")
    check("helper@a.example.jp" in r.stdout.decode(),
          "koyomi inbox list --state applied shows it")
    r = koyomi(w.conf, "inbox", "failing")
    check(r.stdout.decode().startswith("gone@city.example.jp\t"),
          "koyomi inbox failing lists the bounced address")
    koyomi(w.conf, "inbox", "failing", "clear", "gone@city.example.jp")
    check(koyomi(w.conf, "inbox", "failing").stdout == b"",
          "koyomi inbox failing clear forgets it")
    koyomi(w.conf, "inbox", "failing", "clear", "gone@city.example.jp",
           check_rc=1)
    phase_plain_bounce(w, tasks)


def phase_plain_bounce(w, tasks):
    """A bounce in plain text from a mailer daemon, quoting nothing of the
    message (no report, no Message-ID): only the bounce address it was
    sent back to says which message failed. A vacation notice to the same
    address marks nothing."""
    key = w.key()
    mb = [m for m in maildir_messages(os.path.join(w.boxes, "b"))
          if m.get("Reply-To") and "【受領確認】" not in str(m["Subject"])]
    if not check(mb, "a reminder in b/ to bounce"):
        return
    row = q(w.dbpath, "SELECT id FROM outbox WHERE msgid = ?",
            str(mb[0]["Message-ID"]))[0][0]
    verp = bounce_address(key, row)
    n = w.count()
    m = EmailMessage()
    m["From"] = "MAILER-DAEMON@mx.b.example.jp"
    m["To"] = verp
    m["Subject"] = "Returned mail: User unknown"
    m["Message-ID"] = make_msgid(domain="mx.b.example.jp")
    m.set_content("The original message was received but could not be "
                  "delivered.\n   ----- The following addresses had "
                  "permanent fatal errors -----\n(reason: 550 unknown)\n")
    send(w.smtp_port, m, envelope_from="")
    v = EmailMessage()
    v["From"] = "a@a.example.jp"
    v["To"] = bounce_address(key, row - 1 if row > 1 else row + 1)
    v["Subject"] = "不在のお知らせ"
    v["Message-ID"] = make_msgid(domain="a.example.jp")
    v["Auto-Submitted"] = "auto-replied"
    v.set_content("12月10日まで不在です。\n")
    send(w.smtp_port, v, envelope_from="")
    wait_count(w, n + 2, "the plain bounce and the vacation notice")
    rows = q(w.dbpath, "SELECT state, sender FROM inbox_messages WHERE "
             "id > (SELECT max(id) - 2 FROM inbox_messages) ORDER BY id")
    check(sorted(rows) == sorted([("bounce",
                                   "mailer-daemon@mx.b.example.jp"),
                                  ("auto", "a@a.example.jp")]),
          "the plain bounce is a bounce, the vacation notice only "
          "machine-made: %r" % (rows,))
    f = q(w.dbpath, "SELECT address, msgid FROM mail_failures")
    check(f == [("b@b.example.jp", str(mb[0]["Message-ID"]))],
          "the failing address is the bounced message's recipient, and "
          "nobody else: %r" % (f,))
    koyomi(w.conf, "inbox", "failing", "clear", "b@b.example.jp")


def phase_crash_window(w):
    """A message recorded, but left unmarked (a crash between the commit
    and the marking): found again, only marked."""
    n, acks = w.count(), len(outbox_rows(w, "ack"))
    done = q(w.dbpath, "SELECT count(*) FROM task_events WHERE action = "
             "'done'")[0][0]
    if w.mode == "maildir":
        cur = os.path.join(w.inbox, "cur")
        src = None
        for name in os.listdir(cur):
            with open(os.path.join(cur, name), "rb") as f:
                if w.reply_a.encode() in f.read():
                    src = name
        if not check(src is not None, "the .xlsx reply is in cur/"):
            return
        dst = os.path.join(w.inbox, "new", src.split(":")[0])
        shutil.copy2(os.path.join(cur, src), dst)
        os.chown(dst, NOBODY, NOBODY)
    else:
        r = sh("curl", "-s", "--cacert", w.dovecot.cert, "-u",
               "koyomi:" + w.password,
               "imaps://localhost:%d/INBOX" % w.imap_port,
               "-X", "UID STORE 1:* -FLAGS.SILENT ($Koyomi)")
        check(r.returncode == 0, "the keyword taken off every message")
    check(w.start(), "restart")
    wait_for(lambda: w.unmarked() == 0, 60,
             "the unmarked messages marked again")
    time.sleep(1.5)
    check(w.count() == n and len(outbox_rows(w, "ack")) == acks and
          q(w.dbpath, "SELECT count(*) FROM task_events WHERE action = "
            "'done'")[0][0] == done,
          "a message found again after the commit applies nothing twice")
    w.stop_daemon()


def phase_kill9(w):
    """40 messages (30 submissions with a file, 10 strangers) and kill -9
    at random moments while they are read: each recorded exactly once."""
    key = w.key()
    tasks = w.tasks("bulk")
    rnd = random.Random(int(os.environ.get("KOYOMI_SEED", "0")) or
                        random.randrange(1 << 30))
    base, ndeliv = w.count(), w.delivered()
    sent = 0
    for i in range(1, KILL_ORGS + 1):
        t = tasks[("monthly", "k%02d" % i)]
        send(w.smtp_port, reply("k%02d@k.example.jp" % i,
                                reply_address(key, t["id"]), "月次報告",
                                "提出します\n", [("月次報告.xlsx",
                                                  xlsx(100 + i, 150000),
                                                  XLSX_TYPE)]))
        sent += 1
    for i in range(10):
        send(w.smtp_port, reply("who%d@nowhere.example.com" % i, BASE,
                                "お問い合わせ %d" % i, "質問です\n",
                                [("q%d.xlsx" % i, xlsx(200 + i, 20000),
                                  XLSX_TYPE)]))
        sent += 1
    wait_for(lambda: w.delivered() >= ndeliv + sent, 120,
             "Postfix to deliver the %d messages" % sent)
    rounds = mid = 0
    while w.count() < base + sent and rounds < 40:
        rounds += 1
        d = Daemon(w.conf, w.http_port)
        start = w.count()
        wait_for(lambda: d.p.poll() is not None or w.count() > start or
                 w.count() >= base + sent, 60, "a message recorded")
        time.sleep(rnd.random() * 0.02)
        d.kill9()
        n = w.count()
        mid += base < n < base + sent
        ok = q(w.dbpath, "PRAGMA integrity_check")
        check(ok == [("ok",)], "integrity after kill -9: %r" % (ok,))
    check(mid >= 1, "killed %d times, %d of them with messages still "
          "unread" % (rounds, mid))
    check(w.start(), "the last start")
    wait_for(lambda: w.count() >= base + sent and w.unmarked() == 0, 120,
             "every message recorded and marked")
    time.sleep(1.5)
    w.stop_daemon()
    check(w.count() == base + sent,
          "40 messages, %d recorded" % (w.count() - base))
    check(w.unmarked() == 0, "every message marked read in the mailbox")
    for i in range(1, KILL_ORGS + 1):
        t = tasks[("monthly", "k%02d" % i)]
        done = [e for e in task_events(w, t["id"]) if e[0] == "done"]
        check(len(done) == 1, "k%02d: done exactly once (%d)" %
              (i, len(done)))
        a = outbox_rows(w, "ack", "k%02d@k.example.jp" % i)
        r = outbox_rows(w, "receipt", "k%02d@k.example.jp" % i)
        check(len(a) == 1 and len(r) == 1,
              "k%02d: one 受領確認 and one receipt (%d, %d)" %
              (i, len(a), len(r)))
    n = q(w.dbpath, "SELECT count(*) FROM inbox_files f JOIN "
          "inbox_messages m ON m.id = f.message WHERE m.id > (SELECT "
          "id FROM inbox_messages ORDER BY id LIMIT 1 OFFSET ?)",
          base - 1)[0][0]
    check(n == sent, "one file row per message (%d)" % n)
    st = q(w.dbpath, "SELECT state, count(*) FROM inbox_messages WHERE "
           "sender LIKE 'k__@k.example.jp' OR sender LIKE "
           "'who_@nowhere.example.com' GROUP BY state ORDER BY state")
    check(st == [("applied", 30), ("unmatched", 10)],
          "30 applied, 10 unmatched: %r" % (st,))


def run(mode):
    need = ["postfix", "openssl", "curl", "script"] + \
        (["dovecot"] if mode == "imap" else [])
    missing = [t for t in need if shutil.which(t) is None and
               not os.path.exists("/usr/sbin/" + t)]
    if missing or os.geteuid() != 0:
        # Postfix and Dovecot of the test's own are started as root.
        print("SKIP: %s" % ("not root" if not missing else
                            ", ".join(missing) + " not installed "
                            "(tests/deps.sh installs them)"))
        sys.exit(0)
    w = World(mode)
    try:
        w.start_servers()
        koyomi(w.conf, "check")
        if not w.start():
            return finish()
        tasks = w.tasks()
        rem = phase_reminders(w, tasks)
        if rem:
            phase_replies(w, tasks, rem)
            ses = phase_dashboard(w, tasks)
            phase_digest(w, tasks, ses)
            phase_cli(w, tasks)
        w.stop_daemon()
        # A restart reads nothing twice.
        n = w.count()
        check(w.start(), "restart")
        time.sleep(2.5)
        check(w.count() == n, "a restart records nothing again")
        w.stop_daemon()
        phase_crash_window(w)
        phase_kill9(w)
    except Exception as e:  # noqa: BLE001: report, then tear down
        import traceback
        traceback.print_exc()
        fail("exception: %r" % e)
    finally:
        w.stop()
    if failures:
        print("--- koyomi log (tail) ---")
        try:
            with open(os.path.join(WORK, "daemon.log"),
                      errors="replace") as f:
                print("".join(f.readlines()[-60:]))
        except OSError:
            pass
        print("--- Postfix log (tail) ---")
        print(w.postfix.log()[-3000:])
        if w.dovecot is not None:
            print("--- Dovecot log (tail) ---")
            print(w.dovecot.log()[-2000:])
    finish()
