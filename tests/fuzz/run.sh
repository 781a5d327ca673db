#!/bin/sh
# Build every tests/fuzz/*_fuzz.c with clang's libFuzzer and sanitizers and
# run each for $FUZZ_SECONDS (default 60) on its corpus in
# tests/fuzz/corpus/<name>/ (and with tests/fuzz/<name>.dict if present). The file name's prefix picks the sources it
# links, as for unit tests: rules_* → rules + calendars, cal_* → calendars,
# notify_* → notifier + calendars, else everything but daemon/cli/main.c.
# A target can name its own sources instead, in a comment line
#   fuzz-sources: daemon/codec/json_in.c calendars/util.c calendars/log.c
# and the pkg-config packages it needs beyond PKGS in another
#   fuzz-pkgs: gmime-3.0
# FUZZ_ONLY=name (or a space-separated list) builds and runs only those.
# FUZZ_RESULTS=FILE appends "pass|fail fuzz NAME build/fuzz" per target,
# as make test's other runners do (make test runs every target for a few
# seconds this way, so that none can stop building unnoticed).
# Exits nonzero when a target fails to build or finds a crash.
set -eu
cd "$(dirname "$0")/../.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
CC=${FUZZ_CC:-clang}
OUT=build/fuzz
PKGS="libical libcurl sqlite3 yaml-0.1 libmicrohttpd openssl libsystemd zlib gmime-3.0 libzip"
mkdir -p "$OUT"
cflags="-std=c17 -D_GNU_SOURCE -DKOYOMI_VERSION=\"fuzz\" -I. -g -O1 \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    $(pkg-config --cflags $PKGS 2>/dev/null)"
libs="$(pkg-config --libs $PKGS 2>/dev/null) -lev -lm"
status=0
ran=0
result() {
	[ -n "${FUZZ_RESULTS:-}" ] && echo "$1 fuzz $2 $OUT" >>"$FUZZ_RESULTS"
	return 0
}
for src in tests/fuzz/*_fuzz.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" _fuzz.c)
	case " ${FUZZ_ONLY:-$name} " in
	*" $name "*) ;;
	*) continue ;;
	esac
	ran=$((ran + 1))
	own=$(sed -n 's/.*fuzz-sources:\(.*\)$/\1/p' "$src" | head -1)
	pkgs=$(sed -n 's/.*fuzz-pkgs:\(.*\)$/\1/p' "$src" | head -1)
	xflags="" xlibs=""
	if [ -n "$pkgs" ]; then
		# shellcheck disable=SC2086
		xflags=$(pkg-config --cflags $pkgs) xlibs=$(pkg-config --libs $pkgs)
	fi
	case $name in
	rules*)	srcs="rules/*.c calendars/*.c" ;;
	cal*)	srcs="calendars/*.c" ;;
	notify*) srcs="notifier/*.c calendars/*.c" ;;
	*)	srcs="$(ls rules/*.c calendars/*.c notifier/*.c daemon/*/*.c |
		    grep -v '^daemon/cli/main.c$')" ;;
	esac
	[ -n "$own" ] && srcs=$own
	echo "fuzz: building $name"
	# shellcheck disable=SC2086
	if ! $CC $cflags $xflags -o "$OUT/${name}_fuzz" "$src" $srcs $libs \
	    $xlibs; then
		echo "fuzz: $name: build failed" >&2
		result fail "$name"
		status=1
		continue
	fi
	corpus=tests/fuzz/corpus/$name
	mkdir -p "$corpus" "$OUT/$name-new"
	dict=""
	[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
	echo "fuzz: running $name for ${SECONDS_EACH}s"
	# shellcheck disable=SC2086
	if ! "$OUT/${name}_fuzz" -max_total_time="$SECONDS_EACH" $dict \
	    -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$OUT/$name-" "$OUT/$name-new" "$corpus" \
	    >"$OUT/$name.log" 2>&1; then
		echo "fuzz: $name: FAILED, see $OUT/$name.log" >&2
		tail -40 "$OUT/$name.log" >&2
		result fail "$name"
		status=1
	else
		tail -1 "$OUT/$name.log"
		result pass "$name"
	fi
done
if [ "$ran" -eq 0 ]; then
	echo "fuzz: no target named ${FUZZ_ONLY:-}" >&2
	status=1
fi
exit $status
