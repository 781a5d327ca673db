# lib.sh — shared part of the shell integration tests (a helper, not a
# test: tests/run-integration.sh skips lib*). Sourced with `. lib.sh`
# from the test's temp dir; the test sets `set -u` first.
#
# Gives: K (the binary), S (the source tree), D (the temp dir), PORT (a
# free loopback port) and U (its base URL); ok/fail and a failure count;
# cycle_t for rules files; write_conf [DATABASE]; start/stop of `koyomi run`
# with a bounded wait for /healthz, stop checking the exit status and the
# log for sanitizer reports (check_stopped); code/hdr for curl answers;
# skip REASON (exit 77, see tests/run-integration.sh); finish. A test may define
# cleanup_extra(), run on exit after the daemon is stopped.

K=${KOYOMI:?}
S=${KOYOMI_SRC:?}
D=$(pwd)
PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
U="http://127.0.0.1:$PORT"
fails=0
pid=""

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# skip REASON: this test cannot run here; the runner records a skip.
skip() { echo "SKIP: $*"; exit 77; }

# check_stopped RC LOG [WHAT] [WANT]: after a daemon stopped, its exit
# status is WANT (default 0; "any" when the test killed it on purpose)
# and LOG (its stderr) holds no sanitizer report: LeakSanitizer writes
# at exit, so only the log of a stopped daemon is complete. The one
# check for every shell test that starts `koyomi run`.
check_stopped() {
	_rc=$1 _log=$2 _what=${3:-daemon} _want=${4:-0}
	_bad=0
	if [ "$_want" != any ] && [ "$_rc" -ne "$_want" ]; then
		fail "$_what: exit status $_rc, want $_want"
		_bad=1
	fi
	if grep -a -q -e AddressSanitizer -e LeakSanitizer \
	    -e 'runtime error:' "$_log"; then
		grep -a -A 40 -e AddressSanitizer -e LeakSanitizer \
		    -e 'runtime error:' "$_log" | head -n 80
		fail "$_what: sanitizer report in $_log"
		_bad=1
	fi
	[ $_bad -eq 0 ] && ok "$_what stopped cleanly (exit $_rc)"
	return $_bad
}

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	command -v cleanup_extra >/dev/null && cleanup_extra
	return 0
}
trap cleanup EXIT

# cycle_t TITLE DATE ASSIGNEES: the end of every rules file here, after
# the organisations: cycle t (a meeting on 6月1日 and deadline d, TITLE
# on DATE for ASSIGNEES) and its feed "test", on stdout.
cycle_t() {
	cat <<EOF
cycles:
  - id: t
    title: テスト事業
    organiser: mhlw
    items:
      - {id: m, kind: meeting, title: 全国会議, date: 6月1日, time: "13:00-17:00"}
      - {id: d, kind: deadline, title: $1, date: $2, assignees: $3}
feeds:
  - {id: test, title: テスト, cycles: [t], deadlines: true}
EOF
}

# write_conf [DATABASE]: koyomi.conf for this dir, rules in ./rules.
write_conf() {
	cat > koyomi.conf <<EOF
listen: 127.0.0.1:$PORT
base_url: $U
database: ${1:-$D/koyomi.db}
rules: $D/rules
timezone: Asia/Tokyo
mail_transport: maildir:$D/mail
secret_key_file: $D/secret.key
EOF
}

# code [CURL-ARGS] URL: the HTTP status only.
code() { curl -s -o /dev/null -m 10 -w '%{http_code}' "$@"; }

# hdr FILE NAME: the value of a response header (case-insensitive).
hdr() {
	tr -d '\r' < "$1" | awk -v n="$2" 'tolower($0) ~ "^" tolower(n) ":" {
		sub(/^[^:]*: */, ""); print; exit }'
}

# start: `koyomi run` in the background, appending to daemon.log; waits
# at most 30 s for /healthz to answer 200 (an ASan build on a loaded
# machine is slow), else shows the log and exits.
start() {
	# Where this run's part of daemon.log starts (stop reads from there).
	logmark=1
	[ -f daemon.log ] && logmark=$(($(wc -c < daemon.log) + 1))
	"$K" -c koyomi.conf run >> daemon.log 2>&1 &
	pid=$!
	i=0
	until [ "$(code "$U/healthz")" = 200 ]; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 "$pid" 2>/dev/null; then
			cat daemon.log
			echo "FAIL: daemon did not start"
			exit 1
		fi
		sleep 0.05
	done
}

# stop: SIGTERM, then the exit status must be 0 and this run's log
# clean (check_stopped).
stop() {
	kill "$pid"
	wait "$pid"
	_st=$?
	pid=""
	tail -c +"$logmark" daemon.log > daemon.run.log
	check_stopped $_st daemon.run.log
}

# finish: PASS and exit 0, or the count (and the log's end) and exit 1.
finish() {
	# A daemon still running is stopped and checked like any other.
	[ -n "$pid" ] && stop
	if [ $fails -ne 0 ]; then
		echo "$fails failure(s)"
		[ -f daemon.log ] && tail -20 daemon.log
		exit 1
	fi
	echo PASS
	exit 0
}
