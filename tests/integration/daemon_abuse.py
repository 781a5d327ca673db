#!/usr/bin/python3
"""daemon_abuse: hostile HTTP clients do not take the daemon down.
A 10 KB URL and 100 KB of headers get an error status (or a closed
connection), never a crash; 1,000 idle connections and slowloris clients
(partial requests, a byte at a time) leave /healthz answering; idle
clients are dropped after conn_timeout; a body over max_body is refused.
The daemon is still alive and answering at the end.
"""
import os
import resource
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import (Daemon, check, fail, finish, free_port, get,  # noqa
                        request, write_conf, write_rules, WORK)

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))

port = free_port()
conf = os.path.join(WORK, "koyomi.conf")
write_rules(os.path.join(WORK, "rules"))
write_conf(conf, port, "conn_timeout: 3\nmax_body: 4096\n")
d = Daemon(conf, port)
if not d.wait_ready():
    finish()


def healthy(what):
    try:
        st, body = get(port, "/healthz", timeout=3)
    except OSError as e:
        st, body = str(e), ""
    check(st == 200 and body == "ok\n", "/healthz answers " + what)


def raw(data, timeout=5):
    """Sends data on a fresh connection; returns the first reply bytes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
    except OSError:
        pass            # the server may close before reading it all
    try:
        return s.recv(4096)
    except OSError:
        return b""
    finally:
        s.close()


def status(reply):
    return int(reply[9:12]) if reply.startswith(b"HTTP/1.1 ") else None


r = raw(b"GET /" + b"a" * 10240 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
check(r == b"" or status(r) in (400, 404, 414, 431),
      "10 KB URL: %r" % r[:30])
healthy("after a 10 KB URL")

hdrs = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 1000) for i in range(100))
r = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + hdrs + b"\r\n")
check(r == b"" or status(r) in (400, 413, 431),
      "100 KB of headers refused: %r" % r[:30])
healthy("after 100 KB of headers")

r = raw(b"POST /api/v1/reload HTTP/1.1\r\nHost: x\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" +
        b"".join(b"400\r\n" + b"z" * 1024 + b"\r\n" for _ in range(8)) +
        b"0\r\n\r\n")
check(status(r) == 413, "chunked body over max_body: 413 (%r)" % r[:30])

# 1,000 idle connections.
idle = []
try:
    for _ in range(1000):
        idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
except OSError as e:
    fail("opening idle connection %d: %s" % (len(idle), e))
check(len(idle) == 1000, "1,000 idle connections open")
t0 = time.monotonic()
healthy("with 1,000 idle connections")
check(time.monotonic() - t0 < 2, "and quickly")

# conn_timeout (3 s) drops them: each close is seen as it comes (EOF),
# within a bound, rather than counted after a pause.
sel = selectors.DefaultSelector()
for s in idle:
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
closed, left = 0, len(idle)
end = time.monotonic() + 15
while left > 0 and time.monotonic() < end:
    for key, _ in sel.select(timeout=0.5):
        try:
            eof = key.fileobj.recv(1) == b""
        except OSError:
            eof = True
        if eof:
            closed += 1
        sel.unregister(key.fileobj)
        left -= 1
    if closed >= 990:
        break
took = time.monotonic() - t0
sel.close()
for s in idle:
    s.close()
check(closed >= 990, "idle connections dropped after conn_timeout (%d in "
      "%.1f s)" % (closed, took))

# Slowloris: partial requests trickling in, a byte at a time.
slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
line = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
for i in range(20):
    for s in slow:
        try:
            s.send(line[i:i + 1] if i < len(line) else b"a")
        except OSError:
            pass
    if i % 5 == 0:
        healthy("during slowloris (step %d)" % i)
    time.sleep(0.1)
for s in slow:
    s.close()

# Garbage and half-closed requests.
check(status(raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 50))
      in (None, 400), "TLS hello on plain HTTP: refused")
r = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n")
check(r == b"" or status(r) in (400, 413), "negative Content-Length")
healthy("at the end")
check(d.p.poll() is None, "daemon still running")
check(d.stop() == 0, "SIGTERM exit 0")
finish()
