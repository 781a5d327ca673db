#!/bin/sh
# Run every tests/integration/*.sh and *.py against the real binary, each
# in its own temp dir, and append one line per test to build/results.txt:
#
#   pass integration NAME BIN
#   fail integration NAME BIN
#   skip integration NAME BIN REASON
#
# A test that cannot run here prints "SKIP: REASON" and exits 77 (the
# automake convention). A SKIP: line with exit 0 is a failure: the old
# way of skipping, which counted as a pass. tests/summary.sh counts the
# three states and fails when a test of tests/must-run.txt skipped.
#
# Every test's output is kept, passing or not, in
# build/VARIANT/logs/integration/NAME.log (VARIANT: the binary's folder).
#
# Usage: sh tests/run-integration.sh BIN [NAME...] (NAME: only these tests,
# e.g. check_golden.sh), from the top of the tree.
BIN=$1
shift
export KOYOMI="$BIN"
export KOYOMI_SRC="$(pwd)"
# A sanitizer build reports leaks when the daemon exits; the tests read
# that report (lib_daemon.check_stopped, lib.sh stop), so it must be on.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1"
LOGS=$(cd "$(dirname "$BIN")" && pwd)/logs/integration
mkdir -p build "$LOGS"
fail=0
for t in tests/integration/*.sh tests/integration/*.py; do
	[ -f "$t" ] || continue
	case "$(basename "$t")" in lib*|_*) continue ;; esac
	name=$(basename "$t")
	if [ $# -gt 0 ]; then
		case " $* " in *" $name "*) ;; *) continue ;; esac
	fi
	log=$LOGS/$name.log
	dir=$(mktemp -d /tmp/koyomi-it.XXXXXX)
	case "$t" in
	*.py) cmd="/usr/bin/python3 $KOYOMI_SRC/$t" ;;
	*) cmd="sh $KOYOMI_SRC/$t" ;;
	esac
	(cd "$dir" && TMPDIR="$dir" timeout 600 $cmd) > "$log" 2>&1
	rc=$?
	# Every SKIP: line, joined: the reason shown and recorded.
	why=$(grep -a '^SKIP: ' "$log" | sed 's/^SKIP: //' | head -n 5 |
	    tr '\n' ';' | sed 's/;$//; s/;/; /g')
	if [ $rc -eq 0 ] && [ -n "$why" ]; then
		echo "FAIL: said SKIP but exited 0: a skip exits 77" >> "$log"
		rc=1
	elif [ $rc -eq 77 ] && [ -z "$why" ]; then
		echo "FAIL: exited 77 without a SKIP: line giving the reason" >> "$log"
		rc=1
	fi
	case $rc in
	0)
		echo "PASS integration $name"
		echo "pass integration $name $BIN" >> build/results.txt
		rm -rf "$dir"
		;;
	77)
		echo "SKIP integration $name: $why (log: $log)"
		echo "skip integration $name $BIN $why" >> build/results.txt
		rm -rf "$dir"
		;;
	*)
		[ $rc -eq 124 ] && echo "FAIL: timed out after 600 s" >> "$log"
		echo "FAIL integration $name (exit $rc; log: $log; files: $dir)"
		# What failed first, then the log's end for the context.
		grep -a '^FAIL' "$log" | head -n 20
		echo "--- end of log:"
		tail -n 40 "$log"
		echo "fail integration $name $BIN" >> build/results.txt
		fail=1
		;;
	esac
done
exit $fail
