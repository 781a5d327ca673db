#!/usr/bin/python3
"""security_http.py — hostile input over HTTP and in rule files (issue 9).

  - private feeds answer 404 (not 403) to a wrong token; the dashboard
    pages send a client without a session to /login (or 401/403); the API
    answers 401 without a Bearer token;
  - path traversal in /feeds/ (../, %2e%2e, %00, backslashes, overlong
    names) answers 404 and, under strace, the daemon opens no file for it;
  - a 10 KB URL and 100 KB of headers get a 4xx status, a body over
    max_body gets 413 JSON;
  - `koyomi check` refuses CR/LF in a title, a contact name or a mail
    address (they would end up in mail headers) and a javascript: url;
  - the dashboard shows a <script> title, quotes and a hostile https url
    as text, and links no javascript: URL;
  - CSRF: dashboard POSTs without the form's CSRF token are refused and
    change nothing; with it they work (so the check can fail).
  - login's next: a page asked for without a session sends the browser to
    /login?next=<that page>, and the login returns there; any next that
    is not a local path (//evil, /\\evil, https://…, javascript:, and
    their percent-encoded forms) logs in to / instead: no open redirect.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (KOYOMI, WORK, Daemon, check, fail, finish,  # noqa
                        free_port, koyomi, request, write_conf)

TITLE = '<script>alert(1)</script> "q" \'s\' &amp; 提出'
URL = 'https://example.jp/a?b=1&c="><script>alert(2)</script>'

RULES = """\
organisations:
  - {id: mhlw, name: 事務局, type: ministry}
  - {id: org-a, name: '<b>甲</b>市'}
contacts:
  - {id: c-a, org: org-a, name: 甲市担当, mail: a@a.example.jp}
cycles:
  - id: x
    title: '<i>事業</i>'
    organiser: mhlw
    items:
      - id: submit
        kind: deadline
        title: %s
        url: %s
        location: '"><img src=x onerror=alert(3)>'
        date: 5月15日
        assignees: [org-a]
      - id: m
        kind: meeting
        title: %s
        url: %s
        date: 6月1日
        time: "13:00-15:00"
feeds:
  - {id: pub, title: 公開, cycles: [x], deadlines: true}
""" % (json.dumps(TITLE), json.dumps(URL), json.dumps(TITLE), json.dumps(URL))


def raw(port, data, timeout=5):
    """data on a fresh connection; the whole reply (until close or 64 KB)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:
        try:
            s.sendall(data)
        except OSError:
            pass
        while len(out) < 65536:
            try:
                chunk = s.recv(4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out and b"Connection: close" not in out:
                head, _, body = out.partition(b"\r\n\r\n")
                m = re.search(rb"Content-Length: (\d+)", head, re.I)
                if m and len(body) >= int(m.group(1)):
                    break
    finally:
        s.close()
    return out


def status(reply):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
    return int(m.group(1)) if m else None


def check_rules_refused(what, yaml_text):
    d = os.path.join(WORK, "bad-" + what)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "r.yaml"), "w") as f:
        f.write(yaml_text)
    r = subprocess.run([KOYOMI, "check", d], capture_output=True, timeout=30)
    err = r.stderr.decode(errors="replace") + r.stdout.decode(errors="replace")
    check(r.returncode != 0 and "error" in err,
          "koyomi check refuses %s (rc %d): %s"
          % (what, r.returncode, err.strip().splitlines()[:1]))


