#!/usr/bin/python3
"""ics_parsers: `koyomi feed NAME` read by three independent parsers.

Renders a public feed from a small rule set through the real binary, then
checks the bytes by hand (CRLF, no physical line over 75 octets, every
physical line valid UTF-8 on its own, no vendor TZID prefix) and parses
them with python3-icalendar, python3-vobject and
python3-recurring-ical-events: a 200-character Japanese title must come
back exactly, all-day events must end on the exclusive next day, timed
events must sit in Asia/Tokyo. Two renders must be byte-identical and an
unknown feed must exit 1.

Then the shipped rules (KOYOMI_SRC/rules): every feed that
rules/cycles/feeds.yaml declares is rendered with `koyomi feed NAME` and
must have CRLF lines of at most 75 octets, each valid UTF-8 on its own,
and parse with python3-icalendar and python3-vobject to the same events
(unique UIDs, each with DTSTART and DTSTAMP).
"""
import datetime
import os
import re
import subprocess
import sys

import icalendar
import recurring_ical_events
import vobject

KOYOMI = os.environ["KOYOMI"]
SRC = os.environ.get("KOYOMI_SRC", os.getcwd())
TOKYO = datetime.timezone(datetime.timedelta(hours=9))
LONG = ("精神障害にも対応した地域包括ケアシステム構築推進" * 9)[:199] + "会"
assert len(LONG) == 200

RULES = f"""\
organisations:
  - {{id: mhlw, name: 厚生労働省, type: ministry}}
  - {{id: pref-a, name: Ａ県, type: prefecture}}
cycles:
  - id: t
    title: テスト事業
    organiser: mhlw
    from_fy: 2026
    until_fy: 2026
    items:
      - id: long
        kind: meeting
        title: "{LONG}"
        date: "2026-06-01"
        time: "13:00-17:00"
        location: "中央合同庁舎第5号館, 専用第22会議室; 2階"
      - id: training
        kind: training
        title: 研修
        date: "2026-07-01"
        days: 2
      - id: hearing
        kind: hearing
        title: ヒアリング
        date: 9月頃
      - id: due
        kind: deadline
        title: 参加意向調査
        date: "2026-05-15"
        assignees: [pref-a]
feeds:
  - id: test
    title: テスト
    cycles: [t]
    deadlines: true
"""

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def setup():
    os.makedirs("rules", exist_ok=True)
    with open("rules/t.yaml", "w", encoding="utf-8") as f:
        f.write(RULES)
    with open("koyomi.conf", "w", encoding="utf-8") as f:
        f.write(f"listen: 127.0.0.1:18431\n"
                f"base_url: http://127.0.0.1:18431\n"
                f"database: {os.getcwd()}/koyomi.db\n"
                f"rules: {os.getcwd()}/rules\n"
                f"timezone: Asia/Tokyo\n"
                f"mail_transport: maildir:{os.getcwd()}/mail\n"
                f"secret_key_file: {os.getcwd()}/secret.key\n")


def feed(name):
    return subprocess.run([KOYOMI, "-c", "koyomi.conf", "feed", name],
                          capture_output=True, timeout=30)


def check_lines(data):
    check(data.endswith(b"\r\n"), "ends with CRLF")
    lines = data.split(b"\r\n")[:-1]
    for i, line in enumerate(lines):
        check(len(line) <= 75, f"line {i + 1} has {len(line)} octets")
        check(b"\n" not in line and b"\r" not in line,
              f"line {i + 1}: bare CR or LF")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            check(False, f"line {i + 1} splits a UTF-8 character")
    check(b"freeassociation" not in data, "no vendor TZID prefix")
    check(b"TZID:Asia/Tokyo\r\n" in data, "own VTIMEZONE")
    check(sum(1 for l in lines if l.startswith(b" ")) > 5,
          "long Japanese text is folded")


def check_icalendar(data):
    cal = icalendar.Calendar.from_ical(data)
    ev = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    check(len(ev) == 4, f"icalendar: 4 events, got {len(ev)}")
    by_sum = {str(e["SUMMARY"]): e for e in ev.values()}
    check(LONG in by_sum, "icalendar: the 200-character title round-trips")
    if LONG in by_sum:
        e = by_sum[LONG]
        st = e["DTSTART"].dt
        check(st == datetime.datetime(2026, 6, 1, 13, 0, tzinfo=TOKYO),
              f"icalendar: timed start in Tokyo, got {st!r}")
        check(e["DTSTART"].params.get("TZID") == "Asia/Tokyo", "TZID param")
        check(str(e["LOCATION"]) ==
              "中央合同庁舎第5号館, 専用第22会議室; 2階",
              "icalendar: location with , and ; round-trips")
    tr = [e for e in ev.values() if str(e["SUMMARY"]) == "研修"]
    check(len(tr) == 1, "icalendar: the training")
    if tr:
        check(tr[0]["DTSTART"].dt == datetime.date(2026, 7, 1) and
              tr[0]["DTEND"].dt == datetime.date(2026, 7, 3),
              "icalendar: two-day event ends on the exclusive third day")
    dl = [e for e in ev.values() if "参加意向調査" in str(e["SUMMARY"])]
    check(len(dl) == 1 and str(dl[0]["SUMMARY"]).startswith("【締切】"),
          "icalendar: deadline as 【締切】")
    if dl:
        check(dl[0]["DTEND"].dt == datetime.date(2026, 5, 16),
              "icalendar: deadline DTEND is the next day")
    hr = [e for e in ev.values() if "ヒアリング" in str(e["SUMMARY"])]
    check(len(hr) == 1 and str(hr[0]["STATUS"]) == "TENTATIVE",
          "icalendar: 9月頃 is tentative")
    for e in ev.values():
        check(int(e["SEQUENCE"]) >= 0, "SEQUENCE present")
        check(e["DTSTAMP"].dt.tzinfo is not None, "DTSTAMP in UTC")


