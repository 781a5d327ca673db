/*
 * auth.c — what a role may do (auth.h). Tokens themselves live in the
 * store (store/store_tokens.c); requests are checked in http/auth_req.c.
 */
#include <string.h>

#include "daemon/core/auth.h"

int
auth_can_cycle(const struct auth_info *ai, const char *cycle)
{
	const char	*p;
	size_t		 n = strlen(cycle);

	if (ai->role == AUTH_ADMIN)
		return 1;
	/*
	 * An empty name is no cycle (and strstr would not move on); one
	 * with a comma is a list, which would match the token's whole list.
	 */
	if (ai->role != AUTH_COORDINATOR || n == 0 ||
	    strchr(cycle, ',') != NULL)
		return 0;
	for (p = ai->cycles; (p = strstr(p, cycle)) != NULL; p += n)
		if ((p == ai->cycles || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}
