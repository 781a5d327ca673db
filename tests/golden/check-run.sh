# check-run.sh — sourced by tests/integration/check_golden.sh (which
# compares) and tests/golden/update.sh (which rewrites the golden files):
# one definition of the text a golden file holds.
#
# run ARGS: `koyomi check ARGS` as exit code, stdout and stderr in one
# comparable text (out.txt and err.txt in the current folder are
# scratch). A hang is a failure too: timeout's exit 124.
run() {
	timeout 60 "$KOYOMI" check "$@" >out.txt 2>err.txt
	echo "exit $?"
	sed 's/^/out: /' out.txt
	sed 's/^/err: /' err.txt
}
