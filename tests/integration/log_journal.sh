#!/bin/sh
# log_journal: journald priority prefixes ("<4>message") only when stderr
# is the stream JOURNAL_STREAM names (DEV:INO, as systemd sets it); a
# process that inherited the variable but writes elsewhere logs plain
# "koyomi: warning: message" lines.
set -u
K=${KOYOMI:?}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
printf 'listen: 127.0.0.1:1\nbogus: 1\n' > bad.conf

"$K" -c bad.conf run 2>plain.txt
grep -q '^koyomi: warning: bad.conf: invalid configuration$' plain.txt ||
    fail "no plain line without JOURNAL_STREAM: $(cat plain.txt)"

JOURNAL_STREAM=1:2 "$K" -c bad.conf run 2>other.txt
grep -q '^koyomi: warning: ' other.txt && ! grep -q '^<[0-7]>' other.txt ||
    fail "JOURNAL_STREAM naming another file changed the format: $(cat other.txt)"

: > journal.txt
JOURNAL_STREAM=$(stat -c '%d:%i' journal.txt) "$K" -c bad.conf run 2>>journal.txt
grep -q '^<4>bad.conf: invalid configuration$' journal.txt ||
    fail "no <4> prefix when stderr is the journal stream: $(cat journal.txt)"

for v in "" "x" "1:" ":2" "1:2:3" "99999999999999999999999:1"; do
	JOURNAL_STREAM=$v "$K" -c bad.conf run 2>odd.txt
	grep -q '^<[0-7]>' odd.txt && fail "JOURNAL_STREAM='$v' gave journal prefixes"
done
[ $fails -eq 0 ] && echo PASS && exit 0
exit 1
