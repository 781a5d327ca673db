#!/usr/bin/python3
"""Compares `koyomi plan --fy 2024/2025/2026 --format json` over the shipped
rules with tests/golden/rulesets/expected.tsv, a table written by hand from
the seeds: rows for every shipped rule set (kochiku, fukushi, houmon,
bunkyo, chiiki-iko, miyagi, outreach-committee, kokosapo, suishin, and an
outreach case: `koyomi case add` puts case T-1 in a database of its own
and plan reads it with --cases): date or span, time, title and place
fragments, and the certainty (confirmed, tentative, assumed). Also checks every weekday the seeds print next to a
date ("1月16日（木）", "12月20日(金)") against the calendar, both in the seed
text and in the plan output. Self-contained: the seed lines it reads are
vendored in tests/data/seed-weekday-lines.tsv (file, line, text)."""

import datetime as dt
import json
import os
import re
import subprocess
import sys

SRC = os.environ.get("KOYOMI_SRC", os.path.join(os.path.dirname(__file__),
                                                "..", ".."))
KOYOMI = os.environ.get("KOYOMI") or os.path.join(SRC, "koyomi")
SEED_LINES = os.path.join(SRC, "tests", "data", "seed-weekday-lines.tsv")
RULES = os.path.join(SRC, "rules")
EXPECTED = os.path.join(SRC, "tests", "golden", "rulesets", "expected.tsv")
WD = "月火水木金土日"
# An outreach case (001: アウトリーチ支援) for the expected table's C-2x rows:
# started Monday 2025-04-07, closed Friday 2026-01-30.
CASE = ("T-1", "2025-04-07", "2026-01-30")
CONF = os.path.abspath("plan-cases.conf")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, file=sys.stderr)


