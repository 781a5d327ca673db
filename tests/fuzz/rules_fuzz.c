/*
 * rules_fuzz.c — libFuzzer target for the rule loader: any bytes given
 * to rules_load_buf must end in a rule set or a list of diagnostics,
 * never a crash, a leak or a hang. Built by tests/fuzz/run.sh.
 */
#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rules_diag	 d;
	struct rules		*r;
	char			 sum[256];

	rules_diag_init(&d);
	r = rules_load_buf("fuzz.yaml", (const char *)data, size, &d);
	if (r != NULL)
		rules_summary(r, sum, sizeof sum);
	rules_free(r);
	rules_diag_free(&d);
	return 0;
}
