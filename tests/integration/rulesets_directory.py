#!/usr/bin/python3
"""Checks the shipped directory (rules/directory) independently of koyomi:
counts per type, every 全国地方公共団体コード check digit (computed here, not
by koyomi), prefecture links, the six ブロック (every prefecture in exactly
one, and block-X-all agreeing with block-X), Miyagi's 35 municipalities in
7 圏域, and that every example contact is a made-up example.jp address.
Then runs `koyomi check` on the whole shipped rules folder: it must pass
with no warnings."""

import glob
import os
import subprocess
import sys

import yaml

SRC = os.environ.get("KOYOMI_SRC", os.path.join(os.path.dirname(__file__),
                                                "..", ".."))
KOYOMI = os.environ.get("KOYOMI") or os.path.join(SRC, "koyomi")
RULES = os.path.join(SRC, "rules")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, file=sys.stderr)


def check_digit(code5):
    """JIS X 0401/0402 check digit: weights 6..2, 11 - (S mod 11), last
    digit of the result (so 11 -> 1 and 10 -> 0)."""
    s = sum(int(c) * w for c, w in zip(code5, (6, 5, 4, 3, 2)))
    return str((11 - s % 11) % 10)


def load_all():
    docs = {}
    for path in sorted(glob.glob(os.path.join(RULES, "**", "*.yaml"),
                                 recursive=True)):
        with open(path, encoding="utf-8") as f:
            docs[path] = yaml.safe_load(f) or {}
    return docs


