#!/usr/bin/env python3
"""Fails on an #include that runs against the layering (docs/hacking.md).

Top-level modules: daemon -> notifier, rules -> calendars; notifier and
rules do not know each other. Inside daemon/, folders by layer, each may
include only the folders below it (and itself):

    cli  server  http  inbox  chase  feeds  outbox  core  store  codec

with two exceptions that a rank cannot say: cli/ and http/ never include
each other (both are front ends), and inbox/, chase/, feeds/, outbox/
and core/ never include http/ (they are above it by nothing). Only
store/ includes sqlite3.h, only http/ includes microhttpd.h, and only
inbox/ includes GMime (gmime.h) or GLib (glib.h). No two files include
each other. Run from the repository's top; prints each offence as
path:line: and exits 1 when there is one.

With --link BUILD_DIR it also reads the archives the Makefile built
(libd_LAYER.a, libnotify.a, librules.a, libcal.a) with nm(1) and fails on
a symbol one archive needs from an archive it may not use: calls that no
header shows (a prototype written in place) cannot hide there.
"""
import os
import re
import subprocess
import sys

DAEMON = ['codec', 'store', 'core', 'outbox', 'feeds', 'chase', 'inbox',
          'http', 'server', 'cli']
RANK = {d: i for i, d in enumerate(DAEMON)}
DENY = {('cli', 'http'), ('http', 'cli')}
TOP = {'calendars': set(), 'rules': {'calendars'},
       'notifier': {'calendars'},
       'daemon': {'calendars', 'rules', 'notifier'}}
ONLY = {'sqlite3.h': 'daemon/store/', 'microhttpd.h': 'daemon/http/',
        'gmime.h': 'daemon/inbox/', 'glib.h': 'daemon/inbox/'}
INC = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


def where(path):
    parts = path.split('/')
    sub = parts[1] if parts[0] == 'daemon' and len(parts) > 2 else None
    return parts[0], sub


def allowed(src, dst):
    stop, ssub = where(src)
    dtop, dsub = where(dst)
    if stop != dtop:
        return dtop in TOP.get(stop, set())
    if stop != 'daemon':
        return True
    if ssub is None or dsub is None:
        return False
    if ssub == dsub:
        return True
    if (ssub, dsub) in DENY:
        return False
    return RANK[dsub] < RANK[ssub]


ARCHIVES = dict([('libcal.a', 'calendars/x'), ('librules.a', 'rules/x'),
                 ('libnotify.a', 'notifier/x')] +
                [('libd_%s.a' % d, 'daemon/%s/x' % d) for d in DAEMON])


def nm(path, *flags):
    out = subprocess.run(['nm', '-g', *flags, path], check=True,
                         capture_output=True, text=True).stdout
    syms = set()
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 2 and not line.endswith(':'):
            syms.add(f[-1])
    return syms


def link_check(build):
    defined, needed, bad = {}, {}, []
    for a, place in ARCHIVES.items():
        p = os.path.join(build, a)
        if not os.path.exists(p):
            bad.append('%s: missing (build first)' % p)
            continue
        for s in nm(p, '--defined-only'):
            defined.setdefault(s, set()).add(a)
        needed[a] = nm(p, '-u')
    for a, syms in needed.items():
        for s in sorted(syms):
            owners = defined.get(s, set())
            if not owners or a in owners:
                continue
            for o in sorted(owners):
                if not allowed(ARCHIVES[a], ARCHIVES[o]):
                    bad.append('%s needs %s from %s against the layering'
                               % (a, s, o))
    return bad


def main():
    bad = []
    edges = {}
    files = []
    for top in TOP:
        for root, _, names in os.walk(top):
            for n in sorted(names):
                if n.endswith(('.c', '.h')):
                    files.append(os.path.join(root, n))
    for sub in os.listdir('daemon'):
        if os.path.isfile(os.path.join('daemon', sub)):
            bad.append('daemon/%s: file outside a layer folder' % sub)
        elif sub not in RANK:
            bad.append('daemon/%s/: folder with no layer' % sub)
    for f in sorted(files):
        with open(f, encoding='utf-8') as fh:
            for ln, line in enumerate(fh, 1):
                m = INC.match(line)
                if not m:
                    continue
                kind, name = m.groups()
                if kind == '<':
                    base = os.path.basename(name)
                    if base in ONLY and not f.startswith(ONLY[base]):
                        bad.append('%s:%d: includes <%s> (only %s may)'
                                   % (f, ln, name, ONLY[base]))
                    continue
                edges.setdefault(f, set()).add(name)
                if not allowed(f, name):
                    bad.append('%s:%d: includes "%s" against the layering'
                               % (f, ln, name))
    for a, targets in edges.items():
        for b in targets:
            if a < b and a in edges.get(b, ()):
                bad.append('%s and %s include each other' % (a, b))
    if len(sys.argv) == 3 and sys.argv[1] == '--link':
        bad += link_check(sys.argv[2])
    for b in bad:
        print(b)
    print('layers: %d files, %d offences' % (len(files), len(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
