#!/bin/sh
# Soak (not a test): the daemon under steady use for $SOAK_SECONDS
# (default 1800), loopback only, every loop bounded by the duration:
#   - wrk (1 thread, 16 connections) on the public feed and 16 on a
#     private feed, the whole time;
#   - a steady reminder flow: bench/soak/flow.py writes a rule file whose
#     deadlines fall due once a minute over the run, each reminding 15
#     organisations at once (mail to a Maildir, a webhook to a local
#     receiver), so ~15 mails and ~15 webhooks a minute;
#   - a reload every 10 s (SIGHUP; every 6th time the flow file is
#     rewritten first, so some reloads change the rules);
#   - every 10 s a sample: VmRSS, open fds, /healthz status.
# Prints the samples as TSV to $OUT/soak.tsv and a summary: RSS and fds
# first / max / last, wrk errors, reminders expected and delivered.
# Usage: sh bench/soak/run.sh   (KOYOMI names the binary; SOAK_SECONDS)
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DUR=${SOAK_SECONDS:-1800}
W=${W:-/tmp/koyomi-soak}
OUT=${OUT:-$W/results}
PORT=28381 HOOK=28382
U=http://127.0.0.1:$PORT
PY=/usr/bin/python3
rm -rf "$W"
mkdir -p "$W/rules" "$OUT"
cp "${KOYOMI:-$SRC/build/normal/koyomi}" "$W/koyomi" || exit 1
K=$W/koyomi
KPID="" RPID="" W1="" W2=""
cleanup() {
	for p in $W1 $W2 $KPID $RPID; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT INT TERM

$PY "$SRC/bench/scale/gen.py" 200 "$W/rules" >/dev/null
$PY "$SRC/bench/soak/flow.py" "$W/rules/flow.yaml" "$DUR" 0
cat > "$W/koyomi.conf" <<EOF
listen: 127.0.0.1:$PORT
base_url: $U
database: $W/koyomi.db
rules: $W/rules
timezone: Asia/Tokyo
window: "00:00-24:00"
mail_transport: maildir:$W/mail
secret_key_file: $W/secret.key
webhooks:
  - {id: soak, url: "http://127.0.0.1:$HOOK/ok", secrets: ["whsec_c29hay1zb2FrLXNvYWstc29hay1zb2FrLXNvYWs="]}
EOF
$PY "$SRC/tests/integration/lib_receivers.py" http $HOOK "$W/hooks" \
    whsec_c29hay1zb2FrLXNvYWstc29hay1zb2FrLXNvYWs= >/dev/null 2>&1 &
RPID=$!
TOK=$("$K" -c "$W/koyomi.conf" feed-token add org-00001 | awk '{print $NF}' | tail -1)
"$K" -c "$W/koyomi.conf" run > "$W/koyomi.log" 2>&1 &
KPID=$!
i=0
until curl -sf -o /dev/null "$U/healthz"; do
	i=$((i + 1)); [ $i -gt 600 ] && { echo "daemon did not start"; exit 1; }
	sleep 0.1
done
PRIV=$(echo "$TOK" | sed "s#^.*/feeds/#$U/feeds/#")
wrk -t1 -c16 -d"${DUR}s" --timeout 10s "$U/feeds/scale.ics" > "$OUT/wrk-public.txt" 2>&1 &
W1=$!
wrk -t1 -c16 -d"${DUR}s" --timeout 10s "$PRIV" > "$OUT/wrk-private.txt" 2>&1 &
W2=$!
printf 't\trss_kb\tfds\thealthz\n' > "$OUT/soak.tsv"
t0=$(date +%s)
n=0
while [ $(( $(date +%s) - t0 )) -lt "$DUR" ] && [ $n -lt $((DUR / 10 + 10)) ]; do
	n=$((n + 1))
	sleep 10
	kill -0 "$KPID" 2>/dev/null || { echo "daemon died"; break; }
	if [ $((n % 6)) -eq 0 ]; then
		$PY "$SRC/bench/soak/flow.py" "$W/rules/flow.yaml" "$DUR" "$n"
	fi
	kill -HUP "$KPID"
	rss=$(awk '/^VmRSS/ {print $2}' "/proc/$KPID/status")
	fds=$(ls "/proc/$KPID/fd" | wc -l)
	hz=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$U/healthz")
	printf '%d\t%s\t%s\t%s\n' $(( $(date +%s) - t0 )) "$rss" "$fds" "$hz" >> "$OUT/soak.tsv"
done
wait "$W1" "$W2" 2>/dev/null
sleep 30	# the last reminders' deliveries
mails=$(ls "$W/mail/new" 2>/dev/null | wc -l)
hooks=$(grep -c '"status": 204' "$W/hooks/hooks.jsonl" 2>/dev/null || echo 0)
due=$($PY "$SRC/bench/soak/flow.py" --count "$DUR")
kill -TERM "$KPID"; wait "$KPID"; rc=$?; KPID=""
echo "exit status after SIGTERM: $rc"
awk -F'\t' 'NR == 2 { r0 = $2; f0 = $3 } NR > 1 { if ($2 > rm) rm = $2;
	if ($3 > fm) fm = $3; r = $2; f = $3; if ($4 != 200) bad++ }
	END { printf "samples %d; RSS KB first %d max %d last %d; fds first %d max %d last %d; /healthz not 200: %d\n",
	    NR - 1, r0, rm, r, f0, fm, f, bad + 0 }' "$OUT/soak.tsv"
for f in public private; do
	printf '%s: ' "$f"
	grep -E 'requests in|Non-2xx|Socket errors' "$OUT/wrk-$f.txt" | tr '\n' ' '
	echo
done
echo "reminders due in the run: $due x 15 organisations; mails delivered: $mails; webhooks 204: $hooks"
grep -c 'reload' "$W/koyomi.log" | sed 's/^/log lines with "reload": /'
