#!/usr/bin/python3
"""gen_rules.py OUT.yaml — a rule file for the feed benchmark.

Two cycles, b50 and b500, with enough meetings (long Japanese titles,
descriptions and places, as the shipped cycles have) that their public
feeds f50 and f500 come to about 50 KB and 500 KB. Deterministic.
"""
import sys

TITLES = ["精神障害にも対応した地域包括ケアシステム構築支援事業 全国会議",
          "ブロック会議（関東ブロック）意見交換会", "入院者訪問支援事業 担当者会議",
          "地域移行・地域定着支援 研修会", "アウトリーチ支援 事例検討会"]
DESC = ("議題：1. 事業の進捗報告、2. 都道府県等からの取組報告、3. 意見交換。"
        "事前提出資料は開催の10営業日前までにメールで提出してください。"
        "オンライン併用（Zoom）。今後変更となる可能性があります。")
PLACES = ["中央合同庁舎第5号館 専用第22会議室", "TKP新橋カンファレンスセンター ホール6A",
          "オンライン（Zoom）", "大阪府立国際会議場 10階 会議室1001-1002"]


def cycle(cid, n):
    out = [f"  - id: {cid}", f"    title: ベンチマーク {cid}",
           "    organiser: mhlw", "    from_fy: 2026", "    until_fy: 2026",
           "    items:"]
    for i in range(n):
        m = (i % 12) + 1
        d = (i * 7) % 28 + 1
        out += [f"      - id: m{i:04d}", "        kind: meeting",
                f"        title: \"{TITLES[i % len(TITLES)]} 第{i + 1}回\"",
                f"        date: \"{m}月{d}日\"",
                f"        time: \"{9 + i % 6:02d}:00-{15 + i % 3:02d}:30\"",
                f"        location: \"{PLACES[i % len(PLACES)]}\"",
                f"        description: \"{DESC}\""]
    return out


def main():
    lines = ["organisations:",
             "  - {id: mhlw, name: 厚生労働省, type: ministry}", "cycles:"]
    lines += cycle("b50", 71) + cycle("b500", 710)
    lines += ["feeds:",
              "  - {id: f50, title: ベンチ50KB, cycles: [b50]}",
              "  - {id: f500, title: ベンチ500KB, cycles: [b500]}"]
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
