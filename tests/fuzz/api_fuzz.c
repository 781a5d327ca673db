/*
 * api_fuzz.c — libFuzzer target for the JSON API with valid credentials:
 * where http_fuzz.c mostly meets the router's refusals, every input here
 * gets past the bearer check. The first byte picks one of the POST routes
 * of the API (low bits) and the token (an admin, or a coordinator of
 * cycle x: the next bit); the rest of the input is the request body,
 * sent as JSON with a correct Content-Length to the real router on a
 * real libmicrohttpd daemon (127.0.0.1, an ephemeral port) under the
 * libev loop, started as http_fuzz.c starts it, on a rule set with two
 * cycles, a survey deadline (answer options), and cases in both cycles.
 *
 * Findings: a crash or sanitizer report; a handler that never returns
 * (the loop runs in this thread: libFuzzer's -timeout reports it, as it
 * did for {"cycle":""} with the old auth_can_cycle); a request not
 * answered within FUZZ_WAIT_MS; an answer that is not HTTP, a 5xx, or an
 * error without a JSON "error" key; and /healthz not answering 200
 * (asked every FUZZ_HEALTH_EVERY inputs). Each of ours is an abort(), so
 * libFuzzer keeps the input. Run: FUZZ_ONLY=api sh tests/fuzz/run.sh.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <ev.h>
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
#include "daemon/core/koyomi.h"
#include "daemon/core/links.h"
#include "daemon/core/metrics.h"
#include "daemon/core/reload.h"
#include "daemon/core/sched.h"
#include "daemon/http/http.h"
#include "daemon/server/modules.h"
#include "daemon/store/store.h"
#include "daemon/store/store_cases.h"
#include "daemon/store/store_tasks.h"

#define FUZZ_ADMIN_TOKEN	"ky_apifuzzadminapifuzzadminapifuzzadminapifu"
#define FUZZ_COORD_TOKEN	"ky_apifuzzcoordapifuzzcoordapifuzzcoordapifu"
#define FUZZ_WAIT_MS		3000	/* an answer later than this is a hang */
#define FUZZ_HEALTH_EVERY	256
#define FUZZ_REPLY_MAX		65536	/* what is kept of an answer */
#define FUZZ_MAX_BODY		4096	/* max_body of the configuration */

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * No contacts and no webhook endpoints: a completion queues nothing, so
 * a long run does not fill the outbox or the disk.
 */
static const char fuzz_rules[] =
    "organisations:\n"
    "  - {id: mhlw, name: 事務局, type: ministry}\n"
    "  - {id: org-a, name: 甲市}\n"
    "  - {id: org-b, name: 乙市}\n"
    "cycles:\n"
    "  - id: x\n"
    "    title: 事業\n"
    "    organiser: mhlw\n"
    "    items:\n"
    "      - {id: d, kind: deadline, title: 提出, date: 5月15日,"
    " assignees: [org-a, org-b]}\n"
    "      - id: s\n"
    "        kind: deadline\n"
    "        title: 調査\n"
    "        date: 5月20日\n"
    "        assignees: [org-a]\n"
    "        response: {options: [はい, いいえ], text: true}\n"
    "  - id: y\n"
    "    title: 別事業\n"
    "    organiser: mhlw\n"
    "    items:\n"
    "      - {id: e, kind: deadline, title: 別提出, date: 6月1日,"
    " assignees: [org-b]}\n";

/*
 * The POST routes of the API (routes.c), with the '*' filled in once the
 * tasks exist (fuzz_routes): cases C-1 (in both cycles) and C-2 (in x
 * only), a task of x, one of y, the survey. Eight, so three bits pick
 * one.
 */
#define FUZZ_NPATHS	8
static char		 fuzz_paths[FUZZ_NPATHS][64];

