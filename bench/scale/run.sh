#!/bin/sh
# Scale benchmark (not a test). For each N in the arguments, else in
# $SIZES (default "100 500 1000 2000"), it generates a rules folder with bench/scale/gen.py
# (N organisations + N contacts, 30 deadlines assigned to all, 10 fiscal
# years) and measures, on loopback:
#   check     `koyomi check DIR` (median of 3)
#   plan      `koyomi plan --fy 2026 DIR` (median of 3)
#   start0    daemon start on an empty database → first 200 from /healthz
#   sync0     the same start → its "tasks: … created" line: every task
#             (30 × N × 4 fiscal years) written, in steps between requests
#   ready1    restart on the filled database → "ready" log line
#   cpu1      CPU time (user + system) the daemon used up to that line,
#             in ms: less noisy than wall time on a shared machine
#   start1    restart on the filled database → first 200 from /healthz
#   rss       VmRSS of the daemon after start, reload and its rescan
#             (/proc/PID/status)
#   reload    SIGHUP → "reload (SIGHUP)" log line, while wrk hammers
#             /healthz and /feeds/scale.ics (8 connections each, for start1 + 6 s)
#   back      SIGHUP → /healthz answers again (the reload's task
#             reconciliation and reminder rescan run on the event loop)
#   wrk       requests, errors (connect/read/write/timeout + non-2xx) and
#             max latency of both wrk runs around that reload
#   feed      `koyomi feed scale` (public) and the first GET of one private
#             feed (/feeds/private/TOKEN.ics, built on demand)
#   feeds/s   wrk 8 s, 64 connections, on /feeds/scale.ics (N = last size)
# Writes TSV to $OUT/scale.tsv and a markdown table to stdout. Times are
# seconds. Needs wrk, curl, python3. KOYOMI names the binary (default
# build/normal/koyomi; copied first so a rebuild does not swap it mid-run).
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SIZES=${SIZES:-"100 500 1000 2000"}
[ $# -gt 0 ] && SIZES="$*"
W=${W:-/tmp/koyomi-bench-scale}
OUT=${OUT:-$W/results}
PORT=28281
U=http://127.0.0.1:$PORT
rm -rf "$W"
mkdir -p "$W" "$OUT"
cp "${KOYOMI:-$SRC/build/normal/koyomi}" "$W/koyomi" || exit 1
K=$W/koyomi
KPID=""
cleanup() { [ -n "$KPID" ] && kill "$KPID" 2>/dev/null; }
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
since() { printf "%.3f\n" "$(echo "$(now) - $1" | bc)"; }
median3() { sort -n | sed -n 2p; }
# Runs "$@" 3 times, prints the median wall time.
time3() {
	for _ in 1 2 3; do
		t=$(now); "$@" >/dev/null 2>&1; since "$t"
	done | median3
}
# Waits (bounded: 120 s) for a 200 from /healthz.
wait_healthz() {
	i=0
	until [ "$(curl -s -o /dev/null -w '%{http_code}' -m 5 $U/healthz)" = 200 ]; do
		i=$((i + 1)); [ $i -gt 12000 ] && return 1
		kill -0 "$KPID" 2>/dev/null || return 1
		sleep 0.01
	done
}
# Waits (bounded: 120 s) until file $1 has a line matching $2.
wait_log() {
	i=0
	until grep -q "$2" "$1"; do
		i=$((i + 1)); [ $i -gt 12000 ] && return 1
		kill -0 "$KPID" 2>/dev/null || return 1
		sleep 0.01
	done
}
# CPU time of $KPID so far (utime + stime), in ms.
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' \
	    "/proc/$KPID/stat"
}
start() {	# $1 log file; sets KPID, T0, T_READY, C_READY and T_HEALTHZ
	t=$(now)
	T0=$t
	"$K" -c "$W/koyomi.conf" run > "$1" 2>&1 &
	KPID=$!
	wait_log "$1" "info: ready" || { cat "$1" >&2; exit 1; }
	T_READY=$(since "$t")
	C_READY=$(cpu_ms)
	wait_healthz || { cat "$1" >&2; exit 1; }
	T_HEALTHZ=$(since "$t")
}
stop() {
	kill "$KPID"
	i=0
	while kill -0 "$KPID" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 3000 ] && break
		sleep 0.01
	done
	KPID=""
}
# wrk summary: "requests errors maxlatency"
wrk_sum() {
	awk '/requests in/ { req = $1 }
	    /Socket errors/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
	    /Non-2xx/ { err += $NF }
	    /Latency/ { max = $4 }
	    END { printf "%s %d %s\n", req, err, max }' "$1"
}

