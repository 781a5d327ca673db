#!/bin/sh
# Install the Debian packages koyomi needs to build, run and test, only
# those missing. Through sudo when not root.
set -eu
PKGS="build-essential pkg-config libev-dev libical-dev libcurl4-openssl-dev
libsqlite3-dev libcmocka-dev libyaml-dev libmicrohttpd-dev libssl-dev
libsystemd-dev zlib1g-dev sqlite3 curl python3 python3-aiosmtpd
python3-icalendar python3-vobject python3-recurring-ical-events python3-yaml
vdirsyncer chromium fonts-ipafont-gothic faketime prometheus clang valgrind
python3-jsonschema tzdata strace systemd cppcheck clang-tidy
libgmime-3.0-dev libzip-dev postfix dovecot-core dovecot-imapd openssl
libsasl2-modules"
missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
# The npm package the webhook tests use as a second verifier of
# signatures (tests/node): needs node and the npm registry; without them
# those checks say SKIP.
npm_deps() {
	[ -d tests/node/node_modules/standardwebhooks ] && return 0
	command -v npm >/dev/null || return 0
	(cd tests/node && timeout 300 npm ci --no-audit --no-fund --silent) ||
	    echo "deps: warning: npm ci in tests/node failed; the standardwebhooks checks will be skipped"
}
if [ -z "$missing" ]; then
	npm_deps
	exit 0
fi
echo "deps: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# Postfix asks what kind of mail system this is: none. The package then
# writes no /etc/postfix/main.cf and starts no system instance; the mail
# tests run their own (postfix -c DIR) on their own ports.
echo "postfix postfix/main_mailer_type select No configuration" |
    $SUDO debconf-set-selections
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
npm_deps
