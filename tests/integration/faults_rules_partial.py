#!/usr/bin/python3
"""faults_rules_partial: a rules folder replaced half-way during a reload.

Three partial states, each followed by SIGHUP: a cycle file truncated in
the middle of a mapping (a write cut short), half of the directory files
removed (a copy that stopped half-way), and a file truncated to zero
bytes. After each: the reload fails and says where (path:line:col), the
last good rules stay (the public feed keeps the same bytes and ETag, the
private feed still answers, /healthz is 200), and
koyomi_reload_failures_total counts it. Finally the folder is completed:
the next reload succeeds and the feed shows the new content.
"""
import os
import re
import signal
import time

from lib_faults import (Daemon, check, finish, free_port, get, koyomi,
                        wait_for, write_conf)

N_ORGS = 20


def directory_files():
    files = {}
    for f in range(4):
        lines = ["organisations:"]
        for i in range(f * 5, f * 5 + 5):
            lines.append(f"  - {{id: org-{i:02d}, name: 自治体{i:02d}, "
                         "type: municipality}")
        files[f"rules/directory/orgs-{f}.yaml"] = "\n".join(lines) + "\n"
    return files


def cycle_file(meeting):
    assignees = ", ".join(f"org-{i:02d}" for i in range(N_ORGS))
    return ("organisations:\n"
            "  - {id: mhlw, name: 厚生労働省, type: ministry}\n"
            "cycles:\n"
            "  - id: t\n"
            "    title: テスト事業\n"
            "    organiser: mhlw\n"
            "    items:\n"
            f"      - id: m\n        kind: meeting\n        title: {meeting}\n"
            "        date: 6月1日\n        time: \"13:00-17:00\"\n"
            "        location: 中央合同庁舎第5号館\n"
            "      - id: d\n        kind: deadline\n        title: 実績報告\n"
            f"        date: 3月15日\n        assignees: [{assignees}]\n"
            "feeds:\n"
            "  - {id: test, title: テスト, cycles: [t], deadlines: true}\n")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def failures_metric(port):
    body = get(port, "/metrics")[2].decode()
    m = re.search(r"^koyomi_reload_failures_total (\d+)", body, re.M)
    return int(m.group(1)) if m else -1


def hup_and_wait(d, n_before, pattern):
    """SIGHUP, then wait for the n_before+1-th log line matching pattern."""
    d.p.send_signal(signal.SIGHUP)
    return wait_for(lambda: len(re.findall(pattern, d.text())) > n_before,
                    20, "a reload log line")


def main():
    port = free_port()
    write_conf(port)
    for p, t in directory_files().items():
        write(p, t)
    good = cycle_file("全国会議")
    write("rules/cycles/t.yaml", good)
    d = Daemon(port)
    try:
        run(d, port, good)
    finally:
        d.stop()
    finish()


def run(d, port, good):
    st, h, feed0 = get(port, "/feeds/test.ics")
    check(st == 200 and "全国会議".encode() in feed0, "feed served at start")
    etag0 = h.get("ETag")
    r = koyomi("feed-token", "add", "org-03")
    m = re.search(r"/feeds/private/([^/\s]+)\.ics", r.stdout)
    priv = "/feeds/private/%s.ics" % m.group(1) if m else None
    check(priv is not None, "private feed token for org-03")

    half = good.encode()[:len(good.encode()) * 55 // 100]
    cut = half.decode("utf-8", errors="ignore")
    cases = [
        ("cycle file cut short mid-mapping",
         lambda: write("rules/cycles/t.yaml", cut),
         r"t\.yaml:\d+:\d+: error"),
        ("half the directory files removed",
         lambda: (write("rules/cycles/t.yaml", good),
                  os.unlink("rules/directory/orgs-2.yaml"),
                  os.unlink("rules/directory/orgs-3.yaml")),
         r"t\.yaml:\d+:\d+: error"),
        ("a file truncated to zero bytes",
         lambda: (write("rules/directory/orgs-2.yaml",
                        directory_files()["rules/directory/orgs-2.yaml"]),
                  write("rules/directory/orgs-3.yaml", ""),
                  write("rules/cycles/t.yaml", good.replace(
                      "全国会議", "変更後の会議"))),
         r"\.yaml:\d+:\d+: error"),
    ]
    for i, (what, act, where) in enumerate(cases):
        fails_before = failures_metric(port)
        n = len(re.findall(r"the previous rules stay", d.text()))
        act()
        ok = hup_and_wait(d, n, r"the previous rules stay")
        check(bool(ok), f"{what}: reload refused, previous rules stay")
        log = d.text()
        check(re.search(where, log) is not None,
              f"{what}: error logged with its location")
        st, h, feed = get(port, "/feeds/test.ics")
        check(st == 200 and feed == feed0 and h.get("ETag") == etag0,
              f"{what}: public feed keeps the last good bytes and ETag")
        if priv:
            st2, _, pf = get(port, priv)
            check(st2 == 200 and "実績報告".encode() in pf,
                  f"{what}: private feed still served")
        check(get(port, "/healthz")[0] == 200, f"{what}: /healthz 200")
        check(failures_metric(port) >= fails_before + 1,
              f"{what}: koyomi_reload_failures_total counts it")
        check(d.p.poll() is None, f"{what}: daemon still running")

    # The copy completes: the next reload takes the new rules.
    write("rules/directory/orgs-3.yaml",
          directory_files()["rules/directory/orgs-3.yaml"])
    n = len(re.findall(r"reload \(SIGHUP\): \d+ files?", d.text()))
    ok = hup_and_wait(d, n, r"reload \(SIGHUP\): \d+ files?")
    check(bool(ok), "completed folder: reload succeeds")
    wait_for(lambda: "変更後の会議".encode() in get(port, "/feeds/test.ics")[2],
             10, "the new meeting title in the feed")
    st, h, feed = get(port, "/feeds/test.ics")
    check(st == 200 and "変更後の会議".encode() in feed and
          h.get("ETag") != etag0, "feed shows the new rules with a new ETag")


if __name__ == "__main__":
    main()