def check_vobject(data):
    cal = vobject.readOne(data.decode("utf-8"))
    sums = [v.summary.value for v in cal.vevent_list]
    check(LONG in sums, "vobject: the 200-character title round-trips")
    check(cal.vtimezone.tzid.value == "Asia/Tokyo", "vobject: VTIMEZONE")
    for v in cal.vevent_list:
        if v.summary.value == LONG:
            st = v.dtstart.value
            check(st.utcoffset() == datetime.timedelta(hours=9),
                  f"vobject: +09:00, got {st.utcoffset()}")


def check_recurring(data):
    cal = icalendar.Calendar.from_ical(data)
    evs = recurring_ical_events.of(cal).between(
        datetime.date(2026, 4, 1), datetime.date(2027, 4, 1))
    check(len(evs) == 4, f"recurring-ical-events: 4 events, got {len(evs)}")
    on_jul2 = recurring_ical_events.of(cal).at((2026, 7, 2))
    check(any(str(e["SUMMARY"]) == "研修" for e in on_jul2),
          "recurring-ical-events: the training covers its second day")
    on_jul3 = recurring_ical_events.of(cal).at((2026, 7, 3))
    check(not any(str(e["SUMMARY"]) == "研修" for e in on_jul3),
          "recurring-ical-events: the training is over on the third day")


def shipped_feed_names():
    """The ids of the `feeds:` list of the shipped feeds.yaml."""
    path = os.path.join(SRC, "rules", "cycles", "feeds.yaml")
    with open(path, encoding="utf-8") as f:
        return re.findall(r"^  - id: *([A-Za-z0-9._-]+) *$", f.read(), re.M)


def check_shipped_lines(name, data):
    check(data.startswith(b"BEGIN:VCALENDAR\r\n") and
          data.endswith(b"END:VCALENDAR\r\n"), f"{name}: one VCALENDAR")
    for i, line in enumerate(data.split(b"\r\n")[:-1]):
        check(len(line) <= 75, f"{name}: line {i + 1} has {len(line)} octets")
        check(b"\n" not in line and b"\r" not in line,
              f"{name}: line {i + 1}: bare CR or LF")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            check(False, f"{name}: line {i + 1} is not valid UTF-8 alone")


def check_shipped():
    """Every public feed of the shipped rules, by two parsers."""
    conf = os.path.abspath("shipped.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write(f"listen: 127.0.0.1:18432\n"
                f"base_url: http://127.0.0.1:18432\n"
                f"database: {os.getcwd()}/shipped.db\n"
                f"rules: {SRC}/rules\n"
                f"timezone: Asia/Tokyo\n"
                f"mail_transport: maildir:{os.getcwd()}/mail\n"
                f"secret_key_file: {os.getcwd()}/secret.key\n")
    names = shipped_feed_names()
    check(len(names) >= 10, f"shipped feeds.yaml lists {len(names)} feeds")
    total = 0
    for name in names:
        r = subprocess.run([KOYOMI, "-c", conf, "feed", name],
                           capture_output=True, timeout=60)
        check(r.returncode == 0, f"koyomi feed {name}: exit {r.returncode} "
              f"{r.stderr.decode(errors='replace')[:200]}")
        if r.returncode != 0:
            continue
        data = r.stdout
        check_shipped_lines(name, data)
        try:
            cal = icalendar.Calendar.from_ical(data)
            evs = cal.walk("VEVENT")
        except ValueError as e:
            check(False, f"{name}: icalendar: {e}")
            continue
        uids = [str(e["UID"]) for e in evs]
        check(len(set(uids)) == len(uids), f"{name}: UIDs unique")
        for e in evs:
            check("DTSTART" in e and "DTSTAMP" in e and "SUMMARY" in e,
                  f"{name}: {e.get('UID')} has DTSTART, DTSTAMP, SUMMARY")
        try:
            vc = vobject.readOne(data.decode("utf-8"))
            vev = getattr(vc, "vevent_list", [])
            check(sorted(v.uid.value for v in vev) == sorted(uids),
                  f"{name}: vobject reads the same events")
            check(sorted(v.summary.value for v in vev) ==
                  sorted(str(e["SUMMARY"]) for e in evs),
                  f"{name}: vobject unfolds the same titles")
        except Exception as e:  # noqa: BLE001 — any parser error fails
            check(False, f"{name}: vobject: {e}")
        total += len(evs)
    check(total > 0, f"shipped feeds hold events ({total})")
    print(f"shipped: {len(names)} feeds, {total} events")


def main():
    setup()
    r = feed("test")
    if r.returncode != 0:
        print("koyomi feed test failed:", r.returncode,
              r.stderr.decode(errors="replace"))
        return 1
    data = r.stdout
    check(data.startswith(b"BEGIN:VCALENDAR\r\n"), "starts with VCALENDAR")
    check_lines(data)
    check_icalendar(data)
    check_vobject(data)
    check_recurring(data)
    again = feed("test").stdout
    check(again == data, "two renders are byte-identical")
    r = feed("no-such-feed")
    check(r.returncode == 1, f"unknown feed exits 1, got {r.returncode}")
    check(r.stdout == b"", "unknown feed prints nothing on stdout")
    check_shipped()
    if FAILS:
        print(f"{len(FAILS)} failure(s)")
        return 1
    print("PASS ics_parsers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
