#!/bin/sh
# koyomi holidays: the output format, whole years written from the law,
# range counts, and usage errors (exit 2 with a message on stderr).
set -eu
fail() { echo "FAIL: $*"; exit 1; }

# Default names are the Cabinet Office list's: 振替休日 and 国民の休日
# are both just 休日 there; --detail gives the law's terms.
out=$("$KOYOMI" holidays --detail 2025)
expect='2025-01-01	元日
2025-01-13	成人の日
2025-02-11	建国記念の日
2025-02-23	天皇誕生日
2025-02-24	振替休日
2025-03-20	春分の日
2025-04-29	昭和の日
2025-05-03	憲法記念日
2025-05-04	みどりの日
2025-05-05	こどもの日
2025-05-06	振替休日
2025-07-21	海の日
2025-08-11	山の日
2025-09-15	敬老の日
2025-09-23	秋分の日
2025-10-13	スポーツの日
2025-11-03	文化の日
2025-11-23	勤労感謝の日
2025-11-24	振替休日'
[ "$out" = "$expect" ] || { printf '%s\n' "$out"; fail "2025 differs"; }
out=$("$KOYOMI" holidays 2025)
expect=$(printf '%s\n' "$expect" | sed 's/	振替休日$/	休日/')
[ "$out" = "$expect" ] || { printf '%s\n' "$out"; fail "2025 (Cabinet names) differs"; }

out=$("$KOYOMI" holidays 2026 2026)
expect='2026-01-01	元日
2026-01-12	成人の日
2026-02-11	建国記念の日
2026-02-23	天皇誕生日
2026-03-20	春分の日
2026-04-29	昭和の日
2026-05-03	憲法記念日
2026-05-04	みどりの日
2026-05-05	こどもの日
2026-05-06	休日
2026-07-20	海の日
2026-08-11	山の日
2026-09-21	敬老の日
2026-09-22	休日
2026-09-23	秋分の日
2026-10-12	スポーツの日
2026-11-03	文化の日
2026-11-23	勤労感謝の日'
[ "$out" = "$expect" ] || { printf '%s\n' "$out"; fail "2026 differs"; }

# The law's first year: only the days after 1948-07-20.
out=$("$KOYOMI" holidays 1948)
expect='1948-09-23	秋分の日
1948-11-03	文化の日
1948-11-23	勤労感謝の日'
[ "$out" = "$expect" ] || { printf '%s\n' "$out"; fail "1948 differs"; }

# Counts: the Cabinet Office list has 1067 rows for 1955–2027; 2028,
# 2029 and 2030 have 16, 19 and 19 (counted by hand from the law).
n=$("$KOYOMI" holidays 1955 2027 | wc -l)
[ "$n" -eq 1067 ] || fail "1955-2027: $n rows, want 1067"
n=$("$KOYOMI" holidays 1955 2030 | wc -l)
[ "$n" -eq 1121 ] || fail "1955-2030: $n rows, want 1121"
n=$("$KOYOMI" holidays 2019 | grep -c '休日（祝日扱い）')
[ "$n" -eq 2 ] || fail "2019: $n special days, want 2"
# The Cabinet list's names in 2019: 4/30 and 5/2 休日, 10/14 under both names.
out=$("$KOYOMI" holidays 2019 | grep -E '^2019-(04-30|05-0[12]|10-14)')
expect='2019-04-30	休日
2019-05-01	休日（祝日扱い）
2019-05-02	休日
2019-10-14	体育の日（スポーツの日）'
[ "$out" = "$expect" ] || { printf '%s\n' "$out"; fail "2019 names differ"; }
out=$("$KOYOMI" holidays --detail 2019 | grep -E '^2019-(04-30|10-14)')
expect='2019-04-30	国民の休日
2019-10-14	体育の日'
[ "$out" = "$expect" ] || { printf '%s\n' "$out"; fail "2019 --detail names differ"; }

# Every line is DATE<TAB>NAME, strictly rising, over the whole range.
all=$("$KOYOMI" holidays 1948 2099)
bad=$(printf '%s\n' "$all" | grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}	[^	]+$' || true)
[ "$bad" -eq 0 ] || fail "$bad malformed lines"
dates=$(printf '%s\n' "$all" | cut -f1)
[ "$(printf '%s\n' "$dates" | sort -u)" = "$dates" ] ||
    fail "not sorted or duplicated"
[ "$(printf '%s\n' "$dates" | tail -n 1)" = 2099-11-23 ] ||
    fail "last holiday is not 2099-11-23"

for args in "" "--detail" "--bogus 2025" "abc" "1900" "1947" "2100" "2025 2100" "2025 2024" \
    "2025 2026 2027" "2025x" "-2025" " "; do
	set +e
	# shellcheck disable=SC2086
	"$KOYOMI" holidays $args >out.txt 2>err.txt
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "holidays '$args': exit $rc, want 2"
	[ -s err.txt ] || fail "holidays '$args': no message on stderr"
	[ ! -s out.txt ] || fail "holidays '$args': wrote to stdout"
done
"$KOYOMI" holidays 1900 2>err.txt || true
grep -q '1948\.\.2099' err.txt || fail "range not named in the message"
echo "holidays: ok"
