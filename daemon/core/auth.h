/*
 * auth.h — what a role may do (auth.c). Roles and tokens are the store's
 * (store/store_tokens.h); the HTTP side checks requests (http/auth_req.h).
 */
#ifndef KOYOMI_AUTH_H
#define KOYOMI_AUTH_H

#include "daemon/store/store_tokens.h"

/*
 * 1 when the token may act on cycle: admins on every name, coordinators
 * on those their token lists (never on "" or a name with a comma),
 * viewers never.
 */
int	auth_can_cycle(const struct auth_info *, const char *cycle);

#endif
