#!/bin/sh
# Run each cmocka binary; append one line per binary to build/results.txt.
B=$1; shift
fail=0
for t in "$@"; do
	name=$(basename "$t")
	if "$t" > "$t.log" 2>&1; then
		echo "PASS unit $name ($B)"
		echo "pass unit $name $B" >> build/results.txt
	else
		echo "FAIL unit $name ($B)"; cat "$t.log"
		echo "fail unit $name $B" >> build/results.txt
		fail=1
	fi
	grep -E '^\[  (PASSED|FAILED) \]' "$t.log" | sed 's/^/    /'
done
exit $fail
