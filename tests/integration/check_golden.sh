#!/bin/sh
# koyomi check against golden files: every broken file in
# tests/golden/check/bad/ alone (one mistake each), the whole folder at
# once, generated inputs too large to keep in git, the good folder, and
# usage errors. Exit code, stdout and stderr are compared exactly.
# This test only compares: `make golden-update` (tests/golden/update.sh)
# rewrites the .expected files, to be reviewed before committing.
set -u
: "${KOYOMI:?}" "${KOYOMI_SRC:?}"
G=$KOYOMI_SRC/tests/golden/check
fail=0

# run ARGS: the text a golden file holds (shared with the update script).
. "$KOYOMI_SRC/tests/golden/check-run.sh"

compare() {	# name expected-file actual-file
	if ! diff -u "$2" "$3"; then
		echo "FAIL: $1"
		fail=1
	else
		echo "ok: $1"
	fi
}

cp -R "$G/bad" "$G/good" .
unset KOYOMI_CONFIG

for f in bad/*.yaml; do
	name=$(basename "$f" .yaml)
	run "$f" >actual.txt
	compare "$name" "$G/bad/$name.expected" actual.txt
done

# The whole folder: every mistake of every file, in file order.
run bad >actual.txt
compare "folder bad" "$G/bad.expected" actual.txt

# Generated: a 10 MB file, and nesting far beyond the limit.
mkdir gen
head -c 10485760 /dev/zero | tr '\0' 'a' >gen/big.yaml
python3 -c "print('x: ' + '[' * 100000)" >gen/deeper.yaml
run gen/big.yaml gen/deeper.yaml >actual.txt
cat >expected.txt <<'EOT'
exit 1
err: gen/big.yaml:1:1: error: file is larger than 4 MiB
err: gen/deeper.yaml:1:67: error: nesting deeper than 64 levels
EOT
compare "generated" expected.txt actual.txt

run good >actual.txt
compare "folder good" "$G/good.expected" actual.txt

# Files given one by one read the same as their folder; duplicates once.
run good/kochiku.yaml good/directory.yaml good/kochiku.yaml >actual.txt
compare "good files" "$G/good.expected" actual.txt

run --bogus >actual.txt
cat >expected.txt <<'EOT'
exit 2
err: koyomi: check: unknown option '--bogus'
err: usage: koyomi check [PATH...]
EOT
compare "usage" expected.txt actual.txt

run nowhere >actual.txt
printf 'exit 1\nerr: nowhere: error: No such file or directory\n' >expected.txt
compare "missing path" expected.txt actual.txt

# A FIFO and a symlink loop must neither hang nor repeat files.
mkdir -p odd/sub
cp good/directory.yaml odd/sub/
ln -s .. odd/sub/up
mkfifo odd/pipe.yaml
run odd >actual.txt
cat >expected.txt <<'EOT'
exit 1
err: odd/pipe.yaml: error: cannot read: not a regular file
err: odd/sub/directory.yaml:38:14: error: 'cycles': unknown cycle 'kochiku'
EOT
compare "fifo and symlink loop" expected.txt actual.txt

mkdir nothing-here
run nothing-here >actual.txt
printf 'exit 1\nerr: nothing-here: error: no *.yaml or *.yml files in this folder\n' >expected.txt
compare "empty folder" expected.txt actual.txt

# PATH given with -c: the configuration is checked too.
printf 'listen: 127.0.0.1:8080\nbogus: 1\n' > bad.conf
timeout 60 "$KOYOMI" -c bad.conf check nothing-here good >out.txt 2>err.txt
rc=$?
printf 'exit 1\nerr: bad.conf:2:1: error: unknown key '"'"'bogus'"'"'\n' >expected.txt
{ echo "exit $rc"; sed 's/^/out: /' out.txt; sed 's/^/err: /' err.txt; } >actual.txt
compare "-c CONF check PATH checks CONF" expected.txt actual.txt

# Without PATH and config: ./rules. An installed configuration would be
# read instead: then this one check cannot run, and the test says so.
skipped=""
if [ ! -e /etc/koyomi/koyomi.conf ]; then
	mv good rules
	run >actual.txt
	compare "default ./rules" "$G/good.expected" actual.txt
else
	skipped="/etc/koyomi/koyomi.conf exists: the default ./rules check did not run"
fi
[ $fail -eq 0 ] && [ -n "$skipped" ] && { echo "SKIP: $skipped"; exit 77; }
exit $fail
