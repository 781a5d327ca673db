#!/usr/bin/python3
"""flow.py — the soak's steady reminder flow, as a rule file.

  flow.py FILE SECONDS N   write FILE: one deadline per minute over the
                           next SECONDS (from the first call's start,
                           kept in FILE.start), each reminding 15 of the
                           scale generator's organisations at its due
                           time (mail and webhook); N goes into the title
                           of an item far in the future, so a rewrite
                           changes the rules without moving any reminder.
  flow.py --count SECONDS  how many of those deadlines fall in the run.
"""
import datetime
import os
import sys

JST = datetime.timezone(datetime.timedelta(hours=9))
PER = 15        # organisations per deadline
ORGS = 200      # bench/scale/gen.py 200


def deadlines(seconds):
    return max(1, int(seconds) // 60 - 1)


def main():
    if sys.argv[1] == "--count":
        print(deadlines(sys.argv[2]))
        return
    path, seconds, n = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    stamp = path + ".start"
    if not os.path.exists(stamp):
        with open(stamp, "w") as f:
            f.write("%d\n" % int(datetime.datetime.now(JST).timestamp()))
    with open(stamp) as f:
        start = datetime.datetime.fromtimestamp(int(f.read()), JST)
    first = (start + datetime.timedelta(minutes=2)).replace(second=0)
    lines = ["policies:",
             "  - {id: flow, steps: [0s], channels: [mail, webhook], "
             "digest: false}",
             "cycles:",
             "  - id: flow",
             "    title: 定常フロー",
             "    organiser: ministry",
             "    policy: flow",
             "    items:"]
    for i in range(deadlines(seconds)):
        t = first + datetime.timedelta(minutes=i)
        who = ", ".join("org-%05d" % ((i * PER + k) % ORGS)
                        for k in range(PER))
        lines.append('      - {id: f%03d, kind: deadline, title: 定常報告%d, '
                     'date: "%s", due: "%s", assignees: [%s]}'
                     % (i, i, t.strftime("%Y-%m-%d"), t.strftime("%H:%M"),
                        who))
    lines.append('      - {id: later, kind: meeting, title: 定常会議（版%s）, '
                 'date: "%s", time: "10:00-11:00"}'
                 % (n, (start + datetime.timedelta(days=60))
                    .strftime("%Y-%m-%d")))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.rename(tmp, path)


if __name__ == "__main__":
    main()
