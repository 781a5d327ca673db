#!/bin/sh
# koyomi plan on the 令和7年度 national table: text and JSON compared with
# reviewed golden files, plus the facts the issue names checked directly
# (so a regenerated golden file cannot hide them).
set -eu
G="$KOYOMI_SRC/tests/golden/plan"
R="$G/national-r7.yaml"
"$KOYOMI" plan --fy 2025 "$R" > plan.txt
"$KOYOMI" plan --fy 2025 --format json "$R" > plan.json
diff -u "$G/national-r7.fy2025.txt" plan.txt
diff -u "$G/national-r7.fy2025.json" plan.json
/usr/bin/python3 - plan.json <<'PY'
import json, sys
occ = {o["item"] + "/" + str(o["fy"]): o for o in json.load(open(sys.argv[1]))["occurrences"]}
def want(key, start, end, tentative):
    o = occ[key]
    assert (o["start"], o["end"], o["tentative"]) == (start, end, tentative), (key, o)
want("joint-1/2025", "2025-06-01", "2025-06-30", True)        # 6月頃
assert "6月頃" in occ["joint-1/2025"]["title"]
want("joint-2/2025", "2026-02-01", "2026-02-28", True)        # 2月頃 → 2026
want("block/2025", "2025-07-01", "2025-10-31", True)          # 7～10月
assert "連続した2日間" in occ["block/2025"]["title"]
want("survey-due/2026", "2026-02-20", "2026-02-20", False)    # next FY's survey
assert occ["survey-due/2026"]["assignees"] == ["pref-01", "pref-13"]
want("joint-1p/2025", "2025-06-01", "2025-06-30", True)       # 同日開催
PY
# The survey that plans FY2025 is dated in FY2024: it shows in --fy 2024.
"$KOYOMI" plan --fy 2024 --format json "$R" | grep -q '"uid":"kochiku.survey-due.fy2025@koyomi"'
# ICS output parses.
"$KOYOMI" plan --fy 2025 --format ics "$R" > plan.ics
/usr/bin/python3 -c "
import icalendar, sys
c = icalendar.Calendar.from_ical(open('plan.ics','rb').read())
ev = [e for e in c.walk('VEVENT')]
assert len(ev) == 9, len(ev)
"
# Usage errors exit 2; rule errors exit 1.
set +e
"$KOYOMI" plan --fy 2025 --from 2025-04-01 --to 2025-05-01 "$R" >/dev/null 2>&1; [ $? -eq 2 ] || exit 1
"$KOYOMI" plan --format xml "$R" >/dev/null 2>&1; [ $? -eq 2 ] || exit 1
printf 'cycles: [\n' > bad.yaml
"$KOYOMI" plan bad.yaml >/dev/null 2>&1; [ $? -eq 1 ] || exit 1
echo ok
