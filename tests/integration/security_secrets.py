#!/usr/bin/python3
"""security_secrets.py — secrets stay secret (issue 9, security checks).

Observable properties, not a reading of the code:
  - two `koyomi token add` give different "ky_" + 43 base64url tokens;
    feed tokens are 43 base64url characters too;
  - the database keeps only 64-hex SHA-256 hashes (api_tokens,
    feed_tokens, sessions): no printed token is anywhere in the file bytes;
  - the secret key file is created 0600 on first start, and a key file
    readable by group or others makes `koyomi run` exit 1 naming it;
  - no API token, feed token, completion link, session cookie, webhook
    secret (whsec_) or key byte string shows in the daemon's (verbose)
    log, in /metrics, in error bodies, or in feeds — after a reminder mail
    and a webhook were sent and the link, the API, the feeds and the
    dashboard login were used rightly and wrongly.
"""
import base64
import email
import email.policy
import datetime
import glob
import hashlib
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (KOYOMI, WORK, Daemon, check, fail, finish,  # noqa
                        free_port, koyomi, request, wait_for, write_conf)
import lib_receivers  # noqa: E402

SRC = os.environ.get("KOYOMI_SRC", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."))
JST = datetime.timezone(datetime.timedelta(hours=9))
WHSEC = "whsec_" + base64.b64encode(b"security-secrets-hook-key-0123").decode()
HOOK_PATH = "T0SEC/B0SEC/" + hashlib.sha256(b"hook path").hexdigest()[:24]
TOKEN_RE = re.compile(r"^ky_[A-Za-z0-9_-]{43}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def write_rules(d):
    # The only step is the due time, two minutes ago: the reminder counts
    # as missed and goes out at once on start.
    due = datetime.datetime.now(JST) - datetime.timedelta(minutes=2)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "sec.yaml"), "w") as f:
        f.write("""\
organisations:
  - {id: mhlw, name: 事務局, type: ministry}
  - {id: org-a, name: 甲市}
contacts:
  - {id: c-a, org: org-a, name: 甲市担当, mail: a@a.example.jp}
  - {id: c-co, org: mhlw, name: 事務局担当, mail: co@mhlw.example.jp, roles: [coordinator]}
policies:
  - id: now
    steps: [0s]
    channels: [mail, webhook]
cycles:
  - id: sec
    title: 秘密試験
    coordinator: c-co
    policy: now
    items:
      - {id: submit, kind: deadline, title: 提出, date: "%s", due: "%s", assignees: [org-a]}
      - {id: m, kind: meeting, title: 会議, date: 6月1日}
feeds:
  - {id: pub, title: 公開, cycles: [sec], deadlines: true}
""" % (due.strftime("%Y-%m-%d"), due.strftime("%H:%M")))


class VerboseDaemon(Daemon):
    """`koyomi -v -c CONF run`: the debug log is where a leak would be."""

    def __init__(self, conf, port, log):
        self.conf, self.port, self.log = conf, port, os.path.join(WORK, log)
        self.logf = open(self.log, "ab")
        self.p = subprocess.Popen([KOYOMI, "-v", "-c", conf, "run"],
                                  stdout=self.logf, stderr=self.logf)


def start_hook_receiver(port, d):
    p = lib_receivers.start("http", port, d, WHSEC, quiet=True)
    if p is None:
        fail("the webhook receiver did not start")
        finish()
    return p


def key_file_checks(conf, port, keyfile):
    check(not os.path.exists(keyfile), "no key file before the first start")
    d = Daemon(conf, port, log="first.log")
    ok = d.wait_ready()
    if ok:
        mode = stat.S_IMODE(os.stat(keyfile).st_mode)
        check(mode == 0o600, "key file created with mode 0600 (got %o)" % mode)
    rc = d.stop()
    check(rc == 0, "first daemon stops cleanly (rc %s)" % rc)
    for mode in (0o640, 0o604, 0o660):
        os.chmod(keyfile, mode)
        r = subprocess.run([KOYOMI, "-c", conf, "run"], capture_output=True,
                           timeout=20)
        err = r.stderr.decode(errors="replace")
        check(r.returncode == 1, "mode %o key: run exits 1 (got %d)"
              % (mode, r.returncode))
        check(keyfile in err or "secret.key" in err,
              "mode %o key: the message names the file: %r"
              % (mode, err.strip()[-200:]))
    os.chmod(keyfile, 0o600)
    with open(keyfile, "rb") as f:
        return f.read()


def db_checks(dbfile, tokens):
    db = sqlite3.connect(dbfile)
    try:
        for table in ("api_tokens", "feed_tokens"):
            rows = db.execute("SELECT hash FROM %s" % table).fetchall()
            check(len(rows) > 0, "%s has rows" % table)
            check(all(HEX64.match(r[0] or "") for r in rows),
                  "%s keeps only 64-hex hashes" % table)
            stored = set(r[0] for r in rows)
            want = set(hashlib.sha256(t.encode()).hexdigest() for t in tokens)
            check(stored & want, "%s hash is SHA-256 of a printed token"
                  % table)
    finally:
        db.close()
    blob = b""
    for f in glob.glob(dbfile + "*"):
        with open(f, "rb") as fh:
            blob += fh.read()
    for t in tokens:
        body = t[3:] if t.startswith("ky_") else t
        check(body.encode() not in blob,
              "token %s… is not in the database files" % t[:8])


