#!/bin/sh
# feeds_large: a feed larger than one socket buffer (the shipped national
# feed, >= 32 KB) comes out whole: the bytes equal what `koyomi feed`
# prints, every time, with and without keep-alive, and HEAD carries the
# right length and no body.
set -u
. "${KOYOMI_SRC:?}/tests/integration/lib.sh"
# The shipped rules, not a test file: the national feed is the big one.
write_conf
sed -i "s#^rules: .*#rules: $S/rules#" koyomi.conf
start
F=$U/feeds/national.ics
"$K" -c koyomi.conf feed national > want.ics || fail "koyomi feed national"
size=$(wc -c < want.ics)
[ "$size" -ge 32768 ] && ok "national feed: $size bytes" ||
    fail "national feed is only $size bytes: too small to span several writes"
for n in 1 2 3; do
	curl -sf "$F" -o got.ics && cmp -s want.ics got.ics &&
	    ok "GET $n: the same bytes" || fail "GET $n differs from koyomi feed"
done
# Three on one keep-alive connection.
curl -sf "$F" -o a.ics "$F" -o b.ics "$F" -o c.ics || fail "keep-alive GETs"
for f in a b c; do
	cmp -s want.ics $f.ics && ok "keep-alive $f: the same bytes" ||
	    fail "keep-alive $f.ics differs"
done
len=$(curl -sfI "$F" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "content-length" { print $2 }')
[ "$len" = "$size" ] && ok "HEAD Content-Length $len" ||
    fail "HEAD Content-Length $len, want $size"
[ -z "$(curl -sf -X HEAD "$F" --max-time 2 || true)" ] && ok "HEAD: no body" ||
    fail "HEAD sent a body"
finish
