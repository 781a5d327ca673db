#!/bin/sh
# ops_backup_restore: the procedure of docs/operations.md "Back up".
# While the daemon runs, `koyomi done` task 1, `koyomi backup FILE`, then
# `koyomi done` task 2 (after the backup). Restore = stop, copy the backup
# over the database (and drop its -wal/-shm), start. After the restore the
# daemon serves /healthz and the feed, task 1 is done with its audit trail,
# task 2 is open again (it was done after the backup), and the backup file
# is a complete database on its own (integrity_check ok).
set -u
. "${KOYOMI_SRC:?}/tests/integration/lib.sh"

mkdir -p rules
{
	cat <<'Y'
organisations:
  - {id: mhlw, name: 厚生労働省, type: ministry}
  - {id: pref-a, name: Ａ県, type: prefecture}
  - {id: pref-b, name: Ｂ県, type: prefecture}
Y
	cycle_t 実績報告 3月15日 "[pref-a, pref-b]"
} > rules/t.yaml
write_conf
state() {	# state of task $1
	"$K" -c koyomi.conf tasks --format json | /usr/bin/python3 -c '
import json, sys
t = [t for t in json.load(sys.stdin)["tasks"] if t["id"] == int(sys.argv[1])]
print(t[0]["state"] if t else "missing")' "$1"
}

start
"$K" -c koyomi.conf done 1 --by alice --note before-backup > /dev/null ||
    fail "koyomi done 1"
"$K" -c koyomi.conf backup "$D/backup.db" > backup.out 2>&1
rc=$?
[ $rc -eq 0 ] && [ -s backup.db ] || { cat backup.out; fail "koyomi backup exited $rc"; }
"$K" -c koyomi.conf done 2 --by bob > /dev/null || fail "koyomi done 2"
[ "$(state 2)" = done ] || fail "task 2 done before the restore"
ic=$(/usr/bin/python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' backup.db)
[ "$ic" = ok ] && ok "backup.db passes integrity_check" || fail "backup.db: $ic"

stop
cp backup.db koyomi.db
rm -f koyomi.db-wal koyomi.db-shm
start
ok "daemon starts on the restored database"
code=$(curl -s -o feed.ics -w '%{http_code}' "$U/feeds/test.ics")
[ "$code" = 200 ] && grep -q "全国会議" feed.ics && ok "feed served after restore" ||
    fail "feed after restore: HTTP $code"
[ "$(state 1)" = done ] && ok "task 1 (done before the backup) is done" ||
    fail "task 1 is $(state 1) after restore"
[ "$(state 2)" = open ] && ok "task 2 (done after the backup) is open again" ||
    fail "task 2 is $(state 2) after restore"
n=$(/usr/bin/python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT count(*) FROM task_events WHERE task = 1 AND action = ? AND who = ?",
    ("done", "alice")).fetchone()[0])' koyomi.db)
[ "$n" = 1 ] && ok "task 1's audit event restored" || fail "task 1 audit events: $n"
stop
finish
