#!/bin/sh
# koyomi holidays: output format, a whole year, ranges and usage errors.
set -eu
out=$("$KOYOMI" holidays 2026)
expect='2026-01-01	元日
2026-01-12	成人の日
2026-02-11	建国記念の日
2026-02-23	天皇誕生日
2026-03-20	春分の日
2026-04-29	昭和の日
2026-05-03	憲法記念日
2026-05-04	みどりの日
2026-05-05	こどもの日
2026-05-06	振替休日
2026-07-20	海の日
2026-08-11	山の日
2026-09-21	敬老の日
2026-09-22	国民の休日
2026-09-23	秋分の日
2026-10-12	スポーツの日
2026-11-03	文化の日
2026-11-23	勤労感謝の日'
[ "$out" = "$expect" ] || { echo "2026 differs:"; echo "$out"; exit 1; }
n=$("$KOYOMI" holidays 1955 2027 | wc -l)
[ "$n" -eq 1067 ] || { echo "1955-2027: $n rows, want 1067"; exit 1; }
# Every line is DATE<TAB>NAME with a valid date, in strictly rising order.
all=$("$KOYOMI" holidays 1948 2099)
bad=$(printf '%s\n' "$all" | grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}	[^	]+$' || true)
[ "$bad" -eq 0 ] || { echo "$bad malformed lines"; exit 1; }
sorted=$(printf '%s\n' "$all" | cut -f1 | sort -u)
[ "$sorted" = "$(printf '%s\n' "$all" | cut -f1)" ] || { echo "not sorted or duplicated"; exit 1; }
for args in "" "abc" "1900" "2025 2024" "2025 2026 2027"; do
	# shellcheck disable=SC2086
	if "$KOYOMI" holidays $args >/dev/null 2>&1; then
		echo "accepted bad usage: holidays $args"; exit 1
	fi
	set +e
	# shellcheck disable=SC2086
	"$KOYOMI" holidays $args >/dev/null 2>&1
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || { echo "holidays $args: exit $rc, want 2"; exit 1; }
done
echo ok