def main():
    # The rule must agree with the codes the brief quotes as known-good.
    for code in ("010006", "011002", "131016", "131041", "130001"):
        if check_digit(code[:5]) != code[5]:
            fail(f"check digit rule wrong for {code}")
    for bad in ("010007", "131040"):
        if check_digit(bad[:5]) == bad[5]:
            fail(f"check digit rule accepts {bad}")

    docs = load_all()
    orgs, groups, contacts = {}, {}, {}
    for path, d in docs.items():
        for kind, store in (("organisations", orgs), ("groups", groups),
                            ("contacts", contacts)):
            for e in d.get(kind) or []:
                if e["id"] in store:
                    fail(f"{kind} id {e['id']} defined twice ({path})")
                store[e["id"]] = e

    bytype = {}
    for o in orgs.values():
        bytype.setdefault(o.get("type", "other"), []).append(o)
    want = {"prefecture": 47, "designated-city": 20, "special-ward": 23,
            "core-city": 62, "health-centre-city": 5, "municipality": 34}
    for t, n in want.items():
        got = len(bytype.get(t, []))
        if got != n:
            fail(f"{got} organisations of type {t}, want {n}")

    codes = {}
    for o in orgs.values():
        code = o.get("code")
        if code is None:
            if o.get("type") in want:
                fail(f"{o['id']} ({o['type']}) has no code")
            continue
        code = str(code)
        if len(code) != 6 or not code.isdigit():
            fail(f"{o['id']}: code {code!r} is not 6 digits")
            continue
        if check_digit(code[:5]) != code[5]:
            fail(f"{o['id']} {o['name']}: code {code} has a wrong check "
                 f"digit (want {check_digit(code[:5])})")
        if code in codes:
            fail(f"code {code} used by {codes[code]} and {o['id']}")
        codes[code] = o["id"]
        pref = o.get("prefecture")
        if pref != "pref-" + code[:2]:
            fail(f"{o['id']}: prefecture {pref} does not match code {code}")

    for i in range(1, 48):
        pid = "pref-%02d" % i
        p = orgs.get(pid)
        if p is None or p.get("type") != "prefecture":
            fail(f"{pid} missing or not a prefecture")
    for fixed, code in (("pref-01", "010006"), ("pref-13", "130001"),
                        ("city-sapporo", "011002"),
                        ("ward-chiyoda", "131016"),
                        ("ward-shinjuku", "131041")):
        if str(orgs.get(fixed, {}).get("code")) != code:
            fail(f"{fixed} should have code {code}")
    if any(o["name"] == "大牟田市" for o in orgs.values()):
        fail("大牟田市 is listed although its 保健所 closed in 2020")

    # Blocks: six of them, each prefecture in exactly one.
    blocks = [g for g in groups
              if g.startswith("block-") and not g.endswith("-all")]
    if len(blocks) != 6:
        fail(f"{len(blocks)} block groups, want 6")
    seen = {}
    for b in blocks:
        g = groups[b]
        if not (g.get("attrs") or {}).get("host"):
            fail(f"{b} has no host attribute")
        for m in g.get("members") or []:
            if orgs.get(m, {}).get("type") != "prefecture":
                fail(f"{b}: member {m} is not a prefecture")
            if m in seen:
                fail(f"{m} is in both {seen[m]} and {b}")
            seen[m] = b
        alls = groups.get(b + "-all")
        if alls is None:
            fail(f"{b}-all missing")
        elif sorted((alls.get("select") or {}).get("prefecture") or []) != \
                sorted(g.get("members") or []):
            fail(f"{b}-all selects other prefectures than {b}")
    for i in range(1, 48):
        if "pref-%02d" % i not in seen:
            fail("pref-%02d is in no block" % i)
    hosts = sorted(groups[b]["attrs"]["host"] for b in blocks)
    if hosts != sorted(["青森市", "東京", "金沢市", "名古屋市", "広島市",
                        "福岡市"]):
        fail(f"block hosts {hosts}")

    # Miyagi: 7 圏域, 35 municipalities (仙台市 included), 5/4/4 地区.
    areas = groups.get("miyagi-areas", {}).get("members") or []
    if len(areas) != 7:
        fail(f"miyagi-areas has {len(areas)} members, want 7")
    munis = groups.get("miyagi-municipalities", {}).get("members") or []
    if len(munis) != 35 or len(set(munis)) != 35:
        fail(f"miyagi-municipalities has {len(munis)} members, want 35")
    total = 0
    for a in areas:
        total += len(groups.get(a + "-munis", {}).get("members") or [])
    if total != 35:
        fail(f"the 圏域 groups hold {total} municipalities, want 35")
    for d, n in (("miyagi-shiogama", 5), ("miyagi-iwanuma", 4),
                 ("miyagi-kurokawa", 4)):
        k = sum(1 for o in orgs.values() if o.get("parent") == d)
        if k != n:
            fail(f"{d} has {k} municipalities, want {n} (004:116)")

    # Contacts: every one an example, under example.jp, with an org.
    for c in contacts.values():
        mail = c.get("mail", "")
        if not mail.endswith(".example.jp") and \
                not mail.endswith("@example.jp"):
            fail(f"contact {c['id']} mail {mail} is not under example.jp")
        if "（例）" not in c.get("name", ""):
            fail(f"contact {c['id']} name is not marked （例）")
    for o in bytype.get("prefecture", []) + bytype.get("designated-city", []):
        if not any(c.get("org") == o["id"] for c in contacts.values()):
            fail(f"{o['id']} has no contact")
    coords = [c for c in contacts.values()
              if "coordinator" in (c.get("roles") or [])]
    for path, d in docs.items():
        for cy in d.get("cycles") or []:
            co = cy.get("coordinator")
            if co not in contacts or \
                    "coordinator" not in contacts[co].get("roles", []):
                fail(f"cycle {cy['id']}: coordinator {co} lacks the role")
    if not coords:
        fail("no coordinator contacts")

    # Every cycle item cites the seeds.
    for path, d in docs.items():
        for cy in d.get("cycles") or []:
            for it in cy.get("items") or []:
                src = str(it.get("source", ""))
                if not src.startswith(("000_", "001_", "002_", "003_",
                                       "004_")):
                    fail(f"{cy['id']}/{it['id']}: no seed source")

    # koyomi check: must pass with no warnings.
    r = subprocess.run([KOYOMI, "check", RULES], capture_output=True,
                       text=True, timeout=30)
    out = r.stdout + r.stderr
    if r.returncode != 0:
        fail(f"koyomi check rules/ exited {r.returncode}:\n{out}")
    elif "warning" in out and " 0 warnings" not in out:
        fail(f"koyomi check rules/ printed warnings:\n{out}")

    if failures:
        print(f"{len(failures)} failure(s)", file=sys.stderr)
        return 1
    print(f"ok: {len(orgs)} organisations, {len(groups)} groups, "
          f"{len(contacts)} contacts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
