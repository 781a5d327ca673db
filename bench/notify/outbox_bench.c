/*
 * outbox_bench.c — drives the daemon's outbox (daemon/outbox/outbox.c: SQLite
 * rows → notifier → results written back) rather than the notifier
 * alone: a fresh database in DIR, NMAIL mails to 200 recipients and
 * NHOOK events to 16 webhook endpoints (one row each) queued in one
 * transaction, then the dispatcher runs until every row is sent. Prints
 * the time, messages per second and the SQLite write transactions the
 * dispatcher committed (counted by a commit hook), i.e. what one message
 * costs the database. A benchmark, not a test: see run.sh.
 *
 *   outbox_bench DIR smtp://127.0.0.1:PORT http://127.0.0.1:PORT/path \
 *       NMAIL NHOOK
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "calendars/util.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/metrics.h"
#include "daemon/outbox/outbox.h"
#include "daemon/core/sched.h"
#include "daemon/store/store.h"
#include "daemon/store/store_int.h"
#include "daemon/store/store_outbox.h"

#define NRCPT	200
#define NHOOKS	16

static unsigned long	commits;

static int
bench_commit(void *arg)
{
	(void)arg;
	commits++;
	return 0;
}

static void
bench_enqueue(struct koyomi *k, int nmail, int nhook)
{
	const struct payload_field data[] = {
		{ "task_id", NULL, 7 },
		{ "title", "令和7年度 参加意向調査", 0 },
		{ "due", "2026-02-20", 0 },
	};
	struct payload_event	 ev = { "task.reminder", 1771545600, data, 3 };
	struct outbox_mail	 m;
	char			 to[64], subj[128], *cause = NULL;
	int			 i;

	if (store_begin(k->store) == -1)
		exit(1);
	for (i = 0; i < nmail; i++) {
		memset(&m, 0, sizeof m);
		snprintf(to, sizeof to, "user%d@example.lg.jp", i % NRCPT);
		snprintf(subj, sizeof subj, "【ご提出のお願い】令和7年度 参加意向"
		    "調査（期限：令和8年2月20日（金））#%d", i);
		m.kind = "reminder";
		m.to_name = "東京都　ご担当者様";
		m.to_addr = to;
		m.subject = subj;
		m.body = "東京都　ご担当者様\n\nいつもお世話になっております。"
		    "令和7年度の参加意向調査へのご回答をお願いいたします。\n";
		if (outbox_enqueue_mail(k, &m, &cause) == -1) {
			fprintf(stderr, "%s\n", cause);
			exit(1);
		}
	}
	for (i = 0; i < nhook; i++)
		if (outbox_enqueue_event(k, &ev, &cause) == -1) {
			fprintf(stderr, "%s\n", cause);
			exit(1);
		}
	if (store_commit(k->store) == -1)
		exit(1);
}

static long long
bench_unsent(struct koyomi *k)
{
	long long	c[OUTBOX_NSTATES];

	if (store_outbox_counts(k->store, c) == -1)
		exit(1);
	return c[OUTBOX_PENDING] + c[OUTBOX_SENDING] + c[OUTBOX_FAILED];
}

int
main(int argc, char **argv)
{
	static char		*secrets[] = {
	    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };
	struct conf_webhook	 hooks[NHOOKS];
	char			 ids[NHOOKS][8], db[512], *cause = NULL;
	struct conf		 conf;
	struct koyomi		 k;
	long long		 c[OUTBOX_NSTATES], total;
	double			 t0, t1;
	int			 i, nmail, nhook;

	if (argc != 6) {
		fprintf(stderr, "usage: outbox_bench DIR SMTP-URL HOOK-URL "
		    "NMAIL NHOOK\n");
		return 2;
	}
	nmail = atoi(argv[4]);
	nhook = atoi(argv[5]);
	memset(&conf, 0, sizeof conf);
	memset(hooks, 0, sizeof hooks);
	for (i = 0; i < NHOOKS; i++) {
		snprintf(ids[i], sizeof ids[i], "h%d", i);
		hooks[i].id = ids[i];
		hooks[i].url = argv[3];
		hooks[i].secrets = secrets;
		hooks[i].nsecrets = 1;
	}
	conf.mail_transport = argv[2];
	conf.mail_from = (char *)"koyomi <reminder@ics-bench.example.jp>";
	conf.webhooks = hooks;
	conf.nwebhooks = nhook > 0 ? NHOOKS : 0;
	memset(&k, 0, sizeof k);
	k.conf = &conf;
	k.loop = ev_loop_new(EVFLAG_AUTO);
	snprintf(db, sizeof db, "%s/koyomi.db", argv[1]);
	if ((k.store = store_open(db, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return 1;
	}
	k.sched = sched_start(&k);
	k.metrics = metrics_start(&k);
	bench_enqueue(&k, nmail, nhook);
	total = bench_unsent(&k);
	sqlite3_commit_hook(store_db(k.store), bench_commit, NULL);
	t0 = ev_time();
	if ((k.outbox = outbox_start(&k, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return 1;
	}
	/* Bounded: 10 minutes of loop turns at most. */
	while (bench_unsent(&k) > 0 && ev_time() - t0 < 600)
		ev_run(k.loop, EVRUN_ONCE);
	t1 = ev_time();
	outbox_stop(k.outbox);
	sqlite3_commit_hook(store_db(k.store), NULL, NULL);
	if (store_outbox_counts(k.store, c) == -1)
		return 1;
	printf("outbox\t%lld\t%lld sent\t%.3f s\t%.1f msg/s\t%lu transactions"
	    "\t%.2f per message\n", total, c[OUTBOX_SENT], t1 - t0,
	    (double)total / (t1 - t0), commits, (double)commits / (double)total);
	metrics_stop(k.metrics);
	sched_stop(k.sched);
	store_close(k.store);
	free(k.hooks);
	ev_loop_destroy(k.loop);
	return c[OUTBOX_SENT] == total ? 0 : 1;
}