def rule_file_checks():
    base = RULES.replace(json.dumps(URL), json.dumps("https://example.jp/"))
    check_rules_refused("CRLF in a title", base.replace(
        json.dumps(TITLE), json.dumps("提出\r\nBcc: evil@example.com"), 1))
    check_rules_refused("LF in a title", base.replace(
        json.dumps(TITLE), json.dumps("提出\nX-Evil: 1"), 1))
    check_rules_refused("CRLF in a contact name", base.replace(
        "name: 甲市担当", 'name: "甲市担当\\r\\nBcc: evil@example.com"'))
    check_rules_refused("CRLF in a mail address", base.replace(
        "mail: a@a.example.jp", 'mail: "a@a.example.jp\\r\\nBcc: e@x.jp"'))
    check_rules_refused("CRLF in an organisation name", base.replace(
        "'<b>甲</b>市'", '"甲市\\r\\nSubject: x"'))
    check_rules_refused("a javascript: url", base.replace(
        json.dumps("https://example.jp/"), json.dumps("javascript:alert(1)"),
        1))
    check_rules_refused("a data: url", base.replace(
        json.dumps("https://example.jp/"),
        json.dumps("data:text/html,<script>alert(1)</script>"), 1))
    # The base itself is fine, so the refusals above are about the change.
    d = os.path.join(WORK, "good")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "r.yaml"), "w") as f:
        f.write(RULES)
    r = subprocess.run([KOYOMI, "check", d], capture_output=True, timeout=30)
    check(r.returncode == 0, "the hostile-but-valid rules pass check: %s"
          % r.stderr.decode(errors="replace")[:300])


def access_checks(port, admin):
    for p in ("/", "/org?id=org-a", "/meetings", "/outbox", "/reload",
              "/?format=csv"):
        st, h, b = request(port, "GET", p)
        check(st in (401, 403) or (st in (302, 303) and urllib.parse.urlparse(
            h.get("location", "")).path == "/login"),
              "dashboard %s without a session: %d %s" %
              (p, st, h.get("location")))
        check(b"<table" not in b and b"\xe6\x8f\x90\xe5\x87\xba" not in b,
              "dashboard %s without a session shows no data" % p)
    st, h, _ = request(port, "GET", "/", headers={
        "Cookie": "koyomi_session=" + "A" * 43})
    check(st in (302, 303, 401, 403), "a made-up session cookie: %d" % st)
    for m, p in (("GET", "/api/v1/tasks"), ("GET", "/api/v1/occurrences"),
                 ("GET", "/api/v1/tasks/1"), ("POST", "/api/v1/tasks/1/done")):
        for h in ({}, {"Authorization": "Bearer "},
                  {"Authorization": "Bearer ky_" + "A" * 43},
                  {"Authorization": "Basic " + admin},
                  {"Authorization": admin}):
            st, rh, b = request(port, m, p, body={} if m == "POST" else None,
                                headers=h)
            check(st == 401 and rh.get("content-type", "").startswith(
                "application/json"),
                  "%s %s with %r: 401 JSON (got %d)"
                  % (m, p, list(h.values())[:1] and list(h.values())[0][:10],
                     st))
    st, _, b = request(port, "GET", "/api/v1/tasks", headers={
        "Authorization": "Bearer " + admin})
    check(st == 200, "the API answers with the token (%d)" % st)


TRAVERSAL = [
    "/feeds/../secret.ics", "/feeds/..%2fsecret.ics",
    "/feeds/%2e%2e/secret.ics", "/feeds/%2e%2e%2fsecret.ics",
    "/feeds/%2E%2E%2Fkoyomi.conf", "/feeds/..%5csecret.ics",
    "/feeds/..\\secret.ics", "/feeds/private/../../secret.ics",
    "/feeds/private/..%2f..%2fsecret.ics", "/feeds/pub.ics%00.txt",
    "/feeds/pub%00.ics", "/feeds/%00", "/feeds/secret.ics",
    "/feeds/private/secret.ics", "/feeds//etc/passwd",
    "/feeds/%2fetc%2fpasswd", "/feeds/.ics", "/feeds/..ics",
    "/feeds/...ics", "/feeds/" + "a" * 4000 + ".ics",
    "/feeds/private/" + "b" * 4000 + ".ics", "/feeds/pub.ics/",
    "/feeds/pub.ics/..", "/feeds/PUB.ICS", "/feeds/pub.ics;x",
    "/feeds/private/", "/feeds/private", "/feeds/%ff%fe.ics",
    "/feeds/%c0%ae%c0%ae/secret.ics", "/feeds/\xe6\x9a\xa6.ics",
]


