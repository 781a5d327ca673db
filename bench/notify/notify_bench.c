/*
 * notify_bench.c — drives koyomi's notifier (the code the outbox uses:
 * curl multi on libev, pooled easy handles) with N messages and prints
 * messages per second. A benchmark, not a test: see run.sh.
 *
 *   notify_bench smtp smtp://127.0.0.1:PORT MSGFILE N CONC
 *   notify_bench hook http://127.0.0.1:PORT/path BODYFILE N CONC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "calendars/util.h"
#include "notifier/notify.h"

struct bench {
	int	done;
	int	ok;
};

static void
bench_done(void *arg, const struct notify_result *r)
{
	struct bench	*b = arg;

	b->done++;
	if (r->status == NOTIFY_OK)
		b->ok++;
	else if (b->done - b->ok < 5)
		fprintf(stderr, "fail: %s\n", r->error);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	*f = fopen(path, "rb");
	char	*p;
	long	 n;

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = xmalloc((size_t)n + 1);
	*len = fread(p, 1, (size_t)n, f);
	fclose(f);
	return p;
}

int
main(int argc, char **argv)
{
	const char *const	 secrets[] = { "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" };
	struct ev_loop		*loop = EV_DEFAULT;
	struct notify_conf	 nc = { 0 };
	struct notify_endpoint	 ep = { 0 };
	struct notify_job	 j = { 0 };
	struct notify		*n;
	struct bench		 b = { 0, 0 };
	char			*payload, *cause = NULL, id[64];
	size_t			 len;
	int			 i, count, hook;
	double			 t0, t1;

	if (argc != 6)
		return 2;
	hook = strcmp(argv[1], "hook") == 0;
	payload = slurp(argv[3], &len);
	count = atoi(argv[4]);
	nc.mail_concurrency = nc.hook_concurrency = (unsigned)atoi(argv[5]);
	if (!hook) {
		nc.mail_transport = argv[2];
		nc.mail_from = "koyomi <reminder@ics-bench.example.jp>";
	}
	if ((n = notify_new(loop, &nc, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return 1;
	}
	ep.id = "bench";
	ep.url = argv[2];
	ep.secrets = secrets;
	ep.nsecrets = 1;
	t0 = ev_time();
	for (i = 0; i < count; i++) {
		snprintf(id, sizeof id, "msg_bench_%d", i);
		j.channel = hook ? NOTIFY_WEBHOOK : NOTIFY_MAIL;
		j.rcpt = "user@example.lg.jp";
		j.endpoint = &ep;
		j.msgid = id;
		j.payload = payload;
		j.len = len;
		j.done = bench_done;
		j.arg = &b;
		notify_submit(n, &j, &cause);
	}
	while (b.done < count)
		ev_run(loop, EVRUN_ONCE);
	t1 = ev_time();
	printf("%s\t%d\t%d ok\t%.3f s\t%.1f msg/s\n", argv[1], count, b.ok,
	    t1 - t0, count / (t1 - t0));
	notify_free(n);
	free(payload);
	return b.ok == count ? 0 : 1;
}
