#!/bin/sh
# feeds_http: GET/HEAD of public and private feeds through the real daemon
# on 127.0.0.1: 200 with validators, 304 for If-None-Match and
# If-Modified-Since, HEAD, gzip (inflates to the plain bytes), the bytes
# `koyomi feed` prints, 404 (unknown, traversal attempts, bad or rotated
# or revoked tokens), 405 with Allow.
set -u
. "${KOYOMI_SRC:?}/tests/integration/lib.sh"

mkdir -p rules
{
	cat <<'EOF'
organisations:
  - {id: mhlw, name: 厚生労働省, type: ministry}
  - {id: pref-a, name: Ａ県, type: prefecture}
EOF
	cycle_t 参加意向調査 5月15日 "[pref-a]"
} > rules/t.yaml
write_conf

start

# 200 with validators, same bytes as the CLI.
curl -s -D h1 -o plain.ics "$U/feeds/test.ics"
[ "$(head -1 h1 | tr -d '\r')" = "HTTP/1.1 200 OK" ] && ok 200 || fail "GET: $(head -1 h1)"
[ "$(hdr h1 Content-Type)" = "text/calendar; charset=utf-8" ] && ok ctype || fail "Content-Type: $(hdr h1 Content-Type)"
ETAG=$(hdr h1 ETag); LM=$(hdr h1 Last-Modified)
case "$ETAG" in '"'*'"') ok "etag $ETAG" ;; *) fail "ETag: $ETAG" ;; esac
[ -n "$LM" ] && ok "last-modified $LM" || fail "no Last-Modified"
case "$(hdr h1 Cache-Control)" in public*max-age=*) ok cache-control ;; *) fail "Cache-Control: $(hdr h1 Cache-Control)" ;; esac
head -c 17 plain.ics | grep -q 'BEGIN:VCALENDAR' && ok body || fail "body"
"$K" -c koyomi.conf feed test > cli.ics 2>/dev/null
cmp -s cli.ics plain.ics && ok "koyomi feed prints the served bytes" || fail "koyomi feed differs from HTTP"

# Conditional requests.
[ "$(code -H "If-None-Match: $ETAG" "$U/feeds/test.ics")" = 304 ] && ok "304 INM" || fail "If-None-Match not 304"
[ "$(code -H "If-None-Match: \"nope\", $ETAG" "$U/feeds/test.ics")" = 304 ] && ok "304 INM list" || fail "INM list not 304"
[ "$(code -H 'If-None-Match: "nope"' "$U/feeds/test.ics")" = 200 ] && ok "200 other tag" || fail "other tag not 200"
[ "$(code -H "If-Modified-Since: $LM" "$U/feeds/test.ics")" = 304 ] && ok "304 IMS" || fail "If-Modified-Since not 304"
[ "$(code -H 'If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT' "$U/feeds/test.ics")" = 200 ] && ok "200 old IMS" || fail "old IMS not 200"
# The obsolete HTTP-date forms (RFC 9110 5.6.7) count as well.
[ "$(code -H 'If-Modified-Since: Friday, 31-Dec-99 23:59:59 GMT' "$U/feeds/test.ics")" = 200 ] && ok "200 old RFC 850 IMS" || fail "old RFC 850 IMS not 200"
[ "$(code -H 'If-Modified-Since: Friday, 31-Dec-37 23:59:59 GMT' "$U/feeds/test.ics")" = 304 ] && ok "304 RFC 850 IMS" || fail "RFC 850 If-Modified-Since not 304"
[ "$(code -H 'If-Modified-Since: Thu Dec 31 23:59:59 2037' "$U/feeds/test.ics")" = 304 ] && ok "304 asctime IMS" || fail "asctime If-Modified-Since not 304"
curl -s -D h304 -o b304 -H "If-None-Match: $ETAG" "$U/feeds/test.ics"
[ ! -s b304 ] && [ "$(hdr h304 ETag)" = "$ETAG" ] && ok "304 has ETag, no body" || fail "304 body or ETag"

# HEAD: headers of the GET, no body.
curl -s -I -o hhead "$U/feeds/test.ics"
curl -s -X HEAD -o bhead "$U/feeds/test.ics" --max-time 5 2>/dev/null
[ "$(head -1 hhead | tr -d '\r')" = "HTTP/1.1 200 OK" ] && ok HEAD || fail "HEAD: $(head -1 hhead)"
[ "$(hdr hhead Content-Length)" = "$(wc -c < plain.ics | tr -d ' ')" ] && ok "HEAD length" || fail "HEAD Content-Length $(hdr hhead Content-Length)"
[ ! -s bhead ] && ok "HEAD no body" || fail "HEAD sent a body"

