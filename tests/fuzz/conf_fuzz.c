/*
 * conf_fuzz.c — libFuzzer target for koyomi.conf: any bytes in the file
 * must end in a struct conf or a list of path:line:col diagnostics, never
 * a crash, a leak or a hang. conf_load takes a path, so each input is
 * written to a file first (one per process; the name carries the pid so
 * parallel workers do not share it). Built by tests/fuzz/run.sh, with the
 * sources on the line below (a // line: the globs would open a comment).
 */
// fuzz-sources: daemon/core/conf.c notifier/mail.c notifier/base64.c rules/*.c calendars/*.c
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "daemon/core/conf.h"
#include "rules/rules.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
write_all(const char *path, const uint8_t *data, size_t size)
{
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	while (size > 0) {
		if ((n = write(fd, data, size)) <= 0) {
			close(fd);
			return -1;
		}
		data += n;
		size -= (size_t)n;
	}
	return close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_diag	 d;
	struct conf		*c;
	char			 path[64];

	snprintf(path, sizeof path, "/tmp/koyomi-conf-fuzz.%ld.conf",
	    (long)getpid());
	if (write_all(path, data, size) == -1)
		return 0;
	rules_diag_init(&d);
	c = conf_load(path, &d);
	/* A config that loads has what the daemon relies on. */
	if (c != NULL && (c->listen == NULL || c->database == NULL ||
	    c->rules == NULL || c->database[0] != '/' || c->rules[0] != '/'))
		__builtin_trap();
	if (c == NULL && d.nerrors == 0)
		__builtin_trap();	/* refused without saying why */
	conf_free(c);
	rules_diag_free(&d);
	return 0;
}
