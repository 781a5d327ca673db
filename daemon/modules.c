/*
 * modules.c — the table of feature modules (modules.h). Add a line here
 * when a module lands; order matters (feeds before chasing, which marks
 * private feeds dirty).
 */
#include <stddef.h>

#include "daemon/modules.h"

const struct module koyomi_modules[] = {
	{ NULL, NULL, NULL },	/* sentinel; keeps the array non-empty */
};
const unsigned koyomi_nmodules = sizeof koyomi_modules /
    sizeof koyomi_modules[0] - 1;
