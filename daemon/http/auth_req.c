/*
 * auth_req.c — who is asking (auth_req.h): the API's bearer token.
 */
#include <string.h>

#include "daemon/core/koyomi.h"
#include "daemon/http/auth_req.h"
#include "daemon/http/http.h"
#include "daemon/store/store_tokens.h"

int
auth_bearer(struct http_req *req, enum auth_role min, struct auth_info *ai)
{
	struct koyomi	*k = http_koyomi(req);
	const char	*h = http_header(req, "Authorization");

	if (h == NULL || strncmp(h, "Bearer ", 7) != 0 ||
	    store_token_lookup(k->store, h + 7, ai) == -1) {
		http_add_header(req, "WWW-Authenticate", "Bearer");
		http_reply_json_error(req, 401, "a valid API token is required");
		return -1;
	}
	if (ai->role < min) {
		http_reply_json_error(req, 403, "this token's role may not do "
		    "that");
		return -1;
	}
	return 0;
}
