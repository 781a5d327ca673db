/*
 * schema.h — the SQLite schema, one migration per entry, applied in order
 * and keyed on PRAGMA user_version (store.c). Never edit a shipped
 * migration: append a new one. Timestamps are UTC seconds since the epoch
 * (INTEGER); calendar days are ISO 'YYYY-MM-DD' text in the configured zone.
 */
#ifndef KOYOMI_SCHEMA_H
#define KOYOMI_SCHEMA_H

static const char *const schema_migrations[] = {
/* 1: the first schema. */
"CREATE TABLE settings ("
"  key TEXT PRIMARY KEY,"
"  value TEXT NOT NULL"
");"
/* One row per occurrence UID ever published: drives SEQUENCE and CANCELLED. */
"CREATE TABLE event_revisions ("
"  uid TEXT PRIMARY KEY,"
"  hash TEXT NOT NULL,"			/* occ.hash of the last content */
"  sequence INTEGER NOT NULL DEFAULT 0,"
"  dtstamp INTEGER NOT NULL,"		/* time of the last change */
"  cancelled_at INTEGER,"		/* NULL while the occurrence exists */
"  snapshot TEXT"			/* JSON of the last content, for cancelled feeds and announcements */
");"
/* One task per deadline occurrence and assignee. */
"CREATE TABLE tasks ("
"  id INTEGER PRIMARY KEY,"
"  uid TEXT NOT NULL,"			/* occurrence UID */
"  assignee TEXT NOT NULL,"		/* org or contact id */
"  cycle TEXT NOT NULL,"
"  item TEXT NOT NULL,"
"  fy INTEGER NOT NULL,"
"  title TEXT NOT NULL,"
"  due INTEGER NOT NULL,"		/* UTC time it falls due */
"  due_day TEXT NOT NULL,"		/* local day, ISO */
"  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','done','waived')),"
"  answer TEXT,"			/* survey answer, one of the options */
"  answer_text TEXT,"
"  cancelled INTEGER NOT NULL DEFAULT 0,"	/* occurrence removed from the rules */
"  created INTEGER NOT NULL,"
"  updated INTEGER NOT NULL,"
"  UNIQUE (uid, assignee)"
");"
"CREATE INDEX tasks_state ON tasks (state, due);"
"CREATE INDEX tasks_assignee ON tasks (assignee);"
/* Audit trail: every state change, who, when, through what. */
"CREATE TABLE task_events ("
"  id INTEGER PRIMARY KEY,"
"  task INTEGER NOT NULL REFERENCES tasks (id),"
"  at INTEGER NOT NULL,"
"  action TEXT NOT NULL,"		/* created, done, reopened, waived, answered, cancelled, restored, due_changed */
"  who TEXT,"
"  via TEXT NOT NULL,"			/* cli, api, link, dashboard, rules */
"  note TEXT"
");"
"CREATE INDEX task_events_task ON task_events (task);"
/* Reminder steps already taken: the scheduler never repeats one. */
"CREATE TABLE reminder_steps ("
"  task INTEGER NOT NULL REFERENCES tasks (id),"
"  step TEXT NOT NULL,"			/* e.g. '-14d', '+1bd', 'overdue#3', 'escalate' */
"  at INTEGER NOT NULL,"
"  outbox INTEGER,"			/* the message it queued, if any */
"  PRIMARY KEY (task, step)"
");"
/* The durable outbox: written in the same transaction as its reason. */
"CREATE TABLE outbox ("
"  id INTEGER PRIMARY KEY,"
"  msgid TEXT NOT NULL UNIQUE,"		/* Message-ID / webhook-id, stable across retries */
"  channel TEXT NOT NULL CHECK (channel IN ('mail','webhook')),"
"  destination TEXT NOT NULL,"		/* mail address or webhook endpoint id */
"  kind TEXT NOT NULL,"			/* reminder, overdue, escalation, digest, changed, cancelled, receipt, task.completed … */
"  subject TEXT,"
"  body BLOB NOT NULL,"			/* full RFC 5322 message, or JSON payload */
"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sending','sent','failed','dead')),"
"  attempts INTEGER NOT NULL DEFAULT 0,"
"  next_attempt INTEGER NOT NULL,"
"  last_error TEXT,"
"  created INTEGER NOT NULL,"
"  sent_at INTEGER"
");"
"CREATE INDEX outbox_due ON outbox (state, next_attempt);"
/* Webhook endpoint health: disabled after failing for days. */
"CREATE TABLE endpoints ("
"  id TEXT PRIMARY KEY,"
"  failing_since INTEGER,"
"  disabled_at INTEGER"
");"
"CREATE TABLE cases ("
"  id INTEGER PRIMARY KEY,"
"  cycle TEXT NOT NULL,"
"  code TEXT NOT NULL,"			/* pseudonymous; never a name */
"  org TEXT,"
"  start_day TEXT NOT NULL,"
"  closed_day TEXT,"
"  created INTEGER NOT NULL,"
"  UNIQUE (cycle, code)"
");"
"CREATE TABLE api_tokens ("
"  id INTEGER PRIMARY KEY,"
"  name TEXT NOT NULL UNIQUE,"
"  role TEXT NOT NULL CHECK (role IN ('admin','coordinator','viewer')),"
"  cycles TEXT,"			/* coordinator: comma-separated cycle ids */
"  hash TEXT NOT NULL UNIQUE,"		/* hex SHA-256 of the token */
"  created INTEGER NOT NULL,"
"  revoked INTEGER"
");"
"CREATE TABLE feed_tokens ("
"  owner TEXT PRIMARY KEY,"		/* org or contact id */
"  hash TEXT NOT NULL UNIQUE,"		/* hex SHA-256 of the token */
"  created INTEGER NOT NULL"
");"
"CREATE TABLE sessions ("
"  hash TEXT PRIMARY KEY,"		/* hex SHA-256 of the cookie */
"  token INTEGER NOT NULL REFERENCES api_tokens (id),"
"  csrf TEXT NOT NULL,"
"  expires INTEGER NOT NULL"
");",
/*
 * 2: per feed, a hash of its bytes and the time it first had them, so a
 * restart that builds the same bytes keeps Last-Modified (feeds.h).
 */
"CREATE TABLE feed_stamps ("
"  private INTEGER NOT NULL,"		/* 0 public feed name, 1 private owner */
"  key TEXT NOT NULL,"			/* feed name or owner id */
"  etag TEXT NOT NULL,"			/* strong ETag of the identity bytes */
"  mtime INTEGER NOT NULL,"		/* Last-Modified */
"  PRIMARY KEY (private, key)"
");",
/* 3: what an endpoint's last failure was, for `koyomi webhook list`. */
"ALTER TABLE endpoints ADD COLUMN last_error TEXT;",
/*
 * 4: every start and reload reads the answered tasks (for `from_responses`
 * items) and the last 'answered' event: partial indexes hold just those
 * rows, so neither scans every task.
 */
"CREATE INDEX tasks_answered ON tasks (id)"
"  WHERE answer IS NOT NULL AND cancelled = 0;"
"CREATE INDEX task_events_answered ON task_events (id)"
"  WHERE action = 'answered';",
/*
 * 5: replies by mail (daemon/inbox/). Every message read from the inbound
 * mailbox is one row of inbox_messages, written in the transaction that
 * applies it, so a message is applied once whatever crashes: its hash is
 * looked up before anything is done. Attachments are files under the
 * database's folder named by their SHA-256; inbox_files says whose they
 * are. mail_refs ties a reminder's Message-ID to its task (a reply's
 * In-Reply-To); mail_failures holds addresses our mail bounced from;
 * inbox_senders the addresses an administrator allowed for an
 * organisation besides its directory contacts.
 */
"CREATE TABLE inbox_messages ("
"  id INTEGER PRIMARY KEY,"
"  hash TEXT NOT NULL UNIQUE,"		/* hex SHA-256 of the raw message */
"  msgid TEXT,"				/* Message-ID, brackets included */
"  received INTEGER NOT NULL,"
"  sender TEXT,"			/* From: address, lower case */
"  subject TEXT,"
"  state TEXT NOT NULL CHECK (state IN ('applied','received',"
"    'unmatched','auto','bounce','duplicate','assigned','dismissed')),"
"  reason TEXT,"			/* why it was not applied */
"  task INTEGER REFERENCES tasks (id),"	/* matched, or suggested */
"  cycle TEXT,"				/* the task's cycle: who may see it */
"  size INTEGER NOT NULL"
");"
"CREATE INDEX inbox_messages_msgid ON inbox_messages (msgid);"
"CREATE INDEX inbox_messages_state ON inbox_messages (state, id);"
"CREATE TABLE inbox_files ("
"  id INTEGER PRIMARY KEY,"
"  message INTEGER NOT NULL REFERENCES inbox_messages (id),"
"  task INTEGER REFERENCES tasks (id),"	/* NULL until the message is applied */
"  name TEXT NOT NULL,"			/* sanitised file name */
"  type TEXT NOT NULL,"			/* content type as sent */
"  size INTEGER NOT NULL,"
"  sha256 TEXT NOT NULL,"		/* the stored file's name */
"  stored INTEGER NOT NULL"		/* 0: over the size limit, not kept */
");"
"CREATE INDEX inbox_files_task ON inbox_files (task);"
"CREATE INDEX inbox_files_message ON inbox_files (message);"
"CREATE TABLE mail_refs ("
"  msgid TEXT PRIMARY KEY,"		/* a reminder's Message-ID */
"  task INTEGER NOT NULL"
");"
"CREATE TABLE mail_failures ("
"  address TEXT PRIMARY KEY,"		/* lower case */
"  since INTEGER NOT NULL,"
"  last INTEGER NOT NULL,"
"  count INTEGER NOT NULL,"
"  error TEXT,"				/* the DSN's status and diagnostic */
"  msgid TEXT"				/* the bounced message */
");"
"CREATE TABLE inbox_senders ("
"  org TEXT NOT NULL,"			/* org or contact id */
"  address TEXT NOT NULL,"		/* lower case */
"  added INTEGER NOT NULL,"
"  by TEXT,"
"  PRIMARY KEY (org, address)"
");",
/*
 * 6: history is history. past = 1 marks a deadline that had already
 * passed when koyomi first learned of it (a fresh install, a rule added
 * late): shown as 対象外・過去分, never overdue, counted or chased,
 * until an administrator tracks it (past = 0, event 'tracked'). Tasks
 * created after their due time and never finished are such tasks. The
 * dashboard reads one fiscal year at a time: (fy, due) finds it.
 */
"ALTER TABLE tasks ADD COLUMN past INTEGER NOT NULL DEFAULT 0;"
"UPDATE tasks SET past = 1 WHERE state = 'open' AND due < created;"
"CREATE INDEX tasks_fy ON tasks (fy, due);",
/*
 * 7: the outbox's due rows found through indexes, not by grouping every
 * row still to send (which made each dispatch cost the whole queue).
 * outbox_line holds the rows still to send of each destination in order;
 * a mail row's head is 1 while it is the first of its recipient's rows
 * still to send (only heads may go: one mail at a time per recipient, in
 * order), kept by the triggers below whoever writes the row; outbox_ready
 * holds the heads waiting to be sent, by the time they are due.
 */
"ALTER TABLE outbox ADD COLUMN head INTEGER NOT NULL DEFAULT 0;"
"CREATE INDEX outbox_line ON outbox (channel, destination, id)"
"  WHERE state IN ('pending','sending','failed');"
"UPDATE outbox SET head = 1 WHERE id IN (SELECT MIN(id) FROM outbox"
"  WHERE channel = 'mail' AND state IN ('pending','sending','failed')"
"  GROUP BY destination);"
"CREATE INDEX outbox_ready ON outbox (next_attempt, id)"
"  WHERE head = 1 AND state IN ('pending','failed');"
/* A new row is its recipient's head when none before it is still to send. */
"CREATE TRIGGER outbox_head_new AFTER INSERT ON outbox"
"  WHEN NEW.channel = 'mail' AND NEW.state IN ('pending','sending','failed')"
"  BEGIN"
"    UPDATE outbox SET head = 1 WHERE id = NEW.id AND NOT EXISTS"
"      (SELECT 1 FROM outbox WHERE channel = 'mail'"
"      AND destination = NEW.destination"
"      AND state IN ('pending','sending','failed') AND id < NEW.id);"
"  END;"
/* Sent or dead: the head passes to the next row still to send. */
"CREATE TRIGGER outbox_head_done AFTER UPDATE OF state ON outbox"
"  WHEN NEW.channel = 'mail'"
"  AND OLD.state IN ('pending','sending','failed')"
"  AND NEW.state NOT IN ('pending','sending','failed')"
"  BEGIN"
"    UPDATE outbox SET head = 0 WHERE id = NEW.id AND head = 1;"
"    UPDATE outbox SET head = 1 WHERE OLD.head = 1 AND id ="
"      (SELECT MIN(id) FROM outbox WHERE channel = 'mail'"
"      AND destination = NEW.destination"
"      AND state IN ('pending','sending','failed'));"
"  END;"
/* Requeued (dead back to pending): it may go before the present head. */
"CREATE TRIGGER outbox_head_again AFTER UPDATE OF state ON outbox"
"  WHEN NEW.channel = 'mail'"
"  AND OLD.state NOT IN ('pending','sending','failed')"
"  AND NEW.state IN ('pending','sending','failed')"
"  BEGIN"
"    UPDATE outbox SET head = 0 WHERE head = 1 AND id ="
"      (SELECT MIN(id) FROM outbox WHERE channel = 'mail'"
"      AND destination = NEW.destination"
"      AND state IN ('pending','sending','failed') AND id > NEW.id);"
"    UPDATE outbox SET head = 1 WHERE id = NEW.id AND NOT EXISTS"
"      (SELECT 1 FROM outbox WHERE channel = 'mail'"
"      AND destination = NEW.destination"
"      AND state IN ('pending','sending','failed') AND id < NEW.id);"
"  END;",
/*
 * 8: each open task's next reminder time, so that a reminder pass reads
 * the tasks due (a range of tasks_next), not every open task. 0 means
 * "not known": the pass works it out (a new task, or a task whose due
 * time, state or steps changed, by the triggers below, whoever wrote
 * it); NULL means nothing left to send. The reminder engine recomputes
 * every open task's after a rules change (policies may have changed).
 */
"ALTER TABLE tasks ADD COLUMN next_step INTEGER DEFAULT 0;"
"CREATE INDEX tasks_next ON tasks (next_step, id)"
"  WHERE state = 'open' AND cancelled = 0;"
"CREATE TRIGGER tasks_next_reset AFTER UPDATE OF due, state, cancelled,"
"  past ON tasks WHEN OLD.due IS NOT NEW.due OR OLD.state IS NOT NEW.state"
"  OR OLD.cancelled IS NOT NEW.cancelled OR OLD.past IS NOT NEW.past"
"  BEGIN UPDATE tasks SET next_step = 0 WHERE id = NEW.id; END;"
"CREATE TRIGGER tasks_next_step AFTER INSERT ON reminder_steps"
"  BEGIN UPDATE tasks SET next_step = 0 WHERE id = NEW.task; END;",
/*
 * 9: the outbox's state tests without IN lists of three or more. SQLite
 * builds a temporary b-tree for each such list every time a statement
 * evaluates it: the CHECK of state, the partial index outbox_line and
 * the head triggers made each delivery result open and free seven of
 * them. A row still to send is now "state NOT IN ('sent','dead')" (the
 * CHECK allows no other state), the CHECK an OR of equalities; the table
 * is rebuilt to change its CHECK (its rows and ids unchanged), its
 * indexes and triggers made again with the new tests.
 *
 * And a message's bytes move to a table of their own, keyed by the
 * outbox row's id: delivery rewrites a row twice (sending, then sent),
 * and with the body inside each rewrite copied the whole message (1.7 KB
 * for a reminder, two rows to a page), so every result dirtied a page of
 * its own. A row's body goes with it.
 */
"CREATE TABLE outbox_new ("
"  id INTEGER PRIMARY KEY,"
"  msgid TEXT NOT NULL UNIQUE,"		/* Message-ID / webhook-id, stable across retries */
"  channel TEXT NOT NULL CHECK (channel = 'mail' OR channel = 'webhook'),"
"  destination TEXT NOT NULL,"		/* mail address or webhook endpoint id */
"  kind TEXT NOT NULL,"			/* reminder, overdue, escalation, digest, changed, cancelled, receipt, task.completed … */
"  subject TEXT,"
"  state TEXT NOT NULL DEFAULT 'pending' CHECK (state = 'pending' OR"
"    state = 'sending' OR state = 'sent' OR state = 'failed' OR"
"    state = 'dead'),"
"  attempts INTEGER NOT NULL DEFAULT 0,"
"  next_attempt INTEGER NOT NULL,"
"  last_error TEXT,"
"  created INTEGER NOT NULL,"
"  sent_at INTEGER,"
"  head INTEGER NOT NULL DEFAULT 0"
");"
"INSERT INTO outbox_new (id, msgid, channel, destination, kind, subject,"
"  state, attempts, next_attempt, last_error, created, sent_at, head)"
"  SELECT id, msgid, channel, destination, kind, subject, state,"
"  attempts, next_attempt, last_error, created, sent_at, head FROM outbox;"
"CREATE TABLE outbox_bodies ("
"  id INTEGER PRIMARY KEY,"		/* outbox.id */
"  body BLOB NOT NULL"			/* full RFC 5322 message, or JSON payload */
");"
"INSERT INTO outbox_bodies (id, body) SELECT id, body FROM outbox;"
"DROP TABLE outbox;"
"ALTER TABLE outbox_new RENAME TO outbox;"
"CREATE TRIGGER outbox_body_gone AFTER DELETE ON outbox"
"  BEGIN DELETE FROM outbox_bodies WHERE id = OLD.id; END;"
"CREATE INDEX outbox_due ON outbox (state, next_attempt);"
"CREATE INDEX outbox_line ON outbox (channel, destination, id)"
"  WHERE state NOT IN ('sent','dead');"
"CREATE INDEX outbox_ready ON outbox (next_attempt, id)"
"  WHERE head = 1 AND state IN ('pending','failed');"
"CREATE TRIGGER outbox_head_new AFTER INSERT ON outbox"
"  WHEN NEW.channel = 'mail' AND NEW.state NOT IN ('sent','dead')"
"  BEGIN"
"    UPDATE outbox SET head = 1 WHERE id = NEW.id AND NOT EXISTS"
"      (SELECT 1 FROM outbox WHERE channel = 'mail'"
"      AND destination = NEW.destination"
"      AND state NOT IN ('sent','dead') AND id < NEW.id);"
"  END;"
"CREATE TRIGGER outbox_head_done AFTER UPDATE OF state ON outbox"
"  WHEN NEW.channel = 'mail'"
"  AND OLD.state NOT IN ('sent','dead') AND NEW.state IN ('sent','dead')"
"  BEGIN"
"    UPDATE outbox SET head = 0 WHERE id = NEW.id AND head = 1;"
"    UPDATE outbox SET head = 1 WHERE OLD.head = 1 AND id ="
"      (SELECT MIN(id) FROM outbox WHERE channel = 'mail'"
"      AND destination = NEW.destination"
"      AND state NOT IN ('sent','dead'));"
"  END;"
"CREATE TRIGGER outbox_head_again AFTER UPDATE OF state ON outbox"
"  WHEN NEW.channel = 'mail'"
"  AND OLD.state IN ('sent','dead') AND NEW.state NOT IN ('sent','dead')"
"  BEGIN"
"    UPDATE outbox SET head = 0 WHERE head = 1 AND id ="
"      (SELECT MIN(id) FROM outbox WHERE channel = 'mail'"
"      AND destination = NEW.destination"
"      AND state NOT IN ('sent','dead') AND id > NEW.id);"
"    UPDATE outbox SET head = 1 WHERE id = NEW.id AND NOT EXISTS"
"      (SELECT 1 FROM outbox WHERE channel = 'mail'"
"      AND destination = NEW.destination"
"      AND state NOT IN ('sent','dead') AND id < NEW.id);"
"  END;",
/*
 * 10: replies to a digest. A digest names several tasks in one mail and
 * has no reply address of one task; mail_digest_refs ties its Message-ID
 * to each of them, so that a reply naming it (In-Reply-To, References)
 * is offered to the coordinators with those tasks to choose from:
 * inbox_messages.candidates, the ids of the ones still live when the
 * reply came, separated by spaces.
 */
"CREATE TABLE mail_digest_refs ("
"  msgid TEXT NOT NULL,"			/* a digest's Message-ID */
"  task INTEGER NOT NULL,"
"  PRIMARY KEY (msgid, task)"
") WITHOUT ROWID;"
"ALTER TABLE inbox_messages ADD COLUMN candidates TEXT;",
/*
 * 11: /metrics counts without reading the tables. The tasks by state
 * were a GROUP BY over every row of tasks (130 ms at 242,000 tasks, at
 * each scrape, on the loop); each state is now a range of tasks_count,
 * read from the index alone. The completions by channel a range of
 * task_events_via instead of every event. cancelled comes last: first,
 * it made the index the planner's choice for "cancelled = 0" alone,
 * and an export of every task then sorted them all before its first
 * row instead of reading tasks_fy in order.
 */
"CREATE INDEX tasks_count ON tasks (state, past, due, cancelled);"
"CREATE INDEX task_events_via ON task_events (action, via);",
};

#endif
