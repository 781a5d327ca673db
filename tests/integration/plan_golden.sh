#!/bin/sh
# koyomi plan on the 令和7年度 national table: text and JSON compared with
# reviewed golden files, plus the facts the table states checked directly
# (so a regenerated golden file cannot hide them), ICS that parses, --feed,
# --from/--to, and the exit statuses.
set -eu
G="$KOYOMI_SRC/tests/golden/plan"
R="$G/national-r7.yaml"
"$KOYOMI" plan --fy 2025 "$R" > plan.txt
"$KOYOMI" plan --fy 2025 --format json "$R" > plan.json
diff -u "$G/national-r7.fy2025.txt" plan.txt
diff -u "$G/national-r7.fy2025.json" plan.json
/usr/bin/python3 - plan.json <<'PY'
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
occ = {o["item"] + "/" + str(o["fy"]): o for o in doc["occurrences"]}
def want(key, start, end, tentative):
    o = occ[key]
    assert (o["start"], o["end"], o["tentative"]) == (start, end, tentative), (key, o)
# N-01/N-02: dated in FY R6, belonging to FY2025 through fy_shift -1.
want("survey/2025", "2025-01-16", "2025-01-16", False)
want("survey-due/2025", "2025-02-20", "2025-02-20", False)
due = occ["survey-due/2025"]
assert due["deadline"] and due["due_time"] == "17:00", due
assert due["assignees"] == ["pref-01", "pref-13"], due
assert due["uid"] == "kochiku.survey-due.fy2025@koyomi", due
assert "参加予定（新規）" in due["response"]["options"], due
want("hearing/2025", "2025-04-01", "2025-04-30", True)       # 令和7年4月中
want("joint-1/2025", "2025-06-01", "2025-06-30", True)       # 6月頃
j1 = occ["joint-1/2025"]
assert j1["title"].endswith("（6月頃・日程調整中）"), j1
assert j1["approx"] == "6月頃" and j1["status"] == "tentative", j1
assert j1["location"] == "都内（オンライン併用）", j1
assert "今後変更となる可能性があります。" in j1["description"], j1
assert "主催：厚生労働省 精神・障害保健課" in j1["description"], j1
want("joint-1p/2025", "2025-06-01", "2025-06-30", True)      # 同日開催
assert "対象：構築支援事業参加自治体" in occ["joint-1p/2025"]["description"]
want("block/2025", "2025-07-01", "2025-10-31", True)         # 7～10月
assert occ["block/2025"]["approx"] == "7～10月のうち連続した2日間"
want("training/2025", "2026-01-01", "2026-01-31", True)      # 令和8年1月頃
want("joint-2/2025", "2026-02-01", "2026-02-28", True)       # 2月頃 → 2026
want("joint-2p/2025", "2026-02-01", "2026-02-28", True)
assert occ["onsite/2025"]["adhoc"] and occ["onsite/2025"]["start"] is None
assert doc["occurrences"][-1]["adhoc"], "adhoc items come last"
# Dated occurrences in order of start date.
starts = [o["start"] for o in doc["occurrences"] if not o["adhoc"]]
assert starts == sorted(starts), starts
assert len(doc["occurrences"]) == 12, len(doc["occurrences"])
PY
# Plain days: --from/--to show what lies in them (and the year's adhoc).
"$KOYOMI" plan --from 2025-06-01 --to 2025-06-30 --format json "$R" > june.json
/usr/bin/python3 - june.json <<'PY'
import json, sys
items = sorted(o["item"] for o in json.load(open(sys.argv[1]))["occurrences"])
assert items == ["joint-1", "joint-1p", "onsite"], items
PY
# FY2024 is outside the cycle: its days hold only the shifted survey,
# which still belongs to FY2025.
"$KOYOMI" plan --fy 2024 --format json "$R" > fy2024.json
/usr/bin/python3 -c "
import json
occ = json.load(open('fy2024.json'))['occurrences']
assert [(o['item'], o['fy']) for o in occ] == [('survey', 2025), ('survey-due', 2025)], occ
"
# ICS parses: every dated occurrence, SEQUENCE 0, the fixed DTSTAMP.
"$KOYOMI" plan --fy 2025 --format ics "$R" > plan.ics
/usr/bin/python3 - plan.ics <<'PY'
import icalendar, sys
c = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
ev = {str(e["UID"]): e for e in c.walk("VEVENT")}
assert len(ev) == 11, sorted(ev)
j1 = ev["kochiku.joint-1.fy2025@koyomi"]
assert str(j1["STATUS"]) == "TENTATIVE"
assert j1["DTSTART"].dt.isoformat() == "2025-06-01"
assert all(int(e["SEQUENCE"]) == 0 for e in ev.values())
assert all(e["DTSTAMP"].dt.year == 2000 for e in ev.values())
PY
cmp plan.ics "$("$KOYOMI" plan --fy 2025 --format ics "$R" > again.ics; echo again.ics)"
# --feed selects with the feed's keys.
cat "$R" > feed.yaml
cat >> feed.yaml <<'YAML'
feeds:
  - {id: meetings, title: 会議, kinds: [meeting]}
YAML
"$KOYOMI" plan --fy 2025 --feed meetings --format json feed.yaml > feed.json
/usr/bin/python3 -c "
import json
occ = json.load(open('feed.json'))['occurrences']
assert sorted(o['item'] for o in occ) == ['block', 'joint-1', 'joint-1p', 'joint-2', 'joint-2p'], occ
"
# Usage errors exit 2; rule errors and unknown feeds exit 1.
st() { set +e; "$@" >/dev/null 2>err.txt; s=$?; set -e; echo $s; }
[ "$(st "$KOYOMI" plan --fy 2025 --from 2025-04-01 --to 2025-05-01 "$R")" = 2 ]
[ "$(st "$KOYOMI" plan --format xml "$R")" = 2 ]
[ "$(st "$KOYOMI" plan --from 2025-04-01 "$R")" = 2 ]
[ "$(st "$KOYOMI" plan --from 2025-05-01 --to 2025-04-01 "$R")" = 2 ]
[ "$(st "$KOYOMI" plan --fy 20x5 "$R")" = 2 ]
[ "$(st "$KOYOMI" plan --fy 2025 --feed nosuch "$R")" = 1 ]
printf 'cycles:\n  - id: c\n    title: t\n    items:\n      - {id: a, kind: meeting, title: x, date: 2月30日}\n' > bad.yaml
[ "$(st "$KOYOMI" plan bad.yaml)" = 1 ]
grep -q '^bad.yaml:5:.*error:.*2月30日' err.txt
echo ok