def traversal_checks(port, d_pid_ok):
    secret = b"TOP-SECRET-FILE-CONTENT"
    for f in ("secret.ics", "secret.ics.txt"):
        with open(os.path.join(WORK, f), "wb") as fh:
            fh.write(b"BEGIN:VCALENDAR\r\n" + secret + b"\r\n")
    st, _, pub = request(port, "GET", "/feeds/pub.ics")
    check(st == 200 and pub.startswith(b"BEGIN:VCALENDAR"),
          "the real feed answers (%d)" % st)
    for p in TRAVERSAL:
        r = raw(port, b"GET " + p.encode("latin-1") +
                b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        st = status(r)
        check(secret not in r and b"root:" not in r,
              "traversal %r: no file content" % p[:60])
        check(st in (400, 404), "traversal %r: %s" % (p[:60], st))


def size_checks(port):
    r = raw(port, b"GET /feeds/" + b"a" * 10240 + b".ics HTTP/1.1\r\n"
            b"Host: x\r\n\r\n")
    check(status(r) is not None and 400 <= status(r) < 500,
          "10 KB URL: 4xx (%r)" % r[:40])
    hdrs = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 1000) for i in range(100))
    r = raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + hdrs + b"\r\n")
    check(status(r) is not None and 400 <= status(r) < 500,
          "100 KB of headers: 4xx (%r)" % r[:40])
    big = b"{" + b" " * 5000 + b"}"
    for path in ("/api/v1/tasks/1/done", "/login", "/c/AAAA",
                 "/dash/tasks/1/done"):
        r = raw(port, b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n"
                b"Connection: close\r\n\r\n" % len(big) + big)
        body = r.partition(b"\r\n\r\n")[2]
        try:
            ok = "error" in json.loads(body)
        except ValueError:
            ok = False
        check(status(r) == 413 and ok and
              b"application/json" in r.partition(b"\r\n\r\n")[0],
              "POST %s over max_body: 413 JSON (%r)" % (path, r[:40]))


def login(port, token):
    st, h, _ = request(port, "GET", "/login")
    m = re.search(r"koyomi_login=([^;]+)", h.get("set-cookie", ""))
    if not check(m is not None, "GET /login sets the login CSRF cookie"):
        return None
    form = urllib.parse.urlencode({"csrf": m.group(1), "token": token})
    st, h, _ = request(port, "POST", "/login", body=form.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "koyomi_login=" + m.group(1)})
    s = re.search(r"koyomi_session=([^;]+)", h.get("set-cookie", ""))
    check(st == 303 and s, "login with the API token (%d)" % st)
    return s.group(1) if s else None


EVIL_NEXT = [
    "//evil.example/", "/\\evil.example/", "\\\\evil.example",
    "https://evil.example/", "http://evil.example", "http:/evil.example",
    "https:evil.example", "javascript:alert(1)", "evil.example",
    "/%2F%2Fevil.example", "/%2f/evil.example", "%2F%2Fevil.example",
    "/%5Cevil.example", "/%5cevil.example", "/\t/evil.example",
    "/%09/evil.example", "//%09evil.example", "/%2F", "///evil.example",
    " //evil.example", "/\r\nSet-Cookie: x=1", "/%0d%0aSet-Cookie:%20x=1",
    "//evil.example%2F..", "/login?next=//evil.example",
]


def login_next(port, token, nxt):
    """Logs in with next=nxt; the Location the login answers."""
    st, h, _ = request(port, "GET", "/login")
    m = re.search(r"koyomi_login=([^;]+)", h.get("set-cookie", ""))
    if m is None:
        fail("GET /login?next=%r: no login cookie (%d)" % (nxt, st))
        return None
    form = urllib.parse.urlencode({"csrf": m.group(1), "token": token,
                                   "next": nxt})
    st, h, _ = request(port, "POST", "/login", body=form.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "koyomi_login=" + m.group(1)})
    check(st == 303, "login with next=%r: 303 (%d)" % (nxt, st))
    return h.get("location")


