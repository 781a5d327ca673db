#!/usr/bin/python3
"""smtp_sink.py PORT STATS — a minimal SMTP server that only counts.

asyncio, one coroutine per connection, no parsing beyond what SMTP
needs: each accepted message (the "." ending DATA, answered 250) is
counted with the wall-clock time it arrived and its Message-ID (so the
benchmark can tell duplicates apart from distinct messages). PIPELINING
(RFC 2920) is offered, as Postfix, Exim and OpenSMTPD do, and answered
as they do: the replies to a group of commands go out together, when
nothing more is waiting to be read. A client that waits for each reply
(smtplib, curl) gets each at once.

On SIGUSR2 the counters are written to STATS as JSON; on SIGUSR1 they
are written and reset (the benchmark reads one run, then starts the next
on the same sink); on SIGTERM they are written once more and the server
exits.
"""
import asyncio
import json
import os
import signal
import sys
import time


class Counter:
    def __init__(self):
        self.reset()

    def reset(self):
        self.n = 0
        self.first = None
        self.last = None
        self.ids = {}
        self.sessions = 0

    def add(self, msgid):
        t = time.time()
        if self.first is None:
            self.first = t
        self.last = t
        self.n += 1
        self.ids[msgid] = self.ids.get(msgid, 0) + 1

    def dump(self, path):
        dup = sum(c - 1 for c in self.ids.values())
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"count": self.n, "distinct": len(self.ids),
                       "duplicates": dup, "first": self.first,
                       "last": self.last, "sessions": self.sessions}, f)
        os.rename(tmp, path)


C = Counter()


def message_id(lines):
    for ln in lines:
        if ln == b"\r\n":
            break       # end of the header
        if ln[:11].lower() == b"message-id:":
            return ln[11:].strip().decode("ascii", "replace")
    return ""


async def session(reader, writer):
    C.sessions += 1
    out = []
    w = out.append

    async def line():
        # The replies so far, once the client has nothing more queued.
        if out and not getattr(reader, "_buffer", b""):
            writer.write(b"".join(out))
            out.clear()
            await writer.drain()
        return await reader.readline()

    w(b"220 sink ESMTP\r\n")
    try:
        while True:
            line_ = await line()
            if not line_:
                break
            verb = line_[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                w(b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                  b"250 SIZE 10485760\r\n")
            elif verb == b"DATA":
                w(b"354 go on\r\n")
                head = []
                while True:
                    ln = await line()
                    if not ln or ln == b".\r\n":
                        break
                    if len(head) < 40:
                        head.append(ln)
                if not ln:
                    break
                C.add(message_id(head))
                w(b"250 2.0.0 ok\r\n")
            elif verb == b"QUIT":
                w(b"221 bye\r\n")
                break
            else:       # MAIL, RCPT, RSET, NOOP
                w(b"250 ok\r\n")
        if out:
            writer.write(b"".join(out))
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    writer.close()


async def main(port, stats):
    loop = asyncio.get_running_loop()
    stop = loop.create_future()

    def usr1():
        C.dump(stats)
        C.reset()
    loop.add_signal_handler(signal.SIGUSR1, usr1)
    loop.add_signal_handler(signal.SIGUSR2, C.dump, stats)
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    srv = await asyncio.start_server(session, "127.0.0.1", port,
                                     backlog=512)
    open(stats + ".ready", "w").close()
    async with srv:
        await stop
    C.dump(stats)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