# gzip: inflates to exactly the plain bytes, with its own ETag.
curl -s -D hgz -o gz.bin -H 'Accept-Encoding: gzip' "$U/feeds/test.ics"
[ "$(hdr hgz Content-Encoding)" = gzip ] && ok gzip || fail "Content-Encoding: $(hdr hgz Content-Encoding)"
hdr hgz Vary | grep -qi accept-encoding && ok vary || fail "Vary: $(hdr hgz Vary)"
gzip -dc < gz.bin > gz.ics && cmp -s gz.ics plain.ics && ok "gzip inflates to plain" || fail "gzip body differs"
[ "$(hdr hgz ETag)" != "$ETAG" ] && ok "gzip etag differs" || fail "gzip ETag equals identity ETag"
[ "$(curl -s -o nogz -w '%{http_code}' -H 'Accept-Encoding: gzip;q=0' "$U/feeds/test.ics")" = 200 ] && cmp -s nogz plain.ics && ok "q=0 identity" || fail "gzip;q=0 not identity"
# q=0 refuses gzip even when a star accepts the rest (RFC 9110 12.5.3).
[ "$(curl -s -o nogz2 -w '%{http_code}' -H 'Accept-Encoding: gzip;q=0, *' "$U/feeds/test.ics")" = 200 ] && cmp -s nogz2 plain.ics && ok "gzip;q=0, * is identity" || fail "gzip;q=0, * not identity"
[ "$(code -H 'Accept-Encoding: identity;q=0, gzip;q=0' "$U/feeds/test.ics")" = 406 ] && ok "406 when nothing is acceptable" || fail "identity;q=0, gzip;q=0 not 406"

# 404s: unknown, malformed, traversal (never the filesystem).
for p in /feeds/nosuch.ics /feeds/test /feeds/.ics /feeds/test.ics.bak \
    /feeds/..%2f..%2fetc%2fpasswd /feeds/%2e%2e/etc/passwd \
    /feeds/%2e%2e%2fetc%2fpasswd.ics /feeds/private/ /feeds/private/x.ics \
    /feeds/private/../test.ics; do
	c=$(curl -s --path-as-is -D h404 -o b404 -w '%{http_code}' "$U$p")
	[ "$c" = 404 ] && ok "404 $p" || fail "$p gave $c"
	grep -q '"error"' b404 || fail "$p: no JSON error"
	grep -q root: b404 && fail "$p leaked a file"
done
c=$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$U/feeds/../etc/passwd")
[ "$c" = 404 ] && ok "404 raw ../" || fail "raw ../ gave $c"

# 405 with Allow.
c=$(curl -s -D h405 -o /dev/null -w '%{http_code}' -X POST "$U/feeds/test.ics")
[ "$c" = 405 ] && ok 405 || fail "POST gave $c"
hdr h405 Allow | grep -q GET && ok "Allow: $(hdr h405 Allow)" || fail "Allow: $(hdr h405 Allow)"

# Private feeds: add, serve, rotate, revoke. A wrong token is 404, not 403.
"$K" -c koyomi.conf feed-token add pref-a > tok1 2>tok.err || fail "feed-token add: $(cat tok.err)"
grep -q "^webcal://127.0.0.1:$PORT/feeds/private/" tok1 && ok webcal || fail "no webcal URL: $(cat tok1)"
P1=$(grep "^http://" tok1)
[ -n "$P1" ] || fail "no http URL"
curl -s -D hp -o priv.ics "$P1"
[ "$(head -1 hp | tr -d '\r')" = "HTTP/1.1 200 OK" ] && ok "private 200" || fail "private: $(head -1 hp)"
grep -q '【締切】参加意向調査' priv.ics && ok "private has the deadline" || fail "private lacks the deadline"
case "$(hdr hp Cache-Control)" in private*) ok "private cache-control" ;; *) fail "private Cache-Control: $(hdr hp Cache-Control)" ;; esac
# Completing a task from the command line shows as 【提出済】 in the
# private feed (the daemon notices the database change), with a new ETag.
PE=$(hdr hp ETag)
ID=$("$K" -c koyomi.conf tasks --assignee pref-a --format json |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["tasks"][0]["id"])')
"$K" -c koyomi.conf done "$ID" --by feeds-test > /dev/null || fail "koyomi done $ID"
i=0
until curl -s "$P1" | grep -q '【締切】【提出済】参加意向調査'; do
	i=$((i + 1))
	[ $i -gt 50 ] && { fail "private feed never showed 【提出済】"; break; }
	sleep 0.2
done
curl -s -D hp2 -o priv2.ics "$P1"
grep -q "URL:$U/tasks/$ID" priv2.ics && ok "done task links its dashboard page" || fail "no /tasks/$ID URL"
[ "$(hdr hp2 ETag)" != "$PE" ] && ok "private ETag changed" || fail "private ETag unchanged after done"
"$K" -c koyomi.conf feed-token add pref-a > /dev/null 2>&1 && fail "second add succeeded"
"$K" -c koyomi.conf feed-token add nosuch-org > /dev/null 2>&1 && fail "token for unknown org"
# The token's first character changed (to A, or to B when it is A).
BAD=$(echo "$P1" | sed 's|/private/A|/private/#|; s|/private/[^#]|/private/A|; s|/private/#|/private/B|')
[ "$BAD" != "$P1" ] || fail "the wrong token equals the right one"
[ "$(code "$BAD")" = 404 ] && ok "wrong token 404" || fail "wrong token gave $(code "$BAD")"
"$K" -c koyomi.conf feed-token rotate pref-a > tok2 2>/dev/null || fail rotate
P2=$(grep "^http://" tok2)
[ "$(code "$P1")" = 404 ] && ok "rotated-out token 404" || fail "old token still works"
[ "$(code "$P2")" = 200 ] && ok "new token 200" || fail "new token gave $(code "$P2")"
"$K" -c koyomi.conf feed-token revoke pref-a > /dev/null 2>&1 || fail revoke
[ "$(code "$P2")" = 404 ] && ok "revoked 404" || fail "revoked token still works"
grep -q "$(basename "$P2" .ics)" daemon.log && fail "a token appears in the log"

finish