def next_checks(port, token):
    # Without a session a page sends the browser to login with its path.
    page = "/org?id=org-a&fy=2025"
    st, h, _ = request(port, "GET", page)
    loc = h.get("location", "")
    check(st == 303 and loc.startswith("/login?next="),
          "GET %s without a session: 303 to /login?next= (%r)" % (page, loc))
    back = urllib.parse.unquote(loc.partition("next=")[2])
    check(back == page, "next names the page asked for: %r" % back)
    st, _, body = request(port, "GET", loc)
    check(st == 200 and ('name="next" value="%s"' % page.replace(
        "&", "&amp;")) in body.decode(), "the login form carries next")
    check(login_next(port, token, page) == page,
          "the login returns to %s" % page)
    for nxt in EVIL_NEXT:
        loc = login_next(port, token, nxt)
        check(loc == "/", "next=%r logs in to / (Location %r)" % (nxt, loc))
        st, _, body = request(port, "GET", "/login?next=" +
                              urllib.parse.quote(nxt, safe=""))
        # Control characters in a query are refused outright (400).
        check(st in (200, 400) and 'name="next"' not in body.decode(),
              "the login form drops next=%r (%d)" % (nxt, st))
    # A POST without a session is not a page to come back to.
    st, h, _ = request(port, "POST", "/dash/tasks/1/done", body=b"",
                       headers={"Content-Type":
                                "application/x-www-form-urlencoded"})
    check(st == 303 and h.get("location") == "/login",
          "POST without a session: plain /login (%r)" % h.get("location"))


def escaping_checks(port, cookie):
    pages = {}
    for p in ("/", "/meetings", "/org?id=org-a", "/reload", "/outbox"):
        st, h, b = request(port, "GET", p, headers={"Cookie": cookie})
        check(st == 200, "dashboard %s with a session (%d)" % (p, st))
        pages[p] = b.decode(errors="replace")
    allhtml = "".join(pages.values())
    check("&lt;script&gt;alert(1)&lt;/script&gt;" in allhtml,
          "the <script> title is shown escaped")
    for bad in ("<script", "<img", "<b>", "<i>", "onerror=",
                "javascript:", 'href="https://example.jp/a?b=1&c="><'):
        check(bad not in allhtml.replace("&lt;script", ""),
              "no raw %r in the dashboard" % bad)
    for m in re.finditer(r'<a\b[^>]*href="([^"]*)"', allhtml):
        href = m.group(1)
        check(href.startswith(("/", "?", "#", "https://", "http://",
                               "mailto:")) and "<" not in href,
              "dashboard link %r is harmless" % href[:60])
    for m in re.finditer(r'=\s*"([^"]*)"', allhtml):
        check("<" not in m.group(1) and ">" not in m.group(1),
              "attribute value %r has no raw < or >" % m.group(1)[:60])
    return pages


def tasks_state(conf):
    r = koyomi(conf, "tasks", "--format", "json")
    try:
        v = json.loads(r.stdout)
    except ValueError:
        fail("koyomi tasks --format json: %r" % r.stdout[:200])
        return {}
    return dict((t["id"], t["state"]) for t in v["tasks"])


def csrf_checks(port, conf, cookie, pages):
    m = re.search(r'name="csrf" value="([^"]+)"', pages["/"])
    if not check(m is not None, "the matrix has a CSRF field"):
        return
    csrf = m.group(1)
    before = tasks_state(conf)
    tid = next((i for i, s in before.items() if s == "open"), None)
    if not check(tid is not None, "an open task to aim at: %r" % before):
        return
    form = "application/x-www-form-urlencoded"
    for what, body, hdr in (
            ("no csrf", "", {}), ("empty csrf", "csrf=", {}),
            ("wrong csrf", "csrf=" + csrf[:-1] + ("x" if csrf[-1] != "x" else "y"), {}),
            ("csrf in the query only", "", {"q": csrf}),
            ("csrf prefix", "csrf=" + csrf[:8], {}),
            ("json body", json.dumps({"csrf": csrf}), {"json": 1})):
        path = "/dash/tasks/%d/done" % tid
        if "q" in hdr:
            path += "?csrf=" + csrf
        st, h, _ = request(port, "POST", path, body=body.encode(), headers={
            "Cookie": cookie, "Content-Type": "application/json" if "json"
            in hdr else form, "Origin": "http://evil.example"})
        check(st in (400, 403), "POST done with %s: refused (%d)" % (what, st))
    check(tasks_state(conf) == before, "refused POSTs changed nothing")
    for p in ("/logout", "/login/once"):
        st, _, b = request(port, "POST", p, body=b"", headers={
            "Cookie": cookie, "Content-Type": form})
        check(st == 403 and b"/login/once/" not in b,
              "POST %s without csrf: 403 (%d)" % (p, st))
    st, _, _ = request(port, "GET", "/", headers={"Cookie": cookie})
    check(st == 200, "the session survives a logout without csrf (%d)" % st)
    st, _, _ = request(port, "POST", "/dash/tasks/%d/done" % tid,
                       body=("csrf=" + csrf).encode(),
                       headers={"Cookie": cookie, "Content-Type": form})
    after = tasks_state(conf)
    check(st == 303 and after.get(tid) == "done",
          "with the CSRF token the same POST works (%d, %r)"
          % (st, after.get(tid)))