printf 'N\ttasks\tcheck\tplan\tstart0\tsync0\tready1\tcpu1\tstart1\trss_mb\treload\tback\twrk_req\twrk_err\twrk_max\tfeed_pub\tfeed_priv\n' \
    > "$OUT/scale.tsv"
for N in $SIZES; do
	R=$W/rules-$N
	/usr/bin/python3 "$SRC/bench/scale/gen.py" "$N" "$R"
	rm -f "$W"/koyomi.db*
	cat > "$W/koyomi.conf" <<CONF
listen: 127.0.0.1:$PORT
base_url: $U
database: $W/koyomi.db
rules: $R
timezone: Asia/Tokyo
mail_transport: maildir:$W/mail
secret_key_file: $W/secret.key
max_connections: 2048
CONF
	check=$(time3 "$K" check "$R")
	plan=$(time3 "$K" plan --fy 2026 "$R")
	start "$W/run0-$N.log"
	start0=$T_HEALTHZ
	# The tasks are written in steps while HTTP is served: wait for the
	# last one (its log line) before the restart.
	wait_log "$W/run0-$N.log" "info: tasks: " || exit 1
	sync0=$(since "$T0")
	stop
	tok=$("$K" -c "$W/koyomi.conf" feed-token add org-00000 2>/dev/null |
	    sed -n 's,^http.*/feeds/private/\(.*\)\.ics$,\1,p' | head -1)
	start "$W/run1-$N.log"
	ready1=$T_READY cpu1=$C_READY start1=$T_HEALTHZ
	ntasks=$(curl -s $U/metrics | awk '/^koyomi_tasks[{ ]/ { s += $NF } END { print s + 0 }')
	curl -s -o /dev/null $U/feeds/scale.ics	# warm the public feed
	# Long enough to cover the reload and the rescan after it (about as
	# long as the restart's), so requests stuck behind them are counted.
	dur=$((${start1%.*} + 6))s
	wrk -t1 -c8 -d$dur --timeout 60s $U/healthz > "$W/wrk-h-$N.txt" 2>&1 &
	w1=$!
	wrk -t1 -c8 -d$dur --timeout 60s $U/feeds/scale.ics > "$W/wrk-f-$N.txt" 2>&1 &
	w2=$!
	sleep 1
	t=$(now)
	kill -HUP "$KPID"
	wait_log "$W/run1-$N.log" "reload (SIGHUP)" || exit 1
	reload=$(since "$t")
	wait_healthz || exit 1
	back=$(since "$t")
	wait $w1 $w2
	set -- $(wrk_sum "$W/wrk-h-$N.txt")
	req=$1 err=$2 max=$3
	set -- $(wrk_sum "$W/wrk-f-$N.txt")
	req="$req+$1" err=$((err + $2)) max="$max/$3"
	rss=$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' /proc/$KPID/status)
	pub=$(time3 "$K" -c "$W/koyomi.conf" feed scale)
	priv=-
	if [ -n "$tok" ]; then
		wait_healthz
		priv=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' \
		    "$U/feeds/private/$tok.ics")
		case $priv in 200\ *) priv=${priv#200 } ;; *) priv="HTTP $priv" ;; esac
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
	    "$N" "$ntasks" "$check" "$plan" "$start0" "$sync0" "$ready1" "$cpu1" "$start1" "$rss" \
	    "$reload" "$back" "$req" "$err" "$max" "$pub" "$priv" >> "$OUT/scale.tsv"
	LAST=$N
	if [ "$N" = "$(echo $SIZES | awk '{ print $NF }')" ]; then
		wrk -t1 -c64 -d8s $U/feeds/scale.ics > "$W/wrk-headroom.txt" 2>&1
		FSIZE=$(curl -s -o /dev/null -w '%{size_download}' $U/feeds/scale.ics)
		FGZ=$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' $U/feeds/scale.ics)
	fi
	stop
done
column -t "$OUT/scale.tsv"
echo
echo "headroom (N=$LAST, /feeds/scale.ics, $FSIZE bytes, $FGZ gzipped; wrk sends no Accept-Encoding):"
grep -E "Requests/sec|Latency|requests in|Non-2xx|Socket" "$W/wrk-headroom.txt"
