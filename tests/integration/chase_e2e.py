#!/usr/bin/python3
"""chase_e2e.py — completion tracking and chasing, end to end.

A rule with a deadline a few tens of seconds ahead (policy steps -20s,
-10s, 0s, +5s; escalation 8s after the due time), three assignees, the
aiosmtpd receiver as the daemon's smtp:// transport and a webhook receiver
that checks Standard Webhooks signatures with its own HMAC code:

  - org A completes through the CLI before the first step: no mail at all;
  - org B completes through the mail link (GET shows a page and changes
    nothing, POST completes, a second POST is harmless): a receipt, then
    nothing more;
  - org C never completes: every step, then the escalation mail to the
    cycle's coordinator;
  - forged, altered and expired links are refused without any change;
  - API errors (401, 403, 404, 400, 413) change nothing;
  - survey answers recorded through the API build next year's
    participants group and its feed;
  - the dashboard, loaded by headless chromium after a one-time login
    link, shows the expected counts and shows a <script> title as text;
  - /metrics passes promtool.

The deadline is given in minutes (due: HH:MM), so the daemon runs under
libfaketime shifted to 40 s before a minute boundary when faketime is
installed; otherwise the test waits for the next suitable minute.
"""
import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
from email import message_from_bytes, policy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import FAKETIME_LIB, check_stopped, faketime_env, free_port  # noqa: E402
import lib_receivers  # noqa: E402

KOYOMI = os.environ["KOYOMI"]
SRC = os.environ["KOYOMI_SRC"]
WORK = os.getcwd()
JST = datetime.timezone(datetime.timedelta(hours=9))
SECRET = "whsec_" + base64.b64encode(b"e2e-webhook-secret-0123456789ab").decode()
procs = []


