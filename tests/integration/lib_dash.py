"""Helpers for the dashboard tests (a helper, not a test).

A small rule set whose dates follow today (in Asia/Tokyo): a deadline
five days ahead, a survey twenty days ahead, one that was already over
twenty days ago when the daemon first started (history: 対象外・過去分),
a meeting, a period (7月頃) and an assumed item for the annual view, and a
second cycle for the coordinator of another cycle. Tokens for every role
the routes know, and the login the browser would do.
"""
import datetime
import os
import re
import urllib.parse

from lib_daemon import check, koyomi, request

JST = datetime.timezone(datetime.timedelta(hours=9))
TODAY = datetime.datetime.now(JST).date()


def day(offset):
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


def fiscal_year(d):
    return d.year if d.month >= 4 else d.year - 1


RULES = """\
organisations:
  - {id: mhlw, name: 厚生労働省, type: ministry}
  - {id: pref-a, name: Ａ県, type: prefecture}
  - {id: city-1, name: 甲市, type: municipality, prefecture: pref-a}
  - {id: city-2, name: 乙町, type: municipality, prefecture: pref-a}
  - {id: city-3, name: 丙村, type: municipality, prefecture: pref-a}
contacts:
  - {id: c-1, org: city-1, name: 甲市担当, mail: one@city1.example.jp}
  - {id: c-2, org: city-2, name: 乙町担当, mail: two@city2.example.jp}
  - {id: c-co, org: mhlw, name: 事務局, mail: co@mhlw.example.jp}
groups:
  - {id: g-all, name: 全市町村, members: [city-1, city-2, city-3]}
cycles:
  - id: x
    title: 計画調査事業
    organiser: mhlw
    coordinator: c-co
    items:
      - id: soon
        kind: deadline
        title: 計画の提出
        date: "%(soon)s"
        adjust: {to: none, reason: 試験は書いた日付を確かめる}
        assignees: g-all
      - id: survey
        kind: deadline
        title: 参加意向調査
        date: "%(survey)s"
        adjust: {to: none, reason: 試験は書いた日付を確かめる}
        assignees: g-all
        response: {options: [参加, 不参加], text: true}
      - id: old
        kind: deadline
        title: 昨年分の実績報告
        date: "%(old)s"
        adjust: {to: none, reason: 試験は書いた日付を確かめる}
        assignees: g-all
      - id: kaigi
        kind: meeting
        title: 全国会議
        date: "%(meeting)s"
        adjust: {to: none, reason: 試験は書いた日付を確かめる}
        time: "13:00-16:00"
      - id: kenshu
        kind: training
        title: 研修会
        date: 7月頃
      - id: houkoku
        kind: deadline
        title: 年度末報告（想定）の提出
        date: 3月10日
        assumed: true
        adjust: {to: none, reason: 試験は書いた日付を確かめる}
        assignees: [city-1]
  - id: y
    title: 別の事業
    organiser: mhlw
    items:
      - id: other
        kind: deadline
        title: 別事業の提出
        date: "%(soon)s"
        adjust: {to: none, reason: 試験は書いた日付を確かめる}
        assignees: [city-3]
feeds:
  - {id: pub, title: 公開, cycles: [x], deadlines: true}
"""


def write_rules(d):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "dash.yaml"), "w") as f:
        f.write(RULES % {"soon": day(5), "survey": day(20), "old": day(-20),
                         "meeting": day(30)})


def tokens(conf):
    """A token per role: admin, viewer, coordinator of x, of y."""
    out = {}
    for name, args in (("admin", ["--role", "admin"]),
                       ("viewer", ["--role", "viewer"]),
                       ("coord-x", ["--role", "coordinator", "--cycle", "x"]),
                       ("coord-y", ["--role", "coordinator", "--cycle", "y"])):
        r = koyomi(conf, "token", "add", *args, name)
        out[name] = r.stdout.decode().strip()
    return out


def login(port, token):
    """A session cookie ("koyomi_session=…") for token, or None."""
    st, h, _ = request(port, "GET", "/login")
    m = re.search(r"koyomi_login=([^;]+)", h.get("set-cookie", ""))
    if m is None:
        return None
    form = urllib.parse.urlencode({"csrf": m.group(1), "token": token})
    st, h, _ = request(port, "POST", "/login", body=form.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "koyomi_login=" + m.group(1)})
    s = re.search(r"koyomi_session=([^;]+)", h.get("set-cookie", ""))
    check(st == 303 and s is not None, "login (%d)" % st)
    return "koyomi_session=" + s.group(1) if s else None


def csrf_of(port, cookie):
    st, _, body = request(port, "GET", "/", headers={"Cookie": cookie})
    m = re.search(r'name="csrf" value="([^"]+)"', body.decode())
    return m.group(1) if m else None


def form_post(port, path, cookie, fields):
    return request(port, "POST", path,
                   body=urllib.parse.urlencode(fields).encode(),
                   headers={"Cookie": cookie, "Content-Type":
                            "application/x-www-form-urlencoded"})
