/*
 * json.h — small JSON writers for one-document output (`koyomi plan
 * --format json`, the HTTP API). Appends to a struct buf; never fails.
 * Strings are UTF-8: control characters, quotes and backslashes are
 * escaped, U+2028/U+2029 too (so the output is also valid JavaScript),
 * and an invalid UTF-8 byte becomes U+FFFD instead of breaking the
 * document. NULL strings are written as null.
 */
#ifndef KOYOMI_RULES_JSON_H
#define KOYOMI_RULES_JSON_H

#include "calendars/util.h"

void	json_str(struct buf *, const char *);
/* ,"key":value — for members after the first of an object. */
void	json_kv_str(struct buf *, const char *key, const char *);
void	json_kv_int(struct buf *, const char *key, long long);
void	json_kv_bool(struct buf *, const char *key, int);

#endif
