#!/bin/sh
# faults_disk_full: the database lives on a 3 MB tmpfs mounted here; the
# test fills it while the daemon runs. Expected: the daemon logs a clear
# error and keeps serving /feeds; /healthz answers 503 while the disk is
# full and 200 once space is back; every `koyomi done` that exited 0 (was
# acknowledged) is still done after space returns and after a restart,
# and a `done` that failed says so (nonzero exit) rather than pretending.
# Needs root for mount; skips (tests/run-integration.sh) when mount is not
# permitted. tests/must-run.txt: CI runs as root, so it never skips there.
set -u
. "${KOYOMI_SRC:?}/tests/integration/lib.sh"
cleanup_extra() { mountpoint -q "$D/mnt" && umount "$D/mnt"; }
mkdir -p mnt rules
if ! mount -t tmpfs -o size=3m,mode=0700 koyomi-test "$D/mnt" 2>mount.err; then
	skip "cannot mount a tmpfs here ($(cat mount.err)); run as root"
fi

# 40 organisations, one deadline next fiscal year each: 40 open tasks.
{
	echo "organisations:"
	echo "  - {id: mhlw, name: 厚生労働省, type: ministry}"
	i=0
	while [ $i -lt 40 ]; do
		echo "  - {id: org-$i, name: 自治体$i, type: municipality}"
		i=$((i + 1))
	done
	echo "groups:"
	echo "  - {id: all, name: 全自治体, select: {type: [municipality]}}"
	cycle_t 実績報告 3月15日 all
} > rules/t.yaml
write_conf "$D/mnt/koyomi.db"
# Waits (bounded, 10 s) until /healthz gives $1.
healthz_becomes() {
	i=0
	while [ "$(code "$U/healthz")" != "$1" ]; do
		i=$((i + 1)); [ $i -gt 100 ] && return 1
		sleep 0.1
	done
}
open_ids() {
	"$K" -c koyomi.conf tasks --state open --format json 2>/dev/null |
	    /usr/bin/python3 -c 'import json, sys
print(" ".join(str(t["id"]) for t in json.load(sys.stdin)["tasks"] if not t["overdue"]))'
}
states() {	# "id:state ..." for all tasks
	"$K" -c koyomi.conf tasks --format json | /usr/bin/python3 -c 'import json, sys
print(" ".join("%d:%s" % (t["id"], t["state"]) for t in json.load(sys.stdin)["tasks"]))'
}

start
ids=$(open_ids)
set -- $ids
[ $# -ge 20 ] || { fail "expected at least 20 open tasks, got $#"; exit 1; }
ok "$# open tasks on a 3 MB tmpfs"
"$K" -c koyomi.conf done "$1" --by before > /dev/null || fail "done $1 with space"
acked="$1"
shift

# Fill the file system to the last block.
dd if=/dev/zero of=mnt/filler bs=64k > /dev/null 2>&1
dd if=/dev/zero of=mnt/filler2 bs=4k > /dev/null 2>&1
dd if=/dev/zero of=mnt/filler3 bs=512 > /dev/null 2>&1
df -k mnt | tail -1
refused=0 n=0
for id in "$@"; do
	n=$((n + 1)); [ $n -gt 15 ] && break
	if "$K" -c koyomi.conf done "$id" --by full --note "まだ満杯ですか" \
	    > done.out 2>&1; then
		acked="$acked $id"
	else
		refused=$((refused + 1))
		grep -qi "full\|space\|disk" done.out ||
		    fail "refused done $id without a clear reason: $(cat done.out)"
	fi
done
echo "while full: acknowledged: $acked; refused: $refused"
[ $refused -gt 0 ] && ok "koyomi done refuses (nonzero) while the disk is full" ||
    fail "no koyomi done failed although the disk is full"
healthz_becomes 503 && ok "/healthz 503 while the disk is full" ||
    fail "/healthz is $(code "$U/healthz") while the disk is full"
[ "$(code "$U/feeds/test.ics")" = 200 ] && ok "/feeds/test.ics still 200 while full" ||
    fail "/feeds/test.ics is $(code "$U/feeds/test.ics") while full"
grep -qi "full" daemon.log && ok "daemon logs: $(grep -i full daemon.log | head -1)" ||
    fail "nothing about the full disk in the daemon's log"
kill -0 "$pid" 2>/dev/null && ok "daemon still running" || fail "daemon died"

rm -f mnt/filler mnt/filler2 mnt/filler3
healthz_becomes 200 && ok "/healthz 200 once space is back" ||
    fail "/healthz is $(code "$U/healthz") after space returned"
last=$(echo "$@" | awk '{ print $NF }')
"$K" -c koyomi.conf done "$last" --by after > /dev/null &&
    acked="$acked $last" || fail "done $last after space returned"

check_acked() {
	st=" $(states) "
	for id in $acked; do
		case $st in
		*" $id:done "*) ;;
		*) fail "$1: acknowledged done of task $id was lost" ;;
		esac
	done
}
check_acked "space back"
stop
start
check_acked "after restart"
[ $fails -eq 0 ] && ok "all $(echo $acked | wc -w) acknowledged completions kept"
finish
