#!/bin/sh
# koyomi check reads the template overrides the config names: a variable
# a message kind does not provide is a located error, not a blank in mail.
set -eu
mkdir -p t
printf 'rules: %s/rules\ntemplates: t\ndatabase: db\nsecret_key_file: k\n' \
    "$KOYOMI_SRC" > k.conf
printf 'Subject: 【ご提出のお願い】{{title}}\n{{org}} ご担当者様\n' > t/reminder.txt
"$KOYOMI" -c k.conf check > out 2> err || { cat err; exit 1; }
grep -q '^ok:' out
printf 'Subject: {{nope}}\n本文\n' > t/reminder.txt
set +e
"$KOYOMI" -c k.conf check > out 2> err
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "exit $rc, want 1"; exit 1; }
grep -q 't/reminder.txt:1:10: error: .*{{nope}}' err || { cat err; exit 1; }
echo ok
