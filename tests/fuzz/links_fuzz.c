/*
 * links_fuzz.c — libFuzzer target for the completion-link verifier
 * (daemon/links.h). Three properties per input:
 *  1. links_verify on the input as a token never crashes, and what it
 *     accepts is well formed (assignee NUL-terminated, non-empty);
 *  2. a token links_make builds from values taken from the input verifies
 *     back to the same task and assignee (expired once past its expiry);
 *  3. that token with one character changed (position and value from the
 *     input) is either refused or still names the same task and assignee:
 *     nothing can be changed without the key.
 * Built by tests/fuzz/run.sh.
 * fuzz-sources: daemon/core/links.c notifier/base64.c calendars/util.c calendars/log.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/core/links.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const unsigned char key[LINKS_KEY_LEN] = "koyomi-fuzz-key-0123456789abcdef";

static void
verify_raw(const uint8_t *data, size_t size)
{
	char		*tok, who[LINKS_ASSIGNEE_MAX + 1];
	int64_t		 task;
	enum links_verdict v;

	tok = malloc(size + 1);
	memcpy(tok, data, size);
	tok[size] = '\0';
	memset(who, 'x', sizeof who);
	v = links_verify(key, tok, 1800000000, &task, who);
	if (v == LINKS_OK && (memchr(who, '\0', sizeof who) == NULL ||
	    who[0] == '\0'))
		__builtin_trap();
	free(tok);
}

static void
round_trip(const uint8_t *data, size_t size)
{
	char		 who[LINKS_ASSIGNEE_MAX + 2], got[LINKS_ASSIGNEE_MAX + 1];
	char		*tok;
	int64_t		 task = 0, t2;
	time_t		 exp = 1800000000;
	size_t		 i, n, pos;
	enum links_verdict v;

	if (size < 11)
		return;
	for (i = 0; i < 8; i++)
		task = (int64_t)((uint64_t)task << 8 | data[i]);
	n = data[8] % (LINKS_ASSIGNEE_MAX + 2);
	data += 11;
	size -= 11;
	if (n > size)
		n = size;
	for (i = 0; i < n; i++)
		who[i] = data[i] ? (char)data[i] : 'a';
	who[n] = '\0';
	if ((tok = links_make(key, task, who, exp)) == NULL) {
		if (n > 0 && n <= LINKS_ASSIGNEE_MAX)
			__builtin_trap();	/* valid values refused */
		return;
	}
	v = links_verify(key, tok, exp - 1, &t2, got);
	if (v != LINKS_OK || t2 != task || strcmp(got, who) != 0)
		__builtin_trap();
	if (links_verify(key, tok, exp + 1, &t2, got) != LINKS_EXPIRED)
		__builtin_trap();
	pos = (size_t)data[-2] % strlen(tok);
	if (tok[pos] != (char)data[-1] && data[-1] != '\0') {
		tok[pos] = (char)data[-1];
		v = links_verify(key, tok, exp - 1, &t2, got);
		if (v == LINKS_OK && (t2 != task || strcmp(got, who) != 0))
			__builtin_trap();	/* altered without the key */
	}
	free(tok);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	verify_raw(data, size);
	round_trip(data, size);
	return 0;
}
