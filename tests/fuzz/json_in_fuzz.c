/*
 * json_in_fuzz.c — libFuzzer target for the API body reader: any bytes
 * must parse or fail cleanly, and accepted strings must be valid UTF-8.
 * fuzz-sources: daemon/codec/json_in.c calendars/util.c calendars/log.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/codec/json_in.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct json_in	 o;
	char		*cause = NULL;
	size_t		 i;

	if (json_in_parse((const char *)data, len, &o, &cause) == -1) {
		free(cause);
		return 0;
	}
	for (i = 0; i < o.n; i++) {
		if (!utf8_valid(o.v[i].key, strlen(o.v[i].key)))
			abort();
		if (o.v[i].type == JSON_IN_STRING &&
		    !utf8_valid(o.v[i].str, strlen(o.v[i].str)))
			abort();
	}
	json_in_free(&o);
	return 0;
}
