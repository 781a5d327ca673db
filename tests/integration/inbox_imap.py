#!/usr/bin/python3
"""inbox_imap.py — replies by mail with the inbound mailbox in imap mode,
on a Postfix and a Dovecot (imaps) of the test's own: see lib_inbox.py for
every step (reminder with a signed Reply-To, a reply with an .xlsx that
completes the task, the zip byte for byte, a forged signature, a
stranger, an auto-reply, a real bounce, the roles, a message found again
after a crash, and kill -9 while 40 messages are read)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib_inbox  # noqa: E402

lib_inbox.run("imap")
