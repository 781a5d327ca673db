/*
 * http_fuzz.c — libFuzzer target for the whole HTTP front: each input is
 * written, as raw bytes, as one client connection to the real router on a
 * real libmicrohttpd daemon (127.0.0.1, an ephemeral port) under the
 * libev loop, with every route of `koyomi run` (feeds, API, dashboard,
 * completion links, /metrics, /healthz) on a tiny rule set, a temp-file
 * store, one admin API token and one private feed token (both in
 * http.dict). The loop runs until the reply is complete, the server
 * closes, or a short timeout; the client then closes, and the loop runs
 * again so the server forgets the connection before the next input.
 *
 * The daemon is built once (LLVMFuzzerInitialize) the way server/server.c
 * starts it, minus signals and sd_notify. A crash, a sanitizer report, or
 * a request that wedges the loop (libFuzzer's -timeout) is a finding.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/codec/token.h"
#include "daemon/core/auth.h"
#include "daemon/core/conf.h"
#include "daemon/feeds/feedtoken.h"
#include "daemon/http/http.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/links.h"
#include "daemon/core/metrics.h"
#include "daemon/server/modules.h"
#include "daemon/core/reload.h"
#include "daemon/core/sched.h"
#include "daemon/store/store.h"

/* Also in http.dict and the corpus: the fuzzer may present them. */
#define FUZZ_API_TOKEN	"ky_fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzzfuz"
#define FUZZ_FEED_TOKEN	"feedfeedfeedfeedfeedfeedfeedfeedfeedfeedfee"
#define FUZZ_WAIT_MS	60	/* longest wait for a reply */
#define FUZZ_IDLE_MS	4	/* quiet after some reply: done */

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char fuzz_rules[] =
    "organisations:\n"
    "  - {id: mhlw, name: 事務局, type: ministry}\n"
    "  - {id: org-a, name: 甲市}\n"
    "contacts:\n"
    "  - {id: c-a, org: org-a, name: 担当, mail: a@a.example.jp}\n"
    "cycles:\n"
    "  - id: x\n"
    "    title: 事業\n"
    "    organiser: mhlw\n"
    "    items:\n"
    "      - {id: d, kind: deadline, title: 提出, date: 5月15日,"
    " assignees: [org-a]}\n"
    "      - {id: m, kind: meeting, title: 会議, date: 6月1日,"
    " time: \"13:00-15:00\"}\n"
    "feeds:\n"
    "  - {id: pub, title: 公開, cycles: [x], deadlines: true}\n";

/* The one daemon of this process (libFuzzer's entry points take no arg). */
static struct koyomi	*fuzz_k;
static unsigned		 fuzz_port;

static void
put_file(const char *path, const char *text)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) != 0)
		fatal("%s", path);
}



static void
fuzz_credentials(struct koyomi *k)
{
	char	 hash[65];

	token_hash(FUZZ_API_TOKEN, hash);
	if (store_token_add(k->store, "fuzz", AUTH_ADMIN, "", hash,
	    (long long)time(NULL)) == -1)
		fatalx("fuzz: cannot add the API token");
	feedtoken_hash(FUZZ_FEED_TOKEN, hash);
	if (store_feedtoken_add(k->store, "org-a", hash, time(NULL)) == -1)
		fatalx("fuzz: cannot add the feed token");
}

static void
fuzz_start(const char *dir)
{
	struct koyomi		*k = xcalloc(1, sizeof *k);
	struct rules_diag	 d;
	char			*p, *cause = NULL;
	unsigned		 i;

	xasprintf(&p, "%s/rules", dir);
	if (mkdir(p, 0700) == -1)
		fatal("%s", p);
	free(p);
	xasprintf(&p, "%s/rules/x.yaml", dir);
	put_file(p, fuzz_rules);
	free(p);
	xasprintf(&p, "%s/koyomi.conf", dir);
	{
		char	*conf;

		xasprintf(&conf, "listen: 127.0.0.1:0\n"
		    "base_url: http://127.0.0.1:8080\n"
		    "database: %s/koyomi.db\nrules: %s/rules\n"
		    "mail_transport: maildir:%s/mail\n"
		    "secret_key_file: %s/secret.key\n"
		    "max_body: 4096\nmax_header: 4096\nconn_timeout: 2\n"
		    "max_connections: 64\n", dir, dir, dir, dir);
		put_file(p, conf);
		free(conf);
	}
	rules_diag_init(&d);
	if ((k->conf = conf_load(p, &d)) == NULL)
		fatalx("fuzz: conf: %s", d.n > 0 ? d.msgs[0] : "?");
	rules_diag_free(&d);
	free(p);
	if ((k->zone = cal_zone_new(k->conf->timezone, &cause)) == NULL ||
	    (k->store = store_open(k->conf->database, &cause)) == NULL)
		fatalx("fuzz: %s", cause);
	fuzz_credentials(k);
	if (links_key_load(k->conf->secret_key_file, k->link_key, &cause) == -1)
		fatalx("fuzz: %s", cause);
	k->has_link_key = 1;
	k->loop = ev_default_loop(EVFLAG_AUTO);
	k->started = koyomi_now(k);
	k->metrics = metrics_start(k);
	if ((k->http = http_start(k, &cause)) == NULL)
		fatalx("fuzz: %s", cause);
	http_routes_install(k);
	k->sched = sched_start(k);
	k->reload = reload_start(k);
	if (reload_now(k, "startup", NULL) == -1)
		fatalx("fuzz: the rules do not load");
	for (i = 0; i < koyomi_nmodules; i++)
		if (koyomi_modules[i].start(k, &cause) == -1)
			fatalx("fuzz: %s: %s", koyomi_modules[i].name, cause);
	koyomi_hook_run(k, KY_RULES_SWAPPED);
	fuzz_port = http_port(k->http);
	fuzz_k = k;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 tmpl[] = "/tmp/koyomi-http-fuzz.XXXXXX";

	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	log_set_quiet(1);
	if (mkdtemp(tmpl) == NULL)
		fatal("mkdtemp");
	fuzz_start(tmpl);
	return 0;
}

static int
fuzz_connect(void)
{
	struct sockaddr_in	 sin;
	int			 fd;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)fuzz_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		fatal("socket");
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1 &&
	    errno != EINPROGRESS)
		fatal("connect");
	return fd;
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec	 t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Loop turns until the reply is read, the server closes, or time is up. */
static void
fuzz_exchange(int fd, const uint8_t *data, size_t len)
{
	struct timespec	 t0, last;
	struct pollfd	 pfd;
	char		 rbuf[16384];
	size_t		 off = 0;
	ssize_t		 n;
	int		 got = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	last = t0;
	while (ms_since(&t0) < FUZZ_WAIT_MS) {
		if (off < len && (n = write(fd, data + off, len - off)) > 0)
			off += (size_t)n;
		ev_run(fuzz_k->loop, EVRUN_NOWAIT);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1) == 1) {
			n = read(fd, rbuf, sizeof rbuf);
			if (n == 0 || (n == -1 && errno != EAGAIN))
				break;		/* server closed */
			if (n > 0) {
				got = 1;
				clock_gettime(CLOCK_MONOTONIC, &last);
			}
		}
		if (got && off == len && ms_since(&last) > FUZZ_IDLE_MS)
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	int	 fd, i;

	fd = fuzz_connect();
	fuzz_exchange(fd, data, len);
	close(fd);
	/* Let MHD see the close and free the connection now. */
	for (i = 0; i < 8; i++)
		ev_run(fuzz_k->loop, EVRUN_NOWAIT);
	return 0;
}
