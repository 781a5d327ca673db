#!/bin/sh
# update.sh — rewrite the golden files of tests/integration/check_golden.sh
# from what the current binary prints (`make golden-update`). The test
# itself only compares; run this on purpose, then read `git diff
# tests/golden` before committing: every changed line is a changed
# message a user will see.
#
# Usage: sh tests/golden/update.sh BINARY (from the top of the tree).
set -u
KOYOMI=$(cd "$(dirname "${1:?usage: update.sh BINARY}")" && pwd)/$(basename "$1")
G=$(pwd)/tests/golden/check
[ -d "$G/bad" ] || { echo "update.sh: run from the top of the tree" >&2; exit 2; }
. "$(pwd)/tests/golden/check-run.sh"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
cp -R "$G/bad" "$G/good" . || exit 1
unset KOYOMI_CONFIG
n=0
for f in bad/*.yaml; do
	name=$(basename "$f" .yaml)
	run "$f" >"$G/bad/$name.expected"
	n=$((n + 1))
done
# A golden file whose input is gone would never be read again.
for e in "$G"/bad/*.expected; do
	[ -f "${e%.expected}.yaml" ] || { rm -f "$e"; echo "removed $e"; }
done
run bad >"$G/bad.expected"
run good >"$G/good.expected"
echo "rewrote $n golden file(s) of bad/, bad.expected and good.expected in $G"
echo "review: git diff -- tests/golden"
