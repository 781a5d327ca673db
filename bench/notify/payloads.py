#!/usr/bin/python3
"""payloads.py OUTDIR — the two payloads of the notifier benchmark.

msg.eml:   a reminder mail of about 2.7 KB as koyomi's own look: a
           Japanese subject (RFC 2047), a base64 UTF-8 text part and a
           one-event text/calendar part (METHOD:PUBLISH).
hook.json: a webhook body of about 0.7 KB (UTF-8 JSON, one reminder).
Deterministic: a fixed Message-ID and dates.
"""
import json
import os
import sys
from email.message import EmailMessage
from email.policy import SMTP

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
title = "第3回 地域包括ケア推進担当者会議（実績報告の取りまとめ）"
place = "中央合同庁舎第5号館 低層棟 共用第8会議室（千代田区霞が関）"

m = EmailMessage(policy=SMTP)
m["From"] = "koyomi <reminder@bench.example.jp>"
m["To"] = "担当者 <tanto@example.lg.jp>"
m["Subject"] = "【提出期限のお知らせ】12月9日（水）17:00 " + title
m["Date"] = "Tue, 08 Dec 2026 09:00:00 +0900"
m["Message-ID"] = "<koyomi.0123456789abcdef0123456789abcdef@bench.example.jp>"
m["Auto-Submitted"] = "auto-generated"
m["List-Id"] = "<bench.bench.example.jp>"
text = "\n".join([
    "担当者様", "",
    "下記の提出期限が近づいています。ご確認のうえ、期限までにご提出ください。",
    "", "件名：" + title,
    "期限：令和8年12月9日（水）17:00", "場所：" + place, "",
    "提出が済みましたら、下記のリンクから完了を登録してください。",
    "登録されると、以後のお知らせは止まります。", "",
    "完了の登録：https://koyomi.example.jp/c/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "予定の一覧：https://koyomi.example.jp/feeds/bench.ics", "",
    "本メールは koyomi から自動送信しています。返信は受け付けていません。",
    "ご不明な点は事務局（内線 0000）までお問い合わせください。",
])
m.set_content(text, charset="utf-8", cte="base64")
ics = "\r\n".join([
    "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//koyomi//bench//JA",
    "METHOD:PUBLISH", "BEGIN:VEVENT", "UID:bench-report-2026@bench.example.jp",
    "DTSTAMP:20261208T000000Z", "DTSTART;TZID=Asia/Tokyo:20261209T170000",
    "DTEND;TZID=Asia/Tokyo:20261209T170000", "SUMMARY:" + title,
    "END:VEVENT", "END:VCALENDAR", ""])
m.add_attachment(ics.encode(), maintype="text", subtype="calendar",
                 filename="deadline.ics",
                 params={"method": "PUBLISH", "charset": "utf-8"})
with open(os.path.join(out, "msg.eml"), "wb") as f:
    f.write(m.as_bytes())
hook = {
    "type": "task.reminder", "timestamp": "2026-12-08T00:00:00Z",
    "data": {"task_id": 1234, "cycle": "bench", "item": "report",
             "title": title, "assignee": "o00001", "due": "2026-12-09T08:00:00Z",
             "due_wareki": "令和8年12月9日（水）", "step": "-1d",
             "link": "https://koyomi.example.jp/c/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
             "place": place, "note": "提出様式は事務局のポータルに掲載しています。"},
}
with open(os.path.join(out, "hook.json"), "w", encoding="utf-8") as f:
    json.dump(hook, f, ensure_ascii=False)
