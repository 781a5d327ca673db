#!/bin/sh
# Feed serving benchmark (not a test). In one run, on loopback: koyomi's
# /feeds/NAME.ics, nginx serving the very bytes `koyomi feed NAME` printed
# (identity with ETag/304, gzip_static with a gzip -9 copy), and Radicale
# holding the same calendar (it has no 304 and no gzip: 200 only), for a
# ~50 KB and a ~500 KB feed at 64 and 256 connections, `wrk -t1` as in
# /work/shared/baselines. Writes TSV to $OUT/wrk.tsv and a markdown table
# with ratios to stdout.
#
# Needs: wrk, nginx, radicale, curl, python3. Usage:
#   sh bench/feeds/run.sh [REPS] [DURATION]      (defaults 1 and 5s)
# KOYOMI names the binary (default build/normal/koyomi). Every server is
# stopped by its PID at the end.
set -u
REPS=${1:-1}
DUR=${2:-5s}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
KOYOMI=${KOYOMI:-$SRC/build/normal/koyomi}
W=/tmp/koyomi-bench-feeds
OUT=${OUT:-$W/results}
PY=/usr/bin/python3
KP=28180 NP=28181 RP=28182
rm -rf "$W"
mkdir -p "$W/rules" "$W/data" "$W/nginx" "$W/radicale" "$OUT/raw"
KPID="" RPID=""
cleanup() {
	[ -n "$KPID" ] && kill "$KPID" 2>/dev/null
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null
	[ -f "$W/nginx/nginx.pid" ] && kill -QUIT "$(cat "$W/nginx/nginx.pid")" 2>/dev/null
}
trap cleanup EXIT INT TERM

$PY "$SRC/bench/feeds/gen_rules.py" "$W/rules/bench.yaml"
cat > "$W/koyomi.conf" <<EOF
listen: 127.0.0.1:$KP
base_url: http://127.0.0.1:$KP
database: $W/koyomi.db
rules: $W/rules
timezone: Asia/Tokyo
mail_transport: maildir:$W/mail
secret_key_file: $W/secret.key
max_connections: 2048
EOF
"$KOYOMI" -c "$W/koyomi.conf" run > "$W/koyomi.log" 2>&1 &
KPID=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$KP/healthz"; do
	i=$((i + 1)); [ $i -gt 100 ] && { cat "$W/koyomi.log"; exit 1; }
	sleep 0.1
done
for f in f50 f500; do
	"$KOYOMI" -c "$W/koyomi.conf" feed $f > "$W/data/$f.ics" 2>/dev/null
	gzip -9 -k -n "$W/data/$f.ics"
	# The file must be what the daemon serves, byte for byte.
	curl -s "http://127.0.0.1:$KP/feeds/$f.ics" | cmp -s - "$W/data/$f.ics" ||
	    { echo "koyomi feed $f differs from HTTP"; exit 1; }
done
nginx -p "$W/nginx/" -c "$SRC/bench/feeds/nginx.conf" -g 'worker_processes 1;' ||
    exit 1
cat > "$W/radicale.conf" <<EOF
[server]
hosts = 127.0.0.1:$RP
max_connections = 8
timeout = 30
[auth]
type = none
[rights]
type = authenticated
[storage]
type = multifilesystem
filesystem_folder = $W/radicale/collections
[web]
type = none
[logging]
level = warning
EOF
radicale --config "$W/radicale.conf" > "$W/radicale.log" 2>&1 &
RPID=$!
sleep 2
curl -s -o /dev/null -X MKCOL "http://127.0.0.1:$RP/bench/"
for f in f50 f500; do
	curl -s -o /dev/null -w "radicale PUT $f %{http_code}\n" -X PUT \
	    -H 'Content-Type: text/calendar; charset=utf-8' \
	    --data-binary @"$W/data/$f.ics" "http://127.0.0.1:$RP/bench/$f/"
done

etag() { curl -sI "$1" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}'; }
# one SERVER TEST SIZE CONNS REP wrk-args…: appends a TSV row.
one() {
	s=$1 t=$2 z=$3 c=$4 r=$5; shift 5
	sleep 1
	raw="$OUT/raw/$s-$t-$z-c$c-r$r.txt"
	wrk --latency -t1 -c"$c" -d"$DUR" --timeout 10s "$@" > "$raw" 2>&1
	awk -v s="$s" -v t="$t" -v z="$z" -v c="$c" -v r="$r" '
	    /^Requests\/sec/ {rps=$2} /^     50%/ {p50=$2} /^     99%/ {p99=$2}
	    /Non-2xx or 3xx/ {n2=$NF} /Socket errors/ {e=$0}
	    END {printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s,t,z,c,r,rps,p50,p99,
	        (n2==""?0:n2) (e==""?"":";" e)}' "$raw" >> "$OUT/wrk.tsv"
	tail -n 1 "$OUT/wrk.tsv"
}
: > "$OUT/wrk.tsv"
for r in $(seq "$REPS"); do
	for z in f50 f500; do
		KU="http://127.0.0.1:$KP/feeds/$z.ics"
		NU="http://127.0.0.1:$NP/$z.ics"
		KE=$(etag "$KU") NE=$(etag "$NU")
		for c in 64 256; do
			one koyomi 200 $z $c $r "$KU"
			one nginx 200 $z $c $r "$NU"
			one koyomi 304 $z $c $r -H "If-None-Match: $KE" "$KU"
			one nginx 304 $z $c $r -H "If-None-Match: $NE" "$NU"
			one koyomi gzip $z $c $r -H 'Accept-Encoding: gzip' "$KU"
			one nginx gzip $z $c $r -H 'Accept-Encoding: gzip' "$NU"
			one radicale 200 $z $c $r "http://127.0.0.1:$RP/bench/$z/"
		done
	done
done
$PY - "$OUT/wrk.tsv" "$W/data" <<'EOF'
import os, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
cell = {}
for s, t, z, c, r, rps, p50, p99, err in rows:
    cell.setdefault((s, t, z, c), []).append(float(rps or 0))
med = {k: statistics.median(v) for k, v in cell.items()}
size = {z: os.path.getsize(os.path.join(sys.argv[2], z + ".ics"))
        for z in ("f50", "f500")}
gz = {z: os.path.getsize(os.path.join(sys.argv[2], z + ".ics.gz"))
      for z in ("f50", "f500")}
print("| test | feed | conns | koyomi req/s | nginx req/s | koyomi/nginx |"
      " Radicale req/s | koyomi/Radicale |")
print("|---|---|---|---|---|---|---|---|")
for z in ("f50", "f500"):
    for t in ("200", "304", "gzip"):
        for c in ("64", "256"):
            k = med.get(("koyomi", t, z, c), 0)
            n = med.get(("nginx", t, z, c), 0)
            rad = med.get(("radicale", "200", z, c), 0) if t == "200" else 0
            label = {"200": "200 identity", "304": "304 If-None-Match",
                     "gzip": "200 gzip"}[t]
            print(f"| {label} | {size[z] / 1000:.0f} KB"
                  f"{' (gz ' + str(round(gz[z] / 1000, 1)) + ' KB)' if t == 'gzip' else ''}"
                  f" | {c} | {k:,.0f} | {n:,.0f} | "
                  f"{k / n if n else 0:.2f} | "
                  f"{f'{rad:,.1f}' if rad else '—'} | "
                  f"{f'{k / rad:,.0f}×' if rad else '—'} |")
EOF
