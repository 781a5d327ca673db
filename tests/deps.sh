#!/bin/sh
# Install the Debian packages koyomi needs, only those missing, through
# sudo when not root.
#   sh tests/deps.sh run   what building and running need (make run,
#                          make deps-run): a compiler and the libraries
#   sh tests/deps.sh       that and every tool the tests use (make deps,
#                          make test): chromium, clang, valgrind, Postfix,
#                          Dovecot, …, and the npm packages of tests/node
set -eu
RUN_PKGS="build-essential pkg-config libev-dev libical-dev
libcurl4-openssl-dev libsqlite3-dev libyaml-dev libmicrohttpd-dev libssl-dev
libsystemd-dev zlib1g-dev libgmime-3.0-dev libzip-dev tzdata"
TEST_PKGS="libcmocka-dev sqlite3 curl python3 python3-aiosmtpd
python3-icalendar python3-vobject python3-recurring-ical-events python3-yaml
vdirsyncer chromium fonts-ipafont-gothic faketime prometheus clang valgrind
python3-jsonschema strace systemd cppcheck clang-tidy poppler-utils postfix
dovecot-core dovecot-imapd openssl libsasl2-modules"
# Node and npm from Debian unless a node with its npm is there already (an
# image may ship one from elsewhere, and Debian's npm would conflict).
command -v node >/dev/null 2>&1 || TEST_PKGS="$TEST_PKGS nodejs"
command -v npm >/dev/null 2>&1 || TEST_PKGS="$TEST_PKGS npm"
case "${1:-test}" in
run)	PKGS=$RUN_PKGS ;;
test)	PKGS="$RUN_PKGS $TEST_PKGS" ;;
*)	echo "usage: sh tests/deps.sh [run|test]" >&2; exit 2 ;;
esac
missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
# The npm packages of tests/node: standardwebhooks (a second verifier of
# webhook signatures) and puppeteer-core (drives Debian's chromium in the
# browser tests; it downloads no browser). Without node or the registry
# those checks say SKIP.
npm_deps() {
	[ "${1:-test}" = test ] || return 0
	[ -d tests/node/node_modules/standardwebhooks ] &&
	    [ -d tests/node/node_modules/puppeteer-core ] && return 0
	command -v npm >/dev/null || return 0
	(cd tests/node && PUPPETEER_SKIP_DOWNLOAD=1 timeout 300 npm ci \
	    --no-audit --no-fund --silent) ||
	    echo "deps: warning: npm ci in tests/node failed; the checks that use it will be skipped"
}
if [ -n "$missing" ]; then
	echo "deps: installing:$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	# Postfix asks what kind of mail system this is: none. The package
	# then writes no /etc/postfix/main.cf and starts no system instance;
	# the mail tests run their own (postfix -c DIR) on their own ports.
	echo "postfix postfix/main_mailer_type select No configuration" |
	    $SUDO debconf-set-selections
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi
npm_deps "${1:-test}"
