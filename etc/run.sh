#!/bin/sh
# make run: the daemon on the shipped rules, a local database and a local
# mail folder under ./var, listening on 127.0.0.1:8080. Ctrl-C stops it.
# On a database without an administrator it makes one and prints its
# token once, with the address to log in at.
set -eu
BIN=${1:-build/normal/koyomi}
CONF=etc/koyomi.conf
mkdir -p var/mail
chmod 700 var
"$BIN" -c "$CONF" check
url=$(sed -n 's/^base_url:[[:space:]]*//p' "$CONF" | tr -d '"' | head -n 1)
url=${url:-http://127.0.0.1:8080}
if ! "$BIN" -c "$CONF" token list | awk -F '\t' '$2 == "admin" &&
    $5 == "valid" { found = 1 } END { exit !found }'; then
	name=admin
	if "$BIN" -c "$CONF" token list | awk -F '\t' '$1 == "admin" \
	    { found = 1 } END { exit !found }'; then
		name=admin-$(date +%Y%m%d%H%M%S)
	fi
	token=$("$BIN" -c "$CONF" token add --role admin "$name" 2>/dev/null)
	cat <<MSG

  koyomi: first start. An administrator token was made ($name);
  it is shown only this once, so keep it somewhere safe:

      $token

  Open $url/login and paste it to see the dashboard.
  (Another one: $BIN -c $CONF token add --role admin NAME)

MSG
else
	echo "koyomi: dashboard at $url/ (log in with an admin token;" \
	    "new one: $BIN -c $CONF token add --role admin NAME)"
fi
echo "koyomi: mail goes to ./var/mail (a Maildir); database ./var/koyomi.db"
exec "$BIN" -c "$CONF" run --print-urls
