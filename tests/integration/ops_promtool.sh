#!/bin/sh
# ops_promtool: the suggested alert rules (docs/prometheus-alerts.yml) pass
# `promtool check rules`, every metric they use is one the daemon exposes,
# and the daemon's live /metrics passes `promtool check metrics` (after a
# few requests, so labelled series such as http_requests_total exist).
set -u
. "${KOYOMI_SRC:?}/tests/integration/lib.sh"
command -v promtool >/dev/null || { echo "FAIL: promtool missing (Debian package prometheus)"; exit 1; }

if promtool check rules "$S/docs/prometheus-alerts.yml"; then
	ok "promtool check rules docs/prometheus-alerts.yml"
else
	fail "promtool check rules docs/prometheus-alerts.yml"
fi

mkdir -p rules
{
	cat <<'Y'
organisations:
  - {id: mhlw, name: 厚生労働省, type: ministry}
  - {id: pref-a, name: Ａ県, type: prefecture}
contacts:
  - {id: c-a, org: pref-a, name: Ａ県担当, mail: a@pref-a.example.jp}
Y
	cycle_t 参加意向調査 5月15日 "[pref-a]"
} > rules/t.yaml
write_conf
start
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
finish