def stop_traced(d):
    """SIGTERM to koyomi itself: strace would only detach on its own."""
    try:
        with open("/proc/%d/task/%d/children" % (d.p.pid, d.p.pid)) as f:
            kids = [int(x) for x in f.read().split()]
    except OSError:
        kids = []
    for k in kids[:1]:
        os.kill(k, signal.SIGTERM)
        try:
            d.p.wait(10)
        except subprocess.TimeoutExpired:
            fail("daemon ignored SIGTERM under strace")


def main():
    rule_file_checks()
    port = free_port()
    conf = os.path.join(WORK, "koyomi.conf")
    os.makedirs(os.path.join(WORK, "rules"), exist_ok=True)
    shutil.copy(os.path.join(WORK, "good", "r.yaml"),
                os.path.join(WORK, "rules", "r.yaml"))
    write_conf(conf, port, "max_body: 4096\n")
    admin = koyomi(conf, "token", "add", "--role", "admin", "root") \
        .stdout.decode().strip()
    koyomi(conf, "feed-token", "add", "org-a")
    wrap = None
    trace = os.path.join(WORK, "strace.log")
    if shutil.which("strace") and subprocess.run(
            ["strace", "-f", "-o", os.devnull, "true"],
            capture_output=True).returncode == 0:
        wrap = ["strace", "-f", "-qq", "-e", "trace=%file", "-o", trace]
    else:
        # The rest runs; the test still ends as skipped (finish below).
        print("note: strace cannot trace here; no filesystem check",
              flush=True)
    env = {}
    if wrap:
        # LeakSanitizer cannot run under ptrace; leaks are checked elsewhere.
        o = os.environ.get("ASAN_OPTIONS", "")
        env["ASAN_OPTIONS"] = (o + ":" if o else "") + "detect_leaks=0"
    d = Daemon(conf, port, env=env, wrap=wrap)
    try:
        if not d.wait_ready(20):
            finish()
        access_checks(port, admin)
        mark = os.path.getsize(trace) if wrap else 0
        traversal_checks(port, wrap is not None)
        if wrap:
            with open(trace, "rb") as f:
                f.seek(mark)
                t = f.read()
            hits = [ln for ln in t.splitlines() if b"secret.ics" in ln or
                    b"passwd" in ln or b"/.." in ln or b"../" in ln]
            check(not hits, "no file call for a /feeds/ name: %r" % hits[:3])
        size_checks(port)
        next_checks(port, admin)
        cookie = login(port, admin)
        if cookie:
            cookie = "koyomi_session=" + cookie
            pages = escaping_checks(port, cookie)
            csrf_checks(port, conf, cookie, pages)
        st, _, _ = request(port, "GET", "/healthz")
        check(st == 200, "the daemon is alive at the end")
    finally:
        if wrap:
            stop_traced(d)
        rc = d.stop()
    check(rc == 0, "daemon stops cleanly (rc %s)" % rc)
    finish(skipped=None if wrap else
           "strace cannot trace here: the filesystem check did not run")


if __name__ == "__main__":
    main()
