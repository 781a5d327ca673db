#!/usr/bin/python3
"""smtp_peer.py PORT N K MESSAGE — the smtplib peer of the benchmark.

K processes, each with one smtplib connection to 127.0.0.1:PORT (EHLO
once), send N messages between them (MAIL/RCPT/DATA for each, a
distinct recipient each), the bytes of MESSAGE every time. The sink
times the first and the last arrival, as it does for koyomi, so process
start-up is outside the measure on both sides.
"""
import os
import smtplib
import sys


def send(port, first, count, msg):
    s = smtplib.SMTP("127.0.0.1", port)
    s.ehlo("peer.example.jp")
    for i in range(first, first + count):
        s.sendmail("reminder@bench.example.jp",
                   ["peer%d@example.lg.jp" % i], msg)
    s.quit()


def main():
    port, n, k = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    with open(sys.argv[4], "rb") as f:
        msg = f.read()
    kids = []
    for j in range(k):
        share = n // k + (1 if j < n % k else 0)
        first = j * (n // k) + min(j, n % k)
        pid = os.fork()
        if pid == 0:
            try:
                send(port, first, share, msg)
            finally:
                os._exit(0)
        kids.append(pid)
    bad = 0
    for pid in kids:
        _, st = os.waitpid(pid, 0)
        bad += st != 0
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
