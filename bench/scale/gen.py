#!/usr/bin/python3
"""gen.py N OUTDIR — a synthetic rules folder for the scale benchmark.

N organisations (municipalities), each with one contact; one group holding
them all; one cycle valid for 10 fiscal years (from_fy 2021, until_fy
2030) with 30 deadlines, each assigned to the whole group (so one task per
deadline, organisation and fiscal year), plus 12 monthly meetings for the
public feed `scale`. Every organisation and contact has its private feed
(implied by the rule language: 2·N private feeds). The directory is split
over files of 100 organisations, as a real directory would be.
Deterministic: the same N gives the same bytes.
"""
import os
import sys

TITLES = ["地域包括ケア 実績報告", "研修受講者名簿", "補助金 交付申請書",
          "事業計画書", "四半期報告", "意向調査 回答"]


def directory(n, outdir):
    per_file = 100
    for f in range((n + per_file - 1) // per_file):
        lo, hi = f * per_file, min(n, (f + 1) * per_file)
        lines = ["organisations:"]
        for i in range(lo, hi):
            lines.append(f"  - {{id: org-{i:05d}, name: 自治体{i:05d}, "
                         f"type: municipality}}")
        lines.append("contacts:")
        for i in range(lo, hi):
            lines.append(f"  - {{id: c-{i:05d}, org: org-{i:05d}, "
                         f"name: 担当{i:05d}, mail: tanto{i}@org{i}.example.jp, "
                         f"roles: [tanto]}}")
        with open(os.path.join(outdir, "directory", f"orgs-{f:03d}.yaml"),
                  "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")


def cycle(n, outdir):
    lines = [
        "organisations:",
        "  - {id: ministry, name: 厚生労働省, type: ministry}",
        "contacts:",
        "  - {id: c-coord, org: ministry, name: 事務局, "
        "mail: coord@ministry.example.jp, roles: [coordinator]}",
        "groups:",
        "  - id: everyone",
        "    name: 全自治体",
        "    select: {type: [municipality]}",
        "policies:",
        "  - id: std",
        "    steps: [-14d, -7d, -3bd, -1bd, \"0d 09:00\", +1bd]",
        "    repeat_overdue: 3bd",
        "    escalate: {after: 3bd, to: coordinator}",
        "    channels: [mail]",
        "    digest: true",
        "cycles:",
        "  - id: scale",
        "    title: スケール試験 事業",
        "    organiser: ministry",
        "    coordinator: c-coord",
        "    from_fy: 2021",
        "    until_fy: 2030",
        "    policy: std",
        "    items:",
    ]
    for i in range(30):
        m = (i % 12) + 1
        d = (i * 3) % 27 + 1
        lines += [f"      - id: d{i:02d}", "        kind: deadline",
                  f"        title: \"{TITLES[i % len(TITLES)]} その{i + 1}\"",
                  f"        date: \"{m}月{d}日\"",
                  "        assignees: everyone"]
    for m in range(12):
        lines += [f"      - id: m{m:02d}", "        kind: meeting",
                  f"        title: \"定例会議 {m + 1}月\"",
                  f"        date: \"{(m + 3) % 12 + 1}月15日\"",
                  "        time: \"13:30-16:00\"",
                  "        location: \"中央合同庁舎第5号館 会議室\""]
    lines += ["feeds:",
              "  - {id: scale, title: スケール試験, cycles: [scale], "
              "deadlines: true}"]
    with open(os.path.join(outdir, "cycles", "scale.yaml"), "w",
              encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen.py N OUTDIR")
    n, outdir = int(sys.argv[1]), sys.argv[2]
    for sub in ("directory", "cycles"):
        os.makedirs(os.path.join(outdir, sub), exist_ok=True)
    directory(n, outdir)
    cycle(n, outdir)


if __name__ == "__main__":
    main()