static struct koyomi	*fuzz_k;
static unsigned		 fuzz_port;
static unsigned long	 fuzz_runs;

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
	char		 hash[65];
	long long	 now = (long long)time(NULL);

	token_hash(FUZZ_ADMIN_TOKEN, hash);
	if (store_token_add(k->store, "fuzz-admin", AUTH_ADMIN, "", hash,
	    now) == -1)
		fatalx("fuzz: cannot add the admin token");
	token_hash(FUZZ_COORD_TOKEN, hash);
	if (store_token_add(k->store, "fuzz-coord", AUTH_COORDINATOR, "x",
	    hash, now) == -1)
		fatalx("fuzz: cannot add the coordinator token");
	if (store_case_add(k->store, "x", "C-1", NULL, "2026-04-01", now) != 0 ||
	    store_case_add(k->store, "y", "C-1", NULL, "2026-04-01", now) != 0 ||
	    store_case_add(k->store, "x", "C-2", NULL, "2026-04-01", now) != 0)
		fatalx("fuzz: cannot add the cases");
}

static void
fuzz_conf(struct koyomi *k, const char *dir)
{
	struct rules_diag	 d;
	char			*p, *conf;

	xasprintf(&p, "%s/koyomi.conf", dir);
	xasprintf(&conf, "listen: 127.0.0.1:0\n"
	    "base_url: http://127.0.0.1:8080\n"
	    "database: %s/koyomi.db\nrules: %s/rules\n"
	    "mail_transport: maildir:%s/mail\n"
	    "secret_key_file: %s/secret.key\n"
	    "max_body: %d\nmax_header: 4096\nconn_timeout: 2\n"
	    "max_connections: 64\n", dir, dir, dir, dir, FUZZ_MAX_BODY);
	put_file(p, conf);
	free(conf);
	rules_diag_init(&d);
	if ((k->conf = conf_load(p, &d)) == NULL)
		fatalx("fuzz: conf: %s", d.n > 0 ? d.msgs[0] : "?");
	rules_diag_free(&d);
	free(p);
}

static void
fuzz_start(const char *dir)
{
	struct koyomi	*k = xcalloc(1, sizeof *k);
	char		*p, *cause = NULL;
	unsigned	 i;

	xasprintf(&p, "%s/rules", dir);
	if (mkdir(p, 0700) == -1)
		fatal("%s", p);
	free(p);
	xasprintf(&p, "%s/rules/x.yaml", dir);
	put_file(p, fuzz_rules);
	free(p);
	fuzz_conf(k, dir);
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

/* The id of the first task of cycle.item. */
static long long
fuzz_task(const char *cycle, const char *item)
{
	struct task_filter	 f = { 0 };
	struct task		*v;
	size_t			 n, i;
	long long		 id = 0;

	f.cycle = cycle;
	f.now = time(NULL);
	if (store_tasks_list(fuzz_k->store, &f, &v, &n) == -1)
		fatalx("fuzz: cannot list the tasks");
	for (i = 0; i < n && id == 0; i++)
		if (strcmp(v[i].item, item) == 0)
			id = (long long)v[i].id;
	tasks_free(v, n);
	if (id == 0)
		fatalx("fuzz: no task of %s.%s", cycle, item);
	return id;
}

static void
fuzz_routes(void)
{
	long long	 d = fuzz_task("x", "d"), s = fuzz_task("x", "s");
	long long	 e = fuzz_task("y", "e");

	snprintf(fuzz_paths[0], 64, "/api/v1/cases");
	snprintf(fuzz_paths[1], 64, "/api/v1/cases/C-1/close");
	snprintf(fuzz_paths[2], 64, "/api/v1/cases/C-2/close");
	snprintf(fuzz_paths[3], 64, "/api/v1/reload");
	snprintf(fuzz_paths[4], 64, "/api/v1/tasks/%lld/done", d);
	snprintf(fuzz_paths[5], 64, "/api/v1/tasks/%lld/reopen", e);
	snprintf(fuzz_paths[6], 64, "/api/v1/tasks/%lld/waive", d);
	snprintf(fuzz_paths[7], 64, "/api/v1/tasks/%lld/answer", s);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 tmpl[] = "/tmp/koyomi-api-fuzz.XXXXXX";

	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	log_set_quiet(1);
	if (mkdtemp(tmpl) == NULL)
		fatal("mkdtemp");
	fuzz_start(tmpl);
	fuzz_routes();
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

/*
 * Sends req and turns the loop until the server closes (every request
 * says Connection: close); the answer, NUL-terminated, in out. Its
 * length, or -1 when no complete answer came within FUZZ_WAIT_MS.
 */
static long
fuzz_exchange(const char *req, size_t len, char *out, size_t outsz)
{
	struct timespec	 t0;
	struct pollfd	 pfd;
	char		 rbuf[16384];
	size_t		 off = 0, got = 0;
	ssize_t		 n;
	int		 fd = fuzz_connect();
	long		 rc = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ms_since(&t0) < FUZZ_WAIT_MS) {
		if (off < len && (n = write(fd, req + off, len - off)) > 0)
			off += (size_t)n;
		ev_run(fuzz_k->loop, EVRUN_NOWAIT);
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1) != 1)
			continue;
		n = read(fd, rbuf, sizeof rbuf);
		if (n == 0) {
			rc = (long)got;	/* closed after the answer */
			break;
		}
		if (n == -1 && errno != EAGAIN) {
			rc = got > 0 ? (long)got : -1;
			break;
		}
		if (n > 0 && got + 1 < outsz) {
			if ((size_t)n > outsz - 1 - got)
				n = (ssize_t)(outsz - 1 - got);
			memcpy(out + got, rbuf, (size_t)n);
			got += (size_t)n;
		}
	}
	out[got] = '\0';
	close(fd);
	/* Let MHD see the close and free the connection now. */
	for (n = 0; n < 8; n++)
		ev_run(fuzz_k->loop, EVRUN_NOWAIT);
	return rc;
}

