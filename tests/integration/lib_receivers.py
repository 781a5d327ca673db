#!/usr/bin/python3
"""Loopback receivers for koyomi's delivery tests (a helper, not a test).

  lib_receivers.py smtp PORT DIR      aiosmtpd server; each message is
      stored as DIR/<n>.eml (written to a temp name, then renamed) with the
      envelope in DIR/<n>.env ("rcpt\\n") and its sender (MAIL FROM) in
      DIR/<n>.from; DIR/sessions counts EHLOs.
      RCPT to an address starting with "reject" gets 550; "tempfail" 451.
      Once-only refusals, for retry tests: the first RCPT to an address
      starting with "retry-rcpt" gets 451, and so does the end of the first
      DATA of each Message-ID for a recipient starting with "retry-data"
      (the message is not stored); each refusal is one JSON line in
      DIR/refused.jsonl ({"stage", "rcpt", "message_id"}).
  lib_receivers.py smtp-auth PORT DIR USER:PASS   the same, AUTH required,
      offered and taken without TLS (as a server, or a man in the middle,
      that would read the password). Each AUTH is one JSON line in
      DIR/auth.jsonl ({"tls", "ok"}).
  lib_receivers.py smtp-auth-tls PORT DIR USER:PASS   the same with
      STARTTLS (certificate DIR/cert.pem, key DIR/key.pem); AUTH only
      after it.
  lib_receivers.py http PORT DIR SECRET...   webhook receiver (HTTP/1.1,
      keep-alive). Checks Standard Webhooks signatures with its own HMAC
      code against every SECRET ("whsec_<base64>"); records one JSON line
      per request in DIR/hooks.jsonl (with the raw body in base64 and the
      webhook-signature header, for a second verifier). Paths: /ok 204; /flaky 500 for the
      first 3 attempts of each webhook-id, then 204; /gone 410; /busy 429
      with Retry-After: 7. A bad or missing signature gets 401.

Both write DIR/ready once listening, and stop on SIGTERM.

As a module: start() runs a receiver for a test and waits until it
listens; hook_server() is the webhook receiver's HTTP side, in the
test's own process, for tests that answer each request themselves;
verify() checks a signature header.
"""
import base64
import glob
import hashlib
import hmac
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def ready(d):
    with open(os.path.join(d, "ready.tmp"), "w") as f:
        f.write(str(os.getpid()))
    os.rename(os.path.join(d, "ready.tmp"), os.path.join(d, "ready"))


def run_smtp(port, d, auth=None, tls=False):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    lock = threading.Lock()
    # A restarted server goes on numbering after what is already there.
    count = [max([int(os.path.basename(p)[:-4])
                  for p in glob.glob(os.path.join(d, "*.eml"))] or [0])]

    sessions = [0]
    refused = set()

    def refuse_once(stage, key, rcpt, msgid):
        """True the first time (stage, key) is seen; logged in refused.jsonl."""
        with lock:
            if (stage, key) in refused:
                return False
            refused.add((stage, key))
            with open(os.path.join(d, "refused.jsonl"), "a") as f:
                f.write(json.dumps({"stage": stage, "rcpt": rcpt,
                                    "message_id": msgid}) + "\n")
        return True

    class Handler:
        async def handle_EHLO(self, server, session, envelope, hostname,
                              responses):
            # One EHLO per SMTP session: counts connections, so a test can
            # see that many mails share one session.
            session.host_name = hostname
            with lock:
                sessions[0] += 1
                with open(os.path.join(d, "sessions"), "w") as f:
                    f.write("%d\n" % sessions[0])
            return responses

        async def handle_RCPT(self, server, session, envelope, address, opts):
            if address.startswith("reject"):
                return "550 5.1.1 mailbox unavailable"
            if address.startswith("tempfail"):
                return "451 4.3.0 try again later"
            if address.startswith("retry-rcpt") and \
                    refuse_once("RCPT", address, address, None):
                return "451 4.3.0 try again later (once)"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            if any(r.startswith("retry-data") for r in envelope.rcpt_tos):
                m = re.search(rb"(?im)^Message-ID:[ \t]*(\S+)",
                              envelope.original_content)
                msgid = m.group(1).decode(errors="replace") if m else ""
                if refuse_once("DATA", msgid, envelope.rcpt_tos[0], msgid):
                    return "451 4.3.0 try again later (once)"
            with lock:
                count[0] += 1
                n = count[0]
            tmp = os.path.join(d, "%d.tmp" % n)
            with open(tmp, "wb") as f:
                f.write(envelope.original_content)
            with open(os.path.join(d, "%d.env" % n), "w") as f:
                f.write("\n".join(envelope.rcpt_tos) + "\n")
            with open(os.path.join(d, "%d.from" % n), "w") as f:
                f.write((envelope.mail_from or "") + "\n")
            os.rename(tmp, os.path.join(d, "%d.eml" % n))
            return "250 Message accepted"

    def authenticator(server, session, envelope, mechanism, data):
        ok = (data.login.decode(), data.password.decode()) == tuple(auth.split(":", 1))
        with lock, open(os.path.join(d, "auth.jsonl"), "a") as f:
            f.write(json.dumps({"tls": session.ssl is not None,
                                "ok": ok}) + "\n")
        # handled=False: aiosmtpd answers 535 itself (by default it
        # would leave the client waiting for a reply).
        return AuthResult(success=ok, handled=False)

    if auth is None:
        c = Controller(Handler(), hostname="127.0.0.1", port=port)
    elif tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(os.path.join(d, "cert.pem"),
                            os.path.join(d, "key.pem"))
        c = Controller(Handler(), hostname="127.0.0.1", port=port,
                       authenticator=authenticator, auth_required=True,
                       tls_context=ctx, auth_require_tls=True)
    else:
        c = Controller(Handler(), hostname="127.0.0.1", port=port,
                       authenticator=authenticator, auth_required=True,
                       auth_require_tls=False)
    c.start()
    ready(d)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    c.stop()


