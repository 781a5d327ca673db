#!/bin/sh
# install: `make install DESTDIR=... PREFIX=/usr` lays out the binary, the
# man pages, the systemd unit (pointing at the installed binary), the
# sysusers/tmpfiles snippets, the example configuration and the shipped
# rules; the installed pieces work (version, man -l, check); a second
# install keeps an edited configuration; uninstall leaves /etc alone.
set -u
SRC=${KOYOMI_SRC:?}
T=$(pwd)/root
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

# -o all: install what is built; do not rebuild under other tests' feet.
make -s -C "$SRC" -o all -o koyomi install DESTDIR="$T" PREFIX=/usr \
    > make.log 2>&1 || { cat make.log; fail "make install"; }

for f in usr/bin/koyomi usr/share/man/man1/koyomi.1 \
    usr/share/man/man5/koyomi.conf.5 usr/share/man/man5/koyomi-rules.5 \
    lib/systemd/system/koyomi.service usr/lib/sysusers.d/koyomi.conf \
    usr/lib/tmpfiles.d/koyomi.conf etc/koyomi/koyomi.conf \
    usr/share/doc/koyomi/koyomi.conf.example; do
	[ -f "$T/$f" ] || fail "missing /$f"
done
ok "every file in place"
[ -x "$T/usr/bin/koyomi" ] || fail "binary not executable"
ver=$("$T/usr/bin/koyomi" --version) || fail "--version"
case "$ver" in "koyomi "[0-9]*) ok "$ver" ;; *) fail "version: $ver" ;; esac

for m in usr/share/man/man1/koyomi.1 usr/share/man/man5/koyomi.conf.5 \
    usr/share/man/man5/koyomi-rules.5; do
	[ "$(stat -c %a "$T/$m")" = 644 ] || fail "$m mode"
	MANWIDTH=80 man -l "$T/$m" > man.out 2> man.err || fail "man -l $m"
	[ -s man.err ] && { cat man.err; fail "man -l $m warns"; }
	[ "$(wc -l < man.out)" -gt 30 ] || fail "$m renders too short"
done
grep -q 'koyomi-rules' man.out || fail "koyomi-rules(5) renders its name"
ok "man pages render"

U=$T/lib/systemd/system/koyomi.service
grep -qx 'ExecStart=/usr/bin/koyomi -c /etc/koyomi/koyomi.conf run' "$U" ||
    fail "unit ExecStart does not name /usr/bin/koyomi: $(grep ExecStart "$U")"
grep -q '/usr/local' "$U" && fail "unit still names /usr/local"
cmp -s "$SRC/systemd/koyomi.sysusers" "$T/usr/lib/sysusers.d/koyomi.conf" ||
    fail "sysusers differs"
cmp -s "$SRC/systemd/koyomi.tmpfiles" "$T/usr/lib/tmpfiles.d/koyomi.conf" ||
    fail "tmpfiles differs"
ok "unit points at the installed binary"

cmp -s "$SRC/etc/koyomi.conf.dist" "$T/etc/koyomi/koyomi.conf" ||
    fail "/etc/koyomi/koyomi.conf is not etc/koyomi.conf.dist"
n_src=$(cd "$SRC/rules" && find cycles directory -name '*.yaml' | wc -l)
n_dst=$(cd "$T/etc/koyomi/rules" && find cycles directory -name '*.yaml' | wc -l)
[ "$n_src" -gt 0 ] && [ "$n_src" = "$n_dst" ] ||
    fail "rules: $n_dst installed of $n_src"
ok "$n_dst rule files installed"

# The installed config and rules pass check (paths moved under $T).
mkdir -p "$T/var/lib/koyomi"
sed -e "s|/etc/koyomi|$T/etc/koyomi|g" -e "s|/var/lib/koyomi|$T/var/lib/koyomi|g" \
    "$T/etc/koyomi/koyomi.conf" > moved.conf
"$T/usr/bin/koyomi" -c moved.conf check > check.out 2>&1 ||
    { cat check.out; fail "koyomi check on the installed config and rules"; }
ok "check: $(tail -n 1 check.out)"

# A second install keeps the administrator's configuration.
echo "# edited" >> "$T/etc/koyomi/koyomi.conf"
make -s -C "$SRC" -o all -o koyomi install DESTDIR="$T" PREFIX=/usr \
    > make2.log 2>&1 || { cat make2.log; fail "second make install"; }
tail -n 1 "$T/etc/koyomi/koyomi.conf" | grep -qx '# edited' ||
    fail "reinstall overwrote the configuration"
ok "reinstall keeps /etc/koyomi/koyomi.conf"

make -s -C "$SRC" uninstall DESTDIR="$T" PREFIX=/usr > un.log 2>&1 ||
    { cat un.log; fail "make uninstall"; }
[ -e "$T/usr/bin/koyomi" ] && fail "uninstall left the binary"
[ -e "$U" ] && fail "uninstall left the unit"
[ -e "$T/usr/share/man/man1/koyomi.1" ] && fail "uninstall left koyomi.1"
[ -f "$T/etc/koyomi/koyomi.conf" ] || fail "uninstall removed the config"
ok "uninstall removes what install added, keeps /etc/koyomi"
echo PASS