def fail(msg):
    print("FAIL: " + msg, flush=True)
    for p in procs:
        if p.poll() is None:
            p.terminate()
    log = os.path.join(WORK, "daemon.log")
    if os.path.exists(log):
        print("--- daemon log (tail) ---")
        with open(log, errors="replace") as f:
            print("".join(f.readlines()[-40:]))
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def wait_for(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    fail("timed out waiting for " + what)


class Clock:
    """The daemon's clock: real time plus the faketime offset."""

    def __init__(self, offset):
        self.offset = offset

    def now(self):
        return time.time() + self.offset

    def sleep_until(self, t):
        d = t - self.now()
        if d > 0:
            time.sleep(d)


def plan_time():
    """Due instant M (a minute boundary) and the offset to apply."""
    t = time.time()
    if os.path.exists(FAKETIME_LIB):
        m = (int(t + 28) // 60 + 1) * 60
        return m, int(m - 28 - t)
    m = (int(t + 35) // 60 + 1) * 60
    return m, 0


def env_for(clock):
    env = dict(os.environ)
    if clock.offset:
        env = faketime_env(env, "+%d" % clock.offset)
        env["FAKETIME_DONT_RESET"] = "1"
    return env


def write_rules(d, due, survey="3月20日", extra=True):
    local = datetime.datetime.fromtimestamp(due, JST)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "e2e.yaml"), "w") as f:
        f.write("""\
organisations:
  - {id: org-a, name: 甲市}
  - {id: org-b, name: 乙市}
  - {id: org-c, name: 丙市}
  - {id: mhlw, name: 事務局, type: ministry}
contacts:
  - {id: c-a, org: org-a, name: 甲市担当, mail: a@a.example.jp}
  - {id: c-b, org: org-b, name: 乙市担当, mail: b@b.example.jp}
  - {id: c-c, org: org-c, name: 丙市担当, mail: c@c.example.jp}
  - {id: c-co, org: mhlw, name: 事務局担当, mail: co@mhlw.example.jp, roles: [coordinator]}
groups:
  - {id: g-all, name: 全団体, members: [org-a, org-b, org-c]}
  - id: g-next
    name: 次年度参加団体
    from_responses: {item: e2e/survey, fy_offset: -1, answers: [参加]}
policies:
  - id: fast
    steps: [-20s, -10s, 0s, +5s]
    escalate: {after: 8s, to: coordinator}
    channels: [mail, webhook]
    digest: true
  - id: once
    steps: [-20s]
    channels: [mail, webhook]
    digest: true
  - id: slow
    steps: [-1d]
cycles:
  - id: e2e
    title: E2E事業
    coordinator: c-co
    policy: fast
    items:
      - id: submit
        kind: deadline
        title: '<script>alert(1)</script> 提出 "q"'
        date: "%s"
        due: "%s"
        adjust: {to: none, reason: 試験のため当日が期限}
        assignees: g-all
      - id: submit2
        kind: deadline
        title: 追加資料の提出
        date: "%s"
        due: "%s"
        adjust: {to: none, reason: 試験のため当日が期限}
        policy: once
        assignees: [org-c]
      - id: survey
        kind: deadline
        title: 参加意向調査
        date: %s
        adjust: {to: none, reason: 試験は書いた日付を確かめる}
        policy: slow
        assignees: g-all
        response: {options: [参加, 不参加], text: true}
      - id: kaigi
        kind: meeting
        title: 次年度会議
        date: 6月1日
        per: g-next
%s
feeds:
  - {id: next, title: 次年度, cycles: [e2e]}
""" % (local.strftime("%Y-%m-%d"), local.strftime("%H:%M"),
       local.strftime("%Y-%m-%d"), local.strftime("%H:%M"), survey,
       EXTRA if extra else ""))


EXTRA = """\
      - id: extra
        kind: deadline
        title: 取り下げられる締切
        date: 3月10日
        adjust: {to: none, reason: 試験は書いた日付を確かめる}
        policy: slow
        assignees: [org-a]
"""


def fiscal_year(t):
    d = datetime.datetime.fromtimestamp(t, JST)
    return d.year if d.month >= 4 else d.year - 1


class Api:
    def __init__(self, port):
        self.port = port

    def req(self, method, path, token=None, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if isinstance(body, str):
            body = body.encode()
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data
        except (ConnectionError, http.client.HTTPException) as e:
            return 0, {}, str(e).encode()
        finally:
            c.close()

    def json(self, method, path, token, body=None):
        st, _, data = self.req(method, path, token, body,
                               {"Content-Type": "application/json"} if body else None)
        try:
            return st, json.loads(data.decode("utf-8")) if data else None
        except ValueError:
            fail("%s %s: not JSON (%d): %r" % (method, path, st, data[:200]))


def koyomi(clock, conf, *args, check_rc=0):
    r = subprocess.run([KOYOMI, "-c", conf] + list(args), env=env_for(clock),
                       capture_output=True, timeout=30)
    if check_rc is not None and r.returncode != check_rc:
        fail("koyomi %s: exit %d: %s" % (" ".join(args), r.returncode,
                                          r.stderr.decode(errors="replace")))
    return r


def new_token(clock, conf, role, name):
    r = koyomi(clock, conf, "token", "add", "--role", role, name)
    out = r.stdout.decode().split()
    check(out and out[-1].startswith("ky_"), "token add printed no token")
    return out[-1]


def mails(d):
    out = []
    for name in sorted(os.listdir(d), key=lambda n: (len(n), n)):
        if not name.endswith(".eml"):
            continue
        with open(os.path.join(d, name), "rb") as f:
            m = message_from_bytes(f.read(), policy=policy.default)
        with open(os.path.join(d, name[:-4] + ".env")) as f:
            rcpts = f.read().split()
        body = m.get_body(preferencelist=("plain",))
        out.append({"n": int(name[:-4]), "to": rcpts, "subject": str(m["subject"]),
                    "body": body.get_content() if body else "",
                    "id": str(m["message-id"])})
    return out


def mails_to(d, addr):
    return [m for m in mails(d) if addr in m["to"]]


def hooks(d):
    p = os.path.join(d, "hooks.jsonl")
    if not os.path.exists(p):
        return []
    with open(p) as f:
        return [json.loads(l) for l in f if l.strip()]


def make_link(key, task, assignee, expires):
    a = assignee.encode()
    raw = bytes([1]) + struct.pack(">qq", task, expires) + bytes([len(a)]) + a
    mac = hmac.new(key, b"koyomi completion link v1\0" + raw, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw + mac).decode().rstrip("=")


def write_conf(path, http_port, smtp_port, hook_port):
    with open(path, "w") as f:
        f.write("""\
listen: 127.0.0.1:%d
base_url: http://127.0.0.1:%d
database: %s/koyomi.db
rules: %s/rules
timezone: Asia/Tokyo
window: "00:00-24:00"
mail_transport: smtp://127.0.0.1:%d
mail_from: koyomi <koyomi@example.jp>
mail_starttls: optional
secret_key_file: %s/secret.key
webhooks:
  - {id: hook, url: "http://127.0.0.1:%d/ok", secrets: ["%s"]}
""" % (http_port, http_port, WORK, WORK, smtp_port, WORK, hook_port, SECRET))


def start_receivers():
    smtp_port, hook_port = free_port(), free_port()
    for kind, port, d, extra in (("smtp", smtp_port, "smtp", []),
                                 ("http", hook_port, "hooks", [SECRET])):
        p = lib_receivers.start(kind, port, os.path.join(WORK, d), *extra)
        if p is None:
            fail("timed out waiting for " + kind + " receiver")
        procs.append(p)
    return smtp_port, hook_port


def start_daemon(clock, conf, api):
    log = open(os.path.join(WORK, "daemon.log"), "w")
    p = subprocess.Popen([KOYOMI, "-v", "-c", conf, "run"], env=env_for(clock),
                         stdout=log, stderr=subprocess.STDOUT)
    procs.append(p)
    wait_for(lambda: p.poll() is not None or api.req("GET", "/healthz")[0] == 200,
             20, "daemon /healthz")
    check(p.poll() is None, "daemon exited at start")
    return p


def task_map(api, token, fy, item):
    st, doc = api.json("GET", "/api/v1/tasks?fy=%d" % fy, token)
    check(st == 200, "GET /api/v1/tasks: %d" % st)
    return {t["assignee"]: t for t in doc["tasks"] if t["item"] == item}


def task_state(api, token, tid):
    st, doc = api.json("GET", "/api/v1/tasks/%d" % tid, token)
    check(st == 200, "GET task %d: %d" % (tid, st))
    return doc["state"]


def big_post(port, path, token, size):
    """POST size bytes with Expect: 100-continue; the final status.

    A server may refuse an oversized body before reading it and close the
    connection, so the body is only sent after 100 Continue (or silence),
    and a reset while sending is not an error of the test."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: application/json\r\nContent-Length: %d\r\n"
               "Expect: 100-continue\r\n\r\n" % (path, token, size)).encode())
    s.settimeout(3)
    try:
        first = s.recv(4096)
    except socket.timeout:
        first = b""
    if not first or first.startswith(b"HTTP/1.1 100"):
        chunk = b" " * 65536
        try:
            sent = 0
            while sent < size:
                n = min(len(chunk), size - sent)
                s.sendall(chunk[:n])
                sent += n
        except (BrokenPipeError, ConnectionResetError):
            pass
        s.settimeout(10)
        rest = b""
        try:
            while b"\r\n\r\n" not in rest.split(b"HTTP/1.1 100", 1)[-1] or \
                    rest.count(b"HTTP/1.1") < (2 if first else 1):
                d = s.recv(4096)
                if not d:
                    break
                rest += d
        except (ConnectionResetError, socket.timeout):
            pass
        first += rest
    s.close()
    codes = re.findall(rb"HTTP/1\.1 (\d{3})", first)
    finals = [int(c) for c in codes if c != b"100"]
    return finals[0] if finals else 0


def api_errors(api, admin, viewer, tid):
    """Each refused request leaves the task open."""
    st, _, _ = api.req("GET", "/api/v1/tasks")
    check(st == 401, "no token: %d" % st)
    st, _, _ = api.req("POST", "/api/v1/tasks/%d/done" % tid, "wrong-token")
    check(st == 401, "bad token: %d" % st)
    st, doc = api.json("POST", "/api/v1/tasks/%d/done" % tid, viewer, "{}")
    check(st == 403 and "error" in doc, "viewer writing: %d" % st)
    st, doc = api.json("GET", "/api/v1/tasks/99999999", admin)
    check(st == 404 and "error" in doc, "unknown task: %d" % st)
    st, doc = api.json("POST", "/api/v1/tasks/99999999/done", admin, "{}")
    check(st == 404, "unknown task done: %d" % st)
    st, doc = api.json("POST", "/api/v1/tasks/%d/done" % tid, admin, '{"by": ')
    check(st == 400 and "error" in doc, "malformed JSON: %d" % st)
    st, doc = api.json("POST", "/api/v1/tasks/%d/done" % tid, admin, '{"by":{"x":1}}')
    check(st == 400, "nested JSON: %d" % st)
    st = big_post(api.port, "/api/v1/tasks/%d/done" % tid, admin, 10 * 1024 * 1024 + 2)
    check(st == 413, "10 MB body: %d" % st)
    st, _, _ = api.req("DELETE", "/api/v1/tasks/%d" % tid, admin)
    check(st == 405, "DELETE: %d" % st)
    check(task_state(api, admin, tid) == "open", "a refused request changed the task")


def link_of(mail):
    m = re.search(r"http://127\.0\.0\.1:\d+/c/([A-Za-z0-9_-]+)", mail["body"])
    check(m is not None, "no completion link in mail: " + mail["subject"])
    return m.group(1)


def bad_links(api, admin, key, token, tid):
    """Forged, altered and expired links: refused, GET and POST alike."""
    flip = "A" if token[5] != "A" else "B"
    altered = token[:5] + flip + token[6:]
    forged = make_link(b"x" * 32, tid, "org-b", int(time.time()) + 86400)
    expired = make_link(key, tid, "org-b", int(time.time()) - 60)
    for name, t in (("altered", altered), ("forged", forged),
                    ("expired", expired), ("garbage", "..%2F..%2Fetc")):
        for method in ("GET", "POST"):
            st, _, body = api.req(method, "/c/" + t)
            check(st in (400, 403, 404, 410), "%s link %s: %d" % (name, method, st))
        check(task_state(api, admin, tid) == "open", name + " link changed the task")
    # The genuine token rebuilt from the key file verifies: same format.
    good = make_link(key, tid, "org-b", int(time.time()) + 3600)
    st, _, body = api.req("GET", "/c/" + good)
    check(st == 200, "rebuilt genuine link refused: %d" % st)


def complete_by_link(api, admin, token, tid):
    st, hdr, body = api.req("GET", "/c/" + token)
    page = body.decode("utf-8", errors="replace")
    check(st == 200 and "<form" in page and 'method="post"' in page,
          "GET link: %d" % st)
    check(task_state(api, admin, tid) == "open", "GET alone completed the task")
    st, _, body = api.req("POST", "/c/" + token, body=b"",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 200, "POST link: %d %r" % (st, body[:200]))
    check(task_state(api, admin, tid) == "done", "POST link did not complete")
    st, _, _ = api.req("POST", "/c/" + token, body=b"",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 200, "second POST link: %d" % st)


def survey(api, admin, fy):
    tasks = task_map(api, admin, fy, "survey")
    check(set(tasks) == {"org-a", "org-b", "org-c"}, "survey tasks: %r" % list(tasks))

    def next_meetings():
        st, _, body = api.req("GET", "/feeds/next.ics")
        check(st == 200, "GET /feeds/next.ics: %d" % st)
        return body.decode("utf-8").replace("\r\n ", "").count("SUMMARY:次年度会議")

    check(next_meetings() == 0, "next year's meeting before any answer")
    st, doc = api.json("POST", "/api/v1/tasks/%d/answer" % tasks["org-a"]["id"],
                       admin, json.dumps({"answer": "存在しない選択肢"}))
    check(st == 422, "answer outside the options: %d" % st)
    st, doc = api.json("POST", "/api/v1/tasks/%d/done" % tasks["org-a"]["id"],
                       admin, "{}")
    check(st == 422, "done without the required answer: %d" % st)
    for org, ans in (("org-a", "参加"), ("org-b", "参加"), ("org-c", "不参加")):
        body = {"answer": ans, "by": org}
        if org == "org-b":
            body["text"] = "累計2年目"
        st, doc = api.json("POST", "/api/v1/tasks/%d/answer" % tasks[org]["id"],
                           admin, json.dumps(body, ensure_ascii=False))
        check(st == 200 and doc["state"] == "done" and doc["answer"] == ans,
              "answer %s: %d %r" % (org, st, doc))
    wait_for(lambda: next_meetings() == 2, 10,
             "next year's meeting for the two participants")


def reconcile(api, admin, daemon, due, fy, smtp_dir):
    """A moved deadline is announced and audited; a removed one is cancelled."""
    before = task_map(api, admin, fy + 1, "survey")
    extra = task_map(api, admin, fy, "extra")
    check(set(extra) == {"org-a"}, "extra task: %r" % list(extra))
    nmail = len(mails(smtp_dir))
    write_rules(os.path.join(WORK, "rules"), due, survey="3月25日", extra=False)
    daemon.send_signal(signal.SIGHUP)
    wait_for(lambda: task_map(api, admin, fy + 1, "survey")["org-a"]["due_day"].endswith("-03-25"),
             15, "moved survey deadline")
    after = task_map(api, admin, fy + 1, "survey")
    check({o: t["id"] for o, t in after.items()} == {o: t["id"] for o, t in before.items()},
          "a moved deadline must keep its tasks")
    st, doc = api.json("GET", "/api/v1/tasks/%d" % extra["org-a"]["id"], admin)
    check(st == 200 and doc["cancelled"] is True, "removed deadline not cancelled: %r" % doc)
    check(("cancelled", "rules") in [(e["action"], e["via"]) for e in doc["events"]],
          "cancellation not audited: %r" % doc["events"])
    st, doc = api.json("GET", "/api/v1/tasks/%d" % after["org-a"]["id"], admin)
    moved = [e for e in doc["events"] if e["action"] == "due_changed"]
    check(moved and moved[0]["via"] == "rules" and "03-25" in (moved[0]["note"] or ""),
          "due change not audited: %r" % doc["events"])
    check(not task_map(api, admin, fy, "extra"), "cancelled task still listed")
    changed = wait_for(lambda: [m for m in mails(smtp_dir)[nmail:] if "日程変更" in m["subject"]]
                       if len([m for m in mails(smtp_dir)[nmail:] if "日程変更" in m["subject"]]) >= 3
                       else None, 15, "date-change announcements")
    check({a for m in changed for a in m["to"]} >= {"a@a.example.jp", "b@b.example.jp",
                                                      "c@c.example.jp"},
          "announcements: %r" % [m["to"] for m in changed])


def login_session(api, token):
    st, hdr, body = api.req("GET", "/login")
    check(st == 200, "GET /login: %d" % st)
    cookie = hdr.get("set-cookie", "").split(";")[0]
    m = re.search(r'name="csrf" value="([^"]+)"', body.decode())
    check(m and cookie, "login form without CSRF")
    form = urllib.parse.urlencode({"token": token, "csrf": m.group(1)})
    st, hdr, _ = api.req("POST", "/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    check(st == 303, "POST /login: %d" % st)
    sc = hdr.get("set-cookie", "")
    check("HttpOnly" in sc and "SameSite=Strict" in sc, "session cookie flags: " + sc)
    session = sc.split(";")[0]
    st, _, body = api.req("GET", "/", headers={"Cookie": session})
    check(st == 200, "GET / with session: %d" % st)
    m = re.search(r'name="csrf" value="([^"]+)"', body.decode())
    check(m, "dashboard without CSRF token")
    return session, m.group(1)


def one_time_url(api, session, csrf):
    st, _, body = api.req("POST", "/login/once", body="csrf=" + urllib.parse.quote(csrf),
                          headers={"Cookie": session,
                                   "Content-Type": "application/x-www-form-urlencoded"})
    check(st == 200, "POST /login/once: %d" % st)
    return "http://127.0.0.1:%d%s" % (api.port, body.decode().strip())


def chromium(url, *extra):
    exe = shutil.which("chromium")
    if exe is None:
        fail("chromium is not installed (tests/deps.sh)")
    prof = tempfile.mkdtemp(prefix="chromium.")
    r = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--user-data-dir=" + prof] + list(extra) + [url],
                       capture_output=True, timeout=60)
    shutil.rmtree(prof, ignore_errors=True)
    return r


def dashboard(api, admin, viewer, uid):
    session, csrf = login_session(api, admin)
    # A one-time login link works once.
    url = one_time_url(api, session, csrf)
    st, hdr, _ = api.req("GET", urllib.parse.urlparse(url).path)
    check(st == 303 and "set-cookie" in hdr, "one-time login: %d" % st)
    st, _, _ = api.req("GET", urllib.parse.urlparse(url).path)
    check(st in (403, 404, 410), "one-time login reused: %d" % st)
    # Forms without the CSRF token are refused.
    st, _, _ = api.req("POST", "/login/once", body="csrf=nope", headers={
        "Cookie": session, "Content-Type": "application/x-www-form-urlencoded"})
    check(st == 403, "POST without CSRF: %d" % st)
    r = chromium(one_time_url(api, session, csrf), "--dump-dom")
    dom = r.stdout.decode("utf-8", errors="replace")
    check(r.returncode == 0 and "deadline" in dom, "chromium --dump-dom: %r" % dom[:300])
    m = re.search(r'<section class="deadline" data-uid="%s" data-done="(\d+)" '
                  r'data-open="(\d+)" data-overdue="(\d+)"' % re.escape(uid), dom)
    check(m is not None, "no matrix for the deadline in the DOM")
    check(m.groups() == ("2", "0", "1"), "matrix counts: %r" % (m.groups(),))
    check("&lt;script&gt;alert(1)&lt;/script&gt;" in dom, "title not shown as text")
    check("<script>alert" not in dom, "a rule title became a script element")
    art = os.path.join(SRC, "build", "artifacts")
    os.makedirs(art, exist_ok=True)
    shot = os.path.join(art, "dashboard.png")
    r = chromium(one_time_url(api, session, csrf), "--screenshot=" + shot,
                 "--window-size=1280,1400", "--hide-scrollbars")
    check(r.returncode == 0 and os.path.getsize(shot) > 1000, "screenshot failed")
    st, hdr, body = api.req("GET", "/?format=csv", headers={"Cookie": session})
    check(st == 200 and body.startswith(b"\xef\xbb\xbf"), "dashboard CSV: %d" % st)
    check("text/csv" in hdr.get("content-type", ""), "CSV content type")
    # The meetings table exports too, the same rows as the page.
    st, _, page = api.req("GET", "/meetings", headers={"Cookie": session})
    check(st == 200 and b'href="/meetings?format=csv"' in page,
          "meetings page links its CSV: %d" % st)
    st, hdr, body = api.req("GET", "/meetings?format=csv",
                            headers={"Cookie": session})
    check(st == 200 and body.startswith(b"\xef\xbb\xbfdate,end,time,title,"),
          "meetings CSV with BOM: %d %r" % (st, body[:40]))
    check("text/csv" in hdr.get("content-type", ""), "meetings CSV content type")
    rows = body.decode("utf-8-sig").split("\r\n")[1:-1]
    check(len(rows) == page.count(b'<tr class="meeting"') and len(rows) > 0,
          "meetings CSV rows %d = page rows %d" %
          (len(rows), page.count(b'<tr class="meeting"')))


def metrics(api):
    st, _, body = api.req("GET", "/metrics")
    check(st == 200, "GET /metrics: %d" % st)
    text = body.decode()
    for name in ("koyomi_tasks{", "koyomi_tasks_overdue", "koyomi_reminders_sent_total{",
                 "koyomi_completions_total{"):
        check(name in text, "metric missing: " + name)
    promtool = shutil.which("promtool")
    if promtool is None:
        fail("promtool is not installed (package prometheus, tests/deps.sh)")
    r = subprocess.run([promtool, "check", "metrics"], input=body,
                       capture_output=True, timeout=30)
    check(r.returncode == 0, "promtool: " + (r.stdout + r.stderr).decode())


def chase_timeline(clock, conf, api, admin, due, smtp_dir, hook_dir):
    fy = fiscal_year(due)
    tasks = task_map(api, admin, fy, "submit")
    check(set(tasks) == {"org-a", "org-b", "org-c"}, "submit tasks: %r" % list(tasks))
    ids = {o: t["id"] for o, t in tasks.items()}
    return fy, tasks, ids


def main():
    due, offset = plan_time()
    clock = Clock(offset)
    if offset == 0:
        print("faketime not installed: waiting for a suitable minute", flush=True)
        clock.sleep_until(due - 28)
    smtp_port, hook_port = start_receivers()
    http_port = free_port()
    write_rules(os.path.join(WORK, "rules"), due)
    conf = os.path.join(WORK, "koyomi.conf")
    write_conf(conf, http_port, smtp_port, hook_port)
    admin = new_token(clock, conf, "admin", "adm")
    viewer = new_token(clock, conf, "viewer", "view")
    api = Api(http_port)
    daemon = start_daemon(clock, conf, api)
    smtp_dir, hook_dir = os.path.join(WORK, "smtp"), os.path.join(WORK, "hooks")
    fy, tasks, ids = chase_timeline(clock, conf, api, admin, due, smtp_dir, hook_dir)
    print("daemon up; %.1f s before the due time" % (due - clock.now()), flush=True)

    api_errors(api, admin, viewer, ids["org-a"])
    r = koyomi(clock, conf, "done", str(ids["org-a"]), "--by", "甲市", "--note", "電話で確認")
    check(task_state(api, admin, ids["org-a"]) == "done", "CLI done not seen by the API")
    check(clock.now() < due - 20, "too slow: the first step passed before org A completed")

    first_b = wait_for(lambda: mails_to(smtp_dir, "b@b.example.jp"), 25, "first reminder to org B")
    token = link_of(first_b[0])
    with open(os.path.join(WORK, "secret.key"), "rb") as f:
        key = f.read()
    check(len(key) == 32, "secret key size")
    check(oct(os.stat(os.path.join(WORK, "secret.key")).st_mode & 0o777) == "0o600", "key mode")
    bad_links(api, admin, key, token, ids["org-b"])
    complete_by_link(api, admin, token, ids["org-b"])

    # While the steps run: survey answers and a reload (SIGHUP) must not
    # disturb the chasing.
    survey(api, admin, fy)
    print("survey: ok", flush=True)
    reconcile(api, admin, daemon, due, fy, smtp_dir)
    print("reconcile: ok", flush=True)
    clock.sleep_until(due + 1)
    dashboard(api, admin, viewer, tasks["org-a"]["uid"])
    print("dashboard: ok", flush=True)
    clock.sleep_until(due + 8)
    wait_for(lambda: mails_to(smtp_dir, "co@mhlw.example.jp"), 20, "escalation mail")
    # The escalation is the last step of every policy here. Whatever the
    # chase queued is in the outbox: once that holds nothing waiting, the
    # receivers must hold exactly what it sent, and nothing more can come.
    def drained():
        r = koyomi(clock, conf, "outbox", "--format", "json")
        doc = json.loads(r.stdout)
        c = doc["counts"]
        return c.get("pending", 0) + c.get("sending", 0) + \
            c.get("failed", 0) == 0 and doc
    ob = wait_for(drained, 30, "the outbox to send everything queued")
    sent = [m for m in ob["messages"] if m["state"] == "sent"]
    check(len(sent) == len(ob["messages"]), "every outbox row sent: %r"
          % [(m["kind"], m["state"]) for m in ob["messages"]
             if m["state"] != "sent"])
    check(len(mails(smtp_dir)) == sum(m["channel"] == "mail" for m in sent),
          "mails received (%d) = mails the outbox sent (%d)" % (
              len(mails(smtp_dir)), sum(m["channel"] == "mail" for m in sent)))
    check(len(hooks(hook_dir)) == sum(m["channel"] == "webhook" for m in sent),
          "webhooks received (%d) = webhooks the outbox sent (%d)" % (
              len(hooks(hook_dir)),
              sum(m["channel"] == "webhook" for m in sent)))

    # Only the mails about the two chased deadlines (the survey and the
    # reload sent their own, checked above).
    chased = lambda m: '提出 "q"' in m["subject"] + m["body"] or "追加資料" in m["body"]
    all_mail = [m for m in mails(smtp_dir) if chased(m)]
    ids_seen = [m["id"] for m in mails(smtp_dir)]
    check(len(ids_seen) == len(set(ids_seen)), "duplicate Message-IDs")
    a = [m for m in all_mail if "a@a.example.jp" in m["to"]]
    check(all("受付完了" in m["subject"] for m in a) and len(a) == 1,
          "org A (done before any step) got: %r" % [m["subject"] for m in a])
    b = [m for m in all_mail if "b@b.example.jp" in m["to"]]
    receipts = [m for m in b if "受付完了" in m["subject"]]
    check(len(receipts) == 1, "org B receipts: %r" % [m["subject"] for m in b])
    check(all(m["n"] < receipts[0]["n"] for m in b if m is not receipts[0]),
          "org B got reminders after completing: %r" % [m["subject"] for m in b])
    c = [m for m in all_mail if "c@c.example.jp" in m["to"]]
    check(len(c) == 4, "org C should get 4 steps, got %r" % [m["subject"] for m in c])
    # Its two deadlines' first steps fell together: one digest mail.
    check("2件" in c[0]["subject"] and "追加資料の提出" in c[0]["body"] and
          "提出 \"q\"" in c[0]["body"] and len(re.findall(r"/c/[A-Za-z0-9_-]+", c[0]["body"])) == 2,
          "org C digest: %r" % c[0]["subject"])
    check(sum("期限超過" in m["subject"] for m in c) == 1, "org C overdue mail")
    co = mails_to(smtp_dir, "co@mhlw.example.jp")
    check(len(co) == 1 and "丙市" in co[0]["subject"] + co[0]["body"],
          "escalation: %r" % [m["subject"] for m in co])
    check("甲市" not in co[0]["subject"] and "乙市" not in co[0]["subject"],
          "escalation names a completed org")

    hs = hooks(hook_dir)
    check(hs and all(h["sig_ok"] for h in hs), "webhook signatures")
    kinds = [(h["body"]["type"], h["body"]["data"].get("assignee")) for h in hs]
    for want in (("task.reminder", "org-c"), ("task.overdue", "org-c"),
                 ("task.escalated", "org-c"), ("task.completed", "org-a"),
                 ("task.reminder", "org-c"),
                 ("task.completed", "org-b")):
        check(want in kinds, "webhook %r missing in %r" % (want, kinds))
    check(("task.escalated", "org-b") not in kinds and ("task.overdue", "org-a") not in kinds,
          "webhooks for completed tasks")
    audit = {}
    for org in ("org-a", "org-b"):
        st, doc = api.json("GET", "/api/v1/tasks/%d" % ids[org], admin)
        audit[org] = [(e["action"], e["via"], e["who"], e["note"]) for e in doc["events"]]
    check(("done", "cli", "甲市", "電話で確認") in audit["org-a"], "CLI audit: %r" % audit["org-a"])
    check([a[:2] for a in audit["org-b"]].count(("done", "link")) == 1,
          "link audit (one done despite two POSTs): %r" % audit["org-b"])
    print("chasing: ok (%d mails, %d webhooks)" % (len(all_mail), len(hs)), flush=True)

    metrics(api)
    print("metrics: ok", flush=True)

    daemon.send_signal(signal.SIGTERM)
    try:
        rc = daemon.wait(timeout=15)
    except subprocess.TimeoutExpired:
        fail("daemon did not stop on SIGTERM")
    with open(os.path.join(WORK, "daemon.log"), "rb") as f:
        check(check_stopped(rc, f.read().decode(errors="replace"), "daemon"),
              "the daemon stopped cleanly")
    for p in procs:
        if p.poll() is None:
            p.terminate()
    print("PASS chase_e2e")


if __name__ == "__main__":
    main()
