#!/bin/sh
# ops_promtool: the suggested alert rules (docs/prometheus-alerts.yml) pass
# `promtool check rules`, every metric they use is one the daemon exposes,
# and the daemon's live /metrics passes `promtool check metrics` (after a
# few requests, so labelled series such as http_requests_total exist).
set -u
K=${KOYOMI:?}
S=${KOYOMI_SRC:?}
PORT=$((20000 + $$ % 20000))
U="http://127.0.0.1:$PORT"
D=$(pwd)
fails=0
pid=""
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; }
trap cleanup EXIT
command -v promtool >/dev/null || { echo "FAIL: promtool missing (Debian package prometheus)"; exit 1; }

if promtool check rules "$S/docs/prometheus-alerts.yml"; then
	ok "promtool check rules docs/prometheus-alerts.yml"
else
	fail "promtool check rules docs/prometheus-alerts.yml"
fi

mkdir -p rules
cat > rules/t.yaml <<'Y'
organisations:
  - {id: mhlw, name: 厚生労働省, type: ministry}
  - {id: pref-a, name: Ａ県, type: prefecture}
contacts:
  - {id: c-a, org: pref-a, name: Ａ県担当, mail: a@pref-a.example.jp}
cycles:
  - id: t
    title: テスト事業
    organiser: mhlw
    items:
      - {id: m, kind: meeting, title: 全国会議, date: 6月1日, time: "13:00-17:00"}
      - {id: d, kind: deadline, title: 参加意向調査, date: 5月15日, assignees: [pref-a]}
feeds:
  - {id: test, title: テスト, cycles: [t], deadlines: true}
Y
cat > koyomi.conf <<EOF
listen: 127.0.0.1:$PORT
base_url: $U
database: $D/koyomi.db
rules: $D/rules
timezone: Asia/Tokyo
mail_transport: maildir:$D/mail
secret_key_file: $D/secret.key
EOF
"$K" -c koyomi.conf run > daemon.log 2>&1 &
pid=$!
i=0
until curl -s -o /dev/null "$U/healthz"; do
	i=$((i + 1))
	[ $i -gt 200 ] && { cat daemon.log; echo "FAIL: daemon did not start"; exit 1; }
	sleep 0.05
done
curl -s -o /dev/null "$U/feeds/test.ics"
curl -s -o /dev/null "$U/feeds/nosuch.ics"
curl -s "$U/metrics" > metrics.txt
if [ -s metrics.txt ] && promtool check metrics < metrics.txt > lint.txt 2>&1; then
	ok "promtool check metrics on a live /metrics ($(grep -c '^# TYPE' metrics.txt) families)"
else
	cat lint.txt
	fail "promtool check metrics on a live /metrics"
fi
# Every koyomi_* name an alert uses must be exposed (histograms by _bucket).
for m in $(grep -o 'koyomi_[a-z_]*' "$S/docs/prometheus-alerts.yml" | sort -u); do
	if grep -q "^$m[{ ]" metrics.txt; then
		ok "alert metric $m is exposed"
	else
		fail "alert rules use $m, which /metrics does not expose"
	fi
done
# And every family the daemon exposes is documented in docs/operations.md.
for m in $(awk '/^# TYPE/ { print $3 }' metrics.txt); do
	grep -qw "$m" "$S/docs/operations.md" || fail "$m is not in docs/operations.md"
done
[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo PASS