def verify(secrets, msgid, ts, body, header):
    signed = msgid.encode() + b"." + ts.encode() + b"." + body
    want = []
    for s in secrets:
        key = base64.b64decode(s[len("whsec_"):] if s.startswith("whsec_") else s)
        want.append(base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()))
    for part in header.split(" "):
        if not part.startswith("v1,"):
            continue
        got = part[3:].encode()
        for w in want:
            if hmac.compare_digest(got, w):
                return True
    return False


def hook_server(port, secrets, answer):
    """Webhook receiver on 127.0.0.1:PORT (0: any free one), serving from
    threads of this process. Each POST goes to answer(req), req a dict:
    path, id, ts, sig (the webhook-* headers, "" when absent), sig_ok
    (a valid signature by one of SECRETS), raw (the body's bytes) and
    body (its JSON, or None). answer returns (status, {header: value}).
    Returns the server, already serving; its port is
    server_address[1]."""

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(n)
            h = self.headers
            req = {"path": self.path, "raw": raw,
                   "id": h.get("webhook-id", ""),
                   "ts": h.get("webhook-timestamp", ""),
                   "sig": h.get("webhook-signature", "")}
            req["sig_ok"] = bool(req["id"] and req["ts"] and req["sig"]) \
                and verify(secrets, req["id"], req["ts"], raw, req["sig"])
            try:
                req["body"] = json.loads(raw.decode("utf-8"))
            except ValueError:
                req["body"] = None
            status, extra = answer(req)
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Length", "0")
            self.end_headers()

    srv = ThreadingHTTPServer(("127.0.0.1", port), H)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def run_http(port, d, secrets):
    lock = threading.Lock()
    attempts = {}
    log = open(os.path.join(d, "hooks.jsonl"), "a")

    def answer(req):
        ts = req["ts"]
        fresh = ts.isdigit() and abs(time.time() - int(ts)) < 300
        with lock:
            attempts[req["id"]] = attempts.get(req["id"], 0) + 1
            k = attempts[req["id"]]
        extra = {}
        if not req["sig_ok"] or not fresh:
            status = 401
        elif req["path"] == "/flaky" and k <= 3:
            status = 500
        elif req["path"] == "/gone":
            status = 410
        elif req["path"] == "/busy":
            status, extra = 429, {"Retry-After": "7"}
        else:
            status = 204
        with lock:
            log.write(json.dumps({"path": req["path"], "id": req["id"],
                                  "ts": ts, "sig_ok": req["sig_ok"],
                                  "attempt": k, "status": status,
                                  "body": req["body"], "sig": req["sig"],
                                  "raw": base64.b64encode(
                                      req["raw"]).decode()},
                                 ensure_ascii=False) + "\n")
            log.flush()
        return status, extra

    srv = hook_server(port, secrets, answer)
    ready(d)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    srv.shutdown()


def start(kind, port, d, *args, quiet=False, timeout=30):
    """Runs this file as the KIND receiver on 127.0.0.1:PORT, recording
    in D, with ARGS (secrets, or USER:PASS for smtp-auth); QUIET sends
    its output nowhere. Returns the process once it listens (a ready file
    left in D by an earlier one does not count), or None when it did not
    within TIMEOUT seconds; it is then stopped."""
    flag = os.path.join(d, "ready")
    if os.path.exists(flag):
        os.unlink(flag)
    out = subprocess.DEVNULL if quiet else None
    p = subprocess.Popen(["/usr/bin/python3", os.path.abspath(__file__),
                          kind, str(port), d] + list(args),
                         stdout=out, stderr=out)
    end = time.monotonic() + timeout
    while time.monotonic() < end and p.poll() is None:
        if os.path.exists(flag):
            return p
        time.sleep(0.05)
    if p.poll() is None:
        p.kill()
        p.wait()
    return None


def main():
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
    kind, port, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(d, exist_ok=True)
    if kind == "smtp":
        run_smtp(port, d)
    elif kind == "smtp-auth":
        run_smtp(port, d, sys.argv[4])
    elif kind == "smtp-auth-tls":
        run_smtp(port, d, sys.argv[4], tls=True)
    else:
        run_http(port, d, sys.argv[4:])


if __name__ == "__main__":
    main()
