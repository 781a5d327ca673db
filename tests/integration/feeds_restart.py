#!/usr/bin/python3
"""feeds_restart: Last-Modified and ETag survive a restart.

Clients poll with If-Modified-Since (Apple) or If-None-Match; a daemon
restart that serves the same bytes must answer them 304, so the public
and the private feed keep their ETag and their Last-Modified across
restarts. A rules change made while the daemon is down gives a newer
Last-Modified (and a new ETag) at the next start, which then stays put
across another restart.
"""
import email.utils
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib_daemon  # noqa: E402
from lib_daemon import (Daemon, check, finish, free_port, koyomi,  # noqa
                        request, wait_for, write_conf, write_rules, WORK)

RULES = os.path.join(WORK, "rules")
port = free_port()
conf = os.path.join(WORK, "koyomi.conf")
write_rules(RULES, meeting="全国会議")
write_conf(conf, port)
out = koyomi(conf, "feed-token", "add", "pref-a").stdout.decode()
private = urllib.parse.urlsplit(
    [w for w in out.split() if w.startswith("http")][0]).path
PATHS = {"public": "/feeds/test.ics", "private": private}


def fetch(path, headers=None):
    st, h, body = request(port, "GET", path, headers=headers)
    return st, h.get("last-modified"), h.get("etag"), body


def daemon_now():
    """The daemon's clock: the Date of its answer."""
    st, h, _ = request(port, "GET", "/healthz")
    v = h.get("date")
    return email.utils.parsedate_to_datetime(v) if v else None


def past(snap):
    """Waits until the daemon dated an answer after every Last-Modified
    of snap: a feed rebuilt from now on would carry a later one, so an
    unchanged Last-Modified proves nothing was rebuilt."""
    newest = max(email.utils.parsedate_to_datetime(v[0])
                 for v in snap.values())
    wait_for(lambda: (daemon_now() or newest) > newest, 10,
             "the daemon's clock past %s" % newest)


def snapshot():
    out = {}
    for name, path in PATHS.items():
        st, lm, tag, body = fetch(path)
        check(st == 200 and lm and tag, "%s feed: 200 with validators" % name)
        out[name] = (lm, tag, body)
    return out


def start():
    d = Daemon(conf, port)
    if not d.wait_ready():
        finish()
    return d


d = start()
first = snapshot()
past(first)
d.stop()
d = start()
again = snapshot()
for name, path in PATHS.items():
    lm, tag, body = first[name]
    check(again[name][2] == body, "%s: identical bytes after a restart" % name)
    check(again[name][1] == tag, "%s: same ETag after a restart" % name)
    check(again[name][0] == lm, "%s: same Last-Modified after a restart "
          "(%s, was %s)" % (name, again[name][0], lm))
    st, _, _, _ = fetch(path, {"If-Modified-Since": lm})
    check(st == 304, "%s: If-Modified-Since the old date: %d" % (name, st))
    st, _, _, _ = fetch(path, {"If-None-Match": tag})
    check(st == 304, "%s: If-None-Match the old ETag: %d" % (name, st))

# Change the rules while the daemon is down.
past(again)
d.stop()
# The meeting is in the public feed, the deadline in pref-a's private one.
with open(os.path.join(RULES, "t.yaml"), "w") as f:
    f.write((lib_daemon.RULES % {"meeting": "ブロック会議"}).replace(
        "参加意向調査", "参加意向調査（再）"))
d = start()
changed = snapshot()
for name, path in PATHS.items():
    lm, tag, _ = first[name]
    new_lm, new_tag, body = changed[name]
    check("ブロック会議".encode() in body or
          "参加意向調査（再）".encode() in body,
          "%s: the change is served" % name)
    check(new_tag != tag, "%s: a new ETag for new bytes" % name)
    check(email.utils.parsedate_to_datetime(new_lm) >
          email.utils.parsedate_to_datetime(lm),
          "%s: newer Last-Modified (%s > %s)" % (name, new_lm, lm))
    st, _, _, _ = fetch(path, {"If-Modified-Since": lm})
    check(st == 200, "%s: If-Modified-Since the old date: 200 (%d)"
          % (name, st))

# And that one stays across the next restart.
past(changed)
d.stop()
d = start()
last = snapshot()
for name in PATHS:
    check(last[name][:2] == changed[name][:2],
          "%s: Last-Modified and ETag kept after another restart" % name)
d.stop()
finish()
