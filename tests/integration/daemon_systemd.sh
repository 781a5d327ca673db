#!/bin/sh
# daemon_systemd: systemd/koyomi.service passes `systemd-analyze verify`
# (with ExecStart pointed at the binary under test) and its hardening
# rates at most 2.0 in `systemd-analyze security --offline=true`; the
# sysusers and tmpfiles snippets parse.
set -u
S=${KOYOMI_SRC:?}/systemd
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
if ! command -v systemd-analyze >/dev/null; then
	echo "FAIL: systemd-analyze is missing"; exit 1
fi
sed "s#/usr/local/bin/koyomi#${KOYOMI:?}#g" "$S/koyomi.service" > koyomi.service
if systemd-analyze verify --man=no koyomi.service > verify.out 2>&1 &&
    [ ! -s verify.out ]; then
	ok "verify is clean"
else
	fail "verify: $(cat verify.out)"
fi
grep -q '^Type=notify$' koyomi.service && ok Type=notify || fail "not Type=notify"
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID$' koyomi.service &&
    ok ExecReload || fail "ExecReload"
grep -q '^WatchdogSec=' koyomi.service && ok WatchdogSec || fail WatchdogSec
level=$(systemd-analyze security --offline=true koyomi.service 2>/dev/null |
    sed -n 's/.*Overall exposure level for koyomi.service: \([0-9.]*\).*/\1/p')
if [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
	ok "exposure $level <= 2.0"
else
	fail "exposure '$level' > 2.0"
fi
if command -v systemd-sysusers >/dev/null; then
	mkdir -p root/etc
	systemd-sysusers --root="$PWD/root" "$S/koyomi.sysusers" 2>sysusers.err &&
	    grep -q '^koyomi:' root/etc/passwd && ok "sysusers creates koyomi" ||
	    fail "sysusers: $(cat sysusers.err)"
fi
if command -v systemd-tmpfiles >/dev/null; then
	systemd-tmpfiles --root="$PWD/root" --create "$S/koyomi.tmpfiles" \
	    2>tmpfiles.err && [ -d root/var/lib/koyomi ] &&
	    ok "tmpfiles creates /var/lib/koyomi" ||
	    fail "tmpfiles: $(cat tmpfiles.err)"
fi
[ $fails -eq 0 ] && echo PASS && exit 0
exit 1
