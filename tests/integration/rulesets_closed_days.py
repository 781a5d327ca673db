#!/usr/bin/python3
"""Scans the plans of FY2024-FY2030 of the shipped rules (`koyomi plan --fy
Y --format json rules`, as a new user would) for single-day occurrences on
a day public offices are closed: Saturday, Sunday, a 祝日・休日 (from
`koyomi holidays`) or 年末年始 12/29-1/3. None may be there unless the item
keeps its day on purpose (`adjust: {to: none, reason: …}`: the description
says 「日付どおり」 with the reason). Every occurrence that moved says from
which closed day, and moved the right way: a deadline to an earlier
business day, anything else to a later one. The scan must see enough
occurrences and moves, so a plan that shrank or a mover that stopped
working fails too."""

import datetime as dt
import json
import os
import subprocess
import sys

SRC = os.environ.get("KOYOMI_SRC", os.path.join(os.path.dirname(__file__),
                                                "..", ".."))
KOYOMI = os.environ.get("KOYOMI") or os.path.join(SRC, "koyomi")
RULES = os.path.join(SRC, "rules")
YEARS = range(2024, 2031)
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, file=sys.stderr)


def run(*args):
    r = subprocess.run([KOYOMI, *args], capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        fail(f"koyomi {' '.join(args)} exited {r.returncode}: "
             f"{(r.stdout + r.stderr).strip()[:300]}")
        return ""
    return r.stdout


def holidays():
    days = {}
    for y in range(YEARS[0] - 1, YEARS[-1] + 3):
        for line in run("holidays", str(y)).splitlines():
            day, name = line.split("\t", 1)
            days[day] = name
    if len(days) < 16 * (len(YEARS) + 2):
        fail(f"only {len(days)} holidays listed for {len(YEARS) + 3} years")
    return days


def closed(day, hol):
    """Why an ISO day is closed, or None."""
    d = dt.date.fromisoformat(day)
    if day in hol:
        return hol[day]
    if (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3):
        return "年末年始"
    if d.weekday() >= 5:
        return "土曜日" if d.weekday() == 5 else "日曜日"
    return None


def main():
    hol = holidays()
    occs = {}
    for fy in YEARS:
        out = run("plan", "--fy", str(fy), "--format", "json", RULES)
        if not out:
            continue
        for o in json.loads(out)["occurrences"]:
            occs[o["uid"]] = o
    single = moved = kept = 0
    for uid, o in sorted(occs.items()):
        if o["adhoc"] or o["status"] == "cancelled":
            continue
        if o["start"] == o["end"]:
            single += 1
            why = closed(o["start"], hol)
            if why is not None:
                if "日付どおり" in (o["description"] or "") and \
                        o.get("closed") == why:
                    kept += 1
                else:
                    fail(f"{uid}: {o['start']} is a closed day ({why})")
        if o.get("moved_from"):
            moved += 1
            src = o["moved_from"]
            why = closed(src, hol)
            if why is None or o.get("closed") != why:
                fail(f"{uid}: moved from {src}, which is not closed for "
                     f"{o.get('closed')!r} (calendar: {why!r})")
            if closed(o["start"], hol) is not None:
                fail(f"{uid}: moved onto {o['start']}, itself closed")
            if o["deadline"] != (o["start"] < src):
                fail(f"{uid}: {'deadline' if o['deadline'] else 'event'} "
                     f"moved from {src} to {o['start']}: wrong way")
            if "閉庁日" not in (o["description"] or ""):
                fail(f"{uid}: moved but its description does not say so")
    # Bounds that keep the scan honest: the shipped rules hold several
    # hundred dated days over seven years, dozens of them moved (the 10th
    # of each month alone falls on 14 weekends), and 世界メンタルヘルスデー
    # keeps 10/10 in 2026 (土) and 2027 (日).
    if single < 500:
        fail(f"only {single} single-day occurrences in FY{YEARS[0]}-"
             f"FY{YEARS[-1]}")
    if moved < 40:
        fail(f"only {moved} occurrences moved off a closed day")
    if kept != 2:
        fail(f"{kept} occurrences kept on a closed day, want 2 "
             f"(fukyu.mental-health-day FY2026, FY2027)")
    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    print(f"ok: {single} single-day occurrences in FY{YEARS[0]}-"
          f"FY{YEARS[-1]}, none on a closed day; {moved} moved, {kept} kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
