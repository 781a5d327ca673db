#!/bin/sh
# Run each cmocka binary; append one line per binary to build/results.txt
# (pass, fail, or skip when cmocka skipped some of its tests: skip() in a
# test, "[  SKIPPED ]" in its output). Each binary's output is kept in
# B/logs/unit/NAME.log.
B=$1; shift
LOGS=$B/logs/unit
mkdir -p build "$LOGS"
fail=0
for t in "$@"; do
	name=$(basename "$t")
	log=$LOGS/$name.log
	if "$t" > "$log" 2>&1; then
		# cmocka: "[  SKIPPED ] name" per test, then a count line.
		why=$(grep -a '^\[  SKIPPED \] ' "$log" | grep -v 'test(s)' |
		    sed 's/^\[  SKIPPED \] //' | sort -u | tr '\n' ' ' |
		    sed 's/ $//')
		if [ -n "$why" ]; then
			echo "SKIP unit $name ($B): skipped $why (log: $log)"
			echo "skip unit $name $B skipped $why" >> build/results.txt
		else
			echo "PASS unit $name ($B)"
			echo "pass unit $name $B" >> build/results.txt
		fi
	else
		echo "FAIL unit $name ($B) (log: $log)"; cat "$log"
		echo "fail unit $name $B" >> build/results.txt
		fail=1
	fi
	# cmocka's summary: "[  PASSED  ] 8 test(s)." and the like.
	grep -aE '^\[  (PASSED  |FAILED  |SKIPPED )\]' "$log" | sed 's/^/    /'
done
exit $fail
