/*
 * log.c — stderr logging with journald priority prefixes (see log.h).
 * The only mutable statics in koyomi: the process-wide log settings,
 * set once by main before anything else runs.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendars/log.h"

static int	log_verbose;
static int	log_journal;
static int	log_quiet;

/*
 * stderr is the journal's stream when JOURNAL_STREAM ("DEV:INO", set by
 * systemd) names the very file stderr is (sd_journal_stream_fd(3)); a
 * child that inherited the variable but writes to a terminal or a file
 * keeps plain lines.
 */
static int
stderr_is_journal(void)
{
	const char		*v = getenv("JOURNAL_STREAM");
	struct stat		 st;
	unsigned long long	 dev, ino;
	char			 end;

	if (v == NULL || sscanf(v, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(int verbose)
{
	log_verbose = verbose;
	log_journal = stderr_is_journal();
}

void
log_set_quiet(int q)
{
	log_quiet = q;
}

/*
 * Writes msg with control characters and backslashes escaped, so a value
 * from outside (a header, a rule title, a peer's reply) can neither start
 * a line that looks like another log entry nor hide in the terminal.
 */
static void
log_escaped(const char *msg)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)msg; *p != '\0'; p++) {
		if (*p == '\\')
			fputs("\\\\", stderr);
		else if (*p == '\n')
			fputs("\\n", stderr);
		else if (*p == '\r')
			fputs("\\r", stderr);
		else if (*p == '\t')
			fputs("\\t", stderr);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	}
}

static void
vlog(enum log_level lvl, int with_errno, const char *fmt, va_list ap)
{
	static const char *names[] = {
		[LOG_LVL_ERR] = "error", [LOG_LVL_WARNING] = "warning",
		[LOG_LVL_NOTICE] = "notice", [LOG_LVL_INFO] = "info",
		[LOG_LVL_DEBUG] = "debug",
	};
	int	 saved = errno;
	char	 msg[2048];

	if (lvl == LOG_LVL_DEBUG && !log_verbose)
		return;
	if (log_quiet && lvl > LOG_LVL_ERR)
		return;
	/* va_start dominates every caller: analyzer false positive. */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_journal)
		fprintf(stderr, "<%d>", (int)lvl);
	else
		fprintf(stderr, "koyomi: %s: ", names[lvl]);
	log_escaped(msg);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
	errno = saved;
}

#define LOGFN(name, lvl, e)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list	 ap;						\
	va_start(ap, fmt);					\
	vlog(lvl, e, fmt, ap);					\
	va_end(ap);						\
}
LOGFN(log_warn, LOG_LVL_WARNING, 1)
LOGFN(log_warnx, LOG_LVL_WARNING, 0)
LOGFN(log_info, LOG_LVL_INFO, 0)
LOGFN(log_debug, LOG_LVL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
