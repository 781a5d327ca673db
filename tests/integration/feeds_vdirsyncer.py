#!/usr/bin/python3
"""feeds_vdirsyncer: a real subscriber (Debian's vdirsyncer, `http`
storage) syncs a public feed into a local folder; then one meeting moves
to another day and one is removed from the rules, the daemon reloads on
SIGHUP, and a second sync must show the moved meeting under the same UID
with a higher SEQUENCE and the removed one as STATUS:CANCELLED, while the
untouched one keeps its SEQUENCE.
"""
import email.utils
import glob
import os
import signal
import subprocess
import sys
import time
import urllib.request

import icalendar

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib_daemon import Daemon, free_port  # noqa: E402

# A port the kernel has just handed out and nobody holds: a port derived
# from the pid could be some other test's ephemeral port at that moment.
PORT = free_port()
URL = f"http://127.0.0.1:{PORT}"
D = os.getcwd()

RULES = """\
organisations:
  - {id: mhlw, name: 厚生労働省, type: ministry}
cycles:
  - id: v
    title: 同期テスト
    organiser: mhlw
    items:
      - {id: move, kind: meeting, title: 動く会議, date: DATE_MOVE, time: "10:00-12:00"}
      - {id: stay, kind: meeting, title: 動かない会議, date: 7月1日, time: "13:00-15:00"}
      - {id: gone, kind: training, title: 中止になる研修, date: 8月3日}
feeds:
  - {id: sync, title: 同期, cycles: [v]}
"""

FAILS = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        FAILS.append(what)


def write_rules(move_date, with_gone=True):
    text = RULES.replace("DATE_MOVE", move_date)
    if not with_gone:
        text = "\n".join(l for l in text.splitlines()
                         if "id: gone" not in l) + "\n"
    with open("rules/v.yaml", "w", encoding="utf-8") as f:
        f.write(text)


def setup():
    os.makedirs("rules", exist_ok=True)
    os.makedirs("local", exist_ok=True)
    write_rules("6月10日")
    with open("koyomi.conf", "w") as f:
        f.write(f"listen: 127.0.0.1:{PORT}\nbase_url: {URL}\n"
                f"database: {D}/koyomi.db\nrules: {D}/rules\n"
                f"timezone: Asia/Tokyo\nmail_transport: maildir:{D}/mail\n"
                f"secret_key_file: {D}/secret.key\n")
    with open("vdirsyncer.conf", "w") as f:
        f.write(f"""[general]
status_path = "{D}/status/"

[pair feed]
a = "feed_remote"
b = "feed_local"
collections = null
conflict_resolution = "a wins"

[storage feed_remote]
type = "http"
url = "{URL}/feeds/sync.ics"

[storage feed_local]
type = "filesystem"
path = "{D}/local/"
fileext = ".ics"
""")


def daemon_now():
    """The daemon's clock: the Date of its answer."""
    with urllib.request.urlopen(URL + "/healthz", timeout=5) as r:
        return email.utils.parsedate_to_datetime(r.headers.get("Date"))


def etag():
    with urllib.request.urlopen(URL + "/feeds/sync.ics", timeout=5) as r:
        return r.headers.get("ETag")


def vdirsyncer(*args):
    r = subprocess.run(["vdirsyncer", "-c", "vdirsyncer.conf", *args],
                       input="y\n" * 4, capture_output=True, text=True,
                       timeout=60)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
    return r.returncode


def local_events():
    """koyomi UID -> VEVENT of every item vdirsyncer stored.

    vdirsyncer 0.19's http storage always replaces each UID by a hash of
    the item (_ignore_uids is fixed to True there), so the stored UID
    changes with any content change. koyomi's own UID survives in the
    dashboard URL it puts in every event (BASE/#UID): read it from there.
    """
    out = {}
    for path in glob.glob("local/*.ics"):
        with open(path, "rb") as f:
            cal = icalendar.Calendar.from_ical(f.read())
        for ev in cal.walk("VEVENT"):
            url = str(ev.get("URL", ""))
            # The event's own dashboard page, named by its UID.
            check(url.startswith(URL + "/occurrences/"),
                  f"URL names the UID: {url}")
            out[url.split("/occurrences/", 1)[-1]] = ev
    return out


