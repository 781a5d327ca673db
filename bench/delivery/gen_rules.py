#!/usr/bin/python3
"""gen_rules.py N DAY CHANNELS OUTDIR — rules for the delivery benchmark.

N organisations with one contact each (a distinct mail address), one
group of them all and one deadline on DAY (YYYY-MM-DD, a business day)
assigned to the group, with a one-step policy at 09:00 that day
("0d 09:00") over CHANNELS (mail, webhook or mail,webhook) and no
digest: at 09:00 one reminder pass queues N mails and/or N webhooks.
Split over files of 500 organisations. Deterministic.
"""
import os
import sys


def main():
    n, day, channels, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], \
        sys.argv[4]
    os.makedirs(out, exist_ok=True)
    per = 500
    for f in range((n + per - 1) // per):
        lo, hi = f * per, min(n, (f + 1) * per)
        lines = ["organisations:"]
        lines += [f"  - {{id: o{i:05d}, name: 自治体{i:05d}, "
                  "type: municipality}" for i in range(lo, hi)]
        lines.append("contacts:")
        lines += [f"  - {{id: c{i:05d}, org: o{i:05d}, name: 担当{i:05d}, "
                  f"mail: tanto{i}@o{i:05d}.example.lg.jp}}"
                  for i in range(lo, hi)]
        with open(os.path.join(out, f"orgs-{f:03d}.yaml"), "w",
                  encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    with open(os.path.join(out, "cycle.yaml"), "w", encoding="utf-8") as fh:
        fh.write(f"""\
organisations:
  - {{id: ministry, name: 厚生労働省, type: ministry}}
groups:
  - id: everyone
    name: 全自治体
    select: {{type: [municipality]}}
policies:
  - id: morning
    steps: ["0d 09:00"]
    channels: [{channels}]
    digest: false
cycles:
  - id: bench
    title: 配信試験 事業
    organiser: ministry
    policy: morning
    items:
      - id: report
        kind: deadline
        title: 地域包括ケア 実績報告（配信試験）
        date: "{day}"
        adjust: {{to: none, reason: 試験のため当日が期限}}
        assignees: everyone
""")


if __name__ == "__main__":
    main()
