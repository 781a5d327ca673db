#!/usr/bin/python3
"""faults_clock: wall-clock jumps forward and back across reminder steps.

libfaketime (Debian faketime) shifts the daemon's clock by an offset from
the real one (so it still ticks); each jump is a restart with a new
offset. Policy steps are seconds around a deadline due at D = 2026-05-15
17:00 JST: -30s, -15s, +10s, +40s (exact instants, no digest).

  A. start at D-20: -30s was missed 10 s ago → sent at once (catch-up);
     the clock ticks past D-15 → -15s sent live.
  B. jump back to D-33 and wait until D-27: the clock crosses -30s again;
     nothing is sent twice.
  C. jump forward to D+12: +10s (the one step crossed) is sent at once.
     From here the clock is read from a file (FAKETIME_TIMESTAMP_FILE,
     FAKETIME_NO_CACHE=1) and jumps while the daemon runs:
  D. live jump back to D-33, 6 s of requests (crossing -30s): nothing
     repeated.
  E. live jump forward to D+45: +40s (crossed) is sent.

After each phase: reminder_steps holds each step once, the outbox holds
exactly one message per step taken (`koyomi outbox --format json`), and
the Maildir has as many messages as the outbox says were sent. That no
step was sent again is only read once the daemon answered a request with
a Date: at or after the instant that matters (daemon_now): its loop ran
past it, so a timer due before it has fired.
"""
import calendar
import email.utils
import glob
import json
import os
import sqlite3
import sys
import time

from lib_faults import (FAKETIME_LIB as LIB, Daemon, check, faketime_env,
                        finish, free_port, get, koyomi, wait_for, write_conf)
# D = 2026-05-15 17:00 JST = 08:00 UTC
D = calendar.timegm((2026, 5, 15, 8, 0, 0))
RULES = """\
organisations:
  - {id: mhlw, name: 厚生労働省, type: ministry}
  - {id: pref-a, name: Ａ県, type: prefecture}
contacts:
  - {id: c-a, org: pref-a, name: Ａ県担当, mail: tanto@pref-a.example.jp}
policies:
  - id: fast
    steps: [-30s, -15s, +10s, +40s]
    channels: [mail]
    digest: false
cycles:
  - id: t
    title: テスト事業
    organiser: mhlw
    policy: fast
    items:
      - {id: d, kind: deadline, title: 実績報告, date: 5月15日, due: "17:00", assignees: [pref-a]}
"""


def offset(fake_now):
    return "%+d" % int(fake_now - time.time())


def env_at(fake_now):
    e = faketime_env(os.environ, offset(fake_now))
    e["FAKETIME_NO_CACHE"] = "1"
    return e


def env_file(fake_now, path):
    """A clock read from a file at every call, so it can jump live."""
    set_clock(path, fake_now)
    e = env_at(fake_now)
    del e["FAKETIME"]
    e["FAKETIME_TIMESTAMP_FILE"] = path
    return e


def set_clock(path, fake_now):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(offset(fake_now) + "\n")
    os.rename(tmp, path)


def daemon_now(port):
    """The daemon's own clock: the Date of its answer (0: no answer)."""
    st, h, _ = get(port, "/healthz")
    v = h.get("Date")
    return email.utils.parsedate_to_datetime(v).timestamp() if v else 0


def past(port, t, what):
    """Waits for an answer the daemon dated t or later. Each request
    also wakes its loop, as traffic would after a jump of the clock."""
    wait_for(lambda: daemon_now(port) >= t, 20, "the daemon's clock past "
             + what)


def steps():
    c = sqlite3.connect("koyomi.db")
    rows = c.execute("SELECT step, count(*) FROM reminder_steps"
                     " GROUP BY step").fetchall()
    c.close()
    return dict(rows)


def outbox(env):
    r = koyomi("outbox", "--format", "json", env=env)
    try:
        return json.loads(r.stdout)
    except ValueError:
        check(False, "koyomi outbox --format json: " + r.stderr[:200])
        return {}


def messages(env):
    ob = outbox(env)
    rows = ob.get("messages", ob.get("outbox", ob.get("rows", [])))
    return rows if isinstance(rows, list) else []


def maildir():
    return len(glob.glob("mail/new/*")) + len(glob.glob("mail/cur/*"))


def expect(phase, want, env):
    st = steps()
    check(st == want, f"{phase}: reminder_steps {st} == {want}")
    msgs = messages(env)
    check(len(msgs) == len(want),
          f"{phase}: {len(msgs)} outbox message(s) for {len(want)} step(s)")
    wait_for(lambda: maildir() >= len(want), 5, "mail delivered")
    check(maildir() == len(want), f"{phase}: {maildir()} mail(s) in the Maildir")


def main():
    if not os.path.exists(LIB):
        print("FAIL: libfaketime missing (Debian package faketime)")
        sys.exit(1)
    os.makedirs("rules", exist_ok=True)
    with open("rules/t.yaml", "w") as f:
        f.write(RULES)
    port = free_port()
    write_conf(port)

    # A: D-20 → -30s caught up at once, -15s live at D-15.
    env = env_at(D - 20)
    d = Daemon(port, env=env)
    try:
        r = koyomi("tasks", "--format", "json", env=env)
        tasks = json.loads(r.stdout)["tasks"] if r.returncode == 0 else []
        check(len([t for t in tasks if t["fy"] == 2026]) == 1,
              "one FY2026 task for pref-a")
        wait_for(lambda: "-30s" in steps(), 5, "step -30s (catch-up)")
        wait_for(lambda: "-15s" in steps(), 12, "step -15s (live)")
        past(port, D - 13, "D-13 (nothing more before +10s)")
    finally:
        d.stop()
    expect("A", {"-30s": 1, "-15s": 1}, env)

    # B: back to D-33, run until D-27 (crosses -30s again).
    env = env_at(D - 33)
    d = Daemon(port, env=env)
    try:
        past(port, D - 27, "D-27, across -30s again")
    finally:
        d.stop()
    expect("B (clock back)", {"-30s": 1, "-15s": 1}, env)

    # C: forward to D+12: +10s is due. The clock now comes from a file.
    clock = os.path.join(os.getcwd(), "faketime")
    env = env_file(D + 12, clock)
    d = Daemon(port, env=env)
    try:
        wait_for(lambda: "+10s" in steps(), 8, "step +10s after the jump")
        past(port, D + 14, "D+14 (the pass after the catch-up)")
        expect("C (clock forward)", {"-30s": 1, "-15s": 1, "+10s": 1}, env)
        # D: live jumps, no restart. Back to D-33 (before every step):
        # nothing is repeated while the clock crosses -30s again.
        set_clock(clock, D - 33)
        wait_for(lambda: 0 < daemon_now(port) < D - 30, 10,
                 "the daemon's clock back before -30s")
        past(port, D - 27, "D-27, across -30s again (live)")
        expect("D (live jump back)", {"-30s": 1, "-15s": 1, "+10s": 1}, env)
        # E: live jump forward to D+45: +40s (crossed) is sent.
        set_clock(clock, D + 45)
        wait_for(lambda: get(port, "/healthz") and "+40s" in steps(), 15,
                 "step +40s after a live jump forward")
        past(port, D + 47, "D+47 (the pass after it)")
    finally:
        d.stop()
    expect("E (live jump forward)",
           {"-30s": 1, "-15s": 1, "+10s": 1, "+40s": 1}, env)
    finish()


if __name__ == "__main__":
    main()
