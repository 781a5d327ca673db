/*
 * json_in.h — a small strict JSON reader for API request bodies
 * (json_in.c): one flat object whose values are strings, numbers,
 * booleans or null. Anything else — nesting, duplicate keys, trailing
 * bytes, bad UTF-8, unpaired surrogates, \u0000, control characters,
 * leading zeros — is an error, so the API answers 400 rather than guess.
 * Pure and bounded (JSON_IN_MAX_MEMBERS); fuzzable.
 */
#ifndef KOYOMI_JSON_IN_H
#define KOYOMI_JSON_IN_H

#include <stddef.h>

#define JSON_IN_MAX_MEMBERS	64

enum json_in_type { JSON_IN_STRING, JSON_IN_NUMBER, JSON_IN_BOOL,
	JSON_IN_NULL };

struct json_in_member {
	char			*key;	/* owned, UTF-8 */
	enum json_in_type	 type;
	char			*str;	/* owned: the string, or the number's text */
	int			 boolean;
};

struct json_in {
	struct json_in_member	*v;
	size_t			 n;
};

/* 0, or -1 with *cause (caller frees) naming the byte offset. */
int		 json_in_parse(const char *, size_t, struct json_in *,
		    char **cause);
void		 json_in_free(struct json_in *);
const struct json_in_member *json_in_get(const struct json_in *,
		    const char *key);
/* The string value of key, NULL when absent or null; -1 when not a string. */
int		 json_in_str(const struct json_in *, const char *key,
		    const char **out);

#endif
