#!/bin/sh
# log_journal: journald priority prefixes ("<4>message") only when stderr
# is the stream JOURNAL_STREAM names (DEV:INO, as systemd sets it); a
# process that inherited the variable but writes elsewhere logs plain
# "koyomi: warning: message" lines. Each `koyomi run` here stops at the
# broken configuration: exit 1 and no sanitizer report (check_stopped).
set -u
. "${KOYOMI_SRC:?}/tests/integration/lib.sh"
printf 'listen: 127.0.0.1:1\nbogus: 1\n' > bad.conf

"$K" -c bad.conf run 2>plain.txt
check_stopped $? plain.txt "run, plain stderr" 1
grep -q '^koyomi: warning: bad.conf: invalid configuration$' plain.txt ||
    fail "no plain line without JOURNAL_STREAM: $(cat plain.txt)"

JOURNAL_STREAM=1:2 "$K" -c bad.conf run 2>other.txt
check_stopped $? other.txt "run, another JOURNAL_STREAM" 1
grep -q '^koyomi: warning: ' other.txt && ! grep -q '^<[0-7]>' other.txt ||
    fail "JOURNAL_STREAM naming another file changed the format: $(cat other.txt)"

: > journal.txt
JOURNAL_STREAM=$(stat -c '%d:%i' journal.txt) "$K" -c bad.conf run 2>>journal.txt
check_stopped $? journal.txt "run, journal stream" 1
grep -q '^<4>bad.conf: invalid configuration$' journal.txt ||
    fail "no <4> prefix when stderr is the journal stream: $(cat journal.txt)"

for v in "" "x" "1:" ":2" "1:2:3" "99999999999999999999999:1"; do
	JOURNAL_STREAM=$v "$K" -c bad.conf run 2>odd.txt
	check_stopped $? odd.txt "run, JOURNAL_STREAM='$v'" 1
	grep -q '^<[0-7]>' odd.txt && fail "JOURNAL_STREAM='$v' gave journal prefixes"
done
finish