def load_seed_lines():
    """{seed file: {line number: text}} from the vendored lines."""
    seeds = {}
    with open(SEED_LINES, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, no, text = line.rstrip("\n").split("\t", 2)
            seeds.setdefault(name, {})[int(no)] = text
    return seeds


SEEDS = load_seed_lines()


def seed_line(name, lineno):
    """The seed's line (only lines printing a weekday are vendored: any
    other line has no weekday to check and reads as empty)."""
    return SEEDS.get(name, {}).get(lineno, "")


# Seed lines printing a weekday without a year: the year they mean
# (seeds-inventory §4.2-4.3). A new, unclassified one fails the test so that
# it gets looked at.
YEAR_OF_LINE = {("000", 551): 2025, ("000", 1127): 2025, ("000", 1128): 2025,
                ("000", 1129): 2025, ("000", 1130): 2025}
DATE_WD = re.compile(r"(?:令和\s*(\d+|元)\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日"
                     r"\s*[（(]\s*([月火水木金土日])\s*[）)]")


def seed_year(name, lineno, line, m):
    """The calendar year a weekday-annotated date of the seeds means: its
    own 令和 year, else the one known for that line, else a 令和 year
    written earlier on the same line; None when unknown."""
    era = m.group(1)
    if era is not None:
        return 2018 + (1 if era == "元" else int(era))
    year = YEAR_OF_LINE.get((name[:3], lineno))
    if year is None:
        e = re.search(r"令和\s*(\d+)\s*年", line)
        if e:
            year = 2018 + int(e.group(1))
    return year


def check_seed_weekdays():
    """Every 'M月D日（W）' in the seeds names the right weekday."""
    n = 0
    for name in sorted(SEEDS):
        for i, line in sorted(SEEDS[name].items()):
            for m in DATE_WD.finditer(line):
                era, mo, da, wd = m.groups()
                year = seed_year(name, i, line, m)
                if year is None:
                    fail(f"{name}:{i}: weekday date {m.group(0)} without a "
                         f"known year")
                    continue
                d = dt.date(year, int(mo), int(da))
                n += 1
                if WD[d.weekday()] != wd:
                    fail(f"{name}:{i}: {m.group(0)} but {d} is a "
                         f"{WD[d.weekday()]}曜日")
    if n < 13:
        fail(f"only {n} weekday dates found in the seeds, expected >= 13")
    return n


def load_expected():
    rows = []
    with open(EXPECTED, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            c = line.rstrip("\n").split("\t")
            if len(c) != 10:
                fail(f"expected.tsv: bad row {line!r}")
                continue
            rows.append(dict(zip(("sid", "source", "uid", "number", "start",
                                  "end", "time", "title", "place",
                                  "status"), c)))
    return rows


def hhmm(v):
    """'10:00', '10:00:00', 36000 (seconds) or an ISO date-time → 'HH:MM'."""
    if v is None or v == "" or v == -1:
        return None
    if isinstance(v, int):
        return "%02d:%02d" % (v // 3600, v % 3600 // 60)
    v = str(v)
    if "T" in v:
        v = v.split("T", 1)[1]
    m = re.match(r"(\d{1,2}):(\d{2})", v)
    return "%02d:%s" % (int(m.group(1)), m.group(2)) if m else None


def norm(o):
    """One occurrence of the plan JSON, whatever the exact key spelling."""
    def first(*keys):
        for k in keys:
            if k in o and o[k] not in (None, ""):
                return o[k]
        return None
    start = first("start", "date", "dtstart", "start_date")
    end = first("end", "end_date", "dtend") or start
    st = hhmm(first("start_time", "start_secs", "time")) or \
        (hhmm(start) if start and "T" in str(start) else None)
    et = hhmm(first("end_time", "end_secs")) or \
        (hhmm(end) if end and "T" in str(end) else None)
    tm = first("time")
    if isinstance(tm, str) and re.search(r"\d-\d|～|~", tm):
        parts = re.split(r"\s*[-～~]\s*", tm)
        st, et = hhmm(parts[0]), hhmm(parts[1])
    due = hhmm(first("due", "due_time", "due_secs"))
    status = str(first("status") or "").lower()
    certainty = str(first("certainty") or "")
    return {
        "uid": str(first("uid") or ""),
        "number": int(first("number") or 0),
        "start": str(start)[:10] if start else None,
        "end": str(end)[:10] if end else None,
        "time": f"{st}-{et}" if st and et else st,
        "due": due,
        "deadline": bool(first("is_deadline", "deadline")) or
        str(first("kind") or "") == "deadline",
        "title": str(first("title") or ""),
        "location": str(first("location") or ""),
        "tentative": "tentative" in status,
        "certainty": certainty,
        "adhoc": bool(first("adhoc")),
    }


def koyomi(*args):
    return subprocess.run([KOYOMI, "-c", CONF] + list(args),
                          capture_output=True, text=True, timeout=60)


def add_case():
    """A database of its own holding case CASE (in the current folder)."""
    d = os.path.dirname(CONF)
    with open(CONF, "w") as f:
        f.write(f"database: {d}/plan-cases.db\nrules: {RULES}\n"
                f"secret_key_file: {d}/plan-cases.key\n")
    code, start, closed = CASE
    for args in (("case", "add", "--cycle", "outreach", "--code", code,
                  "--start", start),
                 ("case", "close", code, "--date", closed)):
        r = koyomi(*args)
        if r.returncode != 0:
            fail(f"koyomi {' '.join(args)}: exit {r.returncode}: "
                 f"{r.stderr.strip()[:300]}")


def plan(fy):
    cmd = [KOYOMI, "-c", CONF, "plan", "--cases", "--fy", str(fy),
           "--format", "json", RULES]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        fail(f"{' '.join(cmd)} exited {r.returncode}: "
             f"{(r.stdout + r.stderr).strip()[:300]}")
        return []
    try:
        doc = json.loads(r.stdout)
    except ValueError as e:
        fail(f"plan --fy {fy}: not JSON ({e}): {r.stdout[:200]!r}")
        return []
    if isinstance(doc, dict):
        doc = doc.get("occurrences") or doc.get("items") or \
            doc.get("events") or []
    return [norm(o) for o in doc if isinstance(o, dict)]


def find(occs, row):
    base, num = row["uid"], int(row["number"])
    hits = [o for o in occs if o["uid"].split("@")[0] == base or
            (num and o["uid"].split("@")[0].startswith(base + ".") and
             o["number"] == num)]
    if num:
        hits = [o for o in hits if o["number"] == num]
    return hits


def check_row(row, o):
    where = f"{row['sid']} ({row['source']}) {row['uid']}"
    if row["title"] not in o["title"]:
        fail(f"{where}: title {o['title']!r} lacks {row['title']!r}")
    if row["place"] != "-" and row["place"] not in o["location"]:
        fail(f"{where}: location {o['location']!r} lacks {row['place']!r}")
    st = row["status"]
    if st == "adhoc":
        if not o["adhoc"]:
            fail(f"{where}: should be adhoc (no date), got {o['start']}")
        return
    if st == "window":
        if not o["tentative"]:
            fail(f"{where}: a window must be tentative")
        if not o["start"] or o["start"] < row["start"] or \
                (o["end"] or "") > row["end"]:
            fail(f"{where}: {o['start']}..{o['end']} outside "
                 f"{row['start']}..{row['end']}")
        return
    if (o["start"], o["end"]) != (row["start"], row["end"]):
        fail(f"{where}: dates {o['start']}..{o['end']}, want "
             f"{row['start']}..{row['end']}")
    # Assumed dates are never shown as confirmed: TENTATIVE, 「（想定）」.
    if o["tentative"] != (st in ("tentative", "assumed")):
        fail(f"{where}: tentative={o['tentative']}, want {st}")
    if o["certainty"] != st:
        fail(f"{where}: certainty {o['certainty']!r}, want {st}")
    if (st == "assumed") != ("（想定）" in o["title"]):
        fail(f"{where}: title {o['title']!r} and certainty {st} disagree")
    if row["time"] != "-":
        got = o["due"] if o["deadline"] and o["due"] else o["time"]
        if got != row["time"]:
            fail(f"{where}: time {got}, want {row['time']}")
    elif o["time"] and not o["deadline"]:
        fail(f"{where}: has a time {o['time']}, want all-day")
    # A weekday printed on the cited seed line must match the planned date.
    name, line = row["source"].split(":")
    text = seed_line(name, int(line))
    d = dt.date.fromisoformat(row["start"])
    for m in DATE_WD.finditer(text):
        year = seed_year(name, int(line), text, m)
        # Only the year the seed speaks of: FY2026 rows reuse the month-day.
        if year == d.year and int(m.group(2)) == d.month and \
                int(m.group(3)) == d.day and WD[d.weekday()] != m.group(4):
            fail(f"{where}: {d} is not a {m.group(4)}曜日 as the seed says")


def main():
    n = check_seed_weekdays()
    rows = load_expected()
    if len(rows) < 40:
        fail(f"expected.tsv has only {len(rows)} rows")
    add_case()
    occs = plan(2024) + plan(2025) + plan(2026)
    if occs:
        for row in rows:
            hits = find(occs, row)
            uids = {h["uid"] for h in hits}
            if not hits:
                fail(f"{row['sid']} ({row['source']}): no occurrence "
                     f"{row['uid']} #{row['number']}")
                continue
            if len(uids) > 1:
                fail(f"{row['sid']}: several occurrences match: {uids}")
            check_row(row, hits[0])
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    print(f"ok: {len(rows)} expected rows, {n} seed weekdays")
    return 0


if __name__ == "__main__":
    sys.exit(main())
