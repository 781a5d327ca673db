#!/bin/sh
# Notifier benchmark (not a test): the library alone, below the outbox.
# The daemon-level benchmark is bench/delivery/run.py. Needs: make, curl,
# nginx (apt-get install nginx-light). Usage: sh bench/notify/run.sh [REPS]
# Prints TSV rows: what, messages, seconds, msg/s (the outbox rows add the
# SQLite write transactions they took). Servers are stopped by PID.
set -eu
REPS=${1:-3}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d /tmp/koyomi-bench.XXXXXX)
PY=/usr/bin/python3
cd "$SRC"
make -s build/normal/koyomi build/normal/libnotify.a \
    build/normal/librules.a build/normal/libcal.a
cc -O2 -std=c17 -D_GNU_SOURCE -I. $(pkg-config --cflags libcurl) \
    -o "$W/notify_bench" bench/notify/notify_bench.c \
    build/normal/libnotify.a build/normal/libcal.a -lcurl -lssl -lcrypto -lev -lm
# The outbox (daemon/outbox/outbox.c) on top of it, with its SQLite writes.
PK="libical libcurl sqlite3 yaml-0.1 libmicrohttpd libssl libcrypto libsystemd zlib"
cc -O2 -std=c17 -D_GNU_SOURCE -I. $(pkg-config --cflags $PK) \
    -o "$W/outbox_bench" bench/notify/outbox_bench.c $(for l in cli server http chase feeds outbox core store codec; do printf "build/normal/libd_%s.a " $l; done) \
    build/normal/libnotify.a build/normal/librules.a build/normal/libcal.a \
    $(pkg-config --libs $PK) -lev -lm
outbox() {	# outbox WHAT NMAIL NHOOK: a fresh database each time
	mkdir -p "$W/ob" && rm -f "$W/ob"/koyomi.db*
	"$W/outbox_bench" "$W/ob" smtp://127.0.0.1:28025 \
	    http://127.0.0.1:28090/hook "$2" "$3" 2>/dev/null |
	    awk -v w="$1" '{print w "\t" $2 "\t" $5 "\t" $7 "\t" $9 " transactions"}'
}
$PY "$SRC/bench/notify/payloads.py" "$W"
# The counting sink of bench/delivery (answers at once, stores nothing).
$PY "$SRC/bench/delivery/smtp_sink.py" 28025 "$W/sink.json" \
    >"$W/sink.log" 2>&1 &
AIO=$!
mkdir -p /tmp/koyomi-bench-nginx
nginx -p /tmp/koyomi-bench-nginx/ -c "$SRC/bench/notify/nginx.conf" \
    -g 'worker_processes 1;'
trap 'kill $AIO 2>/dev/null; kill -QUIT $(cat /tmp/koyomi-bench-nginx/nginx.pid) 2>/dev/null' EXIT
sleep 1.5
rate() {	# rate WHAT N SECONDS
	printf '%s\t%s\t%.3f\t%.1f\n' "$1" "$2" "$3" "$(echo "$2 / $3" | bc -l)"
}
timed() {	# timed CMD...: seconds on stdout
	t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}
curl_smtp() {
	for i in $(seq 200); do curl -sS --url smtp://127.0.0.1:28025 \
	    --mail-from reminder@ics-bench.example.jp \
	    --mail-rcpt "user$i@example.lg.jp" --upload-file "$W/msg.eml"; done
}
curl_hook() {
	for i in $(seq 500); do curl -sS -o /dev/null -X POST \
	    -H 'Content-Type: application/json' --data-binary @"$W/hook.json" \
	    http://127.0.0.1:28090/hook; done
}
for rep in $(seq "$REPS"); do
	"$W/notify_bench" smtp smtp://127.0.0.1:28025 "$W/msg.eml" 2000 1 |
	    awk '{print "koyomi-smtp-1conn\t2000\t" $5 "\t" $7}'
	"$W/notify_bench" smtp smtp://127.0.0.1:28025 "$W/msg.eml" 2000 4 |
	    awk '{print "koyomi-smtp-4conn\t2000\t" $5 "\t" $7}'
	rate smtplib-1conn 2000 "$(timed $PY "$SRC/bench/delivery/smtp_peer.py" \
	    28025 2000 1 "$W/msg.eml")"
	rate curl-per-mail 200 "$(timed curl_smtp)"
	"$W/notify_bench" hook http://127.0.0.1:28090/hook "$W/hook.json" 10000 1 |
	    awk '{print "koyomi-hook-1conn\t10000\t" $5 "\t" $7}'
	"$W/notify_bench" hook http://127.0.0.1:28090/hook "$W/hook.json" 10000 16 |
	    awk '{print "koyomi-hook-16conn\t10000\t" $5 "\t" $7}'
	rate curl-per-post 500 "$(timed curl_hook)"
	outbox koyomi-outbox-mail 2000 0
	outbox koyomi-outbox-hook 0 125
done
rm -rf "$W"