static int
fuzz_status(const char *reply)
{
	int	 st;

	if (strncmp(reply, "HTTP/1.1 ", 9) != 0 ||
	    sscanf(reply + 9, "%3d", &st) != 1)
		return -1;
	return st;
}

static void
fuzz_health(void)
{
	static const char	 req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n";
	char			 reply[4096];

	if (fuzz_exchange(req, sizeof req - 1, reply, sizeof reply) < 0 ||
	    fuzz_status(reply) != 200) {
		fprintf(stderr, "api_fuzz: /healthz does not answer 200: %.200s\n",
		    reply);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static char	 reply[FUZZ_REPLY_MAX];
	const char	*path, *token, *body;
	struct buf	 req;
	long		 n;
	int		 st;

	if (len == 0)
		return 0;
	/* Over max_body the router answers 413 unread: http_fuzz's ground. */
	if (len - 1 > FUZZ_MAX_BODY)
		len = FUZZ_MAX_BODY + 1;
	path = fuzz_paths[data[0] % FUZZ_NPATHS];
	token = data[0] & 0x08 ? FUZZ_COORD_TOKEN : FUZZ_ADMIN_TOKEN;
	buf_init(&req);
	buf_printf(&req, "POST %s HTTP/1.1\r\nHost: x\r\n"
	    "Authorization: Bearer %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    path, token, len - 1);
	buf_append(&req, data + 1, len - 1);
	n = fuzz_exchange(req.data, req.len, reply, sizeof reply);
	buf_free(&req);
	if (n < 0 || (st = fuzz_status(reply)) == -1) {
		fprintf(stderr, "api_fuzz: POST %s: no answer within %d ms: "
		    "%.200s\n", path, FUZZ_WAIT_MS, reply);
		abort();
	}
	body = strstr(reply, "\r\n\r\n");
	if (st >= 500 || (st >= 400 && (body == NULL ||
	    strstr(body, "\"error\"") == NULL))) {
		fprintf(stderr, "api_fuzz: POST %s: %.400s\n", path, reply);
		abort();
	}
	if (++fuzz_runs % FUZZ_HEALTH_EVERY == 0)
		fuzz_health();
	return 0;
}