def login(port, api_token):
    """The dashboard's login flow: GET /login sets a CSRF cookie, POST it."""
    st, h, _ = request(port, "GET", "/login")
    m = re.search(r"koyomi_login=([^;]+)", h.get("set-cookie", ""))
    if not check(st == 200 and m, "GET /login sets the login cookie"):
        return None, []
    form = urllib.parse.urlencode({"csrf": m.group(1), "token": api_token})
    st, h, body = request(port, "POST", "/login", body=form.encode(),
                          headers={"Content-Type":
                                   "application/x-www-form-urlencoded",
                                   "Cookie": "koyomi_login=" + m.group(1)})
    s = re.search(r"koyomi_session=([^;]+)", h.get("set-cookie", ""))
    check(st == 303 and s, "login with an API token opens a session")
    return (s.group(1) if s else None), [body]


def altered(s):
    """S with its last character changed: never S itself, whatever it ends in."""
    return s[:-1] + ("x" if s[-1] != "x" else "y")


def exercise(port, api_tok, viewer_tok, feed_url, link):
    """Use every secret rightly and wrongly; return all response bodies."""
    out = []
    feed_tok = feed_url.rsplit("/", 1)[-1][:-4]
    auth = {"Authorization": "Bearer " + api_tok}
    bad = {"Authorization": "Bearer " + altered(api_tok)}
    for h in (auth, bad, {"Authorization": "Bearer " + viewer_tok},
              {"Authorization": api_tok}, {"Authorization": "Basic " +
                                           base64.b64encode(api_tok.encode()).decode()}):
        for path in ("/api/v1/tasks", "/api/v1/tasks/999999",
                     "/api/v1/tasks/1/nothing?t=" + api_tok):
            st, _, b = request(port, "GET", path, headers=h)
            out.append(b)
        st, _, b = request(port, "POST", "/api/v1/tasks/999999/done",
                           body={"note": "x"}, headers=h)
        out.append(b)
    st, _, b = request(port, "GET", "/api/v1/tasks", headers=bad)
    check(st == 401, "a wrong API token gets 401 (got %d)" % st)
    st, _, b = request(port, "GET", "/feeds/private/%s.ics" % feed_tok)
    check(st == 200 and b.startswith(b"BEGIN:VCALENDAR"),
          "the private feed answers with its token (got %d)" % st)
    out.append(b)
    for name in (altered(feed_tok), feed_tok + "x", feed_tok[:20]):
        st, _, b = request(port, "GET", "/feeds/private/%s.ics" % name)
        check(st == 404, "a wrong feed token gets 404 (got %d)" % st)
        out.append(b)
    st, _, b = request(port, "GET", "/feeds/pub.ics")
    check(st == 200, "the public feed answers (got %d)" % st)
    out.append(b)
    if link:
        tok = link.rsplit("/c/", 1)[-1]
        forged = tok[:-2] + ("AA" if not tok.endswith("AA") else "BB")
        for t in (forged, tok[:30], tok + "A"):
            for m in ("GET", "POST"):
                st, _, b = request(port, m, "/c/" + t)
                check(st >= 400, "%s of a forged link refused (%d)" % (m, st))
                out.append(b)
        st, _, b = request(port, "GET", "/c/" + tok)
        check(st == 200, "GET of the real link shows its page (%d)" % st)
        out.append(b)
        st, _, b = request(port, "POST", "/c/" + tok)
        check(st == 200, "POST of the real link completes (%d)" % st)
        out.append(b)
    session, bodies = login(port, api_tok)
    out += bodies
    for tok, cookie, want in ((altered(api_tok), "abc", 401),
                              (api_tok, "abd", 403)):
        st, h, b = request(port, "POST", "/login", body=urllib.parse.urlencode(
            {"csrf": "abc", "token": tok}).encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "koyomi_login=" + cookie})
        check(st == want and "koyomi_session" not in h.get("set-cookie", ""),
              "login refused (%d, want %d) without a session" % (st, want))
        out.append(b)
    if session:
        st, _, b = request(port, "GET", "/", headers={
            "Cookie": "koyomi_session=" + session})
        check(st == 200, "the dashboard answers with the session (%d)" % st)
        out.append(b)
    st, _, b = request(port, "GET", "/metrics")
    check(st == 200, "/metrics answers")
    out.append(b)
    return out, session


