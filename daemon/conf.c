/* conf.c — placeholder: defaults only, until the config parser lands. */
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/conf.h"

struct conf *
conf_load(const char *path, struct rules_diag *diag)
{
	struct conf	*c;

	(void)diag;
	c = xcalloc(1, sizeof *c);
	c->path = xstrdup(path);
	c->listen = xstrdup("127.0.0.1:8080");
	c->base_url = xstrdup("http://127.0.0.1:8080");
	c->database = xstrdup("var/koyomi.db");
	c->rules = xstrdup("rules");
	c->timezone = xstrdup("Asia/Tokyo");
	return c;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->listen);
	free(c->base_url);
	free(c->database);
	free(c->rules);
	free(c->timezone);
	free(c);
}
