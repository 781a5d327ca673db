#!/bin/sh
# Run every tests/integration/*.sh and *.py against the real binary, each in
# its own temp dir. Keeps logs of failures only.
BIN=$1
export KOYOMI="$BIN"
export KOYOMI_SRC="$(pwd)"
export KOYOMI_SHARED="${KOYOMI_SHARED:-$(cd .. && pwd)/shared}"
fail=0
mkdir -p build
for t in tests/integration/*.sh tests/integration/*.py; do
	[ -f "$t" ] || continue
	case "$(basename "$t")" in lib*|_*) continue ;; esac
	name=$(basename "$t")
	dir=$(mktemp -d /tmp/koyomi-it.XXXXXX)
	case "$t" in
	*.py) cmd="/usr/bin/python3 $KOYOMI_SRC/$t" ;;
	*) cmd="sh $KOYOMI_SRC/$t" ;;
	esac
	if (cd "$dir" && TMPDIR="$dir" timeout 600 $cmd) > "$dir.log" 2>&1; then
		echo "PASS integration $name"
		echo "pass integration $name $BIN" >> build/results.txt
		rm -rf "$dir" "$dir.log"
	else
		echo "FAIL integration $name (log: $dir.log)"
		# What failed first, then the log's end for the context.
		grep -a '^FAIL' "$dir.log" | head -n 20
		echo "--- end of log:"
		tail -n 40 "$dir.log"
		echo "fail integration $name $BIN" >> build/results.txt
		fail=1
	fi
done
exit $fail
