#!/bin/sh
# make run: the daemon on the shipped rules, a local database and a local
# mail folder under ./var, listening on 127.0.0.1:8080. Ctrl-C stops it.
set -eu
BIN=${1:-build/normal/koyomi}
mkdir -p var/mail
chmod 700 var
"$BIN" -c etc/koyomi.conf check
echo "koyomi: mail goes to ./var/mail (a Maildir); database ./var/koyomi.db"
exec "$BIN" -c etc/koyomi.conf run --print-urls