def by_title(evs, title):
    """The events whose title ends with title (one per fiscal year)."""
    return {u: e for u, e in evs.items() if str(e["SUMMARY"]).endswith(title)}


def main():
    setup()
    daemon = Daemon("koyomi.conf", PORT)
    try:
        # An ASan build on a loaded machine can take a while; the wait
        # ends early, with the daemon's log, if it exits.
        if not daemon.wait_ready(timeout=60):
            print("FAIL: daemon did not start")
            return 1
        first = etag()
        check(vdirsyncer("discover") == 0, "vdirsyncer discover")
        check(vdirsyncer("sync") == 0, "first sync")
        before = local_events()
        mv, st = by_title(before, "動く会議"), by_title(before, "動かない会議")
        gone = by_title(before, "中止になる研修")
        # Month-day dates recur in each fiscal year of the feed window.
        check(len(mv) >= 1 and len(mv) == len(st) == len(gone) and
              len(before) == 3 * len(mv),
              f"events synced: {len(before)} ({len(mv)} per item)")
        if not mv:
            return 1

        # Move one meeting, remove one training, reload once the daemon's
        # clock has passed every DTSTAMP synced (its answer says so): the
        # new DTSTAMP then differs from the first one.
        stamp = max(e["DTSTAMP"].dt for e in before.values())
        for _ in range(100):
            if daemon_now() > stamp:
                break
            time.sleep(0.05)
        check(daemon_now() > stamp, "the daemon's clock past %s" % stamp)
        write_rules("6月17日", with_gone=False)
        daemon.signal(signal.SIGHUP)
        for _ in range(100):
            if etag() != first:
                break
            time.sleep(0.1)
        check(etag() != first, "the feed changed after SIGHUP")
        check(vdirsyncer("sync") == 0, "second sync")
        after = local_events()
        check(set(after) == set(before), "the same UIDs after the sync")
        for uid, old in mv.items():
            new = after.get(uid)
            check(new is not None and str(new["SUMMARY"]) ==
                  str(old["SUMMARY"]), f"{uid}: moved meeting kept its UID")
            if new is None:
                continue
            check(int(new["SEQUENCE"]) > int(old["SEQUENCE"]),
                  f"{uid}: SEQUENCE went up ({old['SEQUENCE']} -> "
                  f"{new['SEQUENCE']})")
            check(new["DTSTART"].dt.day == 17, f"{uid}: moved to the 17th")
            check(new["DTSTAMP"].dt > old["DTSTAMP"].dt,
                  f"{uid}: DTSTAMP moved on")
        for uid, old in st.items():
            new = after.get(uid)
            check(new is not None and int(new["SEQUENCE"]) ==
                  int(old["SEQUENCE"]) and new["DTSTAMP"].dt ==
                  old["DTSTAMP"].dt, f"{uid}: untouched meeting unchanged")
        for uid, old in gone.items():
            new = after.get(uid)
            check(new is not None and str(new["STATUS"]) == "CANCELLED" and
                  int(new["SEQUENCE"]) > int(old["SEQUENCE"]),
                  f"{uid}: removed training kept as CANCELLED, SEQUENCE up")
            check(new is not None and
                  str(new["SUMMARY"]).startswith("【中止】"),
                  f"{uid}: cancelled title marked 【中止】")
    finally:
        rc = daemon.stop()
        check(rc == 0, f"daemon exit status on SIGTERM: {rc}")
    if FAILS:
        print(daemon.logtext()[-2000:])
        print(f"{len(FAILS)} failure(s)")
        return 1
    print("PASS feeds_vdirsyncer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