def main():
    port, hook_port = free_port(), free_port()
    conf = os.path.join(WORK, "koyomi.conf")
    keyfile = os.path.join(WORK, "secret.key")
    write_rules(os.path.join(WORK, "rules"))
    # The deadline passed before the first start: chase_past asks for it
    # (otherwise it would be history, 対象外・過去分, and never mailed).
    write_conf(conf, port, 'window: "00:00-24:00"\nchase_past: true\n'
               'webhooks:\n'
               '  - {id: hook, url: "http://127.0.0.1:%d/ok", '
               'secrets: ["%s"]}\n'
               # Slack-style: the path is the credential; nothing listens.
               '  - {id: dead, url: "http://127.0.0.1:%d/hooks/%s", '
               'format: slack}\n' % (hook_port, WHSEC, free_port(), HOOK_PATH))
    key = key_file_checks(conf, port, keyfile)

    # Tokens: two adds differ, right shape; feed token likewise.
    t1 = koyomi(conf, "token", "add", "--role", "admin", "alice")
    t2 = koyomi(conf, "token", "add", "--role", "viewer", "bob")
    a, b = t1.stdout.decode().strip(), t2.stdout.decode().strip()
    check(TOKEN_RE.match(a) and TOKEN_RE.match(b),
          "tokens are ky_ + 43 base64url: %r %r" % (a[:6], b[:6]))
    check(a != b and a[3:] != b[3:], "two token adds differ")
    check(a not in t1.stderr.decode(), "the token is not on stderr")
    r = koyomi(conf, "feed-token", "add", "org-a")
    feed_url = r.stdout.decode().split()[-1] if r.stdout.strip() else ""
    feed_tok = feed_url.rsplit("/", 1)[-1][:-4]
    check(re.match(r"^[A-Za-z0-9_-]{43}$", feed_tok),
          "feed token is 43 base64url characters: %r" % feed_url[-50:])
    r = koyomi(conf, "feed-token", "rotate", "org-a")
    feed_url2 = r.stdout.decode().split()[-1] if r.stdout.strip() else ""
    check(feed_url2 != feed_url, "a rotated feed token differs")
    old_tok, feed_url = feed_tok, feed_url2
    feed_tok = feed_url.rsplit("/", 1)[-1][:-4]

    hooks = os.path.join(WORK, "hooks")
    recv = start_hook_receiver(hook_port, hooks)
    d = VerboseDaemon(conf, port, "daemon.log")
    try:
        if not d.wait_ready():
            finish()
        mail = wait_for(lambda: glob.glob(os.path.join(WORK, "mail/new/*")),
                        20, "the reminder mail")
        wait_for(lambda: os.path.exists(os.path.join(hooks, "hooks.jsonl"))
                 and os.path.getsize(os.path.join(hooks, "hooks.jsonl")),
                 20, "the webhook")
        link = None
        if mail:
            with open(mail[0], "rb") as f:
                msg = email.message_from_bytes(f.read(),
                                               policy=email.policy.default)
            text = msg.get_body(("plain",)).get_content()
            m = re.search(r"http://127\.0\.0\.1:\d+/c/[A-Za-z0-9_-]+", text)
            check(m, "the reminder mail carries a completion link")
            link = m.group(0) if m else None
        bodies, session = exercise(port, a, b, feed_url, link)
        st, _, _ = request(port, "GET", "/feeds/private/%s.ics" % old_tok)
        check(st == 404, "the rotated-away feed token gets 404 (%d)" % st)
    finally:
        rc = d.stop()
        recv.terminate()
        recv.wait(10)
    check(rc == 0, "daemon stops cleanly (rc %s)" % rc)
    db_checks(os.path.join(WORK, "koyomi.db"), [a, b, feed_tok, old_tok])

    secrets = {"admin token": a, "viewer token": b, "feed token": feed_tok,
               "old feed token": old_tok, "webhook secret": WHSEC,
               "webhook key": WHSEC[6:],
               "webhook URL path": HOOK_PATH, "key hex": key.hex(),
               "key base64": base64.b64encode(key).decode().rstrip("="),
               "key base64url": base64.urlsafe_b64encode(key).decode()
               .rstrip("=")}
    if link:
        secrets["completion link"] = link.rsplit("/c/", 1)[-1]
    if session:
        secrets["session cookie"] = session
    with open(d.log, "rb") as f:
        log = f.read()
    check(len(log) > 200, "the verbose log says something (%d bytes)"
          % len(log))
    places = [("daemon log", log), ("first start log",
                                    open(os.path.join(WORK, "first.log"),
                                         "rb").read())]
    places += [("response %d" % i, x) for i, x in enumerate(bodies)]
    for what, s in secrets.items():
        needle = s.encode()
        # A shorter prefix would still identify the secret in a log.
        for where, hay in places:
            if needle in hay or needle[:24] in hay:
                fail("%s appears in %s" % (what, where))
    check(True, "no secret in the log, /metrics, error bodies or feeds "
          "(%d places, %d secrets)" % (len(places), len(secrets)))
    finish()


if __name__ == "__main__":
    main()
