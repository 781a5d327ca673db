/*
 * json.h — small JSON writers for one-document output (`koyomi plan
 * --format json`, the HTTP API). Appends to a struct buf; never fails.
 * Strings go through buf_json_string (calendars/util.h): escaped, also
 * valid JavaScript, invalid UTF-8 as U+FFFD, NULL as null.
 */
#ifndef KOYOMI_RULES_JSON_H
#define KOYOMI_RULES_JSON_H

#include "calendars/util.h"

/* ,"key":value — for members after the first of an object. */
void	json_kv_str(struct buf *, const char *key, const char *);
void	json_kv_int(struct buf *, const char *key, long long);
void	json_kv_bool(struct buf *, const char *key, int);

#endif
