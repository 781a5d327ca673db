#!/bin/sh
# feeds_large: a feed larger than one socket buffer (the shipped national
# feed, >= 32 KB) comes out whole: the bytes equal what `koyomi feed`
# prints, every time, with and without keep-alive, and HEAD carries the
# right length and no body.
set -eu
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p var
cat > k.conf <<CONF
listen: 127.0.0.1:$PORT
rules: $KOYOMI_SRC/rules
database: var/k.db
mail_transport: maildir:var/mail
secret_key_file: var/secret.key
CONF
"$KOYOMI" -c k.conf run > log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
i=0
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat log; exit 1; }; sleep 0.1
done
"$KOYOMI" -c k.conf feed national > want.ics
size=$(wc -c < want.ics)
[ "$size" -ge 32768 ] || { echo "national feed is only $size bytes: too small to span several writes"; exit 1; }
for n in 1 2 3; do
	curl -sf "http://127.0.0.1:$PORT/feeds/national.ics" -o got.ics
	cmp want.ics got.ics
done
# Three on one keep-alive connection.
curl -sf "http://127.0.0.1:$PORT/feeds/national.ics" -o a.ics \
    "http://127.0.0.1:$PORT/feeds/national.ics" -o b.ics \
    "http://127.0.0.1:$PORT/feeds/national.ics" -o c.ics
cmp want.ics a.ics; cmp want.ics b.ics; cmp want.ics c.ics
len=$(curl -sfI "http://127.0.0.1:$PORT/feeds/national.ics" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "content-length" { print $2 }')
[ "$len" = "$size" ] || { echo "HEAD Content-Length $len, want $size"; exit 1; }
[ -z "$(curl -sf -X HEAD "http://127.0.0.1:$PORT/feeds/national.ics" --max-time 2 || true)" ]
kill -TERM $pid
wait $pid
echo ok
