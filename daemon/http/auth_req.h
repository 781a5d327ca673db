/*
 * auth_req.h — the credentials of an HTTP request (auth_req.c).
 */
#ifndef KOYOMI_HTTP_AUTH_REQ_H
#define KOYOMI_HTTP_AUTH_REQ_H

#include "daemon/store/store_tokens.h"

struct http_req;

/*
 * For API handlers: checks "Authorization: Bearer TOKEN" and the minimum
 * role. On failure it has already answered (401 / 403) and returns -1.
 */
int	auth_bearer(struct http_req *, enum auth_role min, struct auth_info *);

#endif
