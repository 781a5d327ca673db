#!/usr/bin/python3
"""webhooks_chat: chat webhooks carry values as text, never as markup.

A deadline whose title and whose completing "by" hold chat markup (Slack's
<!channel>, LINE WORKS' <m userId="all">, Markdown and the Adaptive Card
{{DATE()}} function) is completed over the API; the Slack, Teams and
LINE WORKS bodies that reach a loopback receiver must show those values
escaped for each format, and the Teams body must be a Workflows message
with an Adaptive Card valid against tests/data/teams-adaptive-card.schema.json.
"""
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (WORK, Daemon, check, fail, finish, free_port,  # noqa: E402
                        new_token, request, wait_for, write_conf)

import jsonschema  # noqa: E402

SRC = os.environ.get("KOYOMI_SRC", os.path.join(os.path.dirname(
    os.path.abspath(__file__)), "..", ".."))
HOSTILE_TITLE = "提出<!here> *至急* [ここ](https://evil.example)"
HOSTILE_BY = ('<!channel> <@U0123> <m userId="all"> **太字** & '
              '{{DATE(2017-02-14T06:08:39Z, SHORT)}} `code`')

RULES = """\
organisations:
  - {id: mhlw, name: 厚生労働省, type: ministry}
  - {id: pref-a, name: Ａ県, type: prefecture}
cycles:
  - id: t
    title: テスト事業
    organiser: mhlw
    items:
      - id: d
        kind: deadline
        title: '%s'
        date: 5月15日
        assignees: [pref-a]
        adjust: {to: none, reason: test fixture}
""" % HOSTILE_TITLE.replace("'", "''")

bodies = {}
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(n)
        with lock:
            bodies.setdefault(self.path, []).append(raw)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    port, hook_port = free_port(), free_port()
    srv = ThreadingHTTPServer(("127.0.0.1", hook_port), Receiver)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    os.makedirs(os.path.join(WORK, "rules"), exist_ok=True)
    with open(os.path.join(WORK, "rules", "t.yaml"), "w") as f:
        f.write(RULES)
    conf = os.path.join(WORK, "koyomi.conf")
    hooks = "".join('  - {id: %s, url: "http://127.0.0.1:%d/%s", format: %s, '
                    'events: [task.completed]}\n' % (f, hook_port, f, f)
                    for f in ("slack", "teams", "lineworks"))
    write_conf(conf, port, 'window: "00:00-24:00"\nwebhooks:\n' + hooks)
    admin = new_token(conf, "admin", "root")
    d = Daemon(conf, port)
    if not d.wait_ready():
        d.stop()
        finish()
    auth = {"Authorization": "Bearer " + admin}
    st, _, body = request(port, "GET", "/api/v1/tasks", headers=auth)
    tasks = json.loads(body).get("tasks", []) if st == 200 else []
    if not check(len(tasks) >= 1, "a task exists (%d, %d)" % (st, len(tasks))):
        d.stop()
        finish()
    tid = tasks[0]["id"]
    st, _, _ = request(port, "POST", "/api/v1/tasks/%d/done" % tid,
                       body={"by": HOSTILE_BY}, headers=auth)
    check(st == 200, "done over the API (%d)" % st)
    wait_for(lambda: all(bodies.get("/" + f) for f in
                         ("slack", "teams", "lineworks")), 30,
             "the three chat webhooks")

    def one(path):
        v = bodies.get(path) or [b"{}"]
        try:
            return json.loads(v[0].decode("utf-8"))
        except ValueError:
            fail("%s: not JSON: %r" % (path, v[0][:200]))
            return {}

    slack = one("/slack").get("text", "")
    check("&lt;!channel&gt;" in slack and "&lt;!here&gt;" in slack,
          "slack: <!channel> and <!here> arrive escaped")
    check("<" not in slack and ">" not in slack,
          "slack: no raw angle bracket in the text: %r" % slack[:120])
    check("&amp;" in slack, "slack: & is escaped")

    lw = one("/lineworks").get("content", {}).get("text", "")
    check("<" not in lw and ">" not in lw,
          "lineworks: no raw angle bracket: %r" % lw[:120])
    check("＜m userId=\"all\"＞" in lw, "lineworks: the mention is shown, "
          "not made")

    teams = one("/teams")
    with open(os.path.join(SRC, "tests", "data",
                           "teams-adaptive-card.schema.json")) as f:
        schema = json.load(f)
    try:
        jsonschema.validate(teams, schema)
        check(True, "teams: a Workflows message with a valid Adaptive Card")
    except jsonschema.ValidationError as e:
        fail("teams: schema: %s" % e.message)
    check("@type" not in teams and "MessageCard" not in json.dumps(teams),
          "teams: no legacy MessageCard")
    card = teams.get("attachments", [{}])[0].get("content", {})
    texts = " ".join(b.get("text", "") for b in card.get("body", []))
    for raw, esc in (("**太字**", "\\*\\*太字\\*\\*"),
                     ("[ここ](", "\\[ここ\\]\\("),
                     ("{{DATE(", "\\{\\{DATE\\("),
                     ("*至急*", "\\*至急\\*"), ("`code`", "\\`code\\`")):
        check(raw not in texts and esc in texts,
              "teams: %r reads as text (%r)" % (raw, esc))
    rc = d.stop()
    check(rc == 0, "the daemon stopped cleanly (%s)" % rc)
    srv.shutdown()
    finish()


if __name__ == "__main__":
    main()
