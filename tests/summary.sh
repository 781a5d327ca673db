#!/bin/sh
# Reads build/results.txt ("pass|fail|skip KIND NAME WHERE [REASON]", one
# line per test) and prints the skipped tests with their reasons, then the
# closing line CI reads: "tests: N passed, N failed, N skipped".
#
# Fails (nonzero) when a test failed, nothing passed, or a test listed in
# tests/must-run.txt skipped or did not run at all: those must run on
# Debian 12 with tests/deps.sh, and a skip there hides a broken promise.
f=$1
must=$(dirname "$0")/must-run.txt
[ -f "$f" ] || { echo "summary: no $f"; echo "tests: 0 passed, 0 failed, 0 skipped"; exit 1; }
p=$(grep -c '^pass ' "$f")
n=$(grep -c '^fail ' "$f")
s=$(grep -c '^skip ' "$f")
grep '^skip ' "$f" | while read -r _ kind name where why; do
	echo "skipped: $kind $name ($where): $why"
done
# The variant of WHERE: the folder after the last "build" in the path
# (build/normal, /…/build/asan/koyomi).
bad=$(awk '
function variant(w,   n, a, i, v) {
	n = split(w, a, "/")
	v = ""
	for (i = 1; i < n; i++)
		if (a[i] == "build")
			v = a[i + 1]
	return v
}
FNR == NR {
	sub(/#.*/, "")
	if (NF == 0)
		next
	nm++
	mname[nm] = $1
	mvar[nm] = (NF > 1) ? $2 : ""
	next
}
$1 == "pass" || $1 == "fail" || $1 == "skip" {
	if ($2 == "integration")
		integ = 1
	seen[$3, variant($4)] = 1
	seen[$3, ""] = 1
	if ($1 == "skip")
		skipped[$3, variant($4)] = 1
}
END {
	for (i = 1; i <= nm; i++) {
		for (k in skipped) {
			split(k, kv, SUBSEP)
			if (kv[1] == mname[i] && (mvar[i] == "" || mvar[i] == kv[2]))
				printf "MUST-RUN TEST SKIPPED: %s (%s), listed in tests/must-run.txt\n", kv[1], kv[2]
		}
		if (integ && !((mname[i], mvar[i]) in seen))
			printf "MUST-RUN TEST DID NOT RUN: %s%s, listed in tests/must-run.txt\n", mname[i], mvar[i] == "" ? "" : " (" mvar[i] ")"
	}
}' "$must" "$f")
[ -n "$bad" ] && echo "$bad"
echo "tests: $p passed, $n failed, $s skipped"
[ "$n" -eq 0 ] && [ "$p" -gt 0 ] && [ -z "$bad" ]
